package graph

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"time"

	"github.com/slawatch/slawatch"
)

// LatencyOptions says what a latency graph shows and how large.
type LatencyOptions struct {
	Title string // e.g. the series' name; "Latency" when empty
	// From and To are the span drawn, [From, To), widened to whole
	// minutes: a day, a week, the contract's month.
	From, To time.Time
	Location *time.Location // the axis' times; nil: UTC
	Width    int            // pixels, 480 to 10,000; 0: 800
	Height   int            // pixels, 160 to 4,000; 0: 260
	// Threshold is the level's round-trip objective, drawn as a dashed
	// line labelled ThresholdLabel ("threshold 35 ms" when empty); 0: none.
	Threshold      time.Duration
	ThresholdLabel string
	// Max is the top of the scale; 0 picks one (docs/graphs.md). Smoke
	// and means above the top are clipped to it.
	Max time.Duration
	// ID prefixes the ids of the graph's elements; graphs inline in one
	// HTML page need different ones. Empty: derived from the title and span.
	ID string
}

// Loss colours of the mean line, SmokePing's defaults for 20 probes
// (0, 1, 2, 3, 4, 10 and 19 lost), as bands of the bucket's loss: lost
// probes over probes sent in the bucket's minutes.
var lossBands = []struct {
	below  uint64 // percent; the band holds losses under it
	colour string
	label  string
}{
	{0, "#26ff00", "0"}, // exactly none lost
	{5, "#00b8ff", "<5%"},
	{10, "#0059ff", "<10%"},
	{20, "#5e00ff", "<20%"},
	{50, "#7e00ff", "<50%"},
	{100, "#dd00ff", "<100%"},
	{101, "#ff0000", "100%"},
}

// Colours of the rest of a latency graph.
const (
	smokeColour   = "#b4b4b4" // min–max band
	gapColour     = "#ececec" // no measurement
	lostColour    = "#ff0000" // a bucket with every probe lost, at lostOpacity
	lostOpacity   = "0.2"
	thresholdLine = "#d0021b"
	gridColour    = "#e4e4e4"
	inkColour     = "#333333"
)

// lossColour returns the colour of a loss of lost of sent probes.
func lossColour(lost, sent uint64) string {
	if lost == 0 || sent == 0 {
		return lossBands[0].colour
	}
	if lost >= sent {
		return lossBands[len(lossBands)-1].colour
	}
	hi, lo := bits.Mul64(lost, 100)
	for _, b := range lossBands[1 : len(lossBands)-1] {
		// lost*100 < b.below*sent, in 128 bits
		bh, bl := bits.Mul64(b.below, sent)
		if hi < bh || hi == bh && lo < bl {
			return b.colour
		}
	}
	return lossBands[len(lossBands)-2].colour
}

// bucket is the fold of the minutes of one stretch of the graph.
type bucket struct {
	measured   int64  // minutes with a probe sent
	sent, lost uint64 // probes
	recv, sum  uint64 // replies and their RTT sum, µs (saturating)
	lo, hi     uint32 // smallest and largest RTT, µs
}

// add folds one minute in: Minute.Merge's fold of the fields drawn. The
// sum of squares is not drawn, so no bucket can overflow; a record that
// claims more replies than probes counts as no loss.
func (b *bucket) add(m *slawatch.Minute, newMinute bool) {
	if m.Sent == 0 {
		return
	}
	if newMinute {
		b.measured++
	}
	sent, recv := uint64(m.Sent), min(uint64(m.Received), uint64(m.Sent))
	b.sent, b.lost = sat(b.sent, sent), sat(b.lost, sent-recv)
	if recv == 0 {
		return
	}
	lo, hi := min(m.RTTMin, m.RTTMax), max(m.RTTMin, m.RTTMax)
	if b.recv == 0 || lo < b.lo {
		b.lo = lo
	}
	b.hi = max(b.hi, hi)
	b.recv, b.sum = sat(b.recv, recv), sat(b.sum, m.RTTSum)
}

func sat(a, b uint64) uint64 {
	s, c := bits.Add64(a, b, 0)
	if c != 0 {
		return math.MaxUint64
	}
	return s
}

func (b *bucket) mean() float64 { return float64(b.sum) / float64(b.recv) }

// latency is a latency graph being laid out.
type latency struct {
	o              LatencyOptions
	loc            *time.Location
	id             string
	m0, m1, size   int64 // minutes drawn [m0, m1), minutes per bucket
	w, h           int
	x0, x1, y0, y1 float64 // the plot area
	top, step      float64 // the scale, µs
	b              []bucket
	all            bucket // every minute drawn
}

// Latency draws the SmokePing-style latency graph of one series: the
// mean RTT of each bucket of minutes as a line coloured by the bucket's
// loss, the smallest to largest RTT as smoke behind it, buckets with no
// measurement as grey gaps and the threshold as a dashed line. points are
// the series' records in any order; those outside [From, To) are left
// out, and records of one minute are folded together. A bucket is the
// fewest whole minutes that fit the plot's width at a pixel each, counted
// from From (a 31-day month at the default width: 62 minutes).
//
//	err := graph.Latency(w, graph.LatencyOptions{Title: "tokyo-r1", From: m.Start, To: m.End,
//		Location: loc, Threshold: 35 * time.Millisecond}, pts)
func Latency(w io.Writer, opts LatencyOptions, points []Point) error {
	g, err := newLatency(opts)
	if err != nil {
		return err
	}
	g.fold(points)
	g.scale()
	var s svg
	g.draw(&s)
	return s.flush(w)
}

func newLatency(o LatencyOptions) (*latency, error) {
	g := &latency{o: o, loc: location(o.Location)}
	var err error
	if g.w, err = size("width", o.Width, 800, 480, 10000); err != nil {
		return nil, err
	}
	if g.h, err = size("height", o.Height, 260, 160, 4000); err != nil {
		return nil, err
	}
	g.m0, g.m1 = slawatch.UnixMinute(o.From), -slawatch.FloorDiv(-o.To.Unix(), 60)
	if g.m1 <= g.m0 {
		return nil, slawatch.Errorf(slawatch.EINVALID, "graph: latency from %s to %s: an empty span", o.From, o.To)
	}
	if o.Threshold < 0 || o.Max < 0 {
		return nil, slawatch.Errorf(slawatch.EINVALID, "graph: latency threshold %s, max %s: negative", o.Threshold, o.Max)
	}
	g.x0, g.x1, g.y0, g.y1 = 64, float64(g.w-16), 32, float64(g.h-58)
	n := int64(g.x1 - g.x0)
	g.size = (g.m1 - g.m0 + n - 1) / n
	g.b = make([]bucket, (g.m1-g.m0+g.size-1)/g.size)
	g.id = ident(o.ID, "latency", o.Title, o.From.String(), o.To.String())
	return g, nil
}

// fold adds the points into their buckets, in minute order so that a
// minute given twice is counted once.
func (g *latency) fold(points []Point) {
	byMinute := func(a, b Point) int { return cmp.Compare(a.Minute, b.Minute) }
	if !slices.IsSortedFunc(points, byMinute) {
		points = slices.Clone(points)
		slices.SortStableFunc(points, byMinute)
	}
	last := int64(math.MinInt64)
	for i := range points {
		p := &points[i]
		if p.Minute < g.m0 || p.Minute >= g.m1 {
			continue
		}
		first := p.Minute != last && p.M.Sent > 0
		if first {
			last = p.Minute
		}
		g.b[(p.Minute-g.m0)/g.size].add(&p.M, first)
		g.all.add(&p.M, first)
	}
}

// scale picks the top of the scale: Max when given, or else the nice
// value above the largest bucket mean, the 95th percentile of the bucket
// maxima (a lone spike does not flatten the month) and 1.2 times the
// threshold, and at least 1 ms.
func (g *latency) scale() {
	if g.o.Max > 0 {
		g.top = max(float64(g.o.Max.Microseconds()), 1)
		_, g.step = niceTop(g.top)
		return
	}
	raw := 1000.0
	var highs []uint32
	for i := range g.b {
		if b := &g.b[i]; b.recv > 0 {
			raw = max(raw, b.mean())
			highs = append(highs, b.hi)
		}
	}
	if len(highs) > 0 {
		slices.Sort(highs)
		raw = max(raw, float64(highs[(len(highs)-1)*95/100]))
	}
	raw = max(raw, 1.2*float64(g.o.Threshold.Microseconds()))
	g.top, g.step = niceTop(min(raw, 1e12))
}

// x returns the abscissa of the start of minute offset j.
func (g *latency) x(j int64) float64 {
	return g.x0 + (g.x1-g.x0)*float64(j)/float64(g.m1-g.m0)
}

// y returns the ordinate of us microseconds, clipped to the plot.
func (g *latency) y(us float64) float64 {
	v := g.y1 - (g.y1-g.y0)*us/g.top
	return min(max(v, g.y0), g.y1)
}

func (g *latency) time(j int64) time.Time { return slawatch.MinuteTime(g.m0 + j).In(g.loc) }

func (g *latency) title() string {
	if g.o.Title == "" {
		return "Latency"
	}
	return g.o.Title
}

func (g *latency) draw(s *svg) {
	s.header(g.id, g.w, g.h, g.title(), g.desc())
	s.f(`<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", g.w, g.h)
	s.f(`<text x="%s" y="20" %s font-size="13" font-weight="bold" fill="%s">%s</text>`+"\n",
		num(g.x0), font, inkColour, esc(g.title()))
	g.drawGaps(s)
	g.drawGrid(s)
	g.drawBuckets(s)
	g.drawThreshold(s)
	g.drawAxes(s)
	g.drawLegend(s)
	s.raw("</svg>\n")
}

// desc is the graph in words, for screen readers and the PDF's text: the
// raw measurements drawn, before any exclusion (the report's values are
// the report's).
func (g *latency) desc() string {
	a := &g.all
	from, to := g.time(0), g.time(g.m1-g.m0)
	d := fmt.Sprintf("Round-trip time from %s to %s (%s), %d-minute buckets: %s of %s minutes measured",
		clock(from), clock(to), g.loc, g.size, thousands(a.measured), thousands(g.m1-g.m0))
	if a.recv > 0 {
		d += fmt.Sprintf("; mean %s ms, min %s ms, max %s ms", msExact(a.mean()), msExact(float64(a.lo)), msExact(float64(a.hi)))
	}
	if a.sent > 0 {
		d += fmt.Sprintf("; %s of %s probes lost", thousands(int64(min(a.lost, math.MaxInt64))), thousands(int64(min(a.sent, math.MaxInt64))))
	}
	if g.o.Threshold > 0 {
		d += "; " + g.thresholdLabel()
	}
	return d + ". Measurements before exclusions."
}

func (g *latency) thresholdLabel() string {
	if g.o.ThresholdLabel != "" {
		return g.o.ThresholdLabel
	}
	return "threshold " + strconv.FormatFloat(float64(g.o.Threshold.Microseconds())/1000, 'f', -1, 64) + " ms"
}

// drawGaps shades each run of buckets with no measured minute.
func (g *latency) drawGaps(s *svg) {
	for i := 0; i < len(g.b); {
		if g.b[i].measured > 0 {
			i++
			continue
		}
		j := i
		for j < len(g.b) && g.b[j].measured == 0 {
			j++
		}
		a, b := int64(i)*g.size, min(int64(j)*g.size, g.m1-g.m0)
		s.f(`<rect class="gap" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>no measurement %s</title></rect>`+"\n",
			num(g.x(a)), num(g.y0), num(g.x(b)-g.x(a)), num(g.y1-g.y0), gapColour, esc(interval(g.time(a), g.time(b))))
		i = j
	}
}

func (g *latency) drawGrid(s *svg) {
	for v := g.step; g.step > 0 && v <= g.top+g.step/1e6; v += g.step {
		s.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`+"\n",
			num(g.x0), num(g.y(v)), num(g.x1), num(g.y(v)), gridColour)
	}
	for _, t := range g.ticks() {
		x := num(g.tickX(t.at))
		s.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`+"\n", x, num(g.y0), x, num(g.y1), gridColour)
	}
}

func (g *latency) ticks() []tick {
	return timeTicks(g.time(0), g.time(g.m1-g.m0), g.loc, g.x1-g.x0)
}

func (g *latency) tickX(t time.Time) float64 {
	return g.x0 + (g.x1-g.x0)*float64(t.Unix()-g.m0*60)/float64((g.m1-g.m0)*60)
}

// drawBuckets draws each measured bucket as a group: its tooltip, the
// smoke and the mean, or a pink column when every probe was lost.
func (g *latency) drawBuckets(s *svg) {
	for i := range g.b {
		b := &g.b[i]
		if b.measured == 0 {
			continue
		}
		a, e := int64(i)*g.size, min(int64(i+1)*g.size, g.m1-g.m0)
		x, w := num(g.x(a)), num(g.x(e)-g.x(a))
		s.f(`<g class="bucket"><title>%s</title>`, esc(g.tooltip(b, a, e)))
		if b.recv == 0 {
			s.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s" fill-opacity="%s"/>`,
				x, num(g.y0), w, num(g.y1-g.y0), lostColour, lostOpacity)
		} else {
			top, bot := g.y(float64(b.hi)), g.y(float64(b.lo))
			s.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`, x, num(top), w, num(max(bot-top, 1)), smokeColour)
			s.f(`<rect x="%s" y="%s" width="%s" height="2" fill="%s"/>`, x, num(g.y(b.mean())-1), w, lossColour(b.lost, b.sent))
		}
		s.raw("</g>\n")
	}
}

func (g *latency) tooltip(b *bucket, a, e int64) string {
	t := interval(g.time(a), g.time(e)) + ": "
	if b.recv > 0 {
		t += fmt.Sprintf("mean %s ms, min %s, max %s; ", msExact(b.mean()), msExact(float64(b.lo)), msExact(float64(b.hi)))
	}
	return t + fmt.Sprintf("%s%% loss (%s of %s probes); %d of %d minutes measured",
		lossPct(b.lost, b.sent), thousands(int64(min(b.lost, math.MaxInt64))), thousands(int64(min(b.sent, math.MaxInt64))), b.measured, e-a)
}

// lossPct formats lost/sent as a percentage with two decimals, rounded
// toward zero so that a loss is never shown larger than it is, nor a
// small one as none.
func lossPct(lost, sent uint64) string {
	if sent == 0 {
		return "0"
	}
	p := float64(lost) / float64(sent) * 100
	v := math.Floor(p*100) / 100
	if v == 0 && lost > 0 {
		return "<0.01"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func (g *latency) drawThreshold(s *svg) {
	thr := float64(g.o.Threshold.Microseconds())
	if thr <= 0 || thr > g.top {
		return
	}
	y := num(g.y(thr))
	s.f(`<line class="threshold" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1" stroke-dasharray="6 3"/>`+"\n",
		num(g.x0), y, num(g.x1), y, thresholdLine)
	s.f(`<text x="%s" y="%s" %s font-size="10" text-anchor="end" fill="%s">%s</text>`+"\n",
		num(g.x1-2), num(g.y(thr)-3), font, thresholdLine, esc(g.thresholdLabel()))
}

func (g *latency) drawAxes(s *svg) {
	s.f(`<path d="M%s %sV%sH%s" fill="none" stroke="%s" stroke-width="1"/>`+"\n",
		num(g.x0), num(g.y0), num(g.y1), num(g.x1), inkColour)
	s.f(`<g %s font-size="10" fill="%s">`+"\n", font, inkColour)
	for v := 0.0; g.step > 0 && v <= g.top+g.step/1e6; v += g.step {
		s.f(`<text x="%s" y="%s" text-anchor="end">%s</text>`+"\n", num(g.x0-4), num(g.y(v)+3), ms(v, g.step))
	}
	s.f(`<text x="%s" y="%s" text-anchor="end">ms</text>`+"\n", num(g.x0-4), num(g.y0-8))
	for _, t := range g.ticks() {
		s.f(`<text x="%s" y="%s" text-anchor="middle">%s</text>`+"\n", num(g.tickX(t.at)), num(g.y1+14), esc(t.label))
	}
	s.f(`<text x="%s" y="%s">times in %s · %d-minute buckets · grey smoke: min to max RTT · line: mean RTT</text>`+"\n",
		num(g.x0), num(g.y1+30), esc(g.loc.String()), g.size)
	s.raw("</g>\n")
}

func (g *latency) drawLegend(s *svg) {
	y := g.y1 + 40
	s.f(`<g %s font-size="10" fill="%s"><text x="%s" y="%s">loss</text>`, font, inkColour, num(g.x0), num(y+9))
	x := g.x0 + 30
	for _, b := range lossBands {
		s.f(`<rect x="%s" y="%s" width="10" height="10" fill="%s"/><text x="%s" y="%s">%s</text>`,
			num(x), num(y), b.colour, num(x+13), num(y+9), esc(b.label))
		x += 13 + textWidth(b.label, 10) + 12
	}
	s.f(`<rect x="%s" y="%s" width="10" height="10" fill="%s" stroke="#cccccc"/><text x="%s" y="%s">no data</text>`,
		num(x+8), num(y), gapColour, num(x+21), num(y+9))
	s.raw("</g>\n")
}
