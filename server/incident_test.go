package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/server/auth"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/notify"
)

// Tunnels down at two sites at once are one incident: each site's outage
// is notified (by fax, through the email-to-fax gateway), naming the
// incident, and the incident's recovery once both are back.
func TestIncidentAcrossSites(t *testing.T) {
	ms := startMailServer(t, 0)
	t0 := time.Date(2026, 10, 10, 3, 0, 0, 0, time.UTC).Unix() / 60
	h := newHarness(t, nil, time.Unix(t0*60, 0), notify.Config{SMTP: notify.SMTP{Addr: ms.Addr, StartTLS: "never"},
		From: "noc@provider.example", FaxGateway: "{number}@fax.example.net", WebhookAllow: loopbackHooks})
	h.customer("globex", notify.Contacts{Fax: []string{"+81 6-1234-5678"}}, "testdata/tunnels.yaml")
	agent := h.token(auth.RoleAgent, "", "pop-osa")

	// the POP fails at 03:02 for three minutes; Osaka's second tunnel
	// stays up, but any tunnel down is the site's outage; Nagoya's comes
	// back a minute later than Osaka's
	minutes := map[int64][]slawatch.SeriesMinute{}
	for m := t0; m < t0+10; m++ {
		oa, ob, na := up("tun-osaka-a"), up("tun-osaka-b"), up("tun-nagoya-a")
		if m >= t0+2 && m < t0+5 {
			oa = silent("tun-osaka-a")
		}
		if m >= t0+2 && m < t0+6 {
			na = silent("tun-nagoya-a")
		}
		minutes[m] = []slawatch.SeriesMinute{na, oa, ob}
	}
	h.setClock(time.Unix((t0+10)*60, 0))
	h.deliver(agent, minutes)
	h.waitJudged(t0 + 10)
	h.waitFor("two outage notices and a recovery", func() bool { return len(ms.Messages()) == 3 })

	var outs struct{ Outages []Outage }
	h.must(http.StatusOK, "GET", "/api/customers/globex/outages", h.op, nil, &outs)
	if len(outs.Outages) != 2 || outs.Outages[0].Incident != outs.Outages[1].Incident {
		t.Fatalf("outages %+v: want two in one incident", outs.Outages)
	}
	inc := outs.Outages[0].Incident
	for i, m := range ms.Messages() {
		if len(m.To) != 1 || m.To[0] != "+81612345678@fax.example.net" {
			t.Errorf("message %d to %v, want the fax gateway address", i, m.To)
		}
		if !strings.Contains(m.Data, inc) {
			t.Errorf("message %d does not name the incident %s:\n%s", i, inc, m.Data)
		}
	}
	recoveries := 0
	for _, m := range ms.Messages() { // sent concurrently: in any order
		if strings.Contains(m.Data, inc+"/recovery") {
			recoveries++
			if !strings.Contains(m.Data, "osaka") || !strings.Contains(m.Data, "nagoya") {
				t.Errorf("the recovery notice does not list both sites:\n%s", m.Data)
			}
		}
	}
	if recoveries != 1 {
		t.Errorf("%d recovery notices, want 1", recoveries)
	}
	var sends struct{ Notices []noticeJSON }
	h.waitFor("every send recorded sent", func() bool {
		h.must(http.StatusOK, "GET", "/api/customers/globex/notices", h.op, nil, &sends)
		for _, n := range sends.Notices {
			if n.State != "sent" || n.SentAt == nil {
				return false
			}
		}
		return len(sends.Notices) == 3
	})
}

// /metrics exposes ingest, evaluation lag, notifications and queue
// depths; /healthz answers without a token.
func TestMetricsAndHealth(t *testing.T) {
	h := newHarness(t, nil, time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC), notify.Config{})
	h.customer("kaisha", notify.Contacts{}, "../examples/iij.yaml")
	agent := h.token(auth.RoleAgent, "", "tyo1")
	t0 := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC).Unix() / 60
	h.setClock(time.Unix((t0+3)*60, 0))
	h.deliver(agent, minutesOf(t0, t0+3, func(int64) bool { return false }))
	h.waitJudged(t0 + 3)
	code, body := h.do("GET", "/metrics", "", nil)
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		"slawatch_ingest_records_total 9", // 3 minutes x 3 series
		"slawatch_ingest_minutes_total 3",
		`slawatch_ingest_requests_total{code="200"} 1`,
		"slawatch_evaluation_lag_seconds_count",
		"slawatch_pending_minutes 0",
		"slawatch_outbox_pending 0",
		"slawatch_judged_minute_timestamp_seconds",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if code, body := h.do("GET", "/healthz", "", nil); code != http.StatusOK || !strings.Contains(string(body), `"status": "ok"`) {
		t.Errorf("/healthz: %d %s", code, body)
	}
}

// An outage across a month's end is one outage: October's evaluator
// detects it, November's (whose window starts a few minutes before
// November) sees that it began before and tells only its end; one
// notice, one recovery, and no phantom in November's report.
func TestOutageAcrossMonths(t *testing.T) {
	ms := startMailServer(t, 0)
	// 23:45 on 31 October in Tokyo
	t0 := time.Date(2026, 10, 31, 14, 45, 0, 0, time.UTC).Unix() / 60
	h := newHarness(t, nil, time.Unix(t0*60, 0), notify.Config{SMTP: notify.SMTP{Addr: ms.Addr, StartTLS: "never"},
		From: "noc@provider.example"})
	h.customer("kaisha", notify.Contacts{Email: []string{"noc@kaisha.example"}}, "../examples/iij.yaml")
	agent := h.token(auth.RoleAgent, "", "tyo1")
	// silent 23:50-00:06 Tokyo: detected at 23:55 (the end of the fifth
	// silent minute, 23:54), ended at 00:06
	down := func(m int64) bool { return m >= t0+5 && m < t0+21 }
	h.setClock(time.Unix((t0+30)*60, 0))
	h.deliver(agent, minutesOf(t0, t0+30, down))
	h.waitJudged(t0 + 30)
	h.waitFor("the outage and recovery notices", func() bool { return len(ms.Messages()) >= 2 })
	var outs struct{ Outages []Outage }
	h.must(http.StatusOK, "GET", "/api/customers/kaisha/outages", h.op, nil, &outs)
	if len(outs.Outages) != 1 {
		t.Fatalf("outages %+v, want 1", outs.Outages)
	}
	o := outs.Outages[0]
	if !o.Start.Equal(time.Unix((t0+5)*60, 0)) || !o.Detected.Equal(time.Unix((t0+10)*60, 0)) || o.End == nil || !o.End.Equal(time.Unix((t0+21)*60, 0)) {
		t.Errorf("outage %+v: want 23:50 to 00:06, detected 23:55", o)
	}
	h.waitFor("every notice sent", func() bool {
		n, _ := h.st.CountSends(t.Context(), "pending")
		return n == 0
	})
	if n := len(ms.Messages()); n != 2 {
		t.Errorf("%d messages, want 2 (outage, recovery)", n)
	}
	// November's report has no phantom outage "detected" at 00:01 and
	// judged unnotified: October's report judges it
	var rep struct {
		Customers []struct {
			Services []struct {
				ID     string
				Levels []struct {
					Template string
					Met      *bool
					Items    []struct{ ID string }
				}
			}
		}
	}
	h.must(http.StatusOK, "GET", "/api/customers/kaisha/reports/2026-11", h.op, nil, &rep)
	for _, sv := range rep.Customers[0].Services {
		for _, l := range sv.Levels {
			if sv.ID == "internet-tokyo" && l.Template == "iij/outage-notification" && (len(l.Items) != 0 || l.Met == nil || !*l.Met) {
				t.Errorf("November's outage notification: %+v; want no outage to judge, met", l)
			}
		}
	}
}
