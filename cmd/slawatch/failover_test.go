package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/agent"
	"github.com/slawatch/slawatch/spool"
)

// The tests of this file run the agent's delivery against several
// servers (--server URL,URL...) and servers that refuse series. None
// measures time: each waits for what it expects with a deadline far
// beyond need, so that they pass on a loaded machine.

// closedURL is a server that is down: nothing listens on port 1.
const closedURL = "http://127.0.0.1:1"

// runFailoverAgent runs `slawatch agent` for six seconds on a clock 60
// times faster than real time (six minutes), probing a TCP listener as
// up-a and up-b and a closed port as closed, with --out and args (the
// --server flags), and returns the rows --out wrote, sorted, the logs
// and the spool's directory.
func runFailoverAgent(t *testing.T, args ...string) (rows []string, logs, spoolDir string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go acceptAndClose(ln)
	dir := t.TempDir()
	spoolDir = filepath.Join(dir, "spool")
	cfg := writeFile(t, "agent.yaml", "agent: test\ndefaults: {interval: 2s}\nspool: {dir: "+spoolDir+"}\n"+
		"targets:\n  - {series: up-a, tcp: {address: \""+ln.Addr().String()+"\"}}\n"+
		"  - {series: up-b, tcp: {address: \""+ln.Addr().String()+"\"}}\n"+
		"  - {series: closed, tcp: {address: \"127.0.0.1:1\"}}\n")
	out := filepath.Join(dir, "samples.csv")
	var stdout, stderr bytes.Buffer
	cmd := &AgentCommand{IO: IO{Stdout: &stdout, Stderr: &stderr},
		clock: agent.NewScaledClock(time.Date(2026, 11, 2, 10, 0, 30, 0, time.UTC), 60)}
	args = append([]string{"--config", cfg, "--out", out, "--token", "tok-123", "--duration", "6s"}, args...)
	if err := cmd.Run(context.Background(), args); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	return outRows(t, out), stderr.String(), spoolDir
}

// logLines returns the lines of logs that hold every one of parts.
func logLines(logs string, parts ...string) []string {
	var found []string
	for _, l := range strings.Split(logs, "\n") {
		if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(l, p) }) {
			found = append(found, l)
		}
	}
	return found
}

const movedMsg = `level=WARN msg="delivery failed, moving to the next server" server=`

// TestFailoverAgent gives the agent three URLs, as a list and a repeated
// flag: a server that is down, one that answers 503 to everything and
// one that works. The first delivery tries them in turn without a pause
// and the third stores it; the agent then stays with it. Every record
// --out wrote reaches the working server once, and the spool ends empty.
func TestFailoverAgent(t *testing.T) {
	busy := 0
	var mu sync.Mutex
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		busy++
		mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, slawatch.EINTERNAL, "store busy")
	}))
	defer bad.Close()
	srv := &ingestServer{t: t, token: "tok-123"}
	good := httptest.NewServer(srv)
	defer good.Close()

	want, logs, spoolDir := runFailoverAgent(t, "--server", closedURL+","+bad.URL, "--server", good.URL)

	srv.mu.Lock()
	got := slices.Clone(srv.rows)
	srv.mu.Unlock()
	slices.Sort(got)
	if len(want) < 4*3 || !slices.Equal(got, want) {
		t.Errorf("the server stored (%d rows):\n%s\n--out wrote (%d rows):\n%s",
			len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
	}
	mu.Lock()
	if busy != 1 {
		t.Errorf("the 503 server had %d requests, want 1: the agent stays with the server that works", busy)
	}
	mu.Unlock()
	moved := logLines(logs, movedMsg)
	if len(moved) != 2 || len(logLines(moved[0], movedMsg+closedURL, "next_server="+bad.URL, "retry_in=0s", "connection refused")) != 1 ||
		len(logLines(moved[1], movedMsg+bad.URL, "next_server="+good.URL, "retry_in=0s", "store busy")) != 1 {
		t.Errorf("failover logged as\n%s\nwant two moves: down -> 503 -> working\nlogs:\n%s", strings.Join(moved, "\n"), logs)
	}
	if st := spoolStats(t, spoolDir); st.Pending != 0 {
		t.Errorf("spool: %d batches unacknowledged", st.Pending)
	}
}

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

// startDelivery runs the spool's consumer with only a server output, of
// short retry pauses (from retryMin, up to 20 ms), until the test ends.
func startDelivery(t *testing.T, sp *spool.Spool, urls []string, retryMin time.Duration, log *slog.Logger) *outputs {
	t.Helper()
	o := &outputs{log: log, after: -1 << 62, evAt: -1 << 62, srv: newServerOut(urls, "tok", log)}
	o.srv.retryMin, o.srv.retryMax = retryMin, max(retryMin, 20*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.deliver(ctx, sp) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("deliver: %v", err)
		}
	})
	return o
}

// waitDelivered waits until the spool holds nothing unacknowledged.
func waitDelivered(t *testing.T, sp *spool.Spool, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for sp.Stats().Pending > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d batches still pending after 30 s", what, sp.Stats().Pending)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// appendMinutes spools n minutes from first, of the series given, and
// returns their rows.
func appendMinutes(t *testing.T, sp *spool.Spool, first int64, n int, series ...string) []string {
	t.Helper()
	var rows []string
	for m := first; m < first+int64(n); m++ {
		recs := make([]slawatch.SeriesMinute, len(series))
		for j, s := range series {
			recs[j] = slawatch.SeriesMinute{Series: s, M: slawatch.Minute{Sent: 60, Received: 58, RTTSum: uint64(58 * (1000 + m%100)),
				RTTSumSq: 1 << 40, RTTMin: 900, RTTMax: uint32(2000 + j)}}
			rows = append(rows, csvRow(m, recs[j]))
		}
		if _, err := sp.Append(m, recs); err != nil {
			t.Fatal(err)
		}
	}
	return rows
}

func openTestSpool(t *testing.T) *spool.Spool {
	t.Helper()
	sp, err := spool.Open(t.TempDir(), spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	return sp
}

// serverRows returns what an ingestServer stored, sorted.
func serverRows(s *ingestServer) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows := slices.Clone(s.rows)
	slices.Sort(rows)
	return rows
}

func sorted(rows ...[]string) []string {
	all := slices.Concat(rows...)
	slices.Sort(all)
	return all
}

// While every server fails, the agent tries each once in turn without
// pausing, then pauses (doubling) before the next round: with two
// servers failing twice each, the attempts go a, b, pause, a, b, pause,
// a, which stores the body.
func TestFailoverRounds(t *testing.T) {
	sp := openTestSpool(t)
	want := appendMinutes(t, sp, 29_000_000, 3, "s1", "s2")
	var rec recorder
	a := &ingestServer{t: t, token: "tok", fail: map[int]string{1: "503", 2: "drop"}}
	b := &ingestServer{t: t, token: "tok", fail: map[int]string{1: "drop", 2: "503"}}
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
	if got := serverRows(a); !slices.Equal(got, sorted(want)) {
		t.Errorf("a stored %q, want %q", got, want)
	}
	moved := logLines(logs.String(), movedMsg)
	if len(moved) != 4 {
		t.Fatalf("%d moves logged, want 4:\n%s", len(moved), logs.String())
	}
	for i, l := range moved {
		from, to := ha.URL, hb.URL
		if i%2 == 1 {
			from, to = hb.URL, ha.URL
		}
		paused := !strings.Contains(l, "retry_in=0s")
		if !strings.Contains(l, movedMsg+from) || !strings.Contains(l, "next_server="+to) || paused != (i%2 == 1) {
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
	a, b := &ingestServer{t: t, token: "tok"}, &ingestServer{t: t, token: "tok"}
	ha, hb := httptest.NewServer(a), httptest.NewServer(b)
	defer ha.Close()
	defer hb.Close()
	var logs syncBuffer
	startDelivery(t, sp, []string{ha.URL, hb.URL}, time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	series := []string{"s1", "s2", "s3"}

	first := appendMinutes(t, sp, 29_000_000, 5, series...)
	waitDelivered(t, sp, "both up")
	a.down.Store(true) // dies: every connection dropped
	second := appendMinutes(t, sp, 29_000_005, 5, series...)
	waitDelivered(t, sp, "a down")
	a.down.Store(false) // back
	hb.Close()          // dies for good: connections refused
	third := appendMinutes(t, sp, 29_000_010, 5, series...)
	waitDelivered(t, sp, "b down, a back")

	if got := serverRows(a); !slices.Equal(got, sorted(first, third)) {
		t.Errorf("a stored %d rows, want the %d of the first and third parts", len(got), len(first)+len(third))
	}
	if got := serverRows(b); !slices.Equal(got, sorted(second)) {
		t.Errorf("b stored %d rows, want the %d of the second part", len(got), len(second))
	}
	l := logs.String()
	if len(logLines(l, movedMsg+ha.URL, "next_server="+hb.URL, "EOF")) == 0 ||
		len(logLines(l, movedMsg+hb.URL, "next_server="+ha.URL)) == 0 {
		t.Errorf("failover and failback not logged:\n%s", l)
	}
}

// TestFailoverRefused runs the agent against a server that refuses one
// of its series (403 with refused_series): the other series' records
// all arrive, minute after minute, none of the refused one's, and each
// refusal logs the series at ERROR.
func TestFailoverRefused(t *testing.T) {
	srv := &ingestServer{t: t, token: "tok-123", refuse: map[string]bool{"closed": true}}
	hs := httptest.NewServer(srv)
	defer hs.Close()

	rows, logs, spoolDir := runFailoverAgent(t, "--server", hs.URL)

	var want []string
	refused := 0
	for _, r := range rows {
		if strings.Split(r, ",")[1] == "closed" {
			refused++
		} else {
			want = append(want, r)
		}
	}
	if got := serverRows(srv); len(want) < 4*2 || !slices.Equal(got, want) {
		t.Errorf("the server stored (%d rows):\n%s\nwant (%d rows):\n%s",
			len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
	}
	srv.mu.Lock()
	refusals := srv.refusals
	srv.mu.Unlock()
	lines := logLines(logs, `level=ERROR msg="series refused by the server`)
	if refusals == 0 || len(lines) != refusals || len(logLines(logs, "series=closed", "assign the series to this agent")) != refusals {
		t.Errorf("%d refusals, logged as:\n%s", refusals, strings.Join(lines, "\n"))
	}
	if !strings.Contains(logs, fmt.Sprintf("refused_records=%d", refused)) || strings.Contains(logs, "delivery failed") {
		t.Errorf("want refused_records=%d and no failed delivery:\n%s", refused, logs)
	}
	if st := spoolStats(t, spoolDir); st.Pending != 0 {
		t.Errorf("spool: %d batches unacknowledged", st.Pending)
	}
}

// A backlog with a refused series goes out in its bodies of 64 minutes
// without it: each body's refusal logs the series once, with the
// records dropped from that body.
func TestFailoverRefusedBacklog(t *testing.T) {
	sp := openTestSpool(t)
	all := appendMinutes(t, sp, 29_000_000, 150, "a", "b", "c")
	kept := slices.DeleteFunc(slices.Clone(all), func(r string) bool { return strings.Split(r, ",")[1] == "b" })
	srv := &ingestServer{t: t, token: "tok", refuse: map[string]bool{"b": true}}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	var logs syncBuffer
	o := startDelivery(t, sp, []string{hs.URL}, time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	waitDelivered(t, sp, "backlog")

	if got := serverRows(srv); !slices.Equal(got, sorted(kept)) {
		t.Errorf("stored %d rows, want the %d of a and c (of %d)", len(got), len(kept), len(all))
	}
	lines := logLines(logs.String(), `level=ERROR msg="series refused by the server`, "series=b")
	if len(lines) != 3 || !strings.Contains(lines[0], "records=64") || !strings.Contains(lines[2], "records=22") {
		t.Errorf("refusals logged as:\n%s", logs.String())
	}
	if o.srv.refused != 150 { // counted before the acknowledgement waitDelivered saw
		t.Errorf("%d records counted refused, want 150", o.srv.refused)
	}
}

// A refusal of every series of the body leaves nothing to send: the
// minutes are acknowledged in the spool, nothing is stored.
func TestFailoverRefusedAll(t *testing.T) {
	sp := openTestSpool(t)
	appendMinutes(t, sp, 29_000_000, 5, "a", "b")
	srv := &ingestServer{t: t, token: "tok", refuse: map[string]bool{"a": true, "b": true}}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	var logs syncBuffer
	startDelivery(t, sp, []string{hs.URL}, time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	waitDelivered(t, sp, "all refused")

	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.rows) != 0 || srv.refusals != 1 || srv.requests != 1 {
		t.Errorf("%d rows stored, %d refusals, %d requests; want 0, 1, 1", len(srv.rows), srv.refusals, srv.requests)
	}
	if n := len(logLines(logs.String(), `level=ERROR msg="series refused by the server`, "records=5")); n != 2 {
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
			for len(logLines(logs.String(), `level=ERROR msg="delivery failed, will retry"`, "403 Forbidden")) < 3 {
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

// TestFailoverFlags: --server may be repeated and take comma-separated
// lists, in any mix; the URLs keep their order, and a bad one is named.
func TestFailoverFlags(t *testing.T) {
	noSpool := writeFile(t, "agent.yaml", "targets:\n  - {series: a, tcp: {address: '127.0.0.1:1'}}\n")
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"one", []string{"--server", "https://a"}, []string{"https://a"}},
		{"repeated", []string{"--server", "https://a", "--server", "http://b:8080/prefix"}, []string{"https://a", "http://b:8080/prefix"}},
		{"list", []string{"--server", "https://a, https://b ,https://c"}, []string{"https://a", "https://b", "https://c"}},
		{"both", []string{"--server", "https://a,https://b", "--server=https://c"}, []string{"https://a", "https://b", "https://c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := &AgentCommand{IO: IO{Stdout: &stderr, Stderr: &stderr}}
			err := cmd.Run(context.Background(), append([]string{"--config", noSpool, "--token", "t"}, tc.args...))
			if err == nil || !strings.Contains(err.Error(), "--server needs a spool") { // parsed and checked
				t.Errorf("got %v, want the complaint of a missing spool", err)
			}
			if !slices.Equal(cmd.servers, tc.want) {
				t.Errorf("servers %q, want %q", cmd.servers, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad in list", []string{"--server", "https://a,ftp://b,https://c"}, `--server "ftp://b": want an http:// or https:// URL`},
		{"bad repeated", []string{"--server", "https://a", "--server", "https://u:pw@b/"}, `--server "https://u:xxxxx@b/": no credentials in the URL`},
		{"no host in list", []string{"--server", "https://a,http://:8080"}, `--server "http://:8080": no host`},
		{"empty in list", []string{"--server", "https://a,,https://b"}, `--server "https://a,,https://b": an empty URL in the list`},
		{"trailing comma", []string{"--server", "https://a,"}, `an empty URL in the list`},
		{"twice", []string{"--server", "https://a,https://b", "--server", "https://a/"}, `--server "https://a/": given twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, "", append([]string{"agent", "--config", noSpool, "--token", "t"}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, %q\nwant 2 and %q", code, stderr, tc.want)
			}
		})
	}
}
