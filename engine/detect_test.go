package engine_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/report"
)

// detectContract has the three notification rules: IIJ Internet (router
// r1 silent 5 minutes), IIJ DC (lines d1 and d2 both silent 3 minutes)
// and Aryaka tunnel down (any of t1, t2 losing more than 50%, from the
// first minute). %s: extra YAML (exclusions).
const detectContract = `
timezone: Asia/Tokyo
currency: JPY
customers:
  - id: acme
    services:
      - id: inet
        levels: [iij/internet-availability, iij/outage-notification]
        inputs: {router: r1, targets: r1}
        params: {responsibility_type: "1", connection: internet}
      - id: dc
        levels: [iij/dc-availability, iij/outage-notification]
        inputs: {lines: [d1, d2], targets: [d1, d2]}
        params: {connection: dc}
      - id: vpn
        template: aryaka/tunnel-down-notify
        inputs: {tunnels: [t1, t2]}
        params: {loss_threshold: "50"}
        fees: {mrc: "50000"}
%s`

// told is an outage as the callback saw it, with the minute being judged.
type told struct {
	engine.Outage
	at int64 // Next()-1 during the call
}

// watchEval evaluates f's minutes for month, recording what OnOutage tells.
func watchEval(f *feed, month string) (*report.Report, []told, [2]int64) {
	f.tb.Helper()
	var got []told
	var win [2]int64
	r := f.evalWith(month, func(ev *engine.Evaluator) {
		win[0], win[1] = ev.Window()
		ev.OnOutage(func(o engine.Outage) { got = append(got, told{o, ev.Next() - 1}) })
	})
	return r, got, win
}

func fmtUnix(m int64, loc *time.Location) string {
	return time.Unix(m*60, 0).In(loc).Format(time.RFC3339)
}

func clock(m int64, loc *time.Location) string {
	if m == 0 {
		return "-"
	}
	return time.Unix(m*60, 0).In(loc).Format("01-02 15:04")
}

// describe prints told outages as "service start detected end @judged".
func describe(got []told, loc *time.Location) string {
	var lines []string
	for _, o := range got {
		lines = append(lines, fmt.Sprintf("%s %s %s %s @%s", o.Service.Service.ID,
			clock(o.Start, loc), clock(o.Detected, loc), clock(o.End, loc), clock(o.at, loc)))
	}
	return strings.Join(lines, "\n")
}

// checkAgainstReport checks the told outages are the outages the
// notification levels' reports list and judge (those detected in the
// month), each told once when detected and once when it ended; one
// running into the window's end is not told its end.
func checkAgainstReport(tb testing.TB, r *report.Report, got []told, win [2]int64, loc *time.Location, month string) {
	tb.Helper()
	ms, _ := time.ParseInLocation("2006-01", month, loc)
	var want []string
	for _, svc := range []string{"inet", "dc", "vpn"} {
		tpl := "iij/outage-notification"
		if svc == "vpn" {
			tpl = "aryaka/tunnel-down-notify"
		}
		for _, o := range level(tb, r, "acme/"+svc, tpl).Outages {
			det, _ := time.Parse(time.RFC3339, o.DetectedAt)
			if det.Before(ms) || !det.Before(ms.AddDate(0, 1, 0)) {
				continue // judged in the month of its detection
			}
			end := o.End
			if end == fmtUnix(win[1], loc) {
				end = "open"
			}
			want = append(want, fmt.Sprintf("%s start=%s detected_at=%s end=%s", svc, o.Start, o.DetectedAt, end))
		}
	}
	var have []string
	detected := map[string]told{}
	for _, o := range got {
		key := fmt.Sprintf("%s/%d/%d", o.Service.Service.ID, o.Rule, o.Start)
		if o.End == 0 {
			if _, dup := detected[key]; dup {
				tb.Errorf("detected twice: %+v", o.Outage)
			}
			detected[key] = o
			continue
		}
		d, ok := detected[key]
		if !ok && o.DetectedAt().Before(ms) {
			// detected in the month before, ended after its window: the end
			// is this month's to tell, once
			if o.End < ms.Unix()/60+(win[1]-ms.AddDate(0, 1, 0).Unix()/60) {
				tb.Errorf("the end of last month's outage told though its window saw it: %+v", o.Outage)
			}
			continue
		}
		if !ok || d.Detected != o.Detected || d.Level != o.Level {
			tb.Errorf("end told without its detection: %+v", o.Outage)
		}
		if o.at != o.End {
			tb.Errorf("end %d told while judging %d: %+v", o.End, o.at, o.Outage)
		}
		delete(detected, key)
		have = append(have, line(o, loc, fmtUnix(o.End, loc)))
	}
	for _, o := range detected {
		have = append(have, line(o, loc, "open"))
	}
	slices.Sort(want)
	slices.Sort(have)
	if w, h := strings.Join(want, "\n"), strings.Join(have, "\n"); w != h {
		tb.Errorf("told outages differ from the reports':\n got:\n%s\nwant:\n%s", h, w)
	}
}

func line(o told, loc *time.Location, end string) string {
	return fmt.Sprintf("%s start=%s detected_at=%s end=%s", o.Service.Service.ID, fmtUnix(o.Start, loc),
		o.DetectedAt().In(loc).Format(time.RFC3339), end)
}

// detectCase is a hand-built month and what OnOutage must tell, in order.
func detectCase(t *testing.T, extra, month string, build func(f *feed), want string) {
	t.Helper()
	f := scenario(t, fmt.Sprintf(detectContract, extra))
	for _, s := range []string{"r1", "d1", "d2"} {
		f.month(month, s, 2, 5000) // pinged every 30 s
	}
	for _, s := range []string{"t1", "t2"} {
		f.month(month, s, 60, 20000) // pinged every second
	}
	build(f)
	r, got, win := watchEval(f, month)
	if h := describe(got, f.loc); h != strings.TrimSpace(want) {
		t.Errorf("told:\n%s\nwant:\n%s", h, strings.TrimSpace(want))
	}
	for _, o := range got {
		if o.Level.Service != o.Service || o.Level.Template.Objective.NotifyWithinMinutes == 0 {
			t.Errorf("outage of %s %s: not a notification level of its service", o.Service.Service.ID, o.Level.Template.ID)
		}
	}
	checkAgainstReport(t, r, got, win, f.loc, month)
}

// November 2026 in Tokyo. The window runs from Oct 31 23:54 (4 minutes
// of context for the 5-minute rule, 2 more for detection) to Dec 1 00:04.
func TestDetectIIJInternet(t *testing.T) {
	detectCase(t, "", "2026-11", func(f *feed) {
		// silent 11-03 10:00..10:03: 4 minutes, not an outage
		f.outage("r1", "2026-11-03 10:00", "2026-11-03 10:04", 2, 2, 0)
		// silent 11-04 10:02..10:06: the 5th down minute is 10:06 -> detected
		// at its end 10:07, told while judging 10:06; ends at 10:07
		f.outage("r1", "2026-11-04 10:02", "2026-11-04 10:07", 2, 2, 0)
		// silent 11-05 10:00..10:02, no data 10:03, silent 10:04..10:08:
		// the unknown minute ends the first run (3 minutes); the second's
		// 5th minute is 10:08 -> told at 10:08, ends 10:09
		f.outage("r1", "2026-11-05 10:00", "2026-11-05 10:09", 2, 2, 0)
		f.gap("r1", "2026-11-05 10:03", "2026-11-05 10:04")
		// one reply of two is not silent: 11:00..11:03 and 11:05..11:08 are
		// 4-minute runs, no outage
		f.outage("r1", "2026-11-05 11:00", "2026-11-05 11:09", 2, 2, 0)
		f.outage("r1", "2026-11-05 11:04", "2026-11-05 11:05", 2, 1, 5000)
		// silent 11-06 23:57..11-07 00:03: 7 minutes across midnight,
		// detected at the end of 00:01
		f.outage("r1", "2026-11-06 23:57", "2026-11-07 00:04", 2, 2, 0)
	}, `
inet 11-04 10:02 11-04 10:06 - @11-04 10:06
inet 11-04 10:02 11-04 10:06 11-04 10:07 @11-04 10:07
inet 11-05 10:04 11-05 10:08 - @11-05 10:08
inet 11-05 10:04 11-05 10:08 11-05 10:09 @11-05 10:09
inet 11-06 23:57 11-07 00:01 - @11-07 00:01
inet 11-06 23:57 11-07 00:01 11-07 00:04 @11-07 00:04
`)
}

// Runs across the month's start and end.
func TestDetectIIJMonthEdges(t *testing.T) {
	detectCase(t, "", "2026-11", func(f *feed) {
		// r1 silent 10-31 23:58..11-01 00:02: the 5th minute is 00:02 ->
		// detected 00:03 in November: told; ends 00:03
		f.outage("r1", "2026-10-31 23:58", "2026-11-01 00:03", 2, 2, 0)
		// d1, d2 silent 10-31 23:56..23:59 (4 minutes, the first of the
		// window): the 3rd is 23:58 -> detected 23:59, in October: not
		// told here (October's report judges it), nor its end
		f.outage("d1", "2026-10-31 23:56", "2026-11-01 00:00", 2, 2, 0)
		f.outage("d2", "2026-10-31 23:56", "2026-11-01 00:00", 2, 2, 0)
		// r1 silent 11-30 23:50..12-01 00:09: detected at the end of 23:54;
		// still down at the window's end 12-01 00:04: no end told
		f.outage("r1", "2026-11-30 23:50", "2026-12-01 00:10", 2, 2, 0)
		// d1, d2 silent 11-30 23:58..12-01 00:01: the 3rd is 12-01 00:00 ->
		// detected 00:01 in December: not told
		f.outage("d1", "2026-11-30 23:58", "2026-12-01 00:02", 2, 2, 0)
		f.outage("d2", "2026-11-30 23:58", "2026-12-01 00:02", 2, 2, 0)
	}, `
inet 10-31 23:58 11-01 00:02 - @11-01 00:02
inet 10-31 23:58 11-01 00:02 11-01 00:03 @11-01 00:03
inet 11-30 23:50 11-30 23:54 - @11-30 23:54
`)
	detectCase(t, "", "2026-11", func(f *feed) {
		// d1, d2 silent 10-31 23:58..23:59 and 11-01 00:00: the 3rd minute
		// is 00:00 -> detected 00:01: told while judging 00:00; ends 00:01
		f.outage("d1", "2026-10-31 23:58", "2026-11-01 00:01", 2, 2, 0)
		f.outage("d2", "2026-10-31 23:58", "2026-11-01 00:01", 2, 2, 0)
		// d1, d2 silent 11-30 23:57..23:59: detected at 12-01 00:00, the
		// month's end: December's detection, not told
		f.outage("d1", "2026-11-30 23:57", "2026-12-01 00:00", 2, 2, 0)
		f.outage("d2", "2026-11-30 23:57", "2026-12-01 00:00", 2, 2, 0)
		// d1, d2 silent 11-30 23:50..23:52: the 3rd is 23:52 -> told at
		// 23:52; ends 23:53
		f.outage("d1", "2026-11-30 23:50", "2026-11-30 23:53", 2, 2, 0)
		f.outage("d2", "2026-11-30 23:50", "2026-11-30 23:53", 2, 2, 0)
	}, `
dc 10-31 23:58 11-01 00:00 - @11-01 00:00
dc 10-31 23:58 11-01 00:00 11-01 00:01 @11-01 00:01
dc 11-30 23:50 11-30 23:52 - @11-30 23:52
dc 11-30 23:50 11-30 23:52 11-30 23:53 @11-30 23:53
`)
}

// An outage detected in October and still open when November begins is
// October's: November does not detect it again at 00:01 (issue 12 item
// 2: it showed as an unnotified November outage), whichever rule, however
// long it had lasted; November tells only its end, which October's window
// (to 00:04) did not see, with the start November's window sees (23:54
// when it began before). One that began just late enough is November's.
func TestDetectOutageOpenAtMonthStart(t *testing.T) {
	detectCase(t, "", "2026-11", func(f *feed) {
		// r1 silent from 10-31 22:00 to 11-01 00:30: detected 10-31 22:05
		f.outage("r1", "2026-10-31 22:00", "2026-11-01 00:30", 2, 2, 0)
		// d1, d2 silent from 10-31 23:55 to 11-01 00:20: the 3rd is 23:57 ->
		// detected 23:58, October's
		f.outage("d1", "2026-10-31 23:55", "2026-11-01 00:20", 2, 2, 0)
		f.outage("d2", "2026-10-31 23:55", "2026-11-01 00:20", 2, 2, 0)
	}, `
dc 10-31 23:55 10-31 23:57 11-01 00:20 @11-01 00:20
inet 10-31 23:54 10-31 23:58 11-01 00:30 @11-01 00:30
`)
	detectCase(t, "", "2026-11", func(f *feed) {
		// r1 silent from 10-31 23:55: the 5th minute is 23:59 -> detected at
		// 11-01 00:00, the month's first instant: November's, told once
		// 00:00 shows it lasts into the month
		f.outage("r1", "2026-10-31 23:55", "2026-11-01 00:10", 2, 2, 0)
	}, `
inet 10-31 23:55 10-31 23:59 - @11-01 00:00
inet 10-31 23:55 10-31 23:59 11-01 00:10 @11-01 00:10
`)
}

// The DC rule needs both lines silent; an unmeasured line leaves the
// minute unknown, which ends a run.
func TestDetectIIJDC(t *testing.T) {
	detectCase(t, "", "2026-11", func(f *feed) {
		// d1 silent an hour, d2 up: up, nothing told
		f.outage("d1", "2026-11-03 09:00", "2026-11-03 10:00", 2, 2, 0)
		// both silent 11-04 02:00..02:02: the 3rd is 02:02 -> told at 02:02;
		// ends 02:03
		f.outage("d1", "2026-11-04 02:00", "2026-11-04 02:03", 2, 2, 0)
		f.outage("d2", "2026-11-04 02:00", "2026-11-04 02:03", 2, 2, 0)
		// both silent 03:00..03:01, at 03:02 d1 silent and d2 unmeasured
		// (unknown), both silent 03:03..03:04: runs of 2 and 2, nothing
		f.outage("d1", "2026-11-04 03:00", "2026-11-04 03:05", 2, 2, 0)
		f.outage("d2", "2026-11-04 03:00", "2026-11-04 03:05", 2, 2, 0)
		f.gap("d2", "2026-11-04 03:02", "2026-11-04 03:03")
		// both silent 04:00..04:09, d2 unmeasured at 04:05: the run
		// 04:00..04:04 is told at 04:02 and ends at 04:05 (unknown); the
		// run 04:06..04:09 is told at 04:08 and ends 04:10
		f.outage("d1", "2026-11-04 04:00", "2026-11-04 04:10", 2, 2, 0)
		f.outage("d2", "2026-11-04 04:00", "2026-11-04 04:10", 2, 2, 0)
		f.gap("d2", "2026-11-04 04:05", "2026-11-04 04:06")
	}, `
dc 11-04 02:00 11-04 02:02 - @11-04 02:02
dc 11-04 02:00 11-04 02:02 11-04 02:03 @11-04 02:03
dc 11-04 04:00 11-04 04:02 - @11-04 04:02
dc 11-04 04:00 11-04 04:02 11-04 04:05 @11-04 04:05
dc 11-04 04:06 11-04 04:08 - @11-04 04:08
dc 11-04 04:06 11-04 04:08 11-04 04:10 @11-04 04:10
`)
}

// Aryaka: a tunnel down is detected at the end of its first minute and
// lasts while any tunnel is down.
func TestDetectAryakaTunnel(t *testing.T) {
	detectCase(t, "", "2026-11", func(f *feed) {
		// t1 down 10:00, t2 down 10:01..10:02: one outage 10:00..10:02,
		// told at 10:00, ends 10:03
		f.outage("t1", "2026-11-07 10:00", "2026-11-07 10:01", 60, 60, 0)
		f.outage("t2", "2026-11-07 10:01", "2026-11-07 10:03", 60, 40, 20000)
		// 30 of 60 lost is 50%, not above: nothing
		f.outage("t1", "2026-11-07 11:00", "2026-11-07 11:30", 60, 30, 20000)
		// t1 down 12:00; at 12:01 t1 unmeasured, t2 up: unknown, ends the
		// outage; t1 down 12:02: a second outage, ends 12:03
		f.outage("t1", "2026-11-07 12:00", "2026-11-07 12:03", 60, 60, 0)
		f.gap("t1", "2026-11-07 12:01", "2026-11-07 12:02")
	}, `
vpn 11-07 10:00 11-07 10:00 - @11-07 10:00
vpn 11-07 10:00 11-07 10:00 11-07 10:03 @11-07 10:03
vpn 11-07 12:00 11-07 12:00 - @11-07 12:00
vpn 11-07 12:00 11-07 12:00 11-07 12:01 @11-07 12:01
vpn 11-07 12:02 11-07 12:02 - @11-07 12:02
vpn 11-07 12:02 11-07 12:02 11-07 12:03 @11-07 12:03
`)
}

// An outage wholly inside an honoured exclusion is not listed, so not
// told; one excluded up to its detection is told when it first reaches
// a minute that is not excluded, with its detection unchanged.
func TestDetectExcluded(t *testing.T) {
	excl := `exclusions:
  - {start: "2026-11-10T10:00:00+09:00", end: "2026-11-10T10:05:00+09:00", kind: suspension, reason: unpaid, services: [acme/inet]}
  - {start: "2026-11-10T11:00:00+09:00", end: "2026-11-10T12:00:00+09:00", kind: suspension, reason: unpaid, services: [acme/inet]}
`
	detectCase(t, excl, "2026-11", func(f *feed) {
		// silent 10:00..10:06, excluded 10:00..10:04: the 5th minute 10:04
		// detects it (detected_at 10:05), but it is told only at 10:05,
		// its first minute not excluded; ends 10:07
		f.outage("r1", "2026-11-10 10:00", "2026-11-10 10:07", 2, 2, 0)
		// silent 11:10..11:30, inside the exclusion: not told
		f.outage("r1", "2026-11-10 11:10", "2026-11-10 11:31", 2, 2, 0)
	}, `
inet 11-10 10:00 11-10 10:04 - @11-10 10:05
inet 11-10 10:00 11-10 10:04 11-10 10:07 @11-10 10:07
`)
}

// A feed that stops early: Finish judges the rest of the window as
// unknown, which ends the open outage there; a second Finish tells
// nothing new, nor does finishing a clone.
func TestDetectFinish(t *testing.T) {
	f := scenario(t, fmt.Sprintf(detectContract, ""))
	month, _ := engine.ParseMonth("2026-11", f.loc)
	ev, err := engine.New(f.b, month)
	if err != nil {
		t.Fatal(err)
	}
	var got []told
	ev.OnOutage(func(o engine.Outage) { got = append(got, told{o, ev.Next() - 1}) })
	t0 := f.at("2026-11-02 10:00").Unix() / 60
	// r1 answers at 10:00, silent 10:01..10:09; nothing after 10:09
	for m := t0; m < t0+10; m++ {
		rec := slawatch.Minute{Sent: 2}
		if m == t0 {
			rec = slawatch.Minute{Sent: 2, Received: 2, RTTSum: 10, RTTSumSq: 50, RTTMin: 5, RTTMax: 5}
		}
		if err := ev.AddNamed(m, []slawatch.SeriesMinute{{Series: "r1", M: rec}}); err != nil {
			t.Fatal(err)
		}
	}
	// detected at the end of 10:05 (the 5th silent minute)
	if h := describe(got, f.loc); h != "inet 11-02 10:01 11-02 10:05 - @11-02 10:05" {
		t.Fatalf("before Finish:\n%s", h)
	}
	if _, err := ev.Clone().Finish(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("finishing a clone told %d outages", len(got)-1)
	}
	// 10:10 is unknown: the outage ends there
	if _, err := ev.Finish(); err != nil {
		t.Fatal(err)
	}
	if h := describe(got[1:], f.loc); h != "inet 11-02 10:01 11-02 10:05 11-02 10:10 @11-02 10:10" {
		t.Fatalf("Finish told:\n%s", h)
	}
	// 4 minutes of context for the 5-minute rule, 2 more before the month
	// for a detection level to know whether a run began before it
	if from, to := ev.Window(); from != month.Start.Unix()/60-6 || to != month.End.Unix()/60+4 || ev.Next() != to {
		t.Errorf("window [%d, %d), next %d; want [m0-6, m1+4) and next m1+4", from, to, ev.Next())
	}
}

// TestDetectRandom checks what OnOutage tells against the reports over
// random minute patterns of up, down and unmeasured minutes around the
// month's start, middle and end, fed by Add or AddNamed, with an
// exclusion, a feed that may stop early and clones finished on the way.
func TestDetectRandom(t *testing.T) {
	n := 60
	if !long() { // SLAWATCH_LONG=1: all 60 (CI)
		n = 10
	}
	excl := `exclusions:
  - {start: "2026-11-01T00:03:00+09:00", end: "2026-11-01T00:20:00+09:00", kind: suspension, reason: unpaid, services: [acme/inet]}
`
	for i := range n {
		rng := rand.New(rand.NewPCG(uint64(i), 7))
		f := scenario(t, fmt.Sprintf(detectContract, excl))
		month, _ := engine.ParseMonth("2026-11", f.loc)
		m0, m1 := month.Start.Unix()/60, month.End.Unix()/60
		mid := m0 + 14*24*60
		recs := map[int64][]slawatch.SeriesMinute{}
		var mins []int64
		for _, span := range [][2]int64{{m0 - 20, m0 + 90}, {mid, mid + 150}, {m1 - 90, m1 + 20}} {
			for _, s := range []string{"r1", "d1", "d2", "t1", "t2"} {
				st := 0
				for m := span[0]; m < span[1]; m++ {
					if rng.IntN(10) < 3 {
						st = rng.IntN(5) // 0,1 up; 2,3 down; 4 unmeasured
					}
					if st == 4 {
						continue
					}
					sent := uint32(2)
					if s[0] == 't' {
						sent = 60
					}
					rec := slawatch.Minute{Sent: sent}
					if st < 2 {
						rec = slawatch.Minute{Sent: sent, Received: sent, RTTSum: uint64(sent) * 5000,
							RTTSumSq: uint64(sent) * 25_000_000, RTTMin: 5000, RTTMax: 5000}
					}
					if recs[m] == nil {
						mins = append(mins, m)
					}
					recs[m] = append(recs[m], slawatch.SeriesMinute{Series: s, M: rec})
				}
			}
		}
		slices.Sort(mins)
		stop := m1 + 20
		if rng.IntN(3) == 0 {
			stop = m1 - int64(rng.IntN(120)) // the feed stops early
		}
		cloneAt := m0 + int64(rng.IntN(int(m1-m0)))
		ev, err := engine.New(f.b, month)
		if err != nil {
			t.Fatal(err)
		}
		w0, w1 := ev.Window()
		var got []told
		ev.OnOutage(func(o engine.Outage) { got = append(got, told{o, ev.Next() - 1}) })
		cloned := false
		for _, m := range mins {
			if m >= stop {
				break
			}
			if !cloned && m >= cloneAt {
				cloned = true
				k := len(got)
				if _, err := ev.Clone().Finish(); err != nil {
					t.Fatal(err)
				}
				if len(got) != k {
					t.Fatalf("case %d: finishing a clone told %d outages", i, len(got)-k)
				}
			}
			rs := recs[m]
			rng.Shuffle(len(rs), func(a, b int) { rs[a], rs[b] = rs[b], rs[a] })
			if err := ev.AddNamed(m, rs); err != nil {
				t.Fatal(err)
			}
		}
		r, err := finishDoc(ev)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range got {
			// Without an exclusion, told while judging the detecting minute;
			// detected at the month's first instant (the end of m0-1), once
			// m0 shows the outage lasts into the month: the report lists
			// only outages with a minute in the month.
			if o.End == 0 && o.Service.Service.ID != "inet" && o.at != max(o.Detected, m0) {
				t.Errorf("case %d: %+v told while judging %d", i, o.Outage, o.at)
			}
		}
		checkAgainstReport(t, r, got, [2]int64{w0, w1}, f.loc, "2026-11")
		if t.Failed() {
			t.Fatalf("case %d failed", i)
		}
	}
}
