package calendar

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rickar/cal/v2"
)

// ErrNoHolidayData is wrapped by every error for a date whose year the
// region's holiday data does not cover: the calendar cannot tell whether
// that day is a business day, and never guesses.
var ErrNoHolidayData = errors.New("no holiday data")

// YearError reports a date outside the years a region's holidays cover.
type YearError struct {
	Region      string
	Year        int
	First, Last int // the years covered
}

func (e *YearError) Error() string {
	return fmt.Sprintf("calendar %s: no holiday data for %d (covered: %d to %d)", e.Region, e.Year, e.First, e.Last)
}

// Unwrap makes errors.Is(err, ErrNoHolidayData) true.
func (e *YearError) Unwrap() error { return ErrNoHolidayData }

// holidays lists one region's public holidays: for each year it covers,
// the days business is closed and the holidays' names.
type holidays interface {
	year(y int) map[Date]string
}

// rules computes holidays from github.com/rickar/cal rules. Each calendar
// has its own copies: a few rules write to their Holiday while computing
// (jp.VernalEquinoxDay sets its Day), so shared ones would race.
type rules []*cal.Holiday

func newRules(lists ...[]*cal.Holiday) rules {
	var r rules
	for _, l := range lists {
		for _, h := range l {
			r = append(r, h.Clone(nil))
		}
	}
	return r
}

// year returns the days closed in year y: each holiday's own date and, when
// it falls on a weekend, the day it is observed on (which may come from the
// year before or after: 1 January on a Saturday is observed on 31 December
// in the United States).
func (r rules) year(y int) map[Date]string {
	days := map[Date]string{}
	for _, h := range r {
		for cy := y - 1; cy <= y+1; cy++ {
			actual, observed := h.Calc(cy)
			addHoliday(days, y, actual, h.Name)
			if !observed.Equal(actual) {
				addHoliday(days, y, observed, h.Name+" (observed)")
			}
		}
	}
	return days
}

func addHoliday(days map[Date]string, y int, t time.Time, name string) {
	if t.IsZero() || t.Year() != y {
		return
	}
	d := DateOf(t)
	days[d] = joinNames(days[d], name)
}

// joinNames names a day on which two holidays fall (India 2025-10-02 is
// both Gandhi Jayanti and Dussehra).
func joinNames(have, name string) string {
	switch {
	case name == "":
		return have
	case have == "":
		return name
	}
	for _, n := range strings.Split(have, "; ") {
		if n == name {
			return have
		}
	}
	return have + "; " + name
}

// holiday is one row of a holiday table.
type holiday struct {
	date string // 2026-11-08
	name string
}

// table is a region's holidays as gazetted, year by year, for regions no
// maintained library covers.
type table struct {
	days map[Date]string
}

// newTable builds a table from its rows. With sundayNext, a holiday on a
// Sunday is also observed on the next day that is not already a holiday,
// as Singapore's Holidays Act provides. A row that is not a date is a bug
// in the table, and the table's own test fails on it.
func newTable(rows []holiday, sundayNext bool) table {
	t := table{days: map[Date]string{}}
	var dates []Date
	for _, r := range rows {
		d, err := ParseDate(r.date)
		if err != nil {
			continue
		}
		t.days[d] = joinNames(t.days[d], r.name)
		dates = append(dates, d)
	}
	if sundayNext {
		t.observeSundays(dates)
	}
	return t
}

func (t table) observeSundays(dates []Date) {
	sort.Slice(dates, func(i, j int) bool { return dates[i].Before(dates[j]) })
	for _, d := range dates {
		if d.Weekday() != time.Sunday {
			continue
		}
		next := d.addDays(1)
		for t.days[next] != "" {
			next = next.addDays(1)
		}
		t.days[next] = t.days[d] + " (observed)"
	}
}

func (t table) year(y int) map[Date]string {
	days := map[Date]string{}
	for d, name := range t.days {
		if d.Year == y {
			days[d] = name
		}
	}
	return days
}
