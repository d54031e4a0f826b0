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
