package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/internal/demo"
)

// runDemo runs `slawatch demo ARGS` until it is ready, checks that it
// answers with its operator token, then stops it as Ctrl-C would.
func runDemo(t *testing.T, args ...string) (demo.Info, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr bytes.Buffer
	ready := make(chan demo.Info, 1)
	cmd := &DemoCommand{IO: IO{Stdout: &stdout, Stderr: &stderr}, ready: func(i demo.Info) { ready <- i }}
	done := make(chan error, 1)
	go func() { done <- cmd.Run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...)) }()
	var info demo.Info
	select {
	case info = <-ready:
	case err := <-done:
		t.Fatalf("demo stopped: %v\n%s", err, stderr.String())
	case <-time.After(240 * time.Second): // a bound for a hung demo (its month of history takes a while on a loaded machine), not a timing requirement
		t.Fatal("demo not ready after 240 s")
	}
	req, _ := http.NewRequest("GET", info.URL+"/api/customers", nil)
	req.Header.Set("Authorization", "Bearer "+info.OperatorToken)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET /api/customers with the operator token: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	return info, stdout.String()
}

// TestDemoCommand: the demo prints its URL and tokens; with --dir it
// keeps the data, and a second run goes on with it (no second back-fill,
// the same tokens). That Ctrl-C removes a temporary directory is
// package demo's TestDemoEndToEnd.
func TestDemoCommand(t *testing.T) {
	if testing.Short() || !long() {
		t.Skip("two runs of the demo, a month of back-fill each: SLAWATCH_LONG=1 runs it")
	}
	dir := filepath.Join(t.TempDir(), "kept")
	first, out := runDemo(t, "--dir", dir)
	for _, want := range []string{first.URL, first.OperatorToken, first.CustomerToken, "/demo/mail", dir + " (kept)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	second, _ := runDemo(t, "--dir", dir)
	if first.Records == 0 || second.Records != 0 || second.OperatorToken != first.OperatorToken || second.CustomerToken != first.CustomerToken {
		t.Errorf("second run on --dir: %d records back-filled (first %d), same tokens: %v", second.Records, first.Records,
			second.OperatorToken == first.OperatorToken && second.CustomerToken == first.CustomerToken)
	}
	for _, f := range []string{"kaisha.yaml", "globex.yaml", "operator.token", "slawatch.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("--dir: %v", err)
		}
	}
}

func TestDemoUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--outage-every", "5m", "--outage-for", "5m"}, "outage-for 5m0s: want less than outage-every 5m0s"},
		{[]string{"--outage-for", "-1s"}, "want positive durations"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--log-level", "loud"}, "--log-level"},
	} {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), append([]string{"demo"}, c.args...), nil, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("demo %v: exit %d, %q; want 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}
