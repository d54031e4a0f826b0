package engine

import (
	"slices"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/contract"
)

// Outage is an outage a notification level's minute rule detected, told
// as minutes are judged so that a live server can send the notice the
// level times. Its minutes are those of the level's report: Start,
// Detected and End are the start, detected_at minus one minute and end of
// one of its outages.
type Outage struct {
	Service *contract.BoundService
	Level   *contract.Level
	Rule    int // the template's minute rule: 0, or 1 + the index of its alternative (or)
	// Unix minutes. Start is the minute holding the outage's start;
	// Detected the minute whose judgement made the run long enough (its
	// consecutive-th minute, or for a probe-timed rule the minute holding
	// the detection instant). End is the first minute after the run, 0
	// while it lasts.
	Start, Detected, End int64
	// The same to the second, unix seconds, as the report lists them:
	// the start (a probe-timed rule's first lost probe, else the start of
	// minute Start), the detection instant and the end (0 while the
	// outage lasts).
	StartSec, DetectedSec, EndSec int64
}

// StartAt is the outage's start, the report's start.
func (o Outage) StartAt() time.Time { return time.Unix(o.StartSec, 0) }

// DetectedAt is the instant the outage was detected, the report's
// detected_at.
func (o Outage) DetectedAt() time.Time { return time.Unix(o.DetectedSec, 0) }

// EndAt is the outage's end, the report's end; zero while it lasts.
func (o Outage) EndAt() time.Time {
	if o.EndSec == 0 {
		return time.Time{}
	}
	return time.Unix(o.EndSec, 0)
}

// OnOutage registers fn, called synchronously from Add, AddNamed and
// Finish as soon as a minute's judgement detects an outage (End 0) and
// again when a detected outage ends (End set), for the levels whose
// template has a minute rule and a notification objective
// (objective.notify_within_minutes), such as iij/outage-notification and
// aryaka/tunnel-down-notify. A run of down minutes is an outage once it is
// as long as the rule's consecutive, counted from its first minute; an
// unknown or up minute ends it. Only outages the notification level's
// report lists and judges are told: those detected inside the month (at
// an instant in [start, end)) that are not wholly excluded; one that is
// excluded up to its detection is told when it first reaches a
// non-excluded minute. An outage detected in the month before and still
// open is not told again; its end is told when it comes after the window
// of the month before (whose evaluator could not see it), with the start
// this window sees (the window's first minute when the outage began
// before it). An outage detected at the month's first instant
// (the end of the minute before it) is told once the month's first
// minute shows it lasts into the month: the report lists only outages
// with a minute in the month. An outage still open at the end of the
// window gets no end.
//
// Rules with series_consecutive are not watched: a series counts as
// failed only inside a run that later minutes may complete, so their
// minutes are final only at Finish. No catalog notification template has
// one.
//
// Register fn before the first minute to be told of every outage; a later
// fn is told of outages detected after it. A Clone starts without fn.
func (e *Evaluator) OnOutage(fn func(Outage)) { e.onOutage = fn }

// Window returns the unix minutes [from, to) the evaluator reads: the
// month with the context its rules need on either side.
func (e *Evaluator) Window() (from, to int64) { return e.w0, e.w1 }

// Next returns the next minute the evaluator expects; every window minute
// before it is judged.
func (e *Evaluator) Next() int64 { return e.next }

// watch follows the runs of down minutes of one rule of a notification
// level, minute by minute.
type watch struct {
	lv      *level
	r       *rule
	idx     int   // the rule's index in the level
	n       int   // the run length that is an outage
	start   int   // the open run's first window minute; -1: none
	s       int64 // the open run's start in window seconds (a probe-timed rule's first lost probe)
	counted bool
	told    bool // the open run's detection was told (or would have been)
	// early: the open run was detected in the month before, whose
	// evaluator told its detection; its end is told here when that
	// evaluator's window ends before it
	early bool
}

// watchNotifications sets up a watch for every rule outages are
// detected by: the notification levels' rules whose minutes are final
// when judged, and that their report lists outages of.
func (e *Evaluator) watchNotifications() {
	for _, lv := range e.levels {
		t := lv.l.Template
		if t.Minute == nil || t.Objective.NotifyWithinMinutes <= 0 {
			continue
		}
		notify := t.Timer != nil && t.Timer.Measure == "notification"
		for k, r := range lv.rules {
			if r.raw != nil || (r.consec < 2 && !notify) {
				continue
			}
			e.watches = append(e.watches, watch{lv: lv, r: r, idx: k, n: max(r.consec, 1), start: -1})
		}
	}
}

// detect looks at window minute i, unix minute t, once every rule has
// judged it.
func (e *Evaluator) detect(i int, t int64) {
	for k := range e.watches {
		e.watches[k].see(e, i, t)
	}
}

func (w *watch) see(e *Evaluator, i int, t int64) {
	if w.r.group[i] != down {
		if w.start >= 0 && !w.told && w.r.timed {
			// a probe-timed silence may reach its length in the minute
			// that ends it, before the first reply
			w.detectBy(e, w.r.silenceEnd(i))
		}
		seenBefore := w.early && t < e.m0+(e.w1-e.m1) // the month before's window saw this end
		if w.start >= 0 && w.told && !seenBefore && e.onOutage != nil {
			e.onOutage(w.outage(e, t, w.r.silenceEnd(i)))
		}
		w.start, w.counted, w.told, w.early = -1, false, false, false
		return
	}
	if w.start < 0 {
		w.start, w.s = i, int64(i)*60
		if w.r.timed {
			w.s = w.r.silenceStart(i)
		}
	}
	// The report leaves out outages whose every month minute is excluded.
	if !w.counted && t >= e.m0 && t < e.m1 && !w.lv.excluded(t-e.m0) {
		w.counted = true
	}
	if !w.told {
		w.detectBy(e, int64(i+1)*60)
	}
}

// detectBy tells the open run's detection when, silent until window
// second until, it has lasted the rule's length: at the instant it did.
func (w *watch) detectBy(e *Evaluator, until int64) {
	if !w.counted || until-w.s < int64(w.n)*60 {
		return
	}
	at := e.w0*60 + w.s + int64(w.n)*60 // unix seconds
	if at < e.m0*60 {
		// detected in the month before: that month's report judges it and
		// its evaluator told it; its end may be this one's to tell
		w.told, w.early = true, true
		return
	}
	if at >= e.m1*60 {
		return // detected in the month after: that month's report judges it
	}
	w.told = true
	if e.onOutage != nil {
		e.onOutage(w.outage(e, 0, 0))
	}
}

// outage is the open run as told: end is the unix minute after it and
// endSec its end in window seconds, both 0 while it lasts.
func (w *watch) outage(e *Evaluator, end, endSec int64) Outage {
	s := e.w0*60 + w.s
	d := s + int64(w.n)*60
	o := Outage{Service: w.lv.l.Service, Level: w.lv.l, Rule: w.idx,
		Start: slawatch.FloorDiv(s, 60), Detected: -slawatch.FloorDiv(-d, 60) - 1, End: end,
		StartSec: s, DetectedSec: d}
	if end != 0 {
		o.EndSec = e.w0*60 + endSec
	}
	return o
}

// sortOutages lists a level's outages in time order, by start then
// detection, whichever of the level's rules found them: a level with two
// rules (internet breakout: loss runs, latency runs) would otherwise list
// one rule's outages, then the other's.
func sortOutages(out []OutageReport) {
	slices.SortStableFunc(out, func(a, b OutageReport) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return a.DetectedAt.Compare(b.DetectedAt)
	})
}
