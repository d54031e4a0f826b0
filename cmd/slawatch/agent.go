package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/agent"
	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/contract/contractfile"
	"github.com/slawatch/slawatch/deliver"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/report"
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
	procs    int

	servers   serverURLs
	token     string
	tokenFile string

	clock agent.Clock // nil: the real clock; tests run the agent faster
}

var agentHelp = help{
	usage: "slawatch agent --config FILE [--out FILE] [--server URL --token-file FILE] [--contract FILE [--month YYYY-MM]] [--duration D]",
	about: "Probes the targets of agent.yaml (ICMP, TCP, HTTP, DNS), folds the results into minute records, " +
		"keeps them in the spool until delivered, and writes them to a samples file that evaluate reads, " +
		"delivers them to slawatch servers, or judges them in process. ICMP needs a raw socket (root or " +
		"CAP_NET_RAW) or the agent's group in net.ipv4.ping_group_range. See docs/agent.md.",
	examples: []string{
		"# two minutes of this machine's loopback, into a file, then judged",
		"slawatch agent --config examples/agent.yaml --out /tmp/samples.csv --duration 2m",
		"slawatch evaluate --contract examples/loopback.yaml --samples /tmp/samples.csv --month $(date -u +%Y-%m)",
		"# delivered to two replicas of a server",
		"slawatch agent --config agent.yaml --server https://sw1.example.com,https://sw2.example.com --token-file /etc/slawatch/token",
	},
}

// Run parses the flags and probes until interrupted or --duration passes.
func (c *AgentCommand) Run(ctx context.Context, args []string) error {
	fs := c.flags()
	if err := parseFlags(fs, agentHelp, args, c.Stdout); err != nil {
		return err
	}
	if c.config == "" {
		return usagef("--config is required")
	}
	if err := c.checkServer(); err != nil {
		return err
	}
	if c.procs < 0 {
		return usagef("--procs %d: want 0 (automatic) or a number of CPUs", c.procs)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return usagef("--log-level %q: want debug, info, warn or error", c.logLevel)
	}
	log := slog.New(slog.NewTextHandler(c.Stderr, &slog.HandlerOptions{Level: level}))
	return c.run(ctx, log)
}

// flags defines the flags of agent into c.
func (c *AgentCommand) flags() *flag.FlagSet {
	fs := newFlagSet("agent")
	fs.StringVar(&c.config, "config", "", "the agent configuration `FILE` (YAML; docs/agent.md), e.g. examples/agent.yaml")
	fs.StringVar(&c.out, "out", "", "append minute records to this samples `FILE` (CSV, read by evaluate; an existing file is continued), e.g. /tmp/samples.csv")
	fs.DurationVar(&c.duration, "duration", 0, "stop after `D`, e.g. 90s or 1h (0: run until interrupted)")
	fs.StringVar(&c.contract, "contract", "", "also judge the records against this contract `FILE` and print the report on exit, e.g. examples/loopback.yaml")
	fs.StringVar(&c.month, "month", "", "the month to judge with --contract, `YYYY-MM`, e.g. 2026-12 (default: the current month)")
	fs.StringVar(&c.logLevel, "log-level", "info", "`LEVEL` of the logs: debug, info, warn or error, e.g. --log-level warn")
	fs.IntVar(&c.procs, "procs", 0, "the `N` CPUs the agent's Go runtime runs on at once (GOMAXPROCS), e.g. --procs 2 "+
		"(0: $GOMAXPROCS when set, else 1 for an agent of fewer than 20,000 probes a second, else every CPU)")
	fs.Var(&c.servers, "server", "deliver minute records to the slawatch server at `URL` (needs spool.dir); repeat it, or give a comma-separated list, "+
		"for replicas to fail over to, e.g. --server https://sw1.example.com,https://sw2.example.com")
	fs.StringVar(&c.tokenFile, "token-file", "", "read the server's bearer token from `FILE` (default: $SLAWATCH_TOKEN), e.g. /etc/slawatch/token")
	fs.StringVar(&c.token, "token", "", "the server's bearer `TOKEN`; visible to ps, so prefer --token-file or $SLAWATCH_TOKEN")
	return fs
}

func (c *AgentCommand) run(ctx context.Context, log *slog.Logger) error {
	cfg, err := agent.LoadConfig(c.config)
	if err != nil {
		return err
	}
	if n := agentProcs(c.procs, os.Getenv("GOMAXPROCS"), cfg.ProbesPerSecond()); n > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
	}
	if len(c.servers) > 0 && cfg.Spool.Dir == "" {
		// the server acknowledges what it stored; the spool keeps the rest
		return usagef("--server needs a spool: set spool.dir in %s", cfg.File)
	}
	outs, err := c.outputs(log, cfg)
	if err != nil {
		return err
	}
	defer closeOutputs(outs)
	var sp *spool.Spool
	after := outs.After()
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
	log.Info("probing", "targets", len(cfg.Targets), "probes_per_second", cfg.ProbesPerSecond(), "procs", runtime.GOMAXPROCS(0), "spool", cfg.Spool.Dir, "out", c.out, "servers", c.servers.String())
	if sp == nil {
		err = a.Run(ctx, outs.Write)
	} else {
		err = runSpooled(ctx, a, sp, outs)
	}
	st := a.Stats()
	stats := []any{"targets", st.Targets, "sent", st.Sent, "replies", st.Replies, "lost", st.Lost,
		"late", st.Late, "errors", st.Errors, "skipped", st.Skipped, "minutes", st.Minutes, "records", st.Records}
	if outs.Server != nil { // the delivery has stopped: its count is settled
		stats = append(stats, "refused_records", outs.Server.Refused())
	}
	log.Info("stopped", stats...)
	if err != nil {
		return err
	}
	return finish(outs, c.Stdout)
}

// smallAgentRate is the probe rate below which the agent runs on one CPU
// unless told otherwise. Its probing is one goroutine that wakes 125
// times a second; with a second CPU each wake also hands work between
// threads, which costs more than the probes (bench/agent-vs-fping.sh: at
// 1,000 targets 30 µs a probe on every CPU, 25 on one; at 10,000, 10.0
// and 8.0-8.9). What one CPU costs: a minute's delivery shares it with
// the probing, so once a minute a few probes may leave up to a scheduler
// slice (10 ms) late; their round trips stay exact, being the kernel's.
// Above the rate the delivery of tens of thousands of series gets a CPU
// of its own.
const smallAgentRate = 20_000

// agentProcs is the GOMAXPROCS the agent runs with: --procs when given,
// the runtime's own (0) when $GOMAXPROCS is set or the agent is large, 1
// for a small one.
func agentProcs(procs int, env string, rate float64) int {
	switch {
	case procs > 0:
		return procs
	case env != "" || rate >= smallAgentRate:
		return 0
	}
	return 1
}

// outputs opens what the flags ask for: the --out file, the evaluator of
// --contract and the --server delivery.
func (c *AgentCommand) outputs(log *slog.Logger, cfg *agent.Config) (*deliver.Outputs, error) {
	o := &deliver.Outputs{Log: log}
	if len(c.servers) > 0 {
		o.Server = deliver.NewServer(c.servers, c.token, log, deliver.Options{})
	}
	if c.out != "" {
		f, err := deliver.OpenFile(c.out, log)
		if err != nil {
			return nil, err
		}
		o.File = f
	}
	if c.contract != "" {
		ev, b, err := openEvaluator(c.contract, c.month)
		if err != nil {
			closeOutputs(o)
			return nil, err
		}
		o.Eval = ev
		warnUnbound(log, cfg, b)
	}
	return o, nil
}

// openEvaluator prepares the in-process evaluation of --contract.
func openEvaluator(path, month string) (*engine.Evaluator, *contract.Bound, error) {
	cat, err := catalog.Builtin()
	if err != nil {
		return nil, nil, err
	}
	ct, err := contractfile.Open(path)
	if err != nil {
		return nil, nil, err
	}
	b, err := ct.Bind(cat)
	if err != nil {
		return nil, nil, err
	}
	if month == "" {
		month = time.Now().In(b.Location).Format("2006-01")
	}
	m, err := engine.ParseMonth(month, b.Location)
	if err != nil {
		return nil, nil, usagef("--month: %v", err)
	}
	ev, err := engine.New(b, m)
	return ev, b, err
}

// warnUnbound logs the series the agent measures that --contract does
// not bind: the in-process evaluation leaves them out, and says so once
// rather than not at all.
func warnUnbound(log *slog.Logger, cfg *agent.Config, b *contract.Bound) {
	var unbound []string
	for _, t := range cfg.Targets {
		if _, ok := b.Lookup([]byte(t.Series)); !ok {
			unbound = append(unbound, t.Series)
		}
	}
	if len(unbound) == 0 {
		return
	}
	named := unbound[:min(len(unbound), 10)]
	log.Warn("series not bound by --contract: measured and delivered, not judged in process",
		"contract", b.File, "series", len(unbound), "names", strings.Join(named, ","))
}

// finish prints the in-process evaluation.
func finish(o *deliver.Outputs, w io.Writer) error {
	ev, ok := o.Eval.(*engine.Evaluator)
	if !ok {
		return nil
	}
	rep, err := ev.Finish()
	if err != nil {
		return err
	}
	return report.WriteTable(w, report.JSON(rep))
}

func closeOutputs(o *deliver.Outputs) {
	if o.File != nil {
		o.File.Close()
	}
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
func runSpooled(ctx context.Context, a *agent.Agent, sp *spool.Spool, outs *deliver.Outputs) error {
	appendTo := func(m int64, recs []slawatch.SeriesMinute) error {
		// sorted by series, a batch takes fewer bytes (names share prefixes)
		slices.SortFunc(recs, func(a, b slawatch.SeriesMinute) int { return strings.Compare(a.Series, b.Series) })
		_, err := sp.Append(m, recs)
		return err
	}
	if !outs.Any() {
		return a.Run(ctx, appendTo)
	}
	deliverCtx, stopDelivery := context.WithCancel(context.Background())
	delivered := make(chan error, 1)
	go func() { delivered <- outs.Run(deliverCtx, sp) }()
	err := a.Run(ctx, appendTo)
	outs.Drain(sp)
	stopDelivery()
	if derr := <-delivered; derr != nil && !errors.Is(derr, context.Canceled) {
		return errors.Join(err, derr)
	}
	return err
}
