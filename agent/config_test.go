package agent

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConfigErrors checks that every mistake in agent.yaml is reported
// with the file, the line, the target and the field.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown field", "targets:\n  - {series: a, icmp: {host: 127.0.0.1}, colour: red}\n",
			`agent.yaml:2: unknown key "colour"; allowed here: dns, http, icmp, interval, series, tcp, timeout`},
		{"duplicate series", "targets:\n  - {series: a, icmp: {host: 127.0.0.1}}\n  - {series: a, icmp: {host: 127.0.0.2}}\n",
			`agent.yaml:3: target "a": series: duplicate series name (first at agent.yaml:2)`},
		{"no kind", "targets:\n  - {series: a}\n",
			`agent.yaml:2: target "a": kind: give exactly one of icmp, tcp, http, dns`},
		{"two kinds", "targets:\n  - {series: a, icmp: {host: h}, tcp: {address: 'h:1'}}\n",
			`agent.yaml:2: target "a": kind: give exactly one of icmp, tcp, http, dns`},
		{"interval too short", "targets:\n  - {series: a, interval: 10ms, icmp: {host: h}}\n",
			`agent.yaml:2: target "a": interval: interval 10ms is below 12ms: a minute record holds at most 5000 probes`},
		{"interval too long", "targets:\n  - {series: a, interval: 2m, icmp: {host: h}}\n",
			`agent.yaml:2: target "a": interval: interval 2m0s is above 1m0s: minutes without a probe would be unknown`},
		{"timeout over interval", "targets:\n  - {series: a, interval: 1s, timeout: 2s, icmp: {host: h}}\n",
			`agent.yaml:2: target "a": interval: timeout 2s is longer than the interval 1s`},
		{"bad duration", "targets:\n  - {series: a, interval: soon, icmp: {host: h}}\n",
			"agent.yaml:2: \"soon\" is not a duration such as \"1s\" or \"250ms\""},
		{"missing host", "targets:\n  - {series: a, icmp: {}}\n",
			`agent.yaml:2: target "a": icmp.host: missing`},
		{"payload", "targets:\n  - {series: a, icmp: {host: h, payload_bytes: 4}}\n",
			`agent.yaml:2: target "a": icmp.payload_bytes: 4 is outside 12..1400`},
		{"no series", "targets:\n  - {icmp: {host: h}}\n",
			`agent.yaml:2: series: missing`},
		{"no targets", "agent: x\n", "agent.yaml:1: targets: no target to probe"},
		{"icmp socket", "icmp_socket: magic\ntargets:\n  - {series: a, icmp: {host: h}}\n",
			`agent.yaml:1: icmp_socket: "magic" is not raw or datagram (leave it out to try raw, then datagram)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig(strings.NewReader(tc.yaml), "agent.yaml")
			if err == nil {
				err = c.Validate()
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("error\n got %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c := mustConfig(t, `
defaults: {interval: 30s}
targets:
  - {series: a, icmp: {host: h}}
  - {series: b, interval: 500ms, icmp: {host: h, payload_bytes: 56}}
  - {series: c, interval: 60s, timeout: 5s, tcp: {address: "h:443"}}
`)
	for i, want := range []struct {
		iv, to  time.Duration
		payload int
	}{{30 * time.Second, time.Second, 64}, {500 * time.Millisecond, 500 * time.Millisecond, 56}, {time.Minute, 5 * time.Second, 0}} {
		tg := c.Targets[i]
		payload := 0
		if tg.ICMP != nil {
			payload = tg.ICMP.PayloadBytes
		}
		if tg.Interval.Duration != want.iv || tg.Timeout.Duration != want.to || payload != want.payload {
			t.Errorf("target %s: interval %v timeout %v payload %d, want %v %v %d", tg.Series, tg.Interval, tg.Timeout, payload, want.iv, want.to, want.payload)
		}
	}
}

func TestTargetsCSV(t *testing.T) {
	ts, err := ParseTargetsCSV(strings.NewReader("series,kind,target,interval,timeout\nr1,icmp,192.0.2.1,30s,\nr2,tcp,192.0.2.2:22,,\n"), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].ICMP.Host != "192.0.2.1" || ts[0].Interval.Duration != 30*time.Second || ts[1].TCP.Address != "192.0.2.2:22" || ts[1].Line != 3 {
		t.Errorf("targets %+v", ts)
	}
	for _, tc := range []struct{ csv, want string }{
		{"series,kind,target\n", "t.csv:1: column 1: wrong number of fields"},
		{"series,kind,host,interval,timeout\n", `t.csv:1: header: want "series,kind,target,interval,timeout"`},
		{"series,kind,target,interval,timeout\nr1,smoke,x,,\n", `t.csv:2: target "r1": kind: "smoke" is not icmp or tcp`},
		{"series,kind,target,interval,timeout\nr1,icmp,x,often,\n", `t.csv:2: target "r1": interval: "often" is not a duration such as "1s" or "250ms"`},
		{"", "t.csv:1: header: empty file"},
	} {
		if _, err := ParseTargetsCSV(strings.NewReader(tc.csv), "t.csv"); err == nil || err.Error() != tc.want {
			t.Errorf("%q: error\n got %v\nwant %s", tc.csv, err, tc.want)
		}
	}
}

// TestStartErrors: what can only be found at start-up names the target.
func TestStartErrors(t *testing.T) {
	c := mustConfig(t, "targets:\n  - {series: ok, icmp: {host: 127.0.0.1}}\n  - {series: nowhere, icmp: {host: no-such-host.invalid}}\n")
	_, err := New(context.Background(), c, Options{})
	want := `agent.yaml:3: target "nowhere": icmp: host: resolve no-such-host.invalid: `
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error\n got %v\nwant %s...", err, want)
	}
	// Datagram ICMP sockets are refused to root while ping_group_range
	// is "1 0", the kernel's default.
	c = mustConfig(t, "icmp_socket: datagram\ntargets:\n  - {series: ping, icmp: {host: 127.0.0.1}}\n")
	a, err := New(context.Background(), c, Options{})
	if err == nil {
		a.Close()
		t.Skip("datagram ICMP sockets are allowed here")
	}
	if want := `agent.yaml:3: target "ping": icmp: no permission for ICMP`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error\n got %v\nwant %s...", err, want)
	}
}

// The shipped example is a valid configuration.
func TestExampleConfig(t *testing.T) {
	c, err := LoadConfig("../examples/agent.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Targets) != 4 || c.Targets[2].Interval.Duration != 30*time.Second || c.Spool.WhenFull != "drop-oldest" || c.Spool.Dir != "/tmp/slawatch-example-spool" {
		t.Errorf("examples/agent.yaml read as %+v", c)
	}
}

// Relative paths in agent.yaml are relative to its directory.
func TestConfigRelativePaths(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "t.csv"), []byte("series,kind,target,interval,timeout\nr1,icmp,192.0.2.1,,\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "agent.yaml"), []byte("spool: {dir: sp}\ntargets_csv: [t.csv]\n"), 0o644)
	c, err := LoadConfig(filepath.Join(dir, "agent.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Spool.Dir != filepath.Join(dir, "sp") || len(c.Targets) != 1 {
		t.Errorf("spool dir %q, %d targets; want %q and 1", c.Spool.Dir, len(c.Targets), filepath.Join(dir, "sp"))
	}
}

// TestProbesPerSecond: one over each target's interval, defaults applied.
func TestProbesPerSecond(t *testing.T) {
	cfg := mustConfig(t, "defaults: {interval: 500ms}\ntargets:\n"+
		"  - {series: a, icmp: {host: 127.0.0.1}}\n"+
		"  - {series: b, interval: 30s, icmp: {host: 127.0.0.1}}\n"+
		"  - {series: c, interval: 1m, tcp: {address: '127.0.0.1:1'}}\n")
	// 1/0.5 + 1/30 + 1/60 = 2 + 0.0333… + 0.0166… = 2.05
	if got := cfg.ProbesPerSecond(); math.Abs(got-2.05) > 1e-9 {
		t.Errorf("ProbesPerSecond = %v, want 2.05", got)
	}
}
