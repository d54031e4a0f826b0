package sample

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"

	slawatch "github.com/slawatch/slawatch"
)

// Reasons a count or sum field is rejected; the reader turns them into
// messages that quote the field.
var (
	errIntSyntax   = errors.New("not a decimal integer")
	errIntOverflow = errors.New("too large")
)

// addRecord reads a minute record into the current minute. When the line
// starts a new minute it returns the batch of the previous one.
func (r *Reader) addRecord(line []byte) (*Batch, error) {
	var f [10][]byte
	if err := r.splitFields(line, f[:len(r.columns)]); err != nil {
		return nil, err
	}
	minute, err := r.startMinute(f[0])
	if err != nil {
		return nil, err
	}
	series, err := r.seriesIndex(f[1])
	if err != nil {
		return nil, err
	}
	m, err := r.parseRecord(&f)
	if err != nil {
		return nil, err
	}
	var out *Batch
	if !r.open || minute != r.cur {
		if r.open && minute < r.cur {
			return nil, r.unsorted(f[0])
		}
		out = r.emit()
		r.begin(minute, f[0])
	}
	if series < 0 {
		return out, r.ignore()
	}
	return out, r.applyRecord(series, f[1], m)
}

// startMinute returns the Unix minute of a minute field, which must be
// the start of its minute: a record stands for the whole minute, and a
// time within it suggests the writer meant something else.
func (r *Reader) startMinute(b []byte) (int64, error) {
	minute, err := r.times.minute(b)
	if err != nil {
		return 0, r.lineError("minute", ErrMalformed, "%q is not an RFC 3339 time: %v", trunc(b), err)
	}
	if !atMinuteStart(b) {
		return 0, r.lineError("minute", ErrMalformed, "%q is not the start of a minute; want seconds 00 and no fraction other than zeros", trunc(b))
	}
	return minute, nil
}

// atMinuteStart reports whether a time that parsed has zero seconds and
// fraction. Parsing checked the layout, so b[16:19] is ":ss".
func atMinuteStart(b []byte) bool {
	if b[17] != '0' || b[18] != '0' {
		return false
	}
	if b[19] == '.' {
		for _, c := range b[20:] {
			if !isDigit(c) {
				break
			}
			if c != '0' {
				return false
			}
		}
	}
	return true
}

// parseRecord reads the six numbers of a minute record, which come in the
// order of the fields of slawatch.Minute, and checks that they can be the
// measurements of one minute.
func (r *Reader) parseRecord(f *[10][]byte) (slawatch.Minute, error) {
	var v [6]uint64
	for i := range v {
		limit := uint64(math.MaxUint32)
		if i == 2 || i == 3 { // the sums
			limit = math.MaxUint64
		}
		n, err := parseUint(f[i+2], limit)
		if err != nil {
			return slawatch.Minute{}, r.numberError(i+2, f[i+2], err, limit)
		}
		v[i] = n
	}
	m := slawatch.Minute{
		Sent: uint32(v[0]), Received: uint32(v[1]), RTTSum: v[2],
		RTTSumSq: v[3], RTTMin: uint32(v[4]), RTTMax: uint32(v[5]),
	}
	if len(r.columns) > 8 {
		var err error
		if m.FirstReply, err = r.replySecond(f[8], 8); err != nil {
			return m, err
		}
		if m.LastReply, err = r.replySecond(f[9], 9); err != nil {
			return m, err
		}
	}
	if field, err := checkMinute(&m); err != nil {
		return m, r.lineError(field, ErrMalformed, "%v", err)
	}
	return m, nil
}

// replySecond reads a timing column: empty (no reply, or untimed) or the
// second 0-59, stored as 1 + the second as in slawatch.Minute.
func (r *Reader) replySecond(b []byte, i int) (uint8, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, err := parseUint(b, 59)
	if err != nil {
		if err == errIntOverflow {
			return 0, r.lineError(r.columns[i], ErrMalformed, "%q is not a second of a minute (0 to 59)", trunc(b))
		}
		return 0, r.numberError(i, b, err, 59)
	}
	return uint8(n + 1), nil
}

func (r *Reader) numberError(i int, text []byte, err error, limit uint64) error {
	if err == errIntOverflow {
		return r.lineError(r.columns[i], ErrMalformed, "%q is above the limit of %d", trunc(text), limit)
	}
	return r.lineError(r.columns[i], ErrMalformed, "%q is not a decimal integer", trunc(text))
}

// parseUint parses plain decimal digits: no sign, spaces or exponent. It
// reads to the end before reporting an overflow, so that "99…9x" is
// reported as the syntax error it also is.
func parseUint(b []byte, limit uint64) (uint64, error) {
	if len(b) == 0 {
		return 0, errIntSyntax
	}
	var n uint64
	over := false
	for _, c := range b {
		if !isDigit(c) {
			return 0, errIntSyntax
		}
		d := uint64(c - '0')
		if n > (limit-d)/10 {
			over = true
		}
		n = n*10 + d
	}
	if over {
		return 0, errIntOverflow
	}
	return n, nil
}

// applyRecord stores a record as its series' minute. A second record of
// the same series and minute is refused rather than merged: in one file
// it is a duplicate, and adding it would count its probes twice.
func (r *Reader) applyRecord(series int32, name []byte, m slawatch.Minute) error {
	acc := &r.acc[series]
	if acc.Sent != 0 { // every record has sent > 0, so a stored one shows
		return r.duplicate(series, name)
	}
	*acc = m
	r.touched = append(r.touched, series)
	r.lines = append(r.lines, r.line)
	r.rows++
	return nil
}

// duplicate names both lines of a series' minute.
func (r *Reader) duplicate(series int32, name []byte) error {
	first := 0
	for i, s := range r.touched {
		if s == series {
			first = r.lines[i]
		}
	}
	return r.lineError("series", ErrMalformed,
		"series %q already has a record for minute %s on line %d; a file may hold one record per series and minute",
		trunc(name), minuteText(r.cur), first)
}

// checkMinute reports whether m can be the measurements of one minute,
// and if not, which column is wrong and why. Every known minute built by
// AddReply and AddLost passes. The products are taken in 128 bits, since
// received × max² alone can exceed 64.
func checkMinute(m *slawatch.Minute) (field string, err error) {
	switch {
	case m.Sent == 0:
		return "sent", errors.New("0 probes sent; a minute with no probe sent is left out (it is unknown)")
	case m.Received > m.Sent:
		return "received", fmt.Errorf("%d is more than sent (%d)", m.Received, m.Sent)
	case m.Received == 0:
		return checkNoReplies(m)
	case m.FirstReply > 60 || m.LastReply > 60 || (m.FirstReply == 0) != (m.LastReply == 0):
		return "last_reply_s", fmt.Errorf("first_reply_s and last_reply_s are both given or both empty (untimed), got %s and %s", second(m.FirstReply), second(m.LastReply))
	case m.FirstReply > m.LastReply:
		return "first_reply_s", fmt.Errorf("%s is after last_reply_s %s", second(m.FirstReply), second(m.LastReply))
	case m.Received == 1 && m.FirstReply != m.LastReply:
		return "last_reply_s", fmt.Errorf("%s differs from first_reply_s %s with 1 reply", second(m.LastReply), second(m.FirstReply))
	case m.RTTMax > slawatch.MaxRTTMicros:
		return "rtt_max_us", fmt.Errorf("%d is above the limit of %d µs", m.RTTMax, slawatch.MaxRTTMicros)
	case m.RTTMin > m.RTTMax:
		return "rtt_min_us", fmt.Errorf("%d is above rtt_max_us %d", m.RTTMin, m.RTTMax)
	}
	n := uint64(m.Received)
	lo, hi := n*uint64(m.RTTMin), n*uint64(m.RTTMax) // below 2^58: no overflow
	if m.RTTSum < lo || m.RTTSum > hi {
		return "rtt_sum_us", fmt.Errorf("%d is outside received × rtt_min_us to received × rtt_max_us (%d to %d)", m.RTTSum, lo, hi)
	}
	return checkSumSq(m)
}

// checkNoReplies checks that a minute without replies has no round-trip
// times, naming the first column that has one.
func checkNoReplies(m *slawatch.Minute) (string, error) {
	for _, c := range []struct {
		field string
		v     uint64
	}{
		{"rtt_sum_us", m.RTTSum}, {"rtt_sumsq_us2", m.RTTSumSq},
		{"rtt_min_us", uint64(m.RTTMin)}, {"rtt_max_us", uint64(m.RTTMax)},
		{"first_reply_s", uint64(m.FirstReply)}, {"last_reply_s", uint64(m.LastReply)},
	} {
		if c.v != 0 {
			if c.field == "first_reply_s" || c.field == "last_reply_s" {
				return c.field, fmt.Errorf("%s with 0 replies received; a minute without replies has no reply time", second(uint8(c.v)))
			}
			return c.field, fmt.Errorf("%d with 0 replies received; a minute without replies has no round-trip times", c.v)
		}
	}
	return "", nil
}

// checkSumSq bounds the sum of squares: between received × min² and
// received × max², and at least sum²/received, the smallest it can be
// for that sum (all RTTs equal); below it the variance would be negative.
func checkSumSq(m *slawatch.Minute) (string, error) {
	n, sq := uint64(m.Received), m.RTTSumSq
	minHi, minLo := bits.Mul64(n, uint64(m.RTTMin)*uint64(m.RTTMin))
	maxHi, maxLo := bits.Mul64(n, uint64(m.RTTMax)*uint64(m.RTTMax))
	switch {
	case less128(0, sq, minHi, minLo):
		return "rtt_sumsq_us2", fmt.Errorf("%d is below received × rtt_min_us² (%s)", sq, u128(minHi, minLo))
	case less128(maxHi, maxLo, 0, sq):
		return "rtt_sumsq_us2", fmt.Errorf("%d is above received × rtt_max_us² (%s)", sq, u128(maxHi, maxLo))
	}
	nsqHi, nsqLo := bits.Mul64(n, sq)
	sumHi, sumLo := bits.Mul64(m.RTTSum, m.RTTSum)
	if less128(nsqHi, nsqLo, sumHi, sumLo) {
		return "rtt_sumsq_us2", fmt.Errorf("%d is below rtt_sum_us² / received (%s / %d); the variance would be negative",
			sq, u128(sumHi, sumLo), n)
	}
	return "", nil
}

// less128 compares two 128-bit numbers given as high and low halves.
func less128(aHi, aLo, bHi, bLo uint64) bool {
	return aHi < bHi || (aHi == bHi && aLo < bLo)
}

// u128 prints a 128-bit number, only for messages.
func u128(hi, lo uint64) string {
	x := new(big.Int).SetUint64(hi)
	return x.Lsh(x, 64).Or(x, new(big.Int).SetUint64(lo)).String()
}

// second prints a stored reply time (1 + the second) as its column reads.
func second(v uint8) string {
	if v == 0 {
		return "empty"
	}
	return fmt.Sprint(int(v) - 1)
}
