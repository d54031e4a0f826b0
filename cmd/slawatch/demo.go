package main

import (
	"context"
	"time"

	"github.com/slawatch/slawatch/agent"
	"github.com/slawatch/slawatch/internal/demo"
)

// DemoCommand runs the whole system on loopback: see package demo.
type DemoCommand struct {
	IO
	cfg       demo.Config
	logLevel  string
	logFormat string

	clock agent.Clock     // nil: the real clock; tests run the demo faster
	ready func(demo.Info) // tests: called once the demo serves
}

var demoHelp = help{
	usage: "slawatch demo [--addr ADDR] [--dir DIR] [flags]",
	about: "Runs the whole system on loopback with nothing to set up: the server on SQLite in a temporary " +
		"directory with plausible history back-filled, an in-process agent probing TCP listeners every " +
		"second, one listener closed for 6 minutes every 10 so outages are detected and notified to an " +
		"in-process mailbox (/demo/mail). It prints the URL and two tokens; Ctrl-C removes everything. See docs/demo.md.",
	examples: []string{"slawatch demo", "slawatch demo --addr 127.0.0.1:9090 --dir /tmp/sw-demo --outage-every 20m"},
}

// Run parses the flags and runs the demo until interrupted.
func (c *DemoCommand) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("demo")
	fs.StringVar(&c.cfg.Addr, "addr", demo.DefaultAddr, "serve on `ADDR`; a free port of its host when taken")
	fs.StringVar(&c.cfg.Dir, "dir", "", "keep the data in `DIR` (default: a temporary directory, removed on exit); run again with the same DIR to go on")
	fs.DurationVar(&c.cfg.OutageEvery, "outage-every", 10*time.Minute, "close the tokyo listener every `D`")
	fs.DurationVar(&c.cfg.OutageFor, "outage-for", 6*time.Minute, "for `D` each time (IIJ detects an outage after 5 silent minutes, Aryaka a tunnel down after 1)")
	fs.Uint64Var(&c.cfg.Seed, "seed", 1, "the back-filled history's `SEED`")
	fs.StringVar(&c.logLevel, "log-level", "error", "the server's and agent's logs: debug, info, warn or error (the demo's own lines go to stdout whatever the level)")
	fs.StringVar(&c.logFormat, "log-format", "text", "text or json")
	if err := parseFlags(fs, demoHelp, args, c.Stdout); err != nil {
		return err
	}
	if err := c.cfg.Validate(); err != nil {
		return usagef("--%v", err)
	}
	log, err := newLogger(c.Stderr, c.logLevel, c.logFormat)
	if err != nil {
		return err
	}
	c.cfg.Logger, c.cfg.Out, c.cfg.Clock, c.cfg.Ready = log, c.Stdout, c.clock, c.ready
	return demo.Run(ctx, c.cfg)
}
