package calendar

import (
	"testing"
	"time"
)

// Every row of a holiday table is a real date within its region's years,
// and each year has the number of holidays its source lists.
func TestHolidayTables(t *testing.T) {
	tests := []struct {
		region  string
		rows    []holiday
		perYear int
	}{
		{"SG", singapore(), 11}, // 11 gazetted holidays; 2025 adds Polling Day
		{"IN", india(), 14},     // the 14 compulsory holidays
		{"IN-DL", delhi(), 3},   // Delhi's three
	}
	for _, tt := range tests {
		first, last := mustCal(t, tt.region, "UTC").Years()
		count := map[int]int{}
		for _, r := range tt.rows {
			d, err := ParseDate(r.date)
			if err != nil || d.Year < first || d.Year > last || r.name == "" {
				t.Errorf("%s row %+v: not a named date in %d-%d (%v)", tt.region, r, first, last, err)
			}
			count[d.Year]++
		}
		for y := first; y <= last; y++ {
			if count[y] < tt.perYear {
				t.Errorf("%s %d: %d rows, want at least %d", tt.region, y, count[y], tt.perYear)
			}
		}
	}
}

// Singapore's rows fall on the weekdays MOM's announcements give.
func TestSingaporeWeekdays(t *testing.T) {
	want := map[string]time.Weekday{
		"2025-03-31": time.Monday, "2025-05-03": time.Saturday, "2025-10-20": time.Monday,
		"2026-02-17": time.Tuesday, "2026-03-21": time.Saturday, "2026-05-27": time.Wednesday,
		"2026-05-31": time.Sunday, "2026-08-09": time.Sunday, "2026-11-08": time.Sunday,
		"2027-01-01": time.Friday, "2027-02-06": time.Saturday, "2027-02-07": time.Sunday,
		"2027-03-10": time.Wednesday, "2027-03-26": time.Friday, "2027-05-01": time.Saturday,
		"2027-05-17": time.Monday, "2027-05-20": time.Thursday, "2027-08-09": time.Monday,
		"2027-10-28": time.Thursday, "2027-12-25": time.Saturday,
	}
	for day, wd := range want {
		d, _ := ParseDate(day)
		if d.Weekday() != wd {
			t.Errorf("%s is a %s, MOM says %s", day, d.Weekday(), wd)
		}
	}
}

func TestJoinNames(t *testing.T) {
	tests := []struct{ have, name, want string }{
		{"", "Dussehra", "Dussehra"},
		{"Dussehra", "", "Dussehra"},
		{"Dussehra", "Dussehra", "Dussehra"},
		{"Christmas Day (observed)", "Christmas Day", "Christmas Day (observed); Christmas Day"},
	}
	for _, tt := range tests {
		if got := joinNames(tt.have, tt.name); got != tt.want {
			t.Errorf("joinNames(%q, %q) = %q, want %q", tt.have, tt.name, got, tt.want)
		}
	}
}
