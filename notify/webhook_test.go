package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testSecret = "0123456789abcdef-webhook"

// hook is a webhook receiver that records the last request and answers
// with Status (200 if zero).
type hook struct {
	mu     sync.Mutex
	Status int
	header http.Header
	body   []byte
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.header, h.body = r.Header.Clone(), body
	if h.Status != 0 {
		http.Error(w, "nope", h.Status)
	}
}

func (h *hook) last() (http.Header, []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.header, h.body
}

func startHook(t *testing.T) (*hook, *Webhook) {
	h := &hook{}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, &Webhook{URL: srv.URL + "/slawatch?token=x", Secret: testSecret, Allow: mustAllow(t, "127.0.0.0/8"), Now: sentAt}
}

func mustAllow(t testing.TB, s string) Destinations {
	t.Helper()
	d, err := ParseAllow(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestWebhookSend(t *testing.T) {
	h, w := startHook(t)
	n := iijOutage(t)
	if err := w.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	header, body := h.last()
	if got := header.Get(HeaderNoticeID); got != "inc-42/outage" {
		t.Errorf("%s: %q", HeaderNoticeID, got)
	}
	ts := header.Get(HeaderTimestamp)
	if ts != "1791937200" { // 2026-10-14T00:20:00Z
		t.Errorf("%s: %q", HeaderTimestamp, ts)
	}
	sig := header.Get(HeaderSignature)
	if err := VerifySignature(testSecret, ts, body, sig, sentAt().Add(time.Minute), 5*time.Minute); err != nil {
		t.Errorf("signature %q: %v", sig, err)
	}
	var got Notice
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != n.ID || got.CustomerName != n.CustomerName || len(got.Sites) != 2 || !got.Start.Equal(n.Start) {
		t.Errorf("body decodes to %+v", got)
	}
	if !strings.Contains(string(body), `"customer_name":"株式会社サンプル商事"`) {
		t.Errorf("body %s", body)
	}
}

func TestWebhookStatus(t *testing.T) {
	h, w := startHook(t)
	for status, perm := range map[int]bool{
		http.StatusBadRequest:          true,
		http.StatusUnauthorized:        true,
		http.StatusNotFound:            true,
		http.StatusMovedPermanently:    true,
		http.StatusRequestTimeout:      false,
		http.StatusTooManyRequests:     false,
		http.StatusInternalServerError: false,
		http.StatusServiceUnavailable:  false,
	} {
		h.mu.Lock()
		h.Status = status
		h.mu.Unlock()
		err := w.Send(context.Background(), iijOutage(t))
		if he, ok := errors.AsType[*HTTPError](err); !ok || he.StatusCode != status {
			t.Errorf("%d: got %v", status, err)
		}
		if IsPermanent(err) != perm {
			t.Errorf("%d: permanent %v, want %v (%v)", status, IsPermanent(err), perm, err)
		}
	}
}

func TestWebhookName(t *testing.T) {
	w := &Webhook{URL: "https://hooks.example.net/slawatch?token=secret"}
	if got := w.Name(); got != "webhook:https://hooks.example.net/slawatch" {
		t.Errorf("Name() = %q", got)
	}
}

func TestWebhookUnreachable(t *testing.T) {
	addr := closedAddr(t)
	w := &Webhook{URL: "http://" + addr + "/", Secret: testSecret, Allow: mustAllow(t, "127.0.0.1")}
	err := w.Send(context.Background(), iijOutage(t))
	if err == nil || IsPermanent(err) {
		t.Errorf("%v, want a temporary failure", err)
	}
	if want := "webhook:http://" + addr + "/: temporary failure: dial tcp " + addr + ": connection refused"; err.Error() != want {
		t.Errorf("got %q\nwant %q", err, want)
	}
}

func TestVerifySignature(t *testing.T) {
	body := []byte(`{"id":"inc-42/outage"}`)
	ts := "1791937200"
	now := time.Unix(1791937200, 0)
	sig := Signature(testSecret, ts, body)
	for _, tc := range []struct {
		name   string
		secret string
		ts     string
		body   string
		sig    string
		now    time.Time
		want   error
	}{
		{"valid", testSecret, ts, string(body), sig, now, nil},
		{"valid, 5 min late", testSecret, ts, string(body), sig, now.Add(5 * time.Minute), nil},
		{"tampered body", testSecret, ts, `{"id":"inc-43/outage"}`, sig, now, ErrBadSignature},
		{"wrong secret", "another-secret-16b", ts, string(body), sig, now, ErrBadSignature},
		{"tampered timestamp", testSecret, "1791937260", string(body), sig, now, ErrBadSignature},
		{"no prefix", testSecret, ts, string(body), strings.TrimPrefix(sig, "sha256="), now, ErrBadSignature},
		{"not hex", testSecret, ts, string(body), "sha256=zz", now, ErrBadSignature},
		{"truncated", testSecret, ts, string(body), sig[:len(sig)-2], now, ErrBadSignature},
		{"stale", testSecret, ts, string(body), sig, now.Add(5*time.Minute + time.Second), ErrStaleTimestamp},
		{"future", testSecret, ts, string(body), sig, now.Add(-6 * time.Minute), ErrStaleTimestamp},
		{"timestamp not a number", testSecret, "yesterday", string(body), Signature(testSecret, "yesterday", body), now, ErrStaleTimestamp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifySignature(tc.secret, tc.ts, []byte(tc.body), tc.sig, tc.now, 5*time.Minute)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestSignatureExample is the worked example in docs/notifications.md.
func TestSignatureExample(t *testing.T) {
	got := Signature("whsec-0123456789abcdef", "1791937200", []byte(`{"id":"inc-42/outage"}`))
	const want = "sha256=4d16faaf6866369763d2872daded675e4432e634c56ca671c27f03bd253de082"
	if got != want {
		t.Errorf("Signature = %s, want %s", got, want)
	}
}
