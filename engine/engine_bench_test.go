package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/sample"
)

// The evaluation benchmarks judge a whole month of minute records for many
// series: one iteration is one month, so run them with -benchtime=1x or 3x.
// They report records/s, where a record is one series' minute
// (series × minutes fed), the unit of the ">= 50 M minute-records/s" goal.

// benchLevels are the PrivateCore levels of one benchmark service.
var (
	benchPrivateCore = []string{"aryaka/privatecore-uptime", "aryaka/privatecore-loss", "aryaka/privatecore-jitter"}
	benchUptimeOnly  = []string{"aryaka/privatecore-uptime"}
)

// benchContractYAML is a UTC contract of n services of one customer, each
// with levels on its own series "link-NNNN".
func benchContractYAML(n int, levels []string) string {
	var sb strings.Builder
	sb.WriteString("timezone: UTC\ncurrency: USD\ncustomers:\n  - id: bench\n    services:\n")
	jitter := false
	for _, l := range levels {
		jitter = jitter || l == "aryaka/privatecore-jitter"
	}
	for i := range n {
		fmt.Fprintf(&sb, "      - id: svc-%04d\n        levels: [%s]\n        inputs: {path: link-%04d}\n",
			i, strings.Join(levels, ", "), i)
		if jitter {
			sb.WriteString("        params: {remote_sites: 1, jitter_threshold_ms: 5}\n")
		} else {
			sb.WriteString("        params: {remote_sites: 1}\n")
		}
		sb.WriteString("        fees: {mrc: \"1000\"}\n")
	}
	return sb.String()
}

// benchSetup is a bound contract, its month and the minutes to feed.
type benchSetup struct {
	b        *contract.Bound
	month    engine.Month
	from, to int64 // unix minutes [from, to): the month and its context
	recs     []sample.Record
	rows     int64 // CSV rows one batch stands for
}

func newBenchSetup(tb testing.TB, n int, levels []string, month string) *benchSetup {
	tb.Helper()
	f := scenario(tb, benchContractYAML(n, levels))
	m, err := engine.ParseMonth(month, f.loc)
	if err != nil {
		tb.Fatal(err)
	}
	var before, after int
	for _, s := range f.b.Services {
		for _, l := range s.Levels {
			bf, af := l.Template.ContextMinutes()
			before, after = max(before, bf), max(after, af)
		}
	}
	s := &benchSetup{b: f.b, month: m,
		from: m.Start.Unix()/60 - int64(before), to: m.End.Unix()/60 + int64(after)}
	s.recs = make([]sample.Record, n)
	for i := range s.recs {
		idx, ok := f.b.Lookup(fmt.Appendf(nil, "link-%04d", i))
		if !ok {
			tb.Fatalf("series link-%04d is not in the contract", i)
		}
		s.recs[i] = sample.Record{Series: idx, Minute: benchMinute(i)}
		s.rows += int64(s.recs[i].Minute.Sent)
	}
	// A batch lists its records by ascending series, as a Reader hands them.
	for i := 1; i < len(s.recs); i++ {
		if s.recs[i].Series <= s.recs[i-1].Series {
			tb.Fatal("series indexes are not in contract order")
		}
	}
	return s
}

// benchMinute is a minute of 60 pings of series i: RTTs that vary around
// 20 ms, and one probe lost in every minute of one series in 50.
func benchMinute(i int) slawatch.Minute {
	var m slawatch.Minute
	lost := 0
	if i%50 == 0 {
		lost = 1
	}
	for p := range 60 {
		if p < lost {
			m.AddLost()
			continue
		}
		m.AddReply(uint32(18_000 + (i*7919+p*104_729)%4_000))
	}
	return m
}

// run evaluates the whole window once, reusing one Records slice: only
// the batch's minute changes.
func (s *benchSetup) run(tb testing.TB) *report.Report {
	ev, err := engine.New(s.b, s.month)
	if err != nil {
		tb.Fatal(err)
	}
	batch := &sample.Batch{Records: s.recs, Rows: s.rows}
	for t := s.from; t < s.to; t++ {
		batch.Minute = t
		if err := ev.Add(batch); err != nil {
			tb.Fatal(err)
		}
	}
	r, err := finishDoc(ev)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func benchmarkEvaluate(b *testing.B, n int, levels []string) {
	s := newBenchSetup(b, n, levels, "2026-10")
	b.ReportAllocs()
	var r *report.Report
	for b.Loop() {
		r = s.run(b)
	}
	if got := len(r.Customers[0].Services); got != n {
		b.Fatalf("report has %d services, want %d", got, n)
	}
	records := float64(b.N) * float64(n) * float64(s.to-s.from)
	b.ReportMetric(records/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/records, "ns/record")
}

// BenchmarkEvaluate judges October 2026 (44,640 minutes) of 1,000
// PrivateCore links: 44.64 M minute records per iteration.
func BenchmarkEvaluate(b *testing.B) {
	b.Run("series=1000/levels=uptime+loss+jitter", func(b *testing.B) {
		benchmarkEvaluate(b, 1000, benchPrivateCore)
	})
	b.Run("series=1000/levels=uptime", func(b *testing.B) {
		benchmarkEvaluate(b, 1000, benchUptimeOnly)
	})
}

// TestBenchSetup checks that the benchmark's feed is judged as intended,
// on a few series so it stays cheap: every minute measured, nothing down,
// 1/60 loss on series 0, and the jitter of the generated RTTs.
func TestBenchSetup(t *testing.T) {
	s := newBenchSetup(t, 3, benchPrivateCore, "2026-10")
	if s.to-s.from != 44_640 {
		t.Errorf("window is %d minutes, want 44640 (no context for these levels)", s.to-s.from)
	}
	r := s.run(t)
	if got := len(r.Customers[0].Services); got != 3 {
		t.Fatalf("report has %d services, want 3", got)
	}
	up := level(t, r, "bench/svc-0000", "aryaka/privatecore-uptime")
	if up.MeasuredMinutes != 44_640 || up.DownMinutes == nil || *up.DownMinutes != 0 {
		t.Errorf("uptime: measured %d, down %v; want 44640 and 0", up.MeasuredMinutes, up.DownMinutes)
	}
	// 1 of 60 lost every minute: mean loss 1.666667% > 0.1%, a 10% credit of 1000.
	loss := level(t, r, "bench/svc-0000", "aryaka/privatecore-loss")
	if loss.LossPct != "1.666667" || loss.Credit != "100.00" {
		t.Errorf("loss of svc-0000: %s%%, credit %s; want 1.666667%% and 100.00", loss.LossPct, loss.Credit)
	}
	if l := level(t, r, "bench/svc-0001", "aryaka/privatecore-loss"); l.LossPct != "0.000000" {
		t.Errorf("loss of svc-0001: %s%%, want 0.000000", l.LossPct)
	}
	if j := level(t, r, "bench/svc-0001", "aryaka/privatecore-jitter"); j.Met == nil || !*j.Met {
		t.Errorf("jitter of svc-0001: %s ms, met %v; want met", j.JitterMs, j.Met)
	}
}
