package engine_test

import (
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/slawatch/slawatch/internal/race"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/contract/contractfile"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/sample"
	"github.com/slawatch/slawatch/ticket"
)

// stream is a month's input as the server receives it: minute batches in
// time order, and the tickets, events and claims it sets before a report.
type stream struct {
	b       *contract.Bound
	month   engine.Month
	batches []sample.Batch
	tickets []ticket.Ticket // nil: not given
	events  []ticket.Event
	claims  []ticket.Claim
	reports map[[2]int64]string // fresh's results, by cut and records
}

// setRecords gives ev the stream's tickets, events and claims, if any.
func (s *stream) setRecords(tb testing.TB, ev *engine.Evaluator) {
	tb.Helper()
	if s.tickets == nil && s.events == nil && s.claims == nil {
		return
	}
	if err := ev.SetRecords(s.tickets, s.events, s.claims); err != nil {
		tb.Fatal(err)
	}
}

// feed adds the batches from index i whose minute is before cut, and
// returns the index of the first one left.
func (s *stream) feed(tb testing.TB, ev *engine.Evaluator, i int, cut int64) int {
	tb.Helper()
	for ; i < len(s.batches) && s.batches[i].Minute < cut; i++ {
		if err := ev.Add(&s.batches[i]); err != nil {
			tb.Fatal(err)
		}
	}
	return i
}

func (s *stream) evaluator(tb testing.TB) *engine.Evaluator {
	tb.Helper()
	ev, err := engine.New(s.b, s.month)
	if err != nil {
		tb.Fatal(err)
	}
	return ev
}

// fresh is the report of a new evaluator fed the minutes before cut.
func (s *stream) fresh(tb testing.TB, cut int64, records bool) string {
	tb.Helper()
	key := [2]int64{cut, 0}
	if records {
		key[1] = 1
	}
	if r, ok := s.reports[key]; ok {
		return r
	}
	ev := s.evaluator(tb)
	if records {
		s.setRecords(tb, ev)
	}
	s.feed(tb, ev, 0, cut)
	r := finishJSON(tb, ev)
	if s.reports == nil {
		s.reports = map[[2]int64]string{}
	}
	s.reports[key] = r
	return r
}

// finishJSON finishes ev: its report as JSON, or its error.
func finishJSON(tb testing.TB, ev *engine.Evaluator) string {
	tb.Helper()
	r, err := finishDoc(ev)
	if err != nil {
		return "error: " + err.Error()
	}
	out, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		tb.Fatal(err)
	}
	return string(out)
}

// cuts are the minutes a month-to-date report is asked at: the window's
// start, the context before the month, the month's first day, its
// middle and last minute, the context after it and the window's end.
func (s *stream) cuts(ev *engine.Evaluator) []int64 {
	w0, w1 := ev.Window()
	m0, m1 := s.month.Start.Unix()/60, s.month.End.Unix()/60
	cuts := []int64{w0, m0 - 1, m0, m0 + 24*60 + 7, (m0 + m1) / 2, m1 - 1, m1, m1 + 1, w1}
	if !long() {
		// Each cut costs a fresh evaluator fed up to it: by default the
		// context before the month, a day in and the month's last minute.
		cuts = []int64{m0 - 1, m0 + 24*60 + 7, m1 - 1}
	}
	cuts = slices.DeleteFunc(cuts, func(t int64) bool { return t < w0 || t > w1 })
	slices.Sort(cuts)
	return slices.Compact(cuts)
}

// checkClone feeds one evaluator the whole stream, and at every cut
// finishes a clone of it: each clone's report must be that of a fresh
// evaluator fed the same minutes, and the original, once fed everything,
// that of a fresh evaluator fed everything. onClone: the tickets, events
// and claims are set on each clone only (as the server does), not on
// the original.
func checkClone(t *testing.T, s *stream, onClone bool) {
	ev := s.evaluator(t)
	if !onClone {
		s.setRecords(t, ev)
	}
	next := 0
	for _, cut := range s.cuts(ev) {
		next = s.feed(t, ev, next, cut)
		c := ev.Clone()
		if onClone {
			s.setRecords(t, c)
		}
		if got, want := finishJSON(t, c), s.fresh(t, cut, true); got != want {
			t.Fatalf("clone at minute %d (window %v): report differs from a fresh evaluator's\n%s", cut, s.month.Name, diff(got, want))
		}
	}
	s.feed(t, ev, next, 1<<62)
	if got, want := finishJSON(t, ev), s.fresh(t, 1<<62, !onClone); got != want {
		t.Fatalf("original after clones: report differs from a fresh evaluator's\n%s", diff(got, want))
	}
}

// diff shows the first differing lines of two reports.
func diff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			lo, hi := max(i-3, 0), min(i+4, len(g), len(w))
			return "got:\n" + strings.Join(g[lo:hi], "\n") + "\nwant:\n" + strings.Join(w[lo:hi], "\n")
		}
	}
	return "lengths differ: got " + g[min(len(g), len(w))-1] + "..., want " + w[min(len(g), len(w))-1] + "..."
}

func TestCloneExamples(t *testing.T) {
	race.SkipHeavy(t, "the example months evaluated at each cut")
	for i, name := range []string{"iij", "ntt", "aryaka"} {
		if !long() && name == "aryaka" {
			continue // the longest month: by default TestCloneEveryKind's synthetic one has its rule kinds
		}
		s := exampleStream(t, name)
		for _, onClone := range []bool{false, true} {
			if !long() && onClone != (i%2 == 1) {
				continue // by default one of the two per example, in turn
			}
			t.Run(name+map[bool]string{false: "/records-on-original", true: "/records-on-clone"}[onClone], func(t *testing.T) {
				checkClone(t, s, onClone)
			})
		}
	}
}

func TestCloneEveryKind(t *testing.T) {
	race.SkipHeavy(t, "a month of every rule kind evaluated at each cut")
	s := syntheticStream(t, 1)
	if len(s.batches) < 44640 {
		t.Fatalf("only %d minutes generated", len(s.batches))
	}
	for _, onClone := range []bool{false, true} {
		if !long() && !onClone {
			continue // TestCloneExamples has records on the original
		}
		checkClone(t, s, onClone)
	}
}

// TestCloneOfClone: a clone fed on is cloned again; each report is that
// of a fresh evaluator fed the same minutes.
func TestCloneOfClone(t *testing.T) {
	if !long() {
		t.Skip("six months of evaluation: SLAWATCH_LONG=1 runs it (TestCloneConcurrent clones a clone fed on, too)")
	}
	s := syntheticStream(t, 2)
	ev := s.evaluator(t)
	m0, m1 := s.month.Start.Unix()/60, s.month.End.Unix()/60
	cut1, cut2 := m0+3*24*60, m1-2*24*60
	i := s.feed(t, ev, 0, cut1)
	c1 := ev.Clone()
	j := s.feed(t, c1, i, cut2)
	c2 := c1.Clone()
	s.setRecords(t, c2)
	if got, want := finishJSON(t, c2), s.fresh(t, cut2, true); got != want {
		t.Fatalf("clone of clone:\n%s", diff(got, want))
	}
	s.feed(t, c1, j, 1<<62)
	s.feed(t, ev, i, 1<<62)
	full := s.fresh(t, 1<<62, false)
	for name, e := range map[string]*engine.Evaluator{"first clone": c1, "original": ev} {
		if got := finishJSON(t, e); got != full {
			t.Fatalf("%s fed to the end:\n%s", name, diff(got, full))
		}
	}
}

// TestCloneConcurrent uses an evaluator and its clones from different
// goroutines at once: run with -race, nothing mutable may be shared.
//
// By default it shares TestCloneEveryKind's month and two of its cuts, a
// day in and the last minute, so the reports of fresh evaluators it is
// checked against are evaluated once for both where both run (without
// -race); SLAWATCH_LONG=1 gives it a month of its own cut in the middle.
func TestCloneConcurrent(t *testing.T) {
	seed := uint64(3)
	if !long() {
		seed = 1
	}
	s := syntheticStream(t, seed)
	m0, m1 := s.month.Start.Unix()/60, s.month.End.Unix()/60
	cut := (m0 + m1) / 2
	if !long() {
		cut, m1 = m0+24*60+7, m1-1
	}
	ev := s.evaluator(t)
	var told []engine.Outage
	ev.OnOutage(func(o engine.Outage) { told = append(told, o) })
	i := s.feed(t, ev, 0, cut)
	want := map[string]string{"clone": s.fresh(t, cut, true), "fed": s.fresh(t, m1, true), "original": s.fresh(t, 1<<62, false)}
	got := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	c, fed := ev.Clone(), ev.Clone()
	wg.Go(func() {
		s.setRecords(t, c)
		r := finishJSON(t, c)
		mu.Lock()
		got["clone"] = r
		mu.Unlock()
	})
	wg.Go(func() {
		s.feed(t, fed, i, m1)
		s.setRecords(t, fed)
		r := finishJSON(t, fed.Clone())
		mu.Lock()
		got["fed"] = r
		mu.Unlock()
	})
	s.feed(t, ev, i, 1<<62)
	r := finishJSON(t, ev)
	wg.Wait()
	got["original"] = r
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("%s:\n%s", k, diff(got[k], want[k]))
		}
	}
	if len(told) == 0 {
		t.Error("no outage told: the synthetic month should have some")
	}
}

// TestCloneTellsNothing: finishing a clone calls no callback, and the
// original's later Finish tells no outage twice.
func TestCloneTellsNothing(t *testing.T) {
	race.SkipHeavy(t, "a month fed and its clone finished every five days")
	s := syntheticStream(t, 4)
	ev := s.evaluator(t)
	var told []engine.Outage
	ev.OnOutage(func(o engine.Outage) { told = append(told, o) })
	m0, m1 := s.month.Start.Unix()/60, s.month.End.Unix()/60
	i := 0
	for cut := m0; cut < m1; cut += 5 * 24 * 60 {
		i = s.feed(t, ev, i, cut)
		n := len(told)
		finishJSON(t, ev.Clone())
		if len(told) != n {
			t.Fatalf("finishing a clone at %d told %d outages", cut, len(told)-n)
		}
	}
	s.feed(t, ev, i, 1<<62)
	finishJSON(t, ev)
	seen := map[engine.Outage]bool{}
	for _, o := range told {
		o.Service, o.Level = nil, nil // compared by position below
		if seen[o] {
			t.Errorf("outage told twice: %+v", o)
		}
		seen[o] = true
	}
}

// TestOutsideRowsReused: rows outside the window are reported by their
// first and last minute although the caller reuses its batch.
func TestOutsideRowsReused(t *testing.T) {
	f := scenario(t, iijInternet)
	month, _ := engine.ParseMonth("2026-11", f.loc)
	ev, err := engine.New(f.b, month)
	if err != nil {
		t.Fatal(err)
	}
	w0, w1 := ev.Window()
	r1, _ := f.b.Lookup([]byte("r1"))
	b := &sample.Batch{}
	for _, m := range []int64{w0 - 30, w0 - 20, w0 + 10, w1 + 5, w1 + 9} {
		b.Minute, b.Rows = m, 1
		b.Records = []sample.Record{{Series: r1, Minute: slawatch.Minute{Sent: 1, Received: 1, RTTSum: 10, RTTSumSq: 100, RTTMin: 10, RTTMax: 10}}}
		if err := ev.Add(b); err != nil {
			t.Fatal(err)
		}
	}
	r, err := finishDoc(ev)
	if err != nil {
		t.Fatal(err)
	}
	first, last := fmtUnix(w0-30, f.loc), fmtUnix(w1+9, f.loc)
	if r.Samples.OutsideFirst != first || r.Samples.OutsideLast != last || r.Samples.Outside != 4 {
		t.Errorf("outside: %d rows, %s to %s; want 4, %s to %s", r.Samples.Outside, r.Samples.OutsideFirst, r.Samples.OutsideLast, first, last)
	}
}

// exampleStream loads examples/NAME.yaml with the samples, tickets,
// events and claims cmd/slawatch's tests evaluate it with, for 2026-10.
func exampleStream(tb testing.TB, name string) *stream {
	tb.Helper()
	cat, err := catalog.Builtin()
	if err != nil {
		tb.Fatal(err)
	}
	ct, err := contractfile.Open("../examples/" + name + ".yaml")
	if err != nil {
		tb.Fatal(err)
	}
	b, err := ct.Bind(cat)
	if err != nil {
		tb.Fatal(err)
	}
	month, err := engine.ParseMonth("2026-10", b.Location)
	if err != nil {
		tb.Fatal(err)
	}
	s := &stream{b: b, month: month}
	if name != "ntt" {
		s.batches = readSamples(tb, b, "../examples/"+name+"-2026-10.csv.gz")
	}
	if name == "iij" {
		return s
	}
	pre := "../examples/" + name
	if s.tickets, err = ticket.OpenTickets(pre+"-tickets.csv", b.Location); err != nil {
		tb.Fatal(err)
	}
	if s.events, err = ticket.OpenEvents(pre+"-events.csv", b.Location); err != nil {
		tb.Fatal(err)
	}
	if s.claims, err = ticket.OpenClaims(pre+"-claims.csv", b.Location); err != nil {
		tb.Fatal(err)
	}
	return s
}

// readSamples reads a samples file into batches of their own.
func readSamples(tb testing.TB, b *contract.Bound, path string) []sample.Batch {
	tb.Helper()
	f, err := sample.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	m := sample.NewMerger(sample.NewReader(f, path, len(b.Series), b.Lookup))
	var out []sample.Batch
	for {
		bt, err := m.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, sample.Batch{Minute: bt.Minute, Rows: bt.Rows, Records: slices.Clone(bt.Records)})
	}
}

// everyKind is a contract with a level of every kind the engine judges:
// fast rules (privatecore-uptime, internet-availability), a loss sum
// (e2e), series runs (private-access), a gate with series runs (cdn),
// baselines (internet-breakout), mean, stddev, block_mean and path_mean
// values (privatecore-loss and -latency, -jitter, lmc-loss,
// backbone-latency), exclusions, notification levels from minutes
// (outage-notification on one and two series, tunnel-down-notify) and
// timed levels from tickets and events (lmc-availability, lmc-mttr,
// anap-ha).
const everyKind = `
timezone: Asia/Tokyo
currency: JPY
customers:
  - id: acme
    services:
      - id: pc
        levels: [aryaka/privatecore-uptime, aryaka/privatecore-loss, aryaka/privatecore-latency, aryaka/privatecore-jitter]
        inputs: {path: p1}
        params: {remote_sites: 1, latency_threshold_ms: 20.5, latency_aggregate: stddev, jitter_threshold_ms: 1.5}
        fees: {mrc: "100000"}
      - id: e2e
        template: aryaka/e2e-uptime
        inputs: {segments: [sa, p1, sb]}
        params: {remote_sites: 1}
        fees: {mrc: "100000"}
      - id: pa
        template: aryaka/private-access-uptime
        inputs: {gateways: [g1, g2]}
        fees: {mrc: "50000"}
      - id: cdn
        template: aryaka/cdn-uptime
        inputs: {origin: o1, edges: [e1, e2, e3, e4]}
        fees: {mrc: "30000"}
      - id: ib
        template: aryaka/internet-breakout
        inputs: {locations: [i1, i2, i3]}
        fees: {mrc: "20000"}
      - id: dia
        template: aryaka/lmc-loss
        inputs: {link: l1}
        fees: {mrc: "30000"}
      - id: lmc
        levels: [aryaka/lmc-availability, aryaka/lmc-mttr]
        params: {target_pct: "99.9", access: dual}
        fees: {mrc: "40000"}
      - id: ha
        template: aryaka/anap-ha
        fees: {anap_ha: "20000", mrc: "100000"}
      - id: vpn
        template: aryaka/tunnel-down-notify
        inputs: {tunnels: [t1, t2]}
        params: {loss_threshold: "50"}
        fees: {mrc: "50000"}
      - id: inet
        levels: [iij/internet-availability, iij/outage-notification]
        inputs: {router: r1, targets: r1}
        params: {responsibility_type: "1", connection: internet}
        fees: {mrc: "100000"}
        credit:
          level: iij/internet-availability
          fee: mrc
          tiers:
            - {above: 0, upto: 60, pct: "10"}
            - {above: 60, pct: "50"}
      - id: dc
        levels: [iij/dc-availability, iij/outage-notification]
        inputs: {lines: [d1, d2], targets: [d1, d2]}
        params: {connection: dc}
      - id: bb
        template: iij/backbone-latency
        inputs: {paths: [b1, b2, b3]}
exclusions:
  - {start: "2026-10-14T01:00:00+09:00", end: "2026-10-14T03:00:00+09:00", announced: "2026-10-01T01:00:00+09:00",
     kind: maintenance, reason: upgrade, services: [acme/pc, acme/e2e, acme/pa, acme/cdn]}
  - {start: "2026-10-20T10:00:00+09:00", end: "2026-10-20T12:00:00+09:00", kind: suspension, reason: unpaid,
     services: [acme/inet, acme/dc]}
`

const everyKindTickets = `id,service,kind,opened,resolved,location_class
T1,acme/lmc,lmc-fault,2026-10-05 10:00,2026-10-05 17:00,B
T2,acme/lmc,lmc-fault,2026-10-30 22:00,,A
`

const everyKindEvents = `id,service,kind,start,end,ref
F1,acme/ha,failover,2026-10-09 02:00,2026-10-09 02:07,
F2,acme/lmc,failover,2026-10-05 10:00,2026-10-05 10:08,
N1,acme/vpn,customer-notified,2026-10-07 10:31,,
N2,acme/inet,customer-notified,2026-10-07 10:31,,
`

const everyKindClaims = `id,service,level,ref,submitted,confirmed,description,duration,tickets,attempts
C1,acme/ha,,F1,2026-10-25 10:00,,failover took 7 minutes,7 min,SR-1,
`

// syntheticStream binds everyKind and generates October 2026 for it, and
// a few minutes either side: healthy minutes with random stretches of
// loss, partial loss, silence, latency spikes and gaps.
//
// The stream of a seed is made once and shared by the tests that ask for
// it, and with it the fresh evaluators' reports it keeps: tests that
// share a seed and cuts evaluate each cut once. Tests do not run in
// parallel, so the shared stream's reports need no lock.
func syntheticStream(tb testing.TB, seed uint64) *stream {
	tb.Helper()
	streamsMu.Lock()
	defer streamsMu.Unlock()
	if s, ok := streams[seed]; ok {
		return s
	}
	s := generateStream(tb, seed)
	streams[seed] = s
	return s
}

var (
	streamsMu sync.Mutex
	streams   = map[uint64]*stream{}
)

// generateStream makes syntheticStream's stream of a seed.
func generateStream(tb testing.TB, seed uint64) *stream {
	tb.Helper()
	f := scenario(tb, everyKind)
	month, err := engine.ParseMonth("2026-10", f.loc)
	if err != nil {
		tb.Fatal(err)
	}
	s := &stream{b: f.b, month: month}
	for _, x := range []struct {
		text string
		read func(string) error
	}{
		{everyKindTickets, func(t string) (err error) {
			s.tickets, err = ticket.ReadTickets(strings.NewReader(t), "tickets.csv", f.loc)
			return err
		}},
		{everyKindEvents, func(t string) (err error) {
			s.events, err = ticket.ReadEvents(strings.NewReader(t), "events.csv", f.loc)
			return err
		}},
		{everyKindClaims, func(t string) (err error) {
			s.claims, err = ticket.ReadClaims(strings.NewReader(t), "claims.csv", f.loc)
			return err
		}},
	} {
		if err := x.read(x.text); err != nil {
			tb.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 42))
	gen := make([]seriesGen, len(f.b.Series))
	for i := range gen {
		gen[i].sent = 60
		if name := f.b.Series[i]; name == "r1" || name == "d1" || name == "d2" {
			gen[i].sent = 2 // pinged every 30 s
		}
	}
	m0, m1 := month.Start.Unix()/60, month.End.Unix()/60
	// Every series is silent for 3 minutes either side of some cuts: a
	// clone's Finish then cuts runs that its original goes on with.
	var silent []int64
	for _, c := range []int64{m0 + 24*60 + 7, (m0 + m1) / 2, m1 - 1} {
		for t := c - 3; t < c+3; t++ {
			silent = append(silent, t)
		}
	}
	for t := m0 - 15; t < m1+15; t++ {
		b := sample.Batch{Minute: t}
		for i := range gen {
			if slices.Contains(silent, t) {
				b.Records = append(b.Records, sample.Record{Series: int32(i), Minute: slawatch.Minute{Sent: gen[i].sent}})
				b.Rows += int64(gen[i].sent)
				continue
			}
			if m, ok := gen[i].next(rng); ok {
				b.Records = append(b.Records, sample.Record{Series: int32(i), Minute: m})
				b.Rows += int64(m.Sent)
			}
		}
		if len(b.Records) > 0 {
			s.batches = append(s.batches, b)
		}
	}
	return s
}

// seriesGen makes one series' minutes: a state held for a random number
// of minutes, mostly healthy.
type seriesGen struct {
	sent  uint32
	state int // 0 healthy, 1 silent, 2 half lost, 3 slow, 4 no data
	left  int
}

func (g *seriesGen) next(rng *rand.Rand) (slawatch.Minute, bool) {
	if g.left == 0 {
		g.state, g.left = 0, 1+rng.IntN(300)
		if rng.IntN(4) == 0 {
			g.state, g.left = 1+rng.IntN(4), 1+rng.IntN(8)
		}
	}
	g.left--
	rtt := uint64(18_000 + rng.IntN(4_000))
	recv := g.sent
	switch g.state {
	case 1:
		recv = 0
	case 2:
		recv = g.sent / 2
	case 3:
		rtt *= 3
	case 4:
		return slawatch.Minute{}, false
	}
	m := slawatch.Minute{Sent: g.sent, Received: recv}
	if recv > 0 {
		// spread the minute's RTTs: half at rtt-d, half at rtt+d
		d := uint64(rng.IntN(2_000))
		lo, hi := rtt-d, rtt+d
		n := uint64(recv)
		m.RTTSum = (n/2)*lo + (n-n/2)*hi
		m.RTTSumSq = (n/2)*lo*lo + (n-n/2)*hi*hi
		m.RTTMin, m.RTTMax = uint32(lo), uint32(hi)
		if n == 1 {
			m.RTTSum, m.RTTSumSq, m.RTTMin = hi, hi*hi, uint32(hi)
		}
	}
	return m, true
}
