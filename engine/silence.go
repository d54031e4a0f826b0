package engine

import (
	"fmt"

	"github.com/slawatch/slawatch"
)

// Probe-timed rules (catalog minute.timing "probe", IIJ's "no reply for 5
// minutes"): a run is a silence, timed to the probe from the minute
// records' reply times, rather than a count of whole minutes. A silence
// runs from the first probe lost after a reply to the next answered
// probe; it is an outage once it lasts the rule's consecutive minutes,
// wherever it falls across minute edges (docs/model.md §1).
//
// The minutes wholly silent are the rule's down minutes, as for any rule;
// what timing adds is where the silence begins in the minute before them
// and ends in the minute after. Those two offsets are kept per window
// minute in tail and head, one byte each.

// edges holds a minute's reply timing as a probe-timed rule needs it:
// tail is 1 + the offset in seconds from the minute's start of the first
// probe lost after its last reply (up to 119: that probe may fall in the
// next minute), head 1 + the second of its first reply. Both are 0 when
// the minute has no reply.
type edges struct{ tail, head uint8 }

// edgesOf returns the edges of one series' minute. The probe after the
// last reply is one period later, the period being the minute's 60 s
// shared by its probes (30 s at IIJ's two pings a minute). Replies
// without timing (a producer from before reply timing) put the silence's
// start at the minute's end and its end at the minute's start: the rule
// is then exact to the minute, as before timing.
func edgesOf(m *slawatch.Minute) edges {
	switch {
	case m.Received == 0:
		return edges{}
	case !m.Timed():
		return edges{tail: 61, head: 1}
	}
	period := max((60+m.Sent/2)/m.Sent, 1)
	return edges{tail: uint8(min(uint32(m.LastReply)+period, 120)), head: m.FirstReply}
}

// combineEdges folds the edges of a rule's series in one minute: the
// silence of all of them begins at the latest tail and ends at the
// earliest head. A series without measurement in a minute another
// series answered in might have answered at any second: it counts as
// answering at both ends (no silence in the minute is credited to it).
func (r *rule) combineEdges(rec *records) edges {
	var out edges
	replied, unknownSeen := false, false
	for _, s := range r.series {
		m := rec.get(s)
		if !m.Known() {
			unknownSeen = true
			continue
		}
		ed := edgesOf(m)
		if ed.tail == 0 {
			continue
		}
		if !replied || ed.head < out.head {
			out.head = ed.head
		}
		out.tail = max(out.tail, ed.tail)
		replied = true
	}
	if replied && unknownSeen {
		out.tail, out.head = max(out.tail, 61), 1
	}
	return out
}

// silenceStart returns the first second of a silence whose first wholly
// silent minute is window minute i, window-relative: in the minute before
// it when that minute answered with timing, else i's start.
func (r *rule) silenceStart(i int) int64 {
	if i == 0 || r.edges[i-1].tail == 0 {
		return int64(i) * 60
	}
	return min(int64(i-1)*60+int64(r.edges[i-1].tail)-1, int64(i)*60+59)
}

// silenceEnd returns the end of a silence whose first minute not wholly
// silent is window minute i: its first reply when it has one, else i's
// start (an unknown minute: the silence is known to last until then).
func (r *rule) silenceEnd(i int) int64 {
	if i >= len(r.edges) || r.edges[i].head == 0 || r.group[i] != up {
		return int64(i) * 60
	}
	return int64(i)*60 + int64(r.edges[i].head) - 1
}

// keepSilences is keepRuns for a probe-timed rule: a run of down minutes
// stays down only when its silence, with the edges of the minutes either
// side, lasts n minutes; it returns the qualifying runs with their
// silences in window seconds.
func (r *rule) keepSilences(n int) []run {
	return keepQualifying(r.group, func(i, j int) (run, bool) {
		s, e := r.silenceStart(i), r.silenceEnd(j)
		return run{start: i, end: j, s: s, e: e}, e-s >= int64(n)*60
	})
}

// fmtDuration prints a down time in seconds as minutes and seconds:
// "5 min", "4 min 30 s".
func fmtDuration(sec int64) string {
	if sec%60 == 0 {
		return fmt.Sprintf("%d min", sec/60)
	}
	return fmt.Sprintf("%d min %d s", sec/60, sec%60)
}
