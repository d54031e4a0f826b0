// Package catalog holds the built-in SLA templates: every service level of
// the seed SLAs as data (YAML embedded in the binary), one file per level,
// grouped by provider, each citing the clause it comes from. The engine
// interprets templates; no Go code names a vendor.
package catalog

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slawatch/slawatch/internal/yamlerr"
)

//go:embed templates
var builtin embed.FS

// Catalog is a set of templates and their providers.
type Catalog struct {
	templates map[string]*Template
	providers map[string]*Provider
}

// Builtin loads the catalog embedded in the binary.
func Builtin() (*Catalog, error) {
	sub, err := fs.Sub(builtin, "templates")
	if err != nil {
		return nil, err
	}
	return Load(sub)
}

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

func (c *Catalog) loadProvider(fsys fs.FS, dir string) error {
	p := &Provider{}
	if err := decodeFile(fsys, path.Join(dir, "provider.yaml"), p); err != nil {
		return err
	}
	if err := p.validate(dir); err != nil {
		return fmt.Errorf("%s/provider.yaml: %w", dir, err)
	}
	c.providers[p.ID] = p
	files, err := fs.Glob(fsys, dir+"/*.yaml")
	if err != nil {
		return err
	}
	for _, f := range files {
		if path.Base(f) == "provider.yaml" {
			continue
		}
		t := &Template{Provider: p}
		if err := decodeFile(fsys, f, t); err != nil {
			return err
		}
		if err := t.validate(); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if want := dir + "/" + strings.TrimSuffix(path.Base(f), ".yaml"); t.ID != want {
			return fmt.Errorf("%s: id %q: want %q, the file's path", f, t.ID, want)
		}
		c.templates[t.ID] = t
	}
	return nil
}

// decodeFile decodes one YAML file strictly: an unknown field is an error
// naming its line.
func decodeFile(fsys fs.FS, name string, v any) error {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return yamlerr.Wrap(name, err, v)
	}
	return nil
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

func (p *Provider) validate(dir string) error {
	if p.ID != dir {
		return fmt.Errorf("provider: %q: want %q, the folder's name", p.ID, dir)
	}
	for _, k := range p.Exclusions.Kinds {
		if _, ok := ExclusionKinds[k]; !ok {
			return fmt.Errorf("exclusions.kinds: unknown kind %q", k)
		}
	}
	var errs []error
	if p.Claims != nil {
		errs = append(errs, p.Claims.validate())
	}
	for i := range p.Caps {
		v, err := parsePct(fmt.Sprintf("caps[%d].pct", i), p.Caps[i].Pct)
		errs = append(errs, err)
		p.Caps[i].PctRat = v
	}
	return errors.Join(errs...)
}
