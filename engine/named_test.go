package engine

import (
	"strings"
	"testing"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract"
)

// TestAddNamed: named records in any order, with a series the contract
// does not bind, judge the same as the sorted batch would.
// Two paths, privatecore-uptime (down when a minute loses > 50%):
// minute 0: a 60/60 lost (down), b 0/60 lost (up); minute 1: both up.
// a: 1 down minute of 2 measured; b: 0 of 2.
func TestAddNamed(t *testing.T) {
	cat, err := catalog.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	ct, err := contract.Parse(strings.NewReader(`
timezone: UTC
currency: USD
customers:
  - id: c
    services:
      - {id: a, template: aryaka/privatecore-uptime, inputs: {path: a}, params: {remote_sites: 1}, fees: {mrc: "100"}}
      - {id: b, template: aryaka/privatecore-uptime, inputs: {path: b}, params: {remote_sites: 1}, fees: {mrc: "100"}}
`), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ct.Bind(cat)
	if err != nil {
		t.Fatal(err)
	}
	month, _ := ParseMonth("2026-10", b.Location)
	ev, err := New(b, month)
	if err != nil {
		t.Fatal(err)
	}
	m0 := month.Start.Unix() / 60
	up, down := slawatch.Minute{Sent: 60, Received: 60, RTTSum: 60, RTTSumSq: 60, RTTMin: 1, RTTMax: 1}, slawatch.Minute{Sent: 60}
	for i, recs := range [][]slawatch.SeriesMinute{
		{{Series: "b", M: up}, {Series: "other", M: down}, {Series: "a", M: down}},
		{{Series: "a", M: up}, {Series: "b", M: up}},
	} {
		if err := ev.AddNamed(m0+int64(i), recs); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := ev.Finish()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{1, 0} {
		l := rep.Customers[0].Services[i].Levels[0]
		if l.MeasuredMinutes != 2 || l.DownMinutes == nil || *l.DownMinutes != want {
			t.Errorf("service %d: measured %d down %v, want 2 and %d", i, l.MeasuredMinutes, l.DownMinutes, want)
		}
	}
	if rep.Samples.InMonth != 4 {
		t.Errorf("rows in month %d, want 4 (the unbound series is not counted)", rep.Samples.InMonth)
	}
}
