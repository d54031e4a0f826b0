// Package graph draws slawatch's graphs as SVG 1.1, on the server, from
// the minute records and the engine's results: a SmokePing-style latency
// graph of one series (Latency), an availability strip of one level
// (Strip) and a flat badge of a level's availability (Badge, LevelBadge).
//
// The output needs no JavaScript, no stylesheet, no font file and no
// other asset: every colour is a presentation attribute, so the same
// bytes show in a browser, inline in HTML or behind an <img>, and in a
// PDF. Drawing is deterministic (the same input gives the same bytes),
// every text is escaped, each graph carries a <title> and a <desc> for
// screen readers, and no input makes it panic: bad options are an
// EINVALID error, inconsistent records are drawn as best they can be.
//
// The package is a view (docs/graphs.md): it queries nothing. The caller
// reads the records (store.ReadMinutesOf with Collect) or the states
// (engine.Evaluator.States) and hands them over.
package graph

import (
	"slices"
	"time"

	"github.com/slawatch/slawatch"
)

// Point is one series' record of one minute: what Latency draws.
type Point struct {
	Minute int64 // Unix minute (slawatch.UnixMinute)
	M      slawatch.Minute
}

// Span is an interval of time [Start, End), such as an outage.
type Span struct {
	Start, End time.Time
}

// Collect returns a function for store.ReadMinutes and ReadMinutesOf that
// appends the records of series to *into:
//
//	var pts []graph.Point
//	err := st.ReadMinutesOf(ctx, from, to, keep, graph.Collect("tokyo-r1", &pts))
//
// It relies on ReadMinutes handing each minute's records sorted by
// series, as it documents.
func Collect(series string, into *[]Point) func(minute int64, recs []slawatch.SeriesMinute) error {
	return func(minute int64, recs []slawatch.SeriesMinute) error {
		i, ok := slices.BinarySearchFunc(recs, series, func(r slawatch.SeriesMinute, s string) int {
			switch {
			case r.Series < s:
				return -1
			case r.Series > s:
				return 1
			}
			return 0
		})
		if ok {
			*into = append(*into, Point{Minute: minute, M: recs[i].M})
		}
		return nil
	}
}

// location returns loc, or UTC when it is nil.
func location(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// size returns v, or def when v is 0; an error when v is outside [lo, hi].
func size(what string, v, def, lo, hi int) (int, error) {
	if v == 0 {
		return def, nil
	}
	if v < lo || v > hi {
		return 0, slawatch.Errorf(slawatch.EINVALID, "graph: %s %d: want %d to %d", what, v, lo, hi)
	}
	return v, nil
}
