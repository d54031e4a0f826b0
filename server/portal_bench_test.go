package server

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/notify"
)

// BenchmarkPortalOverview renders the operator overview of 1,000
// customers, each with three levels (IIJ Internet availability and
// outage notification on one line, data-centre availability on two), the
// month to date of the 10th: warm (every summary within its 30 s),
// stale (every summary older: shown, and computed anew in the
// background), the first page after a restart (150 ms of computing, the
// rest pending), and the time until that page has every customer. One
// page of 50 rows is rendered; the filter, sort and totals take every
// customer.
func BenchmarkPortalOverview(b *testing.B) {
	const customers = 1000
	t0 := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC)
	h := newHarness(b, nil, t0, notify.Config{})
	dir := b.TempDir()
	for c := range customers {
		id := fmt.Sprintf("cust%04d", c)
		y := fmt.Sprintf(`timezone: Asia/Tokyo
currency: JPY
customers:
  - id: %[1]s
    services:
      - id: internet
        levels: [iij/internet-availability, iij/outage-notification]
        inputs: {router: %[1]s-router, targets: %[1]s-router}
        params: {responsibility_type: "1", connection: internet}
      - id: dc
        levels: [iij/dc-availability]
        inputs: {lines: [%[1]s-dc1, %[1]s-dc2]}
`, id)
		f := filepath.Join(dir, id+".yaml")
		if err := os.WriteFile(f, []byte(y), 0o644); err != nil {
			b.Fatal(err)
		}
		h.customer(id, notify.Contacts{}, f)
	}
	br := &browser{base: h.ts.URL}
	br.c = newBrowser(nil, h.ts.URL).c
	login := url.Values{"token": {h.op}}
	req, _ := http.NewRequest("POST", h.ts.URL+"/login", strings.NewReader(login.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := br.c.Do(req); err != nil || resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign-in: %v %v", resp, err)
	}
	get := func() string {
		resp, err := br.c.Get(h.ts.URL + "/overview?sort=credit")
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("overview: %v %v", resp, err)
		}
		defer resp.Body.Close()
		return resp.Header.Get("Refresh")
	}
	complete := func() {
		for get() != "" {
			time.Sleep(10 * time.Millisecond)
		}
	}
	complete()
	b.Run("warm", func(b *testing.B) {
		for range b.N {
			get()
		}
	})
	b.Run("stale", func(b *testing.B) { // every row past its 30 s: shown, and computed anew behind
		for range b.N {
			h.setClock(h.clock().Add(31 * time.Second))
			get()
		}
		b.StopTimer()
		complete()
	})
	b.Run("cold-first-page", func(b *testing.B) { // after a restart: what 150 ms computes, the rest pending
		for range b.N {
			b.StopTimer()
			complete()
			h.srv.portal.ForgetAll()
			b.StartTimer()
			get()
		}
	})
	b.Run("cold-complete", func(b *testing.B) { // after a restart, until no row is pending
		for range b.N {
			b.StopTimer()
			complete()
			h.srv.portal.ForgetAll()
			b.StartTimer()
			complete()
		}
	})
}

// BenchmarkPortalCustomerPage renders one customer's month to date (the
// IIJ example: five levels, its outage).
func BenchmarkPortalCustomerPage(b *testing.B) {
	h := newHarness(b, nil, time.Date(2026, 10, 20, 3, 0, 0, 0, time.UTC), notify.Config{})
	h.customer("kaisha", notify.Contacts{}, "../examples/iij.yaml")
	br := newBrowser(nil, h.ts.URL)
	login := url.Values{"token": {h.op}}
	req, _ := http.NewRequest("POST", h.ts.URL+"/login", strings.NewReader(login.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := br.c.Do(req); err != nil || resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign-in: %v %v", resp, err)
	}
	b.ResetTimer()
	for range b.N {
		resp, err := br.c.Get(h.ts.URL + "/c/kaisha")
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("page: %v %v", resp, err)
		}
		resp.Body.Close()
	}
}
