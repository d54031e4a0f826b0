// Package sample reads and writes the samples CSV that `slawatch evaluate`
// consumes, and folds its rows into per-minute batches of slawatch.Minute
// records.
//
// # Format
//
// The first line is exactly
//
//	time,series,rtt_ms
//
// (a UTF-8 byte order mark before it is ignored), followed by one row per
// probe sent:
//
//	2026-10-01T00:00:07Z,web-1,12.5
//	2026-10-01T09:00:08.250+09:00,"db,primary",
//
// The fields:
//
//   - time is an RFC 3339 time: 2006-01-02T15:04:05, optional fractional
//     seconds (.5, .250, any number of digits), then Z or ±hh:mm. The
//     letters T and Z must be upper case and the leap second :60 is
//     rejected, as time.Parse does. A row belongs to the clock minute
//     floor(Unix seconds / 60), a "Unix minute".
//   - series is a non-empty name, CSV-quoted when it holds a comma or a
//     quote ("a,b", "say ""hi"""). A quoted field may not span lines.
//   - rtt_ms is empty when the probe was lost, otherwise a non-negative
//     decimal number of milliseconds (12, 12.5, 0.034; no sign, exponent or
//     spaces) of at most 60000 (slawatch.MaxRTTMicros). It is rounded half
//     up to whole microseconds: 0.0345 is 35 µs.
//
// Lines end in LF or CRLF. Blank lines are allowed only at the end of the
// file, and a line may be at most MaxLineLen bytes long.
//
// # Sorting
//
// Rows of one file must be sorted by time at minute granularity: the rows
// of one minute may come in any order (probes of many series finish out of
// order), but a row whose minute is earlier than that of a row above it is
// an error, because a minute is handed out as a Batch as soon as the next
// minute begins and cannot be reopened. Sorting a file by its time column
// fixes it. Separate files need not be sorted against each other: a Merger
// interleaves them.
//
// Every error about the input is a *ParseError naming the file, line and
// field.
package sample

import slawatch "github.com/slawatch/slawatch"

// Record is one series' minute inside a Batch.
type Record struct {
	Series int32 // index given by the Lookup
	Minute slawatch.Minute
}

// Batch is every row of one clock minute read from one or more files.
type Batch struct {
	Minute  int64    // Unix minute: Unix seconds / 60, rounded down
	Records []Record // one per series seen in the minute, by ascending Series
	Rows    int64    // CSV rows folded into the batch
}

// Lookup maps a series name to its index (0..n-1), false when unknown.
// The name is only valid during the call: a lookup that keeps it must copy
// it. A map lookup written m[string(name)] does not allocate.
type Lookup func(name []byte) (int32, bool)
