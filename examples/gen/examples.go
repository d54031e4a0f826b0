package main

import "time"

// The example months. Each incident is chosen to show one rule at work;
// the README and docs/ walk through the resulting report.
var examples = []example{
	{
		file: "examples/iij-2026-10.csv.gz", zone: "Asia/Tokyo", month: "2026-10", lead: 4 * time.Minute,
		series: append([]series{
			{name: "kaisha-router", perMin: 2, rttMs: 4, jitter: 1},
			{name: "kaisha-dc-primary", perMin: 2, rttMs: 2, jitter: 0.5},
			{name: "kaisha-dc-secondary", perMin: 2, rttMs: 3, jitter: 0.5},
		}, backbone()...),
		incidents: []incident{
			// 7 silent minutes: an outage (>= 5), detected at 10:05.
			{series: "kaisha-router", from: "2026-10-08 10:00", to: "2026-10-08 10:07", lossPct: 100},
			// 3 silent minutes: below the 5-minute detection, not down.
			{series: "kaisha-router", from: "2026-10-12 03:10", to: "2026-10-12 03:13", lossPct: 100},
			// primary down 40 minutes while the secondary answers: not down.
			{series: "kaisha-dc-primary", from: "2026-10-15 14:00", to: "2026-10-15 14:40", lossPct: 100},
			// both lines silent 4 minutes: a DC outage (>= 3).
			{series: "kaisha-dc-primary", from: "2026-10-20 22:00", to: "2026-10-20 22:04", lossPct: 100},
			{series: "kaisha-dc-secondary", from: "2026-10-20 22:00", to: "2026-10-20 22:04", lossPct: 100},
		},
	},
	{
		file: "examples/aryaka-2026-10.csv.gz", zone: "Asia/Tokyo", month: "2026-10", lead: 24 * time.Hour,
		series: []series{
			{name: "pop-tyo--pop-sgp", perMin: 6, rttMs: 68, jitter: 1.5},
			{name: "anap-tyo--pop-tyo", perMin: 2, rttMs: 3, jitter: 0.5},
			{name: "anap-sgp--pop-sgp", perMin: 2, rttMs: 4, jitter: 0.5},
			{name: "breakout-tyo-a", perMin: 2, rttMs: 12, jitter: 1},
			{name: "breakout-tyo-b", perMin: 2, rttMs: 15, jitter: 1},
			{name: "breakout-tyo-c", perMin: 2, rttMs: 9, jitter: 1},
			{name: "lmc-tyo-isp1", perMin: 2, rttMs: 2, jitter: 0.3},
			{name: "lmc-tyo-isp2", perMin: 2, rttMs: 2.5, jitter: 0.3},
			{name: "cdn-origin", perMin: 1, rttMs: 30, jitter: 2},
			{name: "cdn-edge-tyo", perMin: 1, rttMs: 5, jitter: 1},
			{name: "cdn-edge-sgp", perMin: 1, rttMs: 6, jitter: 1},
			{name: "cdn-edge-fra", perMin: 1, rttMs: 7, jitter: 1},
			{name: "cdn-edge-iad", perMin: 1, rttMs: 8, jitter: 1},
		},
		incidents: []incident{
			// PrivateCore: 61 minutes above 50% loss -> 10% tier.
			{series: "pop-tyo--pop-sgp", from: "2026-10-06 02:00", to: "2026-10-06 03:01", lossPct: 100},
			// 3 of 6 lost for 30 minutes: exactly 50% is not down, but the loss counts in the month's mean.
			{series: "pop-tyo--pop-sgp", from: "2026-10-09 09:00", to: "2026-10-09 09:30", lossPct: 50},
			// a window under maintenance announced 72 h ahead: excluded.
			{series: "pop-tyo--pop-sgp", from: "2026-10-14 01:00", to: "2026-10-14 01:45", lossPct: 100},
			// under maintenance announced only 24 h ahead: not excluded, counts as down.
			{series: "pop-tyo--pop-sgp", from: "2026-10-21 01:00", to: "2026-10-21 01:20", lossPct: 100},
			// Internet breakout: all 3 locations lose > 5% for 8 minutes.
			{series: "breakout-tyo-a", from: "2026-10-11 18:00", to: "2026-10-11 18:08", lossPct: 50},
			{series: "breakout-tyo-b", from: "2026-10-11 18:00", to: "2026-10-11 18:08", lossPct: 50},
			{series: "breakout-tyo-c", from: "2026-10-11 18:00", to: "2026-10-11 18:08", lossPct: 100},
			// last mile: both ISPs down 95 minutes -> below a 99.9% class target.
			{series: "lmc-tyo-isp1", from: "2026-10-17 07:00", to: "2026-10-17 08:35", lossPct: 100},
			{series: "lmc-tyo-isp2", from: "2026-10-17 07:00", to: "2026-10-17 08:35", lossPct: 100},
			// CDN: 2 of 4 edges fail 12 minutes while the origin answers -> 50% -> down.
			{series: "cdn-edge-fra", from: "2026-10-25 12:00", to: "2026-10-25 12:12", lossPct: 100},
			{series: "cdn-edge-iad", from: "2026-10-25 12:00", to: "2026-10-25 12:12", lossPct: 100},
		},
	},
}

// backbone returns IIJ's hub x NOC paths.
func backbone() []series {
	var out []series
	base := map[string]float64{"tokyo": 1, "shibuya": 1.5, "osaka": 8}
	for _, hub := range []string{"tokyo", "shibuya", "osaka"} {
		for i, noc := range []string{"tokyo", "osaka", "fukuoka", "sapporo"} {
			out = append(out, series{name: "bb-" + hub + "-" + noc, perMin: 1, rttMs: base[hub] + float64(i)*6, jitter: 0.5})
		}
	}
	return out
}
