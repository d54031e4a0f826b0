// Package catalog holds the built-in SLA templates: every service level of
// the seed SLAs as data (YAML embedded in the binary), one file per level,
// grouped by provider, each citing the clause it comes from. The engine
// interprets templates; no Go code names a vendor.
//
// A level's ID is its file: iij/internet-availability is
// templates/iij/internet-availability.yaml, and the rules of a provider's
// program are in its provider.yaml. Each file is loaded in three steps,
// none changing the value of the step before:
//
//   - read (file.go, syntax.go): the YAML decoded strictly into the types
//     of the file as written, and its syntax tree, which knows each
//     field's line;
//   - check (check.go, check_credit.go, check_timer.go): every rule a
//     template must follow; a problem names its field, and the file
//     places it at its line ("file:line: field: message");
//   - compile (compile.go): the checked template turned into the
//     Template the engine runs, its comparisons and percentages parsed.
package catalog

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed templates
var builtin embed.FS

// Catalog is a set of templates and their providers.
type Catalog struct {
	templates map[string]*Template
	providers map[string]*Provider
}

// Builtin returns the catalog embedded in the binary. It is read and
// compiled once: a catalog and its templates are immutable values (no
// step of reading, checking or compiling changes them, and WithCredit
// compiles a copy), so every caller shares the one. Under the race
// detector a load takes about 120 ms, which the engine's tests paid at
// every scenario.
func Builtin() (*Catalog, error) { return builtinOnce() }

var builtinOnce = sync.OnceValues(func() (*Catalog, error) {
	sub, err := fs.Sub(builtin, "templates")
	if err != nil {
		return nil, err
	}
	return Load(sub)
})

// Load reads a catalog laid out as PROVIDER/provider.yaml and
// PROVIDER/LEVEL.yaml files.
func Load(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{templates: map[string]*Template{}, providers: map[string]*Provider{}}
	dirs, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		if d.IsDir() {
			if err := c.loadProvider(fsys, d.Name()); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// loadProvider loads the folder dir: its provider.yaml and its levels.
// Each file is read, checked, then compiled.
func (c *Catalog) loadProvider(fsys fs.FS, dir string) error {
	p, err := readProvider(fsys, dir)
	if err != nil {
		return err
	}
	c.providers[p.ID] = p
	files, err := fs.Glob(fsys, dir+"/*.yaml")
	if err != nil {
		return err
	}
	for _, name := range files {
		if path.Base(name) == "provider.yaml" {
			continue
		}
		t, err := readTemplate(fsys, name, p)
		if err != nil {
			return err
		}
		c.templates[t.ID] = t
	}
	return nil
}

func readProvider(fsys fs.FS, dir string) (*Provider, error) {
	var y providerYAML
	f, err := readFile(fsys, path.Join(dir, "provider.yaml"), &y)
	if err != nil {
		return nil, err
	}
	if err := y.check(dir); err != nil {
		return nil, f.place(err)
	}
	p, err := y.compile()
	return p, f.place(err)
}

// readTemplate reads the level in the file name, of the provider p. Its
// ID is its path: the file of a level is found from its ID alone.
func readTemplate(fsys fs.FS, name string, p *Provider) (*Template, error) {
	var y templateYAML
	f, err := readFile(fsys, name, &y)
	if err != nil {
		return nil, err
	}
	if err := y.check(p); err != nil {
		return nil, f.place(err)
	}
	if want := strings.TrimSuffix(name, ".yaml"); y.ID != want {
		return nil, f.place(errorf("id", "%q: want %q, the file's path", y.ID, want))
	}
	t, err := y.compile(p)
	return t, f.place(err)
}

// Template returns the template with the given ID.
func (c *Catalog) Template(id string) (*Template, error) {
	t, ok := c.templates[id]
	if !ok {
		return nil, fmt.Errorf("unknown template %q (slawatch catalog lists them)", id)
	}
	return t, nil
}

// Templates returns every template, sorted by ID.
func (c *Catalog) Templates() []*Template {
	out := make([]*Template, 0, len(c.templates))
	for _, t := range c.templates {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Providers returns every provider, sorted by ID.
func (c *Catalog) Providers() []*Provider {
	out := make([]*Provider, 0, len(c.providers))
	for _, p := range c.providers {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Provider returns the provider with the given ID.
func (c *Catalog) Provider(id string) (*Provider, bool) {
	p, ok := c.providers[id]
	return p, ok
}
