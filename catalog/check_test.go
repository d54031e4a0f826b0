package catalog_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/slawatch/slawatch/catalog"
)

const provider = "provider: acme\nname: Acme\nsource: test\ncaps: [{id: acme/cap, pct: \"25\", fee: mrc}]\n"

const base = `id: acme/up
title: Up
summary: up
source: test
inputs: [{name: path, max: 1}]
params: [{name: sites, type: integer}]
minute:
  input: path
  fail_when: [{loss: "> 50"}]
  down: {combine: all}
objective: {text: up, availability: ">= 99.9"}
credit:
  base: {fee: mrc, divided_by: sites}
  tiers: [{above: 5, upto: 60, pct: "5"}, {above: 60, pct: "10"}]
caps: [acme/cap]
`

// Each broken template is rejected with its file, line and field named.
func TestTemplateErrors(t *testing.T) {
	tests := []struct{ name, from, to, want string }{
		{"good", "", "", ""},
		{"unknown field", "title: Up", "titel: Up", `up.yaml:2: unknown key "titel" (did you mean "title"?)`},
		{"bad operator", `loss: "> 50"`, `loss: "=> 50"`, `up.yaml:9: minute.fail_when[0].loss: "=> 50": want an operator`},
		{"bad number", `loss: "> 50"`, `loss: "> 5e1"`, `up.yaml:9: minute.fail_when[0].loss: "5e1" is not a decimal number`},
		{"undeclared param", `loss: "> 50"`, `loss: "> $limit"`, `up.yaml:9: minute.fail_when[0].loss: $limit is not a declared number parameter`},
		{"two tests", `{loss: "> 50"}`, `{loss: "> 50", rtt_ms: "> 9"}`, `up.yaml:9: minute.fail_when[0]: want exactly one of loss, rtt_ms, rtt_over_baseline`},
		{"unknown input", "  input: path", "  input: paths", `up.yaml:8: minute.input: "paths" is not a declared input`},
		{"unknown combine", "combine: all", "combine: most", `up.yaml:10: minute.down.combine: "most" is not one of`},
		{"share needs when", "combine: all", "combine: share", `up.yaml:10: minute.down.when: combine "share" needs a comparison`},
		{"long run", "  input: path\n", "  input: path\n  consecutive: 1441\n", "up.yaml:9: minute.consecutive: want 0..1440"},
		{"alternative", "  down: {combine: all}\n", "  down: {combine: all}\n  or:\n    - input: path\n      down: {combine: any}\n", `up.yaml:12: minute.or[0].fail_when: combine "any" needs a per-series condition`},
		{"alternative input", "  down: {combine: all}\n", "  down: {combine: all}\n  or:\n    - input: nowhere\n", `up.yaml:12: minute.or[0].input: "nowhere" is not a declared input`},
		{"tier gap", "{above: 60, pct", "{above: 61, pct", "up.yaml:14: credit.tiers[1].above: 61 does not continue the previous tier's upto 60"},
		{"tier pct", `pct: "10"`, `pct: "110"`, "up.yaml:14: credit.tiers[1].pct: 110 is not a percentage between 0 and 100"},
		{"divided by non-integer", "type: integer", "type: number", `up.yaml:13: credit.base.divided_by: "sites" is not a declared integer parameter`},
		{"unknown cap", "caps: [acme/cap]\n", "caps: [acme/lid]\n", `up.yaml:15: caps: "acme/lid" is not a cap of provider acme`},
		{"id and path", "id: acme/up", "id: acme/down", `up.yaml:1: id: "acme/down": want "acme/up", the file's path`},
		{"no objective text", "{text: up, ", "{", "up.yaml:11: objective.text: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLoad(t, strings.Replace(base, tt.from, tt.to, 1), tt.want)
		})
	}
}

// A template with problems in two parts names both, each at its line.
func TestTemplateErrorsEachPart(t *testing.T) {
	text := strings.Replace(base, "  input: path", "  input: paths", 1)
	text = strings.Replace(text, `pct: "10"`, `pct: "110"`, 1)
	err := load(text)
	for _, want := range []string{`acme/up.yaml:8: minute.input: "paths"`, "acme/up.yaml:14: credit.tiers[1].pct: 110"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v\nwant %s", err, want)
		}
	}
}

// minute.timing probe times silences: it needs every probe lost on every
// series, and nothing else.
func TestTemplateTimingErrors(t *testing.T) {
	const silence = `fail_when: [{loss: ">= 100"}]`
	const probe = "  input: path\n  timing: probe\n"
	const needs = `up.yaml:9: minute.timing: probe times silences: it needs fail_when [loss: ">= 100"] alone, down.combine all, no gate and no series_consecutive`
	tests := []struct {
		name  string
		edits []string // pairs of from, to
		want  string
	}{
		{"minute", []string{"  input: path\n", "  input: path\n  timing: minute\n"}, ""},
		{"silence", []string{"  input: path\n", probe, `fail_when: [{loss: "> 50"}]`, silence}, ""},
		{"unknown", []string{"  input: path\n", "  input: path\n  timing: wall\n"}, `up.yaml:9: minute.timing: "wall" is not one of minute, probe`},
		{"loss below 100", []string{"  input: path\n", probe}, needs},
		{"loss above", []string{"  input: path\n", probe, `fail_when: [{loss: "> 50"}]`, `fail_when: [{loss: "> 99"}]`}, needs},
		{"rtt", []string{"  input: path\n", probe, `fail_when: [{loss: "> 50"}]`, `fail_when: [{rtt_ms: ">= 100"}]`}, needs},
		{"two conditions", []string{"  input: path\n", probe, `fail_when: [{loss: "> 50"}]`, `fail_when: [{loss: ">= 100"}, {rtt_ms: "> 500"}]`}, needs},
		{"any", []string{"  input: path\n", probe, `fail_when: [{loss: "> 50"}]`, silence, "combine: all", "combine: any"}, needs},
		{"gate", []string{"  input: path\n", probe + "  gate: path\n", `fail_when: [{loss: "> 50"}]`, silence}, needs},
		{"series runs", []string{"  input: path\n", probe + "  series_consecutive: 2\n", `fail_when: [{loss: "> 50"}]`, silence}, needs},
		{"alternative", []string{"  down: {combine: all}\n", "  down: {combine: all}\n  or:\n    - input: path\n      timing: probe\n      fail_when: [{loss: \"> 50\"}]\n      down: {combine: all}\n"},
			strings.Replace(needs, "up.yaml:9: minute.timing", "up.yaml:13: minute.or[0].timing", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := base
			for i := 0; i < len(tt.edits); i += 2 {
				if !strings.Contains(text, tt.edits[i]) {
					t.Fatalf("edit %q: not in the template", tt.edits[i])
				}
				text = strings.Replace(text, tt.edits[i], tt.edits[i+1], 1)
			}
			checkLoad(t, text, tt.want)
		})
	}
}

// A provider's problems name provider.yaml and the line.
func TestProviderErrors(t *testing.T) {
	bad := strings.Replace(provider, `pct: "25"`, `pct: "125"`, 1)
	_, err := catalog.Load(fstest.MapFS{"acme/provider.yaml": {Data: []byte(bad)}})
	if want := "acme/provider.yaml:4: caps[0].pct: 125 is not a percentage between 0 and 100"; err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func load(template string) error {
	_, err := catalog.Load(fstest.MapFS{
		"acme/provider.yaml": {Data: []byte(provider)},
		"acme/up.yaml":       {Data: []byte(template)},
	})
	return err
}

// checkLoad loads the template as acme/up.yaml and wants the error want
// ("" none), naming acme/up.yaml.
func checkLoad(t *testing.T, template, want string) {
	t.Helper()
	err := load(template)
	switch {
	case want == "" && err != nil:
		t.Fatalf("good template: %v\n%s", err, template)
	case want == "":
	case err == nil || !strings.Contains(err.Error(), "acme/up.yaml") || !strings.Contains(err.Error(), want):
		t.Fatalf("got %v\nwant acme/up.yaml and %s", err, want)
	}
}

// A contract's credit schedule is checked as the catalog checks its own,
// and gives a new template: the seed's stays as it was.
func TestWithCredit(t *testing.T) {
	c, err := catalog.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	seed, err := c.Template("iij/internet-availability")
	if err != nil {
		t.Fatal(err)
	}
	sc := catalog.Schedule{Fee: "mrc", Tiers: []catalog.ScheduleTier{{Above: 0, UpTo: 60, Pct: "10"}, {Above: 60, Pct: "20"}}}
	got, err := seed.WithCredit(sc)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.Credit.Tiers); n != 2 || got.Credit.Tiers[1].PctRat.RatString() != "20" || !got.Credit.FromContract {
		t.Errorf("credit %+v: want the two tiers, from the contract", got.Credit)
	}
	if len(seed.Credit.Tiers) != 0 || seed.Credit.Base.Fee != "" {
		t.Errorf("seed's credit changed: %+v", seed.Credit)
	}
	sc.Tiers[1].Pct = "120"
	if _, err := seed.WithCredit(sc); err == nil || err.Error() != "credit.tiers[1].pct: 120 is not a percentage between 0 and 100" {
		t.Errorf("got %v, want the tier's pct named", err)
	}
	own, err := c.Template("aryaka/privatecore-uptime")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := own.WithCredit(sc); err == nil {
		t.Error("a level stating its own credit: want an error")
	}
}
