package server

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/server/auth"

	"github.com/slawatch/slawatch/server/docs"

	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/ticket"
)

// readRecords reads an example CSV file as API records of customer.
func readRecords(t *testing.T, file, customer string) []record {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []record
	for _, row := range rows[1:] {
		r := record{}
		for i, c := range rows[0] {
			if row[i] != "" {
				r[c] = row[i]
			}
		}
		r["service"] = strings.TrimPrefix(r["service"], customer+"/")
		out = append(out, r)
	}
	return out
}

// Tickets opened, responded to and resolved through the API, events and
// claims give the report evaluate gives on the example's files; the
// credits export is evaluate's --format credits; a claim's status names
// what it covers.
func TestRecordsAPI(t *testing.T) {
	h := newHarness(t, nil, time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), notify.Config{})
	h.customer("shopco", notify.Contacts{}, "../examples/ntt.yaml")
	own := h.token(auth.RoleCustomer, "shopco", "")
	for _, r := range readRecords(t, "../examples/ntt-tickets.csv", "shopco") {
		// open the ticket, then respond and resolve through their routes
		responded, resolved := r["responded"], r["resolved"]
		delete(r, "responded")
		delete(r, "resolved")
		h.must(http.StatusCreated, "POST", "/api/customers/shopco/tickets", h.op, r, nil)
		if responded != "" {
			h.must(http.StatusOK, "POST", "/api/customers/shopco/tickets/"+r["id"]+"/respond", h.op, map[string]string{"at": responded}, nil)
		}
		if resolved != "" {
			h.must(http.StatusOK, "POST", "/api/customers/shopco/tickets/"+r["id"]+"/resolve", h.op, map[string]string{"at": resolved}, nil)
		}
	}
	for _, r := range readRecords(t, "../examples/ntt-events.csv", "shopco") {
		h.must(http.StatusCreated, "POST", "/api/customers/shopco/events", h.op, r, nil)
	}
	for _, r := range readRecords(t, "../examples/ntt-claims.csv", "shopco") {
		h.must(http.StatusCreated, "POST", "/api/customers/shopco/claims", h.op, r, nil)
	}

	// what evaluate computes from the files
	y, _ := os.ReadFile("../examples/ntt.yaml")
	b, err := docs.Bind(h.srv.cat, "shopco", y, nil)
	if err != nil {
		t.Fatal(err)
	}
	tickets, err1 := ticket.OpenTickets("../examples/ntt-tickets.csv", b.Location)
	events, err2 := ticket.OpenEvents("../examples/ntt-events.csv", b.Location)
	claims, err3 := ticket.OpenClaims("../examples/ntt-claims.csv", b.Location)
	m, err4 := engine.ParseMonth("2026-10", b.Location)
	ev, err5 := engine.New(b, m)
	for _, err := range []error{err1, err2, err3, err4, err5} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := ev.SetRecords(tickets, events, claims); err != nil {
		t.Fatal(err)
	}
	res, err := ev.Finish()
	if err != nil {
		t.Fatal(err)
	}
	res.Contract = "contract of shopco"
	rep := report.JSON(res)
	want, _ := json.Marshal(rep)
	// not empty: MR-102 answered in 16 minutes misses the 15-minute target
	if !strings.Contains(string(want), `"id":"MR-102"`) || !strings.Contains(string(want), `"claimed"`) {
		t.Fatalf("evaluate's report lacks MR-102 or a claimed credit: %s", want)
	}
	_, got := h.do("GET", "/api/customers/shopco/reports/2026-10", own, nil)
	sameJSON(t, "the report from API records", got, want)

	var csvWant bytes.Buffer
	report.WriteCredits(&csvWant, rep)
	code, csvGot := h.do("GET", "/api/customers/shopco/reports/2026-10/credits.csv", own, nil)
	csvGot = withoutRevision(t, csvGot, "live")
	if code != http.StatusOK || string(csvGot) != csvWant.String() {
		t.Errorf("credits.csv: %d\n%s\nwant\n%s", code, csvGot, csvWant.String())
	}
	_, all := h.do("GET", "/api/reports/2026-10/credits.csv", h.op, nil)
	if all = withoutRevision(t, all, "live"); string(all) != csvWant.String() {
		t.Errorf("all customers' credits:\n%s\nwant\n%s", all, csvWant.String())
	}

	var st struct {
		Covers []struct {
			Level string
			Item  string
			Claim *report.ClaimJSON
		}
	}
	h.must(http.StatusOK, "GET", "/api/customers/shopco/claims/CL-1/status", own, nil, &st)
	if len(st.Covers) != 1 || st.Covers[0].Item != "MR-102" || st.Covers[0].Claim.Status != "claimed" {
		t.Errorf("CL-1 status: %+v", st)
	}

	// bad records are refused naming the field; nothing is stored
	for _, bad := range []struct {
		rec  record
		want string
	}{
		{record{"id": "B-1", "service": "dps", "kind": "mitigation-request", "channel": "phone", "opened": "2026-10-20 10:00", "resolved": "2026-10-20 09:00", "fee": "10"}, "resolved"},
		{record{"id": "B-2", "service": "nope", "kind": "mitigation-request", "channel": "phone", "opened": "2026-10-20 10:00"}, "nope"},
		{record{"id": "B-3", "service": "dps", "kind": "mitigation-request", "channel": "phone", "opened": "yesterday"}, "ticket B-3: opened"},
		{record{"id": "B-4", "service": "dps", "colour": "red"}, "colour"},
		{record{"id": "MR-101", "service": "dps", "kind": "mitigation-request", "opened": "2026-10-20 10:00"}, "exists"},
	} {
		code, body := h.do("POST", "/api/customers/shopco/tickets", h.op, bad.rec)
		if code/100 != 4 || !strings.Contains(string(body), bad.want) {
			t.Errorf("ticket %v: %d %s; want a 4xx naming %s", bad.rec, code, body, bad.want)
		}
	}
	if code, body := h.do("POST", "/api/customers/shopco/tickets/MR-101/respond", h.op, map[string]string{"at": "2026-10-03 14:40"}); code != http.StatusConflict {
		t.Errorf("responding twice: %d %s", code, body)
	}
}

// A maintenance window announced through the API counts only when it
// was announced 48 hours ahead (Aryaka); the answer says why not.
func TestMaintenanceNotice(t *testing.T) {
	now := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC)
	h := newHarness(t, nil, now, notify.Config{})
	h.customer("globex", notify.Contacts{}, "../examples/aryaka.yaml")
	var x exclusionJSON
	// 72 hours ahead: excluded
	h.must(http.StatusCreated, "POST", "/api/customers/globex/maintenance", h.op, Exclusion{ID: "mw-1",
		Start: now.Add(72 * time.Hour).Format(time.RFC3339), End: now.Add(73 * time.Hour).Format(time.RFC3339),
		Services: []string{"tyo-sgp-privatecore"}, Reason: "line card swap"}, &x)
	if len(x.Applies) == 0 || !x.Applies[0].Applies || x.Announced != now.Format(time.RFC3339) {
		t.Errorf("announced 72 h ahead: %+v", x)
	}
	// 24 hours ahead: not excluded, and the answer says so
	h.must(http.StatusCreated, "POST", "/api/customers/globex/maintenance", h.op, Exclusion{ID: "mw-2",
		Start: now.Add(24 * time.Hour).Format(time.RFC3339), End: now.Add(25 * time.Hour).Format(time.RFC3339),
		Services: []string{"tyo-sgp-privatecore"}}, &x)
	if len(x.Applies) == 0 || x.Applies[0].Applies || !strings.Contains(x.Applies[0].Why, "48") {
		t.Errorf("announced 24 h ahead: %+v", x)
	}
	// the server sets the announcement time itself
	code, body := h.do("POST", "/api/customers/globex/maintenance", h.op, Exclusion{ID: "mw-3", Announced: "2026-01-01T00:00:00Z",
		Start: now.Add(24 * time.Hour).Format(time.RFC3339), End: now.Add(25 * time.Hour).Format(time.RFC3339)})
	if code != http.StatusBadRequest || !strings.Contains(string(body), "announced") {
		t.Errorf("a back-dated announcement: %d %s", code, body)
	}
	var list struct{ Exclusions []exclusionJSON }
	h.must(http.StatusOK, "GET", "/api/customers/globex/maintenance", h.op, nil, &list)
	if len(list.Exclusions) != 2 {
		t.Errorf("maintenance windows: %+v", list.Exclusions)
	}
	// the month's report shows the window's decision
	_, rep := h.do("GET", "/api/customers/globex/reports/2026-10", h.op, nil)
	if !strings.Contains(string(rep), "48") {
		t.Errorf("the report does not say why mw-2 does not count:\n%.2000s", rep)
	}
}

// Bodies over their limits are refused 413; bad JSON and contracts are
// refused 400 naming what is wrong.
func TestBadRequests(t *testing.T) {
	h := newHarness(t, nil, time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC), notify.Config{})
	h.customer("kaisha", notify.Contacts{}, "../examples/iij.yaml")
	agent := h.token(auth.RoleAgent, "", "tyo1")
	big := `{"id":"` + strings.Repeat("x", maxJSONBody) + `"}`
	if code, _ := h.do("POST", "/api/customers", h.op, big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a JSON body over 1 MiB: %d", code)
	}
	for _, c := range []struct{ body, want string }{
		{`{"id": 7}`, `want string, not number`},
		{`{"id": "a", "colour": "red"}`, `unknown field \"colour\"`},
		{`{"id": "a b"}`, `character ' '`},
		{`{"id": "a", "contacts": {"email": ["not an address"]}}`, "contacts.email[0]"},
		{``, "empty"},
		{`{"id": "a"} {}`, "after the JSON object"},
	} {
		code, body := h.do("POST", "/api/customers", h.op, c.body)
		if code != http.StatusBadRequest || !strings.Contains(string(body), c.want) {
			t.Errorf("POST /api/customers %s: %d %s; want 400 naming %s", c.body, code, body, c.want)
		}
	}
	code, body := h.do("PUT", "/api/customers/kaisha/contract", h.op, "timezone: Asia/Tokyo\ncurrency: JPY\ncustomers:\n  - id: kaisha\n    services:\n      - id: x\n        levels: [iij/nope]\n")
	if code != http.StatusBadRequest || !strings.Contains(string(body), "contract of kaisha:6") || !strings.Contains(string(body), "iij/nope") {
		t.Errorf("a bad contract: %d %s", code, body)
	}
	code, body = h.do("PUT", "/api/customers/kaisha/contract", h.op, strings.ReplaceAll(mustRead(t, "../examples/iij.yaml"), "id: kaisha", "id: someone-else"))
	if code != http.StatusBadRequest || !strings.Contains(string(body), "exactly that customer") {
		t.Errorf("a contract of another customer: %d %s", code, body)
	}
	// ingest: wrong type, bad body, over the limit
	req := func(ct string, body []byte) (int, string) {
		r, _ := http.NewRequest("POST", h.ts.URL+"/api/ingest", bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+agent)
		r.Header.Set("Content-Type", ct)
		resp, err := h.ts.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	if code, _ := req("application/json", []byte("{}")); code != http.StatusUnsupportedMediaType {
		t.Errorf("ingest as JSON: %d", code)
	}
	if code, body := req("application/vnd.slawatch.minutes", []byte("SWM1\x05")); code != http.StatusBadRequest || !strings.Contains(body, "block") {
		t.Errorf("a truncated ingest body: %d %s", code, body)
	}
	if code, _ := req("application/vnd.slawatch.minutes", make([]byte, maxIngestBody+1)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("an ingest body over the limit: %d", code)
	}
}

func mustRead(t *testing.T, f string) string {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// withoutRevision checks the report_revision column of a credits CSV
// from the server (every row rev) and returns the CSV without it, as
// evaluate writes it.
func withoutRevision(t *testing.T, b []byte, rev string) []byte {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("credits CSV: %v\n%s", err, b)
	}
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	for i, row := range rows {
		last := row[len(row)-1]
		if i == 0 && last != "report_revision" || i > 0 && last != rev {
			t.Errorf("credits CSV row %d: report_revision %q, want %q", i, last, rev)
		}
		w.Write(row[:len(row)-1])
	}
	w.Flush()
	return out.Bytes()
}
