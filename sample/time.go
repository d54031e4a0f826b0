package sample

import (
	"errors"

	slawatch "github.com/slawatch/slawatch"
)

// Reasons an RFC 3339 time is rejected; they end the "is not an RFC 3339
// time" message.
var (
	errTimeLayout = errors.New("want the layout 2006-01-02T15:04:05Z, with optional .fraction and Z or ±hh:mm")
	errMonth      = errors.New("month out of range")
	errDay        = errors.New("day out of range")
	errHour       = errors.New("hour out of range")
	errMinute     = errors.New("minute out of range")
	errSecond     = errors.New("second out of range (leap seconds are not accepted)")
	errFraction   = errors.New("fractional seconds need a digit after the dot")
	errZone       = errors.New("zone must be Z or ±hh:mm")
	errZoneRange  = errors.New("zone offset out of range")
)

// parseTime returns the Unix seconds of an RFC 3339 time, ignoring any
// fractional seconds. It is written by hand because time.Parse costs more
// than the rest of a row and accepts some non-RFC 3339 text (a one-digit
// hour, a comma before the fraction, zone offsets up to 24:60) that this
// parser rejects. Otherwise it accepts what time.Parse(time.RFC3339Nano)
// accepts, with the same value.
func parseTime(b []byte) (int64, error) {
	if len(b) < len("2006-01-02T15:04:05Z") ||
		b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' {
		return 0, errTimeLayout
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return 0, errTimeLayout
	}
	if err := checkDate(year, month, day, hour, minute); err != nil {
		return 0, err
	}
	sec, zone, err := secondsAndZone(b[16:])
	if err != nil {
		return 0, err
	}
	offset, err := parseZone(zone)
	if err != nil {
		return 0, err
	}
	clock := hour*3600 + minute*60 + sec
	return daysFromCivil(year, month, day)*86400 + clock - offset, nil
}

// secondsAndZone reads ":05" and an optional fraction from the tail of a
// time, returning the seconds and the zone text left after them.
func secondsAndZone(b []byte) (int64, []byte, error) {
	if len(b) < len(":05Z") || b[0] != ':' {
		return 0, nil, errTimeLayout
	}
	sec, ok := digits(b[1:3])
	if !ok {
		return 0, nil, errTimeLayout
	}
	if sec > 59 {
		return 0, nil, errSecond
	}
	b = b[3:]
	if b[0] == '.' {
		n := 1
		for n < len(b) && isDigit(b[n]) {
			n++
		}
		if n == 1 {
			return 0, nil, errFraction
		}
		b = b[n:]
	}
	return sec, b, nil
}

// parseZone returns the offset east of UTC in seconds of "Z" or "±hh:mm".
// "-00:00" (offset unknown, RFC 3339 §4.3) is UTC.
func parseZone(b []byte) (int64, error) {
	if len(b) == 1 && b[0] == 'Z' {
		return 0, nil
	}
	if len(b) != len("+09:00") || (b[0] != '+' && b[0] != '-') || b[3] != ':' {
		return 0, errZone
	}
	hh, ok1 := digits(b[1:3])
	mm, ok2 := digits(b[4:6])
	if !ok1 || !ok2 {
		return 0, errZone
	}
	if hh > 23 || mm > 59 {
		return 0, errZoneRange
	}
	offset := hh*3600 + mm*60
	if b[0] == '-' {
		offset = -offset
	}
	return offset, nil
}

// checkDate validates the calendar fields; the seconds were checked when
// read.
func checkDate(year, month, day, hour, minute int64) error {
	switch {
	case month < 1 || month > 12:
		return errMonth
	case day < 1 || day > daysIn(year, month):
		return errDay
	case hour > 23:
		return errHour
	case minute > 59:
		return errMinute
	}
	return nil
}

// daysIn returns the number of days of a month of the proleptic Gregorian
// calendar.
func daysIn(year, month int64) int64 {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a date, by Howard
// Hinnant's algorithm (http://howardhinnant.github.io/date_algorithms.html).
// Years start in March so the leap day is last; the year is shifted by 400
// (one whole cycle) so that year 0 does not go negative.
func daysFromCivil(year, month, day int64) int64 {
	y := year + 400
	if month <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (month + 9) % 12
	doy := (153*mp+2)/5 + day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return (era-1)*146097 + doe - 719468
}

// digits parses a short run of ASCII digits.
func digits(b []byte) (int64, bool) {
	var n int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// timeCache remembers the minute of the last time parsed. Consecutive rows
// mostly share their minute, and the minute depends only on the text up to
// the minutes and on the zone (a zone offset is whole minutes and the
// seconds, 0 to 59, never carry into the next minute), so a row that
// matches both only has its seconds and fraction checked.
type timeCache struct {
	prefix [16]byte // "2006-01-02T15:04" of the cached time
	zone   [6]byte  // its zone: "Z" or "+09:00"
	zlen   int      // length of zone; 0 while the cache is empty
	last   int64    // Unix minute of the cached time
}

// minute returns the Unix minute of an RFC 3339 time.
func (c *timeCache) minute(b []byte) (int64, error) {
	m, _, err := c.at(b)
	return m, err
}

// at returns the Unix minute of an RFC 3339 time and its second in that
// minute (0-59): a zone offset is whole minutes, so the second written is
// the second of the UTC minute too.
func (c *timeCache) at(b []byte) (int64, int, error) {
	if c.zlen > 0 && len(b) > 16 && string(b[:16]) == string(c.prefix[:]) {
		s, zone, err := secondsAndZone(b[16:])
		if err == nil && string(zone) == string(c.zone[:c.zlen]) {
			return c.last, int(s), nil
		}
	}
	sec, err := parseTime(b)
	if err != nil {
		return 0, 0, err
	}
	s, zone, _ := secondsAndZone(b[16:])
	copy(c.prefix[:], b[:16])
	c.zlen = copy(c.zone[:], zone)
	c.last = slawatch.FloorDiv(sec, 60)
	return c.last, int(s), nil
}
