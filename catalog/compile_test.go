package catalog

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzTemplate reads, checks and compiles any text as a template: no
// panic, and a template the check passes compiles without error, since
// the check parses every text compile parses.
func FuzzTemplate(f *testing.F) {
	cat, err := Builtin()
	if err != nil {
		f.Fatal(err)
	}
	sub, err := fs.Sub(builtin, "templates")
	if err != nil {
		f.Fatal(err)
	}
	seeds, err := fs.Glob(sub, "*/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range seeds {
		if data, err := fs.ReadFile(sub, name); err == nil && !strings.HasSuffix(name, "provider.yaml") {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var y templateYAML
		file, err := readFile(fstest.MapFS{"t.yaml": {Data: data}}, "t.yaml", &y)
		if err != nil {
			return
		}
		provider, _, _ := strings.Cut(y.ID, "/")
		p, ok := cat.Provider(provider)
		if !ok {
			p = &Provider{ID: provider}
		}
		if err := y.check(p); err != nil {
			if placed := file.place(err); placed == nil || !strings.HasPrefix(placed.Error(), "t.yaml:") {
				t.Fatalf("%v placed as %v", err, placed)
			}
			return
		}
		tpl, err := y.compile(p)
		if err != nil {
			t.Fatalf("checked, yet compile: %v", err)
		}
		if tpl.ID != y.ID || (tpl.Minute == nil) != (y.Minute == nil) {
			t.Fatalf("compiled %+v from %+v", tpl, y)
		}
	})
}
