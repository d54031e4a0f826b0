package agent

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/internal/icmpresponder"
	"github.com/slawatch/slawatch/internal/netlab"
	"github.com/slawatch/slawatch/probe"
	"github.com/slawatch/slawatch/report"
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
	warmUp(t, lab.PeerAddr())
	warmUp(t, lab.PeerAddr6())
	return lab, rs
}

// warmUp pings addr until it answers: the neighbour resolved, the
// responder serving. A test's first probe must not pay for either (on a
// loaded machine that took more than the 1 s timeout).
func warmUp(t *testing.T, addr netip.Addr) {
	t.Helper()
	p, err := probe.ListenPinger(addr.Is6(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	got := make(chan struct{})
	go func() {
		r := p.NewReceiver(8)
		for {
			reps, err := r.Read(nil)
			if err != nil {
				return
			}
			if slices.ContainsFunc(reps, func(r probe.Reply) bool { return r.From == addr }) {
				close(got)
				return
			}
		}
	}()
	dst := p.NewDest(addr)
	for range 100 {
		p.Send([]probe.Echo{{Dst: dst, Payload: probe.DefaultPayloadBytes}}, func(int, error) {})
		select {
		case <-got:
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("%s does not answer in 10 s", addr)
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
// targets per family, each once a second, for two minutes of a fake clock
// (runFake: each step of 250 ms waits, in real time, until every probe
// out is answered or dropped by the responder). The responder drops
// exactly floor(n/10) of its first n requests and delays every reply by
// 10 ms.
//
// The schedule being exact, a family's full minute holds 5 × 60 = 300
// probes, of which the responder drops 30 (one in ten, give or take one
// at the minute's edges), so the family's minute loss is 10% ± 0.4%.
// What a loaded machine can still promise: every probe the agent counts
// lost is one the responder dropped or one whose reply came back, by the
// kernel's stamp, after the 1 s timeout (the responder, a program on the
// same loaded machine, was that late: seen 3 times in 1,260 beside
// stress-ng with -race); those are at most 1% of the probes, and each
// raises its minute's loss by 1/300. The round trip is at least the 10 ms
// delay; its upper side is not asserted, the machine being shared.
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
	epoch := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	clock := NewFakeClock(epoch.Add(-time.Second))
	a, err := New(context.Background(), cfg, Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	dropped := func() uint64 { return rs[0].Stats().Dropped + rs[1].Stats().Dropped }
	answeredOrDropped := func(st Stats) bool { return st.Sent == st.Replies+st.Late+dropped() }
	var c collector
	runFake(t, a, clock, epoch.Add(2*time.Minute+5*time.Second), 250*time.Millisecond, answeredOrDropped, c.sink)

	m0 := epoch.Unix() / 60
	st := a.Stats()
	for m := m0; m < m0+2; m++ {
		for _, fam := range []string{"v4", "v6"} {
			checkFamilyMinute(t, c.recs[m], fam, m-m0, st.Late)
		}
	}
	if st.Lost != dropped()+st.Late || st.Late > st.Sent/100 || st.Skipped != 0 {
		t.Errorf("agent %+v, responder dropped %d: every loss must be a drop or late, at most 1%% late", st, dropped())
	}
}

// checkFamilyMinute checks one family's five targets in one minute.
// late is the number of replies the whole run had after the timeout.
func checkFamilyMinute(t *testing.T, recs map[string]slawatch.SeriesMinute, fam string, minute int64, late uint64) {
	t.Helper()
	var sent, received uint32
	for i := range 5 {
		r := recs[fmt.Sprintf("%s-%d", fam, i)].M
		if r.Sent != 60 {
			t.Errorf("minute %d %s-%d: sent %d, want 60", minute, fam, i, r.Sent)
		}
		if minMs := float64(r.RTTMin) / 1000; r.Received > 0 && minMs < 10 {
			t.Errorf("minute %d %s-%d: smallest RTT %.3f ms, below the responder's 10 ms delay", minute, fam, i, minMs)
		}
		sent += r.Sent
		received += r.Received
	}
	lostPct := float64(sent-received) / float64(sent) * 100
	if most := 10.4 + float64(late)*100/300; sent != 300 || lostPct < 9.6 || lostPct > most {
		t.Errorf("minute %d %s: sent %d received %d (loss %.2f%%), want 300 sent and 9.6%% to %.2f%% lost (%d late)", minute, fam, sent, received, lostPct, most, late)
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
// to 00:08, on a fake clock (runFake; bench/outage-realtime.sh runs it in
// real time instead), and feeds the agent's minutes to the engine, as
// `slawatch agent --contract` does.
//
// The IIJ target is probed at :15 and :45 of every minute (one target in
// a 30 s lane sits mid-lane); both probes of minutes 00:02..00:07 are lost.
// The agent times replies to the second (the last before the silence sent
// at 00:01:45, the first after it at 00:08:15), so the silence runs from
// the first lost probe, 00:02:15, to 00:08:15: 360 s, at least 5 minutes,
// an outage of 6 minutes detected 5 minutes into it (00:07:15).
// The Aryaka target is probed at :00.5, :01.5, ... (one target in a 1 s
// lane): minutes 00:02..00:07 lose 60 of 60 (> 50%): 6 down minutes.
// Every other minute answers everything.
func TestOutageSixMinutes(t *testing.T) {
	lab, rs := farEnd(t)
	epoch := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	var clock Clock = NewFakeClock(epoch.Add(-time.Second))
	if scale, ok := outageScale(t); ok {
		clock = NewScaledClock(epoch.Add(-time.Second), scale)
	}
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
	stop := epoch.Add(10*time.Minute + 10*time.Second)
	if fake, ok := clock.(*FakeClock); ok {
		settled := func(st Stats) bool { return st.Sent == st.Replies+st.Late+rs[0].Stats().Dropped }
		runFake(t, a, fake, stop, time.Second, settled, ev.AddNamed)
	} else {
		runUntil(t, a, clock, stop, ev.AddNamed)
	}
	res, err := ev.Finish()
	if err != nil {
		t.Fatal(err)
	}
	svc := report.JSON(res).Customers[0].Services
	iij, notify, pair := svc[0].Levels[0], svc[0].Levels[1], svc[1].Levels[0]
	if iij.DownMinutes == nil || *iij.DownMinutes != 6 {
		t.Errorf("iij down minutes %v, want 6", iij.DownMinutes)
	}
	if o := notify.Outages; len(o) != 1 || o[0].Minutes != 6 || o[0].Seconds != 360 || o[0].Start != "2026-10-05T00:02:15Z" || o[0].DetectedAt != "2026-10-05T00:07:15Z" {
		t.Errorf("iij outages %+v, want one of 6 minutes (360 s) from 00:02:15, detected 00:07:15", o)
	}
	if pair.DownMinutes == nil || *pair.DownMinutes != 6 {
		t.Errorf("aryaka down minutes %v, want 6", pair.DownMinutes)
	}
	st := a.Stats()
	t.Logf("iij: %d down minutes, outage %+v; aryaka: %d down minutes; agent sent %d, replies %d, lost %d, skipped %d",
		deref(iij.DownMinutes), notify.Outages, deref(pair.DownMinutes), st.Sent, st.Replies, st.Lost, st.Skipped)
}

// outageScale is SLAWATCH_OUTAGE_SCALE, when set: the outage test then
// runs on a clock that many times faster than real time rather than on the
// fake clock (bench/outage-realtime.sh sets 1 to watch it in real time).
func outageScale(t *testing.T) (int, bool) {
	v := os.Getenv("SLAWATCH_OUTAGE_SCALE")
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("SLAWATCH_OUTAGE_SCALE=%q: want a positive integer", v)
	}
	return n, true
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
// socket a non-root agent uses, to the root namespace's kernel, for a
// minute of a fake clock: exactly 60 probes, all answered.
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
	clock := NewFakeClock(epoch.Add(-time.Second))
	a, err := New(context.Background(), cfg, Options{Clock: clock, Listen: listen})
	if err != nil {
		t.Fatal(err)
	}
	if a.pingers[0].Privileged() {
		t.Fatal("got a raw socket, want a datagram socket")
	}
	var c collector
	runFake(t, a, clock, epoch.Add(time.Minute+5*time.Second), 250*time.Millisecond, allAnswered, c.sink)
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
