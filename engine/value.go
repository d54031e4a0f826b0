package engine

import (
	"math/big"

	"github.com/slawatch/slawatch"
)

// value accumulates a monthly aggregate of one input over the month's
// measured, non-excluded minutes, exactly: losses as sums of fractions
// grouped by denominator, RTTs as integer microsecond sums.
type value struct {
	of, agg string
	kind    int // one of the value kinds, fixed at creation for the hot path
	series  []int32
	block   int
	loss    fracMean // mean, block_mean
	blk     struct {
		id         int64
		lost, sent uint64
	}
	n, sum []uint64 // per series: RTT count and sum (µs)
	sumsq  uint128  // over all series, for stddev
}

// Value kinds.
const (
	kindLoss = iota
	kindBlock
	kindRTT
)

func newValue(of, agg string, series []int32, block int) *value {
	v := &value{of: of, agg: agg, series: series, block: block}
	switch {
	case of == "rtt":
		v.kind = kindRTT
	case agg == "block_mean":
		v.kind = kindBlock
	}
	v.n = make([]uint64, len(series))
	v.sum = make([]uint64, len(series))
	v.blk.id = -1
	return v
}

// add folds minute t into the aggregate and reports whether any series of
// the input was measured in it.
func (v *value) add(t int64, rec *records) bool {
	known := false
	for k, s := range v.series {
		m := rec.get(s)
		if m.Sent == 0 {
			continue
		}
		known = true
		v.addRecord(k, t, m)
	}
	return known
}

// addRecord folds series k's record of minute t.
func (v *value) addRecord(k int, t int64, m *slawatch.Minute) {
	switch v.kind {
	case kindRTT:
		v.n[k] += uint64(m.Received)
		v.sum[k] += m.RTTSum
		v.sumsq.add(m.RTTSumSq)
	case kindBlock:
		v.addBlock(t, m)
	default:
		v.loss.add(uint64(m.Sent-m.Received), uint64(m.Sent))
	}
}

// addBlock folds a minute into its clock-aligned block; a block's loss is
// lost / sent over the block's measured minutes.
func (v *value) addBlock(t int64, m *slawatch.Minute) {
	id := slawatch.FloorDiv(t, int64(v.block))
	if id != v.blk.id {
		v.flushBlock()
		v.blk.id = id
	}
	v.blk.lost += uint64(m.Lost())
	v.blk.sent += uint64(m.Sent)
}

func (v *value) flushBlock() {
	if v.blk.sent > 0 {
		v.loss.add(v.blk.lost, v.blk.sent)
	}
	v.blk.lost, v.blk.sent = 0, 0
}

// quantity is an aggregate's exact value: r itself, or its square root
// when sqrt is set (a standard deviation). ok is false with no data.
type quantity struct {
	r    *big.Rat
	sqrt bool
	ok   bool
	note string
	left []int32 // the series the note names
	// paths: path_mean's figure of each path, in the input's order
	paths []pathFigure
}

// pathFigure is one path's share of a path_mean: its mean RTT over its
// successful pings, or none.
type pathFigure struct {
	series int32
	mean   *big.Rat // nil: no successful ping, left out
	pings  uint64
}

// result returns the aggregate: loss in percent, RTT in milliseconds.
func (v *value) result() quantity {
	if v.agg == "block_mean" {
		v.flushBlock()
	}
	if v.of == "loss" {
		r, ok := v.loss.mean()
		if !ok {
			return quantity{}
		}
		return quantity{r: r.Mul(r, big.NewRat(100, 1)), ok: true}
	}
	switch v.agg {
	case "path_mean":
		return v.pathMean()
	case "stddev":
		return v.stddev()
	}
	if v.n[0] == 0 {
		return quantity{}
	}
	return quantity{r: big.NewRat(0, 1).SetFrac(bigU(v.sum[0]), bigU(v.n[0]*1000)), ok: true}
}

// stddev is the population standard deviation of every successful ping:
// sqrt(n*Σx² - (Σx)²) / n, exact under the root, in ms².
func (v *value) stddev() quantity {
	n := v.n[0]
	if n == 0 {
		return quantity{}
	}
	num := new(big.Int).Mul(bigU(n), v.sumsq.big())
	s := bigU(v.sum[0])
	num.Sub(num, s.Mul(s, s))
	den := new(big.Int).Mul(bigU(n), bigU(n))
	den.Mul(den, big.NewInt(1_000_000)) // µs² -> ms²
	return quantity{r: new(big.Rat).SetFrac(num, den), sqrt: true, ok: true}
}

// pathMean averages each path's mean RTT, every path weighing the same.
func (v *value) pathMean() quantity {
	sum, paths, missing := new(big.Rat), 0, 0
	var left []int32
	var figs []pathFigure
	for k := range v.series {
		if v.n[k] == 0 {
			missing++
			left = append(left, v.series[k])
			figs = append(figs, pathFigure{series: v.series[k]})
			continue
		}
		m := new(big.Rat).SetFrac(bigU(v.sum[k]), bigU(v.n[k]*1000))
		figs = append(figs, pathFigure{series: v.series[k], mean: m, pings: v.n[k]})
		sum.Add(sum, m)
		paths++
	}
	if paths == 0 {
		return quantity{}
	}
	q := quantity{r: sum.Quo(sum, big.NewRat(int64(paths), 1)), ok: true, paths: figs}
	if missing > 0 {
		q.note, q.left = "paths without a successful ping in the month, left out of the average", left
	}
	return q
}

// fracMean is an exact mean of fractions a/b: the sums of numerators are
// kept per denominator (a month of 1/s pings has one: 60), so the mean is
// one rational at the end instead of 44,640 rational additions.
type fracMean struct {
	den, num []uint64
	count    uint64
}

func (f *fracMean) add(a, b uint64) {
	f.count++
	if len(f.den) > 0 && f.den[0] == b {
		f.num[0] += a
		return
	}
	for i, d := range f.den {
		if d == b {
			f.num[i] += a
			return
		}
	}
	f.den = append(f.den, b)
	f.num = append(f.num, a)
}

func (f *fracMean) mean() (*big.Rat, bool) {
	if f.count == 0 {
		return nil, false
	}
	sum := new(big.Rat)
	for i, d := range f.den {
		sum.Add(sum, new(big.Rat).SetFrac(bigU(f.num[i]), bigU(d)))
	}
	return sum.Quo(sum, new(big.Rat).SetInt(bigU(f.count))), true
}

func bigU(x uint64) *big.Int { return new(big.Int).SetUint64(x) }
