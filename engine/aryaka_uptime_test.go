package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/internal/race"
)

// Golden scenarios for the Aryaka minute-rule levels. Every expected value
// is worked out by hand in the comment above it. Tier tables are half-open
// (a < d <= b), money is rounded half-up to the currency's minor unit.
// Where a figure rests on a reading of the SLA text, the comment names it
// (R1..R7, docs/model.md §15; each is pinned by a TestReading* or
// TestQuorum* test).

// aryAfter returns from + n minutes, for zones with no DST change in between.
func aryAfter(from string, n int) string {
	t, _ := time.Parse("2006-01-02 15:04", from)
	return t.Add(time.Duration(n) * time.Minute).Format("2006-01-02 15:04")
}

// aryReason fails unless one of the reasons r contains every part.
func aryReason(t *testing.T, r []string, parts ...string) {
	t.Helper()
	for _, s := range r {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(s, p)
		}
		if ok {
			return
		}
	}
	t.Errorf("no reason containing %q in:\n  %s", parts, strings.Join(r, "\n  "))
}

// --- aryaka/privatecore-uptime: tiers 5 / 60 / 120, down when loss > 50% ---

const aryPrivateCore = `
timezone: Asia/Tokyo
currency: JPY
customers:
  - id: acme
    services:
      - id: pc
        template: aryaka/privatecore-uptime
        inputs: {path: p1}
        params: {remote_sites: "2"}
        fees: {mrc: "100000"}
`

// November 2026 in Tokyo: 30 days = 43,200 minutes. Link fee = 100000 / 2
// = 50000 JPY. 99.999% allows 0.432 down minutes: every row misses.
func TestAryakaPrivateCoreTiers(t *testing.T) {
	for _, c := range []struct {
		d                  int
		avail, pct, credit string
	}{
		// 5: not above 5 -> no credit; (43200-5)/43200 = 43195/43200 = 99.988426%
		{5, "99.988426", "0", "0"},
		// 6: 5 < 6 <= 60 -> 5% of 50000 = 2500; 43194/43200 = 99.986111%
		{6, "99.986111", "5", "2500"},
		// 60: 5 < 60 <= 60 -> 5% = 2500; 43140/43200 = 99.861111%
		{60, "99.861111", "5", "2500"},
		// 61: 60 < 61 <= 120 -> 10% of 50000 = 5000; 43139/43200 = 99.858796%
		{61, "99.858796", "10", "5000"},
		// 120: 60 < 120 <= 120 -> 10% = 5000; 43080/43200 = 99.722222%
		{120, "99.722222", "10", "5000"},
		// 121: 120 < 121 -> 20% of 50000 = 10000; 43079/43200 = 99.719907%
		{121, "99.719907", "20", "10000"},
	} {
		t.Run(fmt.Sprint(c.d), func(t *testing.T) {
			f := scenario(t, aryPrivateCore).month("2026-11", "p1", 60, 30000)
			// 30 minutes at exactly 50% loss (30 of 60): not > 50%, up.
			f.outage("p1", "2026-11-10 08:00", "2026-11-10 08:30", 60, 30, 30000)
			// d minutes at 31 of 60 lost = 51.67% > 50%: down.
			f.outage("p1", "2026-11-20 00:00", aryAfter("2026-11-20 00:00", c.d), 60, 31, 30000)
			check(t, level(t, f.eval("2026-11"), "acme/pc", "aryaka/privatecore-uptime"), want{
				down: c.d, measured: 43200, avail: c.avail, met: "false", pct: c.pct, credit: c.credit})
		})
	}
}

// --- aryaka/l3core-uptime: tiers 30 / 300 / 600, February 2027, JPY ties ---

const aryL3core = `
timezone: Asia/Tokyo
currency: JPY
customers:
  - id: acme
    services:
      - id: l3
        template: aryaka/l3core-uptime
        inputs: {path: p1}
        params: {remote_sites: "4"}
        fees: {mrc: "250010"}
`

// February 2027: 28 days = 40,320 minutes. Link fee = 250010 / 4 = 62502.5
// JPY. 99.99% allows 4.032 down minutes: 4 meets, 5 misses.
func TestAryakaL3CoreTiersFebruary(t *testing.T) {
	for _, c := range []struct {
		d                       int
		avail, met, pct, credit string
	}{
		// 4: (40320-4)/40320 = 40316/40320 = 99.990079% >= 99.99: met
		{4, "99.990079", "true", "0", "0"},
		// 5: 40315/40320 = 99.987599% < 99.99: missed, 5 <= 30: no credit
		{5, "99.987599", "false", "0", "0"},
		// 30: not above 30; 40290/40320 = 99.925595%
		{30, "99.925595", "false", "0", "0"},
		// 31: 30 < 31 <= 300 -> 5% of 62502.5 = 3125.125 -> 3125; 40289/40320 = 99.923115%
		{31, "99.923115", "false", "5", "3125"},
		// 300: 5% -> 3125; 40020/40320 = 99.255952%
		{300, "99.255952", "false", "5", "3125"},
		// 301: 300 < 301 <= 600 -> 10% of 62502.5 = 6250.25 -> 6250; 40019/40320 = 99.253472%
		{301, "99.253472", "false", "10", "6250"},
		// 600: 10% -> 6250; 39720/40320 = 98.511905%
		{600, "98.511905", "false", "10", "6250"},
		// 601: 600 < 601 -> 20% of 62502.5 = 12500.5 -> half-up 12501 (not 12500);
		// 39719/40320 = 98.509425%
		{601, "98.509425", "false", "20", "12501"},
	} {
		t.Run(fmt.Sprint(c.d), func(t *testing.T) {
			f := scenario(t, aryL3core).month("2027-02", "p1", 60, 30000)
			// every ping lost for d minutes
			f.outage("p1", "2027-02-10 00:00", aryAfter("2027-02-10 00:00", c.d), 60, 60, 0)
			check(t, level(t, f.eval("2027-02"), "acme/l3", "aryaka/l3core-uptime"), want{
				down: c.d, measured: 40320, avail: c.avail, met: c.met, pct: c.pct, credit: c.credit})
		})
	}
}

// --- aryaka/e2e-uptime: loss summed over segments, tiers 30 / 60 / 120, USD ---

const aryE2e = `
timezone: UTC
currency: USD
customers:
  - id: acme
    services:
      - id: e2e
        template: aryaka/e2e-uptime
        inputs: {segments: [sa, core, sb]}
        params: {remote_sites: "3"}
        fees: {mrc: "1000.05"}
`

// December 2026: 31 days = 44,640 minutes. Link fee = 1000.05 / 3 = 333.35
// USD. A segment gap of 30 minutes makes 30 unknown minutes (R7: the other
// segments lost 0%, so the sum lies in [0, 100]), which stay in the
// denominator (R1): availability = (44640 - d) / 44640, measured = 44610.
func TestAryakaE2ETiersAndLossSum(t *testing.T) {
	race.SkipHeavy(t, "a month for each credit tier")
	for _, c := range []struct {
		d                  int
		avail, pct, credit string
	}{
		// 30: not above 30; 44610/44640 = 99.932796%
		{30, "99.932796", "0", "0.00"},
		// 31: 30 < 31 <= 60 -> 5% of 333.35 = 16.6675 -> 16.67; 44609/44640 = 99.930556%
		{31, "99.930556", "5", "16.67"},
		// 60: 5% -> 16.67; 44580/44640 = 99.865591%
		{60, "99.865591", "5", "16.67"},
		// 61: 60 < 61 <= 120 -> 10% of 333.35 = 33.335 -> half-up 33.34
		// (a float64 33.335 would round to 33.33); 44579/44640 = 99.863351%
		{61, "99.863351", "10", "33.34"},
		// 120: 10% -> 33.34; 44520/44640 = 99.731183%
		{120, "99.731183", "10", "33.34"},
		// 121: 120 < 121 -> 20% of 333.35 = 66.67; 44519/44640 = 99.728943%
		{121, "99.728943", "20", "66.67"},
	} {
		t.Run(fmt.Sprint(c.d), func(t *testing.T) {
			f := scenario(t, aryE2e)
			for _, s := range []string{"sa", "core", "sb"} {
				f.month("2026-12", s, 60, 40000)
			}
			// 25% + 25% = 50%: not > 50, up (60 minutes)
			f.outage("sa", "2026-12-05 10:00", "2026-12-05 11:00", 60, 15, 40000)
			f.outage("sb", "2026-12-05 10:00", "2026-12-05 11:00", 60, 15, 40000)
			// 20% + 30% (12 and 18 of 60) = 50%: up (60 minutes)
			f.outage("sa", "2026-12-06 10:00", "2026-12-06 11:00", 60, 12, 40000)
			f.outage("core", "2026-12-06 10:00", "2026-12-06 11:00", 60, 18, 40000)
			// the core segment unmeasured for 30 minutes: unknown, not down
			f.gap("core", "2026-12-07 10:00", "2026-12-07 10:30")
			// 20% + 31.67% (12 and 19 of 60; 31% is not a count of 60) = 51.67% > 50: down
			end := aryAfter("2026-12-20 00:00", c.d)
			f.outage("sa", "2026-12-20 00:00", end, 60, 12, 40000)
			f.outage("core", "2026-12-20 00:00", end, 60, 19, 40000)
			check(t, level(t, f.eval("2026-12"), "acme/e2e", "aryaka/e2e-uptime"), want{
				down: c.d, unknown: 30, measured: 44610, avail: c.avail, met: "false", pct: c.pct, credit: c.credit})
		})
	}
}

// Three segments summed: 10% + 20% + 21.67% (6, 12, 13 of 60) = 51.67%,
// although no segment alone comes near 50%.
func TestAryakaE2EThreeSegmentSum(t *testing.T) {
	f := scenario(t, aryE2e)
	for _, s := range []string{"sa", "core", "sb"} {
		f.month("2026-12", s, 60, 40000)
	}
	f.outage("sa", "2026-12-03 10:00", "2026-12-03 10:40", 60, 6, 40000)
	f.outage("core", "2026-12-03 10:00", "2026-12-03 10:40", 60, 12, 40000)
	f.outage("sb", "2026-12-03 10:00", "2026-12-03 10:40", 60, 13, 40000)
	// 40 down: 30 < 40 <= 60 -> 5% of 333.35 = 16.6675 -> 16.67;
	// (44640-40)/44640 = 44600/44640 = 99.910394%
	check(t, level(t, f.eval("2026-12"), "acme/e2e", "aryaka/e2e-uptime"), want{
		down: 40, measured: 44640, avail: "99.910394", met: "false", pct: "5", credit: "16.67"})
}

// --- aryaka/hosted-fw-uptime: Berlin DST month, gaps, maintenance notice ---

const aryHostedFW = `
timezone: Europe/Berlin
currency: EUR
customers:
  - id: acme
    services:
      - id: fw
        template: aryaka/hosted-fw-uptime
        inputs: {vm: vm1}
        fees: {mrc: "1234.50"}
exclusions:
  - {start: "2026-10-10T22:00:00+02:00", end: "2026-10-11T00:00:00+02:00",
     announced: "2026-10-07T22:00:00+02:00", kind: maintenance,
     reason: "hypervisor upgrade", services: [acme/fw]}
  - {start: "2026-10-17T22:00:00+02:00", end: "2026-10-17T23:00:00+02:00",
     announced: "2026-10-16T22:00:00+02:00", kind: maintenance,
     reason: "late notice", services: [acme/fw]}
`

// October 2026 in Berlin: 31 days plus the hour repeated on 25 October
// (CEST -> CET) = 44,640 + 60 = 44,700 minutes. The VM is probed once a
// minute.
func TestAryakaHostedFWBerlinDST(t *testing.T) {
	f := scenario(t, aryHostedFW).month("2026-10", "vm1", 1, 2000)
	// monitoring down 2 hours: 120 unknown minutes, not down, in the
	// denominator (R1)
	f.gap("vm1", "2026-10-05 00:00", "2026-10-05 02:00")
	// maintenance announced 72 h ahead (>= 48 h): its 120 minutes excluded
	f.outage("vm1", "2026-10-10 22:00", "2026-10-11 00:00", 1, 1, 0)
	// maintenance announced only 24 h ahead: not excluded, 60 down minutes
	f.outage("vm1", "2026-10-17 22:00", "2026-10-17 23:00", 1, 1, 0)
	// 01:30 CEST (23:30Z) to 03:30 CET (02:30Z) across the repeated hour:
	// 3 h of real time = 180 down minutes
	f.outage("vm1", "2026-10-25 01:30", "2026-10-25 03:30", 1, 1, 0)
	l := level(t, f.eval("2026-10"), "acme/fw", "aryaka/hosted-fw-uptime")
	// M = 44700, X = 120, U = 120, D = 60 + 180 = 240
	// measured = 44700 - 120 - 120 = 44460
	// availability = (44700 - 120 - 240) / (44700 - 120) = 44340/44580 = 99.461642%
	// 120 < 240 -> 20% of 1234.50 = 246.90 EUR (cap 25% = 308.625 -> 308.63, not hit)
	check(t, l, want{down: 240, unknown: 120, excluded: 120, measured: 44460,
		avail: "99.461642", met: "false", pct: "20", credit: "246.90"})
	aryReason(t, l.Reasons, "excluded 120 minutes", "hypervisor upgrade")
	aryReason(t, l.Reasons, "not excluded", "late notice", "48 hours' notice")
}

// --- aryaka/ngfw-swg-uptime: 5 consecutive failed minutes, from the first ---

const aryNgfw = `
timezone: %s
currency: USD
customers:
  - id: acme
    services:
      - id: swg
        template: aryaka/ngfw-swg-uptime
        inputs: {probe: n1}
        fees: {mrc: "99.90"}
`

// November 2026 in UTC: 43,200 minutes; one probe a minute.
func TestAryakaNGFWConsecutive(t *testing.T) {
	for _, c := range []struct {
		failed             int
		down               int
		avail, pct, credit string
	}{
		// 4 failed minutes in a row: no run of 5, 0 down; 100%
		{4, 0, "100.000000", "0", "0.00"},
		// 5 in a row: 5 down counted from the first; not above 5 -> no credit;
		// 43195/43200 = 99.988426%
		{5, 5, "99.988426", "0", "0.00"},
		// 6 in a row: 6 down; 5 < 6 <= 60 -> 5% of 99.90 = 4.995 -> half-up 5.00;
		// 43194/43200 = 99.986111%
		{6, 6, "99.986111", "5", "5.00"},
	} {
		t.Run(fmt.Sprint(c.failed), func(t *testing.T) {
			f := scenario(t, fmt.Sprintf(aryNgfw, "UTC")).month("2026-11", "n1", 1, 1000)
			f.outage("n1", "2026-11-10 10:00", aryAfter("2026-11-10 10:00", c.failed), 1, 1, 0)
			// 4 failed, 1 good, 4 failed: the good minute breaks the run, 0 down
			f.outage("n1", "2026-11-12 10:00", "2026-11-12 10:04", 1, 1, 0)
			f.outage("n1", "2026-11-12 10:05", "2026-11-12 10:09", 1, 1, 0)
			check(t, level(t, f.eval("2026-11"), "acme/swg", "aryaka/ngfw-swg-uptime"), want{
				down: c.down, measured: 43200, avail: c.avail, met: map[bool]string{true: "true", false: "false"}[c.down == 0],
				pct: c.pct, credit: c.credit})
		})
	}
}

// March 2026 in New York: 31 days less the hour skipped on 8 March (EST ->
// EDT) = 44,640 - 60 = 44,580 minutes.
func TestAryakaNGFWNewYorkDST(t *testing.T) {
	f := scenario(t, fmt.Sprintf(aryNgfw, "America/New_York")).month("2026-03", "n1", 1, 1000)
	// 01:30 EST (06:30Z) to 03:30 EDT (07:30Z): 2 h on the clock, 60 real minutes
	f.outage("n1", "2026-03-08 01:30", "2026-03-08 03:30", 1, 1, 0)
	// 60 down: 5 < 60 <= 60 -> 5% of 99.90 = 4.995 -> 5.00
	// availability = (44580 - 60)/44580 = 44520/44580 = 99.865410%
	check(t, level(t, f.eval("2026-03"), "acme/swg", "aryaka/ngfw-swg-uptime"), want{
		down: 60, measured: 44580, avail: "99.865410", met: "false", pct: "5", credit: "5.00"})
}

// --- aryaka/private-access-uptime: a gateway fails after 5 minutes in a row ---

const aryPrivateAccess = `
timezone: UTC
currency: USD
customers:
  - id: acme
    services:
      - id: pa
        template: aryaka/private-access-uptime
        inputs: {gateways: [g1, g2]}
        fees: {mrc: "500.10"}
`

// November 2026: 43,200 minutes; two gateways probed once a minute. One
// unavailable gateway of two is 50%: the service is down (R7: both are
// measured throughout, so the quorum is the plain share).
func TestAryakaPrivateAccessGateways(t *testing.T) {
	f := scenario(t, aryPrivateAccess).month("2026-11", "g1", 1, 1000).month("2026-11", "g2", 1, 1000)
	// g1 fails 4 minutes: never unavailable, 0 down
	f.outage("g1", "2026-11-03 10:00", "2026-11-03 10:04", 1, 1, 0)
	// g1 10:00-10:04 and g2 10:02-10:06 fail 4 minutes each: both failed at
	// 10:02-10:04, but neither run reaches 5: 0 down
	f.outage("g1", "2026-11-04 10:00", "2026-11-04 10:04", 1, 1, 0)
	f.outage("g2", "2026-11-04 10:02", "2026-11-04 10:06", 1, 1, 0)
	// g1 fails 7 minutes: unavailable from the first, 1 of 2 = 50% -> 7 down
	f.outage("g1", "2026-11-05 10:00", "2026-11-05 10:07", 1, 1, 0)
	// g2 fails 31 Oct 23:58 to 1 Nov 00:03 = 5 minutes, the run starting in
	// the previous month: its 3 minutes in November are down
	f.outage("g2", "2026-10-31 23:58", "2026-11-01 00:03", 1, 1, 0)
	// D = 7 + 3 = 10: 5 < 10 <= 60 -> 5% of 500.10 = 25.005 -> half-up 25.01
	// availability = 43190/43200 = 99.976852%
	check(t, level(t, f.eval("2026-11"), "acme/pa", "aryaka/private-access-uptime"), want{
		down: 10, measured: 43200, avail: "99.976852", met: "false", pct: "5", credit: "25.01"})
}

// --- aryaka/cdn-uptime: edge runs of 3 gated by the origin probe ---

const aryCdn = `
timezone: UTC
currency: JPY
customers:
  - id: acme
    services:
      - id: cdn
        template: aryaka/cdn-uptime
        inputs: {origin: o1, edges: [e1, e2, e3, e4]}
        fees: {mrc: "30010"}
`

// November 2026: 43,200 minutes; origin and 4 edges probed once a minute.
// Down when >= 50% of the 4 bound edges have failed: 2 of 4; an edge fails
// from the first of its 3 failures (R3). Every edge is
// measured here but for the origin gap (see quorum_test.go for
// unmeasured edges).
func TestAryakaCDNEdges(t *testing.T) {
	f := scenario(t, aryCdn)
	for _, s := range []string{"o1", "e1", "e2", "e3", "e4"} {
		f.month("2026-11", s, 1, 1000)
	}
	fail := func(from, to string, series ...string) {
		for _, s := range series {
			f.outage(s, from, to, 1, 1, 0)
		}
	}
	// e1, e2 fail 3 minutes in a row with the origin up: 2/4 = 50%, 3 down
	fail("2026-11-10 10:00", "2026-11-10 10:03", "e1", "e2")
	// e1 alone fails 20 minutes: 1/4 = 25%, 0 down
	fail("2026-11-10 11:00", "2026-11-10 11:20", "e1")
	// e1, e2 fail 2 minutes: no run of 3, 0 down
	fail("2026-11-10 12:00", "2026-11-10 12:02", "e1", "e2")
	// e1, e2 fail 4 minutes but the origin fails at 13:02: runs of 2 and 1, 0 down
	fail("2026-11-10 13:00", "2026-11-10 13:04", "e1", "e2")
	fail("2026-11-10 13:02", "2026-11-10 13:03", "o1")
	// e1, e2, e3 fail 6 minutes: 3/4 = 75%, 6 down
	fail("2026-11-10 14:00", "2026-11-10 14:06", "e1", "e2", "e3")
	// the origin unmeasured while every edge fails: the edges' status is
	// unknown, no edge known -> 10 unknown minutes
	f.gap("o1", "2026-11-10 15:00", "2026-11-10 15:10")
	fail("2026-11-10 15:00", "2026-11-10 15:10", "e1", "e2", "e3", "e4")
	// the origin alone fails 10 minutes: the edges answered, 0 down
	fail("2026-11-10 16:00", "2026-11-10 16:10", "o1")
	// D = 3 + 6 = 9: 5 < 9 <= 60 -> 5% of 30010 = 1500.5 -> half-up 1501 JPY
	// measured = 43200 - 10 = 43190; availability = (43200-9)/43200 = 43191/43200 = 99.979167%
	check(t, level(t, f.eval("2026-11"), "acme/cdn", "aryaka/cdn-uptime"), want{
		down: 9, unknown: 10, measured: 43190, avail: "99.979167", met: "false", pct: "5", credit: "1501"})
}

// --- aryaka/internet-breakout: all 3 locations for 5 minutes, loss or latency ---

const aryBreakout = `
timezone: UTC
currency: USD
customers:
  - id: acme
    services:
      - id: ib
        template: aryaka/internet-breakout
        inputs: {locations: [i1, i2, i3]}
        fees: {mrc: "210.10"}
`

// November 2026: 43,200 minutes; 60 pings a minute to each location, 20 ms
// baseline (and the day before the month at 20 ms too).
func TestAryakaInternetBreakout(t *testing.T) {
	race.SkipHeavy(t, "months of breakout sites, one site down at a time")
	f := scenario(t, aryBreakout)
	all := []string{"i1", "i2", "i3"}
	for _, s := range all {
		f.month("2026-11", s, 60, 20000)
	}
	set := func(from, to string, lost int, rtt uint32, series ...string) {
		for _, s := range series {
			f.outage(s, from, to, 60, lost, rtt)
		}
	}
	// all 3 lose 4 of 60 = 6.67% > 5% for 5 minutes: 5 down
	set("2026-11-05 10:00", "2026-11-05 10:05", 4, 20000, all...)
	// only 2 of 3 for 10 minutes: 0
	set("2026-11-06 10:00", "2026-11-06 10:10", 4, 20000, "i1", "i2")
	// all 3 for 4 minutes: no run of 5, 0
	set("2026-11-07 10:00", "2026-11-07 10:04", 4, 20000, all...)
	// all 3 lose exactly 3 of 60 = 5%: not > 5%, 0
	set("2026-11-08 10:00", "2026-11-08 10:10", 3, 20000, all...)
	// all 3 at 26 ms > 1.25 x 20 = 25 ms for 5 minutes: 5 down (within the
	// run the trailing mean rises at most to (1436x20+4x26)/1440 = 20.017 ms)
	set("2026-11-10 10:00", "2026-11-10 10:05", 0, 26000, all...)
	// all 3 at exactly 25 ms = 1.25 x 20: not above, 0
	set("2026-11-12 10:00", "2026-11-12 10:10", 0, 25000, all...)
	// 2 of 3 at 26 ms: 0
	set("2026-11-14 10:00", "2026-11-14 10:10", 0, 26000, "i1", "i2")
	// D = 5 + 5 = 10: 5 < 10 <= 60 -> 5% of 210.10 = 10.505 -> half-up 10.51
	// availability = 43190/43200 = 99.976852%
	check(t, level(t, f.eval("2026-11"), "acme/ib", "aryaka/internet-breakout"), want{
		down: 10, measured: 43200, avail: "99.976852", met: "false", pct: "5", credit: "10.51"})
}

// --- aryaka/site-cap: 25% of the service's MRC over all its levels ---

const aryCapped = `
timezone: UTC
currency: USD
customers:
  - id: acme
    services:
      - id: pc
        levels: [aryaka/privatecore-uptime, aryaka/privatecore-loss]
        inputs: {path: p1}
        params: {remote_sites: "1"}
        fees: {mrc: "1000.05"}
`

// November 2026: 43,200 minutes. One remote site: link fee = MRC = 1000.05.
func TestAryakaSiteCap(t *testing.T) {
	f := scenario(t, aryCapped).month("2026-11", "p1", 60, 30000)
	// 121 minutes with every ping lost
	f.outage("p1", "2026-11-20 00:00", "2026-11-20 02:01", 60, 60, 0)
	r := f.eval("2026-11")
	// uptime: 121 > 120 -> 20% of 1000.05 = 200.01; 43079/43200 = 99.719907%
	check(t, level(t, r, "acme/pc", "aryaka/privatecore-uptime"), want{
		down: 121, measured: 43200, avail: "99.719907", met: "false", pct: "20", credit: "200.01"})
	// loss: mean of minute losses = 121 x 100% / 43200 = 0.280093% > 0.1% ->
	// 10% of 1000.05 = 100.005 -> 100.01; cap 25% of 1000.05 = 250.0125 ->
	// 250.01, of which uptime took 200.01: loss reduced to 50.00
	l := level(t, r, "acme/pc", "aryaka/privatecore-loss")
	check(t, l, want{measured: 43200, value: "0.280093", met: "false", pct: "10", credit: "50.00", capped: true})
	aryReason(t, l.Reasons, "aryaka/site-cap", "reduced from 100.01 to 50.00")
	// service total = 200.01 + 50.00 = 250.01
	if got := r.Customers[0].Services[0].Credit; got != "250.01" {
		t.Errorf("service credit: got %s, want 250.01", got)
	}
}

// --- exclusions: the 48 hours' notice, emergencies, clipping, partial minutes ---

const aryHostedFWNotice = `
timezone: UTC
currency: EUR
customers:
  - id: acme
    services:
      - id: fw
        template: aryaka/hosted-fw-uptime
        inputs: {vm: vm1}
        fees: {mrc: "1234.50"}
exclusions:
  - {start: "2026-11-03T10:00:00Z", end: "2026-11-03T10:30:00Z", announced: "2026-11-01T10:00:00Z",
     kind: maintenance, reason: "exactly 48h", services: [acme/fw]}
  - {start: "2026-11-04T10:00:00Z", end: "2026-11-04T10:30:00Z", announced: "2026-11-02T10:01:00Z",
     kind: maintenance, reason: "47h59m", services: [acme/fw]}
  - {start: "2026-11-05T10:00:00Z", end: "2026-11-05T10:20:00Z",
     kind: emergency-maintenance, reason: "emergency", services: [acme/fw]}
  - {start: "2026-11-06T10:00:00Z", end: "2026-11-06T10:10:00Z",
     kind: maintenance, reason: "never announced", services: [acme/fw]}
  - {start: "2026-10-31T23:00:00Z", end: "2026-11-01T01:00:00Z", announced: "2026-10-28T00:00:00Z",
     kind: maintenance, reason: "across the month start", services: [acme/fw]}
  - {start: "2026-11-07T10:00:30Z", end: "2026-11-07T10:10:30Z", announced: "2026-11-01T00:00:00Z",
     kind: maintenance, reason: "partial minutes", services: [acme]}
`

// November 2026 in UTC: 43,200 minutes; the VM probed once a minute.
func TestAryakaMaintenanceNotice(t *testing.T) {
	f := scenario(t, aryHostedFWNotice).month("2026-11", "vm1", 1, 2000)
	f.outage("vm1", "2026-11-03 10:00", "2026-11-03 10:30", 1, 1, 0) // 48 h notice: excluded 30
	f.outage("vm1", "2026-11-04 10:00", "2026-11-04 10:30", 1, 1, 0) // 47 h 59 min: 30 down
	f.outage("vm1", "2026-11-05 10:00", "2026-11-05 10:20", 1, 1, 0) // emergency, no notice needed: excluded 20
	f.outage("vm1", "2026-11-06 10:00", "2026-11-06 10:10", 1, 1, 0) // no announced time: 10 down
	l := level(t, f.eval("2026-11"), "acme/fw", "aryaka/hosted-fw-uptime")
	// X = 30 + 20 + 60 (00:00-01:00 of 1 Nov; the October hour is outside
	// the month) + 11 (10:00:30-10:10:30 touches minutes 10:00..10:10) = 121
	// D = 30 + 10 = 40; measured = 43200 - 121 = 43079
	// availability = (43200 - 121 - 40)/(43200 - 121) = 43039/43079 = 99.907147%
	// 5 < 40 <= 60 -> 5% of 1234.50 = 61.725 -> half-up 61.73 EUR
	check(t, l, want{down: 40, excluded: 121, measured: 43079,
		avail: "99.907147", met: "false", pct: "5", credit: "61.73"})
	aryReason(t, l.Reasons, "not excluded", "47h59m", "48 hours' notice")
	aryReason(t, l.Reasons, "not excluded", "never announced", "48 hours' notice")
	aryReason(t, l.Reasons, "excluded 60 minutes", "across the month start")
}

// A 5-minute NGFW run from 30 Nov 23:57 to 1 Dec 00:02 qualifies as a
// whole; its 3 November minutes are down. A 4-minute run at the month's
// start does not qualify.
func TestAryakaNGFWRunAcrossMonthEnd(t *testing.T) {
	f := scenario(t, fmt.Sprintf(aryNgfw, "UTC")).month("2026-11", "n1", 1, 1000)
	f.outage("n1", "2026-11-01 00:00", "2026-11-01 00:04", 1, 1, 0)
	f.outage("n1", "2026-11-30 23:57", "2026-12-01 00:02", 1, 1, 0)
	// D = 3: not above 5, no credit; 43197/43200 = 99.993056%
	check(t, level(t, f.eval("2026-11"), "acme/swg", "aryaka/ngfw-swg-uptime"), want{
		down: 3, measured: 43200, avail: "99.993056", met: "false", pct: "0", credit: "0.00"})
}

// The loss rule and the latency rule are two alternatives, each needing its
// own run of 5 (the template's reading): 3 minutes of loss followed by 2 of
// latency, or a minute where one location fails by loss and the other two
// by latency, make no violation.
func TestAryakaInternetBreakoutRulesApart(t *testing.T) {
	race.SkipHeavy(t, "months of breakout sites, each rule apart")
	f := scenario(t, aryBreakout)
	all := []string{"i1", "i2", "i3"}
	for _, s := range all {
		f.month("2026-11", s, 60, 20000)
	}
	for _, s := range all {
		f.outage(s, "2026-11-05 10:00", "2026-11-05 10:03", 60, 4, 20000) // loss 6.67%
		f.outage(s, "2026-11-05 10:03", "2026-11-05 10:05", 60, 0, 30000) // 30 ms > 25 ms
	}
	f.outage("i1", "2026-11-07 10:00", "2026-11-07 10:10", 60, 4, 20000)
	f.outage("i2", "2026-11-07 10:00", "2026-11-07 10:10", 60, 0, 30000)
	f.outage("i3", "2026-11-07 10:00", "2026-11-07 10:10", 60, 0, 30000)
	// D = 0: availability 100%, met, no credit
	check(t, level(t, f.eval("2026-11"), "acme/ib", "aryaka/internet-breakout"), want{
		measured: 43200, avail: "100.000000", met: "true", pct: "0", credit: "0.00"})
}
