package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/agent"
)

// testScale runs the demo's clock 20 times faster than real time: a
// minute in 3 s. Probes are still real TCP connects (a second apart on
// the demo's clock, 50 ms in real time), the outage a real closed
// listener, the notices real SMTP.
const testScale = 20

// TestDemoEndToEnd runs the demo in process on a fast clock, the tokyo
// listener closing for 7 minutes (21 s) a minute (3 s) after the start
// (the next outage would be half an hour later, beyond the test):
// the server answers, the tokens work, the back-filled months have
// reports, the outage is detected from the agent's connects — Aryaka's
// tunnel after a minute, IIJ's router after 5 — and notified by email
// and by fax to the demo's SMTP server, and its recovery too, the mails show at /demo/mail and
// /demo/mail.json (and none is about a back-filled outage: those were
// notified at the time), and cancelling removes the directory.
func TestDemoEndToEnd(t *testing.T) {
	if testing.Short() || !long() {
		t.Skip("about 40 s of real time (90 s and more on a loaded machine): SLAWATCH_LONG=1 runs it")
	}
	clock := agent.NewScaledClock(time.Now(), testScale)
	ready := make(chan Info, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	cfg := Config{Addr: "127.0.0.1:0", OutageLead: time.Minute, OutageEvery: 30 * time.Minute, OutageFor: 7 * time.Minute,
		Clock: clock, Logger: testLogger(t), Out: &out, Ready: func(i Info) { ready <- i }}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	var info Info
	select {
	case info = <-ready:
	case err := <-done:
		t.Fatalf("the demo stopped before it was ready: %v", err)
	case <-time.After(240 * time.Second): // a bound for a hung demo (its month of history takes a while on a loaded machine), not a timing requirement
		t.Fatal("the demo was not ready after 240 s")
	}
	start := clock.Now()
	t.Logf("ready in %s: %d records of %v back-filled in %s", info.Startup, info.Records, info.Months, info.Backfill)

	checkAPI(t, info)
	mails := waitMails(t, info.URL, 100*time.Second)
	checkMails(t, info.URL, mails, start)
	checkLiveOutages(t, info, start)
	for _, m := range mails {
		t.Logf("mail at %s to %v: %s", m.Received.Sub(start).Round(time.Second), m.To, m.Subject)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the demo did not stop within 60 s of the cancel")
	}
	if _, err := os.Stat(info.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the demo's directory %s is still there: %v", info.Dir, err)
	}
	if s := out.String(); !strings.Contains(s, info.URL) || !strings.Contains(s, info.CustomerToken) || !strings.Contains(s, "outage 1: the tokyo listener is closed") {
		t.Errorf("the demo's output lacks the URL, the token or the outage:\n%s", s)
	}
}

// checkAPI: the URL answers, the tokens work on the API, the customer
// sees only itself, and each back-filled month has a report.
func checkAPI(t *testing.T, info Info) {
	t.Helper()
	if code, body := get(t, info.URL+"/healthz", ""); code != 200 {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := get(t, info.URL+"/api/customers", info.OperatorToken); code != 200 || !strings.Contains(body, "globex") {
		t.Errorf("operator: /api/customers: %d %s", code, body)
	}
	if code, _ := get(t, info.URL+"/api/customers/globex", info.CustomerToken); code != 404 {
		t.Errorf("customer %s reads globex: %d, want 404", info.Customer, code)
	}
	for _, m := range info.Months {
		code, body := get(t, info.URL+"/api/customers/"+info.Customer+"/reports/"+m, info.CustomerToken)
		if code != 200 {
			t.Fatalf("report %s: %d %s", m, code, body)
		}
		var rep struct {
			Customers []struct {
				Services []struct {
					ID     string `json:"id"`
					Levels []struct {
						Template        string `json:"template"`
						MeasuredMinutes int    `json:"measured_minutes"`
					} `json:"levels"`
				} `json:"services"`
			} `json:"customers"`
		}
		if err := json.Unmarshal([]byte(body), &rep); err != nil || len(rep.Customers) != 1 || len(rep.Customers[0].Services) != 2 {
			t.Fatalf("report %s: %v\n%.2000s", m, err, body)
		}
		lv := rep.Customers[0].Services[0].Levels[0]
		if lv.MeasuredMinutes < 60 {
			t.Errorf("report %s: %s %s measured %d minutes: the back-fill is missing", m, rep.Customers[0].Services[0].ID, lv.Template, lv.MeasuredMinutes)
		}
	}
}

// waitMails waits for the live outage's notices: one by email (Aryaka's
// tunnel) and one by fax (IIJ's router), and a recovery notice once the
// listener is open again.
func waitMails(t *testing.T, url string, wait time.Duration) []Mail {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		mails := demoMails(t, url)
		var email, fax, recovered bool
		for _, m := range mails {
			outage := strings.HasPrefix(m.Subject, "[slawatch] Outage:")
			email = email || outage && strings.Contains(strings.Join(m.To, ","), "noc@globex.example")
			fax = fax || outage && strings.Contains(strings.Join(m.To, ","), "@fax.demo.invalid")
			recovered = recovered || strings.HasPrefix(m.Subject, "[slawatch] Recovered:")
		}
		if email && fax && recovered {
			return mails
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s, not every notice (outage by email %v, by fax %v, recovery %v): %d mails: %+v", wait, email, fax, recovered, len(mails), mails)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func demoMails(t *testing.T, url string) []Mail {
	t.Helper()
	code, body := get(t, url+"/demo/mail.json", "")
	var v struct{ Mails []Mail }
	if code != 200 || json.Unmarshal([]byte(body), &v) != nil {
		t.Fatalf("/demo/mail.json: %d %s", code, body)
	}
	return v.Mails
}

// checkMails: every mail is about the live outage (its incident detected
// after the start), newest first, and the HTML page lists them.
func checkMails(t *testing.T, url string, mails []Mail, start time.Time) {
	t.Helper()
	for i, m := range mails {
		id := m.Header["X-Slawatch-Notice-Id"]
		_, inc, _ := strings.Cut(id, "/inc-")
		at, err := time.Parse("20060102T1504Z", strings.SplitN(inc, "-", 2)[0])
		if err != nil || at.Before(start.Add(-time.Minute)) {
			t.Errorf("mail %d (%s, notice %q) is not about the live outage after %s: %v", i, m.Subject, id, start, err)
		}
		if i > 0 && m.Received.After(mails[i-1].Received) {
			t.Errorf("mails not newest first: %s after %s", m.Received, mails[i-1].Received)
		}
	}
	code, page := get(t, url+"/demo/mail", "")
	if code != 200 || !strings.Contains(page, htmlEscape(mails[0].Subject)) {
		t.Errorf("/demo/mail: %d, without the subject %q:\n%.3000s", code, mails[0].Subject, page)
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// checkLiveOutages: the server stored the live outage of the tunnel,
// detected after the start, and its notice was sent.
func checkLiveOutages(t *testing.T, info Info, start time.Time) {
	t.Helper()
	code, body := get(t, info.URL+"/api/customers/globex/outages", info.OperatorToken)
	var v struct {
		Outages []struct {
			Service  string     `json:"service"`
			Start    time.Time  `json:"start"`
			Notified *time.Time `json:"notified_at"`
		} `json:"outages"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &v) != nil {
		t.Fatalf("outages: %d %s", code, body)
	}
	live := 0
	for _, o := range v.Outages {
		if !o.Start.Before(start.Truncate(time.Minute)) {
			live++
			if o.Notified == nil {
				t.Errorf("live outage %+v: not notified", o)
			}
		}
	}
	if live != 1 || len(v.Outages) < 2 {
		t.Errorf("globex: %d live outages of %d, want 1 and the back-filled ones:\n%s", live, len(v.Outages), body)
	}
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// testLogger logs warnings and errors to the test's log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// syncBuffer is a bytes.Buffer the demo writes to while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
