package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slawatch/slawatch/probe"
)

// TestAgentOut runs `slawatch agent` for three seconds against two
// loopback addresses and a closed TCP port, through the spool into a
// samples file, then evaluates that file: the probing agent's output is
// what evaluate reads. The closed port fails every probe without
// stopping the others.
func TestAgentOut(t *testing.T) {
	if p, err := probe.ListenPinger(false, ""); err != nil {
		t.Skipf("no ICMP here: %v", err)
	} else {
		p.Close()
	}
	dir := t.TempDir()
	cfg := writeFile(t, "agent.yaml", `
agent: test
defaults: {interval: 250ms}
spool: {dir: `+filepath.Join(dir, "spool")+`}
targets:
  - {series: p1, icmp: {host: 127.0.0.1}}
  - {series: p2, icmp: {host: "::1"}}
  - {series: closed, tcp: {address: "127.0.0.1:1"}}
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
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		f := strings.Split(line, ",")
		rows[f[1]] = append(rows[f[1]], line)
		sent, received := f[2], f[3]
		switch {
		case f[1] == "closed" && received != "0":
			t.Errorf("closed port answered: %s", line)
		case f[1] != "closed" && sent != received:
			t.Errorf("loopback lost probes: %s", line)
		}
	}
	if len(rows["p1"]) == 0 || len(rows["p2"]) == 0 || len(rows["closed"]) == 0 {
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
      - id: web
        template: aryaka/privatecore-uptime
        inputs: {path: closed}
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
		{"unresolvable", "targets:\n  - {series: far, icmp: {host: nowhere.invalid}}\n", `target "far": icmp: cannot resolve "nowhere.invalid"`, 1},
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
}
