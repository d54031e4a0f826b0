package calendar

import (
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, on machines without zoneinfo
)

func mustLoc(t testing.TB, zone string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustCal(t testing.TB, region, zone string, extra ...Closure) *Calendar {
	t.Helper()
	c, err := New(region, mustLoc(t, zone), extra)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var zones = map[string]string{
	"JP": "Asia/Tokyo", "US": "America/New_York", "GB": "Europe/London", "GB-SCT": "Europe/London",
	"DE": "Europe/Berlin", "DE-BY": "Europe/Berlin", "DE-MV": "Europe/Berlin", "DE-BE": "Europe/Berlin",
	"SG": "Asia/Singapore", "IN": "Asia/Kolkata", "IN-DL": "Asia/Kolkata",
}

// Each case's hand computation is in its name: the days skipped and why.
func TestAddBusinessDays(t *testing.T) {
	tests := []struct {
		name, region, start string
		n                   int
		want                string
	}{
		{"Tokyo Friday 17:00 is due Monday 17:00", "JP", "2026-11-13T17:00:00+09:00", 1, "2026-11-16T17:00:00+09:00"},
		{"Tokyo Friday 17:00, Monday 23 Nov Labour Thanksgiving: Tuesday", "JP", "2026-11-20T17:00:00+09:00", 1, "2026-11-24T17:00:00+09:00"},
		{"the calendar's zone counts: 08:00Z is Friday 17:00 in Tokyo", "JP", "2026-11-13T08:00:00Z", 1, "2026-11-16T17:00:00+09:00"},
		{"from Saturday 10:00: Monday 10:00", "JP", "2026-11-14T10:00:00+09:00", 1, "2026-11-16T10:00:00+09:00"},
		{"Golden Week: Sat 2, Sun 3, Mon 4 Greenery, Tue 5 Children, Wed 6 substitute", "JP", "2026-05-01T17:00:00+09:00", 1, "2026-05-07T17:00:00+09:00"},
		{"Tue 28 Apr + 2: Wed 29 Showa skipped, Thu 30, Fri 1", "JP", "2026-04-28T10:00:00+09:00", 2, "2026-05-01T10:00:00+09:00"},
		{"back one across Golden Week", "JP", "2026-05-07T09:00:00+09:00", -1, "2026-05-01T09:00:00+09:00"},
		{"holiday and weekend: Sat 19, Sun 20, Mon 21 Aged, Tue 22 citizens', Wed 23 equinox", "JP", "2026-09-18T17:00:00+09:00", 1, "2026-09-24T17:00:00+09:00"},
		{"n 0 is t itself", "JP", "2026-11-14T10:00:00+09:00", 0, "2026-11-14T10:00:00+09:00"},

		{"Thanksgiving Thu 26 Nov: Wednesday to Friday", "US", "2026-11-25T09:00:00-05:00", 1, "2026-11-27T09:00:00-05:00"},
		{"Thanksgiving weekend: Wednesday + 2 is Monday", "US", "2026-11-25T09:00:00-05:00", 2, "2026-11-30T09:00:00-05:00"},
		{"4 July a Saturday is observed Friday 3", "US", "2026-07-02T12:00:00-04:00", 1, "2026-07-06T12:00:00-04:00"},
		{"DST begins Sun 8 Mar: 09:00 EST Friday, 09:00 EDT Monday (71 h)", "US", "2026-03-06T09:00:00-05:00", 1, "2026-03-09T09:00:00-04:00"},
		{"DST ends Sun 1 Nov: 09:00 EDT Friday, 09:00 EST Monday (73 h)", "US", "2026-10-30T09:00:00-04:00", 1, "2026-11-02T09:00:00-05:00"},

		{"Christmas Fri 25, weekend, Boxing Day substitute Mon 28", "GB", "2026-12-24T12:00:00Z", 1, "2026-12-29T12:00:00Z"},
		{"Good Friday and Easter Monday", "GB", "2026-04-02T12:00:00+01:00", 1, "2026-04-07T12:00:00+01:00"},
		{"Scotland: Good Friday, but not Easter Monday", "GB-SCT", "2026-04-02T12:00:00+01:00", 1, "2026-04-06T12:00:00+01:00"},
		{"Scotland: St Andrew's Day Mon 30 Nov", "GB-SCT", "2026-11-27T12:00:00Z", 1, "2026-12-01T12:00:00Z"},

		{"Germany: Fronleichnam Thu 4 Jun is not national", "DE", "2026-06-03T10:00:00+02:00", 1, "2026-06-04T10:00:00+02:00"},
		{"Bavaria: Fronleichnam Thu 4 Jun", "DE-BY", "2026-06-03T10:00:00+02:00", 1, "2026-06-05T10:00:00+02:00"},
		{"Germany: Christi Himmelfahrt Thu 14 May", "DE", "2026-05-13T10:00:00+02:00", 1, "2026-05-15T10:00:00+02:00"},
		{"Germany: Frauentag Mon 8 Mar 2027 is Berlin's and MV's only", "DE", "2027-03-05T10:00:00+01:00", 1, "2027-03-08T10:00:00+01:00"},
		{"Mecklenburg-Vorpommern: Frauentag Mon 8 Mar 2027", "DE-MV", "2027-03-05T10:00:00+01:00", 1, "2027-03-09T10:00:00+01:00"},

		{"Deepavali Sun 8 Nov, observed Mon 9", "SG", "2026-11-06T17:00:00+08:00", 1, "2026-11-10T17:00:00+08:00"},
		{"Hari Raya Haji Wed 27 May", "SG", "2026-05-26T17:00:00+08:00", 1, "2026-05-28T17:00:00+08:00"},
		{"Hari Raya Puasa Sat 21 Mar 2026: no day in lieu", "SG", "2026-03-20T17:00:00+08:00", 1, "2026-03-23T17:00:00+08:00"},
		{"Hari Raya Puasa Mon 31 Mar 2025", "SG", "2025-03-28T17:00:00+08:00", 1, "2025-04-01T17:00:00+08:00"},
		{"Wed 27 Hari Raya Haji, Thu, Fri, weekend with Vesak Sun 31 observed Mon 1 Jun", "SG", "2026-05-26T17:00:00+08:00", 3, "2026-06-02T17:00:00+08:00"},
		{"Fri 14 May 2027: weekend, Hari Raya Haji Mon 17", "SG", "2027-05-14T17:00:00+08:00", 1, "2027-05-18T17:00:00+08:00"},
		{"Fri 5 Feb 2027: Chinese New Year Sat 6 and Sun 7, observed Mon 8", "SG", "2027-02-05T17:00:00+08:00", 1, "2027-02-09T17:00:00+08:00"},
		{"Fri 6 Aug 2027: weekend, National Day Mon 9", "SG", "2027-08-06T17:00:00+08:00", 1, "2027-08-10T17:00:00+08:00"},
		{"Thu 31 Dec 2026 into 2027: New Year's Day Fri 1 Jan, weekend", "SG", "2026-12-31T17:00:00+08:00", 1, "2027-01-04T17:00:00+08:00"},
		{"Labour Day Sat 1 May 2027: no day in lieu", "SG", "2027-04-30T17:00:00+08:00", 1, "2027-05-03T17:00:00+08:00"},
		{"Hari Raya Puasa Wed 10 Mar 2027", "SG", "2027-03-09T17:00:00+08:00", 1, "2027-03-11T17:00:00+08:00"},
		{"Wed 19 May 2027 + 2: Vesak Thu 20, Fri 21, weekend, Mon 24", "SG", "2027-05-19T17:00:00+08:00", 2, "2027-05-24T17:00:00+08:00"},
		{"Deepavali Thu 28 Oct 2027", "SG", "2027-10-27T17:00:00+08:00", 1, "2027-10-29T17:00:00+08:00"},
		{"Christmas Sat 25 Dec 2027: no day in lieu", "SG", "2027-12-24T17:00:00+08:00", 1, "2027-12-27T17:00:00+08:00"},

		{"Republic Day Mon 26 Jan", "IN", "2026-01-23T17:00:00+05:30", 1, "2026-01-27T17:00:00+05:30"},
		{"Independence Day Fri 15 Aug 2025", "IN", "2025-08-14T17:00:00+05:30", 1, "2025-08-18T17:00:00+05:30"},
		{"Gandhi Jayanti Fri 2 Oct", "IN", "2026-10-01T17:00:00+05:30", 1, "2026-10-05T17:00:00+05:30"},
		{"Holi Wed 4 Mar is not national", "IN", "2026-03-03T17:00:00+05:30", 1, "2026-03-04T17:00:00+05:30"},
		{"Delhi: Holi Wed 4 Mar", "IN-DL", "2026-03-03T17:00:00+05:30", 1, "2026-03-05T17:00:00+05:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCal(t, tt.region, zones[tt.region])
			got, err := c.AddBusinessDays(at(t, tt.start), tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if want := at(t, tt.want); !got.Equal(want) || got.Location() != c.Location() {
				t.Errorf("AddBusinessDays(%s, %d) = %s, want %s in %s", tt.start, tt.n, got, want, c.Location())
			}
		})
	}
}

// A clock time a zone skips or repeats on the target day. Cairo puts its
// clocks forward at 00:00 on Friday 2026-04-24 and back at 24:00 on
// Thursday 2026-10-29, both business days; the US calendar in Cairo's zone
// is artificial but keeps the example on weekdays.
func TestAddBusinessDaysAcrossTransitions(t *testing.T) {
	c := mustCal(t, "US", "Africa/Cairo")
	tests := []struct{ start, want string }{
		{"2026-04-23T00:30:00+02:00", "2026-04-24T01:30:00+03:00"}, // 00:30 skipped: an hour later
		{"2026-10-28T23:30:00+03:00", "2026-10-29T23:30:00+03:00"}, // 23:30 twice: the first
	}
	for _, tt := range tests {
		got, err := c.AddBusinessDays(at(t, tt.start), 1)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(at(t, tt.want)) {
			t.Errorf("AddBusinessDays(%s, 1) = %s, want %s", tt.start, got, tt.want)
		}
	}
}

func TestNextBusinessDay(t *testing.T) {
	tests := []struct{ region, zone, start, want string }{
		{"JP", "Asia/Tokyo", "2026-11-20T17:00:00+09:00", "2026-11-24T00:00:00+09:00"},   // Mon 23 a holiday
		{"JP", "Asia/Tokyo", "2026-11-16T00:00:00+09:00", "2026-11-17T00:00:00+09:00"},   // strictly after t's date
		{"US", "Africa/Cairo", "2026-04-23T12:00:00+02:00", "2026-04-24T01:00:00+03:00"}, // Cairo skips 00:00
	}
	for _, tt := range tests {
		got, err := mustCal(t, tt.region, tt.zone).NextBusinessDay(at(t, tt.start))
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(at(t, tt.want)) {
			t.Errorf("%s NextBusinessDay(%s) = %s, want %s", tt.region, tt.start, got, tt.want)
		}
	}
}

func TestBusinessDaysBetween(t *testing.T) {
	tests := []struct {
		name, region, from, to string
		want                   int
	}{
		// Apr 27, 28, 30, May 1, 7, 8; not 25-26 (weekend), 29 (Showa), May 2-6.
		{"order Fri 24 Apr, RFS Fri 8 May across Golden Week", "JP", "2026-04-24T15:00:00+09:00", "2026-05-08T10:00:00+09:00", 6},
		{"reversed, negative", "JP", "2026-05-08T10:00:00+09:00", "2026-04-24T15:00:00+09:00", -6},
		{"same date, any times", "JP", "2026-11-16T23:00:00+09:00", "2026-11-16T01:00:00+09:00", 0},
		{"Saturday to Monday", "JP", "2026-11-14T12:00:00+09:00", "2026-11-16T12:00:00+09:00", 1},
		{"Friday to Saturday", "JP", "2026-11-13T12:00:00+09:00", "2026-11-14T12:00:00+09:00", 0},
		{"Monday back to Saturday: minus Monday", "JP", "2026-11-16T12:00:00+09:00", "2026-11-14T12:00:00+09:00", -1},
		// Nov 24, 25, 27, 30, Dec 1, 2, 3, 4, 7; not Thanksgiving.
		{"order Mon 23 Nov, RFS Mon 7 Dec", "US", "2026-11-23T10:00:00-05:00", "2026-12-07T10:00:00-05:00", 9},
		// Feb 9, 10, 11, 12; not 6-7 (Chinese New Year, a weekend), 8 (in lieu of the 7th).
		{"Singapore: order Fri 5 Feb 2027, RFS Fri 12 Feb", "SG", "2027-02-05T10:00:00+08:00", "2027-02-12T10:00:00+08:00", 4},
		// Dec 28, 29, 30, 31, Jan 4; not Christmas Fri 25 nor New Year's Day Fri 1.
		{"Singapore: across the year end into 2027", "SG", "2026-12-24T10:00:00+08:00", "2027-01-04T10:00:00+08:00", 5},
		// 2025-10-02 is Gandhi Jayanti and Dussehra: Sep 29, 30, Oct 1, 3.
		{"one day of two holidays counted once", "IN", "2025-09-26T10:00:00+05:30", "2025-10-03T10:00:00+05:30", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mustCal(t, tt.region, zones[tt.region]).BusinessDaysBetween(at(t, tt.from), at(t, tt.to))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("BusinessDaysBetween(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestClosures(t *testing.T) {
	yearEnd := Closure{From: Date{2026, 12, 29}, Through: Date{2027, 1, 3}, Reason: "year-end closure"}
	move := Closure{Start: at(t, "2026-12-31T18:00:00+09:00"), End: at(t, "2027-01-04T09:00:00+09:00"), Reason: "office move"}
	oneDay := Closure{From: Date{2026, 11, 24}, Through: Date{2026, 11, 24}}
	tests := []struct {
		name, zone string
		closure    Closure
		start      string
		want       string
	}{
		{"days 29 Dec-3 Jan: Mon 28 to Mon 4", "Asia/Tokyo", yearEnd, "2026-12-28T17:00:00+09:00", "2027-01-04T17:00:00+09:00"},
		{"a time range closes the days it touches: 31 Dec to 4 Jan", "Asia/Tokyo", move, "2026-12-30T17:00:00+09:00", "2027-01-05T17:00:00+09:00"},
		{"the same range in UTC ends at Jan 4 00:00Z, touching 31 Dec-3 Jan", "UTC", move, "2026-12-30T17:00:00Z", "2027-01-04T17:00:00Z"},
		{"one day after a holiday: Mon 23 holiday, Tue 24 closed", "Asia/Tokyo", oneDay, "2026-11-20T17:00:00+09:00", "2026-11-25T17:00:00+09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCal(t, "JP", tt.zone, tt.closure)
			got, err := c.AddBusinessDays(at(t, tt.start), 1)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(at(t, tt.want)) {
				t.Errorf("AddBusinessDays(%s, 1) = %s, want %s", tt.start, got, tt.want)
			}
		})
	}
}

func TestHoliday(t *testing.T) {
	yearEnd := Closure{From: Date{2026, 12, 29}, Through: Date{2027, 1, 3}, Reason: "year-end closure"}
	tests := []struct{ region, day, want string }{
		{"JP", "2026-05-06", "Constitution Memorial Day (observed)"},
		{"JP", "2026-09-22", "National holiday between Respect for the Aged Day and Autumnal Equinox Day"},
		{"JP", "2026-12-30", "year-end closure"},
		{"JP", "2027-01-01", "New Year's Day; year-end closure"},
		{"JP", "2026-11-16", ""},
		{"US", "2026-07-03", "Independence Day (observed)"},
		{"US", "2026-07-04", "Independence Day"},          // a Saturday, named all the same
		{"US", "2027-12-31", "New Year's Day (observed)"}, // 2028-01-01 is a Saturday
		{"GB", "2026-12-28", "Boxing Day (observed)"},
		{"GB", "2027-12-27", "Christmas Day (observed)"},
		{"GB", "2027-12-28", "Boxing Day (observed)"},
		{"SG", "2026-11-09", "Deepavali (observed)"},
		{"SG", "2027-02-07", "Chinese New Year"},
		{"SG", "2027-02-08", "Chinese New Year (observed)"},
		{"SG", "2027-05-17", "Hari Raya Haji"},
		{"SG", "2027-05-03", ""}, // Labour Day was Saturday 1 May: no day in lieu
		{"IN", "2025-10-02", "Mahatma Gandhi's Birthday; Dussehra"},
		{"DE-BE", "2025-05-08", "80. Jahrestag der Befreiung vom Nationalsozialismus"},
		{"DE", "2025-05-08", ""},
		{"DE-MV", "2026-03-08", "Frauentag"},
		{"GB-SCT", "2027-01-04", "2nd January (observed)"}, // 2 January 2027 is a Saturday
	}
	for _, tt := range tests {
		c, err := New(tt.region, mustLoc(t, zones[tt.region]), []Closure{yearEnd})
		if err != nil {
			t.Fatal(err)
		}
		d, _ := ParseDate(tt.day)
		name, ok, err := c.Holiday(wallTime(d, 12, 0, 0, 0, c.Location()))
		if err != nil {
			t.Fatal(err)
		}
		if name != tt.want || ok != (tt.want != "") {
			t.Errorf("%s Holiday(%s) = %q, %v; want %q", tt.region, tt.day, name, ok, tt.want)
		}
	}
}

// The 2026 holidays of each rule-based region, against the official
// lists (Cabinet Office, OPM, GOV.UK, the German states' holiday laws).
func TestHolidays2026(t *testing.T) {
	tests := map[string]string{
		"JP":     "01-01 01-12 02-11 02-23 03-20 04-29 05-03 05-04 05-05 05-06 07-20 08-11 09-21 09-22 09-23 10-12 11-03 11-23",
		"US":     "01-01 01-19 02-16 05-25 06-19 07-03 07-04 09-07 10-12 11-11 11-26 12-25",
		"GB":     "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-26 12-28",
		"GB-SCT": "01-01 01-02 04-03 05-04 05-25 08-03 11-30 12-25 12-26 12-28",
		"DE":     "01-01 04-03 04-06 05-01 05-14 05-25 10-03 12-25 12-26",
		"DE-BY":  "01-01 01-06 04-03 04-06 05-01 05-14 05-25 06-04 10-03 11-01 12-25 12-26",
		"SG":     "01-01 02-17 02-18 03-21 04-03 05-01 05-27 05-31 06-01 08-09 08-10 11-08 11-09 12-25",
		"IN":     "01-26 03-21 03-31 04-03 05-01 05-27 06-26 08-15 08-26 10-02 10-20 11-08 11-24 12-25",
	}
	for region, want := range tests {
		days, err := mustCal(t, region, "UTC").holidays(2026)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for d := (Date{2026, 1, 1}); d.Year == 2026; d = d.addDays(1) {
			if days[d] != "" {
				got = append(got, d.String()[5:])
			}
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("%s 2026:\n got %s\nwant %s", region, g, want)
		}
	}
}

// Singapore 2027, as gazetted by MOM (see holidays_sg.go): the days that
// are not business days besides weekends, observed Mondays included.
func TestSingapore2027(t *testing.T) {
	const want = "01-01 02-06 02-07 02-08 03-10 03-26 05-01 05-17 05-20 08-09 10-28 12-25"
	days, err := mustCal(t, "SG", "UTC").holidays(2027)
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
		t.Errorf("SG 2027:\n got %s\nwant %s", g, want)
	}
}

func TestYearsNotCovered(t *testing.T) {
	sg := mustCal(t, "SG", "Asia/Singapore")
	_, err := sg.IsBusinessDay(at(t, "2028-01-03T12:00:00+08:00"))
	var ye *YearError
	if !errors.Is(err, ErrNoHolidayData) || !errors.As(err, &ye) || ye.Year != 2028 {
		t.Fatalf("SG 2028-01-03: err = %v, want a YearError for 2028", err)
	}
	if want := "calendar SG: no holiday data for 2028 (covered: 2025 to 2027)"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if ok, err := sg.IsBusinessDay(at(t, "2028-01-01T12:00:00+08:00")); ok || err != nil {
		t.Errorf("SG Saturday 2028-01-01 = %v, %v; want false, nil: a weekend needs no holidays", ok, err)
	}
	if _, err := sg.AddBusinessDays(at(t, "2027-12-31T17:00:00+08:00"), 1); !errors.Is(err, ErrNoHolidayData) {
		t.Errorf("SG 2027-12-31 + 1: err = %v, want ErrNoHolidayData", err)
	}
	// India's tables end with 2027 (see holidays_in.go): 2028 is an error
	// for IN and IN-DL, never a guess.
	for _, region := range []string{"IN", "IN-DL"} {
		c := mustCal(t, region, "Asia/Kolkata")
		_, err := c.IsBusinessDay(at(t, "2028-01-03T12:00:00+05:30"))
		if want := "calendar " + region + ": no holiday data for 2028 (covered: 2025 to 2027)"; !errors.Is(err, ErrNoHolidayData) || err.Error() != want {
			t.Errorf("%s 2028-01-03: err = %v, want %q", region, err, want)
		}
		if _, err := c.AddBusinessDays(at(t, "2027-12-31T17:00:00+05:30"), 1); !errors.Is(err, ErrNoHolidayData) {
			t.Errorf("%s 2027-12-31 + 1: err = %v, want ErrNoHolidayData", region, err)
		}
	}
	jp := mustCal(t, "JP", "Asia/Tokyo")
	if _, err := jp.BusinessDaysBetween(at(t, "2032-12-01T00:00:00+09:00"), at(t, "2033-01-10T00:00:00+09:00")); !errors.Is(err, ErrNoHolidayData) {
		t.Errorf("JP into 2033: err = %v, want ErrNoHolidayData", err)
	}
}

func TestNew(t *testing.T) {
	tokyo := mustLoc(t, "Asia/Tokyo")
	if _, err := New("XX", tokyo, nil); err == nil || !strings.Contains(err.Error(), `unknown region "XX"`) || !strings.Contains(err.Error(), "JP") {
		t.Errorf("New(XX) error = %v, want one naming XX and the known regions", err)
	}
	if c, err := New("uk", tokyo, nil); err != nil || c.Region() != "GB" {
		t.Errorf("New(uk) = %v, %v; want region GB", c, err)
	}
	if got := strings.Join(Regions(), " "); !strings.HasSuffix(got, "DE-TH GB GB-ENG GB-SCT GB-WLS IN IN-DL JP SG UK US") {
		t.Errorf("Regions() = %s", got)
	}
	if _, err := New("JP", nil, nil); err == nil {
		t.Error("New(JP, nil zone) succeeded")
	}
	bad := Closure{From: Date{2027, 1, 3}, Through: Date{2026, 12, 29}, Reason: "year end"}
	want := "calendar JP: closure 2027-01-03/2026-12-29 (year end): the last day is before the first"
	if _, err := New("JP", tokyo, []Closure{bad}); err == nil || err.Error() != want {
		t.Errorf("New with a backwards closure: error = %v, want %q", err, want)
	}
}

// For any start and n >= 0, AddBusinessDays lands on a business day n
// business days later, at the same clock time (no zone here skips 09:xx).
func TestAddAndBetweenAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, region := range []string{"JP", "US", "GB", "DE-BY", "SG", "IN"} {
		c := mustCal(t, region, zones[region])
		for range 300 {
			start := wallTime(Date{2025, 1, 1}.addDays(rng.IntN(690)), 9, rng.IntN(60), 0, 0, c.Location())
			n := rng.IntN(25)
			end, err := c.AddBusinessDays(start, n)
			if err != nil {
				t.Fatal(err)
			}
			between, err := c.BusinessDaysBetween(start, end)
			if err != nil {
				t.Fatal(err)
			}
			ok, _ := c.IsBusinessDay(end)
			if between != n || (n > 0 && !ok) || end.Hour() != 9 || end.Minute() != start.Minute() {
				t.Fatalf("%s: %s + %d = %s (business day %v), between = %d", region, start, n, end, ok, between)
			}
		}
	}
}

// One calendar shared by goroutines, and calendars of the same region side
// by side: the race detector checks that no holiday rule is shared.
func TestConcurrentUse(t *testing.T) {
	shared := mustCal(t, "JP", "Asia/Tokyo")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			own, err := New("JP", shared.Location(), nil)
			if err != nil {
				t.Error(err)
				return
			}
			for _, c := range []*Calendar{shared, own} {
				start := time.Date(2024+i, 3, 1, 9, 0, 0, 0, c.Location())
				if _, err := c.AddBusinessDays(start, 30); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}
