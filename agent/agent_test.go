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

// TestLoopbackMinutes probes 20 loopback addresses every (agent) second
// for two and a half minutes of a clock running 10 times faster than
// real time. Every full minute must hold 60 probes per target, each
// answered: the schedule sends exactly one probe a second per target.
func TestLoopbackMinutes(t *testing.T) {
	if _, err := probe.ListenPinger(false, ""); err != nil {
		t.Skipf("no ICMP here: %v", err)
	}
	epoch := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	clock := NewScaledClock(epoch.Add(-2*time.Second), 10) // start before minute 0, so it is full
	a, err := New(context.Background(), loopbackConfig(t, 20, "1s"), Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	var c collector
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for clock.Now().Before(epoch.Add(2*time.Minute + 30*time.Second)) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	if err := a.Run(ctx, c.sink); err != nil {
		t.Fatal(err)
	}
	m0 := epoch.Unix() / 60
	// minute -1 holds the two seconds before minute 0; minutes 0 and 1
	// are full; minute 2 is the half minute before the stop
	if len(c.minutes) != 4 || c.minutes[0] != m0-1 || c.minutes[3] != m0+2 {
		t.Fatalf("minutes %v, want %d..%d", c.minutes, m0-1, m0+2)
	}
	for m := m0; m < m0+2; m++ {
		for i := range 20 {
			r := c.recs[m][fmt.Sprintf("lo-%d", i)]
			if r.M.Sent != 60 || r.M.Received < 57 {
				t.Errorf("minute %d lo-%d: %+v, want 60 sent and (nearly) all answered", m-m0, i, r.M)
			}
		}
	}
	st := a.Stats()
	if st.Sent != st.Replies+st.Lost {
		t.Errorf("stats %+v: sent != replies + lost", st)
	}
}
