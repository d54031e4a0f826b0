package calendar

import (
	"sort"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/jp"
	"github.com/rickar/cal/v2/us"
)

// region is what a region code stands for: its week and its holidays.
type region struct {
	code        string         // the canonical code, such as GB for UK
	weekend     []time.Weekday // the days of every week that are not business days
	first, last int            // the years the holidays cover
	holidays    holidays
}

// satSun is the weekend of every region so far.
func satSun() []time.Weekday { return []time.Weekday{time.Saturday, time.Sunday} }

// ruleRegion is a region whose holidays github.com/rickar/cal computes.
// Years before 2023 are left out: the library misses some one-off
// holidays before then (the United Kingdom's 2022-09-19 state funeral).
func ruleRegion(code string, last int, lists ...[]*cal.Holiday) region {
	return region{code: code, weekend: satSun(), first: 2023, last: last, holidays: newRules(lists...)}
}

// tableRegion is a region whose holidays come from a gazetted table.
func tableRegion(code string, first, last int, t table) region {
	return region{code: code, weekend: satSun(), first: first, last: last, holidays: t}
}

// regions maps each region code, aliases included, to its definition. It
// is built on each call, so that every calendar has its own copies.
func regions() map[string]func() region {
	r := map[string]func() region{
		// Japan's rules are exact until 2032: the library lists the
		// citizens' holidays between two September holidays up to then.
		"JP":     func() region { return ruleRegion("JP", 2032, jp.Holidays) },
		"US":     func() region { return ruleRegion("US", 2099, us.Holidays) },
		"GB":     func() region { return ruleRegion("GB", 2099, gb.Holidays) },
		"GB-SCT": func() region { return ruleRegion("GB-SCT", 2099, scotland()) },
		"DE":     func() region { return ruleRegion("DE", 2099, de.Holidays) },
		"SG":     func() region { return tableRegion("SG", 2025, 2027, newTable(singapore(), true)) },
		"IN":     func() region { return tableRegion("IN", 2025, 2027, newTable(india(), false)) },
		"IN-DL": func() region {
			return tableRegion("IN-DL", 2025, 2027, newTable(append(india(), delhi()...), false))
		},
	}
	for _, alias := range []string{"UK", "GB-ENG", "GB-WLS"} {
		r[alias] = r["GB"]
	}
	for code, list := range germanStates() {
		r[code] = func() region { return ruleRegion(code, 2099, list) }
	}
	return r
}

// Regions returns the region codes New accepts, sorted.
func Regions() []string {
	var codes []string
	for code := range regions() {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	return codes
}

// scotland lists Scotland's bank holidays: 2 January, St Andrew's Day and
// the first Monday of August instead of England's Easter Monday and last
// Monday of August. The library has only the August holiday for Scotland.
func scotland() []*cal.Holiday {
	secondJanuary := &cal.Holiday{
		Name: "2nd January", Type: cal.ObservanceBank, Month: time.January, Day: 2, Func: cal.CalcDayOfMonth,
		// As Boxing Day: Saturday and Sunday move to Monday and Tuesday,
		// and a Monday moves to Tuesday (New Year's Day, a Sunday, is
		// observed on that Monday).
		Observed: []cal.AltDay{{Day: time.Saturday, Offset: 2}, {Day: time.Sunday, Offset: 2}, {Day: time.Monday, Offset: 1}},
	}
	stAndrew := &cal.Holiday{
		Name: "St Andrew's Day", Type: cal.ObservanceBank, Month: time.November, Day: 30, Func: cal.CalcDayOfMonth,
		Observed: []cal.AltDay{{Day: time.Saturday, Offset: 2}, {Day: time.Sunday, Offset: 1}},
	}
	return []*cal.Holiday{
		gb.NewYear, secondJanuary, gb.GoodFriday, gb.EarlyMay, gb.VEDay, gb.CoronationDay,
		gb.SpringHoliday, gb.SpringHoliday2022, gb.PlatinumJubilee, gb.SummerHolidayScotland,
		stAndrew, gb.ChristmasDay, gb.BoxingDay,
	}
}

// germanStates maps DE-XX (ISO 3166-2) to the state's holidays: the
// national ones and the state's own. Holidays of only some municipalities
// (Mariä Himmelfahrt in Catholic Bavaria, Augsburg's Friedensfest,
// Fronleichnam in parts of Saxony and Thuringia) are left out.
func germanStates() map[string][]*cal.Holiday {
	// The library misses Mecklenburg-Vorpommern's Frauentag (since 2023)
	// and Berlin's one-off holiday of 2025-05-08.
	mvFrauentag := de.Frauentag.Clone(&cal.Holiday{StartYear: 2023})
	be2025 := &cal.Holiday{
		Name: "80. Jahrestag der Befreiung vom Nationalsozialismus", Type: cal.ObservancePublic,
		Month: time.May, Day: 8, Func: cal.CalcDayOfMonth, StartYear: 2025, EndYear: 2025,
	}
	return map[string][]*cal.Holiday{
		"DE-BW": de.HolidaysBW, "DE-BY": de.HolidaysBY, "DE-BE": plus(de.HolidaysBE, be2025),
		"DE-BB": de.HolidaysBB, "DE-HB": de.HolidaysHB, "DE-HH": de.HolidaysHH,
		"DE-HE": de.HolidaysHE, "DE-MV": plus(de.HolidaysMV, mvFrauentag),
		"DE-NI": de.HolidaysNI, "DE-NW": de.HolidaysNW, "DE-RP": de.HolidaysRP,
		"DE-SL": de.HolidaysSL, "DE-SN": de.HolidaysSN, "DE-ST": de.HolidaysST,
		"DE-SH": de.HolidaysSH, "DE-TH": de.HolidaysTH,
	}
}

// plus returns a new list: list and then extra.
func plus(list []*cal.Holiday, extra ...*cal.Holiday) []*cal.Holiday {
	return append(append([]*cal.Holiday(nil), list...), extra...)
}
