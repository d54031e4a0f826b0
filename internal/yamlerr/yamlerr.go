// Package yamlerr turns the YAML decoder's errors into the tool's own
// shape, "file:line: what is wrong", in the words of the file rather than
// of Go: no Go type names, an unknown key with the keys allowed there and
// the closest one, a wrong kind of value named as YAML names it.
package yamlerr

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is one or more problems of one file, each "file:line: message".
type Error struct {
	File     string
	Problems []string
}

func (e *Error) Error() string { return strings.Join(e.Problems, "\n") }

// The decoder's messages quote keys and values as they are: a key may
// hold spaces and, quoted in the YAML, line breaks (hence (?s)).
var (
	reLine    = regexp.MustCompile(`(?s)^line (\d+): (.*)$`)
	reUnknown = regexp.MustCompile(`(?s)^field (.*) not found in type (\S+)$`) // an empty key ("": x) too
	reKind    = regexp.MustCompile("(?s)^cannot unmarshal (!!?\\S*)(?: `(.*)`)? into (\\S+)$")
	reAlready = regexp.MustCompile(`(?s)^mapping key "(.*)" already defined at line (\d+)$`)
)

// Wrap rewrites err, an error of decoding file into root (a pointer to
// the value decoded), in the tool's shape; an error of another kind is
// prefixed with the file's name. nil stays nil.
func Wrap(file string, err error, root any) error {
	if err == nil {
		return nil
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := reLine.FindStringSubmatch(msg); m != nil {
			return &Error{File: file, Problems: []string{file + ":" + m[1] + ": " + m[2]}}
		}
		return fmt.Errorf("%s: %s", file, msg)
	}
	types := typesOf(reflect.TypeOf(root))
	out := &Error{File: file}
	for _, p := range te.Errors {
		out.Problems = append(out.Problems, problem(file, p, types))
	}
	return out
}

func problem(file, p string, types map[string]reflect.Type) string {
	line, msg := "", p
	if m := reLine.FindStringSubmatch(p); m != nil {
		line, msg = m[1], m[2]
	}
	at := file
	if line != "" {
		at += ":" + line
	}
	if m := reUnknown.FindStringSubmatch(msg); m != nil {
		keys := keysOf(types[strings.TrimPrefix(m[2], "*")])
		s := fmt.Sprintf("%s: unknown key %q", at, m[1])
		if near := closest(m[1], keys); near != "" {
			s += fmt.Sprintf(" (did you mean %q?)", near)
		}
		if len(keys) > 0 {
			s += "; allowed here: " + strings.Join(keys, ", ")
		}
		return s
	}
	if m := reKind.FindStringSubmatch(msg); m != nil {
		return strings.TrimSpace(fmt.Sprintf("%s: want %s, not %s %s", at, wanted(m[3], types), yamlKind(m[1]), quote(m[2])))
	}
	if m := reAlready.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s: key %q given twice (first at line %s)", at, m[1], m[2])
	}
	return at + ": " + msg
}

// typesOf names every type reachable from t as the decoder names them
// ("contract.Service"), so that an error's type name finds its keys.
func typesOf(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || out[t.String()] != nil {
			return
		}
		out[t.String()] = t
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				walk(f.Type)
			}
		}
	}
	if t != nil {
		walk(t)
	}
	return out
}

// keysOf lists the YAML keys of a struct type, inlined ones included.
func keysOf(t reflect.Type) []string {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		switch {
		case name == "-":
			continue
		case strings.Contains(opts, "inline"):
			out = append(out, keysOf(f.Type)...)
			continue
		case name == "":
			name = strings.ToLower(f.Name)
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// closest is the key nearest to k by edit distance, when near enough to
// be a typo (at most a third of its letters, at least two).
func closest(k string, keys []string) string {
	best, bestD := "", max(2, len(k)/3)+1
	for _, c := range keys {
		if d := distance(strings.ToLower(k), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// distance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours ("titel") cost one.
func distance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// wanted names a Go type as the kind of YAML value it takes.
func wanted(goType string, types map[string]reflect.Type) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map["):
		return "a mapping (key: value)"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	case goType == "time.Duration":
		return "a duration such as 30s or 5m"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "a whole number"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	}
	if t := types[strings.TrimPrefix(goType, "*")]; t != nil {
		if keys := keysOf(t); len(keys) > 0 {
			return "a mapping with keys " + strings.Join(keys, ", ")
		}
	}
	return "another kind of value"
}

func yamlKind(tag string) string {
	if !strings.HasPrefix(tag, "!!") {
		return "a value tagged " + tag // a tag of the file's own, such as !secret
	}
	switch tag = tag[2:]; tag {
	case "int":
		return "the number"
	case "float":
		return "the number"
	case "str":
		return "the string"
	case "bool":
		return "the boolean"
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	case "null":
		return "null"
	}
	return "the " + tag
}

func quote(v string) string {
	if v == "" {
		return ""
	}
	if len(v) > 40 {
		v = v[:40] + "…"
	}
	return v
}
