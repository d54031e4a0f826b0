package server

import (
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/server/auth"
)

// wellFormed parses an SVG strictly.
func wellFormed(t *testing.T, what, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	d.Strict = true
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s: not well-formed SVG: %v\n%.300s", what, err, svg)
		}
	}
}

// The graphs of the API and the portal: a series' latency and a level's
// strip, drawn from the store and the live evaluation, for the customer
// whose contract holds them and nobody else.
func TestGraphs(t *testing.T) {
	t0 := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC).Unix() / 60
	h := newHarness(t, nil, time.Unix(t0*60, 0), notify.Config{})
	h.customer("kaisha", notify.Contacts{}, "../examples/iij.yaml")
	h.customer("other", notify.Contacts{}, "../examples/iij-other.yaml")
	kaisha := h.token(auth.RoleCustomer, "kaisha", "")
	agent := h.token(auth.RoleAgent, "", "tyo1")
	h.setClock(time.Unix((t0+20)*60, 0))
	h.deliver(agent, minutesOf(t0, t0+20, func(m int64) bool { return m >= t0+5 && m < t0+11 }))
	h.waitJudged(t0 + 20)

	get := func(path, tok string) (int, string, string) {
		req, _ := http.NewRequest("GET", h.ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	code, ct, svg := get("/api/customers/kaisha/series/kaisha-router/latency.svg?month=2026-10", kaisha)
	if code != http.StatusOK || ct != "image/svg+xml" {
		t.Fatalf("latency: %d %s\n%s", code, ct, svg)
	}
	wellFormed(t, "latency", svg)
	if !strings.Contains(svg, "kaisha-router") {
		t.Errorf("latency graph without its title:\n%.500s", svg)
	}
	code, _, svg = get("/api/customers/kaisha/strip.svg?month=2026-10&service=internet-tokyo&level=iij/internet-availability", kaisha)
	if code != http.StatusOK {
		t.Fatalf("strip: %d\n%s", code, svg)
	}
	wellFormed(t, "strip", svg)
	// 6 down minutes, all in the month's 226th hour (10 October 09:00 in
	// Tokyo): one down cell, drawn in the down colour
	if !strings.Contains(svg, "#e5484d") {
		t.Errorf("strip without a down cell:\n%.800s", svg)
	}
	for _, c := range []struct {
		path, tok string
		want      int
	}{
		{"/api/customers/other/series/other-router/latency.svg", kaisha, http.StatusNotFound},
		{"/api/customers/kaisha/series/other-router/latency.svg", kaisha, http.StatusNotFound},
		{"/api/customers/kaisha/series/kaisha-router/latency.svg?month=2026-13", kaisha, http.StatusBadRequest},
		{"/api/customers/kaisha/strip.svg?service=backbone&level=iij/backbone-latency", kaisha, http.StatusBadRequest},
		{"/api/customers/kaisha/strip.svg?service=internet-tokyo&level=iij/nope", kaisha, http.StatusNotFound},
		{"/api/customers/kaisha/strip.svg?month=2025-01&service=internet-tokyo&level=iij/internet-availability", kaisha, http.StatusNotFound},
		{"/api/customers/other/strip.svg?service=internet-tokyo&level=iij/internet-availability", kaisha, http.StatusNotFound},
		{"/api/customers/kaisha/series/kaisha-router/latency.svg", agent, http.StatusForbidden},
	} {
		if code, _, body := get(c.path, c.tok); code != c.want {
			t.Errorf("GET %s: %d, want %d\n%s", c.path, code, c.want, body)
		}
	}

	// the portal shows them to the signed-in customer
	cu := newBrowser(t, h.ts.URL)
	cu.signIn(kaisha)
	page := cu.get("/c/kaisha?month=2026-10").body
	for _, want := range []string{`src="/c/kaisha/strip.svg?month=2026-10&amp;service=internet-tokyo&amp;level=iij%2finternet-availability"`, `src="/c/kaisha/series/kaisha-router/latency.svg?month=2026-10"`} {
		if !strings.Contains(page, want) {
			t.Errorf("customer page lacks %s", want)
		}
	}
	if p := cu.get("/c/kaisha/strip.svg?month=2026-10&service=internet-tokyo&level=iij/internet-availability"); p.code != http.StatusOK || p.header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("portal strip: %d %s", p.code, p.header.Get("Content-Type"))
	}
	if p := cu.get("/c/other/series/other-router/latency.svg"); p.code != http.StatusNotFound {
		t.Errorf("portal: another customer's graph: %d, want 404", p.code)
	}
}
