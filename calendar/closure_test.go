package calendar

import (
	"strings"
	"testing"
	"time"
)

func TestParseClosure(t *testing.T) {
	tokyo := mustLoc(t, "Asia/Tokyo")
	tests := []struct {
		in   string
		want Closure
	}{
		{"2026-12-31", Closure{From: Date{2026, 12, 31}, Through: Date{2026, 12, 31}}},
		{"2026-12-29/2027-01-03", Closure{From: Date{2026, 12, 29}, Through: Date{2027, 1, 3}}},
		{"2026-12-31T18:00:00+09:00/2027-01-04T09:00:00+09:00",
			Closure{Start: at(t, "2026-12-31T18:00:00+09:00"), End: at(t, "2027-01-04T09:00:00+09:00")}},
		{"2026-12-31T09:00:00Z/2027-01-04T00:00:00Z",
			Closure{Start: at(t, "2026-12-31T18:00:00+09:00"), End: at(t, "2027-01-04T09:00:00+09:00")}},
		{"2026-12-31 18:00/2027-01-04T09:00:00", // local times, in Tokyo
			Closure{Start: at(t, "2026-12-31T18:00:00+09:00"), End: at(t, "2027-01-04T09:00:00+09:00")}},
	}
	for _, tt := range tests {
		got, err := ParseClosure(tt.in, tokyo)
		if err != nil {
			t.Errorf("ParseClosure(%q): %v", tt.in, err)
			continue
		}
		if !sameClosure(got, tt.want) {
			t.Errorf("ParseClosure(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseClosureErrors(t *testing.T) {
	syntax := "is not a date (2026-12-31), a range of dates (2026-12-29/2027-01-03) nor a time range"
	tests := []struct{ in, want string }{
		{"", `closure "" ` + syntax},
		{"tomorrow", `closure "tomorrow" ` + syntax},
		{"2026-13-01", `closure "2026-13-01" ` + syntax},
		{"2026-02-30", `closure "2026-02-30" ` + syntax},
		{"0000-01-01", `closure "0000-01-01": not a valid date`},
		{"2026-12-31/", `closure "2026-12-31/" ` + syntax},
		{"2026-12-31/2027-01-04T09:00:00+09:00", `closure "2026-12-31/2027-01-04T09:00:00+09:00" ` + syntax},
		{"2027-01-03/2026-12-29", `closure "2027-01-03/2026-12-29": the last day is before the first`},
		{"2026-12-31T18:00:00+09:00/2026-12-31T09:00:00Z",
			`closure "2026-12-31T18:00:00+09:00/2026-12-31T09:00:00Z": the end is not after the start`},
	}
	tokyo := mustLoc(t, "Asia/Tokyo")
	for _, tt := range tests {
		_, err := ParseClosure(tt.in, tokyo)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("ParseClosure(%q) error = %v, want %q", tt.in, err, tt.want)
		}
	}
	if _, err := ParseClosure("2026-12-31 18:00/2027-01-04 09:00", nil); err == nil {
		t.Error("local times with no zone were accepted")
	}
}

// sameClosure compares closures by instant, not by time.Location.
func sameClosure(a, b Closure) bool {
	return a.From == b.From && a.Through == b.Through && a.Start.Equal(b.Start) && a.End.Equal(b.End) && a.Reason == b.Reason
}

// FuzzParseClosure checks that the parser never panics, that what it
// accepts is a valid closure, and that String reads back the same.
func FuzzParseClosure(f *testing.F) {
	for _, s := range []string{
		"2026-12-31", "2026-12-29/2027-01-03", "2026-12-31T18:00:00+09:00/2027-01-04T09:00:00+09:00",
		"2026-12-31 18:00/2027-01-04 09:00", "2026-03-08T02:30/2026-03-08T03:30", "2026-12-31T23:59:59.999999999Z/9999-12-31T23:59:59Z",
		"0001-01-01T00:00:00Z/0001-01-01T00:00:01Z", "/", "2026-02-30",
	} {
		f.Add(s)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseClosure(s, ny)
		if err != nil {
			return
		}
		if err := c.check(); err != nil {
			t.Fatalf("ParseClosure(%q) accepted an invalid closure: %v", s, err)
		}
		back, err := ParseClosure(c.String(), nil)
		if err != nil || !sameClosure(back, c) {
			t.Fatalf("ParseClosure(%q) = %+v; its String %q reads back as %+v, %v", s, c, c.String(), back, err)
		}
		first, last := c.days(ny)
		if last.Before(first) {
			t.Fatalf("ParseClosure(%q) closes %s to %s", s, first, last)
		}
	})
}
