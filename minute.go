package slawatch

import (
	"math/bits"
	"time"
)

// MaxRTTMicros is the largest round-trip time a sample may carry (60 s).
// It bounds RTTSumSq so a minute of up to 5,000 replies cannot overflow.
const MaxRTTMicros = 60_000_000

// Minute is one series' measurements in one clock minute: probes sent,
// replies received in time, and the round-trip times of those replies.
//
// RTTs are integer microseconds, so sums are exact and merging is
// associative and commutative: late or duplicated delivery re-evaluates to
// the same numbers, and a month's standard deviation computed from the
// merged sums is exact (not an average of minute deviations).
type Minute struct {
	Sent     uint32 // probes sent in the minute
	Received uint32 // replies received in time; also the number of RTT samples
	RTTSum   uint64 // sum of RTTs, microseconds
	RTTSumSq uint64 // sum of squared RTTs, microseconds²
	RTTMin   uint32 // smallest RTT, microseconds; meaningful when Received > 0
	RTTMax   uint32 // largest RTT, microseconds

	// FirstReply and LastReply time the replies to the second: 1 + the
	// second of the minute (0-59) at which the first and the last answered
	// probe were sent. Both are 0 when the minute has no reply, or when it
	// has replies but no timing (a producer from before timing: the minute
	// is then read at minute granularity, as before). A silence runs from
	// the probe after one reply to the next reply, so the first and last
	// reply are what makes it exact across minutes; they fold by min and
	// max, which is all that a fold in any order (rows of a minute come in
	// any order, the store sums agents) can keep. See docs/model.md §1.
	FirstReply uint8
	LastReply  uint8
}

// SeriesMinute is one named series' Minute: what the probing agent
// produces, its spool keeps and the server stores.
type SeriesMinute struct {
	Series string
	M      Minute
}

// Known reports whether the minute holds any measurement at all. A minute
// with no probe sent is unknown, never down.
func (m *Minute) Known() bool { return m.Sent > 0 }

// Lost returns the probes sent without a reply in time.
func (m *Minute) Lost() uint32 { return m.Sent - m.Received }

// AddLost records a probe sent and not answered in time.
func (m *Minute) AddLost() { m.Sent++ }

// Timed reports whether the minute's replies are timed: it has replies
// and FirstReply and LastReply say when. A minute without a reply needs
// no timing: it is silent from start to end.
func (m *Minute) Timed() bool { return m.Received > 0 && m.FirstReply != 0 }

// AddReplyAt records a probe sent at second sec (0-59) of the minute and
// answered after rtt microseconds. It reports false, leaving m unchanged,
// when the sums would overflow or sec is not a second of a minute.
func (m *Minute) AddReplyAt(rtt uint32, sec int) bool {
	if sec < 0 || sec > 59 {
		return false
	}
	one := Minute{Sent: 1, Received: 1, RTTSum: uint64(rtt), RTTSumSq: uint64(rtt) * uint64(rtt),
		RTTMin: rtt, RTTMax: rtt, FirstReply: uint8(sec + 1), LastReply: uint8(sec + 1)}
	return m.Merge(one)
}

// AddReply records a probe answered after rtt microseconds, without its
// time: the minute's replies become untimed. It reports false, leaving m
// unchanged, when the sums would overflow.
func (m *Minute) AddReply(rtt uint32) bool {
	sq := uint64(rtt) * uint64(rtt)
	sumsq, c1 := bits.Add64(m.RTTSumSq, sq, 0)
	sum, c2 := bits.Add64(m.RTTSum, uint64(rtt), 0)
	if c1 != 0 || c2 != 0 {
		return false
	}
	if m.Received == 0 || rtt < m.RTTMin {
		m.RTTMin = rtt
	}
	if rtt > m.RTTMax {
		m.RTTMax = rtt
	}
	m.Sent++
	m.Received++
	m.RTTSum, m.RTTSumSq = sum, sumsq
	m.FirstReply, m.LastReply = 0, 0
	return true
}

// Merge adds o into m. It reports false, leaving m unchanged, when the sums
// would overflow.
func (m *Minute) Merge(o Minute) bool {
	sumsq, c1 := bits.Add64(m.RTTSumSq, o.RTTSumSq, 0)
	sum, c2 := bits.Add64(m.RTTSum, o.RTTSum, 0)
	if c1 != 0 || c2 != 0 {
		return false
	}
	if o.Received > 0 {
		if m.Received == 0 || o.RTTMin < m.RTTMin {
			m.RTTMin = o.RTTMin
		}
		if o.RTTMax > m.RTTMax {
			m.RTTMax = o.RTTMax
		}
	}
	m.FirstReply, m.LastReply = mergeTiming(m, &o)
	m.Sent += o.Sent
	m.Received += o.Received
	m.RTTSum, m.RTTSumSq = sum, sumsq
	return true
}

// mergeTiming folds the reply timing of two records of one minute: the
// earliest first reply and the latest last one. A record without replies
// adds none; one whose replies are untimed makes the fold untimed (it may
// have had a reply at any second), so the result does not depend on the
// order of the fold.
func mergeTiming(a, b *Minute) (first, last uint8) {
	switch {
	case b.Received == 0:
		return a.FirstReply, a.LastReply
	case a.Received == 0:
		return b.FirstReply, b.LastReply
	case !a.Timed() || !b.Timed():
		return 0, 0
	}
	return min(a.FirstReply, b.FirstReply), max(a.LastReply, b.LastReply)
}

// FloorDiv divides rounding toward minus infinity, so that the seconds
// before 1970 fall in the right minute.
func FloorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// UnixMinute returns the Unix minute holding t.
func UnixMinute(t time.Time) int64 { return FloorDiv(t.Unix(), 60) }

// MinuteTime returns the start of Unix minute m, in UTC.
func MinuteTime(m int64) time.Time { return time.Unix(m*60, 0).UTC() }
