package main

import (
	"flag"
	"regexp"
	"strings"
	"testing"
)

// Every subcommand's -h prints, on standard output with exit 0, how it
// is called, each of its flags with a double dash, and examples; a bad
// flag is a short usage error pointing to -h.
func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		flags []string
	}{
		{[]string{"evaluate", "--help"}, []string{"--contract FILE", "--samples FILE", "--month YYYY-MM", "--tickets FILE", "--events FILE",
			"--claims FILE", "--format FORMAT", "--out FILE"}},
		{[]string{"agent", "-h"}, []string{"--config FILE", "--out FILE", "--duration", "--contract FILE", "--month YYYY-MM", "--server URL", "--token-file FILE"}},
		{[]string{"serve", "-h"}, []string{"--listen ADDR", "--data DIR", "--db URL", "--config FILE"}},
		{[]string{"calendar", "-h"}, []string{"--format FORMAT"}},
		{[]string{"demo", "-h"}, []string{"--addr ADDR", "--dir DIR"}},
		{[]string{"token", "create", "-h"}, []string{"--role ROLE", "--customer ID", "--agent NAME", "--expires WHEN"}},
		{[]string{"catalog", "-h"}, []string{"show ID"}},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			code, stdout, stderr := run(t, "", tc.args...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			want := append([]string{"usage:", "slawatch " + tc.args[0] + " ", "\nexamples:\n", "\n  slawatch " + tc.args[0]}, tc.flags...)
			for _, w := range want {
				if !strings.Contains(stdout, w) {
					t.Errorf("no %q in\n%s", w, stdout)
				}
			}
		})
	}
	if _, a, _ := run(t, "", "help", "evaluate"); !strings.HasPrefix(a, "usage: slawatch evaluate ") {
		t.Errorf("help evaluate:\n%s", a)
	}
	code, stdout, stderr := run(t, "", "evaluate", "--bogus")
	if code != 2 || stdout != "" || stderr != "slawatch evaluate: flag provided but not defined: -bogus (slawatch evaluate -h lists the flags)\n" {
		t.Errorf("bad flag: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// Each evaluate flag's text has an example.
func TestEvaluateHelpExamples(t *testing.T) {
	_, stdout, _ := run(t, "", "evaluate", "-h")
	flags := strings.Split(strings.Split(strings.Split(stdout, "\nflags:\n")[1], "\nexamples:")[0], "\n  --")
	for _, f := range flags {
		if !strings.Contains(f, "e.g.") {
			t.Errorf("flag without an example:\n%s", f)
		}
	}
}

// A positional argument is a usage error naming it, not a complaint
// about the flags after it that Go's flag package stopped reading.
func TestPositionalArgument(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"evaluate", "s.csv", "--contract", "c.yaml", "--month", "2026-10"},
			`slawatch evaluate: unexpected argument "s.csv": give each samples file with --samples FILE; the flags after it (--contract…) were not read (slawatch evaluate -h)`},
		{[]string{"evaluate", "--contract", "c.yaml", "--month", "2026-10", "--samples", "a.csv", "b.csv"},
			`slawatch evaluate: unexpected argument "b.csv": give each samples file with --samples FILE (slawatch evaluate -h)`},
		{[]string{"agent", "agent.yaml"}, `slawatch agent: unexpected argument "agent.yaml": every input is given by a flag (slawatch agent -h)`},
		{[]string{"agent", "--config", "a.yaml", "extra"}, `slawatch agent: unexpected argument "extra"`},
		{[]string{"serve", "data"}, `slawatch serve: unexpected argument "data"`},
		{[]string{"calendar", "2027"}, `slawatch calendar: unexpected argument "2027"`},
		{[]string{"catalog", "iij/dc-availability"}, `slawatch catalog: want 'catalog' or 'catalog show ID', got "iij/dc-availability" (slawatch catalog -h)`},
	} {
		code, _, stderr := run(t, "", tc.args...)
		if code != 2 || !strings.HasPrefix(stderr, tc.want) {
			t.Errorf("%q: exit %d, %q\nwant 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

// Every subcommand's -h has examples and explains every flag its flag
// set defines, so that a flag added later without help fails here.
func TestHelpNamesEveryFlag(t *testing.T) {
	tokenFlags := func(verb string) *flag.FlagSet {
		fs, ok := new(tokenFlags).flagSet(verb)
		if !ok {
			t.Fatalf("token %s: no flag set", verb)
		}
		return fs
	}
	for _, tc := range []struct {
		args []string
		fs   *flag.FlagSet
	}{
		{[]string{"evaluate", "-h"}, new(EvaluateCommand).flags()},
		{[]string{"agent", "-h"}, new(AgentCommand).flags()},
		{[]string{"serve", "-h"}, new(ServeCommand).flags()},
		{[]string{"demo", "-h"}, new(DemoCommand).flags()},
		{[]string{"calendar", "-h"}, new(CalendarCommand).flags()},
		{[]string{"token", "-h"}, tokenFlags("create")},
		{[]string{"token", "create", "-h"}, tokenFlags("create")},
		{[]string{"token", "rotate", "-h"}, tokenFlags("rotate")},
		{[]string{"token", "list", "-h"}, tokenFlags("list")},
		{[]string{"token", "revoke", "-h"}, tokenFlags("revoke")},
		{[]string{"catalog", "-h"}, flag.NewFlagSet("catalog", flag.ContinueOnError)}, // no flags
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, "", tc.args...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			ex := strings.Index(stdout, "\nexamples:\n")
			if ex < 0 || strings.Count(stdout[ex:], "\n  slawatch "+tc.args[0]) < 2 {
				t.Errorf("no examples section of at least two examples:\n%s", stdout)
			}
			tc.fs.VisitAll(func(f *flag.Flag) {
				// the flag's line, then its explanation indented below it
				if !regexp.MustCompile(`\n  --` + regexp.QuoteMeta(f.Name) + `( [^\n]+)?\n      \S`).MatchString(stdout) {
					t.Errorf("--%s not explained in\n%s", f.Name, stdout)
				}
			})
		})
	}
}
