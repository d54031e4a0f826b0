package engine

import (
	"fmt"
	"time"
)

// SetAsOf makes the report a month to date as of t: an item whose
// deadline is after t and that has not happened yet (no response, no
// notice, not ready for service) is not yet due, neither met nor missed,
// rather than missed as at the month's end. The server sets it on the
// live month's reports; a closed month's report has none.
func (e *Evaluator) SetAsOf(t time.Time) { e.asOf = t }

// notYetDue reports whether an item due at deadline that has not
// happened is still in time, as of the report's instant, and notes so.
func (lv *level) notYetDue(j *judged, deadline time.Time) bool {
	if lv.e.asOf.IsZero() || !lv.e.asOf.Before(deadline) {
		return false
	}
	j.notes = append(j.notes, fmt.Sprintf("not yet due: %s left to the deadline %s", deadline.Sub(lv.e.asOf).Truncate(time.Second), fmtTime(deadline)))
	return true
}
