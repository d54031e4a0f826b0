// Package agent probes targets on a schedule and folds the results into
// minute records, the way the seed SLAs measure: an ICMP echo every second
// (Aryaka) or every 30 seconds (IIJ), TCP, HTTP and DNS checks every
// minute. Minute buckets are aligned to wall-clock minutes; a probe
// belongs to the minute it was scheduled in (it goes out at most one
// interval late; later ones are skipped and counted), its reply is timed
// by the second it was scheduled at (slawatch.Minute's FirstReply and
// LastReply, as a probe row's time is in a samples file), and a reply
// after the target's timeout counts as lost for that minute. A minute is handed to the Sink
// once every probe sent in it has been answered or has timed out.
//
// One goroutine, the main loop, owns all per-target state. It wakes on a
// coarse tick (sendTick) rather than for every probe: it takes the echo
// replies waiting in the sockets (timed by the kernel as they arrived, so
// reading them later changes no round trip), sends in one batch every
// probe due within half a tick either side (±4 ms), takes check
// results from a channel, and flushes minutes. All ICMP targets of an
// address family share one socket; each TCP, HTTP or DNS probe runs on a
// goroutine of its own for its duration.
package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/probe"
)

// A Sink receives each minute's records, in minute order. minute is the
// Unix minute (Unix seconds / 60). records is reused after Sink returns.
// An error is logged and counted; the agent goes on probing.
type Sink func(minute int64, records []slawatch.SeriesMinute) error

// Options are the agent's collaborators.
type Options struct {
	Clock    Clock                                             // RealClock{} when nil
	Logger   *slog.Logger                                      // slog.Default() when nil
	Resolver probe.Resolver                                    // net.DefaultResolver when nil
	Listen   func(v6 bool, mode string) (*probe.Pinger, error) // probe.ListenPinger when nil
	// After is the last minute a previous run already delivered: the
	// agent does not hand over it or an earlier one again (a restart
	// within a minute would otherwise count that minute twice).
	After int64
}

// flushGrace is how long after a minute's last timeout it is flushed:
// room for a reply the reader has read but the main loop not yet taken.
const flushGrace = 200 * time.Millisecond

// Agent probes the targets of one Config.
type Agent struct {
	clock   Clock
	log     *slog.Logger
	targets []target
	lanes   []*lane
	pingers [2]*probe.Pinger // IPv4, IPv6
	echoes  [2][]probe.Echo
	t0      time.Time // clock time 0
	wall0   int64     // Unix nanoseconds at clock time 0
	maxTO   int64     // the longest timeout

	rx      [2]*probe.Receiver                           // the main loop's readers of pingers
	reps    []probe.Reply                                // replies just read, reused
	sents   []probe.Sent                                 // transmit stamps just read, reused
	onRTT   func(target, serial uint32, sent, rtt int64) // a test's view of each round trip; nil
	results chan checkResult
	running sync.WaitGroup // check goroutines
	done    chan struct{}  // closed when Run returns
	poke    chan struct{}  // tests: take replies without a tick (nil otherwise)

	nextFlush int64 // the next Unix minute to flush
	after     int64 // minutes up to this one are not handed over
	records   []slawatch.SeriesMinute

	mu    sync.Mutex
	stats Stats
}

type checkResult struct {
	target uint32
	serial uint32
	rtt    int64 // nanoseconds
	err    error
}

// New resolves every target and opens the sockets. A target that cannot
// be resolved, or ICMP without permission, is an error naming it.
func New(ctx context.Context, c *Config, opt Options) (*Agent, error) {
	opt = opt.withDefaults()
	a := &Agent{
		clock:   opt.Clock,
		log:     opt.Logger,
		targets: make([]target, len(c.Targets)),
		results: make(chan checkResult, 1024),
		done:    make(chan struct{}),
	}
	ivs := make([]int64, len(c.Targets))
	for i := range c.Targets {
		ct := &c.Targets[i]
		if err := a.setup(ctx, &a.targets[i], ct, c, opt); err != nil {
			a.Close()
			return nil, &ConfigError{File: ct.File, Line: ct.Line, Series: ct.Series, Field: ct.kind(), Msg: err.Error()}
		}
		ivs[i] = int64(ct.Interval.Duration)
		a.maxTO = max(a.maxTO, int64(ct.Timeout.Duration))
	}
	a.t0 = a.clock.Now()
	a.wall0 = a.t0.UnixNano()
	a.lanes = newLanes(a.targets, ivs, a.wall0)
	a.nextFlush = a.wall0 / int64(time.Minute)
	a.after = opt.After
	a.stats.Targets = len(a.targets)
	return a, nil
}

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = RealClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Listen == nil {
		o.Listen = probe.ListenPinger
	}
	return o
}

// setup prepares one target: resolves it, and opens the ICMP socket of
// its family on first use.
func (a *Agent) setup(ctx context.Context, t *target, ct *Target, c *Config, opt Options) error {
	t.series = ct.Series
	t.timeout = int64(ct.Timeout.Duration)
	t.bmin = [2]int64{-1, -1}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var err error
	switch {
	case ct.TCP != nil:
		t.check, err = probe.NewTCP(ctx, *ct.TCP, opt.Resolver)
	case ct.HTTP != nil:
		t.check, err = probe.NewHTTP(ctx, *ct.HTTP, opt.Resolver)
	case ct.DNS != nil:
		t.check, err = probe.NewDNS(ctx, *ct.DNS, opt.Resolver)
	default:
		err = a.setupICMP(ctx, t, ct.ICMP, c, opt)
	}
	return err
}

func (a *Agent) setupICMP(ctx context.Context, t *target, spec *probe.ICMPSpec, c *Config, opt Options) error {
	addr, err := probe.Resolve(ctx, opt.Resolver, spec.Host)
	if err != nil {
		return fmt.Errorf("host: %w", err)
	}
	fam := 0
	if addr.Is6() {
		fam = 1
	}
	if a.pingers[fam] == nil {
		p, err := opt.Listen(fam == 1, c.ICMPSocket)
		if err != nil {
			return err
		}
		if !c.SendStamps() {
			p.StopSendStamps()
		}
		a.pingers[fam] = p
	}
	t.dest, t.v6, t.payload = a.pingers[fam].NewDest(addr), fam == 1, uint16(spec.PayloadBytes)
	return nil
}

// Close closes the sockets. Run closes them itself when it returns.
func (a *Agent) Close() {
	for _, p := range a.pingers {
		if p != nil {
			p.Close()
		}
	}
}

// Stats returns the counters so far.
func (a *Agent) Stats() Stats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// now is the clock time since the start, in nanoseconds.
func (a *Agent) now() int64 { return int64(a.clock.Now().Sub(a.t0)) }
