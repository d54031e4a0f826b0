package codec

import (
	"math/bits"
	"unicode"
	"unicode/utf8"

	slawatch "github.com/slawatch/slawatch"
)

// MaxNameBytes is the longest agent or series name, as the agent's
// configuration allows.
const MaxNameBytes = 256

// CheckName reports what is wrong with an agent or series name, or "".
// Names are the same on both backends only if PostgreSQL can store them:
// valid UTF-8 without NUL; control characters are refused as well, since
// they would break the CSV and table outputs.
func CheckName(name string) string {
	switch {
	case name == "":
		return "empty"
	case len(name) > MaxNameBytes:
		return "longer than 256 bytes"
	case !utf8.ValidString(name):
		return "not valid UTF-8"
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return "contains a control character"
		}
	}
	return ""
}

// CheckMinute reports what is inconsistent in a minute record, or "".
// Every record an agent can produce by AddReply, AddReplyAt, AddLost and
// Merge passes; the chunk encoder relies on these relations to store a
// record in a few bytes (mean within [RTTMin, RTTMax], the sum of squares
// at least Sum²/Received, the last reply not before the first).
func CheckMinute(m *slawatch.Minute) string {
	if why := checkTiming(m); why != "" {
		return why
	}
	switch {
	case m.Received > m.Sent:
		return "received exceeds sent"
	case m.Received == 0:
		if m.RTTSum != 0 || m.RTTSumSq != 0 || m.RTTMin != 0 || m.RTTMax != 0 {
			return "RTT fields set with nothing received"
		}
		return ""
	case m.RTTMin > m.RTTMax:
		return "RTT min exceeds max"
	case m.RTTMax > slawatch.MaxRTTMicros:
		return "RTT max exceeds 60 s"
	}
	r := uint64(m.Received)
	if m.RTTSum < r*uint64(m.RTTMin) || m.RTTSum > r*uint64(m.RTTMax) {
		return "RTT sum outside received × [min, max]"
	}
	// Σx² lies between Sum²/r (all equal) and max·Sum (each x ≤ max).
	hi, lo := bits.Mul64(m.RTTSum, m.RTTSum)
	rhi, rlo := bits.Mul64(m.RTTSumSq, r)
	if hi > rhi || (hi == rhi && lo > rlo) {
		return "RTT sum of squares below sum²/received"
	}
	if mhi, mlo := bits.Mul64(m.RTTSum, uint64(m.RTTMax)); mhi == 0 && m.RTTSumSq > mlo {
		return "RTT sum of squares above sum × max"
	}
	return ""
}

// checkTiming reports what is inconsistent in a minute's reply timing, or
// "": each is 1 + a second of the minute, both set or neither, the first
// not after the last, and none without a reply.
func checkTiming(m *slawatch.Minute) string {
	switch {
	case m.FirstReply > 60 || m.LastReply > 60:
		return "reply timing beyond the minute's 60 seconds"
	case (m.FirstReply == 0) != (m.LastReply == 0):
		return "reply timing half set"
	case m.FirstReply > m.LastReply:
		return "first reply after the last"
	case m.Received == 0 && m.FirstReply != 0:
		return "reply timing set with nothing received"
	}
	return ""
}
