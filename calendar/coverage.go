package calendar

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Coverage is the years one region's holidays cover: a Calendar of the
// region returns ErrNoHolidayData for a weekday outside First to Last.
type Coverage struct {
	Region  string   `json:"region"`            // the canonical code, such as GB
	Aliases []string `json:"aliases,omitempty"` // other codes for the same calendar: UK, GB-ENG, GB-WLS
	First   int      `json:"first"`
	Last    int      `json:"last"`
	Source  string   `json:"source"` // where the holidays come from
}

// End returns the first instant the coverage does not reach: the start of
// 1 January of the year after Last, in loc.
func (c Coverage) End(loc *time.Location) time.Time {
	return startOf(Date{Year: c.Last + 1, Month: time.January, Day: 1}, loc)
}

// Coverages returns every region's coverage, one per canonical code,
// sorted by code, with the aliases that name the same calendar.
func Coverages() []Coverage {
	byCode := map[string]*Coverage{}
	var aliases [][2]string
	for code, def := range regions() {
		r := def()
		if r.code != code {
			aliases = append(aliases, [2]string{r.code, code})
			continue
		}
		byCode[code] = &Coverage{Region: code, First: r.first, Last: r.last, Source: sourceOf(r)}
	}
	sort.Slice(aliases, func(i, j int) bool { return aliasOrder(aliases[i][1]) < aliasOrder(aliases[j][1]) })
	for _, a := range aliases {
		byCode[a[0]].Aliases = append(byCode[a[0]].Aliases, a[1])
	}
	out := make([]Coverage, 0, len(byCode))
	for _, c := range byCode {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Region < out[j].Region })
	return out
}

// aliasOrder puts the common alias (UK) before the subdivisions.
func aliasOrder(code string) string {
	if !strings.Contains(code, "-") {
		return "0" + code
	}
	return "1" + code
}

// CoverageOf returns the coverage of the region a code names (an alias
// gives its calendar's coverage; case does not matter).
func CoverageOf(code string) (Coverage, error) {
	def, ok := regions()[strings.ToUpper(code)]
	if !ok {
		return Coverage{}, fmt.Errorf("calendar: unknown region %q (known: %s)", code, strings.Join(Regions(), ", "))
	}
	canonical := def().code
	for _, c := range Coverages() {
		if c.Region == canonical {
			return c, nil
		}
	}
	return Coverage{}, fmt.Errorf("calendar: region %q has no coverage", code) // unreachable: every code has one
}

// sourceOf says where a region's holidays come from, for a listing.
func sourceOf(r region) string {
	if _, ok := r.holidays.(table); ok {
		file := "holidays_" + strings.ToLower(r.code[:2]) + ".go"
		return "table of the gazetted lists (calendar/" + file + ")"
	}
	return "rules of github.com/rickar/cal/v2"
}
