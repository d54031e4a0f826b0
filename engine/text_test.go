package engine_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/report"
)

// Goldens for issue 12 item 6: report text that cannot mislead.

// hasReason fails unless some reason is exactly want.
func hasReason(tb testing.TB, l report.LevelReport, want string) {
	tb.Helper()
	if !slices.Contains(l.Reasons, want) {
		tb.Errorf("%s: no reason %q in\n  %s", l.Template, want, strings.Join(l.Reasons, "\n  "))
	}
}

// lose replaces the minutes [from, to) (instants) of series with minutes
// whose every ping is lost.
func (f *feed) lose(series string, from, to time.Time) *feed {
	for t := from; t.Before(to); t = t.Add(time.Minute) {
		f.set(series, t, 60, 60, 0)
	}
	return f
}

func utc(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

const dstUptime = `
timezone: %s
currency: USD
customers:
  - id: acme
    services:
      - id: pc
        template: aryaka/privatecore-uptime
        inputs: {path: p1}
        params: {remote_sites: "1"}
        fees: {mrc: "1000.00"}
`

// New York, 1 November 2026: clocks go back from 02:00 EDT to 01:00 EST,
// so 01:00-01:59 happens twice. A down period from 01:50 EDT (05:50Z) to
// 01:10 EST (06:10Z) is 20 minutes; without offsets it read "01:50 to
// 01:10". A period on 20 November, in no repeated hour, keeps the plain
// wall time. November in New York: 30 days and one hour = 43,260 minutes.
func TestTextRepeatedHourNewYork(t *testing.T) {
	f := scenario(t, strings.Replace(dstUptime, "%s", "America/New_York", 1)).month("2026-11", "p1", 60, 30000)
	f.lose("p1", utc(t, "2026-11-01T05:50:00Z"), utc(t, "2026-11-01T06:10:00Z"))
	f.outage("p1", "2026-11-20 10:00", "2026-11-20 10:06", 60, 60, 0)
	l := level(t, f.eval("2026-11"), "acme/pc", "aryaka/privatecore-uptime")
	hasReason(t, l, "down 2026-11-01 01:50-04:00 to 2026-11-01 01:10-05:00 (20 min)")
	hasReason(t, l, "down 2026-11-20 10:00 to 2026-11-20 10:06 (6 min)")
}

// London, 25 October 2026: clocks go back from 02:00 BST to 01:00 GMT.
// Two failures of 10 minutes, at 01:10 BST (00:10Z) and at 01:10 GMT
// (01:10Z), printed as two identical lines "down 2026-10-25 01:10 to
// 2026-10-25 01:20 (10 min)"; with the offsets they differ.
func TestTextRepeatedHourLondon(t *testing.T) {
	f := scenario(t, strings.Replace(dstUptime, "%s", "Europe/London", 1)).month("2026-10", "p1", 60, 30000)
	f.lose("p1", utc(t, "2026-10-25T00:10:00Z"), utc(t, "2026-10-25T00:20:00Z"))
	f.lose("p1", utc(t, "2026-10-25T01:10:00Z"), utc(t, "2026-10-25T01:20:00Z"))
	l := level(t, f.eval("2026-10"), "acme/pc", "aryaka/privatecore-uptime")
	hasReason(t, l, "down 2026-10-25 01:10+01:00 to 2026-10-25 01:20+01:00 (10 min)")
	hasReason(t, l, "down 2026-10-25 01:10+00:00 to 2026-10-25 01:20+00:00 (10 min)")
}

// Berlin, 25 October 2026: E2, an emergency ACL change opened 02:40 CEST
// (00:40Z), is due 30 minutes later, 01:10Z: 02:10 CET. Computed from the
// ticket's offset it printed 03:10+02:00, a wall time Berlin never showed
// that day. The ticket's times print in its zone with the offset then in
// force; its opening keeps +02:00.
func TestTextDeadlineAfterClockChange(t *testing.T) {
	tickets := `id,service,kind,opened,responded,fee
E2,shop/dps,acl-emergency,2026-10-25T02:40:00+02:00,2026-10-25T02:15:00+01:00,90.00
`
	r := scenario(t, nttBerlin).records(tickets, "-", "-").eval("2026-10")
	it := itemByID(t, level(t, r, "shop/dps", "ntt/acl-emergency"), "E2")
	if it.Deadline != "2026-10-25T02:10:00+01:00" || it.Start != "2026-10-25T02:40:00+02:00" || it.Stop != "2026-10-25T02:15:00+01:00" {
		t.Errorf("E2 start %s stop %s deadline %s, want 02:40+02:00, 02:15+01:00, due 02:10+01:00", it.Start, it.Stop, it.Deadline)
	}
}

// Internet breakout: a latency run on 3 November (all 3 locations at 26 ms
// > 1.25 x 20 ms, 5 minutes) and a loss run on 5 November (all 3 lose 4 of
// 60 = 6.67% > 5%, 5 minutes). The outages are listed in time order: the
// latency run first, though its rule comes second in the template.
func TestTextOutagesInTimeOrder(t *testing.T) {
	f := scenario(t, aryBreakout)
	all := []string{"i1", "i2", "i3"}
	for _, s := range all {
		f.month("2026-11", s, 60, 20000)
	}
	for _, s := range all {
		f.outage(s, "2026-11-03 10:00", "2026-11-03 10:05", 60, 0, 26000)
		f.outage(s, "2026-11-05 10:00", "2026-11-05 10:05", 60, 4, 20000)
	}
	l := level(t, f.eval("2026-11"), "acme/ib", "aryaka/internet-breakout")
	var starts []string
	for _, o := range l.Outages {
		starts = append(starts, o.Start)
	}
	if want := []string{"2026-11-03T10:00:00Z", "2026-11-05T10:00:00Z"}; !slices.Equal(starts, want) {
		t.Errorf("outages start %v, want %v", starts, want)
	}
}

// The backbone level names the path it left out of the average:
// tokyo-sendai never answered (TestValueIIJBackbonePathMean's month).
func TestTextBackboneNamesPathsLeftOut(t *testing.T) {
	f := scenario(t, valBackbone).month("2026-11", "tokyo-osaka", 60, 30000)
	f.month("2026-11", "shibuya-sapporo", 2, 20000)
	f.month("2026-11", "osaka-osaka", 2, 20000)
	f.pings("tokyo-sendai", "2026-11-01 00:00", "2026-12-01 00:00", 2, 2, 0)
	l := level(t, f.eval("2026-11"), "iij/backbone", "iij/backbone-latency")
	hasReason(t, l, "paths without a successful ping in the month, left out of the average: tokyo-sendai")
}

// Claim reasons are sentences. Each miss of TestAryakaClaims earns 2000;
// October's claims are due by 2026-11-30T23:59:59+09:00.
func TestTextClaimReasons(t *testing.T) {
	events := `id,service,kind,start,end
F1,acme/osaka,failover,2026-10-05 03:00,2026-10-05 03:06
F2,acme/osaka,failover,2026-10-06 03:00,2026-10-06 03:06
F3,acme/osaka,failover,2026-10-07 03:00,2026-10-07 03:06
F4,acme/osaka,failover,2026-10-08 03:00,2026-10-08 03:06
F5,acme/osaka,failover,2026-10-09 03:00,2026-10-09 03:06
`
	claims := `id,service,ref,submitted,confirmed,description,duration,tickets,attempts
C1,acme/osaka,F1,2026-11-30 23:59,2026-12-05 10:00,ANAP failover slow,6 min,SR-1,restarted ANAP
C2,acme/osaka,F2,2026-12-01 00:00,,ANAP failover slow,6 min,SR-2,restarted ANAP
C3,acme/osaka,F3,2026-11-10 09:00,,ANAP failover slow,6 min,,
C5,acme/osaka,F5,2026-11-30 23:59,,ANAP failover slow,6 min,SR-5,restarted ANAP
`
	r := scenario(t, aryClaims).records("-", events, claims).eval("2026-10")
	l := level(t, r, "acme/osaka", "aryaka/anap-ha")
	for _, w := range []struct{ id, reason string }{
		// confirmed in December: one billing cycle from January, by 31 January
		{"F1", "claim C1 was submitted 2026-11-30T23:59:00+09:00 and confirmed 2026-12-05T10:00:00+09:00: the credit is due on an invoice by 2027-01-31"},
		{"F2", "claim C2 was submitted 2026-12-01T00:00:00+09:00, after the deadline 2026-11-30T23:59:59+09:00: the credit is forfeited"},
		{"F3", "claim C3 (claims.csv:4) lacks the tickets and the attempts the provider requires: the credit is forfeited unless another claim covers it"},
		{"F4", "no claim covers it, and without a claim there is no credit"},
		// not confirmed yet: confirmed in November it is due by 31 December
		{"F5", "claim C5 was submitted 2026-11-30T23:59:00+09:00 and is not confirmed yet: if it is confirmed in 2026-11, the credit is due on an invoice by 2026-12-31"},
	} {
		if c := itemByID(t, l, w.id).Claim; c == nil || c.Reason != w.reason {
			t.Errorf("%s claim reason:\n got %+v\nwant %q", w.id, c, w.reason)
		}
	}
}

// IIJ notices. The outage of 4 Nov 10:00-10:06 (Tokyo) is detected at
// 10:05, when its 5th silent minute ended; N1 at 10:35 is exactly 30
// minutes after detection: met, elapsed 30 (it was counted from the
// outage's start: 35). N9 on 2 Nov answers no outage (none began before
// it) and N8 names an outage-detected event that does not exist: both are
// reported.
func TestTextNoticeElapsedAndUnmatched(t *testing.T) {
	f := scenario(t, iijInternet).month("2026-11", "r1", 2, 5000)
	f.outage("r1", "2026-11-04 10:00", "2026-11-04 10:06", 2, 2, 0)
	notices := "id,service,kind,start,end,ref\n" +
		"N9,acme/tokyo,customer-notified,2026-11-02 09:00,,\n" +
		"N1,acme/tokyo,customer-notified,2026-11-04 10:35,,\n" +
		"N8,acme/tokyo,customer-notified,2026-11-06 09:00,,D7\n"
	r := f.records("-", notices, "-").eval("2026-11")
	l := level(t, r, "acme/tokyo", "iij/outage-notification")
	checkTimed(t, l, tw{met: "true", pct: "0", credit: "0", items: "outage 2026-11-04T10:00:00+09:00:true/"})
	if e := l.Items[0].Elapsed; e != "30" {
		t.Errorf("elapsed %s, want 30 (from detection at 10:05)", e)
	}
	hasReason(t, l, "notice N9 (2026-11-02T09:00:00+09:00) matches no outage detected in the month: none began before it")
	hasReason(t, l, "notice N8 (2026-11-06T09:00:00+09:00) matches no outage detected in the month: it names D7, which is none of them")
}
