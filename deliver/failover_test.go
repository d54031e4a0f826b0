package deliver

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/internal/ingesttest"
)

// The tests of delivery to several servers (--server URL,URL...) and to
// servers that refuse series.

// recorder keeps the order in which requests reach several servers.
type recorder struct {
	mu    sync.Mutex
	order []string
}

func (r *recorder) wrap(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.order = append(r.order, name)
		r.mu.Unlock()
		h.ServeHTTP(w, req)
	})
}

// While every server fails, the agent tries each once in turn without
// pausing, then pauses (doubling) before the next round: with two
// servers failing twice each, the attempts go a, b, pause, a, b, pause,
// a, which stores the body.
func TestFailoverRounds(t *testing.T) {
	sp := openTestSpool(t)
	want := appendMinutes(t, sp, 29_000_000, 3, "s1", "s2")
	var rec recorder
	a := &ingesttest.Server{T: t, Token: "tok", Fail: map[int]string{1: "503", 2: "drop"}}
	b := &ingesttest.Server{T: t, Token: "tok", Fail: map[int]string{1: "drop", 2: "503"}}
	ha, hb := httptest.NewServer(rec.wrap("a", a)), httptest.NewServer(rec.wrap("b", b))
	defer ha.Close()
	defer hb.Close()
	var logs syncBuffer
	startDelivery(t, sp, []string{ha.URL, hb.URL}, 100*time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	waitDelivered(t, sp, "rounds")

	rec.mu.Lock()
	order := slices.Clone(rec.order)
	rec.mu.Unlock()
	if !slices.Equal(order, []string{"a", "b", "a", "b", "a"}) {
		t.Errorf("requests went to %v, want [a b a b a]", order)
	}
	if got := a.Rows(); !slices.Equal(got, sorted(want)) {
		t.Errorf("a stored %q, want %q", got, want)
	}
	moved := ingesttest.LogLines(logs.String(), ingesttest.MovedMsg)
	if len(moved) != 4 {
		t.Fatalf("%d moves logged, want 4:\n%s", len(moved), logs.String())
	}
	for i, l := range moved {
		from, to := ha.URL, hb.URL
		if i%2 == 1 {
			from, to = hb.URL, ha.URL
		}
		paused := !strings.Contains(l, "retry_in=0s")
		if !strings.Contains(l, ingesttest.MovedMsg+from) || !strings.Contains(l, "next_server="+to) || paused != (i%2 == 1) {
			t.Errorf("move %d: %s\nwant from %s to %s, pausing %v", i+1, l, from, to, i%2 == 1)
		}
	}
}

// TestFailoverFailback: the agent delivers to the first server; when it
// dies, to the second; when the second dies and the first is back, to
// the first again. Each minute is stored once, by the server that was
// up when it was delivered.
func TestFailoverFailback(t *testing.T) {
	sp := openTestSpool(t)
	a, b := &ingesttest.Server{T: t, Token: "tok"}, &ingesttest.Server{T: t, Token: "tok"}
	ha, hb := httptest.NewServer(a), httptest.NewServer(b)
	defer ha.Close()
	defer hb.Close()
	var logs syncBuffer
	startDelivery(t, sp, []string{ha.URL, hb.URL}, time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	series := []string{"s1", "s2", "s3"}

	first := appendMinutes(t, sp, 29_000_000, 5, series...)
	waitDelivered(t, sp, "both up")
	a.Down.Store(true) // dies: every connection dropped
	second := appendMinutes(t, sp, 29_000_005, 5, series...)
	waitDelivered(t, sp, "a down")
	a.Down.Store(false) // back
	hb.Close()          // dies for good: connections refused
	third := appendMinutes(t, sp, 29_000_010, 5, series...)
	waitDelivered(t, sp, "b down, a back")

	if got := a.Rows(); !slices.Equal(got, sorted(first, third)) {
		t.Errorf("a stored %d rows, want the %d of the first and third parts", len(got), len(first)+len(third))
	}
	if got := b.Rows(); !slices.Equal(got, sorted(second)) {
		t.Errorf("b stored %d rows, want the %d of the second part", len(got), len(second))
	}
	l := logs.String()
	if len(ingesttest.LogLines(l, ingesttest.MovedMsg+ha.URL, "next_server="+hb.URL, "EOF")) == 0 ||
		len(ingesttest.LogLines(l, ingesttest.MovedMsg+hb.URL, "next_server="+ha.URL)) == 0 {
		t.Errorf("failover and failback not logged:\n%s", l)
	}
}

// A backlog with a refused series goes out in its bodies of 64 minutes
// without it: each body's refusal logs the series once, with the
// records dropped from that body.
func TestFailoverRefusedBacklog(t *testing.T) {
	sp := openTestSpool(t)
	all := appendMinutes(t, sp, 29_000_000, 150, "a", "b", "c")
	kept := slices.DeleteFunc(slices.Clone(all), func(r string) bool { return strings.Split(r, ",")[1] == "b" })
	srv := &ingesttest.Server{T: t, Token: "tok", Refuse: map[string]bool{"b": true}}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	var logs syncBuffer
	o := startDelivery(t, sp, []string{hs.URL}, time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	waitDelivered(t, sp, "backlog")

	if got := srv.Rows(); !slices.Equal(got, sorted(kept)) {
		t.Errorf("stored %d rows, want the %d of a and c (of %d)", len(got), len(kept), len(all))
	}
	lines := ingesttest.LogLines(logs.String(), `level=ERROR msg="series refused by the server`, "series=b")
	if len(lines) != 3 || !strings.Contains(lines[0], "records=64") || !strings.Contains(lines[2], "records=22") {
		t.Errorf("refusals logged as:\n%s", logs.String())
	}
	if o.Server.Refused() != 150 { // counted before the acknowledgement waitDelivered saw
		t.Errorf("%d records counted refused, want 150", o.Server.Refused())
	}
}

// A refusal of every series of the body leaves nothing to send: the
// minutes are acknowledged in the spool, nothing is stored.
func TestFailoverRefusedAll(t *testing.T) {
	sp := openTestSpool(t)
	appendMinutes(t, sp, 29_000_000, 5, "a", "b")
	srv := &ingesttest.Server{T: t, Token: "tok", Refuse: map[string]bool{"a": true, "b": true}}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	var logs syncBuffer
	startDelivery(t, sp, []string{hs.URL}, time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	waitDelivered(t, sp, "all refused")

	if rows, refusals, requests := srv.Rows(), srv.Refusals(), srv.Requests(); len(rows) != 0 || refusals != 1 || requests != 1 {
		t.Errorf("%d rows stored, %d refusals, %d requests; want 0, 1, 1", len(rows), refusals, requests)
	}
	if n := len(ingesttest.LogLines(logs.String(), `level=ERROR msg="series refused by the server`, "records=5")); n != 2 {
		t.Errorf("%d series logged refused, want 2:\n%s", n, logs.String())
	}
}

// A 403 that refuses no series of the body (a token the server does not
// know, or series the body does not hold) is an error like any other:
// logged, retried at the longest pause, and nothing leaves the spool.
func TestFailoverForbiddenKeepsSpool(t *testing.T) {
	for _, tc := range []struct{ name, answer string }{
		{"bad token", `{"error":{"code":"forbidden","message":"unknown token"}}`},
		{"other series", `{"error":{"code":"forbidden","message":"no"},"refused_series":["other"]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sp := openTestSpool(t)
			appendMinutes(t, sp, 29_000_000, 5, "a", "b")
			var mu sync.Mutex
			requests := 0
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				mu.Lock()
				requests++
				mu.Unlock()
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, tc.answer)
			}))
			defer hs.Close()
			var logs syncBuffer
			start := time.Now()
			startDelivery(t, sp, []string{hs.URL}, time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
			deadline := start.Add(30 * time.Second)
			for len(ingesttest.LogLines(logs.String(), `level=ERROR msg="delivery failed, will retry"`, "403 Forbidden")) < 3 {
				if time.Now().After(deadline) {
					t.Fatalf("not retried 3 times in 30 s:\n%s", logs.String())
				}
				time.Sleep(5 * time.Millisecond)
			}
			if n := sp.Stats().Pending; n != 5 || strings.Contains(logs.String(), "series refused") {
				t.Errorf("%d batches pending, want 5; logs:\n%s", n, logs.String())
			}
			mu.Lock()
			defer mu.Unlock()
			// each retry waits at least retryMax/2 = 10 ms: no busy loop
			if most := 2 + int(time.Since(start)/(10*time.Millisecond)); requests > most {
				t.Errorf("%d requests in %v, more than %d", requests, time.Since(start), most)
			}
		})
	}
}
