package calendar

import (
	"fmt"
	"time"
)

// Date is a day of the civil calendar, with no clock time and no zone: a
// holiday, a closure day, an order acceptance or RFS date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date t shows in its own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads a date written as 2026-12-31.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date such as 2026-12-31", s)
	}
	return DateOf(t), nil
}

// String formats d as 2026-12-31.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.noonUTC().Weekday() }

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool { return d.noonUTC().Before(e.noonUTC()) }

// addDays returns the date n days after d (before it when n < 0).
func (d Date) addDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

func (d Date) noonUTC() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
}

// wallTime returns the instant at which clocks in loc show date d and the
// clock time hh:mm:ss.ns. It does not leave the decision to time.Date,
// whose choice at a transition depends on the sign of the zone's offset
// (2026-03-08 02:30 in New York comes back as 01:30 EST, an hour early):
//   - a clock time that happens twice (clocks go back) gives the earlier
//     instant, the first time the clock shows it;
//   - a clock time that does not happen (clocks go forward) is moved
//     forward by the length of the gap, as a clock not yet put forward
//     would show it: 02:30 on 2026-03-08 in New York is 03:30 EDT.
//
// Offsets are taken a day either side, so this assumes no zone changes its
// offset twice within two days.
func wallTime(d Date, hh, mm, ss, ns int, loc *time.Location) time.Time {
	naive := time.Date(d.Year, d.Month, d.Day, hh, mm, ss, ns, time.UTC)
	before := naive.Add(-time.Duration(offsetAt(naive.Add(-24*time.Hour), loc)) * time.Second)
	after := naive.Add(-time.Duration(offsetAt(naive.Add(24*time.Hour), loc)) * time.Second)
	first, second := before, after
	if after.Before(before) {
		first, second = after, before
	}
	for _, t := range []time.Time{first, second} {
		if sameWall(t.In(loc), naive) {
			return t.In(loc)
		}
	}
	return before.In(loc) // in a gap: the offset in force before it
}

// offsetAt returns loc's offset from UTC, in seconds, at instant t.
func offsetAt(t time.Time, loc *time.Location) int {
	_, off := t.In(loc).Zone()
	return off
}

// sameWall reports whether t shows the same date and clock time as naive.
func sameWall(t, naive time.Time) bool {
	y, m, d := t.Date()
	ny, nm, nd := naive.Date()
	return y == ny && m == nm && d == nd && t.Hour() == naive.Hour() &&
		t.Minute() == naive.Minute() && t.Second() == naive.Second() &&
		t.Nanosecond() == naive.Nanosecond()
}

// startOf returns the first instant of date d in loc: midnight, or the end
// of the gap when the zone skips midnight that day (America/Santiago).
func startOf(d Date, loc *time.Location) time.Time {
	return wallTime(d, 0, 0, 0, 0, loc)
}
