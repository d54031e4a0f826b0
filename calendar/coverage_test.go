package calendar

import (
	"strings"
	"testing"
	"time"
)

// India 2027 (see holidays_in.go): the Central Government's 14, and
// Delhi's three more. 15 August is both Independence Day and
// Milad-un-Nabi, so IN has 13 days for its 14 holidays.
func TestIndia2027(t *testing.T) {
	tests := map[string]string{
		"IN":    "01-26 03-10 03-26 04-19 05-17 05-20 06-16 08-15 10-02 10-09 10-29 11-14 12-25",
		"IN-DL": "01-26 03-10 03-23 03-26 04-15 04-19 05-17 05-20 06-16 08-15 08-25 10-02 10-09 10-29 11-14 12-25",
	}
	for region, want := range tests {
		days, err := mustCal(t, region, "UTC").holidays(2027)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for d := (Date{2027, 1, 1}); d.Year == 2027; d = d.addDays(1) {
			if days[d] != "" {
				got = append(got, d.String()[5:])
			}
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("%s 2027:\n got %s\nwant %s", region, g, want)
		}
	}
	// The weekdays DoPT's Annexure-I gives them.
	weekdays := map[string]time.Weekday{
		"2027-01-26": time.Tuesday, "2027-03-10": time.Wednesday, "2027-03-23": time.Tuesday,
		"2027-03-26": time.Friday, "2027-04-15": time.Thursday, "2027-04-19": time.Monday,
		"2027-05-17": time.Monday, "2027-05-20": time.Thursday, "2027-06-16": time.Wednesday,
		"2027-08-15": time.Sunday, "2027-08-25": time.Wednesday, "2027-10-02": time.Saturday,
		"2027-10-09": time.Saturday, "2027-10-29": time.Friday, "2027-11-14": time.Sunday,
		"2027-12-25": time.Saturday,
	}
	for day, wd := range weekdays {
		if d, _ := ParseDate(day); d.Weekday() != wd {
			t.Errorf("%s is a %s, the list says %s", day, d.Weekday(), wd)
		}
	}
}

// Business days across India's year end, now that 2027 is covered.
func TestIndiaYearEnd2026(t *testing.T) {
	in := mustCal(t, "IN", "Asia/Kolkata")
	tests := []struct {
		from string
		n    int
		want string
	}{
		// Thursday 31 Dec 2026 + 1: Friday 1 January is a business day
		// (New Year's Day is a restricted holiday only).
		{"2026-12-31T17:00:00+05:30", 1, "2027-01-01T17:00:00+05:30"},
		// Monday 25 Jan + 1: Tuesday 26 Jan is Republic Day: Wednesday 27.
		{"2027-01-25T10:00:00+05:30", 1, "2027-01-27T10:00:00+05:30"},
		// Tuesday 9 Mar + 1: Wednesday 10 Mar is Id-ul-Fitr: Thursday 11.
		{"2027-03-09T10:00:00+05:30", 1, "2027-03-11T10:00:00+05:30"},
		// Thursday 25 Mar + 1: Friday 26 Mar is Good Friday, then the
		// weekend: Monday 29.
		{"2027-03-25T10:00:00+05:30", 1, "2027-03-29T10:00:00+05:30"},
	}
	for _, tt := range tests {
		got, err := in.AddBusinessDays(at(t, tt.from), tt.n)
		if err != nil || got.Format(time.RFC3339) != tt.want {
			t.Errorf("%s + %d = %s, %v; want %s", tt.from, tt.n, got.Format(time.RFC3339), err, tt.want)
		}
	}
	// Delhi also closes Holi: Monday 22 Mar + 1 is Wednesday 24 in IN-DL,
	// Tuesday 23 in IN.
	dl := mustCal(t, "IN-DL", "Asia/Kolkata")
	for c, want := range map[*Calendar]string{in: "2027-03-23", dl: "2027-03-24"} {
		got, err := c.AddBusinessDays(at(t, "2027-03-22T10:00:00+05:30"), 1)
		if err != nil || got.Format("2006-01-02") != want {
			t.Errorf("%s 2027-03-22 + 1 = %s, %v; want %s", c.Region(), got, err, want)
		}
	}
}

func TestCoverages(t *testing.T) {
	got := map[string]Coverage{}
	for _, c := range Coverages() {
		got[c.Region] = c
	}
	tests := []struct {
		region      string
		first, last int
		aliases     string
		source      string
	}{
		{"GB", 2023, 2099, "UK GB-ENG GB-WLS", "rules"},
		{"JP", 2023, 2032, "", "rules"},
		{"SG", 2025, 2027, "", "calendar/holidays_sg.go"},
		{"IN", 2025, 2027, "", "calendar/holidays_in.go"},
		{"IN-DL", 2025, 2027, "", "calendar/holidays_in.go"},
		{"DE-BY", 2023, 2099, "", "rules"},
	}
	for _, tt := range tests {
		c, ok := got[tt.region]
		if !ok || c.First != tt.first || c.Last != tt.last || strings.Join(c.Aliases, " ") != tt.aliases || !strings.Contains(c.Source, tt.source) {
			t.Errorf("%s: %+v; want %d-%d, aliases %q, source with %q", tt.region, c, tt.first, tt.last, tt.aliases, tt.source)
		}
	}
	// Every code New accepts is a region or an alias, listed once.
	n := 0
	for _, c := range got {
		n += 1 + len(c.Aliases)
	}
	if n != len(Regions()) {
		t.Errorf("%d codes in the coverages, %d regions", n, len(Regions()))
	}
	if c, err := CoverageOf("uk"); err != nil || c.Region != "GB" {
		t.Errorf("CoverageOf(uk) = %+v, %v; want GB's", c, err)
	}
	if _, err := CoverageOf("XX"); err == nil || !strings.Contains(err.Error(), `unknown region "XX"`) {
		t.Errorf("CoverageOf(XX): %v", err)
	}
	// The coverage ends at the start of 1 January after the last year.
	if e := got["IN"].End(time.UTC); !e.Equal(time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("IN ends %s", e)
	}
}
