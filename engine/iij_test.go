package engine_test

import "testing"

const iijInternet = `
timezone: Asia/Tokyo
currency: JPY
customers:
  - id: acme
    services:
      - id: tokyo
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
`

// November 2026 in Tokyo: 30 days = 43,200 minutes; pings every 30 s = 2 per minute.
func TestIIJInternetOutageRuns(t *testing.T) {
	f := scenario(t, iijInternet).month("2026-11", "r1", 2, 5000)
	// 4 silent minutes: below the 5-minute detection, not down.
	f.outage("r1", "2026-11-03 10:00", "2026-11-03 10:04", 2, 2, 0)
	// exactly 5 silent minutes: one outage of 5 minutes, detected at 10:05.
	f.outage("r1", "2026-11-04 10:00", "2026-11-04 10:05", 2, 2, 0)
	// a minute with one reply of two is not silent: breaks the run.
	f.outage("r1", "2026-11-05 10:00", "2026-11-05 10:03", 2, 2, 0)
	f.outage("r1", "2026-11-05 10:03", "2026-11-05 10:04", 2, 1, 5000)
	f.outage("r1", "2026-11-05 10:04", "2026-11-05 10:08", 2, 2, 0)
	// an outage crossing midnight: 23:57 to 00:04 = 7 minutes.
	f.outage("r1", "2026-11-06 23:57", "2026-11-07 00:04", 2, 2, 0)
	r := f.eval("2026-11")
	// down = 5 + 7 = 12; availability = (43200-12)/43200 = 99.972222...%
	// credit: 0 < 12 <= 60 -> 10% of 100000 = 10000 JPY (no minor unit).
	check(t, level(t, r, "acme/tokyo", "iij/internet-availability"), want{
		down: 12, measured: 43200, avail: "99.972222", met: "false", pct: "10", credit: "10000"})
	n := level(t, r, "acme/tokyo", "iij/outage-notification")
	if len(n.Outages) != 2 {
		t.Fatalf("outages: got %d, want 2: %+v", len(n.Outages), n.Outages)
	}
	// detection = the end of the 5th silent minute; notice due 30 minutes later.
	if o := n.Outages[0]; o.Start != "2026-11-04T10:00:00+09:00" || o.DetectedAt != "2026-11-04T10:05:00+09:00" ||
		o.NotifyBy != "2026-11-04T10:35:00+09:00" || o.Minutes != 5 {
		t.Errorf("first outage: %+v", o)
	}
	if o := n.Outages[1]; o.Start != "2026-11-06T23:57:00+09:00" || o.End != "2026-11-07T00:04:00+09:00" || o.Minutes != 7 {
		t.Errorf("second outage: %+v", o)
	}
	if n.Met != nil {
		t.Errorf("notification verdict without notification events: got %v, want null", *n.Met)
	}
}

// A month with no measurement at all cannot be judged: unknown is not
// down, but neither is it evidence that the level was met.
func TestNoMeasurementIsUndetermined(t *testing.T) {
	f := scenario(t, iijInternet+`      - id: osaka
        template: iij/internet-availability
        inputs: {router: r2}
        params: {responsibility_type: "3"}
`).month("2026-11", "r2", 2, 5000) // only the Osaka router is measured
	r := f.eval("2026-11")
	// 43,200 unknown minutes, none down: availability 100%, met null, no credit.
	check(t, level(t, r, "acme/tokyo", "iij/internet-availability"), want{
		unknown: 43200, avail: "100.000000", met: "null", pct: "0", credit: "0"})
}

// An outage wholly inside an honoured exclusion (IIJ: suspension) is not
// listed for notification; one partly outside is.
func TestOutageInsideExclusionNotListed(t *testing.T) {
	f := scenario(t, iijInternet+`exclusions:
  - {start: "2026-11-10T09:00:00+09:00", end: "2026-11-10T12:00:00+09:00", kind: suspension, reason: unpaid}
`).month("2026-11", "r1", 2, 5000)
	f.outage("r1", "2026-11-10 10:00", "2026-11-10 11:00", 2, 2, 0) // inside: not listed
	f.outage("r1", "2026-11-10 11:58", "2026-11-10 12:06", 2, 2, 0) // 8 min, 6 outside the window
	r := f.eval("2026-11")
	n := level(t, r, "acme/tokyo", "iij/outage-notification")
	if len(n.Outages) != 1 || n.Outages[0].Start != "2026-11-10T11:58:00+09:00" {
		t.Fatalf("outages: %+v", n.Outages)
	}
	// 180 excluded minutes; the second outage's 6 minutes after 12:00 are down:
	// 6 down of 43,200 - 180 = 43,020 -> (43020-6)/43020 = 99.986053%; 0 < 6 <= 60 -> 10% of 100000 = 10000.
	check(t, level(t, r, "acme/tokyo", "iij/internet-availability"), want{
		down: 6, excluded: 180, measured: 43020, avail: "99.986053", met: "false", pct: "10", credit: "10000"})
}
