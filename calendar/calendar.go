// Package calendar counts business time for ticket timers and delivery
// commitments: "reviewed within 1 business day" (NTT's standard ACL
// change), "RFS date - order acceptance date, in the region's business
// days" (Aryaka's last-mile delivery).
//
// A Calendar is one region's business days in one time zone. A business
// day is a day of that zone that is not a weekend day of the region (all
// regions so far rest on Saturday and Sunday), not one of its public
// holidays and not a day of a contract's closures. Whole days count, never
// hours: a ticket opened at 17:00 on a Friday in Tokyo is due one business
// day later at 17:00 on the next Tokyo business day, the Monday, or the
// Tuesday when that Monday is a holiday. docs/business-time.md gives the
// rules, the regions and their holiday sources.
//
// A Calendar never guesses: for a date outside the years its region's
// holidays cover, its methods return an error wrapping ErrNoHolidayData.
package calendar

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Calendar is the business days of one region in one time zone. It is safe
// for concurrent use.
type Calendar struct {
	region   region
	loc      *time.Location
	weekend  [7]bool
	closures []Closure

	mu    sync.Mutex
	years map[int]map[Date]string // holidays by year, computed once
}

// New returns the calendar of region (a code from Regions, such as JP, US,
// GB, DE-BY, SG or IN; case does not matter) in the time zone loc, where
// its days begin and end, closed also on the extra closures.
func New(region string, loc *time.Location, extra []Closure) (*Calendar, error) {
	def, ok := regions()[strings.ToUpper(region)]
	if !ok {
		return nil, fmt.Errorf("calendar: unknown region %q (known: %s)", region, strings.Join(Regions(), ", "))
	}
	c := &Calendar{region: def(), loc: loc, closures: append([]Closure(nil), extra...), years: map[int]map[Date]string{}}
	if loc == nil {
		return nil, fmt.Errorf("calendar %s: no time zone", c.region.code)
	}
	for _, cl := range extra {
		if err := cl.check(); err != nil {
			return nil, fmt.Errorf("calendar %s: closure %s (%s): %w", c.region.code, cl, closureName(cl), err)
		}
	}
	for _, d := range c.region.weekend {
		c.weekend[d] = true
	}
	return c, nil
}

// Region returns the calendar's canonical region code (GB for UK).
func (c *Calendar) Region() string { return c.region.code }

// Location returns the time zone whose days the calendar counts.
func (c *Calendar) Location() *time.Location { return c.loc }

// Years returns the first and last year the region's holidays cover.
func (c *Calendar) Years() (first, last int) { return c.region.first, c.region.last }

// IsBusinessDay reports whether t falls on a business day: its date in
// the calendar's zone, not in t's own.
func (c *Calendar) IsBusinessDay(t time.Time) (bool, error) {
	return c.isBusinessDate(DateOf(t.In(c.loc)))
}

// Holiday returns why t's date, in the calendar's zone, is closed apart
// from being a weekend day, so that a report can say why a day was
// skipped: the holiday's name ("Christmas Day", "Boxing Day (observed)"), a
// closure's reason, or both joined by "; ". A holiday on a weekend day is
// named too. ok is false when the date is neither a holiday nor closed.
func (c *Calendar) Holiday(t time.Time) (name string, ok bool, err error) {
	d := DateOf(t.In(c.loc))
	days, err := c.holidays(d.Year)
	if err != nil {
		return "", false, err
	}
	name = joinNames(days[d], c.closure(d))
	return name, name != "", nil
}

// AddBusinessDays returns the time n business days after t (before it when
// n < 0): the n-th business day after t's date, at t's clock time in the
// calendar's zone. t's own day need not be a business day: from Saturday
// 10:00, one business day is Monday 10:00. Across a change of UTC offset
// the clock time is kept, not the duration (Friday 09:00 EST plus one
// business day is Monday 09:00 EDT, 71 hours later). A clock time that
// does not exist on that day (clocks go forward) is moved forward by the
// gap, 02:30 becoming 03:30; one that exists twice is its first
// occurrence. n == 0 returns t in the calendar's zone.
func (c *Calendar) AddBusinessDays(t time.Time, n int) (time.Time, error) {
	t = t.In(c.loc)
	d, err := c.stepBusinessDays(DateOf(t), n)
	if err != nil {
		return time.Time{}, err
	}
	if d == DateOf(t) {
		return t, nil
	}
	return wallTime(d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), c.loc), nil
}

// NextBusinessDay returns the start of the first business day after t's
// date: its midnight in the calendar's zone (or the first instant after
// midnight in a zone that skips it that day). A timer that starts "on the
// next business day" starts there.
func (c *Calendar) NextBusinessDay(t time.Time) (time.Time, error) {
	d, err := c.stepBusinessDays(DateOf(t.In(c.loc)), 1)
	if err != nil {
		return time.Time{}, err
	}
	return startOf(d, c.loc), nil
}

// BusinessDaysBetween counts the business days after from's date up to
// and including to's date, both dates in the calendar's zone: the
// delivery commitment "RFS date - order acceptance date" in business days.
// It is 0 for the same date and negative when to's date is before from's:
// then it is minus the business days after to's date up to and including
// from's. So it is f(to) - f(from) for f(x) = business days up to and
// including x, and BusinessDaysBetween(t, AddBusinessDays(t, n)) == n for
// every n >= 0.
func (c *Calendar) BusinessDaysBetween(from, to time.Time) (int, error) {
	a, b := DateOf(from.In(c.loc)), DateOf(to.In(c.loc))
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	n := 0
	for d := a.addDays(1); !b.Before(d); d = d.addDays(1) {
		ok, err := c.isBusinessDate(d)
		if err != nil {
			return 0, err
		}
		if ok {
			n++
		}
	}
	return sign * n, nil
}

// stepBusinessDays returns the n-th business day after d (before it when
// n < 0), or d when n == 0. The holidays' years bound the walk: past them,
// a weekday is an error.
func (c *Calendar) stepBusinessDays(d Date, n int) (Date, error) {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.addDays(step)
		ok, err := c.isBusinessDate(d)
		if err != nil {
			return Date{}, err
		}
		if ok {
			n--
		}
	}
	return d, nil
}

// isBusinessDate reports whether d is a business day. A weekend day needs
// no holiday data; any other day does, even one a closure covers.
func (c *Calendar) isBusinessDate(d Date) (bool, error) {
	if c.weekend[d.Weekday()] {
		return false, nil
	}
	days, err := c.holidays(d.Year)
	if err != nil {
		return false, err
	}
	if days[d] != "" {
		return false, nil
	}
	return c.closure(d) == "", nil
}

// closure returns the reasons of the closures that cover d, or "".
func (c *Calendar) closure(d Date) string {
	reasons := ""
	for _, cl := range c.closures {
		if first, last := cl.days(c.loc); !d.Before(first) && !last.Before(d) {
			reasons = joinNames(reasons, closureName(cl))
		}
	}
	return reasons
}

func closureName(cl Closure) string {
	if cl.Reason == "" {
		return "closure"
	}
	return cl.Reason
}

// holidays returns the region's holidays in year y, computing them once.
func (c *Calendar) holidays(y int) (map[Date]string, error) {
	if y < c.region.first || y > c.region.last {
		return nil, &YearError{Region: c.region.code, Year: y, First: c.region.first, Last: c.region.last}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	days, ok := c.years[y]
	if !ok {
		days = c.region.holidays.year(y)
		c.years[y] = days
	}
	return days, nil
}
