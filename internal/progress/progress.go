// Package progress shows how far long work has got, on one line of a
// terminal that it redraws: rows read, minutes judged of the total,
// the rate and the time left. Off a terminal (a pipe, a file, a test)
// it writes nothing at all, so that logs and scripts see only results.
package progress

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/term"
)

// Every is how often the line is redrawn at most.
const Every = 250 * time.Millisecond

// Meter draws the progress of work over a known number of minutes. The
// zero of its Writer (nil) makes a Meter that does nothing. It is not
// safe for concurrent use.
type Meter struct {
	w     io.Writer // nil: silent
	now   func() time.Time
	label string
	total int64 // minutes to judge
	start time.Time
	drawn time.Time // the last redraw
	wide  int       // the longest line drawn, to blank it out
}

// New returns a Meter of total minutes that draws on w when w is a
// terminal, and is silent otherwise.
func New(w io.Writer, label string, total int64) *Meter {
	if !IsTerminal(w) {
		w = nil
	}
	return NewOn(w, label, total, time.Now)
}

// NewOn returns a Meter that draws on w whatever it is, on the clock
// now: for tests, and for callers that decided themselves.
func NewOn(w io.Writer, label string, total int64, now func() time.Time) *Meter {
	return &Meter{w: w, now: now, label: label, total: total, start: now()}
}

// IsTerminal says whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Update reports rows read and minutes judged so far; the line is
// redrawn when Every has passed since the last time.
func (m *Meter) Update(rows, minutes int64) {
	if m.w == nil {
		return
	}
	t := m.now()
	if t.Sub(m.drawn) < Every {
		return
	}
	m.drawn = t
	line := Format(m.label, rows, minutes, m.total, t.Sub(m.start))
	m.wide = max(m.wide, len(line))
	fmt.Fprintf(m.w, "\r%-*s", m.wide, line)
}

// Done blanks the line, so that what follows starts on a clean one.
func (m *Meter) Done() {
	if m.w == nil || m.wide == 0 {
		return
	}
	fmt.Fprintf(m.w, "\r%*s\r", m.wide, "")
}

// Format is the progress line: rows read, minutes judged of total and
// their share, the rate of rows, and the time left at that pace once
// there is a pace to go by.
//
//	evaluate: 1,234,567 rows, 12,000 of 44,640 minutes (26%), 850,000 rows/s, 0:04 left
func Format(label string, rows, minutes, total int64, elapsed time.Duration) string {
	minutes = min(max(minutes, 0), total)
	s := fmt.Sprintf("%s: %s rows, %s of %s minutes", label, group(rows), group(minutes), group(total))
	if total > 0 {
		s += fmt.Sprintf(" (%d%%)", minutes*100/total)
	}
	if elapsed < time.Second/10 {
		return s
	}
	s += fmt.Sprintf(", %s rows/s", group(int64(float64(rows)/elapsed.Seconds())))
	if minutes > 0 && minutes < total {
		left := time.Duration(float64(elapsed) * float64(total-minutes) / float64(minutes))
		s += ", " + clock(left) + " left"
	}
	return s
}

// group writes n with thousands separated by commas.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// clock writes a duration as m:ss, or h:mm:ss from an hour, rounded up
// to the second (0:00 only at the end).
func clock(d time.Duration) string {
	sec := int64((d + time.Second - 1) / time.Second)
	if sec >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", sec/3600, sec/60%60, sec%60)
	}
	return fmt.Sprintf("%d:%02d", sec/60, sec%60)
}
