package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slawatch/slawatch/report"
)

// run drives the real Main and returns its exit code and output.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

const contractYAML = `timezone: UTC
currency: USD
customers:
  - id: acme
    services:
      - id: link
        template: aryaka/privatecore-uptime
        inputs: {path: p1}
        params: {remote_sites: 1}
        fees: {mrc: "1000.00"}
`

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The shipped examples evaluate, and their headline numbers are the ones
// the incidents in examples/gen/examples.go were built to produce.
func TestExamplesJSON(t *testing.T) {
	if !long() {
		t.Skip("a month of Aryaka through the command: SLAWATCH_LONG=1 runs it (report's TestGoldenRenderings checks the month's JSON byte for byte)")
	}
	code, out, errs := run(t, "", "evaluate", "--contract", "../../examples/aryaka.yaml",
		"--samples", "../../examples/aryaka-2026-10.csv.gz", "--month", "2026-10", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r report.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	up := r.Customers[0].Services[0].Levels[0]
	// 61 silent minutes + 20 under a late-announced window = 81 down; 60 excluded.
	// availability (44640-60-81)/(44640-60) = 44499/44580 = 99.818304%;
	// 60 < 81 <= 120 -> 10% of link fee 600000/2 = 30000 JPY.
	if *up.DownMinutes != 81 || up.ExcludedMinutes != 60 || up.Availability != "99.818304" || up.Credit != "30000" {
		t.Errorf("privatecore-uptime: %+v", up)
	}
	// Breakout: all 3 locations lose > 5% for 8 minutes: 5 < 8 <= 60 -> 5% of 90000 = 4500.
	if b := r.Customers[0].Services[2].Levels[0]; *b.DownMinutes != 8 || b.Credit != "4500" {
		t.Errorf("internet-breakout: %+v", b)
	}
}

func TestExamplesTableIIJ(t *testing.T) {
	code, out, errs := run(t, "", "evaluate", "--contract", "../../examples/iij.yaml",
		"--samples", "../../examples/iij-2026-10.csv.gz", "--month", "2026-10")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// The breaches come first; 7 silent minutes: 0 < 7 <= 60 -> 5% of 180000 = 9000.
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[4], "MISSED  kaisha    internet-tokyo  iij/internet-availability  7") {
		t.Errorf("first row: %q", lines[4])
	}
	if !strings.Contains(out, "customer kaisha: 5 levels, 1 met, 2 missed, 2 undetermined; credit 9000 JPY") {
		t.Errorf("total missing:\n%s", out)
	}
}

// Samples from stdin and from a .csv.gz file give the same report.
func TestStdinAndGzip(t *testing.T) {
	csv := "time,series,rtt_ms\n2026-10-01T00:00:00Z,p1,12.5\n2026-10-01T00:00:30Z,p1,\n"
	c := writeFile(t, "c.yaml", contractYAML)
	code1, out1, e1 := run(t, csv, "evaluate", "--contract", c, "--samples", "-", "--month", "2026-10", "--format", "json")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(csv))
	zw.Close()
	g := writeFile(t, "s.csv.gz", gz.String())
	code2, out2, e2 := run(t, "", "evaluate", "--contract", c, "--samples", g, "--month", "2026-10", "--format", "json")
	if code1 != 0 || code2 != 0 {
		t.Fatalf("exit %d %d: %s %s", code1, code2, e1, e2)
	}
	if out1 != out2 {
		t.Errorf("stdin and gzip differ")
	}
	// 1 of 2 lost = exactly 50%: not down. 44,639 other minutes unknown.
	if !strings.Contains(out1, `"down_minutes": 0`) || !strings.Contains(out1, `"unknown_minutes": 44639`) {
		t.Errorf("report:\n%s", out1)
	}
}

// Bad input: a clear error naming file, line and field, and exit 1 (2 for
// a wrong command line).
func TestBadInput(t *testing.T) {
	c := writeFile(t, "c.yaml", contractYAML)
	head := "time,series,rtt_ms\n"
	tests := []struct {
		name, samples string
		args          []string
		code          int
		want          string
	}{
		{"unknown series", head + "2026-10-01T00:00:00Z,p9,1\n", nil, 1, `s.csv:2: field series: unknown series "p9"`},
		{"malformed row", head + "2026-10-01T00:00:00Z,p1\n", nil, 1, "s.csv:2:"},
		{"bad rtt", head + "2026-10-01T00:00:00Z,p1,1,5\n", nil, 1, "s.csv:2:"},
		{"bad time", head + "2026-10-01 00:00:00,p1,1\n", nil, 1, "s.csv:2: field time:"},
		{"unsorted", head + "2026-10-01T00:05:00Z,p1,1\n2026-10-01T00:01:00Z,p1,1\n", nil, 1, "s.csv:3: field time:"},
		{"all outside the month", head + "2026-09-01T00:00:00Z,p1,1\n", nil, 1, "no sample falls in 2026-10"},
		{"bad month", head, []string{"--month", "2026-13"}, 2, `month "2026-13": want YYYY-MM`},
		{"no contract", head, []string{"--contract", "/nonexistent.yaml"}, 1, "/nonexistent.yaml"},
		{"bad format", head, []string{"--format", "xml"}, 2, `--format "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := filepath.Join(t.TempDir(), "s.csv")
			os.WriteFile(s, []byte(tt.samples), 0o644)
			args := append([]string{"evaluate", "--contract", c, "--samples", s, "--month", "2026-10"}, tt.args...)
			code, _, errs := run(t, "", args...)
			if code != tt.code || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q\nwant exit %d and %q", code, errs, tt.code, tt.want)
			}
		})
	}
}

// Rows outside the month are counted and reported, never dropped silently.
func TestRowsOutsideMonthReported(t *testing.T) {
	c := writeFile(t, "c.yaml", contractYAML)
	s := writeFile(t, "s.csv", "time,series,rtt_ms\n2026-09-15T00:00:00Z,p1,1\n2026-10-01T00:00:00Z,p1,1\n2026-11-20T00:00:00Z,p1,1\n")
	code, out, errs := run(t, "", "evaluate", "--contract", c, "--samples", s, "--month", "2026-10", "--format", "json")
	if code != 0 {
		t.Fatal(errs)
	}
	if !strings.Contains(errs, "warning: 2 sample rows outside 2026-10") || !strings.Contains(out, `"rows_outside": 2`) {
		t.Errorf("stderr %q\n%s", errs, out)
	}
}

func TestCatalog(t *testing.T) {
	code, out, _ := run(t, "", "catalog")
	if code != 0 || strings.Count(out, "\n") < 17 || !strings.Contains(out, "aryaka/e2e-uptime") {
		t.Errorf("catalog: %d\n%s", code, out)
	}
	code, out, _ = run(t, "", "catalog", "show", "aryaka/privatecore-latency")
	if code != 0 || !strings.Contains(out, "latency_threshold_ms (number, required)") || !strings.Contains(out, "FLAGGED") {
		t.Errorf("catalog show: %d\n%s", code, out)
	}
	if code, _, errs := run(t, "", "catalog", "show", "nope/x"); code != 1 || !strings.Contains(errs, `unknown template "nope/x"`) {
		t.Errorf("unknown template: %d %s", code, errs)
	}
}
