package agent

import (
	"context"
	"fmt"
	"github.com/slawatch/slawatch"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/probe"
)

// collector is a Sink that keeps every minute.
type collector struct {
	mu      sync.Mutex
	minutes []int64
	recs    map[int64]map[string]slawatch.SeriesMinute
}

func (c *collector) sink(m int64, recs []slawatch.SeriesMinute) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.recs == nil {
		c.recs = map[int64]map[string]slawatch.SeriesMinute{}
	}
	c.minutes = append(c.minutes, m)
	c.recs[m] = map[string]slawatch.SeriesMinute{}
	for _, r := range recs {
		c.recs[m][r.Series] = r
	}
	return nil
}

// settleWait bounds, in real time, how long runFake waits for the
// replies of one step: far beyond any loaded machine's loopback round
// trip. After one step has waited that long, runFake waits no more (the
// run then fails on its counts rather than taking hours).
const settleWait = 10 * time.Second

// runFake runs the agent on clock until it reads stop, then stops it,
// advancing the clock by step at a time. Before each step it waits (in real
// time, at most settleWait) until the main loop has made a pass since the
// last timer fired and settled holds for its stats: every probe out is
// answered, or known to be dropped by the far end; meanwhile it pokes the
// loop to take the replies arriving. The schedule is then exact whatever
// the machine's load; only the packets take real time.
func runFake(t *testing.T, a *Agent, clock *FakeClock, stop time.Time, step time.Duration, settled func(Stats) bool, sink Sink) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	a.poke = make(chan struct{}, 1)
	go func() { done <- a.Run(ctx, sink) }()
	wait := settleWait
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return
		default:
		}
		if clock.Now().Before(stop) {
			if !waitSettled(a, clock, settled, wait) {
				t.Errorf("at %s: not settled after %s: %+v", clock.Now().Format(time.TimeOnly), wait, a.Stats())
				wait = 0
			}
		} else {
			cancel() // the loop drains: keep time moving for its timeouts
			time.Sleep(time.Millisecond)
		}
		clock.Advance(step)
	}
}

// waitSettled waits until the loop has passed since the last timer fired
// and settled holds, or wait has passed; it reports which.
func waitSettled(a *Agent, clock *FakeClock, settled func(Stats) bool, wait time.Duration) bool {
	fired := int64(clock.lastFired().Sub(a.t0))
	deadline := time.Now().Add(wait)
	for {
		st := a.Stats()
		if st.passes > 0 && st.at >= fired && settled(st) {
			return true
		}
		if wait == 0 || time.Now().After(deadline) {
			return wait == 0
		}
		select {
		case a.poke <- struct{}{}:
		default:
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// allAnswered is runFake's settled for a far end that answers everything.
func allAnswered(st Stats) bool { return st.Sent == st.Replies+st.Lost }

func loopbackConfig(t *testing.T, n int, interval string) *Config {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "defaults: {interval: %s}\ntargets:\n", interval)
	for i := range n {
		fmt.Fprintf(&b, "  - {series: lo-%d, icmp: {host: 127.0.%d.%d}}\n", i, i/250, 1+i%250)
	}
	c, err := ParseConfig(strings.NewReader(b.String()), "agent.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLoopbackMinutes probes 20 loopback addresses every second for two
// and a half minutes of a fake clock (runFake: each step waits for the
// replies). Every full minute must hold 60 probes per target, each
// answered, the first sent at second 0 and the last at second 59: the
// schedule sends exactly one probe a second per target.
func TestLoopbackMinutes(t *testing.T) {
	p, err := probe.ListenPinger(false, "")
	if err != nil {
		t.Skipf("no ICMP here: %v", err)
	}
	kernelStamps := p.SendStamps()
	p.Close()
	for _, stamps := range []bool{true, false} {
		t.Run(fmt.Sprintf("icmp_send_stamps=%v", stamps), func(t *testing.T) {
			epoch := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
			clock := NewFakeClock(epoch.Add(-2 * time.Second)) // start before minute 0, so it is full
			cfg := loopbackConfig(t, 20, "1s")
			cfg.ICMPSendStamps = &stamps
			a, err := New(context.Background(), cfg, Options{Clock: clock})
			if err != nil {
				t.Fatal(err)
			}
			var c collector
			runFake(t, a, clock, epoch.Add(2*time.Minute+30*time.Second), 100*time.Millisecond, allAnswered, c.sink)
			m0 := epoch.Unix() / 60
			// minute -1 holds the two seconds before minute 0; minutes 0 and 1
			// are full; minute 2 is the half minute before the stop
			if len(c.minutes) != 4 || c.minutes[0] != m0-1 || c.minutes[3] != m0+2 {
				t.Fatalf("minutes %v, want %d..%d", c.minutes, m0-1, m0+2)
			}
			for m := m0; m < m0+2; m++ {
				for i := range 20 {
					r := c.recs[m][fmt.Sprintf("lo-%d", i)].M
					if r.Sent != 60 || r.Received != 60 || r.FirstReply != 1 || r.LastReply != 60 {
						t.Errorf("minute %d lo-%d: %+v, want 60 sent and answered, from second 0 to 59", m-m0, i, r)
					}
				}
			}
			st := a.Stats()
			if st.Sent != st.Replies+st.Lost || st.Lost != 0 {
				t.Errorf("stats %+v: want every probe answered", st)
			}
			// on loopback every request's stamp is read before its reply
			if want := map[bool]uint64{true: st.Sent, false: 0}[stamps && kernelStamps]; st.SendStamped != want {
				t.Errorf("%d of %d probes timed from the kernel's send stamp, want %d", st.SendStamped, st.Sent, want)
			}
		})
	}
}
