package main

import (
	"bytes"
	"context"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/agent"
	"github.com/slawatch/slawatch/internal/ingesttest"
)

// csvRow is a record as --out writes it.
func csvRow(m int64, r slawatch.SeriesMinute) string { return ingesttest.Row(m, r) }

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
	srv := &ingesttest.Server{T: t, Token: "tok-123", Fail: map[int]string{1: "503", 2: "503", 3: "503", 4: "drop"}}
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
	got, requests := srv.Rows(), srv.Requests()
	bodies, _ := srv.Bodies()
	if len(want) < 4*3 || !slices.Equal(got, want) {
		t.Errorf("the server stored (%d rows):\n%s\n--out wrote (%d rows):\n%s",
			len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
	}
	t.Logf("%d rows, %d requests, bodies %v", len(got), requests, bodies)
	if requests < 5 {
		t.Errorf("%d requests: the failures were not all met", requests)
	}
	logs := stderr.String()
	if strings.Count(logs, "delivery failed, will retry") != 4 || !strings.Contains(logs, "delivered after retries") {
		t.Errorf("failures not logged as expected:\n%s", logs)
	}
	if st := ingesttest.SpoolStats(t, filepath.Join(dir, "spool")); st.Pending != 0 {
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
