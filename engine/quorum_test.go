package engine_test

import (
	"fmt"
	"strings"
	"testing"
)

// Golden scenarios for k-of-n minutes with unmeasured members (issue 12
// item 4, docs/model.md §3 "Quorums"). A member with no record in a
// minute is unknown: the minute is down only when the members known to be
// down satisfy the rule whatever the unknown ones are, up when they
// cannot, and unknown otherwise. Before, shares were taken among the
// measured members only (an unmeasured gateway counted against the
// provider) and a loss sum with an unmeasured segment was always unknown.

// quorumWindow fills November 2026 (UTC, 43,200 minutes) for every member
// and then gives member k the status pattern[k] from 10:00 to 10:10 on
// 3 November: 'x' every probe lost, '?' no record, '.' healthy.
func quorumWindow(f *feed, members []string, pattern string, sent int) {
	for _, s := range members {
		f.month("2026-11", s, sent, 1000)
	}
	for k, s := range members {
		switch pattern[k] {
		case 'x':
			f.outage(s, "2026-11-03 10:00", "2026-11-03 10:10", sent, sent, 0)
		case '?':
			f.gap(s, "2026-11-03 10:00", "2026-11-03 10:10")
		}
	}
}

const quorumPrivateAccess = `
timezone: UTC
currency: USD
customers:
  - id: acme
    services:
      - id: pa
        template: aryaka/private-access-uptime
        inputs: {gateways: [%s]}
        fees: {mrc: "500.10"}
`

// "The service is down while 50% of gateways are unavailable" (seeds/001
// line 276): k = 50% of the bound gateways. A gateway failing all 10
// minutes is unavailable for all of them (a run of 10 >= 5).
func TestQuorumPrivateAccessUnmeasuredGateways(t *testing.T) {
	// 10 down minutes: 5 < 10 <= 60 -> 5% of 500.10 = 25.005 -> 25.01;
	// availability (43200 - 10) / 43200 = 99.976852%.
	downTen := want{down: 10, measured: 43200, avail: "99.976852", met: "false", pct: "5", credit: "25.01"}
	// 10 unknown minutes, none down: still in the denominator; 100%, met.
	unknownTen := want{unknown: 10, measured: 43190, avail: "100.000000", met: "true", pct: "0", credit: "0.00"}
	upAll := want{measured: 43200, avail: "100.000000", met: "true", pct: "0", credit: "0.00"}
	for _, c := range []struct {
		pattern string
		w       want
	}{
		// 1 down, 2 unknown, 1 up of 4: between 1 and 3 of 4 unavailable,
		// 25% to 75%: unknown. Before: 1 of the 2 measured = 50%: 10 down,
		// availability 99.976852%, 25.01 USD.
		{"x??.", unknownTen},
		// 2 down, 2 unknown: at least 2 of 4 = 50% whatever the others: down.
		{"xx??", downTen},
		// 1 down, 1 unknown, 2 up: 1 or 2 of 4 = 25% or 50%: the unknown
		// gateway decides, unknown. (Before: 1 of 3 measured = 33%, up.)
		{"x?..", unknownTen},
		// 1 down, 1 unknown, 3 up of 5: at most 2 of 5 = 40% < 50%: up.
		{"x?...", upAll},
		// no gateway measured: unknown, as before.
		{"????", unknownTen},
	} {
		t.Run(c.pattern, func(t *testing.T) {
			var gws []string
			for k := range c.pattern {
				gws = append(gws, fmt.Sprintf("g%d", k+1))
			}
			f := scenario(t, fmt.Sprintf(quorumPrivateAccess, strings.Join(gws, ", ")))
			quorumWindow(f, gws, c.pattern, 1)
			check(t, level(t, f.eval("2026-11"), "acme/pa", "aryaka/private-access-uptime"), c.w)
		})
	}
}

// "The service is down when 50% or more of edge probes have failed"
// (seeds/001 line 219), over the bound edges; an edge's failure counts
// only while the origin probe succeeded, and is unknown while the origin
// was not measured.
func TestQuorumCDNUnmeasuredEdges(t *testing.T) {
	const cdn = `
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
	// 10 down: 5 < 10 <= 60 -> 5% of 30010 = 1500.5 -> half-up 1501 JPY;
	// (43200 - 10) / 43200 = 99.976852%.
	downTen := want{down: 10, measured: 43200, avail: "99.976852", met: "false", pct: "5", credit: "1501"}
	unknownTen := want{unknown: 10, measured: 43190, avail: "100.000000", met: "true", pct: "0", credit: "0"}
	upAll := want{measured: 43200, avail: "100.000000", met: "true", pct: "0", credit: "0"}
	for _, c := range []struct {
		pattern string // origin, then e1..e4
		w       want
	}{
		// origin up; e1 failed, e2 and e3 unmeasured, e4 up: 1 to 3 of 4:
		// unknown. Before: 1 of 2 measured = 50%: 10 down, 1501 JPY.
		{".x??.", unknownTen},
		// origin up; e1 and e2 failed, e3 and e4 unmeasured: >= 2 of 4: down.
		{".xx??", downTen},
		// origin unmeasured; e1 and e2 failed (so unknown), e3 and e4 up:
		// 0 to 2 of 4, 0% to 50%: unknown. Before: 0 of the 2 known: up.
		{"?xx..", unknownTen},
		// origin unmeasured; e1 failed (unknown), the others up: at most
		// 1 of 4 = 25%: up, as before.
		{"?x...", upAll},
	} {
		t.Run(c.pattern, func(t *testing.T) {
			f := scenario(t, cdn)
			quorumWindow(f, []string{"o1", "e1", "e2", "e3", "e4"}, c.pattern, 1)
			check(t, level(t, f.eval("2026-11"), "acme/cdn", "aryaka/cdn-uptime"), c.w)
		})
	}
}

// "End-to-end loss per minute = the SUM of the segments' losses; down
// when it is above 50%" (seeds/001 §2): an unmeasured segment lost
// between 0 and 100%, so the sum lies between the measured segments' sum
// and that plus 100.
func TestQuorumE2EUnmeasuredSegment(t *testing.T) {
	const e2e = `
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
	f := scenario(t, e2e)
	for _, s := range []string{"sa", "core", "sb"} {
		f.month("2026-11", s, 60, 40000)
	}
	// 40 minutes: sa unmeasured, the core loses everything: the sum is at
	// least 100 > 50 whatever sa lost: down. (Before: unknown.)
	f.gap("sa", "2026-11-03 10:00", "2026-11-03 10:40")
	f.outage("core", "2026-11-03 10:00", "2026-11-03 10:40", 60, 60, 0)
	// 20 minutes: sa unmeasured, core 12 of 60 = 20%, sb 0: the sum lies
	// in [20, 120]: unknown, as before.
	f.gap("sa", "2026-11-04 10:00", "2026-11-04 10:20")
	f.outage("core", "2026-11-04 10:00", "2026-11-04 10:20", 60, 12, 40000)
	// 10 minutes: sa and sb unmeasured, core 31 of 60 = 51.67% > 50: down.
	f.gap("sa", "2026-11-05 10:00", "2026-11-05 10:10")
	f.gap("sb", "2026-11-05 10:00", "2026-11-05 10:10")
	f.outage("core", "2026-11-05 10:00", "2026-11-05 10:10", 60, 31, 40000)
	// D = 40 + 10 = 50, U = 20; measured = 43200 - 20 = 43180.
	// availability = (43200 - 50) / 43200 = 43150/43200 = 99.884259%.
	// Link fee 1000.05 / 3 = 333.35; 30 < 50 <= 60 -> 5% = 16.6675 -> 16.67.
	// (Before: D = 0, U = 70, availability 100%, met, no credit.)
	check(t, level(t, f.eval("2026-11"), "acme/e2e", "aryaka/e2e-uptime"), want{
		down: 50, unknown: 20, measured: 43180, avail: "99.884259", met: "false", pct: "5", credit: "16.67"})
}

// "At ALL 3 locations, for 5 consecutive minutes, loss above 5%"
// (seeds/001 line 296) is n of n: an unmeasured location leaves the
// minute unknown unless a measured one is up. Unchanged by the quorum
// rule; pinned beside the others.
func TestQuorumBreakoutUnmeasuredLocation(t *testing.T) {
	const ib = `
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
	f := scenario(t, ib)
	for _, s := range []string{"i1", "i2", "i3"} {
		f.month("2026-11", s, 60, 20000)
	}
	// 10 minutes: i1 unmeasured, i2 and i3 lose 6 of 60 = 10% > 5%: the
	// loss rule is unknown (i1 decides); the latency rule is up (i2 and i3
	// answer at the 20 ms baseline); down in neither, unknown in one: 10
	// unknown minutes.
	f.gap("i1", "2026-11-03 10:00", "2026-11-03 10:10")
	f.outage("i2", "2026-11-03 10:00", "2026-11-03 10:10", 60, 6, 20000)
	f.outage("i3", "2026-11-03 10:00", "2026-11-03 10:10", 60, 6, 20000)
	// 10 minutes: i1 unmeasured, i2 loses, i3 healthy: i3 is up in both
	// rules, so never all 3: up.
	f.gap("i1", "2026-11-04 10:00", "2026-11-04 10:10")
	f.outage("i2", "2026-11-04 10:00", "2026-11-04 10:10", 60, 6, 20000)
	// D = 0, U = 10: measured 43190, 100%, met.
	check(t, level(t, f.eval("2026-11"), "acme/ib", "aryaka/internet-breakout"), want{
		unknown: 10, measured: 43190, avail: "100.000000", met: "true", pct: "0", credit: "0.00"})
}
