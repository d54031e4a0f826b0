package notify

import (
	"testing"
	"time"

	_ "time/tzdata" // Asia/Tokyo on machines without zoneinfo
)

// at parses an RFC 3339 time for a test.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }

// iijOutage is an IIJ customer in Tokyo whose two sites went down at 09:12
// JST; the 5-minute rule detected it at the end of 09:16, so at 09:17, and
// the notice is due 30 minutes later, at 09:47.
func iijOutage(t testing.TB) Notice {
	start := at(t, "2026-10-14T00:12:00Z")
	return Notice{
		ID:           "inc-42/outage",
		Kind:         KindOutage,
		Customer:     "cust-0042",
		CustomerName: "株式会社サンプル商事",
		Incident:     "inc-42",
		Sites: []Site{
			{Service: "internet", Site: "osaka-branch", Level: "iij/outage-notification", Start: start.Add(2 * time.Minute)},
			{Service: "internet", Site: "tokyo-hq", Level: "iij/outage-notification", Start: start},
		},
		Start:    start,
		Detected: at(t, "2026-10-14T00:17:00Z"),
		Deadline: at(t, "2026-10-14T00:47:00Z"),
		Timezone: "Asia/Tokyo",
	}
}

// iijRecovery is the same incident recovered at 10:35 JST, 1 h 23 min after
// it started; osaka-branch, down since 09:14, came back at 10:05 (51 min).
func iijRecovery(t testing.TB) Notice {
	n := iijOutage(t)
	n.ID, n.Kind = "inc-42/recovery", KindRecovery
	n.End = ptr(at(t, "2026-10-14T01:35:00Z"))
	n.Sites[0].End = ptr(at(t, "2026-10-14T01:05:00Z"))
	return n
}
