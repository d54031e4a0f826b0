package main

import (
	"context"
	"flag"
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
	examples: []string{
		"# everything in a temporary directory, on 127.0.0.1:8080",
		"slawatch demo",
		"# kept in /tmp/sw-demo to go on later, another port, an outage every 20 minutes",
		"slawatch demo --addr 127.0.0.1:9090 --dir /tmp/sw-demo --outage-every 20m",
		"# 3-minute outages (Aryaka's tunnel down, not yet IIJ's outage), the server's logs shown",
		"slawatch demo --outage-for 3m --log-level info",
	},
}

// Run parses the flags and runs the demo until interrupted.
func (c *DemoCommand) Run(ctx context.Context, args []string) error {
	fs := c.flags()
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

// flags defines the flags of demo into c.
func (c *DemoCommand) flags() *flag.FlagSet {
	fs := newFlagSet("demo")
	fs.StringVar(&c.cfg.Addr, "addr", demo.DefaultAddr, "serve on `ADDR`; a free port of its host when taken, e.g. --addr 127.0.0.1:9090")
	fs.StringVar(&c.cfg.Dir, "dir", "", "keep the data in `DIR` (default: a temporary directory, removed on exit); run again with the same DIR to go on, e.g. /tmp/sw-demo")
	fs.DurationVar(&c.cfg.OutageEvery, "outage-every", 10*time.Minute, "close the tokyo listener every `D`, e.g. 20m for fewer outages")
	fs.DurationVar(&c.cfg.OutageFor, "outage-for", 6*time.Minute, "for `D` each time (IIJ detects an outage after 5 silent minutes, Aryaka a tunnel down after 1), e.g. 3m for outages only Aryaka detects")
	fs.Uint64Var(&c.cfg.Seed, "seed", 1, "the back-filled history's `SEED`: the same seed, the same history, e.g. 7")
	fs.StringVar(&c.logLevel, "log-level", "error", "`LEVEL` of the server's and agent's logs: debug, info, warn or error (the demo's own lines go to stdout whatever the level), e.g. --log-level info")
	fs.StringVar(&c.logFormat, "log-format", "text", "`FORMAT` of those logs: text or json, e.g. --log-format json")
	return fs
}
