package engine

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/calendar"
)

// A region's holidays end somewhere (calendar.Coverages): a business-day
// deadline or count that needs a later year cannot be computed, and the
// calendar never guesses. Such an item is left unjudged and its level's
// month undetermined, with a reason naming the region and the year. It
// affects nothing else: the level's other items are judged (a certain
// miss is credited whatever the unjudged item turns out to be), and the
// other levels and customers are reported as usual.

// calendarGap is one year a region's holidays lack, and the items whose
// deadline or business days need it.
type calendarGap struct {
	year  calendar.YearError
	what  string // "deadline", "business days"
	items []string
}

// noHolidayData reports whether err is a calendar's missing year. When it
// is, j is left unjudged with a note saying why, and the gap is recorded
// on t so that the level is undetermined.
func (t *timed) noHolidayData(j *judged, what string, err error) bool {
	var ye *calendar.YearError
	if !errors.As(err, &ye) {
		return false
	}
	j.met, j.deadline = nil, time.Time{}
	j.notes = append(j.notes, fmt.Sprintf("%s unknown: %v", what, ye))
	t.undetermined = true
	for i := range t.gaps {
		if g := &t.gaps[i]; g.year == *ye && g.what == what {
			g.items = append(g.items, j.id)
			return true
		}
	}
	t.gaps = append(t.gaps, calendarGap{year: *ye, what: what, items: []string{j.id}})
	return true
}

// gapReasons states each missing year in the level's reasons.
func (t *timed) gapReasons(rep *LevelReport) {
	for _, g := range t.gaps {
		rep.Reasons = append(rep.Reasons, fmt.Sprintf(
			"undetermined: %v: the %s of %s cannot be computed until the region's holidays for %d are added (slawatch calendar lists the years covered)",
			&g.year, g.what, strings.Join(g.items, ", "), g.year.Year))
	}
}

// dueAfter reports whether err is a missing year that begins at or after
// end in cal's zone. Counting business days forward stops at the first
// weekday of a year without data, so such a deadline lies past end.
func dueAfter(cal *calendar.Calendar, err error, end time.Time) bool {
	var ye *calendar.YearError
	if !errors.As(err, &ye) {
		return false
	}
	return !time.Date(ye.Year, time.January, 1, 0, 0, 0, 0, cal.Location()).Before(end)
}

// fieldErr places a calendar error at the input line it came from; a
// missing year is passed on as it is, for noHolidayData to recognise.
func fieldErr(p slawatch.Pos, field, template string, err error) error {
	var ye *calendar.YearError
	if errors.As(err, &ye) {
		return err
	}
	return p.Errorf(field, "%s: %v", template, err)
}
