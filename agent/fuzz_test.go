package agent

import (
	"errors"
	"strings"
	"testing"
)

// FuzzConfig: any agent.yaml is accepted or refused with an error; never
// a panic, and an accepted one has every target's schedule in bounds.
func FuzzConfig(f *testing.F) {
	f.Add("targets:\n  - {series: a, icmp: {host: 127.0.0.1}}\n")
	f.Add("defaults: {interval: 30s, timeout: 2s, payload_bytes: 56}\ntargets:\n  - {series: a, interval: 1s, icmp: {host: h}}\n  - {series: b, tcp: {address: 'h:22'}}\n")
	f.Add("targets:\n  - {series: w, http: {url: 'https://example.com/', status: [200], body_contains: ok}}\n  - {series: d, dns: {server: '127.0.0.1', name: example.com, type: AAAA}}\n")
	f.Add("icmp_socket: datagram\nspool: {dir: /tmp/x, max_bytes: 10, when_full: drop-newest}\ntargets: [{series: a, icmp: {host: h}}]\n")
	f.Add("targets:\n  - {series: a, interval: 1ms, icmp: {host: h}}\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := ParseConfig(strings.NewReader(text), "agent.yaml")
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.File != "agent.yaml" {
				t.Fatalf("error %v is not a ConfigError naming the file", err)
			}
			return
		}
		for _, tg := range c.Targets {
			iv, to := tg.Interval.Duration, tg.Timeout.Duration
			if iv < MinInterval || iv > MaxInterval || to <= 0 || to > iv || to > MaxTimeout {
				t.Fatalf("target %q accepted with interval %v timeout %v", tg.Series, iv, to)
			}
		}
	})
}

// FuzzTargetsCSV: any targets file is read or refused with an error
// naming the file; never a panic.
func FuzzTargetsCSV(f *testing.F) {
	f.Add("series,kind,target,interval,timeout\nr1,icmp,192.0.2.1,30s,\nr2,tcp,192.0.2.2:22,,\n")
	f.Add("series,kind,target,interval,timeout\n\"a,b\",icmp,::1,1s,500ms\n")
	f.Add("series,kind,target\n")
	f.Fuzz(func(t *testing.T, text string) {
		ts, err := ParseTargetsCSV(strings.NewReader(text), "t.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "t.csv") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		for _, tg := range ts {
			if (tg.ICMP == nil) == (tg.TCP == nil) {
				t.Fatalf("target %+v has not exactly one kind", tg)
			}
		}
	})
}
