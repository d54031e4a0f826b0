package graph

import (
	"time"

	"github.com/slawatch/slawatch"
)

// Bucket is the fold of one stretch of a series' minutes, as Latency
// draws it (docs/graphs.md): the probes sent and lost, the replies, their
// RTT sum and the smallest and largest RTT. A bucket with Measured 0 is a
// gap; one with Received 0 but Measured > 0 had every probe lost.
type Bucket struct {
	Start, End int64  // minutes [Start, End) after the span's start
	Measured   int64  // minutes with a probe sent
	Sent, Lost uint64 // probes
	Received   uint64 // replies
	Sum        uint64 // RTT sum of the replies, µs (saturating)
	Min, Max   uint32 // RTT, µs; valid when Received > 0
}

// Mean is the bucket's mean RTT in µs; 0 when nothing answered.
func (b *Bucket) Mean() float64 {
	if b.Received == 0 {
		return 0
	}
	return float64(b.Sum) / float64(b.Received)
}

// LossColour is the colour of the bucket's mean line, "#rrggbb", by the
// band its loss falls in (SmokePing's defaults, as Latency draws them).
func (b *Bucket) LossColour() string { return lossColour(b.Lost, b.Sent) }

// Buckets is a span of a series cut as Latency cuts it.
type Buckets struct {
	Minutes  int64 // minutes in the span, [From, To) widened to whole minutes
	Size     int64 // minutes per bucket
	Top      float64
	Step     float64 // the scale Latency picks, µs: top and grid step
	Buckets  []Bucket
	Measured int64 // minutes of the span with a probe sent
}

// BucketsOf folds points into the buckets Latency would draw for the
// span [from, to) on a plot of pixels pixels (Latency's Width - 80; 720
// at its default), with threshold counted in the scale as Latency counts
// it. It runs Latency's own fold and scale, so the figures are those of
// the SVG of the same span and width.
func BucketsOf(points []Point, from, to time.Time, pixels int, threshold time.Duration) (Buckets, error) {
	if pixels < 1 || pixels > 10000 {
		return Buckets{}, slawatch.Errorf(slawatch.EINVALID, "graph: buckets on %d pixels: want 1 to 10000", pixels)
	}
	g := &latency{o: LatencyOptions{From: from, To: to, Threshold: max(threshold, 0)}}
	g.m0, g.m1 = slawatch.UnixMinute(from), -slawatch.FloorDiv(-to.Unix(), 60)
	if g.m1 <= g.m0 {
		return Buckets{}, slawatch.Errorf(slawatch.EINVALID, "graph: buckets from %s to %s: an empty span", from, to)
	}
	n := int64(pixels)
	g.size = (g.m1 - g.m0 + n - 1) / n
	g.b = make([]bucket, (g.m1-g.m0+g.size-1)/g.size)
	g.fold(points)
	g.scale()
	out := Buckets{Minutes: g.m1 - g.m0, Size: g.size, Top: g.top, Step: g.step,
		Buckets: make([]Bucket, len(g.b)), Measured: g.all.measured}
	for i := range g.b {
		b := &g.b[i]
		out.Buckets[i] = Bucket{Start: int64(i) * g.size, End: min(int64(i+1)*g.size, g.m1-g.m0),
			Measured: b.measured, Sent: b.sent, Lost: b.lost, Received: b.recv, Sum: b.sum, Min: b.lo, Max: b.hi}
	}
	return out, nil
}

// LossBand is one band of the loss legend.
type LossBand struct{ Colour, Label string }

// LossBands are the loss colours in order, none lost to all lost.
func LossBands() []LossBand {
	out := make([]LossBand, len(lossBands))
	for i, b := range lossBands {
		out[i] = LossBand{b.colour, b.label}
	}
	return out
}
