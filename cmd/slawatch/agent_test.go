package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/agent"
	"github.com/slawatch/slawatch/probe"
	"github.com/slawatch/slawatch/sample"
	"github.com/slawatch/slawatch/spool"
)

// TestAgentOut runs `slawatch agent` for three seconds against two
// loopback addresses and a closed TCP port, through the spool into a
// samples file, then evaluates that file: the probing agent's output is
// what evaluate reads. The closed port fails every probe without
// stopping the others; an HTTP server that answers 200 "ok" passes every
// probe.
func TestAgentOut(t *testing.T) {
	if p, err := probe.ListenPinger(false, ""); err != nil {
		t.Skipf("no ICMP here: %v", err)
	} else {
		p.Close()
	}
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	defer web.Close()
	dir := t.TempDir()
	cfg := writeFile(t, "agent.yaml", `
agent: test
defaults: {interval: 250ms}
spool: {dir: `+filepath.Join(dir, "spool")+`}
targets:
  - {series: p1, icmp: {host: 127.0.0.1}}
  - {series: p2, icmp: {host: "::1"}}
  - {series: closed, tcp: {address: "127.0.0.1:1"}}
  - {series: web, http: {url: "`+web.URL+`", status: [200], body_contains: ok}}
`)
	out := filepath.Join(dir, "samples.csv")
	code, _, stderr := run(t, "", "agent", "--config", cfg, "--out", out, "--duration", "3s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	sent, received := map[string]int{}, map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		f := strings.Split(line, ",")
		rows[f[1]] = append(rows[f[1]], line)
		s, _ := strconv.Atoi(f[2])
		r, _ := strconv.Atoi(f[3])
		sent[f[1]] += s
		received[f[1]] += r
		if f[1] == "closed" && r != 0 {
			t.Errorf("closed port answered: %s", line)
		}
	}
	// Real packets on a loaded machine: a loopback reply may come after
	// the probe's timeout. What the agent must do is measure: most of the
	// loopback probes answered, none of the closed port's.
	for _, s := range []string{"p1", "p2", "web"} {
		if received[s] == 0 || 2*received[s] < sent[s] {
			t.Errorf("%s: %d of %d probes answered on loopback, want at least half", s, received[s], sent[s])
		}
	}
	if len(rows["p1"]) == 0 || len(rows["p2"]) == 0 || len(rows["closed"]) == 0 || len(rows["web"]) == 0 {
		t.Fatalf("rows %v, want every series", rows)
	}
	if !strings.Contains(stderr, `series=closed`) || !strings.Contains(stderr, "connection refused") {
		t.Errorf("the failing target is not logged:\n%s", stderr)
	}
	// evaluate reads the agent's file (the month is whatever today is;
	// the table must name the series' level and no parse error).
	month := strings.Split(rows["p1"][0], ",")[0][:7]
	ct := writeFile(t, "c.yaml", contractYAML+`
      - id: link6
        template: aryaka/privatecore-uptime
        inputs: {path: p2}
        params: {remote_sites: 1}
        fees: {mrc: "1000.00"}
      - id: closed
        template: aryaka/privatecore-uptime
        inputs: {path: closed}
        params: {remote_sites: 1}
        fees: {mrc: "1000.00"}
      - id: web
        template: aryaka/privatecore-uptime
        inputs: {path: web}
        params: {remote_sites: 1}
        fees: {mrc: "1000.00"}
`)
	code, stdout, stderr := run(t, "", "evaluate", "--contract", ct, "--samples", out, "--month", month)
	if code != 0 || !strings.Contains(stdout, "aryaka/privatecore-uptime") {
		t.Errorf("evaluate: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestAgentBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
		code             int
	}{
		{"unresolvable", "targets:\n  - {series: far, icmp: {host: nowhere.invalid}}\n", `target "far": icmp: host: resolve nowhere.invalid: `, 1},
		{"duplicate", "targets:\n  - {series: a, tcp: {address: '127.0.0.1:1'}}\n  - {series: a, tcp: {address: '127.0.0.1:2'}}\n", `:3: target "a": series: duplicate series name`, 1},
		{"interval", "targets:\n  - {series: a, interval: 1ms, tcp: {address: '127.0.0.1:1'}}\n", `target "a": interval: interval 1ms is below 12ms`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := writeFile(t, "agent.yaml", tc.yaml)
			code, _, stderr := run(t, "", "agent", "--config", cfg, "--duration", "1s")
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
	if code, _, stderr := run(t, "", "agent"); code != 2 || !strings.Contains(stderr, "--config is required") {
		t.Errorf("no config: exit %d, %q", code, stderr)
	}
	if code, _, stderr := run(t, "", "agent", "--config", "agent.yaml", "--procs", "-1"); code != 2 || !strings.Contains(stderr, "--procs -1: want 0") {
		t.Errorf("--procs -1: exit %d, %q", code, stderr)
	}
}

// TestAgentProcs: --procs wins; $GOMAXPROCS, when set, is left to the
// runtime; otherwise an agent of fewer than 20,000 probes a second runs
// on one CPU and a larger one on all.
func TestAgentProcs(t *testing.T) {
	for _, tc := range []struct {
		procs int
		env   string
		rate  float64
		want  int
	}{
		{0, "", 100, 1},
		{0, "", 10_000, 1},
		{0, "", 19_999.9, 1},
		{0, "", 20_000, 0},
		{0, "", 100_000, 0},
		{0, "4", 100, 0},
		{3, "4", 100, 3},
		{2, "", 100_000, 2},
	} {
		if got := agentProcs(tc.procs, tc.env, tc.rate); got != tc.want {
			t.Errorf("agentProcs(%d, %q, %v) = %d, want %d", tc.procs, tc.env, tc.rate, got, tc.want)
		}
	}
}

// TestAgentSpoolAcrossRestarts: a first run with no consumer leaves its
// minutes in the spool; a second run, with --out, delivers them first
// and then its own, and never writes a minute twice (both runs may fall
// in the same minute).
func TestAgentSpoolAcrossRestarts(t *testing.T) {
	if p, err := probe.ListenPinger(false, ""); err != nil {
		t.Skipf("no ICMP here: %v", err)
	} else {
		p.Close()
	}
	dir := t.TempDir()
	cfg := writeFile(t, "agent.yaml", "defaults: {interval: 100ms}\nspool: {dir: "+filepath.Join(dir, "spool")+"}\n"+
		"targets:\n  - {series: p1, icmp: {host: 127.0.0.1}}\n")
	if code, _, stderr := run(t, "", "agent", "--config", cfg, "--duration", "1500ms"); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	spooled := spooledSent(t, filepath.Join(dir, "spool"))
	out := filepath.Join(dir, "samples.csv")
	if code, _, stderr := run(t, "", "agent", "--config", cfg, "--out", out, "--duration", "1500ms"); code != 0 {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	written := map[string]string{}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		written[f[0]] = f[2]
	}
	for m, sent := range spooled { // the first run's minutes, as it spooled them
		if written[m] != sent {
			t.Errorf("minute %s: the first run spooled %s probes, the file says %q", m, sent, written[m])
		}
	}
	first := strings.Split(lines[1], ",")
	seen := map[string]bool{}
	for _, l := range lines[1:] {
		m := strings.Split(l, ",")[0]
		if seen[m] {
			t.Errorf("minute %s written twice:\n%s", m, data)
		}
		seen[m] = true
	}
	// and evaluate reads it
	code, _, stderr := run(t, "", "evaluate", "--contract", writeFile(t, "c.yaml", contractYAML), "--samples", out, "--month", first[0][:7])
	if code != 0 {
		t.Errorf("evaluate: exit %d: %s", code, stderr)
	}
}

// spooledSent reads what the spool holds, without acknowledging it:
// minute (RFC 3339) -> probes sent by p1.
func spooledSent(t *testing.T, dir string) map[string]string {
	t.Helper()
	sp, err := spool.Open(dir, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	got := map[string]string{}
	for sp.Stats().Pending > len(got) {
		b, err := sp.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got[time.Unix(b.Minute*60, 0).UTC().Format(time.RFC3339)] = strconv.Itoa(int(b.Entries[0].M.Sent))
	}
	if len(got) == 0 {
		t.Fatal("the first run spooled nothing")
	}
	return got
}

// TestAgentContract judges the agent's minutes in process (--contract,
// the current month by default) and prints the report on exit.
func TestAgentContract(t *testing.T) {
	if p, err := probe.ListenPinger(false, ""); err != nil {
		t.Skipf("no ICMP here: %v", err)
	} else {
		p.Close()
	}
	cfg := writeFile(t, "agent.yaml", "defaults: {interval: 100ms}\ntargets:\n  - {series: p1, icmp: {host: 127.0.0.1}}\n  - {series: unbound, icmp: {host: 127.0.0.2}}\n")
	ct := writeFile(t, "c.yaml", contractYAML)
	code, stdout, stderr := run(t, "", "agent", "--config", cfg, "--contract", ct, "--duration", "1500ms")
	if code != 0 || !strings.Contains(stdout, "aryaka/privatecore-uptime") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, `level=WARN msg="series not bound by --contract: measured and delivered, not judged in process" contract=`+ct+` series=1 names=unbound`) {
		t.Errorf("the unbound series is not named:\n%s", stderr)
	}
}

// TestExampleAgentContract: examples/loopback.yaml binds every series
// examples/agent.yaml measures, so the example agent's file evaluates
// with a shipped contract (it failed on "closed-port").
func TestExampleAgentContract(t *testing.T) {
	cfg, err := agent.LoadConfig("../../examples/agent.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	w := sample.NewMinuteWriter(&csv)
	m := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC).Unix() / 60
	for _, tg := range cfg.Targets {
		if err := w.WriteMinute(m, tg.Series, slawatch.Minute{Sent: 2, Received: 1, RTTSum: 50, RTTSumSq: 2500, RTTMin: 50, RTTMax: 50, FirstReply: 1, LastReply: 1}); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	samples := writeFile(t, "samples.csv", csv.String())
	code, stdout, stderr := run(t, "", "evaluate", "--contract", "../../examples/loopback.yaml", "--samples", samples, "--month", "2026-12")
	if code != 0 || stderr != "" || !strings.Contains(stdout, fmt.Sprintf("samples: %d rows, %d in the month", len(cfg.Targets), len(cfg.Targets))) {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
}
