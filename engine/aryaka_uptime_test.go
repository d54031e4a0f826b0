package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Golden scenarios for the Aryaka minute-rule levels. Every expected value
// is worked out by hand in the comment above it. Tier tables are half-open
// (a < d <= b), money is rounded half-up to the currency's minor unit.

// after returns from + n minutes, for zones with no DST change in between.
func after(from string, n int) string {
	t, _ := time.Parse("2006-01-02 15:04", from)
	return t.Add(time.Duration(n) * time.Minute).Format("2006-01-02 15:04")
}

// hasReason fails unless one reason of l contains every part.
func hasReason(t *testing.T, r []string, parts ...string) {
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

const privateCore = `
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
		d                   int
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
			f := scenario(t, privateCore).month("2026-11", "p1", 60, 30000)
			// 30 minutes at exactly 50% loss (30 of 60): not > 50%, up.
			f.outage("p1", "2026-11-10 08:00", "2026-11-10 08:30", 60, 30, 30000)
			// d minutes at 31 of 60 lost = 51.67% > 50%: down.
			f.outage("p1", "2026-11-20 00:00", after("2026-11-20 00:00", c.d), 60, 31, 30000)
			check(t, level(t, f.eval("2026-11"), "acme/pc", "aryaka/privatecore-uptime"), want{
				down: c.d, measured: 43200, avail: c.avail, met: "false", pct: c.pct, credit: c.credit})
		})
	}
}

// --- aryaka/l3core-uptime: tiers 30 / 300 / 600, February 2027, JPY ties ---

const l3core = `
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
		d                        int
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
			f := scenario(t, l3core).month("2027-02", "p1", 60, 30000)
			// every ping lost for d minutes
			f.outage("p1", "2027-02-10 00:00", after("2027-02-10 00:00", c.d), 60, 60, 0)
			check(t, level(t, f.eval("2027-02"), "acme/l3", "aryaka/l3core-uptime"), want{
				down: c.d, measured: 40320, avail: c.avail, met: c.met, pct: c.pct, credit: c.credit})
		})
	}
}

// --- aryaka/e2e-uptime: loss summed over segments, tiers 30 / 60 / 120, USD ---

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

// December 2026: 31 days = 44,640 minutes. Link fee = 1000.05 / 3 = 333.35
// USD. A segment gap of 30 minutes makes 30 unknown minutes, which stay in
// the denominator: availability = (44640 - d) / 44640, measured = 44610.
func TestAryakaE2ETiersAndLossSum(t *testing.T) {
	for _, c := range []struct {
		d                   int
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
			f := scenario(t, e2e)
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
			end := after("2026-12-20 00:00", c.d)
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
	f := scenario(t, e2e)
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
