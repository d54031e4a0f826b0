package graph

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/engine"
)

// StripOptions says what an availability strip shows and how large.
type StripOptions struct {
	Title    string    // e.g. the level's title; "Availability" when empty
	From     time.Time // the start of the first state's minute: the month's start
	Location *time.Location
	Width    int // pixels, 480 to 10,000; 0: 800
	// CellMinutes is the minutes a cell stands for, counted from From:
	// 1 (a cell per minute) or 60 (per hour), or any other; 0 picks 1
	// when every minute gets a pixel and 60 otherwise.
	CellMinutes int
	// Outages are marked above the strip: the level's report's outages.
	Outages []Span
	ID      string // prefixes the element ids; empty: derived
}

// Strip colours, by engine.State.
var stateColours = [...]string{
	engine.StateUnknown:  "#d0d0d0",
	engine.StateUp:       "#3fb950",
	engine.StateDown:     "#e5484d",
	engine.StateExcluded: "#8aa4c8",
}

const outageColour = "#8b0000"

// maxStates bounds a strip: ten years of minutes.
const maxStates = 10 * 366 * 24 * 60

// strip is an availability strip being laid out.
type strip struct {
	o       StripOptions
	loc     *time.Location
	id      string
	states  []engine.State
	cell    int
	w, h    int
	x0, x1  float64
	y0, y1  float64 // the cells
	m0      int64   // From's minute
	counts  [4]int  // every minute by state
	outages []Span
}

// Strip draws an availability strip of one level, like Uptime Kuma's
// heartbeat bar but exact: states[j] is the minute starting j minutes
// after From (engine.Evaluator.States), drawn as cells of CellMinutes. A
// cell shows its worst minute: down if any minute is down, else unknown
// if any is unknown, else up if any is up, else excluded; its tooltip
// counts its minutes by state. Adjacent cells whose minutes are all of one
// state are drawn as one element. Outages are marked above the strip.
//
//	st, _ := ev.States(level)
//	err := graph.Strip(w, graph.StripOptions{Title: rep.Title, From: m.Start, Location: loc, CellMinutes: 60}, st)
func Strip(w io.Writer, opts StripOptions, states []engine.State) error {
	g, err := newStrip(opts, states)
	if err != nil {
		return err
	}
	var s svg
	g.draw(&s)
	return s.flush(w)
}

func newStrip(o StripOptions, states []engine.State) (*strip, error) {
	g := &strip{o: o, loc: location(o.Location), states: states, m0: slawatch.UnixMinute(o.From)}
	var err error
	if g.w, err = size("width", o.Width, 800, 480, 10000); err != nil {
		return nil, err
	}
	if len(states) == 0 || len(states) > maxStates {
		return nil, slawatch.Errorf(slawatch.EINVALID, "graph: strip of %d minutes: want 1 to %d", len(states), maxStates)
	}
	if o.CellMinutes < 0 || o.CellMinutes > maxStates {
		return nil, slawatch.Errorf(slawatch.EINVALID, "graph: strip cells of %d minutes: want 0 to %d", o.CellMinutes, maxStates)
	}
	g.x0, g.x1, g.y0, g.y1 = 16, float64(g.w-16), 40, 64
	g.h = 112
	g.cell = o.CellMinutes
	if g.cell == 0 {
		g.cell = 60
		if float64(len(states)) <= g.x1-g.x0 {
			g.cell = 1
		}
	}
	for _, st := range states {
		g.counts[stateOf(st)]++
	}
	g.outages = g.clipOutages()
	g.id = ident(o.ID, "strip", o.Title, o.From.String(), fmt.Sprint(len(states)))
	return g, nil
}

// stateOf maps a state outside the four to unknown: never down.
func stateOf(s engine.State) engine.State {
	if s > engine.StateExcluded {
		return engine.StateUnknown
	}
	return s
}

// clipOutages keeps the outages that overlap the strip, clipped to it.
func (g *strip) clipOutages() []Span {
	from := slawatch.MinuteTime(g.m0)
	to := slawatch.MinuteTime(g.m0 + int64(len(g.states)))
	var out []Span
	for _, o := range g.o.Outages {
		a, b := maxTime(o.Start, from), minTime(o.End, to)
		if a.Before(b) {
			out = append(out, Span{a, b})
		}
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (g *strip) x(j int64) float64 {
	return g.x0 + (g.x1-g.x0)*float64(j)/float64(len(g.states))
}

func (g *strip) xt(t time.Time) float64 {
	return g.x0 + (g.x1-g.x0)*float64(t.Unix()-g.m0*60)/float64(int64(len(g.states))*60)
}

func (g *strip) time(j int64) time.Time { return slawatch.MinuteTime(g.m0 + j).In(g.loc) }

func (g *strip) title() string {
	if g.o.Title == "" {
		return "Availability"
	}
	return g.o.Title
}

func (g *strip) draw(s *svg) {
	s.header(g.id, g.w, g.h, g.title(), g.desc())
	s.f(`<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", g.w, g.h)
	s.f(`<text x="%s" y="18" %s font-size="13" font-weight="bold" fill="%s">%s</text>`+"\n",
		num(g.x0), font, inkColour, esc(g.title()))
	g.drawCells(s)
	g.drawOutages(s)
	g.drawAxis(s)
	g.drawLegend(s)
	s.raw("</svg>\n")
}

func (g *strip) desc() string {
	c := g.counts
	d := fmt.Sprintf("Minutes from %s to %s (%s), %d-minute cells: %s up, %s down, %s unknown, %s excluded",
		clock(g.time(0)), clock(g.time(int64(len(g.states)))), g.loc, g.cell,
		thousands(int64(c[engine.StateUp])), thousands(int64(c[engine.StateDown])),
		thousands(int64(c[engine.StateUnknown])), thousands(int64(c[engine.StateExcluded])))
	return d + fmt.Sprintf("; %d outages.", len(g.outages))
}

// cellCounts counts the states of the minutes [a, b).
func (g *strip) cellCounts(a, b int) [4]int {
	var n [4]int
	for _, st := range g.states[a:b] {
		n[stateOf(st)]++
	}
	return n
}

// worst is a cell's state: down, unknown, up, excluded, the first with a
// minute.
func worst(n [4]int) engine.State {
	for _, st := range []engine.State{engine.StateDown, engine.StateUnknown, engine.StateUp} {
		if n[st] > 0 {
			return st
		}
	}
	return engine.StateExcluded
}

// pure reports whether every minute counted is of one state.
func pure(n [4]int) bool {
	k := 0
	for _, c := range n {
		if c > 0 {
			k++
		}
	}
	return k == 1
}

// drawCells draws the cells, a run of pure cells of one state as one.
func (g *strip) drawCells(s *svg) {
	n := len(g.states)
	for a := 0; a < n; {
		b := min(a+g.cell, n)
		c := g.cellCounts(a, b)
		st := worst(c)
		if pure(c) {
			for b < n {
				e := min(b+g.cell, n)
				if d := g.cellCounts(b, e); !pure(d) || worst(d) != st {
					break
				}
				b = e
			}
		}
		g.drawCell(s, a, b, st, c)
		a = b
	}
}

func (g *strip) drawCell(s *svg, a, b int, st engine.State, c [4]int) {
	x0, x1 := g.x(int64(a)), g.x(int64(b))
	tip := interval(g.time(int64(a)), g.time(int64(b))) + ": "
	if pure(c) {
		tip += fmt.Sprintf("%s (%s min)", st, thousands(int64(b-a)))
	} else {
		tip += st.String() + " (" + mix(c) + ")"
	}
	s.f(`<rect class="cell %s" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`+"\n",
		st, num(x0), num(g.y0), num(x1-x0), num(g.y1-g.y0), stateColours[st], esc(tip))
}

// mix says a mixed cell's minutes: "2 down, 58 up".
func mix(c [4]int) string {
	var parts []string
	for _, st := range []engine.State{engine.StateDown, engine.StateUnknown, engine.StateUp, engine.StateExcluded} {
		if c[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[st], st))
		}
	}
	return strings.Join(parts, ", ")
}

// drawOutages marks each outage with a bar above the cells and its
// start and end as ticks down through them.
func (g *strip) drawOutages(s *svg) {
	for _, o := range g.outages {
		a, b := g.xt(o.Start), g.xt(o.End)
		mins := (o.End.Unix() - o.Start.Unix() + 59) / 60
		s.f(`<g class="outage"><title>outage %s (%s min)</title><rect x="%s" y="%s" width="%s" height="5" fill="%s"/>`,
			esc(interval(o.Start.In(g.loc), o.End.In(g.loc))), thousands(mins), num(a), num(g.y0-8), num(max(b-a, 1)), outageColour)
		s.f(`<path d="M%s %sV%sM%s %sV%s" stroke="%s" stroke-width="1"/></g>`+"\n",
			num(a), num(g.y0-8), num(g.y1), num(a+max(b-a, 1)), num(g.y0-8), num(g.y1), outageColour)
	}
}

func (g *strip) drawAxis(s *svg) {
	from, to := g.time(0), g.time(int64(len(g.states)))
	s.f(`<g %s font-size="10" fill="%s">`+"\n", font, inkColour)
	for _, t := range timeTicks(from, to, g.loc, g.x1-g.x0) {
		x := num(g.xt(t.at))
		s.f(`<path d="M%s %sV%s" stroke="%s" stroke-width="1"/><text x="%s" y="%s" text-anchor="middle">%s</text>`+"\n",
			x, num(g.y1), num(g.y1+4), inkColour, x, num(g.y1+15), esc(t.label))
	}
	s.f(`<text x="%s" y="%s">times in %s · %d-minute cells · a cell shows its worst minute</text>`+"\n",
		num(g.x0), num(g.y1+29), esc(g.loc.String()), g.cell)
	s.raw("</g>\n")
}

func (g *strip) drawLegend(s *svg) {
	y := g.y1 + 36
	s.f(`<g %s font-size="10" fill="%s">`, font, inkColour)
	x := g.x0
	for _, st := range []engine.State{engine.StateUp, engine.StateDown, engine.StateUnknown, engine.StateExcluded} {
		label := fmt.Sprintf("%s %s", st, thousands(int64(g.counts[st])))
		s.f(`<rect x="%s" y="%s" width="10" height="10" fill="%s"/><text x="%s" y="%s">%s</text>`,
			num(x), num(y), stateColours[st], num(x+13), num(y+9), esc(label))
		x += 13 + textWidth(label, 10) + 14
	}
	s.f(`<rect x="%s" y="%s" width="10" height="5" fill="%s"/><text x="%s" y="%s">outage (%d)</text>`,
		num(x), num(y+3), outageColour, num(x+13), num(y+9), len(g.outages))
	s.raw("</g>\n")
}
