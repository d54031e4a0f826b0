package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/server/auth"
	"github.com/slawatch/slawatch/store"
)

// Public pages: nothing is public until the operator publishes it; a
// status page shows a service down while its outage is under way, under
// the operator's label and without the customer's name; a latency page
// lists a closed month once its final report exists, with the report's
// own figure; only an operator publishes, and only what exists.
func TestPublicPages(t *testing.T) { backends(t, testPublicPages) }

func testPublicPages(t *testing.T, st *store.Store) {
	t0 := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC).Unix() / 60
	h := newFakeClocked(t, st, time.Unix(t0*60, 0), notify.Config{}, nil)
	h.customer("kaisha", notify.Contacts{}, "../examples/iij.yaml")
	agent := h.token(auth.RoleAgent, "", "tyo1")
	h.own("kaisha")
	anon := newBrowser(t, h.ts.URL)

	if p := anon.get("/api/public"); p.code != http.StatusOK || !strings.Contains(p.body, `"pages": []`) {
		t.Errorf("before publishing: %d %s", p.code, p.body)
	}
	if p := anon.get("/public/backbone"); p.code != http.StatusNotFound {
		t.Errorf("an unpublished page: %d, want 404", p.code)
	}
	pages := map[string]any{"pages": []map[string]any{
		{"name": "backbone", "title": "Backbone latency", "kind": "latency", "customer": "kaisha", "service": "backbone", "level": "iij/backbone-latency"},
		{"name": "status", "title": "Service status", "kind": "status", "services": []map[string]string{{"customer": "kaisha", "service": "internet-tokyo", "label": "Tokyo Internet"}}},
		{"name": "tokyo-uptime", "title": "Tokyo Internet", "kind": "badge", "customer": "kaisha", "service": "internet-tokyo", "level": "iij/internet-availability"},
	}}
	h.must(http.StatusForbidden, "PUT", "/api/publications", h.token(auth.RoleCustomer, "kaisha", ""), pages, nil)
	bad := map[string]any{"pages": []map[string]any{{"name": "x", "title": "x", "kind": "latency", "customer": "kaisha", "service": "backbone", "level": "iij/nope"}}}
	if code, body := h.do("PUT", "/api/publications", h.op, bad); code != http.StatusBadRequest || !strings.Contains(string(body), `pages[0].level \"iij/nope\"`) {
		t.Errorf("publishing a level that does not exist: %d %s", code, body)
	}
	h.must(http.StatusOK, "PUT", "/api/publications", h.op, pages, nil)

	// the router silent from 00:05; the backbone's 12 paths answer in 20 ms
	minutes := minutesOf(t0, t0+10, func(m int64) bool { return m >= t0+5 })
	for m := range minutes {
		for _, p := range []string{"tokyo-tokyo", "tokyo-osaka", "tokyo-fukuoka", "tokyo-sapporo", "shibuya-tokyo", "shibuya-osaka",
			"shibuya-fukuoka", "shibuya-sapporo", "osaka-tokyo", "osaka-osaka", "osaka-fukuoka", "osaka-sapporo"} {
			minutes[m] = append(minutes[m], up("bb-"+p))
		}
	}
	h.setClock(time.Unix((t0+10)*60+20, 0))
	h.deliver(agent, minutes)
	h.waitJudged(t0 + 10)
	h.settle("kaisha")
	h.waitFor("the outage", func() bool { return strings.Contains(anon.get("/api/public/status").body, `"state": "down"`) })
	status := anon.get("/public/status")
	// down since 00:05 UTC, 09:05 in Tokyo
	if !strings.Contains(status.body, "Tokyo Internet") || !strings.Contains(status.body, "since 2026-10-10 09:05:00 &#43;09:00") {
		t.Errorf("status page:\n%s", status.body)
	}
	for _, p := range []page{status, anon.get("/api/public/status"), anon.get("/api/public/backbone"), anon.get("/public/")} {
		if strings.Contains(p.body, "Kaisha") || strings.Contains(p.body, "kaisha") {
			t.Errorf("a public page names the customer:\n%s", p.body)
		}
	}
	// September's final report exists (the server started in October) but
	// nothing was measured in it: not published
	// the badge: the month to date of the level, missed (5 down minutes
	// of an objective of 100%)
	if b := anon.get("/api/public/tokyo-uptime"); b.code != http.StatusOK || b.header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(b.body, "availability") {
		t.Errorf("badge: %d %s\n%s", b.code, b.header.Get("Content-Type"), b.body)
	} else {
		wellFormed(t, "badge", b.body)
	}
	if lat := anon.get("/public/backbone"); !strings.Contains(lat.body, "No month is closed and judged yet") {
		t.Errorf("latency page before October closed:\n%s", lat.body)
	}

	// November: October's final report is the figure published
	h.setClock(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	h.waitJudged(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Unix() / 60) // past October's end in Tokyo: closed
	var rep struct {
		Customers []struct {
			Services []struct {
				ID     string
				Levels []struct {
					LatencyMs json.Number `json:"latency_ms"`
				}
			}
		}
	}
	h.must(http.StatusOK, "POST", "/api/customers/kaisha/reports/2026-10/recompute", h.op, nil, &rep)
	want := ""
	for _, s := range rep.Customers[0].Services {
		if s.ID == "backbone" {
			want = s.Levels[0].LatencyMs.String()
		}
	}
	// every path answered in 20 ms in every measured minute
	if want != "20.000" {
		t.Fatalf("October's backbone average %q, want 20 (ms)", want)
	}
	lat := anon.get("/public/backbone")
	// the matrix: hubs tokyo, shibuya, osaka down; NOCs tokyo, osaka,
	// fukuoka, sapporo across; every path 20 ms (12 cells, and the month's
	// own average)
	if !strings.Contains(lat.body, "<th>shibuya</th>") || !strings.Contains(lat.body, "<th>sapporo</th>") || strings.Count(lat.body, `<td class="num">20.000 ms</td>`) != 13 {
		t.Errorf("latency page: no 3 × 4 matrix of 20 ms paths:\n%s", lat.body)
	}
	if !strings.Contains(lat.body, `data-month="2026-10"`) || !strings.Contains(lat.body, want+" ms") || strings.Contains(lat.body, `data-month="2026-09"`) {
		t.Errorf("latency page after October closed:\n%s", lat.body)
	}
	_ = slawatch.SeriesMinute{}
}
