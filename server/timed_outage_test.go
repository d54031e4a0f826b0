package server

import (
	"net/http"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/server/auth"
	"github.com/slawatch/slawatch/store"
)

// pings is a minute of IIJ's 30-second pings at :15 and :45, timed, each
// lost when lost says so of its send time.
func pings(series string, minute int64, lost func(sec int64) bool) slawatch.SeriesMinute {
	var m slawatch.Minute
	for _, s := range []int{15, 45} {
		if lost(minute*60 + int64(s)) {
			m.AddLost()
		} else {
			m.AddReplyAt(20_000, s)
		}
	}
	return slawatch.SeriesMinute{Series: series, M: m}
}

// A silence of exactly 5 minutes that straddles minute edges (10 lost
// pings, only 4 wholly silent minutes) is an outage, detected and
// notified to the second through the whole server: the agent's timed
// records cross the ingest protocol, the store keeps their timing, the
// live judge tells the detection at the instant and the notice carries
// it; after a restart the month rebuilt from the store says the same
// (issue 12 item 1).
func TestOutageTimedToThePing(t *testing.T) { backends(t, testOutageTimedToThePing) }

func testOutageTimedToThePing(t *testing.T, st *store.Store) {
	hk := startHook(t, "0123456789abcdef-secret")
	t0 := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC).Unix() / 60
	h := newHarness(t, st, time.Unix(t0*60, 0), notify.Config{WebhookAllow: loopbackHooks})
	h.customer("kaisha", notify.Contacts{Webhook: &notify.WebhookContact{URL: hk.srv.URL, Secret: "0123456789abcdef-secret"}}, "../examples/iij.yaml")
	agent := h.token(auth.RoleAgent, "", "tyo1")

	// lost: 00:05:45, 00:06:15, ..., 00:10:15 (10 pings); the reply at
	// 00:10:45 ends the silence [00:05:45, 00:10:45) = 300 s
	a, b := (t0+5)*60+45, (t0+10)*60+45
	lost := func(s int64) bool { return s >= a && s < b }
	all := map[int64][]slawatch.SeriesMinute{}
	for m := t0; m < t0+20; m++ {
		all[m] = []slawatch.SeriesMinute{pings("kaisha-router", m, lost), up("kaisha-dc-primary"), up("kaisha-dc-secondary")}
	}
	h.setClock(time.Unix((t0+20)*60+20, 0))
	h.deliver(agent, all)
	h.waitJudged(t0 + 20)
	h.waitFor("the outage and recovery webhooks", func() bool { return len(hk.notices()) == 2 })
	n := hk.notices()[0]
	if n.Kind != notify.KindOutage || !n.Start.Equal(time.Unix(a, 0)) || !n.Detected.Equal(time.Unix(b, 0)) ||
		!n.Deadline.Equal(time.Unix(b+30*60, 0)) {
		t.Errorf("outage notice: kind %s, start %s, detected %s, deadline %s; want 00:05:45, 00:10:45, 00:40:45",
			n.Kind, n.Start.UTC(), n.Detected.UTC(), n.Deadline.UTC())
	}
	if r := hk.notices()[1]; r.Kind != notify.KindRecovery || r.End == nil || !r.End.Equal(time.Unix(b, 0)) {
		t.Errorf("recovery notice %+v, want the end at 00:10:45", r)
	}
	// the store keeps the timing: a restart rebuilds the month from it
	// and finds the same outage to the second
	h.restart()
	h.waitJudged(t0 + 20)
	var rep struct {
		Customers []struct {
			Services []struct {
				ID     string
				Levels []struct {
					Template    string
					DownSeconds *int64 `json:"down_seconds"`
					Outages     []struct {
						Start      string
						DetectedAt string `json:"detected_at"`
						Seconds    int64
					}
				}
			}
		}
	}
	h.must(http.StatusOK, "GET", "/api/customers/kaisha/reports/2026-10", h.op, nil, &rep)
	for _, s := range rep.Customers[0].Services {
		for _, l := range s.Levels {
			if s.ID != "internet-tokyo" {
				continue
			}
			switch l.Template {
			case "iij/internet-availability":
				if l.DownSeconds == nil || *l.DownSeconds != 300 {
					t.Errorf("down_seconds %v, want 300", l.DownSeconds)
				}
			case "iij/outage-notification":
				if len(l.Outages) != 1 || l.Outages[0].Seconds != 300 || l.Outages[0].DetectedAt != "2026-10-10T09:10:45+09:00" {
					t.Errorf("outages %+v, want one of 300 s detected 09:10:45 JST", l.Outages)
				}
			}
		}
	}
}
