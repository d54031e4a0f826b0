package sample

import (
	"errors"
	"strconv"

	slawatch "github.com/slawatch/slawatch"
)

// Reasons an rtt_ms field is rejected; the reader turns them into messages
// that quote the field.
var (
	errRTTSyntax   = errors.New("not a decimal number of milliseconds")
	errRTTNegative = errors.New("negative")
	errRTTTooLarge = errors.New("too large")
)

// maxRTTMillis is the integer part above which an RTT is too large for
// sure; accumulating stops there so long digit runs cannot overflow.
const maxRTTMillis = slawatch.MaxRTTMicros / 1000

// parseRTT converts an rtt_ms field to microseconds, rounding half up. An
// empty field is a lost probe.
func parseRTT(b []byte) (micros uint32, lost bool, err error) {
	if len(b) == 0 {
		return 0, true, nil
	}
	if b[0] == '-' {
		// Say "negative" only of something that is a number after the sign.
		if _, err := parseMillis(b[1:]); err != errRTTSyntax {
			return 0, false, errRTTNegative
		}
		return 0, false, errRTTSyntax
	}
	us, err := parseMillis(b)
	return us, false, err
}

// parseMillis parses digits, optionally followed by a dot and more digits.
// Only the fourth decimal matters for rounding half up: 0.0345 and
// 0.03459 both round to 35 µs, 0.03449 to 34 µs.
func parseMillis(b []byte) (uint32, error) {
	var ms uint64
	i := 0
	for ; i < len(b) && isDigit(b[i]); i++ {
		if ms <= maxRTTMillis {
			ms = ms*10 + uint64(b[i]-'0')
		}
	}
	if i == 0 {
		return 0, errRTTSyntax
	}
	frac, n, ok := fraction(b[i:])
	if !ok || i+n != len(b) {
		return 0, errRTTSyntax
	}
	us := ms*1000 + frac
	if us > slawatch.MaxRTTMicros {
		return 0, errRTTTooLarge
	}
	return uint32(us), nil
}

// fraction reads an optional ".ddd…" and returns it in microseconds,
// rounded half up, and the bytes it used.
func fraction(b []byte) (us uint64, n int, ok bool) {
	if len(b) == 0 || b[0] != '.' {
		return 0, 0, true
	}
	n = 1
	for ; n < len(b) && isDigit(b[n]); n++ {
		d := uint64(b[n] - '0')
		switch {
		case n <= 3:
			us = us*10 + d
		case n == 4 && d >= 5:
			us++
		}
	}
	if n == 1 {
		return 0, 0, false
	}
	for k := n; k <= 3; k++ { // scale .5 to 500 µs
		us *= 10
	}
	return us, n, true
}

// appendRTT prints microseconds as milliseconds with as few decimals as
// the value needs: 35 µs is 0.035, 12000 µs is 12, 12500 µs is 12.5.
func appendRTT(dst []byte, micros uint32) []byte {
	dst = strconv.AppendUint(dst, uint64(micros/1000), 10)
	frac := micros % 1000
	if frac == 0 {
		return dst
	}
	dst = append(dst, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	for dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	return dst
}
