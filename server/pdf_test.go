package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/server/auth"
)

// TestReportPDF: the operator and the customer get the month's report as
// a PDF whose text has the JSON report's figures; another customer's
// token gets 404, as for every other route of a customer.
func TestReportPDF(t *testing.T) {
	h := newHarness(t, nil, time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), notify.Config{})
	h.customerOf("kaisha", notify.Contacts{}, "../examples/iij.yaml", "tyo1")
	h.customerOf("other", notify.Contacts{}, "../examples/iij-other.yaml", "osa1")
	own, other := h.token(auth.RoleCustomer, "kaisha", ""), h.token(auth.RoleCustomer, "other", "")
	const path = "/api/customers/kaisha/reports/2026-10/report.pdf"
	for _, tok := range []string{h.op, own} {
		hdr, body := getPDF(t, h, path, tok)
		if ct := hdr.Get("Content-Type"); ct != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) {
			t.Fatalf("%s: Content-Type %q, body %.20q", path, ct, body)
		}
		if cd := hdr.Get("Content-Disposition"); !strings.Contains(cd, `filename="kaisha-2026-10-report.pdf"`) {
			t.Errorf("Content-Disposition %q", cd)
		}
		if hdr.Get(headerRevision) != "live" {
			t.Errorf("%s: %q", headerRevision, hdr.Get(headerRevision))
		}
		checkPDFText(t, h, body, tok)
	}
	if code, body := h.do("GET", path, other, nil); code != http.StatusNotFound {
		t.Errorf("another customer's token: %d %s; want 404", code, body)
	}
	if code, _ := h.do("GET", path, "", nil); code != http.StatusUnauthorized {
		t.Errorf("no token: %d; want 401", code)
	}
	if code, _ := h.do("GET", "/api/customers/kaisha/reports/2026-13/report.pdf", h.op, nil); code != http.StatusBadRequest && code != http.StatusNotFound {
		t.Errorf("month 2026-13: %d", code)
	}
}

func getPDF(t *testing.T, h *harness, path, token string) (http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", h.ts.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, b.Bytes())
	}
	return resp.Header, b.Bytes()
}

// checkPDFText compares the PDF's text with the JSON report's figures,
// where pdftotext is installed.
func checkPDFText(t *testing.T, h *harness, doc []byte, token string) {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Log("pdftotext not found: the PDF's text is not checked")
		return
	}
	var rep report.Report
	h.must(http.StatusOK, "GET", "/api/customers/kaisha/reports/2026-10", token, nil, &rep)
	in := filepath.Join(t.TempDir(), "r.pdf")
	os.WriteFile(in, doc, 0o644)
	out, err := exec.Command(bin, "-layout", in, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	c := rep.Customers[0]
	want := []string{"SLA report · " + c.Name, "Credit total: " + c.Credit + " " + rep.Currency}
	for _, s := range c.Services {
		for _, l := range s.Levels {
			want = append(want, s.ID+" · "+l.Template, l.Objective)
		}
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("PDF text lacks %q", w)
		}
	}
	if j, _ := json.Marshal(rep); strings.Contains(text, "other Inc.") || bytes.Contains(j, []byte(`"other"`)) {
		t.Errorf("the PDF names another customer")
	}
}

// TestReportPDFLatency: a customer's PDF holds the latency graph of each
// series its services are measured by, titled "SERIES · MONTH", drawn
// from the records the store holds.
func TestReportPDFLatency(t *testing.T) {
	t0 := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC).Unix() / 60
	h := newHarness(t, nil, time.Unix(t0*60, 0), notify.Config{})
	h.customer("kaisha", notify.Contacts{}, "../examples/iij.yaml")
	agent := h.token(auth.RoleAgent, "", "tyo1")
	h.setClock(time.Unix((t0+20)*60, 0))
	h.deliver(agent, minutesOf(t0, t0+20, func(m int64) bool { return m >= t0+5 && m < t0+11 }))
	h.waitJudged(t0 + 20)

	b, err := h.srv.bound(t.Context(), "kaisha")
	if err != nil {
		t.Fatal(err)
	}
	pts, err := h.srv.latencyOf(t.Context(), b, "2026-10", []string{"kaisha-router", "kaisha-dc-primary"})
	if err != nil || len(pts["kaisha-router"]) != 20 || len(pts["kaisha-dc-primary"]) != 20 {
		t.Fatalf("records read for the graphs: %d and %d, %v; want 20 each", len(pts["kaisha-router"]), len(pts["kaisha-dc-primary"]), err)
	}
	_, body := getPDF(t, h, "/api/customers/kaisha/reports/2026-10/report.pdf", h.op)
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not found: the PDF's text is not checked")
	}
	in := filepath.Join(t.TempDir(), "r.pdf")
	os.WriteFile(in, body, 0o644)
	out, err := exec.Command(bin, "-layout", in, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kaisha-router", "kaisha-dc-primary", "kaisha-dc-secondary"} {
		if !strings.Contains(string(out), name+" · 2026-10") {
			t.Errorf("PDF text lacks the graph %q", name+" · 2026-10")
		}
	}
}
