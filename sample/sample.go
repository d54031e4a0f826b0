// Package sample reads and writes the samples CSV that `slawatch evaluate`
// consumes, and folds its rows into per-minute batches of slawatch.Minute
// records.
//
// A samples file holds either probe rows, one per probe sent, or minute
// records, one per series and minute; its header line tells which. A
// UTF-8 byte order mark before the header is ignored.
//
// # Probe rows
//
// The first line is exactly
//
//	time,series,rtt_ms
//
// followed by one row per probe sent:
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
// # Minute records
//
// The first line is exactly
//
//	minute,series,sent,received,rtt_sum_us,rtt_sumsq_us2,rtt_min_us,rtt_max_us
//
// followed by one row per series and minute, the fields of a
// slawatch.Minute in order:
//
//	2026-10-01T00:05:00Z,fra1-ams1,60,59,708000,8498000000,11000,13000
//	2026-10-01T00:05:00Z,web-1,2,0,0,0,0,0
//
// minute is an RFC 3339 time as above that must be the start of its
// minute (seconds 00, any fraction all zeros); series is as above; the
// six numbers are plain decimal digits, sums up to 2⁶⁴-1 and the others
// up to 2³²-1. A record must be the measurements of a possible minute:
// sent > 0 (a minute with nothing sent is left out: it is unknown),
// received <= sent, no round-trip time when received is 0, and otherwise
// rtt_min_us <= rtt_max_us <= slawatch.MaxRTTMicros, rtt_sum_us between
// received × rtt_min_us and received × rtt_max_us, rtt_sumsq_us2 between
// received × rtt_min_us² and received × rtt_max_us², and received ×
// rtt_sumsq_us2 >= rtt_sum_us² (a variance not below zero). A series may
// have one record per minute in a file; MinuteWriter writes such files.
//
// # Lines
//
// Lines end in LF or CRLF. Blank lines are allowed only at the end of the
// file, and a line may be at most MaxLineLen bytes long.
//
// # Sorting
//
// Rows of one file, in either format, must be sorted by time at minute
// granularity: the rows of one minute may come in any order (probes of
// many series finish out of order), but a row whose minute is earlier
// than that of a row above it is an error, because a minute is handed out
// as a Batch as soon as the next minute begins and cannot be reopened.
// Sorting a file by its first column fixes it. Separate files need not
// be sorted against each other, nor be of the same format: a Merger
// interleaves them, adding up the minutes of a series found in several
// files.
//
// Every error about the input is a *ParseError naming the file, line and
// field.
package sample

import slawatch "github.com/slawatch/slawatch"

// Record and Batch are the domain's (slawatch.Record, slawatch.Batch):
// what this package's readers produce and the engine consumes.
type (
	Record = slawatch.Record
	Batch  = slawatch.Batch
)

// Lookup maps a series name to its index (0..n-1), false when unknown.
// The name is only valid during the call: a lookup that keeps it must copy
// it. A map lookup written m[string(name)] does not allocate.
type Lookup func(name []byte) (int32, bool)
