package calendar

import "testing"

func TestWallTime(t *testing.T) {
	tests := []struct {
		name, zone string
		day        Date
		hh, mm     int
		want       string
	}{
		{"an ordinary time", "Asia/Tokyo", Date{2026, 11, 16}, 17, 0, "2026-11-16T17:00:00+09:00"},
		{"New York skips 02:00-03:00: 02:30 becomes 03:30 EDT", "America/New_York", Date{2026, 3, 8}, 2, 30, "2026-03-08T03:30:00-04:00"},
		{"New York has 01:30 twice: the first, EDT", "America/New_York", Date{2026, 11, 1}, 1, 30, "2026-11-01T01:30:00-04:00"},
		{"Berlin has 02:30 twice: the first, CEST (time.Date gives CET)", "Europe/Berlin", Date{2026, 10, 25}, 2, 30, "2026-10-25T02:30:00+02:00"},
		{"Santiago skips midnight: 01:00", "America/Santiago", Date{2026, 9, 6}, 0, 0, "2026-09-06T01:00:00-03:00"},
		{"Lord Howe skips half an hour: 02:15 becomes 02:45", "Australia/Lord_Howe", Date{2026, 10, 4}, 2, 15, "2026-10-04T02:45:00+11:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustLoc(t, tt.zone)
			got := wallTime(tt.day, tt.hh, tt.mm, 0, 0, loc)
			if !got.Equal(at(t, tt.want)) || got.Location() != loc {
				t.Errorf("wallTime(%s %02d:%02d) = %s, want %s", tt.day, tt.hh, tt.mm, got, tt.want)
			}
		})
	}
}

func TestDate(t *testing.T) {
	d := Date{2026, 12, 31}
	if got := d.addDays(1); got != (Date{2027, 1, 1}) {
		t.Errorf("addDays(1) = %s", got)
	}
	if got := (Date{2026, 3, 1}).addDays(-1); got != (Date{2026, 2, 28}) {
		t.Errorf("addDays(-1) = %s", got)
	}
	if d.String() != "2026-12-31" || d.Weekday().String() != "Thursday" {
		t.Errorf("%s is a %s", d, d.Weekday())
	}
	if _, err := ParseDate("2026-02-30"); err == nil {
		t.Error("ParseDate(2026-02-30) succeeded")
	}
}
