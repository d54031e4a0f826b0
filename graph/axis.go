package graph

import (
	"math"
	"strconv"
	"time"
)

// tick is one labelled time on an axis.
type tick struct {
	at    time.Time
	label string
}

// tickSpacing is the least room, in pixels, a time label gets.
const tickSpacing = 72

// step is a candidate interval between time ticks: minutes of wall clock,
// days or months in the axis' zone.
type step struct{ minutes, days, months int }

var steps = []step{
	{minutes: 5}, {minutes: 10}, {minutes: 15}, {minutes: 30},
	{minutes: 60}, {minutes: 120}, {minutes: 180}, {minutes: 360}, {minutes: 720},
	{days: 1}, {days: 2}, {days: 7}, {days: 14},
	{months: 1}, {months: 3}, {months: 6}, {months: 12}, {months: 60}, {months: 120},
}

// timeTicks returns the labelled times in [from, to) for an axis of
// width px: the finest step whose labels keep tickSpacing apart, aligned
// to the wall clock of loc (hours, local midnights, the 1st of months),
// so that the ticks are right across daylight saving changes. None when
// even ten years are too fine.
func timeTicks(from, to time.Time, loc *time.Location, width float64) []tick {
	span := to.Sub(from)
	for _, st := range steps {
		if approx(st)*width < tickSpacing*float64(span) {
			continue // too dense (approximate: a month is 30 days here)
		}
		return stepTicks(from, to, loc, st)
	}
	return nil
}

// approx is the rough length of a step, in nanoseconds as float.
func approx(st step) float64 {
	return float64(time.Duration(st.minutes)*time.Minute + time.Duration(st.days)*24*time.Hour +
		time.Duration(st.months)*30*24*time.Hour)
}

func stepTicks(from, to time.Time, loc *time.Location, st step) []tick {
	f := from.In(loc)
	y, mo, d := f.Date()
	var out []tick
	last := time.Time{}
	for k := 0; k < 2000; k++ {
		var t time.Time
		switch {
		case st.months > 0:
			t = time.Date(y, mo+time.Month(k*st.months), 1, 0, 0, 0, 0, loc)
		case st.days > 0:
			t = time.Date(y, mo, d+k*st.days, 0, 0, 0, 0, loc)
		default:
			t = time.Date(y, mo, d, 0, k*st.minutes, 0, 0, loc)
		}
		if !t.Before(to) {
			break
		}
		if t.Before(from) || !t.After(last) && !last.IsZero() {
			continue
		}
		last = t
		out = append(out, tick{at: t, label: tickLabel(t, st)})
	}
	return out
}

func tickLabel(t time.Time, st step) string {
	switch {
	case st.months >= 12:
		return t.Format("2006")
	case st.months > 0:
		return t.Format("Jan 2006")
	case st.days > 0 || t.Hour() == 0 && t.Minute() == 0:
		return t.Format("Jan 2")
	}
	return t.Format("15:04")
}

// niceTop returns the top of a scale holding v and its step, about four
// steps of 1, 2, 2.5 or 5 times a power of ten.
func niceTop(v float64) (top, stepv float64) {
	if !(v > 0) || math.IsInf(v, 0) {
		v = 1
	}
	raw := v / 4
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	stepv = 10 * p
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*p >= raw {
			stepv = m * p
			break
		}
	}
	return stepv * math.Ceil(v/stepv-1e-9), stepv
}

// ms formats microseconds as milliseconds with as many decimals as the
// scale's step needs.
func ms(us, stepUs float64) string {
	dec := 0
	for s := stepUs; s < 1000 && dec < 3; s *= 10 {
		dec++
	}
	return strconv.FormatFloat(us/1000, 'f', dec, 64)
}

// msExact formats microseconds as milliseconds to the microsecond, as
// the tooltips give them.
func msExact(us float64) string { return strconv.FormatFloat(us/1000, 'f', 3, 64) }

// clock formats an instant for a tooltip.
func clock(t time.Time) string { return t.Format("2006-01-02 15:04") }

// interval formats [a, b) for a tooltip, leaving out b's date when it is
// a's.
func interval(a, b time.Time) string {
	y1, m1, d1 := a.Date()
	y2, m2, d2 := b.Date()
	if y1 == y2 && m1 == m2 && d1 == d2 {
		return clock(a) + "–" + b.Format("15:04")
	}
	return clock(a) + " – " + clock(b)
}

// thousands formats n with commas: 44,640.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
