package engine_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/sample"
)

// probes fills [from, to) of series with probes every period seconds at
// phase seconds into each period, timed (AddReplyAt), each answered after
// rttUs unless lost says it was lost: what the agent and the probe-row
// reader make of IIJ's 30-second pings.
func (f *feed) probes(series string, from, to time.Time, period, phase int, rttUs uint32, lost func(time.Time) bool) *feed {
	f.tb.Helper()
	idx, ok := f.b.Lookup([]byte(series))
	if !ok {
		f.tb.Fatalf("series %q is not in the contract", series)
	}
	for t := from; t.Before(to); t = t.Add(time.Minute) {
		m := t.Unix() / 60
		if f.minute[m] == nil {
			f.minute[m] = map[int32]slawatch.Minute{}
		}
		var rec slawatch.Minute
		for s := phase; s < 60; s += period {
			if lost != nil && lost(t.Add(time.Duration(s)*time.Second)) {
				rec.AddLost()
			} else if !rec.AddReplyAt(rttUs, s) {
				f.tb.Fatal("AddReplyAt refused")
			}
		}
		f.minute[m][idx] = rec
	}
	return f
}

// atSec parses a wall time to the second in the feed's zone.
func (f *feed) atSec(s string) time.Time {
	f.tb.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, f.loc)
	if err != nil {
		f.tb.Fatal(err)
	}
	return t
}

// silent returns a loss function: every probe sent in one of the spans
// (pairs of wall times to the second) is lost.
func (f *feed) silent(spans ...string) func(time.Time) bool {
	type sp struct{ a, b time.Time }
	var in []sp
	for i := 0; i+1 < len(spans); i += 2 {
		in = append(in, sp{f.atSec(spans[i]), f.atSec(spans[i+1])})
	}
	return func(t time.Time) bool {
		for _, s := range in {
			if !t.Before(s.a) && t.Before(s.b) {
				return true
			}
		}
		return false
	}
}

// IIJ's "no reply for 5 minutes" at 30-second pings, timed to the ping
// (issue 12 item 1). Pings at :15 and :45 of every minute, November 2026
// in Tokyo (43,200 minutes), with the day either side as context.
func TestIIJSilenceTimedToThePing(t *testing.T) {
	f := scenario(t, iijInternet)
	lost := f.silent(
		// 10 lost pings, 10:00:45 ... 10:05:15; the reply at 10:05:45
		// ends the silence: [10:00:45, 10:05:45) = 300 s, with only 4
		// wholly silent minutes (10:01-10:04): an outage, detected at
		// 10:05:45, the instant the 5 minutes elapsed.
		"2026-11-04 10:00:45", "2026-11-04 10:05:45",
		// 9 lost pings, 10:00:45 ... 10:04:45: [10:00:45, 10:05:15) =
		// 270 s, no outage, though 10:01-10:04 are silent too.
		"2026-11-05 10:00:45", "2026-11-05 10:05:15",
		// across the month's start: [Oct 31 23:57:45, Nov 1 00:10:15) =
		// 750 s, detected 00:02:45 on 1 November; 615 s of it in November.
		"2026-10-31 23:57:45", "2026-11-01 00:10:15",
	)
	f.probes("r1", f.at("2026-10-31 00:00"), f.at("2026-12-02 00:00"), 30, 15, 5000, lost)
	var told []engine.Outage
	r := f.evalWith("2026-11", func(ev *engine.Evaluator) { ev.OnOutage(func(o engine.Outage) { told = append(told, o) }) })

	// down = 300 + 615 = 915 s = 15 min 15 s, of 43,200 min = 2,592,000 s:
	// (2592000-915)/2592000 = 99.96469907...% -> 99.964699; 0 < 15.25 <= 60 -> 10% of 100000 = 10000.
	av := level(t, r, "acme/tokyo", "iij/internet-availability")
	check(t, av, want{down: 15, measured: 43200, avail: "99.964699", met: "false", pct: "10", credit: "10000"})
	if av.DownSeconds == nil || *av.DownSeconds != 915 {
		t.Errorf("down_seconds: got %v, want 915", av.DownSeconds)
	}
	joined := strings.Join(av.Reasons, "\n")
	for _, s := range []string{"down 2026-11-01 00:00 to 2026-11-01 00:10:15 (10 min 15 s)",
		"down 2026-11-04 10:00:45 to 2026-11-04 10:05:45 (5 min)", "15 min 15 s down: 0 < d <= 60 -> 10%"} {
		if !strings.Contains(joined, s) {
			t.Errorf("reasons lack %q:\n%s", s, joined)
		}
	}

	n := level(t, r, "acme/tokyo", "iij/outage-notification")
	wantOutages := []report.OutageJSON{
		{Start: "2026-10-31T23:57:45+09:00", End: "2026-11-01T00:10:15+09:00", Minutes: 12, Seconds: 750,
			DetectedAt: "2026-11-01T00:02:45+09:00", NotifyBy: "2026-11-01T00:32:45+09:00"},
		{Start: "2026-11-04T10:00:45+09:00", End: "2026-11-04T10:05:45+09:00", Minutes: 5, Seconds: 300,
			DetectedAt: "2026-11-04T10:05:45+09:00", NotifyBy: "2026-11-04T10:35:45+09:00"},
	}
	if len(n.Outages) != len(wantOutages) {
		t.Fatalf("outages: got %+v, want %+v", n.Outages, wantOutages)
	}
	for i, o := range wantOutages {
		if n.Outages[i] != o {
			t.Errorf("outage %d:\n got %+v\nwant %+v", i, n.Outages[i], o)
		}
	}

	// Told live, minute by minute, as the server sends notices: each
	// detection once, at the second, then its end.
	at := func(o engine.Outage) string {
		return o.StartAt().In(f.loc).Format("01-02 15:04:05") + " det " + o.DetectedAt().In(f.loc).Format("01-02 15:04:05") +
			" end " + map[bool]string{true: "-", false: o.EndAt().In(f.loc).Format("01-02 15:04:05")}[o.EndSec == 0]
	}
	var got []string
	for _, o := range told {
		if o.Level.Template.ID == "iij/outage-notification" {
			got = append(got, at(o))
		}
	}
	wantTold := []string{
		"10-31 23:57:45 det 11-01 00:02:45 end -",
		"10-31 23:57:45 det 11-01 00:02:45 end 11-01 00:10:15",
		"11-04 10:00:45 det 11-04 10:05:45 end -",
		"11-04 10:00:45 det 11-04 10:05:45 end 11-04 10:05:45",
	}
	if strings.Join(got, "\n") != strings.Join(wantTold, "\n") {
		t.Errorf("told:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantTold, "\n"))
	}
}

// The data-centre connection: an outage is a silence of both lines for 3
// minutes, timed to the ping; the silence of the pair runs from the later
// line's first lost ping to the earlier line's next reply.
func TestIIJDCSilenceBothLines(t *testing.T) {
	f := scenario(t, `
timezone: Asia/Tokyo
currency: JPY
customers:
  - id: acme
    services:
      - id: dc
        levels: [iij/dc-availability, iij/outage-notification]
        inputs: {lines: [p, s], targets: [p, s]}
        params: {connection: dc}
`)
	from, to := f.at("2026-10-31 00:00"), f.at("2026-12-02 00:00")
	// primary pings at :00 and :30, silent 10:00:30 ... 10:04:00 (reply 10:04:30)
	f.probes("p", from, to, 30, 0, 3000, f.silent("2026-11-10 10:00:30", "2026-11-10 10:04:30"))
	// secondary at :15 and :45, silent 09:59:45 ... 10:03:45 (reply 10:04:15)
	f.probes("s", from, to, 30, 15, 3000, f.silent("2026-11-10 09:59:45", "2026-11-10 10:04:15"))
	// Both silent from 10:00:30 (the primary's first lost ping; the
	// secondary was silent since 09:59:45) to 10:04:15 (the secondary's
	// reply): 225 s >= 180 s, an outage detected at 10:03:30. Wholly
	// silent minutes of both: 10:01, 10:02, 10:03 (3).
	r := f.eval("2026-11")
	n := level(t, r, "acme/dc", "iij/outage-notification")
	want := report.OutageJSON{Start: "2026-11-10T10:00:30+09:00", End: "2026-11-10T10:04:15+09:00", Minutes: 3, Seconds: 225,
		DetectedAt: "2026-11-10T10:03:30+09:00", NotifyBy: "2026-11-10T10:33:30+09:00"}
	if len(n.Outages) != 1 || n.Outages[0] != want {
		t.Fatalf("outages: got %+v, want %+v", n.Outages, want)
	}
	av := level(t, r, "acme/dc", "iij/dc-availability")
	if av.DownSeconds == nil || *av.DownSeconds != 225 {
		t.Errorf("down_seconds: got %v, want 225", av.DownSeconds)
	}
}

// Minute records without reply timing (an agent from before timing) are
// judged at minute granularity, as before: the 10 lost pings of the first
// test, read untimed, are 4 silent minutes and no outage.
func TestIIJUntimedFallsBackToMinutes(t *testing.T) {
	f := scenario(t, iijInternet).month("2026-11", "r1", 2, 5000)
	f.outage("r1", "2026-11-04 10:01", "2026-11-04 10:05", 2, 2, 0) // 10:01-10:04 silent
	f.outage("r1", "2026-11-04 10:00", "2026-11-04 10:01", 2, 1, 5000)
	f.outage("r1", "2026-11-04 10:05", "2026-11-04 10:06", 2, 1, 5000)
	r := f.eval("2026-11")
	check(t, level(t, r, "acme/tokyo", "iij/internet-availability"), want{
		down: 0, measured: 43200, avail: "100.000000", met: "true", pct: "0", credit: "0"})
}

// The same silence read from probe rows (time,series,rtt_ms), as
// `slawatch evaluate` reads a samples file: the reader times each reply by
// its row's second, so the rows give the outage to the second too.
func TestIIJSilenceFromProbeRows(t *testing.T) {
	f := scenario(t, iijInternet)
	from := f.at("2026-11-04 09:50")
	a, b := f.atSec("2026-11-04 10:00:45"), f.atSec("2026-11-04 10:05:45")
	var csv strings.Builder
	csv.WriteString(sample.Header + "\n")
	for at := from.Add(15 * time.Second); at.Before(from.Add(30 * time.Minute)); at = at.Add(30 * time.Second) {
		rtt := "5.000"
		if !at.Before(a) && at.Before(b) {
			rtt = "" // lost
		}
		fmt.Fprintf(&csv, "%s,r1,%s\n", at.Format(time.RFC3339), rtt)
	}
	m, err := engine.ParseMonth("2026-11", f.loc)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := engine.New(f.b, m)
	if err != nil {
		t.Fatal(err)
	}
	rd := sample.NewReader(strings.NewReader(csv.String()), "pings.csv", len(f.b.Series), f.b.Lookup)
	for {
		bt, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := ev.Add(bt); err != nil {
			t.Fatal(err)
		}
	}
	r, err := finishDoc(ev)
	if err != nil {
		t.Fatal(err)
	}
	n := level(t, r, "acme/tokyo", "iij/outage-notification")
	want := report.OutageJSON{Start: "2026-11-04T10:00:45+09:00", End: "2026-11-04T10:05:45+09:00", Minutes: 5, Seconds: 300,
		DetectedAt: "2026-11-04T10:05:45+09:00", NotifyBy: "2026-11-04T10:35:45+09:00"}
	if len(n.Outages) != 1 || n.Outages[0] != want {
		t.Fatalf("outages: got %+v, want %+v", n.Outages, want)
	}
}
