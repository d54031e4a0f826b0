package pdf

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/graph"
	"github.com/slawatch/slawatch/report"
)

// MaxGraphs is the most latency graphs one PDF draws: a contract of a
// hundred paths would otherwise make a hundred pages nobody files.
const MaxGraphs = 24

// ServiceKey names one service of a report.
type ServiceKey struct {
	Customer, Service string
}

// SeriesGraph is a series a service's levels are measured by, with the
// round-trip threshold of the first of its levels that has one.
type SeriesGraph struct {
	Series    string
	Threshold time.Duration // latency_threshold_ms; 0: none
}

// GraphsOf returns, per service of b, the series its levels use, sorted
// by name (the walk of the API's service list), for Options.Graphs.
func GraphsOf(b *contract.Bound) map[ServiceKey][]SeriesGraph {
	out := map[ServiceKey][]SeriesGraph{}
	for _, bs := range b.Services {
		var gs []SeriesGraph
		for _, l := range bs.Levels {
			for _, i := range levelSeries(l) {
				name := b.Series[i]
				k := slices.IndexFunc(gs, func(g SeriesGraph) bool { return g.Series == name })
				if k < 0 {
					gs = append(gs, SeriesGraph{Series: name})
					k = len(gs) - 1
				}
				if gs[k].Threshold == 0 {
					gs[k].Threshold = threshold(l)
				}
			}
		}
		slices.SortFunc(gs, func(a, b SeriesGraph) int { return strings.Compare(a.Series, b.Series) })
		out[ServiceKey{bs.Customer.ID, bs.Service.ID}] = gs
	}
	return out
}

// levelSeries is the indexes of every series of a level's inputs.
func levelSeries(l *contract.Level) []int32 {
	var out []int32
	for _, xs := range l.Inputs {
		out = append(out, xs...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// threshold is the level's latency_threshold_ms; 0 when it has none.
func threshold(l *contract.Level) time.Duration {
	v := l.Numbers["latency_threshold_ms"]
	if v == nil || v.Sign() <= 0 {
		return 0
	}
	us, _ := new(big.Rat).Mul(v, big.NewRat(1000, 1)).Float64()
	return time.Duration(min(us, 1e12)) * time.Microsecond
}

// GraphSeries returns the series whose records Options.Latency needs for
// the services of b printed for customer ("" for all), in the order the
// PDF draws them, up to MaxGraphs graphs: a caller reads only these.
func GraphSeries(b *contract.Bound, graphs map[ServiceKey][]SeriesGraph, customer string) []string {
	var out []string
	n := 0
	for _, bs := range b.Services {
		if customer != "" && bs.Customer.ID != customer {
			continue
		}
		for _, g := range graphs[ServiceKey{bs.Customer.ID, bs.Service.ID}] {
			if n == MaxGraphs {
				return out
			}
			n++
			if !slices.Contains(out, g.Series) {
				out = append(out, g.Series)
			}
		}
	}
	return out
}

// latencies draws the latency graph of each series of a service whose
// records Options.Latency holds, while fewer than MaxGraphs are drawn,
// and says which were left out beyond that.
func (d *doc) latencies(c *report.CustomerReport, s *report.ServiceReport) {
	var todo []SeriesGraph
	for _, g := range d.opts.Graphs[ServiceKey{c.ID, s.ID}] {
		if _, ok := d.opts.Latency[g.Series]; ok {
			todo = append(todo, g)
		}
	}
	start, ok := d.monthStart()
	if len(todo) == 0 || !ok {
		return
	}
	d.headingRoom(s.ID+" · latency", 20+graphH)
	d.para("Round-trip time of each series the service is measured by: the raw measurements before exclusions (the verdicts and figures are the report's).")
	var left []string
	for _, g := range todo {
		if d.graphs == MaxGraphs {
			left = append(left, g.Series)
			continue
		}
		d.graphs++
		d.latency(g, start, d.opts.Latency[g.Series])
	}
	if len(left) > 0 {
		d.para(fmt.Sprintf("Latency graphs left out (a PDF holds at most %d; the portal draws every series): %s.",
			MaxGraphs, strings.Join(left, ", ")))
	}
}

// The latency graph's layout, mm.
const (
	graphH     = 53.0 // the whole graph: title, plot, axis, caption
	plotH      = 30.0
	plotLeft   = 12.0 // room for the ms labels
	plotPixels = 720  // buckets as graph.Latency's default width cuts them
)

// latency draws one series' month, as graph.Latency draws it in SVG.
func (d *doc) latency(g SeriesGraph, start time.Time, pts []graph.Point) {
	f := d.f
	end := start.AddDate(0, 1, 0)
	bs, err := graph.BucketsOf(pts, start, end, plotPixels, g.Threshold)
	if err != nil {
		d.para(g.Series + ": " + err.Error())
		return
	}
	if f.GetY()+graphH > pageH-margin-8 {
		f.AddPage()
	}
	f.Ln(2)
	f.SetFont(family, "B", bodySize)
	f.CellFormat(textW, lineH, clean(g.Series+" · "+d.rep.Month), "", 1, "L", false, 0, "")
	f.SetFont(family, "", bodySize)
	p := plot{x0: margin + plotLeft, x1: pageW - margin, y0: f.GetY() + 5, top: bs.Top, n: bs.Minutes}
	p.y1 = p.y0 + plotH
	d.plotGaps(&p, bs.Buckets)
	d.plotGrid(&p, bs.Step, start)
	d.plotBuckets(&p, bs.Buckets)
	d.plotThreshold(&p, g.Threshold)
	d.plotAxes(&p, bs.Step, start)
	f.SetXY(margin, p.y1+5)
	d.graphLegend(start, bs.Size)
}

// plot maps a graph's minutes and microseconds to the page.
type plot struct {
	x0, x1, y0, y1 float64
	top            float64 // µs at y0
	n              int64   // minutes across
}

func (p *plot) x(j int64) float64 { return p.x0 + (p.x1-p.x0)*float64(j)/float64(p.n) }

func (p *plot) y(us float64) float64 {
	return min(max(p.y1-(p.y1-p.y0)*us/p.top, p.y0), p.y1)
}

func (d *doc) fill(hex string) {
	r, g, b := rgb(hex)
	d.f.SetFillColor(r, g, b)
}

// rgb reads "#rrggbb"; black when it is not one.
func rgb(hex string) (r, g, b int) {
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil || len(hex) != 7 {
		return 0, 0, 0
	}
	return int(v >> 16), int(v >> 8 & 0xff), int(v & 0xff)
}

// plotGaps shades each run of buckets with no measured minute.
func (d *doc) plotGaps(p *plot, bs []graph.Bucket) {
	d.fill("#ececec")
	for i := 0; i < len(bs); {
		if bs[i].Measured > 0 {
			i++
			continue
		}
		j := i
		for j < len(bs) && bs[j].Measured == 0 {
			j++
		}
		d.f.Rect(p.x(bs[i].Start), p.y0, p.x(bs[j-1].End)-p.x(bs[i].Start), p.y1-p.y0, "F")
		i = j
	}
}

// plotGrid draws the scale's lines and a line at each local midnight.
func (d *doc) plotGrid(p *plot, step float64, start time.Time) {
	f := d.f
	f.SetDrawColor(0xe4, 0xe4, 0xe4)
	f.SetLineWidth(0.1)
	for v := step; step > 0 && v <= p.top+step/1e6; v += step {
		f.Line(p.x0, p.y(v), p.x1, p.y(v))
	}
	for t := start.AddDate(0, 0, 1); t.Month() == start.Month(); t = t.AddDate(0, 0, 1) {
		x := p.x(int64(t.Sub(start).Minutes()))
		f.Line(x, p.y0, x, p.y1)
	}
}

// plotBuckets draws each measured bucket: the smoke from its smallest to
// its largest RTT and its mean in the colour of its loss, or a pale red
// column when every probe was lost.
func (d *doc) plotBuckets(p *plot, bs []graph.Bucket) {
	f := d.f
	for i := range bs {
		b := &bs[i]
		if b.Measured == 0 {
			continue
		}
		x, w := p.x(b.Start), p.x(b.End)-p.x(b.Start)
		if b.Received == 0 {
			d.fill("#ffcccc") // graph.Latency's red at 20% on white
			f.Rect(x, p.y0, w, p.y1-p.y0, "F")
			continue
		}
		top, bot := p.y(float64(b.Max)), p.y(float64(b.Min))
		d.fill("#b4b4b4")
		f.Rect(x, top, w, max(bot-top, 0.2), "F")
		d.fill(b.LossColour())
		f.Rect(x, p.y(b.Mean())-0.25, w, 0.5, "F")
	}
}

func (d *doc) plotThreshold(p *plot, thr time.Duration) {
	us := float64(thr.Microseconds())
	if us <= 0 || us > p.top {
		return
	}
	f := d.f
	f.SetDrawColor(0xd0, 0x02, 0x1b)
	f.SetLineWidth(0.25)
	f.SetDashPattern([]float64{1.5, 0.8}, 0)
	f.Line(p.x0, p.y(us), p.x1, p.y(us))
	f.SetDashPattern(nil, 0)
	f.SetFont(family, "", 6)
	f.SetTextColor(0xd0, 0x02, 0x1b)
	label := "threshold " + strconv.FormatFloat(us/1000, 'f', -1, 64) + " ms"
	f.SetXY(p.x1-40, p.y(us)-3)
	f.CellFormat(40, 2.6, label, "", 0, "R", false, 0, "")
	f.SetTextColor(0, 0, 0)
	f.SetFont(family, "", bodySize)
}

// plotAxes draws the axes, the milliseconds on the left and the 1st,
// 8th, 15th, 22nd and 29th below, at their midnights in the zone.
func (d *doc) plotAxes(p *plot, step float64, start time.Time) {
	f := d.f
	f.SetDrawColor(0x33, 0x33, 0x33)
	f.SetLineWidth(0.2)
	f.Line(p.x0, p.y0, p.x0, p.y1)
	f.Line(p.x0, p.y1, p.x1, p.y1)
	f.SetFont(family, "", 6)
	f.SetTextColor(0x33, 0x33, 0x33)
	for v := 0.0; step > 0 && v <= p.top+step/1e6; v += step {
		f.SetXY(p.x0-plotLeft, p.y(v)-1.3)
		f.CellFormat(plotLeft-1, 2.6, msLabel(v, step), "", 0, "R", false, 0, "")
	}
	f.SetXY(p.x0-plotLeft, p.y0-4)
	f.CellFormat(plotLeft-1, 2.6, "ms", "", 0, "R", false, 0, "")
	for _, day := range []int{1, 8, 15, 22, 29} {
		t := start.AddDate(0, 0, day-1)
		if t.Month() != start.Month() {
			continue
		}
		x := p.x(int64(t.Sub(start).Minutes()))
		f.Line(x, p.y1, x, p.y1+1)
		f.SetXY(x-5, p.y1+1)
		f.CellFormat(10, 2.6, t.Format("Jan 2"), "", 0, "C", false, 0, "")
	}
	f.SetTextColor(0, 0, 0)
	f.SetFont(family, "", bodySize)
}

// msLabel formats µs as milliseconds with the decimals the step needs.
func msLabel(us, step float64) string {
	dec := 0
	for s := step; s < 1000 && dec < 3; s *= 10 {
		dec++
	}
	return strconv.FormatFloat(us/1000, 'f', dec, 64)
}

// graphLegend names the zone and the bucket, then the loss colours.
func (d *doc) graphLegend(start time.Time, size int64) {
	f := d.f
	f.SetFont(family, "", 6)
	f.CellFormat(textW, 3, clean(fmt.Sprintf("times in %s · %d-minute buckets · grey smoke: min to max RTT · line: mean RTT, by loss:",
		start.Location(), size)), "", 1, "L", false, 0, "")
	for _, b := range graph.LossBands() {
		d.fill(b.Colour)
		f.Rect(f.GetX(), f.GetY()+0.5, 2.2, 2.2, "F")
		f.SetX(f.GetX() + 2.8)
		f.CellFormat(f.GetStringWidth(b.Label)+2.5, 3, b.Label, "", 0, "L", false, 0, "")
	}
	d.fill("#ececec")
	f.Rect(f.GetX(), f.GetY()+0.5, 2.2, 2.2, "F")
	f.SetX(f.GetX() + 2.8)
	f.CellFormat(20, 3, "no data", "", 1, "L", false, 0, "")
	f.SetDrawColor(160, 160, 160)
	f.SetLineWidth(0.2)
	f.SetFont(family, "", bodySize)
}
