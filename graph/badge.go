package graph

import (
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/report"
)

// Colour is a badge's value colour: #rgb or #rrggbb.
type Colour string

// Badge colours, those of shields.io's flat badges.
const (
	Green  Colour = "#4c1"    // met
	Yellow Colour = "#dfb317" // at risk: a quarter of the error budget left or less
	Red    Colour = "#e05d44" // missed
	Grey   Colour = "#9f9f9f" // undetermined
	Blue   Colour = "#007ec6" // informative
)

func (c Colour) valid() bool {
	s := string(c)
	if len(s) != 4 && len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, r := range s[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// maxBadgeText bounds a badge's label and value, in bytes.
const maxBadgeText = 200

// Badge draws a flat badge, label on grey and value on colour, as
// shields.io and Gatus draw them, 20 pixels high and as wide as its text
// in Verdana 11 px (each text is also given its textLength, so another
// font is squeezed to fit rather than overflowing):
//
//	err := graph.Badge(w, "availability", "99.987%", graph.Green)
func Badge(w io.Writer, label, value string, colour Colour) error {
	if !colour.valid() {
		return slawatch.Errorf(slawatch.EINVALID, "graph: badge colour %q: want #rgb or #rrggbb", string(colour))
	}
	if len(label) > maxBadgeText || len(value) > maxBadgeText {
		return slawatch.Errorf(slawatch.EINVALID, "graph: badge text longer than %d bytes", maxBadgeText)
	}
	lw, vw := math.Ceil(textWidth(label, 11))+10, math.Ceil(textWidth(value, 11))+10
	if label == "" {
		lw = 0
	}
	tw := lw + vw
	id := ident("", "badge", label, value, string(colour))
	var s svg
	s.f(`<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="%s" height="20" viewBox="0 0 %s 20" role="img" aria-label="%s">`+"\n",
		num(tw), num(tw), esc(badgeText(label, value)))
	s.f(`<title>%s</title>`+"\n", esc(badgeText(label, value)))
	s.f(`<linearGradient id="%s-s" x2="0" y2="100%%"><stop offset="0" stop-color="#bbbbbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`+"\n", id)
	s.f(`<clipPath id="%s-r"><rect width="%s" height="20" rx="3" fill="#ffffff"/></clipPath>`+"\n", id, num(tw))
	s.f(`<g clip-path="url(#%s-r)"><rect width="%s" height="20" fill="#555555"/><rect x="%s" width="%s" height="20" fill="%s"/><rect width="%s" height="20" fill="url(#%s-s)"/></g>`+"\n",
		id, num(lw), num(lw), num(vw), string(colour), num(tw), id)
	s.f(`<g fill="#ffffff" text-anchor="middle" %s font-size="11">`+"\n", font)
	if label != "" {
		badgeLabel(&s, label, lw/2, lw-10)
	}
	badgeLabel(&s, value, lw+vw/2, vw-10)
	s.raw("</g>\n</svg>\n")
	return s.flush(w)
}

// badgeLabel draws t centred at x with its shadow.
func badgeLabel(s *svg, t string, x, width float64) {
	if t == "" {
		return
	}
	s.f(`<text x="%s" y="15" fill="#010101" fill-opacity=".3" textLength="%s" lengthAdjust="spacingAndGlyphs">%s</text>`,
		num(x), num(width), esc(t))
	s.f(`<text x="%s" y="14" textLength="%s" lengthAdjust="spacingAndGlyphs">%s</text>`+"\n", num(x), num(width), esc(t))
}

func badgeText(label, value string) string {
	if label == "" {
		return value
	}
	return label + ": " + value
}

// LevelBadge draws the badge of one level's month (to date, from a
// report of a Clone): "availability | 99.987%", the percentage cut (not
// rounded) to three decimals, so that the badge never shows more than the
// report; value levels show their latency, loss or jitter. The colour is
// the verdict's: Red missed, Yellow at risk (a quarter of the error
// budget left or less, as the portal's overview says), Green met, Grey
// undetermined.
//
//	err := graph.LevelBadge(w, &rep.Customers[0].Services[0].Levels[0])
func LevelBadge(w io.Writer, l *report.LevelReport) error {
	label, value := "availability", "n/a"
	switch {
	case l.Availability != "":
		value = cut(string(l.Availability), 3) + "%"
	case l.LatencyMs != "":
		label, value = "latency", cut(string(l.LatencyMs), 3)+" ms"
	case l.LossPct != "":
		label, value = "loss", cut(string(l.LossPct), 3)+"%"
	case l.JitterMs != "":
		label, value = "jitter", cut(string(l.JitterMs), 3)+" ms"
	}
	return Badge(w, label, value, verdictColour(l))
}

func verdictColour(l *report.LevelReport) Colour {
	switch {
	case l.Met == nil:
		return Grey
	case !*l.Met:
		return Red
	case l.Budget != nil && l.Budget.Allowed > 0 && l.Budget.Left >= 0 && 4*l.Budget.Left <= l.Budget.Allowed:
		return Yellow
	}
	return Green
}

// cut keeps at most dec decimals of a decimal number, rounding toward
// zero.
func cut(n string, dec int) string {
	i := strings.IndexByte(n, '.')
	if i < 0 || len(n)-i-1 <= dec {
		return n
	}
	return strings.TrimSuffix(n[:i+1+dec], ".")
}

// textWidth estimates the width of t in Verdana at size px: the advance
// widths of Verdana's printable ASCII characters, 0.62 em for other
// characters and a full em for wide (East Asian) ones.
func textWidth(t string, size float64) float64 {
	var units float64
	for len(t) > 0 {
		r, n := utf8.DecodeRuneInString(t)
		t = t[n:]
		switch {
		case r >= ' ' && r <= '~':
			units += float64(verdana[r-' '])
		case r >= 0x1100 && isWide(r):
			units += 2048
		default:
			units += 1270
		}
	}
	return units / 2048 * size
}

// isWide reports whether r is in the main East Asian wide blocks.
func isWide(r rune) bool {
	return r <= 0x115f || r >= 0x2e80 && r <= 0xa4cf || r >= 0xac00 && r <= 0xd7a3 ||
		r >= 0xf900 && r <= 0xfaff || r >= 0xfe30 && r <= 0xfe4f || r >= 0xff00 && r <= 0xff60 ||
		r >= 0xffe0 && r <= 0xffe6 || r >= 0x20000 && r <= 0x3fffd
}

// verdana holds the advance widths, in units of 2,048 to the em, of
// Verdana's characters from ' ' to '~'.
var verdana = [95]uint16{
	720, 822, 941, 1636, 1302, 2277, 1499, 532, 1022, 1022, 1302, 1636, 745, 944, 745, 1022, // space ! " # $ % & ' ( ) * + , - . /
	1302, 1302, 1302, 1302, 1302, 1302, 1302, 1302, 1302, 1302, // 0-9
	872, 872, 1636, 1636, 1636, 1117, 2048, // : ; < = > ? @
	1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 868, 925, 1412, 1141, 1724, // A-M
	1530, 1612, 1235, 1612, 1424, 1400, 1255, 1505, 1401, 2025, 1403, 1254, 1403, // N-Z
	1022, 1022, 1022, 1636, 1302, 1302, // [ \ ] ^ _ `
	1229, 1270, 1066, 1270, 1221, 720, 1270, 1296, 559, 763, 1194, 559, 1996, // a-m
	1296, 1233, 1270, 1270, 872, 1044, 807, 1296, 1194, 1653, 1194, 1194, 1052, // n-z
	1300, 1022, 1300, 1636, // { | } ~
}
