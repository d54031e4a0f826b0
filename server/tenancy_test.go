package server

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/server/auth"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/ingest"
	"github.com/slawatch/slawatch/notify"
)

// customerOf creates a customer whose contract's series are measured by
// agents.
func (h *harness) customerOf(id string, contacts notify.Contacts, contractFile string, agents ...string) {
	h.t.Helper()
	h.must(http.StatusCreated, "POST", "/api/customers", h.op, Customer{ID: id, Name: id + " Inc.", Contacts: contacts}, nil)
	y, err := os.ReadFile(contractFile)
	if err != nil {
		h.t.Fatal(err)
	}
	h.assignShared(id, y, agents, []string{"core"}) // the backbone's own agent
	h.must(http.StatusOK, "PUT", "/api/customers/"+id+"/contract", h.op, y, nil)
}

// deliverCode sends one body of minutes and returns the status and answer.
func (h *harness) deliverCode(token string, minutes map[int64][]slawatch.SeriesMinute) (int, string) {
	h.t.Helper()
	var body []byte
	for m, recs := range minutes {
		body = ingest.AppendBlock(body, m, recs)
	}
	c := ingest.Client{URL: h.ts.URL, Token: token, HTTP: h.ts.Client()}
	_, err := c.Deliver(context.Background(), body)
	if err == nil {
		return http.StatusOK, ""
	}
	de, ok := err.(*ingest.DeliveryError)
	if !ok {
		h.t.Fatal(err)
	}
	return de.Status, de.Body
}

// Series belong to a customer: a contract cannot bind another
// customer's series, an agent cannot deliver a series it is not assigned,
// and a customer token cannot change commercial terms or measurements.
func TestSeriesBelongToCustomer(t *testing.T) {
	start := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC)
	h := newHarness(t, nil, start, notify.Config{})
	h.customerOf("kaisha", notify.Contacts{}, "../examples/iij.yaml", "tyo1")
	h.customerOf("other", notify.Contacts{}, "../examples/iij-other.yaml", "osa1")
	tyo1, osa1 := h.token(auth.RoleAgent, "", "tyo1"), h.token(auth.RoleAgent, "", "osa1")
	own := h.token(auth.RoleCustomer, "kaisha", "")

	// kaisha's contract naming other's router is refused, naming it
	y, _ := os.ReadFile("../examples/iij.yaml")
	stolen := strings.ReplaceAll(string(y), "kaisha-router", "other-router")
	code, body := h.do("PUT", "/api/customers/kaisha/contract", h.op, stolen)
	if code != http.StatusBadRequest || !strings.Contains(string(body), `other-router`) {
		t.Errorf("a contract binding another customer's series: %d %s", code, body)
	}
	// a customer token may not upload a contract (fees, credit tables)
	rich := strings.Replace(string(y), "customers:", "customers:", 1)
	if code, body := h.do("PUT", "/api/customers/kaisha/contract", own, rich); code != http.StatusForbidden {
		t.Errorf("a customer uploading its contract: %d %s", code, body)
	}
	for _, path := range []string{"/maintenance", "/exclusions", "/events", "/reports/2026-10/recompute"} {
		if code, body := h.do("POST", "/api/customers/kaisha"+path, own, map[string]string{"id": "x"}); code != http.StatusForbidden {
			t.Errorf("a customer token POST %s: %d %s", path, code, body)
		}
	}
	// a customer's ticket cannot set a fee or backdate itself
	for _, f := range []string{"fee", "opened", "responded", "resolved", "cause"} {
		rec := record{"id": "T-" + f, "service": "internet-tokyo", "kind": "trouble", f: "1"}
		if code, body := h.do("POST", "/api/customers/kaisha/tickets", own, rec); code != http.StatusBadRequest || !strings.Contains(string(body), f) {
			t.Errorf("a customer's ticket setting %s: %d %s", f, code, body)
		}
	}
	for _, f := range []string{"submitted", "confirmed"} {
		rec := record{"id": "C-" + f, "service": "internet-tokyo", f: "2026-10-01 00:00"}
		if code, body := h.do("POST", "/api/customers/kaisha/claims", own, rec); code != http.StatusBadRequest || !strings.Contains(string(body), f) {
			t.Errorf("a customer's claim setting %s: %d %s", f, code, body)
		}
	}

	// osa1 measures other's series only: delivering kaisha's is refused
	// whole, naming the series, and nothing is stored
	m := slawatch.UnixMinute(start)
	code, answer := h.deliverCode(osa1, map[int64][]slawatch.SeriesMinute{m: {up("kaisha-router"), up("other-router")}})
	if code != http.StatusForbidden || !strings.Contains(answer, `kaisha-router`) || strings.Contains(answer, `other-router`) {
		t.Errorf("an agent delivering another's series: %d %s", code, answer)
	}
	var refusal struct {
		Series []string `json:"refused_series"`
	}
	if err := json.Unmarshal([]byte(answer), &refusal); err != nil || !slices.Equal(refusal.Series, []string{"kaisha-router"}) {
		t.Errorf("a refusal lists refused_series %q (%v) in %s, want [kaisha-router]", refusal.Series, err, answer)
	}
	n := 0
	h.st.ReadMinutes(context.Background(), m, m+1, func(int64, []slawatch.SeriesMinute) error { n++; return nil })
	if n != 0 {
		t.Errorf("a refused delivery stored %d minutes", n)
	}
	if code, answer := h.deliverCode(tyo1, map[int64][]slawatch.SeriesMinute{m: {up("kaisha-router")}}); code != http.StatusOK {
		t.Errorf("an agent delivering its own series: %d %s", code, answer)
	}

	// a customer sees its own series and the provider's shared ones it
	// binds, not the other customer's
	var list struct{ Series []Series }
	h.must(http.StatusOK, "GET", "/api/customers/kaisha/series", own, nil, &list)
	for _, x := range list.Series {
		if x.Customer != "kaisha" && x.Customer != "" || strings.HasPrefix(x.Name, "other-") {
			t.Errorf("kaisha's series list shows %+v", x)
		}
	}
	if len(list.Series) == 0 {
		t.Error("kaisha's series list is empty")
	}
	// a series of another customer cannot be assigned to this one
	code, body = h.do("PUT", "/api/customers/kaisha/series/other-router", h.op, Series{Agents: []string{"tyo1"}})
	if code != http.StatusConflict {
		t.Errorf("assigning another customer's series: %d %s", code, body)
	}
	// nor deleted while a contract binds it
	if code, body := h.do("DELETE", "/api/customers/other/series/other-router", h.op, nil); code != http.StatusConflict {
		t.Errorf("deleting a bound series: %d %s", code, body)
	}
}

// No agent can stall judging: minutes far from now are refused naming
// the minute, and an agent that is silent or stuck in the past delays
// only the customers whose series it measures, and those by the grace at
// most.
func TestNoAgentStallsJudging(t *testing.T) {
	start := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC)
	h := newHarness(t, nil, start, notify.Config{})
	h.customerOf("kaisha", notify.Contacts{}, "../examples/iij.yaml", "tyo1")
	h.customerOf("other", notify.Contacts{}, "../examples/iij-other.yaml", "osa1")
	tyo1, osa1 := h.token(auth.RoleAgent, "", "tyo1"), h.token(auth.RoleAgent, "", "osa1")
	t0 := slawatch.UnixMinute(start)

	for _, bad := range []time.Time{
		time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), // the 28-byte stall of the audit
		time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), // far in the future
		start.Add(10 * time.Minute),                 // ahead of the clock
		start.Add(-500 * 24 * time.Hour),            // older than the store keeps
	} {
		code, answer := h.deliverCode(osa1, map[int64][]slawatch.SeriesMinute{slawatch.UnixMinute(bad): {up("other-router")}})
		if code != http.StatusBadRequest || !strings.Contains(answer, bad.UTC().Format("2006-01-02T15:04")) {
			t.Errorf("a minute at %s: %d %s; want 400 naming it", bad, code, answer)
		}
	}
	// osa1 delivers minute t0 once, then falls silent; tyo1 keeps up
	h.deliver(osa1, map[int64][]slawatch.SeriesMinute{t0: {up("other-router")}})
	for m := t0; m < t0+20; m++ {
		h.setClock(slawatch.MinuteTime(m + 1).Add(5 * time.Second))
		h.deliver(tyo1, minutesOf(m, m+1, func(int64) bool { return false }))
		h.waitFor("kaisha judged as its agent delivers", func() bool {
			h.srv.judge.Kick()
			next, _ := h.srv.judge.JudgedOf("kaisha")
			return next == m+1
		})
	}
	// other waits for its silent agent only Grace (90 s) past each minute
	now := h.clock()
	want := slawatch.UnixMinute(now.Add(-90 * time.Second))
	h.waitFor("other judged up to the grace", func() bool {
		h.srv.judge.Kick()
		next, _ := h.srv.judge.JudgedOf("other")
		return next == want
	})
}

// A restart never drops what was stored: records an agent delivered
// ahead of judging (here ahead of the server's clock, held in memory
// only before the fix) are fed after the restart, so the outage in them
// is detected and notified within its deadline, and the live report
// equals a recompute.
func TestRestartFeedsStoredRecords(t *testing.T) {
	ms := startMailServer(t, 0)
	start := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC)
	t0 := slawatch.UnixMinute(start)
	h := newHarness(t, nil, start.Add(30*time.Second), notify.Config{SMTP: notify.SMTP{Addr: ms.Addr, StartTLS: "never"},
		From: "noc@provider.example", FaxGateway: "{number}@fax.example.net", WebhookAllow: loopbackHooks})
	// y measures kaisha; x measures the other customer and lags behind
	h.customerOf("kaisha", notify.Contacts{Fax: []string{"+81 3-1234-5678"}}, "../examples/iij.yaml", "y")
	h.customerOf("other", notify.Contacts{}, "../examples/iij-other.yaml", "x")
	x, y := h.token(auth.RoleAgent, "", "x"), h.token(auth.RoleAgent, "", "y")
	h.deliver(x, map[int64][]slawatch.SeriesMinute{t0 - 1: {up("other-router")}})

	// y delivers minutes t0..t0+4 (the router silent in all five: an
	// outage), ahead of the clock: none can be judged yet
	h.deliver(y, minutesOf(t0, t0+5, func(int64) bool { return true }))
	if next, _ := h.srv.judge.JudgedOf("kaisha"); next > t0 {
		t.Fatalf("judged to %d before the minutes were over", next-t0)
	}
	h.restart()
	h.setClock(slawatch.MinuteTime(t0 + 5).Add(10 * time.Second))
	h.deliver(y, minutesOf(t0+5, t0+6, func(int64) bool { return false }))
	h.waitFor("the outage notice by fax", func() bool { return len(ms.Messages()) == 1 })
	var outs struct{ Outages []Outage }
	h.must(http.StatusOK, "GET", "/api/customers/kaisha/outages", h.op, nil, &outs)
	if len(outs.Outages) != 1 || !outs.Outages[0].Start.Equal(start) {
		t.Fatalf("outages %+v, want one from %s", outs.Outages, start)
	}
	h.waitFor("the outage notified", func() bool {
		h.must(http.StatusOK, "GET", "/api/customers/kaisha/outages", h.op, nil, &outs)
		o := outs.Outages[0]
		return o.NotifiedAt != nil && o.Met != nil && *o.Met
	})
	_, live := h.do("GET", "/api/customers/kaisha/reports/2026-10", h.op, nil)
	_, again := h.do("POST", "/api/customers/kaisha/reports/2026-10/recompute", h.op, nil)
	sameJSON(t, "the live report after a restart", live, again)
	// t0..t0+4 are judged (t0+5 is under way at t0+5:10): all five count
	if !strings.Contains(string(live), `"measured_minutes": 5`) {
		t.Errorf("the live report does not count the 5 minutes delivered before the restart:\n%s", live)
	}
}

// Two customers with the same service ID, an outage in the same minute
// and one NOC address: each gets its notice (the outbox key names the
// customer).
func TestNoticesKeyedByCustomer(t *testing.T) {
	ms := startMailServer(t, 0)
	start := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC)
	t0 := slawatch.UnixMinute(start)
	h := newHarness(t, nil, start, notify.Config{SMTP: notify.SMTP{Addr: ms.Addr, StartTLS: "never"},
		From: "noc@provider.example", FaxGateway: "{number}@fax.example.net", WebhookAllow: loopbackHooks})
	noc := notify.Contacts{Fax: []string{"+81 3-1111-2222"}}
	h.customerOf("kaisha", noc, "../examples/iij.yaml", "tyo1")
	h.customerOf("other", noc, "../examples/iij-other.yaml", "tyo1")
	a := h.token(auth.RoleAgent, "", "tyo1")
	minutes := map[int64][]slawatch.SeriesMinute{}
	for m := t0; m < t0+7; m++ {
		r, o := silent("kaisha-router"), silent("other-router")
		if m >= t0+6 {
			r, o = up("kaisha-router"), up("other-router")
		}
		minutes[m] = []slawatch.SeriesMinute{r, o}
	}
	h.setClock(slawatch.MinuteTime(t0 + 7))
	h.deliver(a, minutes)
	h.waitFor("two outage notices", func() bool { return len(ms.Messages()) >= 2 })
	for _, c := range []string{"kaisha", "other"} {
		var outs struct{ Outages []Outage }
		h.must(http.StatusOK, "GET", "/api/customers/"+c+"/outages", h.op, nil, &outs)
		if len(outs.Outages) != 1 || !strings.HasPrefix(outs.Outages[0].Notice, c+"/") {
			t.Errorf("%s: outages %+v", c, outs.Outages)
		}
	}
}

// Late data for a closed month, within its revision period, makes a new
// revision of the final report naming what changed and why; the first
// revision is kept, and the credits CSV says which revision it is.
func TestLateDataRevisesClosedMonth(t *testing.T) {
	start := time.Date(2026, 10, 31, 14, 0, 0, 0, time.UTC) // 23:00 on the 31st in Tokyo
	t0 := slawatch.UnixMinute(start)
	// late data is applied RecomputeDelay after its first record, on the
	// server's clock: a fake one, moved by the test
	const delay = 5 * time.Second
	h := newFakeClocked(t, nil, start, notify.Config{}, func(c *Config) { c.RecomputeDelay = delay })
	h.customerOf("kaisha", notify.Contacts{}, "../examples/iij.yaml", "tyo1")
	a := h.token(auth.RoleAgent, "", "tyo1")
	// 23:00-23:29 measured, up; 23:30-23:59 not delivered before the close
	h.setClock(start.Add(30 * time.Minute))
	h.deliver(a, minutesOf(t0, t0+30, func(int64) bool { return false }))
	// November: judging passes October's window, which closes (revision 1)
	h.setClock(start.Add(3 * time.Hour))
	h.deliver(a, minutesOf(t0+179, t0+180, func(int64) bool { return false }))
	h.waitFor("October's final report", func() bool {
		_, err := h.srv.judge.LatestRevision(context.Background(), "kaisha", "2026-10")
		return err == nil
	})
	// the agent's spool delivers 23:30-23:59 late: the router was silent
	h.deliver(a, minutesOf(t0+30, t0+60, func(int64) bool { return true }))
	latest := func() int {
		r, err := h.srv.judge.LatestRevision(context.Background(), "kaisha", "2026-10")
		if err != nil {
			return 0
		}
		return r.Revision
	}
	// judging's ticks before the delay leave the month as it is: the
	// rest of the agent's backlog may be on its way (the second tick is
	// taken once the first one's work is done)
	h.tick(delay - 2*time.Second)
	h.tick(time.Second)
	if r := latest(); r != 1 {
		t.Fatalf("revision %d %s after the late data, want 1 until %s after it", r, delay-time.Second, delay)
	}
	h.advanceUntil("revision 2", time.Second, func() bool { return latest() == 2 })
	var revs struct {
		Revisions []struct {
			Revision int
			Reason   string
			Changes  []string
		}
	}
	h.must(http.StatusOK, "GET", "/api/customers/kaisha/reports/2026-10/revisions", h.op, nil, &revs)
	if len(revs.Revisions) != 2 || revs.Revisions[0].Reason != "month closed" ||
		!strings.Contains(revs.Revisions[1].Reason, "late data from agent tyo1") || len(revs.Revisions[1].Changes) == 0 {
		t.Fatalf("revisions: %+v", revs.Revisions)
	}
	// 30 silent minutes are one outage of 30 minutes: down minutes 0 -> 30
	found := false
	for _, c := range revs.Revisions[1].Changes {
		found = found || strings.Contains(c, "down_minutes: 0 -> 30")
	}
	if !found {
		t.Errorf("revision 2's changes do not name the 30 down minutes: %q", revs.Revisions[1].Changes)
	}
	code, csvBody := h.do("GET", "/api/customers/kaisha/reports/2026-10/credits.csv", h.op, nil)
	if code != http.StatusOK {
		t.Fatalf("credits.csv: %d %s", code, csvBody)
	}
	withoutRevision(t, csvBody, "2")
	// revision 1 is kept as it was: no down minute
	_, r1 := h.do("GET", "/api/customers/kaisha/reports/2026-10/revisions/1", h.op, nil)
	_, cur := h.do("GET", "/api/customers/kaisha/reports/2026-10", h.op, nil)
	if strings.Contains(string(r1), `"down_minutes": 30`) || !strings.Contains(string(cur), `"down_minutes": 30`) {
		t.Errorf("revision 1 or the current report is wrong:\nr1 %.400s\ncur %.400s", r1, cur)
	}
}

// The bearer scheme is case-insensitive.
func TestBearerSchemeCase(t *testing.T) {
	h := newHarness(t, nil, time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC), notify.Config{})
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		req, _ := http.NewRequest("GET", h.ts.URL+"/api/customers", nil)
		req.Header.Set("Authorization", scheme+" "+h.op)
		resp, err := h.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("scheme %q: %d", scheme, resp.StatusCode)
		}
	}
	if code, _ := h.do("GET", "/api/customers", "", nil); code != http.StatusUnauthorized {
		t.Errorf("no token: %d", code)
	}
}
