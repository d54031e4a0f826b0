package graph

import (
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"strconv"
	"strings"
)

// svg accumulates a document; it is written out once, at the end, so
// that a failing writer is reported once and a half-drawn graph never
// leaves through an error path of the drawing.
type svg struct{ b []byte }

func (s *svg) Write(p []byte) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}

// raw appends markup as it is.
func (s *svg) raw(markup string) { s.b = append(s.b, markup...) }

// f appends formatted markup; every string argument must already be safe
// (a number from num, a constant, or text from esc).
func (s *svg) f(format string, args ...any) { s.b = fmt.Appendf(s.b, format, args...) }

// text appends t escaped for character data or an attribute value; a
// character XML does not allow becomes U+FFFD.
func (s *svg) text(t string) { xml.EscapeText(s, []byte(t)) }

// flush writes the document to w.
func (s *svg) flush(w io.Writer) error {
	if _, err := w.Write(s.b); err != nil {
		return fmt.Errorf("graph: write: %w", err)
	}
	return nil
}

// esc returns t escaped, for use as an argument of f.
func esc(t string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(t))
	return b.String()
}

// num formats a coordinate with at most two decimals and no trailing
// zeros, so equal input always gives equal bytes. NaN becomes 0 and the
// infinities the largest finite coordinate drawn.
func num(x float64) string {
	switch {
	case math.IsNaN(x):
		x = 0
	case x > 1e9:
		x = 1e9
	case x < -1e9:
		x = -1e9
	}
	t := strconv.FormatFloat(math.Round(x*100)/100, 'f', 2, 64)
	t = strings.TrimRight(t, "0")
	t = strings.TrimSuffix(t, ".")
	if t == "-0" {
		return "0"
	}
	return t
}

// header opens an accessible SVG document of w × h pixels whose title
// and description are id-title and id-desc.
func (s *svg) header(id string, w, h int, title, desc string) {
	s.f(`<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc">`+"\n",
		w, h, w, h, id, id)
	s.f(`<title id="%s-title">%s</title>`+"\n", id, esc(title))
	s.f(`<desc id="%s-desc">%s</desc>`+"\n", id, esc(desc))
}

// ident returns the prefix of a graph's element ids: given, when it is a
// safe XML name, or else derived from what the graph shows, so that two
// graphs inline in one page do not share ids.
func ident(given, kind string, parts ...string) string {
	if given != "" && safeID(given) {
		return given
	}
	h := fnv.New32a()
	io.WriteString(h, given)
	for _, p := range parts {
		h.Write([]byte{0})
		io.WriteString(h, p)
	}
	return fmt.Sprintf("%s-%08x", kind, h.Sum32())
}

// safeID reports whether id is a plain XML name: a letter, then letters,
// digits, '-' and '_'.
func safeID(id string) bool {
	if len(id) > 64 {
		return false
	}
	for i, c := range []byte(id) {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '-' || c == '_')) {
			return false
		}
	}
	return id != ""
}

// font is the font family of every text: Verdana where it is, as the
// badge widths assume, then what most systems have.
const font = `font-family="Verdana,DejaVu Sans,Geneva,sans-serif"`
