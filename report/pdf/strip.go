package pdf

import (
	"strconv"
	"time"

	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/report"
)

// StatesOf returns the minute states of every level of b that has them,
// for Options.States. Call it after ev.Finish (engine.Evaluator.States).
func StatesOf(b *contract.Bound, ev *engine.Evaluator) map[LevelKey][]engine.State {
	out := map[LevelKey][]engine.State{}
	for _, s := range b.Services {
		for _, l := range s.Levels {
			if st, ok := ev.States(l); ok {
				out[LevelKey{s.Customer.ID, s.Service.ID, l.Template.ID}] = st
			}
		}
	}
	return out
}

// The strip's colours by state: those of graph.Strip, so that the
// portal's SVG and the PDF read alike.
var stripColours = [...][3]int{
	engine.StateUnknown:  {0xd0, 0xd0, 0xd0},
	engine.StateUp:       {0x3f, 0xb9, 0x50},
	engine.StateDown:     {0xe5, 0x48, 0x4d},
	engine.StateExcluded: {0x8a, 0xa4, 0xc8},
}

const stripH = 6.0 // mm

// strip draws the month's minute states as one cell per hour, each cell
// the colour of its worst minute (down, then unknown, then up, then
// excluded, as graph.Strip decides), with the outages marked above and
// the days below. It prints no count: every figure stays the JSON's.
func (d *doc) strip(states []engine.State, outages []report.OutageJSON) {
	if len(states) == 0 {
		return
	}
	f := d.f
	if f.GetY()+stripH+14 > pageH-margin-8 {
		f.AddPage()
	}
	f.Ln(1)
	y := f.GetY() + 2
	cells := (len(states) + 59) / 60
	cw := textW / float64(cells)
	for k := 0; k < cells; {
		st := worst(states, k)
		j := k + 1
		for j < cells && worst(states, j) == st {
			j++
		}
		c := stripColours[st]
		f.SetFillColor(c[0], c[1], c[2])
		f.Rect(margin+float64(k)*cw, y, float64(j-k)*cw, stripH, "F")
		k = j
	}
	start, ok := d.monthStart()
	if ok {
		d.outageMarks(start, len(states), outages, y)
		d.dayTicks(start, len(states), y+stripH)
	}
	f.SetXY(margin, y+stripH+4)
	d.legend()
}

// worst is the state cell k shows.
func worst(states []engine.State, k int) engine.State {
	var seen [4]bool
	for _, s := range states[k*60 : min(len(states), (k+1)*60)] {
		if s > engine.StateExcluded {
			s = engine.StateUnknown // never down
		}
		seen[s] = true
	}
	for _, s := range []engine.State{engine.StateDown, engine.StateUnknown, engine.StateUp} {
		if seen[s] {
			return s
		}
	}
	return engine.StateExcluded
}

// monthStart is the month's first instant in the report's zone.
func (d *doc) monthStart() (time.Time, bool) {
	loc, err := time.LoadLocation(d.rep.Timezone)
	if err != nil {
		return time.Time{}, false
	}
	m, err := time.ParseInLocation("2006-01", d.rep.Month, loc)
	return m, err == nil
}

func (d *doc) outageMarks(start time.Time, n int, outages []report.OutageJSON, y float64) {
	f := d.f
	f.SetFillColor(0x8b, 0, 0)
	for _, o := range outages {
		a, err1 := time.Parse(time.RFC3339, o.Start)
		b, err2 := time.Parse(time.RFC3339, o.End)
		if err1 != nil || err2 != nil {
			continue
		}
		x0 := max(0, a.Sub(start).Minutes()) / float64(n)
		x1 := min(float64(n), b.Sub(start).Minutes()) / float64(n)
		if x1 < x0 || x0 >= 1 {
			continue
		}
		f.Rect(margin+x0*textW, y-1.8, max((x1-x0)*textW, 0.4), 1.2, "F")
	}
}

// dayTicks labels the 1st, 8th, 15th, 22nd and 29th at their midnights.
func (d *doc) dayTicks(start time.Time, n int, y float64) {
	f := d.f
	f.SetFont(family, "", 6)
	f.SetTextColor(90, 90, 90)
	for _, day := range []int{1, 8, 15, 22, 29} {
		t := start.AddDate(0, 0, day-1)
		if t.Month() != start.Month() {
			continue
		}
		x := margin + t.Sub(start).Minutes()/float64(n)*textW
		f.Line(x, y, x, y+1)
		f.SetXY(x-5, y+0.8)
		f.CellFormat(10, 2.6, strconv.Itoa(day), "", 0, "C", false, 0, "")
	}
	f.SetTextColor(0, 0, 0)
	f.SetFont(family, "", bodySize)
}

func (d *doc) legend() {
	f := d.f
	f.SetFont(family, "", smallSize)
	for _, x := range []struct {
		s    engine.State
		name string
	}{{engine.StateUp, "up"}, {engine.StateDown, "down"}, {engine.StateUnknown, "unknown"}, {engine.StateExcluded, "excluded"}} {
		c := stripColours[x.s]
		f.SetFillColor(c[0], c[1], c[2])
		f.Rect(f.GetX(), f.GetY()+0.8, 2.5, 2.5, "F")
		f.SetX(f.GetX() + 3)
		f.CellFormat(f.GetStringWidth(x.name)+4, smallLineH, x.name, "", 0, "L", false, 0, "")
	}
	f.SetFillColor(0x8b, 0, 0)
	f.Rect(f.GetX(), f.GetY()+1.4, 4, 1.2, "F")
	f.SetX(f.GetX() + 5)
	f.CellFormat(40, smallLineH, "outage (one cell per hour)", "", 1, "L", false, 0, "")
	f.SetFont(family, "", bodySize)
}
