package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/agent"
	"github.com/slawatch/slawatch/ingest"
	"github.com/slawatch/slawatch/spool"
)

// ingestServer is a test server of the ingest protocol: it checks the
// token, decodes every body, fails the requests listed in fail (503, or
// a dropped connection) and keeps the rest's records as CSV rows, the
// format of --out. Like the real server it refuses a body holding a
// series of refuse whole, with 403 and refused_series; while down is
// set it drops every connection, like a server that died.
type ingestServer struct {
	t      *testing.T
	token  string
	fail   map[int]string  // request number (from 1) -> "503", "400", "drop"
	refuse map[string]bool // series this agent may not deliver
	down   atomic.Bool

	mu       sync.Mutex
	requests int
	refusals int // bodies refused with 403
	rows     []string
	bodies   [][]int64 // the minutes of each body stored
	sizes    []int     // and its bytes
}

func (s *ingestServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	body, err := io.ReadAll(r.Body)
	switch {
	case err != nil:
		s.t.Errorf("request %d: read: %v", s.requests, err)
		return
	case r.URL.Path != ingest.Path || r.Header.Get("Content-Type") != ingest.ContentType:
		s.t.Errorf("request %d: %s %s, %q", s.requests, r.Method, r.URL.Path, r.Header.Get("Content-Type"))
	case r.Header.Get("Authorization") != "Bearer "+s.token:
		s.t.Errorf("request %d: authorization %q", s.requests, r.Header.Get("Authorization"))
		writeError(w, http.StatusUnauthorized, "unauthorized", "bad token")
		return
	}
	mode := s.fail[s.requests]
	if s.down.Load() {
		mode = "drop"
	}
	switch mode {
	case "503":
		writeError(w, http.StatusServiceUnavailable, slawatch.EINTERNAL, "store busy")
		return
	case "400":
		writeError(w, http.StatusBadRequest, slawatch.EINVALID, "no such agent")
		return
	case "drop":
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
		return
	}
	var rows []string
	var minutes []int64
	var refused []string
	n := 0
	err = ingest.Decode(body, func(m int64, recs []slawatch.SeriesMinute) error {
		minutes = append(minutes, m)
		for _, r := range recs {
			rows = append(rows, csvRow(m, r))
			if s.refuse[r.Series] && !slices.Contains(refused, r.Series) {
				refused = append(refused, r.Series)
			}
		}
		n += len(recs)
		return nil
	})
	if err != nil {
		s.t.Errorf("request %d: %v", s.requests, err)
		writeError(w, http.StatusBadRequest, slawatch.ErrorCode(err), err.Error())
		return
	}
	if len(refused) > 0 {
		s.refusals++
		slices.Sort(refused)
		w.WriteHeader(http.StatusForbidden)
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ") // as the server does
		enc.Encode(map[string]any{"error": map[string]string{"code": "forbidden",
			"message": fmt.Sprintf("agent test may not deliver series %q: not assigned to it", refused)},
			"refused_series": refused})
		return
	}
	s.rows = append(s.rows, rows...)
	s.bodies, s.sizes = append(s.bodies, minutes), append(s.sizes, len(body))
	json.NewEncoder(w).Encode(ingest.Result{Minutes: len(minutes), Records: n})
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`, code, msg)
}

// csvRow is a record as --out writes it.
func csvRow(m int64, r slawatch.SeriesMinute) string {
	return fmt.Sprintf("%s,%s,%d,%d,%d,%d,%d,%d,%s,%s", slawatch.MinuteTime(m).Format(time.RFC3339), r.Series,
		r.M.Sent, r.M.Received, r.M.RTTSum, r.M.RTTSumSq, r.M.RTTMin, r.M.RTTMax,
		replySecond(r.M.FirstReply), replySecond(r.M.LastReply))
}

// replySecond writes a reply time as the minute-records CSV does: empty
// for none, otherwise the second.
func replySecond(v uint8) string {
	if v == 0 {
		return ""
	}
	return strconv.Itoa(int(v) - 1)
}

// TestAgentServer runs `slawatch agent --server` for six seconds on a
// clock 60 times faster than real time (six minutes), probing a TCP
// listener and a closed port, against a server that answers 503 to its
// first three requests and drops the connection on the fourth: every
// minute reaches the server once, record for record what --out wrote
// from the same spool, and the spool ends with nothing unacknowledged.
func TestAgentServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go acceptAndClose(ln)
	srv := &ingestServer{t: t, token: "tok-123", fail: map[int]string{1: "503", 2: "503", 3: "503", 4: "drop"}}
	hs := httptest.NewServer(srv)
	defer hs.Close()

	dir := t.TempDir()
	cfg := writeFile(t, "agent.yaml", "agent: test\ndefaults: {interval: 2s}\nspool: {dir: "+filepath.Join(dir, "spool")+"}\n"+
		"targets:\n  - {series: up-a, tcp: {address: \""+ln.Addr().String()+"\"}}\n"+
		"  - {series: up-b, tcp: {address: \""+ln.Addr().String()+"\"}}\n"+
		"  - {series: closed, tcp: {address: \"127.0.0.1:1\"}}\n")
	tokenFile := writeFile(t, "token", "tok-123\n")
	out := filepath.Join(dir, "samples.csv")
	var stdout, stderr bytes.Buffer
	cmd := &AgentCommand{IO: IO{Stdout: &stdout, Stderr: &stderr},
		clock: agent.NewScaledClock(time.Date(2026, 11, 2, 10, 0, 30, 0, time.UTC), 60)}
	err = cmd.Run(context.Background(), []string{"--config", cfg, "--out", out, "--server", hs.URL,
		"--token-file", tokenFile, "--duration", "6s"})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}

	want := outRows(t, out)
	srv.mu.Lock()
	got := slices.Clone(srv.rows)
	requests := srv.requests
	srv.mu.Unlock()
	slices.Sort(got)
	if len(want) < 4*3 || !slices.Equal(got, want) {
		t.Errorf("the server stored (%d rows):\n%s\n--out wrote (%d rows):\n%s",
			len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
	}
	t.Logf("%d rows, %d requests, bodies %v", len(got), requests, srv.bodies)
	if requests < 5 {
		t.Errorf("%d requests: the failures were not all met", requests)
	}
	logs := stderr.String()
	if strings.Count(logs, "delivery failed, will retry") != 4 || !strings.Contains(logs, "delivered after retries") {
		t.Errorf("failures not logged as expected:\n%s", logs)
	}
	if st := spoolStats(t, filepath.Join(dir, "spool")); st.Pending != 0 {
		t.Errorf("spool: %d batches unacknowledged", st.Pending)
	}
}

func acceptAndClose(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

// outRows returns the rows of a samples file, sorted.
func outRows(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(string(data)), "\n")[1:]
	slices.Sort(rows)
	return rows
}

func spoolStats(t *testing.T, dir string) spool.Stats {
	t.Helper()
	sp, err := spool.Open(dir, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	return sp.Stats()
}

// fillSpool appends n minutes of k series each and returns the rows.
func fillSpool(t *testing.T, sp *spool.Spool, n, k int) []string {
	t.Helper()
	var rows []string
	for i := range n {
		m := int64(29_000_000 + i)
		recs := make([]slawatch.SeriesMinute, k)
		for j := range recs {
			recs[j] = slawatch.SeriesMinute{Series: fmt.Sprintf("cust-%05d", j),
				M: slawatch.Minute{Sent: 60, Received: 59, RTTSum: uint64(59 * (1000 + i + j)), RTTSumSq: 1 << 40, RTTMin: 1000, RTTMax: uint32(2000 + i)}}
			rows = append(rows, csvRow(m, recs[j]))
		}
		if _, err := sp.Append(m, recs); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(rows)
	return rows
}

// deliverAll runs the spool's consumer with only a server output until
// the spool holds nothing unacknowledged, then stops it.
func deliverAll(t *testing.T, sp *spool.Spool, url string, log *slog.Logger) {
	t.Helper()
	o := &outputs{log: log, after: -1 << 62, evAt: -1 << 62, srv: newServerOut([]string{url}, "tok", log)}
	o.srv.retryMin, o.srv.retryMax = time.Millisecond, 20*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.deliver(ctx, sp) }()
	deadline := time.Now().Add(10 * time.Second)
	for sp.Stats().Pending > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("deliver: %v", err)
	}
}

// A backlog goes out in bodies of at most 64 minutes, in order, each
// minute once, and a refused body (400) is retried, logged as an error,
// until the server takes it.
func TestDeliverBacklog(t *testing.T) {
	sp, err := spool.Open(t.TempDir(), spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	want := fillSpool(t, sp, 150, 3)
	srv := &ingestServer{t: t, token: "tok", fail: map[int]string{1: "400", 2: "503"}}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	var logs syncBuffer
	deliverAll(t, sp, hs.URL, slog.New(slog.NewTextHandler(&logs, nil)))

	srv.mu.Lock()
	defer srv.mu.Unlock()
	slices.Sort(srv.rows)
	if !slices.Equal(srv.rows, want) {
		t.Errorf("stored %d rows, want %d", len(srv.rows), len(want))
	}
	var lens []int
	var all []int64
	for _, b := range srv.bodies {
		lens, all = append(lens, len(b)), append(all, b...)
	}
	if !slices.Equal(lens, []int{64, 64, 22}) || !slices.IsSorted(all) {
		t.Errorf("bodies of %v minutes, minutes sorted %v", lens, slices.IsSorted(all))
	}
	l := logs.String()
	if !strings.Contains(l, `level=ERROR msg="delivery failed, will retry"`) || !strings.Contains(l, "no such agent") ||
		!strings.Contains(l, `level=WARN msg="delivery failed, will retry"`) || !strings.Contains(l, "store busy") {
		t.Errorf("logs:\n%s", l)
	}
}

// Large minutes go out about a MiB at a time: a body stops at the first
// minute that takes it past ingest.BodyBytes.
func TestDeliverBodyBytes(t *testing.T) {
	sp, err := spool.Open(t.TempDir(), spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	want := fillSpool(t, sp, 6, 20_000) // about 300 KiB a minute
	srv := &ingestServer{t: t, token: "tok"}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	deliverAll(t, sp, hs.URL, slog.New(slog.DiscardHandler))

	srv.mu.Lock()
	defer srv.mu.Unlock()
	slices.Sort(srv.rows)
	if !slices.Equal(srv.rows, want) {
		t.Errorf("stored %d rows, want %d", len(srv.rows), len(want))
	}
	t.Logf("bodies of %v bytes", srv.sizes)
	minute := srv.sizes[len(srv.sizes)-1] / len(srv.bodies[len(srv.bodies)-1])
	for i, size := range srv.sizes {
		if size > ingest.BodyBytes+minute+minute/10 || (i < len(srv.sizes)-1 && size < ingest.BodyBytes) {
			t.Errorf("body %d: %d bytes, %d minutes of about %d bytes", i, size, len(srv.bodies[i]), minute)
		}
	}
}

// Stopped while the server fails, delivery returns at once and leaves
// every minute in the spool for the next run.
func TestDeliverStopKeepsSpool(t *testing.T) {
	dir := t.TempDir()
	sp, err := spool.Open(dir, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	fillSpool(t, sp, 5, 2)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusServiceUnavailable, slawatch.EINTERNAL, "down")
	}))
	defer hs.Close()
	o := &outputs{log: slog.New(slog.DiscardHandler), srv: newServerOut([]string{hs.URL}, "tok", slog.New(slog.DiscardHandler))}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := o.deliver(ctx, sp); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deliver: %v", err)
	}
	sp.Close()
	if st := spoolStats(t, dir); st.Pending != 5 {
		t.Errorf("%d batches pending after the stop, want 5", st.Pending)
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutines and the
// test's.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestAgentServerUsage(t *testing.T) {
	noSpool := writeFile(t, "agent.yaml", "targets:\n  - {series: a, tcp: {address: '127.0.0.1:1'}}\n")
	tokenFile := writeFile(t, "token", "t0k\n")
	for _, tc := range []struct {
		name string
		env  string
		args []string
		want string
	}{
		{"scheme", "", []string{"--server", "ftp://h", "--token", "t"}, `--server "ftp://h": want an http:// or https:// URL`},
		{"no scheme", "", []string{"--server", "server.example:8080", "--token", "t"}, `want an http:// or https:// URL`},
		{"no host", "", []string{"--server", "http://:8080/", "--token", "t"}, `--server "http://:8080/": no host`},
		{"query", "", []string{"--server", "https://h/?a=b", "--token", "t"}, `no query or fragment`},
		{"credentials", "", []string{"--server", "https://u:pw@h/", "--token", "t"}, `--server "https://u:xxxxx@h/": no credentials in the URL`},
		{"both tokens", "", []string{"--server", "https://h", "--token", "t", "--token-file", tokenFile}, "--token and --token-file: give one"},
		{"no token", "", []string{"--server", "https://h"}, "--server needs a token: --token-file FILE, $SLAWATCH_TOKEN or --token"},
		{"token space", "", []string{"--server", "https://h", "--token", "a b"}, "the server's token holds a space or control character at byte 1"},
		{"token alone", "", []string{"--token-file", tokenFile}, "--token and --token-file need --server"},
		{"no spool, env token", "t0k", []string{"--server", "https://h"}, "--server needs a spool: set spool.dir in " + noSpool},
		{"no spool, token file", "", []string{"--server", "https://h", "--token-file", tokenFile}, "--server needs a spool"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SLAWATCH_TOKEN", tc.env)
			code, _, stderr := run(t, "", append([]string{"agent", "--config", noSpool}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, %q\nwant 2 and %q", code, stderr, tc.want)
			}
		})
	}
	missing := filepath.Join(t.TempDir(), "nope")
	if code, _, stderr := run(t, "", "agent", "--config", noSpool, "--server", "https://h", "--token-file", missing); code != 1 || !strings.Contains(stderr, "--token-file: open "+missing) {
		t.Errorf("missing token file: exit %d, %q", code, stderr)
	}
}
