// Command testtimes summarizes `go test -json` output: where the time of
// a test suite goes, and what failed. bench/test-suite.sh drives it.
//
//	testtimes [-top N] RUN.json...
//
// For each file (one run of the suite) it prints the sum of the
// packages' elapsed times and the failed tests and packages; then, over all the runs,
// the N packages and the N top-level tests with the longest elapsed time
// (the most of any run), with the number of runs each failed in.
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// event is a line of test2json's output.
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
}

// timing is the longest elapsed time of a package or test over the runs.
type timing struct {
	name    string
	elapsed float64
	fails   int
}

func main() {
	top := flag.Int("top", 10, "list the `N` longest packages and tests")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: testtimes [-top N] RUN.json...")
		os.Exit(2)
	}
	pkgs, tests := map[string]*timing{}, map[string]*timing{}
	for _, path := range flag.Args() {
		sum, failed, err := readRun(path, pkgs, tests)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testtimes:", err)
			os.Exit(1)
		}
		fmt.Printf("%s: packages' elapsed time %.0f s; %d failed: %s\n", path, sum, len(failed), strings.Join(failed, " "))
	}
	printTop("packages", pkgs, *top)
	printTop("tests", tests, *top)
}

// readRun adds one run's timings to pkgs and tests and returns the sum of
// its packages' elapsed times and its failed tests.
func readRun(path string, pkgs, tests map[string]*timing) (float64, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	sum, failed := 0.0, []string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil || (e.Action != "pass" && e.Action != "fail") {
			continue // output lines, and go's own messages
		}
		pkg := strings.TrimPrefix(e.Package, "github.com/slawatch/slawatch")
		pkg = "." + pkg
		switch {
		case e.Test == "":
			sum += e.Elapsed
			record(pkgs, pkg, e)
			if e.Action == "fail" { // a build failure or a timeout fails no test
				failed = append(failed, pkg+" (package)")
			}
		case !strings.Contains(e.Test, "/"):
			record(tests, pkg+" "+e.Test, e)
			if e.Action == "fail" {
				failed = append(failed, pkg+" "+e.Test)
			}
		}
	}
	if err := sc.Err(); err != nil && err != io.EOF {
		return 0, nil, fmt.Errorf("%s: %w", path, err)
	}
	return sum, failed, nil
}

func record(m map[string]*timing, name string, e event) {
	t := m[name]
	if t == nil {
		t = &timing{name: name}
		m[name] = t
	}
	t.elapsed = max(t.elapsed, e.Elapsed)
	if e.Action == "fail" {
		t.fails++
	}
}

func printTop(what string, m map[string]*timing, n int) {
	all := make([]*timing, 0, len(m))
	for _, t := range m {
		all = append(all, t)
	}
	slices.SortFunc(all, func(a, b *timing) int { return cmp.Compare(b.elapsed, a.elapsed) })
	fmt.Printf("\nthe %d longest %s (seconds, the most of any run; runs failed):\n", min(n, len(all)), what)
	for _, t := range all[:min(n, len(all))] {
		fmt.Printf("%8.1f  %-60s %d\n", t.elapsed, t.name, t.fails)
	}
}
