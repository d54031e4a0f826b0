package engine

import (
	"fmt"
	"math/big"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract"
)

// Minute statuses. The zero value is unknown: a minute nobody measured is
// never down.
const (
	unknown uint8 = iota
	up
	down
)

// rule is the month-to-date state of one minute rule of one level: the
// status of every minute of the evaluation window, filled as minutes
// arrive, and the per-series state that needs history.
type rule struct {
	tpl          *catalog.Minute
	series, gate []int32
	conds        []cond
	when         threshold // for share, loss_sum and loss_pooled
	consec       int
	raw          [][]uint8 // per series, when a series must fail in a run
	group        []uint8   // per window minute
	rings        []*ring   // per series, when a condition has a baseline
	// fast is set for the common rule: one series, one loss condition,
	// no gate or history (PrivateCore, IIJ, NGFW): judged without the
	// general path's bookkeeping.
	fast *threshold
	// timed is set for a rule timed to the probe (minute.timing probe):
	// edges holds each window minute's reply timing (silence.go).
	timed bool
	edges []edges
}

type cond struct {
	loss, rtt *threshold
	over      *big.Rat // rtt_over_baseline percentage
}

func newRule(m *catalog.Minute, l *contract.Level, window int) (*rule, error) {
	r := &rule{tpl: m, series: l.Inputs[m.Input], gate: l.Inputs[m.Gate],
		consec: m.Consecutive, group: make([]uint8, window)}
	if cb := m.ConsecutiveBy; cb != nil {
		r.consec = cb.Values[l.Enums[cb.Param]]
	}
	if m.Down.Cmp != nil {
		t, err := resolve(m.Down.Cmp, l.Numbers)
		if err != nil {
			return nil, fmt.Errorf("minute.down.when: %w", err)
		}
		r.when = t
	}
	for i, c := range m.FailWhen {
		rc, err := newCond(c, l.Numbers)
		if err != nil {
			return nil, fmt.Errorf("minute.fail_when[%d]: %w", i, err)
		}
		r.conds = append(r.conds, rc)
		if c.OverBaseline != nil && r.rings == nil {
			for range r.series {
				r.rings = append(r.rings, newRing(c.OverBaseline.WindowMinutes))
			}
		}
	}
	if m.SeriesConsecutive > 1 {
		for range r.series {
			r.raw = append(r.raw, make([]uint8, window))
		}
	}
	if m.Timing == "probe" {
		r.timed, r.edges = true, make([]edges, window)
	}
	simple := m.Down.Combine == "all" || m.Down.Combine == "any"
	if simple && len(r.series) == 1 && len(r.gate) == 0 && r.raw == nil && len(r.conds) == 1 && r.conds[0].loss != nil {
		r.fast = r.conds[0].loss
	}
	return r, nil
}

func newCond(c catalog.Condition, nums map[string]*big.Rat) (cond, error) {
	var rc cond
	for _, x := range []struct {
		c   *catalog.Cmp
		dst **threshold
	}{{c.LossCmp, &rc.loss}, {c.RTTCmp, &rc.rtt}} {
		if x.c == nil {
			continue
		}
		t, err := resolve(x.c, nums)
		if err != nil {
			return rc, err
		}
		*x.dst = &t
	}
	if c.OverBaseline != nil {
		rc.over = c.OverBaseline.Over
	}
	return rc, nil
}

// step judges window minute i from the minute records.
func (r *rule) step(i int, rec *records) {
	switch r.tpl.Down.Combine {
	case "loss_sum":
		r.group[i] = r.lossSum(rec)
		return
	case "loss_pooled":
		r.group[i] = r.lossPooled(rec)
		return
	}
	g := r.gateStatus(rec)
	var failed, unk int
	for k, s := range r.series {
		st := r.seriesStatus(k, rec.get(s))
		if st == down && g == down {
			st = up // the origin failed too: not the edge's failure
		} else if st == down && g == unknown {
			st = unknown
		}
		if r.raw != nil {
			r.raw[k][i] = st
			continue
		}
		failed, unk = tally(st, failed, unk)
	}
	if r.raw == nil {
		r.group[i] = r.combine(failed, unk)
	}
	if r.timed {
		r.edges[i] = r.combineEdges(rec)
	}
}

// tally counts a member's status among the failed and the unknown ones.
func tally(st uint8, failed, unk int) (int, int) {
	switch st {
	case down:
		return failed + 1, unk
	case unknown:
		return failed, unk + 1
	}
	return failed, unk
}

// judge decides window minute i of a fast rule from its series' record.
func (r *rule) judge(i int, m *slawatch.Minute) {
	if r.timed {
		r.edges[i] = edgesOf(m)
	}
	switch {
	case m.Sent == 0:
		r.group[i] = unknown
	case r.fast.pct(uint64(m.Sent-m.Received), uint64(m.Sent)):
		r.group[i] = down
	default:
		r.group[i] = up
	}
}

// seriesStatus applies the per-series conditions to one minute record and
// feeds the series' baseline, which never includes the minute it judges.
func (r *rule) seriesStatus(k int, m *slawatch.Minute) uint8 {
	st := unknown
	if m.Known() {
		st = up
		for _, c := range r.conds {
			if r.holds(c, k, m) {
				st = down
				break
			}
		}
	}
	if r.rings != nil {
		r.rings[k].push(m)
	}
	return st
}

func (r *rule) holds(c cond, k int, m *slawatch.Minute) bool {
	switch {
	case c.loss != nil:
		return c.loss.pct(uint64(m.Lost()), uint64(m.Sent))
	case c.rtt != nil:
		// mean RTT in ms = RTTSum µs / (Received * 1000)
		return m.Received > 0 && c.rtt.ratio(m.RTTSum, uint64(m.Received)*1000)
	case c.over != nil:
		return r.rings[k].exceeds(m, c.over)
	}
	return false
}

// gateStatus is down when a gate series failed in the minute, up when
// every gate series was measured and none failed, and unknown otherwise:
// a failure known on one gate series decides whatever the unmeasured ones
// are. No gate is up.
func (r *rule) gateStatus(rec *records) uint8 {
	st := up
	for _, s := range r.gate {
		m := rec.get(s)
		if !m.Known() {
			st = unknown
			continue
		}
		for _, c := range r.conds {
			if c.over == nil && r.holds(c, 0, m) {
				return down
			}
		}
	}
	return st
}

// combine decides a k-of-n minute from its members: failed of them are
// known to have failed and unk are unknown, of n = len(r.series). The true
// number of failures is some x in [failed, failed+unk]: the minute is down
// when the rule holds for every such x, up when it holds for none, and
// unknown otherwise (docs/model.md §3, "Quorums"). An unmeasured member
// therefore counts neither against the provider nor for it: with 4
// gateways, 1 failed, 2 unmeasured and 1 up, "50% unavailable" may or
// may not hold, so the minute is unknown, not down.
func (r *rule) combine(failed, unk int) uint8 {
	n := len(r.series)
	switch {
	case n == 0:
		return unknown
	case r.tpl.Down.Combine == "all":
		return decide(failed == n, failed+unk == n, false)
	case r.tpl.Down.Combine == "any":
		return decide(failed > 0, failed+unk > 0, false)
	}
	// share: the comparison on the failed share of all n members, in percent
	lo := r.when.pct(uint64(failed), uint64(n))
	hi := lo
	if unk > 0 {
		hi = r.when.pct(uint64(failed+unk), uint64(n))
	}
	return decide(lo, hi, unk > 1 && r.when.shareBetween(failed, failed+unk, n))
}

// decide is the status of a minute whose quantity is only known to lie
// between two ends (the unknown members at their best and at their
// worst): down when the comparison holds at both ends, up when it holds
// at neither end nor strictly between them, unknown otherwise. Every
// comparison holds on a convex set (a ray, or the point of "=="), so the
// ends decide, but for the point of "==" lying strictly between them.
func decide(lo, hi, between bool) uint8 {
	switch {
	case lo && hi:
		return down
	case !lo && !hi && !between:
		return up
	}
	return unknown
}

// lossSum is the end-to-end rule: the sum of the segments' loss
// percentages. A segment without measurement lost anything from 0 to
// 100%, so the sum lies between the measured segments' sum and that plus
// 100 per unmeasured segment: 100% lost on the POP-to-POP segment is down
// whatever an unmeasured access segment did, 20% is unknown.
func (r *rule) lossSum(rec *records) uint8 {
	sum := new(big.Rat)
	unk := 0
	for _, s := range r.series {
		m := rec.get(s)
		if !m.Known() {
			unk++
			continue
		}
		sum.Add(sum, big.NewRat(int64(m.Lost())*100, int64(m.Sent)))
	}
	hi := sum
	if unk > 0 {
		hi = new(big.Rat).Add(sum, big.NewRat(int64(unk)*100, 1))
	}
	return decide(r.when.rat2(sum), r.when.rat2(hi), r.when.between(sum, hi))
}

// lossPooled judges lost / sent over every series together. A series
// without measurement could have carried any share of the traffic, lost
// or not, so the pooled loss could be anything: the minute is unknown.
func (r *rule) lossPooled(rec *records) uint8 {
	var lost, sent uint64
	for _, s := range r.series {
		m := rec.get(s)
		if !m.Known() {
			return unknown
		}
		lost += uint64(m.Lost())
		sent += uint64(m.Sent)
	}
	if sent == 0 {
		return unknown
	}
	if r.when.pct(lost, sent) {
		return down
	}
	return up
}

// finish applies the run rules once the whole window is in: a series
// counts as failed only inside a run of SeriesConsecutive failed minutes,
// and the level is down only inside a run of Consecutive down minutes;
// both runs count from their first minute. It returns the qualifying runs.
func (r *rule) finish() []run {
	if r.raw != nil {
		for _, a := range r.raw {
			keepRuns(a, r.tpl.SeriesConsecutive)
		}
		for i := range r.group {
			var failed, unk int
			for k := range r.raw {
				failed, unk = tally(r.raw[k][i], failed, unk)
			}
			r.group[i] = r.combine(failed, unk)
		}
	}
	if r.timed {
		return r.keepSilences(max(r.consec, 1))
	}
	return keepRuns(r.group, r.consec)
}

// run is [start, end) in window minutes; a probe-timed rule's run also
// has its silence [s, e) in window seconds.
type run struct {
	start, end int
	s, e       int64
}

// keepRuns turns down minutes outside runs of at least n into up, and
// returns the runs that remain. An unknown minute breaks a run.
func keepRuns(a []uint8, n int) []run {
	return keepQualifying(a, func(i, j int) (run, bool) {
		return run{start: i, end: j, s: int64(i) * 60, e: int64(j) * 60}, j-i >= n
	})
}

// keepQualifying turns the down minutes of every maximal run [i, j) that
// qualify refuses into up, and returns the runs it accepts, as it made
// them.
func keepQualifying(a []uint8, qualify func(i, j int) (run, bool)) []run {
	var runs []run
	for i := 0; i < len(a); {
		if a[i] != down {
			i++
			continue
		}
		j := i
		for j < len(a) && a[j] == down {
			j++
		}
		if ru, ok := qualify(i, j); ok {
			runs = append(runs, ru)
		} else {
			for k := i; k < j; k++ {
				a[k] = up
			}
		}
		i = j
	}
	return runs
}

// ring holds a series' RTT sums over a trailing window of minutes.
type ring struct {
	sum        []uint64
	cnt        []uint32
	pos        int
	tsum, tcnt uint64
}

func newRing(n int) *ring { return &ring{sum: make([]uint64, n), cnt: make([]uint32, n)} }

func (g *ring) push(m *slawatch.Minute) {
	g.tsum -= g.sum[g.pos]
	g.tcnt -= uint64(g.cnt[g.pos])
	g.sum[g.pos], g.cnt[g.pos] = m.RTTSum, m.Received
	g.tsum += m.RTTSum
	g.tcnt += uint64(m.Received)
	g.pos = (g.pos + 1) % len(g.sum)
}

// exceeds reports whether the minute's mean RTT is above the trailing mean
// by more than over percent: sum/n > (1 + over/100) * tsum/tcnt.
func (g *ring) exceeds(m *slawatch.Minute, over *big.Rat) bool {
	if m.Received == 0 || g.tcnt == 0 {
		return false
	}
	lhs := new(big.Rat).SetFrac(new(big.Int).SetUint64(m.RTTSum), new(big.Int).SetUint64(uint64(m.Received)))
	base := new(big.Rat).SetFrac(new(big.Int).SetUint64(g.tsum), new(big.Int).SetUint64(g.tcnt))
	factor := new(big.Rat).Add(big.NewRat(1, 1), new(big.Rat).Quo(over, big.NewRat(100, 1)))
	return lhs.Cmp(base.Mul(base, factor)) > 0
}
