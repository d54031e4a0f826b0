package yamlerr

import (
	"bytes"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

type doc struct {
	Name     string        `yaml:"name"`
	Every    time.Duration `yaml:"every"`
	Services []service     `yaml:"services"`
	Flags    map[string]bool
}

type service struct {
	ID     string            `yaml:"id"`
	Inputs map[string]string `yaml:"inputs"`
	Level  int               `yaml:"level"`
}

func decode(t *testing.T, text string) error {
	t.Helper()
	var d doc
	dec := yaml.NewDecoder(bytes.NewReader([]byte(text)))
	dec.KnownFields(true)
	return Wrap("f.yaml", dec.Decode(&d), &d)
}

// Decoder errors read as the file's words: file:line, the key or value
// as written, what the place wants; never a Go type name.
func TestWrap(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"name: a\nservices:\n  - id: s\n    input: {a: b}\n", `f.yaml:4: unknown key "input" (did you mean "inputs"?); allowed here: id, inputs, level`},
		{"naem: a\n", `f.yaml:1: unknown key "naem" (did you mean "name"?); allowed here: every, flags, name, services`},
		{"colour: red\n", `f.yaml:1: unknown key "colour"; allowed here: every, flags, name, services`},
		{"services: 5\n", "f.yaml:1: want a list, not the number 5"},
		{"services:\n  - 3\n", "f.yaml:2: want a mapping with keys id, inputs, level, not the number 3"},
		{"services:\n  - id: a\n    level: high\n", "f.yaml:3: want a whole number, not the string high"},
		{"name: [a, b]\n", "f.yaml:1: want a string, not a list"},
		{"services:\n  - id: a\n    inputs: [x]\n", "f.yaml:3: want a mapping (key: value), not a list"},
		{"name: a\nname: b\n", `f.yaml:2: key "name" given twice (first at line 1)`},
		{"name: [a\n", "f.yaml:1: did not find expected ',' or ']'"},
	} {
		err := decode(t, c.text)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q:\n got %v\nwant %s", c.text, err, c.want)
		}
	}
	if Wrap("f", nil, nil) != nil {
		t.Error("nil is not nil")
	}
}

// Whatever the input, Wrap says something in the tool's shape and
// never panics.
func FuzzWrap(f *testing.F) {
	f.Add("services: 5\n")
	f.Add("name: [a\n")
	f.Fuzz(func(t *testing.T, text string) {
		var d doc
		dec := yaml.NewDecoder(bytes.NewReader([]byte(text)))
		dec.KnownFields(true)
		if err := Wrap("f.yaml", dec.Decode(&d), &d); err != nil && len(err.Error()) < len("f.yaml") {
			t.Errorf("%q: %v", text, err)
		}
	})
}
