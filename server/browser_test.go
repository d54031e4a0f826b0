package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/server/auth"
)

var screenshots = flag.String("screenshots", "", "directory to write the portal's screenshots to (docs/screenshots)")

// chrome starts a headless Debian chromium for the test, or skips it
// when none is installed (.ci/run installs it).
func chrome(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" && os.Getenv("SLAWATCH_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("SLAWATCH_REQUIRE_CHROMIUM=1 and no chromium on this machine (apt-get install chromium)")
	}
	if path == "" {
		t.Skip("no chromium on this machine (apt-get install chromium): the portal's browser tests are skipped")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// shot saves a screenshot of the page (quality 100: PNG) as name.png in the -screenshots
// directory, when one is named.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if *screenshots == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(filepath.Join(*screenshots, name+".png"), png, 0o644)
	}
	if err != nil {
		t.Error(err)
	}
}

// signInAs signs in through the form, as a user would.
func signInAs(ctx context.Context, base, tok string) error {
	return chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), tok),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS("header nav")), // signed in: the page past the form
	)
}

// text reads an element's text, failing the test when it cannot.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// pdfText checks a PDF fetched by the browser (base64) against the JSON
// report of the same month: its text (pdftotext) holds each level's
// availability and credit.
func pdfText(t *testing.T, b64 string, h *harness, tok string) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || !bytes.HasPrefix(raw, []byte("%PDF-")) {
		t.Fatalf("the browser's download is not a PDF (%v): %.40q", err, raw)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("no pdftotext: the PDF's text is not checked")
		return
	}
	f := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(f, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	var rep struct {
		Customers []struct {
			Credit   string
			Services []struct {
				Levels []struct {
					Title        string
					Availability json.Number `json:"availability_pct"`
					Credit       string
				}
			}
		}
	}
	h.must(http.StatusOK, "GET", "/api/customers/kaisha/reports/2026-10", tok, nil, &rep)
	for _, s := range rep.Customers[0].Services {
		for _, l := range s.Levels {
			for _, want := range []string{l.Title, l.Availability.String(), l.Credit} {
				if want != "" && !strings.Contains(text, want) {
					t.Errorf("the PDF lacks %q (level %s)", want, l.Title)
				}
			}
		}
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// In a real browser: an operator signs in and sees on the overview the
// outage an agent caused, with its notice deadline; the maintenance form
// tells, before anything is stored, that a window announced 47 hours
// ahead does not count for Aryaka's levels (48 hours' notice); a
// customer's session opens its own page and not another's.
func TestPortalInBrowser(t *testing.T) {
	ctx := chrome(t)
	t0 := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC).Unix() / 60
	h := newHarness(t, nil, time.Unix(t0*60, 0), notify.Config{})
	h.customer("kaisha", notify.Contacts{}, "../examples/iij.yaml")
	h.customer("globex", notify.Contacts{}, "../examples/aryaka.yaml")
	agent := h.token(auth.RoleAgent, "", "tyo1")
	kaisha := h.token(auth.RoleCustomer, "kaisha", "")

	// kaisha's router silent from 00:05: the outage is detected at 00:10
	h.setClock(time.Unix((t0+10)*60+20, 0))
	h.deliver(agent, minutesOf(t0, t0+10, func(m int64) bool { return m >= t0+5 }))
	h.waitJudged(t0 + 10)
	h.waitFor("the outage", func() bool {
		var outs struct{ Outages []Outage }
		h.must(http.StatusOK, "GET", "/api/customers/kaisha/outages", h.op, nil, &outs)
		return len(outs.Outages) == 1
	})

	if err := signInAs(ctx, h.ts.URL, h.op); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(h.ts.URL+"/overview"), chromedp.WaitVisible(chromedp.CSS("table.overview")))
	open, row := text(t, ctx, "#open-outages"), text(t, ctx, `tr[data-customer="kaisha"]`)
	shot(t, ctx, "overview")
	// detected 00:10 UTC, notice due 30 minutes later: 00:40 UTC, shown in
	// the contract's zone as 09:40 +09:00; the page is made
	// at 00:10:20, so 29m40s are left
	if open != "1" || !strings.Contains(row, "29m40s left") || !strings.Contains(row, "2026-10-10 09:40:00 +09:00") {
		t.Errorf("overview: %q outages; kaisha's row:\n%s\nwant one outage, its notice due 00:40, 29m40s left", open, row)
	}

	// on a phone (390 px wide): the page itself does not scroll sideways,
	// only the wide tables inside their own box
	do(t, ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(h.ts.URL+"/overview"), chromedp.WaitVisible(chromedp.CSS("table.overview")))
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Errorf("the overview on a 390 px phone is %d px wide (%v)", w, err)
	}
	shot(t, ctx, "overview-phone")
	do(t, ctx, chromedp.EmulateReset())

	// 47 hours ahead, by the server's clock
	now := h.clock()
	start, end := now.Add(47*time.Hour).Format(time.RFC3339), now.Add(49*time.Hour).Format(time.RFC3339)
	do(t, ctx,
		chromedp.Navigate(h.ts.URL+"/c/globex"),
		chromedp.Click(chromedp.CSS("#maintenance-card > summary")), // no script on the page: the details open by a click
		chromedp.SendKeys(chromedp.CSS(`#maintenance-form input[name="start"]`), start),
		chromedp.SendKeys(chromedp.CSS(`#maintenance-form input[name="end"]`), end),
		chromedp.SendKeys(chromedp.CSS(`#maintenance-form input[name="reason"]`), "core router upgrade"),
		chromedp.Click(chromedp.ID("preview")),
		chromedp.WaitVisible(chromedp.ID("maintenance-preview")),
	)
	preview := text(t, ctx, "#maintenance-preview")
	shot(t, ctx, "maintenance-preview")
	if !strings.Contains(preview, "not excluded") || !strings.Contains(preview, "announced 47 hours before its start") || !strings.Contains(preview, "48 hours' notice") {
		t.Errorf("maintenance preview:\n%s\nwant every level not excluded: announced 47h before, 48 hours' notice needed", preview)
	}
	var stored struct{ Exclusions []any }
	h.must(http.StatusOK, "GET", "/api/customers/globex/exclusions", h.op, nil, &stored)
	if len(stored.Exclusions) != 0 {
		t.Errorf("the preview stored %d exclusions", len(stored.Exclusions))
	}

	// a customer: its own page, never another's
	do(t, ctx, chromedp.Navigate(h.ts.URL+"/overview"), chromedp.Submit(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("token")))
	if err := signInAs(ctx, h.ts.URL, kaisha); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(h.ts.URL+"/c/kaisha?month=2026-10"),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-level="internet-tokyo/iij/internet-availability"]`)))
	title := text(t, ctx, "main h1")
	shot(t, ctx, "customer")
	do(t, ctx, chromedp.Navigate(h.ts.URL+"/c/globex"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	other := text(t, ctx, "main")
	if !strings.Contains(title, "kaisha") {
		t.Errorf("kaisha's page title %q", title)
	}
	// the PDF the page links to, fetched by the browser with its session,
	// has the JSON report's figures (the page's CSP forbids any script and
	// any fetch: the test's own fetch is let past it)
	if _, err := chromedp.Call(ctx, cdppage.SetBypassCSP, cdppage.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(h.ts.URL+"/c/kaisha?month=2026-10"), chromedp.WaitVisible(chromedp.ID("report-pdf")))
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("report-pdf"), "href"))
	if err != nil {
		t.Fatal(err)
	}
	b64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+strconvQuote(href.Value)+`).then(r => r.ok ? r.arrayBuffer() : Promise.reject(r.status)).then(b => { let s = ""; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s) })`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetching %s in the browser: %v", href.Value, err)
	}
	pdfText(t, b64, h, kaisha)
	if !strings.Contains(other, "404") || strings.Contains(other, "Globex") {
		t.Errorf("kaisha opening globex's page saw:\n%s\nwant 404 and nothing of globex", other)
	}
}
