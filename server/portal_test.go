package server

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/server/auth"
	"github.com/slawatch/slawatch/server/portal"
	"github.com/slawatch/slawatch/store"
)

// browser is a user agent with its own cookies, that does not follow
// redirects (the tests look at them).
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser { // t nil: a benchmark's
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type page struct {
	code     int
	body     string
	location string
	header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, string(body), resp.Header.Get("Location"), resp.Header}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, header ...string) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

// signIn signs in with tok and returns the session's anti-forgery token
// from the page it lands on.
func (b *browser) signIn(tok string) string {
	b.t.Helper()
	p := b.post("/login", url.Values{"token": {tok}})
	if p.code != http.StatusSeeOther {
		b.t.Fatalf("sign-in: %d %s", p.code, p.body)
	}
	for p.code == http.StatusSeeOther {
		p = b.get(p.location)
	}
	return csrfOf(b.t, p.body)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no anti-forgery token in the page:\n%s", body)
	}
	return m[1]
}

// The portal keeps the API's tenancy: a customer's session sees its own
// pages and answers 404 for another's, whatever the page or form; forms
// need the session's anti-forgery token and this server's origin;
// sessions end at sign-out and when their token is revoked; agent
// tokens cannot sign in.
func TestPortalTenancy(t *testing.T) { backends(t, testPortalTenancy) }

func testPortalTenancy(t *testing.T, st *store.Store) {
	h := newHarness(t, st, time.Date(2026, 10, 20, 3, 0, 0, 0, time.UTC), notify.Config{})
	h.customer("kaisha", notify.Contacts{}, "../examples/iij.yaml")
	h.customer("other", notify.Contacts{}, "../examples/iij-other.yaml")
	h.must(http.StatusOK, "PUT", "/api/customers/other", h.op, Customer{ID: "other", Name: `<script>alert("x")</script>`}, nil)
	kaisha := h.token(auth.RoleCustomer, "kaisha", "")
	agent := h.token(auth.RoleAgent, "", "tyo1")

	anon := newBrowser(t, h.ts.URL)
	if p := anon.get("/overview"); p.code != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login?next=%2Foverview") {
		t.Errorf("/overview without a session: %d to %q, want 303 to the sign-in form", p.code, p.location)
	}
	if p := anon.post("/c/kaisha/tickets", url.Values{"id": {"T1"}}); p.code != http.StatusUnauthorized {
		t.Errorf("a form without a session: %d, want 401", p.code)
	}
	for tok, want := range map[string]string{"sw_nonsense": "unknown token", agent: "agent token cannot sign in"} {
		if p := anon.post("/login", url.Values{"token": {tok}}); p.code != http.StatusUnauthorized || !strings.Contains(p.body, want) {
			t.Errorf("sign-in with %.10s…: %d, want 401 saying %q", tok, p.code, want)
		}
	}

	op := newBrowser(t, h.ts.URL)
	op.signIn(h.op)
	ov := op.get("/overview")
	for _, want := range []string{`data-customer="kaisha"`, `data-customer="other"`, "&lt;script&gt;"} {
		if !strings.Contains(ov.body, want) {
			t.Errorf("operator overview lacks %q", want)
		}
	}
	if strings.Contains(ov.body, `<script>alert`) {
		t.Error("a customer's name reached the page unescaped")
	}
	if csp := ov.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}

	cu := newBrowser(t, h.ts.URL)
	p := cu.post("/login", url.Values{"token": {kaisha}, "next": {"//evil.example/"}})
	if p.location != "/" {
		t.Errorf("sign-in with next=//evil.example/ goes to %q, want /", p.location)
	}
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == portal.CookieName {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/", cookie)
	}
	if p := cu.get("/"); p.location != "/c/kaisha" {
		t.Errorf("a customer's home goes to %q, want /c/kaisha", p.location)
	}
	own := cu.get("/c/kaisha?month=2026-10")
	if own.code != http.StatusOK || !strings.Contains(own.body, "internet-tokyo") {
		t.Fatalf("own page: %d\n%s", own.code, own.body)
	}
	csrf := csrfOf(t, own.body)
	for _, path := range []string{"/c/other", "/c/other?month=2026-10", "/c/other/reports/2026-10/credits.csv", "/overview"} {
		if p := cu.get(path); p.code != http.StatusNotFound || strings.Contains(p.body, "script") {
			t.Errorf("kaisha's session: GET %s: %d, want 404 telling nothing", path, p.code)
		}
	}
	for _, path := range []string{"/c/other/tickets", "/c/other/claims", "/c/other/contacts", "/c/other/maintenance", "/c/other/recompute", "/c/other/test-notice"} {
		if p := cu.post(path, url.Values{"csrf": {csrf}, "id": {"T9"}, "service": {"x"}, "kind": {"incident"}}); p.code != http.StatusNotFound {
			t.Errorf("kaisha's session: POST %s: %d, want 404", path, p.code)
		}
	}
	var other struct{ Tickets []map[string]string }
	h.must(http.StatusOK, "GET", "/api/customers/other/tickets", h.op, nil, &other)
	if len(other.Tickets) != 0 {
		t.Errorf("kaisha's session wrote other's tickets: %v", other.Tickets)
	}

	// its own forms: a ticket it may open, maintenance it may not announce
	if p := cu.post("/c/kaisha/tickets", url.Values{"csrf": {csrf}, "id": {"T1"}, "service": {"internet-tokyo"}, "kind": {"lmc-fault"}}); p.code != http.StatusSeeOther || !strings.Contains(p.location, "done=tickets") {
		t.Errorf("open a ticket: %d to %q\n%s", p.code, p.location, p.body)
	}
	var mine struct{ Tickets []map[string]string }
	h.must(http.StatusOK, "GET", "/api/customers/kaisha/tickets", h.op, nil, &mine)
	if len(mine.Tickets) != 1 || mine.Tickets[0]["opened"] != "2026-10-20T03:00:00Z" {
		t.Errorf("tickets %v, want T1 opened at the server's now", mine.Tickets)
	}
	if p := cu.post("/c/kaisha/maintenance", url.Values{"csrf": {csrf}, "start": {"2026-10-25T00:00:00Z"}, "end": {"2026-10-25T01:00:00Z"}}); p.code != http.StatusUnprocessableEntity || !strings.Contains(p.body, "a customer token may not do this") {
		t.Errorf("a customer announcing maintenance: %d, want 422 with the API's refusal", p.code)
	}
	if p := cu.post("/c/kaisha/tickets", url.Values{"id": {"T2"}, "service": {"internet-tokyo"}, "kind": {"incident"}}); p.code != http.StatusForbidden || !strings.Contains(p.body, "anti-forgery") {
		t.Errorf("a form without the anti-forgery token: %d, want 403", p.code)
	}
	if p := cu.post("/c/kaisha/tickets", url.Values{"csrf": {csrf}, "id": {"T3"}, "service": {"internet-tokyo"}, "kind": {"incident"}}, "Origin", "https://evil.example"); p.code != http.StatusForbidden {
		t.Errorf("a form from another origin: %d, want 403", p.code)
	}
	if p := op.post("/c/kaisha/tickets", url.Values{"csrf": {csrf}, "id": {"T4"}, "service": {"internet-tokyo"}, "kind": {"incident"}}); p.code != http.StatusForbidden {
		t.Errorf("the operator's session with kaisha's anti-forgery token: %d, want 403", p.code)
	}

	// the session ends with its token
	var toks struct{ Tokens []TokenInfo }
	h.must(http.StatusOK, "GET", "/api/tokens", h.op, nil, &toks)
	for _, tk := range toks.Tokens {
		if tk.Role == auth.RoleCustomer {
			h.must(http.StatusOK, "DELETE", "/api/tokens/"+tk.ID, h.op, nil, nil)
		}
	}
	if p := cu.get("/c/kaisha"); p.code != http.StatusSeeOther || !strings.Contains(p.location, "revoked") {
		t.Errorf("after the token's revocation: %d to %q, want back to sign-in saying why", p.code, p.location)
	}
	// and at sign-out
	opCSRF := csrfOf(t, op.get("/overview").body)
	u, _ := url.Parse(h.ts.URL)
	old := op.c.Jar.Cookies(u)
	if p := op.post("/logout", url.Values{"csrf": {opCSRF}}); p.code != http.StatusSeeOther {
		t.Errorf("sign-out: %d", p.code)
	}
	replay := newBrowser(t, h.ts.URL)
	replay.c.Jar.SetCookies(u, old)
	if p := replay.get("/overview"); p.code != http.StatusSeeOther {
		t.Errorf("the cookie of a signed-out session: %d, want 303 to sign-in", p.code)
	}
}

// The portal's "send a test notice" reaches every contact (a real SMTP
// exchange), once; a second within the minute is refused with when the
// next may be; its state shows on the page.
func TestPortalTestNotice(t *testing.T) {
	ms := startMailServer(t, 0)
	h := newHarness(t, nil, time.Date(2026, 10, 20, 3, 0, 0, 0, time.UTC), notify.Config{SMTP: notify.SMTP{Addr: ms.Addr, StartTLS: "never"},
		From: "noc@provider.example", FaxGateway: "{number}@fax.example.net"})
	h.customer("kaisha", notify.Contacts{Email: []string{"noc@kaisha.example"}, Fax: []string{"+81 3-1234-5678"}}, "../examples/iij.yaml")
	cu := newBrowser(t, h.ts.URL)
	csrf := cu.signIn(h.token(auth.RoleCustomer, "kaisha", ""))
	if p := cu.post("/c/kaisha/test-notice", url.Values{"csrf": {csrf}}); p.code != http.StatusSeeOther {
		t.Fatalf("test notice: %d\n%s", p.code, p.body)
	}
	h.waitFor("the test notice by email and fax", func() bool { return len(ms.Messages()) == 2 })
	for _, m := range ms.Messages() {
		if subj := m.Header.Get("Subject"); !strings.Contains(subj, "Test notice") || !strings.Contains(m.Data, "There is no outage") {
			t.Errorf("mail to %v: subject %q\n%s", m.To, subj, m.Data)
		}
	}
	h.setClock(h.clock().Add(59 * time.Second))
	if p := cu.post("/c/kaisha/test-notice", url.Values{"csrf": {csrf}}); p.code != http.StatusUnprocessableEntity || !strings.Contains(p.body, "the next may be asked for from 2026-10-20T03:01:00Z") {
		t.Errorf("a second test within the minute: %d, want 422 saying when the next may be", p.code)
	}
	h.waitFor("both sends shown as sent", func() bool {
		return strings.Count(cu.get("/c/kaisha").body, `<span class="chan sent">sent`) == 2
	})
	h.waitSettled()
	if k := len(ms.Messages()); k != 2 {
		t.Errorf("%d mails, want 2", k)
	}
}

// The overview shows an open ticket's deadline from the report's timed
// level (NTT: a mitigation request is answered within its target) and a
// credit's claim deadline (NTT: a request answered late earns one).
func TestPortalOverviewDeadlines(t *testing.T) {
	t0 := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC).Unix() / 60
	h := newHarness(t, nil, time.Unix(t0*60, 0), notify.Config{})
	h.customer("kaisha", notify.Contacts{}, "../examples/iij.yaml")
	h.customer("shopco", notify.Contacts{}, "../examples/ntt.yaml")
	h.must(http.StatusCreated, "POST", "/api/customers/shopco/tickets", h.op,
		map[string]string{"id": "MR-1", "service": "dps", "kind": "mitigation-request", "channel": "phone", "fee": "1200.00", "opened": "2026-10-09T20:00:00-04:00"}, nil)
	// answered after 45 minutes (the target is 30): a credit, to be claimed
	h.must(http.StatusCreated, "POST", "/api/customers/shopco/tickets", h.op,
		map[string]string{"id": "MR-0", "service": "dps", "kind": "mitigation-request", "channel": "phone", "fee": "1200.00",
			"opened": "2026-10-05T10:00:00-04:00", "responded": "2026-10-05T10:45:00-04:00", "resolved": "2026-10-05T12:00:00-04:00"}, nil)
	// kaisha's router silent 00:05..00:11: 6 down minutes, a credit
	agent := h.token(auth.RoleAgent, "", "tyo1")
	h.setClock(time.Unix((t0+22)*60, 0)) // shopco's series silent: judged by the grace
	h.deliver(agent, minutesOf(t0, t0+20, func(m int64) bool { return m >= t0+5 && m < t0+11 }))
	h.waitJudged(t0 + 20)
	claimBy, deadline := "", ""
	for _, c := range []string{"kaisha", "shopco"} {
		var rep struct {
			Customers []struct {
				Services []struct {
					ID     string
					Levels []struct {
						Items []struct {
							ID, Deadline, Credit string
							Claim                *struct {
								ClaimBy string `json:"claim_by"`
							}
						}
					}
				}
			}
		}
		h.must(http.StatusOK, "GET", "/api/customers/"+c+"/reports/2026-10", h.op, nil, &rep)
		for _, s := range rep.Customers[0].Services {
			for _, l := range s.Levels {
				for _, it := range l.Items {
					if it.Claim != nil && it.Credit != "0" {
						claimBy = it.Claim.ClaimBy
					}
					if it.ID == "MR-1" {
						deadline = it.Deadline
					}
				}
			}
		}
	}
	if claimBy == "" || deadline == "" {
		_, raw := h.do("GET", "/api/customers/shopco/reports/2026-10", h.op, nil)
		t.Log(string(raw))
		t.Fatalf("the reports hold no claim deadline (%q) or ticket deadline (%q)", claimBy, deadline)
	}
	op := newBrowser(t, h.ts.URL)
	op.signIn(h.op)
	ov := op.get("/overview").body
	at := func(s string) string {
		tt, _ := time.Parse(time.RFC3339, s)
		return tt.Format("2006-01-02 15:04:05 -07:00")
	}
	for _, want := range []string{"MR-1 · mitigation-request", "due " + strings.ReplaceAll(at(deadline), "+", "&#43;"), "claim by " + strings.ReplaceAll(at(claimBy), "+", "&#43;")} {
		if !strings.Contains(ov, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
}
