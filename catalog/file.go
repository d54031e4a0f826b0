package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/yamlerr"
)

// FieldError is a problem with one field of a catalog file, at its line.
type FieldError = slawatch.FieldError

// file is one YAML file as read: its name and its syntax tree, which
// places a problem found in the decoded value at its line.
type file struct {
	name string
	root *yaml.Node
}

// readFile decodes the file name strictly into v, an unknown field being
// an error naming its line, and keeps its syntax tree.
func readFile(fsys fs.FS, name string, v any) (*file, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return nil, yamlerr.Wrap(name, err, v)
	}
	f := &file{name: name, root: &yaml.Node{}}
	if err := yaml.Unmarshal(data, f.root); err != nil {
		return nil, yamlerr.Wrap(name, err, v)
	}
	return f, nil
}

// fieldError is a problem with one field of a template or a provider,
// named by its path in the file ("minute.fail_when[0].loss"), before the
// file places it at a line. Checks know fields, not lines.
type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string {
	if e.field == "" {
		return e.msg
	}
	return e.field + ": " + e.msg
}

func errorf(field, format string, args ...any) error {
	return &fieldError{field: field, msg: fmt.Sprintf(format, args...)}
}

// place turns each fieldError that err holds into a FieldError of the
// file, "file:line: field: message"; other errors get the file's name.
func (f *file) place(err error) error {
	var fe *fieldError
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range joined.Unwrap() {
			out = append(out, f.place(e))
		}
		return errors.Join(out...)
	}
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe):
		return &FieldError{File: f.name, Line: f.line(fe.field), Field: fe.field, Msg: fe.msg}
	}
	return fmt.Errorf("%s: %w", f.name, err)
}

// line is the line of the field at path, or of the nearest enclosing
// field the file holds when the field itself is missing.
func (f *file) line(path string) int {
	n := f.root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, step := range steps(path) {
		next, at := child(n, step)
		if next == nil {
			break
		}
		n, line = next, at
	}
	return line
}

// steps splits a field path into its keys and indexes:
// "minute.or[0].input" into minute, or, [0] and input.
func steps(path string) []string {
	var out []string
	for _, s := range strings.Split(path, ".") {
		for s != "" {
			key, rest, _ := strings.Cut(s, "[")
			if key != "" {
				out = append(out, key)
			}
			idx, after, ok := strings.Cut(rest, "]")
			if ok {
				out = append(out, "["+idx+"]")
			}
			s = after
		}
	}
	return out
}

// child is the value a mapping holds at key, or a sequence at "[i]", and
// the line of the key (or of the item).
func child(n *yaml.Node, step string) (*yaml.Node, int) {
	if idx, ok := strings.CutPrefix(step, "["); ok {
		i, err := strconv.Atoi(strings.TrimSuffix(idx, "]"))
		if n.Kind != yaml.SequenceNode || err != nil || i < 0 || i >= len(n.Content) {
			return nil, 0
		}
		return n.Content[i], n.Content[i].Line
	}
	if n.Kind != yaml.MappingNode {
		return nil, 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == step {
			return n.Content[i+1], n.Content[i].Line
		}
	}
	return nil, 0
}
