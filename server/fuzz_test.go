package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/server/auth"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/ingest"
	"github.com/slawatch/slawatch/notify"
)

// fuzzRoutes are the routes that take a body, with a valid body each as
// a seed: the fuzzer mutates the bodies and sends them to whichever
// route the first byte picks.
var fuzzRoutes = []struct{ method, path, contentType string }{
	{"POST", "/api/tokens", "application/json"},
	{"POST", "/api/customers", "application/json"},
	{"PUT", "/api/customers/kaisha", "application/json"},
	{"POST", "/api/customers/kaisha/series", "application/json"},
	{"PUT", "/api/customers/kaisha/series/kaisha-router", "application/json"},
	{"POST", "/api/series", "application/json"},
	{"PUT", "/api/series/bb-tyo-osa", "application/json"},
	{"PUT", "/api/customers/kaisha/contract", "application/yaml"},
	{"POST", "/api/customers/kaisha/maintenance", "application/json"},
	{"POST", "/api/customers/kaisha/exclusions", "application/json"},
	{"POST", "/api/customers/shopco/tickets", "application/json"},
	{"POST", "/api/customers/shopco/events", "application/json"},
	{"POST", "/api/customers/shopco/claims", "application/json"},
	{"POST", "/api/customers/shopco/tickets/T1/respond", "application/json"},
	{"POST", "/api/customers/shopco/claims/C1/confirm", "application/json"},
	{"POST", "/api/tokens/0123456789abcdef/rotate", "application/json"},
	{"POST", "/api/ingest", ingest.ContentType},
}

// FuzzAPIBodies sends any body to every route that takes one, through
// the real handler with an operator's (or, for ingest, an agent's)
// token: the answer is never a panic or a 500, always JSON, and a 4xx
// says what is wrong.
func FuzzAPIBodies(f *testing.F) {
	h := newHarness(f, nil, time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC),
		notify.Config{SMTP: notify.SMTP{Addr: "127.0.0.1:1", StartTLS: "never"}, From: "noc@provider.example"})
	iij, err := os.ReadFile("../examples/iij.yaml")
	if err != nil {
		f.Fatal(err)
	}
	h.customer("kaisha", notify.Contacts{Email: []string{"noc@kaisha.example"}}, "../examples/iij.yaml")
	agent := h.token(auth.RoleAgent, "", "tyo1")
	h.customer("shopco", notify.Contacts{Email: []string{"noc@shopco.example"}}, "../examples/ntt.yaml")
	h.must(http.StatusCreated, "POST", "/api/customers/shopco/tickets", h.op,
		record{"id": "T1", "service": "dps", "kind": "mitigation-request", "channel": "phone", "opened": "2026-10-09 10:00", "fee": "1200.00", "included": "false"}, nil)
	h.must(http.StatusCreated, "POST", "/api/customers/shopco/claims", h.op,
		record{"id": "C1", "service": "dps", "level": "ntt/mitigation-response", "ref": "T1", "submitted": "2026-10-09 11:00"}, nil)
	seeds := []string{
		`{"role":"customer","customer":"kaisha","name":"portal","expires":"2027-01-01T00:00:00Z"}`,
		`{"id":"c2","name":"C2","contacts":{"email":["a@b.example"]}}`,
		`{"id":"kaisha","contacts":{"email":["noc@kaisha.example"],"webhook":{"url":"https://h.example/","secret":"(set)"}}}`,
		`{"series":[{"name":"kaisha-router","agents":["tyo1"]}]}`,
		`{"agents":["tyo1","osa1"],"retired_agents":["old"],"description":"router"}`,
		`{"series":[{"name":"bb-x","agents":["core"]}]}`,
		`{"agents":["core"]}`,
		string(iij),
		`{"id":"m1","kind":"maintenance","start":"2026-10-20 01:00","end":"2026-10-20 03:00","announced":"2026-10-15 09:00"}`,
		`{"id":"x1","kind":"force-majeure","start":"2026-10-20 01:00","end":"2026-10-20 03:00","services":["internet-tokyo"]}`,
		`{"id":"T2","service":"dps","kind":"mitigation-request","channel":"phone","note":"attack"}`,
		`{"id":"E1","service":"dps","kind":"mitigation-started","start":"2026-10-09 10:05","tickets":"T1"}`,
		`{"id":"C2","service":"dps","level":"ntt/mitigation-response","description":"credit please","tickets":"T1"}`,
		`{"at":"2026-10-09 10:30"}`,
		`{"at":"2026-10-30 10:30"}`,
		`{"overlap":"1h","expires":"2027-01-01T00:00:00Z"}`,
		string(ingest.AppendBlock(nil, slawatch.UnixMinute(h.clock())-1, []slawatch.SeriesMinute{up("kaisha-router")})),
	}
	for i, s := range seeds {
		f.Add(byte(i), []byte(s))
		f.Add(byte(i), []byte("null"))
		f.Add(byte(i), []byte(`{"id":null}`))
	}
	handler := h.srv.Handler()
	f.Fuzz(func(t *testing.T, pick byte, body []byte) {
		rt := fuzzRoutes[int(pick)%len(fuzzRoutes)]
		req := httptest.NewRequest(rt.method, rt.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", rt.contentType)
		tok := h.op
		if rt.path == "/api/ingest" {
			tok = agent
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s with %q: %d %s", rt.method, rt.path, body, w.Code, w.Body)
		}
		if !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") || !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s with %q: answer is not JSON: %s", rt.method, rt.path, body, w.Body)
		}
		if w.Code >= 400 {
			var e struct {
				Error struct{ Code, Message string }
			}
			if json.Unmarshal(w.Body.Bytes(), &e); e.Error.Message == "" {
				t.Fatalf("%s %s with %q: %d without a message: %s", rt.method, rt.path, body, w.Code, w.Body)
			}
		}
	})
}
