package engine

import (
	"fmt"

	"math/big"
	"math/bits"
	"time"

	"github.com/slawatch/slawatch"

	"github.com/slawatch/slawatch/contract"
)

// level is the month-to-date state of one service level of one service.
type level struct {
	e       *Evaluator
	l       *contract.Level
	rules   []*rule
	val     *value
	excl    []uint64 // bitset over month minutes; nil when nothing is excluded
	known   int      // value levels: measured minutes
	unknown int      // value levels: minutes without measurement
	fastVal bool     // the value is fed per record, not stepped
	found   []found  // the outages the minute rule found, for notification judging
	downSec int64    // a probe-timed level's down seconds in the month, for its credit tiers; -1 otherwise
}

// found is one outage the minute rule found: its start and the instant
// it was detected, unix seconds.
type found struct{ start, detected int64 }

func newLevel(e *Evaluator, l *contract.Level) (*level, error) {
	lv := &level{e: e, l: l, downSec: -1}
	t := l.Template
	if t.Minute != nil {
		for _, m := range t.Minute.Rules() {
			r, err := newRule(m, l, int(e.w1-e.w0))
			if err != nil {
				return nil, err
			}
			lv.rules = append(lv.rules, r)
		}
	}
	if v := t.Value; v != nil {
		agg := v.Aggregate
		if len(agg) > 0 && agg[0] == '$' {
			agg = l.Enums[agg[1:]]
		}
		lv.val = newValue(v.Of, agg, l.Inputs[v.Input], v.BlockMinutes)
	}
	lv.markExclusions()
	return lv, nil
}

// markExclusions sets the month minutes that honoured exclusions cover. A
// minute any part of which lies in a window is excluded.
func (lv *level) markExclusions() {
	n := lv.e.m1 - lv.e.m0
	for _, x := range lv.l.Exclusions {
		if !x.Applies {
			continue
		}
		a, b := lv.clip(x.Exclusion)
		if a >= b {
			continue
		}
		if lv.excl == nil {
			lv.excl = make([]uint64, (n+63)/64)
		}
		for j := a; j < b; j++ {
			lv.excl[j/64] |= 1 << (j % 64)
		}
	}
}

// clip returns the exclusion's minutes as month minute indexes [a, b).
func (lv *level) clip(x *contract.Exclusion) (int64, int64) {
	a := slawatch.FloorDiv(x.Start.Unix(), 60) - lv.e.m0
	b := -slawatch.FloorDiv(-x.End.Unix(), 60) - lv.e.m0
	return max(a, 0), min(b, lv.e.m1-lv.e.m0)
}

func (lv *level) excluded(j int64) bool {
	return lv.excl != nil && lv.excl[j/64]&(1<<(j%64)) != 0
}

func (lv *level) step(i int, t int64, inMonth bool, rec *records) {
	for _, r := range lv.rules {
		if r.fast == nil {
			r.step(i, rec)
		}
	}
	if lv.val == nil || lv.fastVal || !inMonth || lv.excluded(t-lv.e.m0) {
		return
	}
	known := lv.val.add(t, rec)
	if lv.rules != nil {
		return // minute levels count from their statuses
	}
	if known {
		lv.known++
	} else {
		lv.unknown++
	}
}

// addFast feeds a single-series value the record of month minute j.
func (lv *level) addFast(t, j int64, m *slawatch.Minute) {
	if m.Sent == 0 || lv.excluded(j) {
		return
	}
	lv.val.addRecord(0, t, m)
	lv.known++
}

func (lv *level) excludedCount() int {
	n := 0
	for _, w := range lv.excl {
		n += bits.OnesCount64(w)
	}
	return n
}

// status returns the judged status of window minute i: down when any of
// the rule and its alternatives is down.
func (lv *level) status(i int) uint8 {
	st := up
	for _, r := range lv.rules {
		switch r.group[i] {
		case down:
			return down
		case unknown:
			st = unknown
		}
	}
	return st
}

// finish judges the month and returns the report before caps.
func (lv *level) finish() (LevelReport, *big.Rat, error) {
	t := lv.l.Template
	rep := LevelReport{Template: t.ID, Title: t.Title, Objective: t.Objective.Text, Reasons: []string{}}
	var avail *big.Rat
	downMin := 0
	if lv.rules != nil {
		avail, downMin = lv.finishMinutes(&rep)
	} else {
		if lv.fastVal {
			lv.unknown = int(lv.e.m1-lv.e.m0) - lv.excludedCount() - lv.known
		}
		rep.MeasuredMinutes, rep.UnknownMinutes, rep.ExcludedMinutes = lv.known, lv.unknown, lv.excludedCount()
	}
	var q quantity
	if lv.val != nil {
		q = lv.val.result()
		lv.reportValue(&rep, q)
	}
	if rep.UnknownMinutes > 0 {
		rep.Reasons = append(rep.Reasons, fmt.Sprintf("%d minutes unknown (no measurement): not counted as down", rep.UnknownMinutes))
	}
	lv.exclusionReasons(&rep)
	met, err := lv.judge(&rep, avail, q)
	if err != nil {
		return rep, nil, err
	}
	rep.Met = met
	pct, err := lv.creditPct(&rep, downMin, q, met)
	return rep, pct, err
}

// finishMinutes applies the run rules and counts the month's minutes.
func (lv *level) finishMinutes(rep *LevelReport) (*big.Rat, int) {
	var outages []OutageReport
	var silences []span // a probe-timed level's down time, unix seconds
	for _, r := range lv.rules {
		for _, ru := range r.finish() {
			outages = lv.outage(outages, r, ru)
			if r.timed {
				silences = append(silences, span{lv.e.w0*60 + ru.s, lv.e.w0*60 + ru.e})
			}
		}
	}
	downMin := 0
	var runStart int64 = -1
	var runs []string
	for j := int64(0); j < lv.e.m1-lv.e.m0; j++ {
		st := lv.status(int(j + lv.e.m0 - lv.e.w0))
		isDown := false
		switch {
		case lv.excluded(j):
			rep.ExcludedMinutes++
		case st == unknown:
			rep.UnknownMinutes++
		case st == down:
			downMin++
			isDown = true
			fallthrough
		default:
			rep.MeasuredMinutes++
		}
		runs, runStart = lv.trackRun(runs, runStart, j, isDown)
	}
	runs, _ = lv.trackRun(runs, runStart, lv.e.m1-lv.e.m0, false)
	rep.Outages = outages
	if lv.l.Template.Objective.NotifyWithinMinutes > 0 {
		return nil, 0 // a detection rule: the outages are the result
	}
	if silences != nil {
		return lv.finishSilences(rep, silences)
	}
	rep.DownMinutes = &downMin
	if len(runs) > 10 {
		runs = append(runs[:10], fmt.Sprintf("... and %d more down periods", len(runs)-10))
	}
	rep.Reasons = append(rep.Reasons, runs...)
	den := rep.MeasuredMinutes + rep.UnknownMinutes
	if den == 0 {
		return nil, downMin
	}
	avail := big.NewRat(int64(den-downMin)*100, int64(den))
	rep.Availability = number(avail, 6)
	return avail, downMin
}

// trackRun collects the month's periods of counted down minutes.
func (lv *level) trackRun(runs []string, start, j int64, isDown bool) ([]string, int64) {
	switch {
	case isDown && start < 0:
		return runs, j
	case !isDown && start >= 0:
		a, b := lv.e.m0+start, lv.e.m0+j
		runs = append(runs, fmt.Sprintf("down %s to %s (%d min)", lv.clock(a), lv.clock(b), b-a))
		return runs, -1
	}
	return runs, start
}

// outage records a qualifying run that overlaps the month. A run of a
// probe-timed rule is its silence, to the second; any other run is its
// minutes.
func (lv *level) outage(out []OutageReport, r *rule, ru run) []OutageReport {
	s, e := lv.e.w0*60+ru.s, lv.e.w0*60+ru.e // unix seconds
	a, b := slawatch.FloorDiv(s, 60), -slawatch.FloorDiv(-e, 60)
	notify := lv.l.Template.Timer != nil && lv.l.Template.Timer.Measure == "notification"
	if (r.consec < 2 && !notify) || e <= lv.e.m0*60 || s >= lv.e.m1*60 || lv.allExcluded(a, b) {
		return out
	}
	det := s + int64(max(r.consec, 1))*60
	lv.found = append(lv.found, found{s, det})
	o := OutageReport{Start: lv.e.secondAt(s), End: lv.e.secondAt(e), Minutes: int((e - s) / 60), DetectedAt: lv.e.secondAt(det)}
	if r.timed {
		o.Seconds = e - s
	}
	if n := lv.l.Template.Objective.NotifyWithinMinutes; n > 0 {
		o.NotifyBy = lv.e.secondAt(det + int64(n)*60)
	}
	return append(out, o)
}

// finishSilences counts a probe-timed level's down time from its silences,
// to the second: the parts of them inside the month and outside its
// excluded minutes. The minutes are counted as for any level; the
// availability is the share of the month's measured and unknown seconds
// not silent.
func (lv *level) finishSilences(rep *LevelReport, silences []span) (*big.Rat, int) {
	var downSec int64
	var runs []string
	month := span{lv.e.m0 * 60, lv.e.m1 * 60}
	for _, sp := range union(silences) {
		in := sp.clip(month)
		n := lv.notExcluded(in)
		if n == 0 {
			continue
		}
		downSec += n
		runs = append(runs, fmt.Sprintf("down %s to %s (%s)", lv.clockSecond(in.a), lv.clockSecond(in.b), fmtDuration(n)))
	}
	downMin := int(downSec / 60)
	rep.DownMinutes, rep.DownSeconds = &downMin, &downSec
	if len(runs) > 10 {
		runs = append(runs[:10], fmt.Sprintf("... and %d more down periods", len(runs)-10))
	}
	rep.Reasons = append(rep.Reasons, runs...)
	lv.downSec = downSec
	den := int64(rep.MeasuredMinutes+rep.UnknownMinutes) * 60
	if den == 0 {
		return nil, downMin
	}
	avail := big.NewRat((den-downSec)*100, den)
	rep.Availability = number(avail, 6)
	return avail, downMin
}

// notExcluded returns the seconds of sp, a span inside the month, that
// lie outside the level's excluded minutes.
func (lv *level) notExcluded(sp span) int64 {
	if lv.excl == nil {
		return sp.len()
	}
	var n int64
	for t := slawatch.FloorDiv(sp.a, 60); t*60 < sp.b; t++ {
		if !lv.excluded(t - lv.e.m0) {
			n += sp.clip(span{t * 60, t*60 + 60}).len()
		}
	}
	return n
}

// clockSecond prints a unix second as the reasons' wall clock, with its
// seconds when they are not 0.
func (lv *level) clockSecond(t int64) string {
	at := time.Unix(t, 0).In(lv.e.b.Location)
	if t%60 == 0 {
		return wallClock(at)
	}
	s := wallClock(at.Truncate(time.Minute))
	return s[:16] + at.Format(":05") + s[16:]
}

// allExcluded reports whether every month minute of [a, b) is excluded:
// an outage the SLA does not cover needs no notice.
func (lv *level) allExcluded(a, b int64) bool {
	for t := max(a, lv.e.m0); t < min(b, lv.e.m1); t++ {
		if !lv.excluded(t - lv.e.m0) {
			return false
		}
	}
	return true
}

func (lv *level) clock(t int64) string {
	return wallClock(time.Unix(t*60, 0).In(lv.e.b.Location))
}

func (lv *level) reportValue(rep *LevelReport, q quantity) {
	if !q.ok {
		rep.Reasons = append(rep.Reasons, "no measurement in the month: the value cannot be computed")
		return
	}
	switch lv.l.Template.Value.ReportAs {
	case "loss_pct":
		rep.LossPct = number(q.r, 6)
	case "latency_ms":
		rep.LatencyMs = q.format(3)
	case "jitter_ms":
		rep.JitterMs = q.format(3)
	}
	if q.note != "" {
		rep.Reasons = append(rep.Reasons, q.note+lv.e.seriesList(q.left))
	}
	for _, f := range q.paths {
		p := Path{Series: lv.e.b.Series[f.series], Pings: f.pings}
		if f.mean != nil {
			p.LatencyMs = number(f.mean, 3)
		}
		rep.Paths = append(rep.Paths, p)
	}
}

func (lv *level) exclusionReasons(rep *LevelReport) {
	for _, x := range lv.l.Exclusions {
		a, b := lv.clip(x.Exclusion)
		if a >= b {
			continue
		}
		what := fmt.Sprintf("%s %q %s to %s", x.Kind, x.Reason, lv.clock(lv.e.m0+a), lv.clock(lv.e.m0+b))
		if x.Applies {
			rep.Reasons = append(rep.Reasons, fmt.Sprintf("excluded %d minutes: %s", b-a, what))
		} else {
			rep.Reasons = append(rep.Reasons, fmt.Sprintf("not excluded: %s: %s", what, x.Why))
		}
	}
}
