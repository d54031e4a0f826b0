package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestIgnoreUnknownSeries: a file of more series than the contract binds
// stops at the first unknown one, with a hint; with
// --ignore-unknown-series it evaluates, the report's rows still count
// every row, and standard error names the series left out, most rows
// first, ten of them and how many more.
func TestIgnoreUnknownSeries(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("time,series,rtt_ms\n")
	rows := 0
	for m := range 3 {
		fmt.Fprintf(&csv, "2026-10-01T00:%02d:00Z,p1,1.5\n", m)
		rows++
		for s := range 12 {
			for range 12 - s { // other-00 has the most rows, other-11 the fewest
				fmt.Fprintf(&csv, "2026-10-01T00:%02d:01Z,other-%02d,2\n", m, s)
				rows++
			}
		}
	}
	samples := writeFile(t, "pop.csv", csv.String())
	ct := writeFile(t, "c.yaml", contractYAML)

	code, _, stderr := run(t, "", "evaluate", "--contract", ct, "--samples", samples, "--month", "2026-10")
	if want := `pop.csv:3: field series: unknown series "other-00" (the contract binds no such series; --ignore-unknown-series leaves out the rows of series it does not bind)`; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("without the flag: exit %d, %q\nwant 1 and %q", code, stderr, want)
	}

	code, stdout, stderr := run(t, "", "evaluate", "--contract", ct, "--samples", samples, "--month", "2026-10", "--format", "json", "--ignore-unknown-series")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := fmt.Sprintf("slawatch evaluate: warning: %d sample rows of 12 series the contract does not bind were left out (--ignore-unknown-series): "+
		"other-00 (36 rows), other-01 (33 rows), other-02 (30 rows), other-03 (27 rows), other-04 (24 rows), other-05 (21 rows), "+
		"other-06 (18 rows), other-07 (15 rows), other-08 (12 rows), other-09 (9 rows), and 2 more\n", rows-3)
	if stderr != want {
		t.Errorf("stderr\n%q\nwant\n%q", stderr, want)
	}
	var r struct {
		Samples struct {
			Rows    int `json:"rows"`
			InMonth int `json:"rows_in_month"`
		} `json:"samples"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r.Samples.Rows != rows || r.Samples.InMonth != rows {
		t.Errorf("samples %+v, want every one of the %d rows counted", r.Samples, rows)
	}
	if !strings.Contains(stdout, `"unknown_minutes": 44637`) {
		t.Errorf("p1's 3 minutes not measured:\n%s", stdout)
	}
}

// TestIgnoredInReport: the series --ignore-unknown-series leaves out are
// in the JSON report, their rows counted and their names sorted, and in
// the table; a run that leaves out none renders neither field.
func TestIgnoredInReport(t *testing.T) {
	// examples/loopback.yaml binds loopback-v4 but not the two other
	// customers' links: 2 rows of cust-b and 1 of cust-a are left out,
	// 3 rows of 2 series, while all 5 rows are counted in "rows".
	samples := writeFile(t, "agent.csv", "time,series,rtt_ms\n"+
		"2026-12-07T15:00:00Z,loopback-v4,0.1\n"+
		"2026-12-07T15:00:01Z,cust-b,2\n"+
		"2026-12-07T15:00:02Z,cust-a,2\n"+
		"2026-12-07T15:01:00Z,loopback-v4,0.1\n"+
		"2026-12-07T15:01:01Z,cust-b,2\n")
	args := []string{"evaluate", "--contract", "../../examples/loopback.yaml", "--samples", samples, "--month", "2026-12", "--ignore-unknown-series"}
	code, stdout, stderr := run(t, "", append(args, "--format", "json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := `  "samples": {
    "rows": 5,
    "rows_in_month": 5,
    "rows_context": 0,
    "rows_outside": 0,
    "rows_ignored": 3,
    "ignored_series": [
      "cust-a",
      "cust-b"
    ]
  },`
	if !strings.Contains(stdout, want) {
		t.Errorf("no\n%s\nin\n%s", want, stdout)
	}
	if _, stdout, _ := run(t, "", args...); !strings.Contains(stdout, "\nignored: 3 rows of 2 series the contract does not bind: cust-a, cust-b\n") {
		t.Errorf("table:\n%s", stdout)
	}

	bound := writeFile(t, "bound.csv", "time,series,rtt_ms\n2026-12-07T15:00:00Z,loopback-v4,0.1\n")
	_, stdout, _ = run(t, "", "evaluate", "--contract", "../../examples/loopback.yaml", "--samples", bound, "--month", "2026-12", "--ignore-unknown-series", "--format", "json")
	if strings.Contains(stdout, "ignored") {
		t.Errorf("nothing left out, yet:\n%s", stdout)
	}
}
