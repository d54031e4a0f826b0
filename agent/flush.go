package agent

import (
	"time"

	"github.com/slawatch/slawatch"
)

// maxErrorLines bounds the per-target error lines logged per minute; the
// rest are summed up in one line, so 50,000 unreachable targets do not
// flood the log.
const maxErrorLines = 10

// flushDue flushes every minute whose probes have all timed out by now.
func (a *Agent) flushDue(now int64, sink Sink, st *Stats) {
	for now >= a.flushAt(a.nextFlush) {
		a.flush(a.nextFlush, sink, st)
		a.nextFlush++
	}
}

// flush hands minute m's records to the sink. Probes of m still pending
// are lost: their timeout has passed.
func (a *Agent) flush(m int64, sink Sink, st *Stats) {
	recs := a.records[:0]
	failing, lines := 0, 0
	for i := range a.targets {
		t := &a.targets[i]
		if t.pending && t.pendMin <= m {
			t.lost(st)
		}
		if rec, ok := t.take(m); ok {
			recs = append(recs, slawatch.SeriesMinute{Series: t.series, M: rec})
		}
		if t.errs > 0 {
			failing++
			if lines < maxErrorLines {
				a.log.Warn("probe errors", "series", t.series, "count", t.errs, "last", t.lastErr)
				lines++
			}
			t.errs, t.lastErr = 0, nil
		}
	}
	if failing > lines {
		a.log.Warn("probe errors on more targets", "targets", failing-lines)
	}
	a.records = recs
	if len(recs) == 0 {
		return
	}
	if m <= a.after {
		a.log.Info("minute already delivered by a previous run: dropped", "minute", time.Unix(m*60, 0).UTC(), "records", len(recs))
		return
	}
	st.Minutes++
	st.Records += uint64(len(recs))
	if err := sink(m, recs); err != nil {
		st.SinkErrs++
		a.log.Error("minute not kept", "minute", time.Unix(m*60, 0).UTC(), "records", len(recs), "err", err)
	}
}

// drain is the way out: no more sends; take replies on the tick until
// every pending probe is answered or timed out, then flush every minute
// that holds anything.
func (a *Agent) drain(sink Sink, st *Stats) {
	until := a.now() + a.maxTO + int64(flushGrace)
	timer := a.clock.NewTimer(0)
	defer timer.Stop()
	for a.poll(st); a.anyPending() && a.now() < until; a.poll(st) {
		timer.Reset(time.Duration(min(int64(sendTick), until-a.now())))
		select {
		case r := <-a.results:
			a.takeResult(r, st)
		case <-timer.C():
		case <-a.poke:
		}
	}
	last := (a.wall0 + a.now()) / int64(time.Minute)
	for ; a.nextFlush <= last; a.nextFlush++ {
		a.flush(a.nextFlush, sink, st)
	}
}

func (a *Agent) anyPending() bool {
	for i := range a.targets {
		if a.targets[i].pending {
			return true
		}
	}
	return false
}
