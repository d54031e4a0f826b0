package main

import (
	"bytes"
	"context"
	"fmt"
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
	"github.com/slawatch/slawatch/internal/ingesttest"
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
		ingesttest.WriteError(w, http.StatusServiceUnavailable, slawatch.EINTERNAL, "store busy")
	}))
	defer bad.Close()
	srv := &ingesttest.Server{T: t, Token: "tok-123"}
	good := httptest.NewServer(srv)
	defer good.Close()

	want, logs, spoolDir := runFailoverAgent(t, "--server", closedURL+","+bad.URL, "--server", good.URL)

	got := srv.Rows()
	if len(want) < 4*3 || !slices.Equal(got, want) {
		t.Errorf("the server stored (%d rows):\n%s\n--out wrote (%d rows):\n%s",
			len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
	}
	mu.Lock()
	if busy != 1 {
		t.Errorf("the 503 server had %d requests, want 1: the agent stays with the server that works", busy)
	}
	mu.Unlock()
	moved := ingesttest.LogLines(logs, ingesttest.MovedMsg)
	if len(moved) != 2 || len(ingesttest.LogLines(moved[0], ingesttest.MovedMsg+closedURL, "next_server="+bad.URL, "retry_in=0s", "connection refused")) != 1 ||
		len(ingesttest.LogLines(moved[1], ingesttest.MovedMsg+bad.URL, "next_server="+good.URL, "retry_in=0s", "store busy")) != 1 {
		t.Errorf("failover logged as\n%s\nwant two moves: down -> 503 -> working\nlogs:\n%s", strings.Join(moved, "\n"), logs)
	}
	if st := ingesttest.SpoolStats(t, spoolDir); st.Pending != 0 {
		t.Errorf("spool: %d batches unacknowledged", st.Pending)
	}
}

// TestFailoverRefused runs the agent against a server that refuses one
// of its series (403 with refused_series): the other series' records
// all arrive, minute after minute, none of the refused one's, and each
// refusal logs the series at ERROR.
func TestFailoverRefused(t *testing.T) {
	srv := &ingesttest.Server{T: t, Token: "tok-123", Refuse: map[string]bool{"closed": true}}
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
	if got := srv.Rows(); len(want) < 4*2 || !slices.Equal(got, want) {
		t.Errorf("the server stored (%d rows):\n%s\nwant (%d rows):\n%s",
			len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
	}
	refusals := srv.Refusals()
	lines := ingesttest.LogLines(logs, `level=ERROR msg="series refused by the server`)
	if refusals == 0 || len(lines) != refusals || len(ingesttest.LogLines(logs, "series=closed", "assign the series to this agent")) != refusals {
		t.Errorf("%d refusals, logged as:\n%s", refusals, strings.Join(lines, "\n"))
	}
	if !strings.Contains(logs, fmt.Sprintf("refused_records=%d", refused)) || strings.Contains(logs, "delivery failed") {
		t.Errorf("want refused_records=%d and no failed delivery:\n%s", refused, logs)
	}
	if st := ingesttest.SpoolStats(t, spoolDir); st.Pending != 0 {
		t.Errorf("spool: %d batches unacknowledged", st.Pending)
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
