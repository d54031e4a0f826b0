package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/server/auth"
	"github.com/slawatch/slawatch/store"
)

// FuzzAuthorization sends any Authorization header to a route for
// operators and to one for operators and customers. The answer is never
// a panic or a 5xx and always JSON; a request is let through (2xx, or
// 403 for a role not allowed there) only when the header holds a token
// that is still valid, and then with that token's role; an expired
// token is refused like an unknown one; every refusal (401) carries the
// Bearer challenge.
func FuzzAuthorization(f *testing.F) {
	start := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC)
	h := newHarness(f, nil, start, notify.Config{SMTP: notify.SMTP{Addr: "127.0.0.1:1", StartTLS: "never"}, From: "noc@provider.example"})
	h.customer("kaisha", notify.Contacts{Email: []string{"noc@kaisha.example"}}, "../examples/iij.yaml")
	customer := h.token(auth.RoleCustomer, "kaisha", "")
	agent := h.token(auth.RoleAgent, "", "tyo1")
	expired, err := auth.NewTokenFor(context.Background(), h.st, store.Token{Role: auth.RoleOperator, Name: "old",
		Created: start.Add(-48 * time.Hour), Expires: start.Add(-time.Hour)})
	if err != nil {
		f.Fatal(err)
	}
	roles := map[string]string{h.op: auth.RoleOperator, customer: auth.RoleCustomer, agent: auth.RoleAgent}
	for _, tok := range []string{h.op, customer, agent, expired} {
		for _, pick := range []byte{0, 1} {
			f.Add(pick, "Bearer "+tok)
			f.Add(pick, "bearer  "+tok+" \t")
			f.Add(pick, "Basic "+tok)
			f.Add(pick, "Bearer "+tok[:len(tok)-1])
		}
	}
	f.Add(byte(0), "")
	f.Add(byte(1), "Bearer")
	f.Add(byte(1), "Bearer "+h.op+" "+customer)
	handler := h.srv.Handler()
	f.Fuzz(func(t *testing.T, pick byte, header string) {
		path, allowed := "/api/tokens", []string{auth.RoleOperator}
		if pick%2 == 1 {
			path, allowed = "/api/customers", []string{auth.RoleOperator, auth.RoleCustomer}
		}
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", header)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		checkJSONAnswer(t, "GET "+path+" with "+header, w)
		var held []string // the roles of the valid tokens the header holds
		for tok, role := range roles {
			if strings.Contains(header, tok) {
				held = append(held, role)
			}
		}
		switch {
		case w.Code == http.StatusUnauthorized:
			if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), `Bearer realm="slawatch"`) {
				t.Fatalf("Authorization %q: 401 without the Bearer challenge: %q", header, w.Header().Get("WWW-Authenticate"))
			}
		case len(held) == 0:
			t.Fatalf("Authorization %q: %d, yet it holds no valid token", header, w.Code)
		case w.Code == http.StatusForbidden && !anyOutside(held, allowed):
			t.Fatalf("Authorization %q (%v) on %s: 403", header, held, path)
		case w.Code < 300 && !anyIn(held, allowed):
			t.Fatalf("Authorization %q (%v) on %s: %d", header, held, path, w.Code)
		}
	})
}

func anyIn(roles, allowed []string) bool {
	for _, r := range roles {
		for _, a := range allowed {
			if r == a {
				return true
			}
		}
	}
	return false
}

func anyOutside(roles, allowed []string) bool {
	for _, r := range roles {
		if !anyIn([]string{r}, allowed) {
			return true
		}
	}
	return false
}

// customerRoutes are the routes taking a body that FuzzAPIBodies does not
// reach: those a customer's token may write to, sent with shopco's
// token, one of them for kaisha's data, and the operator's others. Each
// has a valid body as a seed.
var customerRoutes = []struct {
	method, path string
	customer     bool // sent with shopco's token, else the operator's
	seed         string
}{
	{"PUT", "/api/customers/shopco", true, `{"id":"shopco","contacts":{"email":["noc@shopco.example","ops@shopco.example"]}}`},
	{"POST", "/api/customers/shopco/tickets", true, `{"id":"T2","service":"dps","kind":"mitigation-request","channel":"phone","note":"attack","fee":"1200.00","included":"false"}`},
	{"POST", "/api/customers/shopco/claims", true, `{"id":"C2","service":"dps","level":"ntt/mitigation-response","description":"credit please","tickets":"T1"}`},
	{"POST", "/api/customers/shopco/test-notice", true, `{}`},
	{"POST", "/api/customers/kaisha/tickets", true, `{"id":"T3","service":"internet-tokyo","kind":"outage-report","channel":"email"}`},
	{"POST", "/api/customers/kaisha/test-notice", false, `{}`},
	{"PUT", "/api/publications", false, `{"pages":[{"name":"backbone","title":"Backbone latency","kind":"latency","customer":"kaisha","service":"backbone","level":"iij/backbone-latency"},` +
		`{"name":"status","title":"Status","kind":"status","services":[{"customer":"kaisha","service":"internet-tokyo","label":"Tokyo"}]}]}`},
	{"POST", "/api/customers/shopco/tickets/T1/resolve", false, `{"at":"2026-10-09 12:00"}`},
	{"POST", "/api/customers/kaisha/reports/2026-09/recompute", false, `{}`},
}

// FuzzCustomerBodies sends any body to the routes of customerRoutes: the
// answer is never a panic or a 5xx, always JSON, and a 4xx says what is
// wrong, as in FuzzAPIBodies; and shopco's token never reaches kaisha's
// data (a 404, as if kaisha did not exist, and kaisha unchanged).
func FuzzCustomerBodies(f *testing.F) {
	h := newHarness(f, nil, time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC),
		notify.Config{SMTP: notify.SMTP{Addr: "127.0.0.1:1", StartTLS: "never"}, From: "noc@provider.example"})
	h.customer("kaisha", notify.Contacts{Email: []string{"noc@kaisha.example"}}, "../examples/iij.yaml")
	h.customer("shopco", notify.Contacts{Email: []string{"noc@shopco.example"}}, "../examples/ntt.yaml")
	h.must(http.StatusCreated, "POST", "/api/customers/shopco/tickets", h.op,
		record{"id": "T1", "service": "dps", "kind": "mitigation-request", "channel": "phone", "opened": "2026-10-09 10:00", "fee": "1200.00", "included": "false"}, nil)
	customer := h.token(auth.RoleCustomer, "shopco", "")
	handler := h.srv.Handler()
	get := func(path string) []byte {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+h.op)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		return w.Body.Bytes()
	}
	kaisha := get("/api/customers/kaisha/tickets")
	for i, rt := range customerRoutes {
		f.Add(byte(i), []byte(rt.seed))
		f.Add(byte(i), []byte(`null`))
	}
	f.Fuzz(func(t *testing.T, pick byte, body []byte) {
		rt := customerRoutes[int(pick)%len(customerRoutes)]
		tok := h.op
		if rt.customer {
			tok = customer
		}
		req := httptest.NewRequest(rt.method, rt.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		what := rt.method + " " + rt.path + " with " + string(body)
		checkJSONAnswer(t, what, w)
		if rt.customer && strings.Contains(rt.path, "/kaisha/") {
			if w.Code != http.StatusNotFound {
				t.Fatalf("%s as shopco: %d, want 404", what, w.Code)
			}
			if now := get("/api/customers/kaisha/tickets"); !bytes.Equal(now, kaisha) {
				t.Fatalf("%s as shopco changed kaisha's tickets: %s", what, now)
			}
		}
	})
}

// checkJSONAnswer fails unless w's answer is below 500, JSON, and, when
// a 4xx, an error with a message.
func checkJSONAnswer(t *testing.T, what string, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code >= 500 {
		t.Fatalf("%s: %d %s", what, w.Code, w.Body)
	}
	if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") || !json.Valid(w.Body.Bytes()) {
		t.Fatalf("%s: answer is not JSON: %s", what, w.Body)
	}
	if w.Code >= 400 {
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(w.Body.Bytes(), &e); e.Error.Message == "" {
			t.Fatalf("%s: %d without a message: %s", what, w.Code, w.Body)
		}
	}
}
