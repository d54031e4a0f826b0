package calendar

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Closure is a period, agreed in a contract, when a region's business is
// closed beyond its public holidays: a year-end shutdown, a local holiday,
// an office closed by a typhoon. It is either whole days, From through
// Through (both included, in the calendar's zone), or a time range
// [Start, End). Business days are whole days, so a time range closes
// every day of the calendar's zone that it touches, even in part.
type Closure struct {
	From, Through Date      // whole days; From == Through for one day
	Start, End    time.Time // a time range; End is excluded
	Reason        string    // said by Calendar.Holiday for the days it closes
}

// ParseClosure reads a closure's period, written as one of
//
//	2026-12-31                                            one day
//	2026-12-29/2027-01-03                                 days, both included
//	2026-12-31T18:00:00+09:00/2027-01-04T09:00:00+09:00   a time range (RFC 3339)
//	2026-12-31 18:00/2027-01-04 09:00                     a time range in loc
//
// loc may be nil when only RFC 3339 times are to be accepted. The Reason is
// left for the caller to set.
func ParseClosure(s string, loc *time.Location) (Closure, error) {
	first, last, isRange := strings.Cut(s, "/")
	if !isRange {
		d, err := ParseDate(s)
		if err != nil {
			return Closure{}, closureSyntax(s)
		}
		return checked(s, Closure{From: d, Through: d})
	}
	if from, err := ParseDate(first); err == nil {
		return parseDays(s, from, last)
	}
	return parseTimes(s, first, last, loc)
}

func parseDays(s string, from Date, last string) (Closure, error) {
	through, err := ParseDate(last)
	if err != nil {
		return Closure{}, closureSyntax(s)
	}
	return checked(s, Closure{From: from, Through: through})
}

func parseTimes(s, first, last string, loc *time.Location) (Closure, error) {
	start, err := parseInstant(first, loc)
	if err != nil {
		return Closure{}, closureSyntax(s)
	}
	end, err := parseInstant(last, loc)
	if err != nil {
		return Closure{}, closureSyntax(s)
	}
	return checked(s, Closure{Start: start, End: end})
}

// checked returns c, parsed from s, or why it is not a closure.
func checked(s string, c Closure) (Closure, error) {
	if err := c.check(); err != nil {
		return Closure{}, fmt.Errorf("closure %q: %w", s, err)
	}
	return c, nil
}

func closureSyntax(s string) error {
	return fmt.Errorf("closure %q is not a date (2026-12-31), a range of dates "+
		"(2026-12-29/2027-01-03) nor a time range "+
		"(2026-12-31T18:00:00+09:00/2027-01-04T09:00:00+09:00)", s)
}

// parseInstant reads an RFC 3339 time, or a local time in loc in the forms
// the contract's exclusion times accept.
func parseInstant(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil && loc != nil {
			return wallTime(DateOf(t), t.Hour(), t.Minute(), t.Second(), 0, loc), nil
		}
	}
	return time.Time{}, errors.New("not a time")
}

// String writes c in the first form ParseClosure reads back.
func (c Closure) String() string {
	if c.isTimeRange() {
		return formatInstant(c.Start) + "/" + formatInstant(c.End)
	}
	if c.From == c.Through {
		return c.From.String()
	}
	return c.From.String() + "/" + c.Through.String()
}

// formatInstant writes t in RFC 3339 with its own offset, or in UTC when
// that offset has seconds RFC 3339 cannot write (local mean time before a
// zone adopted standard time: New York until 1883), so that it reads back
// as the same instant.
func formatInstant(t time.Time) string {
	if _, off := t.Zone(); off%60 != 0 {
		t = t.UTC()
	}
	return t.Format(time.RFC3339Nano)
}

func (c Closure) isTimeRange() bool { return !c.Start.IsZero() || !c.End.IsZero() }

// check reports a closure that is not exactly one well-ordered period.
func (c Closure) check() error {
	days := c.From != Date{} || c.Through != Date{}
	switch {
	case days && c.isTimeRange():
		return errors.New("give days (From, Through) or a time range (Start, End), not both")
	case days:
		if !validDate(c.From) || !validDate(c.Through) {
			return errors.New("not a valid date")
		}
		if c.Through.Before(c.From) {
			return errors.New("the last day is before the first")
		}
	case c.isTimeRange():
		if !c.End.After(c.Start) {
			return errors.New("the end is not after the start")
		}
	default:
		return errors.New("no days and no time range")
	}
	return nil
}

// validDate reports whether d names a real day (not 2026-02-30).
func validDate(d Date) bool {
	return d.Year >= 1 && d.Year <= 9999 && DateOf(d.noonUTC()) == d
}

// days returns the first and last day of the calendar's zone that c closes.
func (c Closure) days(loc *time.Location) (first, last Date) {
	if !c.isTimeRange() {
		return c.From, c.Through
	}
	return DateOf(c.Start.In(loc)), DateOf(c.End.Add(-time.Nanosecond).In(loc))
}
