// Package ingest is the HTTP protocol by which a probing agent delivers
// minute records to the server: the body's encoding (AppendBlock, Decode)
// and the agent's side of the exchange (Client).
//
// # Exchange
//
// The agent POSTs a body to URL/api/ingest with the header
// "Authorization: Bearer TOKEN" and the Content-Type ContentType. The
// server answers 200 with {"minutes":N,"records":N} once it has stored
// every record of the body durably, and only then; the agent acknowledges
// its spool only after that answer. A failed exchange is sent again, so
// the server must store idempotently: the same (agent, series, minute)
// delivered twice is stored once. Errors are answered as
// {"error":{"code":"...","message":"..."}}.
//
// # Body
//
//	body    magic "SWM2", then blocks until the end
//	block   minute uvarint (Unix minutes, 0 to MaxMinute),
//	        record count uvarint, the records
//	record  as package internal/wire writes them (layout Timed): the
//	        length of the prefix the series name shares with the previous
//	        record's in the block (uvarint), the rest's length (uvarint)
//	        and bytes, then Sent, Received, RTTSum, RTTSumSq, RTTMin,
//	        RTTMax, FirstReply, LastReply (uvarints; the last two 0 to 255)
//
// A series name is 1 to MaxSeriesBytes bytes. Records sorted by series
// compress best: sorted names cost a few bytes each. Decode checks the
// encoding, not whether a record's numbers are consistent (the store
// does that).
//
// Bodies of the first version, from agents older than reply timing,
// are still accepted: magic "SWM1" and records without FirstReply and
// LastReply, which decode untimed (both 0). AppendBlock writes only the
// current version, so a server must be upgraded before its agents: an
// older server refuses "SWM2" as invalid.
package ingest

// ContentType is the media type of a body of minute records.
const ContentType = "application/vnd.slawatch.minutes"

// Magic opens every body AppendBlock writes: the format and its version.
const Magic = "SWM2"

// MagicV1 opens the bodies of agents from before reply timing, which
// Decode still reads (untimed).
const MagicV1 = "SWM1"

// Limits of the encoding.
const (
	// MaxSeriesBytes is the longest series name, as the agent's
	// configuration and the store allow.
	MaxSeriesBytes = 256
	// MaxMinute is the last minute of the year 9999
	// (9999-12-31T23:59:00Z), the last the samples files can hold.
	MaxMinute = 4_223_371_679
)

// What a client puts in one body: the agent groups pending minutes into
// bodies of at most BodyMinutes minutes and, unless one minute alone is
// larger, about BodyBytes bytes.
const (
	BodyMinutes = 64
	BodyBytes   = 1 << 20
)
