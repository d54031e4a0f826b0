package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/agent"
	"github.com/slawatch/slawatch/spool"
)

// AgentCommand probes the targets of agent.yaml and writes minute records.
type AgentCommand struct {
	IO
	config   string
	out      string
	duration time.Duration
	contract string
	month    string
	logLevel string

	servers   serverURLs
	token     string
	tokenFile string

	clock agent.Clock // nil: the real clock; tests run the agent faster
}

// Run parses the flags and probes until interrupted or --duration passes.
func (c *AgentCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	fs.StringVar(&c.config, "config", "", "agent configuration `FILE` (YAML)")
	fs.StringVar(&c.out, "out", "", "append minute records to this samples `FILE` (CSV, read by evaluate)")
	fs.DurationVar(&c.duration, "duration", 0, "stop after this long (0: run until interrupted)")
	fs.StringVar(&c.contract, "contract", "", "also judge the records against this contract `FILE` and print the report on exit")
	fs.StringVar(&c.month, "month", "", "the month to judge with --contract, `YYYY-MM` (default: the current month)")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.Var(&c.servers, "server", "deliver minute records to the slawatch server at `URL` (needs spool.dir); repeat it, or give a comma-separated list, for replicas to fail over to")
	fs.StringVar(&c.tokenFile, "token-file", "", "read the server's bearer token from `FILE` (default: $SLAWATCH_TOKEN)")
	fs.StringVar(&c.token, "token", "", "the server's bearer `TOKEN`; visible to ps, so prefer --token-file or $SLAWATCH_TOKEN")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	if c.config == "" {
		return usagef("--config is required")
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if err := c.checkServer(); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return usagef("--log-level %q: want debug, info, warn or error", c.logLevel)
	}
	log := slog.New(slog.NewTextHandler(c.Stderr, &slog.HandlerOptions{Level: level}))
	return c.run(ctx, log)
}

func (c *AgentCommand) run(ctx context.Context, log *slog.Logger) error {
	cfg, err := agent.LoadConfig(c.config)
	if err != nil {
		return err
	}
	if len(c.servers) > 0 && cfg.Spool.Dir == "" {
		// the server acknowledges what it stored; the spool keeps the rest
		return usagef("--server needs a spool: set spool.dir in %s", cfg.File)
	}
	outs, err := c.outputs(log)
	if err != nil {
		return err
	}
	defer outs.close()
	var sp *spool.Spool
	after := outs.after
	if cfg.Spool.Dir != "" {
		if sp, err = openSpool(cfg, log); err != nil {
			return err
		}
		defer sp.Close()
		// a restart within a minute must not spool that minute twice
		after = max(after, sp.Stats().NewestMinute)
	}
	a, err := agent.New(ctx, cfg, agent.Options{Clock: c.clock, Logger: log, After: after})
	if err != nil {
		return err
	}
	if c.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.duration)
		defer cancel()
	}
	log.Info("probing", "targets", len(cfg.Targets), "spool", cfg.Spool.Dir, "out", c.out, "servers", c.servers.String())
	if sp == nil {
		err = a.Run(ctx, outs.write)
	} else {
		err = runSpooled(ctx, a, sp, outs)
	}
	st := a.Stats()
	stats := []any{"targets", st.Targets, "sent", st.Sent, "replies", st.Replies, "lost", st.Lost,
		"late", st.Late, "errors", st.Errors, "skipped", st.Skipped, "minutes", st.Minutes, "records", st.Records}
	if outs.srv != nil { // the delivery has stopped: its count is settled
		stats = append(stats, "refused_records", outs.srv.refused)
	}
	log.Info("stopped", stats...)
	if err != nil {
		return err
	}
	return outs.finish(c.Stdout)
}

// serverURLs is --server: every URL given, in order, whether the flag
// is repeated or given a comma-separated list.
type serverURLs []string

func (s *serverURLs) String() string { return strings.Join(*s, ",") }

func (s *serverURLs) Set(v string) error {
	for _, u := range strings.Split(v, ",") {
		*s = append(*s, strings.TrimSpace(u)) // checked by checkServers
	}
	return nil
}

// checkServer checks --server and finds the token: --token-file,
// --token or $SLAWATCH_TOKEN, in that order of preference. The token
// is the same for every URL: they are replicas of one server.
func (c *AgentCommand) checkServer() error {
	if len(c.servers) == 0 {
		if c.token != "" || c.tokenFile != "" {
			return usagef("--token and --token-file need --server")
		}
		return nil
	}
	if err := checkServers(c.servers); err != nil {
		return err
	}
	switch {
	case c.token != "" && c.tokenFile != "":
		return usagef("--token and --token-file: give one")
	case c.tokenFile != "":
		data, err := os.ReadFile(c.tokenFile)
		if err != nil {
			return fmt.Errorf("--token-file: %w", err)
		}
		c.token = strings.TrimSpace(string(data))
	case c.token == "":
		c.token = os.Getenv("SLAWATCH_TOKEN")
	}
	if c.token == "" {
		return usagef("--server needs a token: --token-file FILE, $SLAWATCH_TOKEN or --token")
	}
	if i := strings.IndexFunc(c.token, func(r rune) bool { return r <= ' ' || r == 0x7f }); i >= 0 {
		return usagef("the server's token holds a space or control character at byte %d", i)
	}
	return nil
}

// checkServers checks every --server URL, naming the first bad one. A
// URL given twice is refused: it would take two turns in the failover.
func checkServers(urls []string) error {
	seen := map[string]bool{}
	for _, u := range urls {
		if u == "" {
			return usagef("--server %q: an empty URL in the list", strings.Join(urls, ","))
		}
		if err := checkServerURL(u); err != nil {
			return err
		}
		key := strings.TrimSuffix(u, "/")
		if seen[key] {
			return usagef("--server %q: given twice", u)
		}
		seen[key] = true
	}
	return nil
}

// checkServerURL checks a --server URL: http or https, a host, nothing after
// the path (the agent POSTs to URL/api/ingest).
func checkServerURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return usagef("--server: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return usagef("--server %q: want an http:// or https:// URL", s)
	case u.Hostname() == "":
		return usagef("--server %q: no host", s)
	case u.User != nil:
		return usagef("--server %q: no credentials in the URL: give the token with --token-file or $SLAWATCH_TOKEN", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return usagef("--server %q: no query or fragment: the agent POSTs to URL/api/ingest", s)
	}
	return nil
}

func openSpool(cfg *agent.Config, log *slog.Logger) (*spool.Spool, error) {
	policy := spool.DropOldest
	if cfg.Spool.WhenFull != "" {
		var err error
		if policy, err = spool.ParsePolicy(cfg.Spool.WhenFull); err != nil {
			return nil, fmt.Errorf("%s: spool.when_full: %w", cfg.File, err)
		}
	}
	return spool.Open(cfg.Spool.Dir, spool.Options{MaxBytes: cfg.Spool.MaxBytes, WhenFull: policy, Logger: log})
}

// runSpooled puts the agent's minutes in the spool and a consumer
// delivers them to the outputs, acknowledging each once written.
// With no output the minutes stay spooled for a later consumer.
func runSpooled(ctx context.Context, a *agent.Agent, sp *spool.Spool, outs *outputs) error {
	appendTo := func(m int64, recs []slawatch.SeriesMinute) error {
		// sorted by series, a batch takes fewer bytes (names share prefixes)
		slices.SortFunc(recs, func(a, b slawatch.SeriesMinute) int { return strings.Compare(a.Series, b.Series) })
		_, err := sp.Append(m, recs)
		return err
	}
	if !outs.any() {
		return a.Run(ctx, appendTo)
	}
	deliverCtx, stopDelivery := context.WithCancel(context.Background())
	delivered := make(chan error, 1)
	go func() { delivered <- outs.deliver(deliverCtx, sp) }()
	err := a.Run(ctx, appendTo)
	outs.drain(sp)
	stopDelivery()
	if derr := <-delivered; derr != nil && !errors.Is(derr, context.Canceled) {
		return errors.Join(err, derr)
	}
	return err
}
