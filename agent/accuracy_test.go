package agent

import (
	"context"
	"fmt"
	"github.com/slawatch/slawatch"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/internal/icmpresponder"
	"github.com/slawatch/slawatch/internal/netlab"
	"github.com/slawatch/slawatch/probe"
)

// farEnd makes a network namespace whose kernel does not answer pings,
// and the project's own responder in it, answering on both families.
func farEnd(t *testing.T) (*netlab.Lab, []*icmpresponder.Responder) {
	t.Helper()
	lab := netlab.New(t)
	if err := lab.Sysctl("net.ipv4.icmp_echo_ignore_all", "1"); err != nil {
		t.Fatal(err)
	}
	_ = lab.Sysctl("net.ipv6.icmp.echo_ignore_all", "1") // absent on old kernels
	var rs []*icmpresponder.Responder
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	for _, n := range [][2]string{{"ip4:icmp", lab.PeerAddr().String()}, {"ip6:ipv6-icmp", lab.PeerAddr6().String()}} {
		var r *icmpresponder.Responder
		err := lab.Do(func() (err error) {
			r, err = icmpresponder.Listen(n[0], n[1])
			return err
		})
		if err != nil {
			t.Fatalf("responder on %s: %v", n[1], err)
		}
		t.Cleanup(func() { r.Close() })
		go r.Serve(ctx)
		rs = append(rs, r)
	}
	return lab, rs
}

func mustConfig(t *testing.T, text string) *Config {
	t.Helper()
	c, err := ParseConfig(strings.NewReader(text), "agent.yaml")
	if err == nil {
		err = c.Validate()
	}
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runUntil runs the agent until clock reads stop.
func runUntil(t *testing.T, a *Agent, clock Clock, stop time.Time, sink Sink) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for clock.Now().Before(stop) {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	if err := a.Run(ctx, sink); err != nil {
		t.Fatal(err)
	}
}

// TestAccuracyLossAndDelay probes the far end over a veth pair from five
// targets per family, each once a second, for two minutes of a clock
// running 3 times faster than real time (a minute is 20 real seconds; a
// probe's 1 s timeout is 333 real ms, room enough on a loaded machine).
// The responder drops exactly floor(n/10) of its first n requests and
// delays every reply by 10 ms.
//
// Tolerances: a family's full minute holds 5 × 60 = 300 probes, of which
// the responder drops 30 (one in ten, give or take one at the minute's
// edges), so the family's minute loss is 10% ± 0.4%; every probe the
// agent counts lost is one the responder dropped (none is late). The
// round trip is at least the 10 ms delay (30 ms on the 3x clock); its
// upper side is not asserted, the machine being shared.
func TestAccuracyLossAndDelay(t *testing.T) {
	lab, rs := farEnd(t)
	for _, r := range rs {
		r.SetLoss(0.1)
		r.SetDelay(10 * time.Millisecond)
	}
	var b strings.Builder
	b.WriteString("defaults: {interval: 1s, timeout: 1s}\ntargets:\n")
	for i := range 5 {
		fmt.Fprintf(&b, "  - {series: v4-%d, icmp: {host: %s}}\n  - {series: v6-%d, icmp: {host: %s}}\n", i, lab.PeerAddr(), i, lab.PeerAddr6())
	}
	cfg := mustConfig(t, b.String())
	const scale = 3
	epoch := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	clock := NewScaledClock(epoch.Add(-time.Second), scale)
	a, err := New(context.Background(), cfg, Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	var c collector
	runUntil(t, a, clock, epoch.Add(2*time.Minute+5*time.Second), c.sink)

	m0 := epoch.Unix() / 60
	for m := m0; m < m0+2; m++ {
		for _, fam := range []string{"v4", "v6"} {
			checkFamilyMinute(t, c.recs[m], fam, m-m0, scale)
		}
	}
	st := a.Stats()
	dropped := rs[0].Stats().Dropped + rs[1].Stats().Dropped
	if st.Lost != dropped || st.Late != 0 || st.Skipped != 0 {
		t.Errorf("agent %+v, responder dropped %d: every loss must be a drop", st, dropped)
	}
}

// checkFamilyMinute checks one family's five targets in one minute.
func checkFamilyMinute(t *testing.T, recs map[string]slawatch.SeriesMinute, fam string, minute int64, scale int) {
	t.Helper()
	var sent, received uint32
	for i := range 5 {
		r := recs[fmt.Sprintf("%s-%d", fam, i)].M
		if r.Sent != 60 {
			t.Errorf("minute %d %s-%d: sent %d, want 60", minute, fam, i, r.Sent)
		}
		if minMs := float64(r.RTTMin) / 1000; r.Received > 0 && minMs < float64(10*scale) {
			t.Errorf("minute %d %s-%d: smallest RTT %.1f ms, below the responder's delay (%d ms on this clock)", minute, fam, i, minMs, 10*scale)
		}
		sent += r.Sent
		received += r.Received
	}
	lostPct := float64(sent-received) / float64(sent) * 100
	if sent != 300 || lostPct < 9.6 || lostPct > 10.4 {
		t.Errorf("minute %d %s: sent %d received %d (loss %.2f%%), want 300 sent and 10%% ± 0.4%% lost", minute, fam, sent, received, lostPct)
	}
	t.Logf("minute %d %s: sent %d, loss %.2f%%", minute, fam, sent, lostPct)
}

// The contract of the outage test: one IIJ Internet access probed every
// 30 s, one Aryaka POP pair probed every second.
const outageContract = `
timezone: UTC
currency: JPY
customers:
  - id: cust
    services:
      - id: internet
        levels: [iij/internet-availability, iij/outage-notification]
        inputs: {router: iij, targets: iij}
        params: {responsibility_type: "1", connection: internet}
      - id: pair
        levels: [aryaka/privatecore-uptime]
        inputs: {path: aryaka}
        params: {remote_sites: 1}
        fees: {mrc: "100000"}
`

// TestOutageSixMinutes silences the far end for six minutes, from 00:02
// to 00:08, on a clock running 60 times faster than real time, and feeds
// the agent's minutes to the engine, as `slawatch agent --contract` does.
//
// The IIJ target is probed at :15 and :45 of every minute (one target in
// a 30 s lane sits mid-lane); both probes of minutes 00:02..00:07 are lost,
// six minutes with no reply, which is at least 5: an outage of 6 minutes,
// detected at the end of its fifth minute (00:07).
// The Aryaka target is probed at :00.5, :01.5, ... (one target in a 1 s
// lane): minutes 00:02..00:07 lose 60 of 60 (> 50%): 6 down minutes.
// Every other minute answers everything.
func TestOutageSixMinutes(t *testing.T) {
	lab, rs := farEnd(t)
	epoch := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	clock := NewScaledClock(epoch.Add(-time.Second), outageScale(t))
	silentFrom, silentTo := epoch.Add(2*time.Minute), epoch.Add(8*time.Minute)
	rs[0].SetDropFunc(func(time.Time, int, int, []byte) bool {
		now := clock.Now()
		return !now.Before(silentFrom) && now.Before(silentTo)
	})
	cfg := mustConfig(t, fmt.Sprintf(`
targets:
  - {series: iij, interval: 30s, timeout: 2s, icmp: {host: %s}}
  - {series: aryaka, interval: 1s, timeout: 1s, icmp: {host: %s}}
`, lab.PeerAddr(), lab.PeerAddr()))
	a, err := New(context.Background(), cfg, Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	ev := outageEvaluator(t)
	runUntil(t, a, clock, epoch.Add(10*time.Minute+10*time.Second), ev.AddNamed)
	rep, err := ev.Finish()
	if err != nil {
		t.Fatal(err)
	}
	svc := rep.Customers[0].Services
	iij, notify, pair := svc[0].Levels[0], svc[0].Levels[1], svc[1].Levels[0]
	if iij.DownMinutes == nil || *iij.DownMinutes != 6 {
		t.Errorf("iij down minutes %v, want 6", iij.DownMinutes)
	}
	if len(notify.Outages) != 1 || notify.Outages[0].Minutes != 6 || notify.Outages[0].Start != "2026-10-05T00:02:00Z" {
		t.Errorf("iij outages %+v, want one of 6 minutes from 00:02", notify.Outages)
	}
	if pair.DownMinutes == nil || *pair.DownMinutes != 6 {
		t.Errorf("aryaka down minutes %v, want 6", pair.DownMinutes)
	}
	st := a.Stats()
	t.Logf("iij: %d down minutes, outage %+v; aryaka: %d down minutes; agent sent %d, replies %d, lost %d, skipped %d",
		deref(iij.DownMinutes), notify.Outages, deref(pair.DownMinutes), st.Sent, st.Replies, st.Lost, st.Skipped)
}

// outageScale is 60 unless SLAWATCH_OUTAGE_SCALE says otherwise:
// bench/outage-realtime.sh sets 1 to watch the outage in real time.
func outageScale(t *testing.T) int {
	v := os.Getenv("SLAWATCH_OUTAGE_SCALE")
	if v == "" {
		return 60
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("SLAWATCH_OUTAGE_SCALE=%q: want a positive integer", v)
	}
	return n
}

func outageEvaluator(t *testing.T) *engine.Evaluator {
	t.Helper()
	cat, err := catalog.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	ct, err := contract.Parse(strings.NewReader(outageContract), "outage.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ct.Bind(cat)
	if err != nil {
		t.Fatal(err)
	}
	month, _ := engine.ParseMonth("2026-10", b.Location)
	ev, err := engine.New(b, month)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestDatagramSocket pings from inside a namespace that allows
// unprivileged ICMP (net.ipv4.ping_group_range), over the datagram
// socket a non-root agent uses, to the root namespace's kernel.
func TestDatagramSocket(t *testing.T) {
	lab := netlab.New(t)
	if err := lab.Sysctl("net.ipv4.ping_group_range", "0 2147483647"); err != nil {
		t.Fatal(err)
	}
	listen := func(v6 bool, _ string) (p *probe.Pinger, err error) {
		err = lab.Do(func() error {
			p, err = probe.ListenPinger(v6, probe.SocketDatagram)
			return err
		})
		return p, err
	}
	cfg := mustConfig(t, fmt.Sprintf("targets:\n  - {series: host, icmp: {host: %s}}\n", lab.HostAddr()))
	epoch := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	clock := NewScaledClock(epoch.Add(-time.Second), 20)
	a, err := New(context.Background(), cfg, Options{Clock: clock, Listen: listen})
	if err != nil {
		t.Fatal(err)
	}
	if a.pingers[0].Privileged() {
		t.Fatal("got a raw socket, want a datagram socket")
	}
	var c collector
	runUntil(t, a, clock, epoch.Add(time.Minute+5*time.Second), c.sink)
	if r := c.recs[epoch.Unix()/60]["host"].M; r.Sent != 60 || r.Received != 60 {
		t.Errorf("minute 0: %+v, want 60 sent and answered", r)
	}
}

func deref(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}
