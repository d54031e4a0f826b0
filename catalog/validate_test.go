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

// Each broken template is rejected with its file and field named.
func TestTemplateErrors(t *testing.T) {
	tests := []struct{ name, from, to, want string }{
		{"good", "", "", ""},
		{"unknown field", "title: Up", "titel: Up", `up.yaml:2: unknown key "titel" (did you mean "title"?)`},
		{"bad operator", `loss: "> 50"`, `loss: "=> 50"`, `minute.fail_when[0].loss: "=> 50": want an operator`},
		{"bad number", `loss: "> 50"`, `loss: "> 5e1"`, `minute.fail_when[0].loss: "5e1" is not a decimal number`},
		{"undeclared param", `loss: "> 50"`, `loss: "> $limit"`, `minute.fail_when[0].loss: $limit is not a declared number parameter`},
		{"unknown input", "  input: path", "  input: paths", `minute.input: "paths" is not a declared input`},
		{"unknown combine", "combine: all", "combine: most", `minute.down.combine: "most" is not one of`},
		{"share needs when", "combine: all", "combine: share", `minute.down.when: combine "share" needs a comparison`},
		{"tier gap", "{above: 60, pct", "{above: 61, pct", "credit.tiers[1].above: 61 does not continue the previous tier's upto 60"},
		{"tier pct", `pct: "10"`, `pct: "110"`, "credit.tiers[1].pct: 110 is not a percentage between 0 and 100"},
		{"divided by non-integer", "type: integer", "type: number", `credit.base.divided_by: "sites" is not a declared integer parameter`},
		{"unknown cap", "caps: [acme/cap]\n", "caps: [acme/lid]\n", `caps: "acme/lid" is not a cap of provider acme`},
		{"id and path", "id: acme/up", "id: acme/down", `id "acme/down": want "acme/up", the file's path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(base, tt.from, tt.to, 1)
			fsys := fstest.MapFS{
				"acme/provider.yaml": {Data: []byte(provider)},
				"acme/up.yaml":       {Data: []byte(text)},
			}
			_, err := catalog.Load(fsys)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("good template: %v", err)
			case tt.want == "":
			case err == nil || !strings.Contains(err.Error(), "acme/up.yaml") || !strings.Contains(err.Error(), tt.want):
				t.Fatalf("got %v\nwant acme/up.yaml and %s", err, tt.want)
			}
		})
	}
}
