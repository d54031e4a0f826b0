package sample

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	slawatch "github.com/slawatch/slawatch"
)

// Writer writes a samples CSV of probe rows that a Reader reads back to
// the same records. It is not safe for concurrent use.
type Writer struct {
	csv csvOut
	buf []byte // one row, reused
}

// NewWriter returns a Writer to w. The header is written with the first
// row, or by Flush when there is none, so an empty run still leaves a
// valid file.
func NewWriter(w io.Writer) *Writer {
	return &Writer{csv: csvOut{out: bufio.NewWriter(w), header: Header}}
}

// Write writes one probe: sent at t, lost or answered after rttMicros.
// Times are written in UTC with as many fractional digits as they need;
// the minute of a row does not depend on the zone it is written in.
// Invalid arguments are reported without writing anything.
func (w *Writer) Write(t time.Time, series string, rttMicros uint32, lost bool) error {
	if err := checkRow(t, series, rttMicros, lost); err != nil {
		return err
	}
	w.buf = t.UTC().AppendFormat(w.buf[:0], time.RFC3339Nano)
	w.buf = append(w.buf, ',')
	w.buf = appendSeries(w.buf, series)
	w.buf = append(w.buf, ',')
	if !lost {
		w.buf = appendRTT(w.buf, rttMicros)
	}
	w.buf = append(w.buf, '\n')
	return w.csv.writeRow(w.buf)
}

// Flush writes buffered rows, and the header if no row was written.
func (w *Writer) Flush() error { return w.csv.flush() }

// checkRow rejects what a Reader would not read back.
func checkRow(t time.Time, series string, rttMicros uint32, lost bool) error {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return fmt.Errorf("write samples: time %s is outside the years 0000 to 9999", t.UTC().Format(time.RFC3339))
	}
	if err := checkSeries(series); err != nil {
		return fmt.Errorf("write samples: %w", err)
	}
	if !lost && rttMicros > slawatch.MaxRTTMicros {
		return fmt.Errorf("write samples: round-trip time %d µs is above the limit of %d µs", rttMicros, slawatch.MaxRTTMicros)
	}
	return nil
}

// checkSeries rejects a name a Reader would not read back.
func checkSeries(series string) error {
	if series == "" {
		return errors.New("empty series name")
	}
	if strings.ContainsAny(series, "\r\n") {
		return fmt.Errorf("series %q holds a line break", series)
	}
	return nil
}

// appendSeries quotes a name only when it needs it, keeping files easy to
// grep and Readers on their fast path.
func appendSeries(dst []byte, name string) []byte {
	if !strings.ContainsAny(name, `,"`) {
		return append(dst, name...)
	}
	dst = append(dst, '"')
	for i := 0; i < len(name); i++ {
		if name[i] == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, name[i])
	}
	return append(dst, '"')
}

// The Unix minutes of the years 0000 to 9999, the years RFC 3339 can
// write.
const (
	firstMinute = -1036120320 // 0000-01-01T00:00Z
	lastMinute  = 4223371679  // 9999-12-31T23:59Z
)

// MinuteWriter writes a samples CSV of minute records, one row per series
// and minute, that a Reader reads back to the same records. It refuses
// what a Reader would: an inconsistent record, a minute before one
// already written, a second record of a series in one minute. It is not
// safe for concurrent use.
type MinuteWriter struct {
	csv     csvOut
	buf     []byte              // one row, reused
	wrote   bool                // a record was written, or Resume called
	last    int64               // the minute of the last record
	seen    map[string]struct{} // the series written in that minute
	resumed bool                // last is a minute of the file being continued
	untimed bool                // the file has MinuteHeaderUntimed: no timing columns
}

// NewMinuteWriter returns a MinuteWriter to w. As with NewWriter, the
// header is written with the first row or by Flush.
func NewMinuteWriter(w io.Writer) *MinuteWriter {
	return &MinuteWriter{
		csv:  csvOut{out: bufio.NewWriter(w), header: MinuteHeader},
		seen: make(map[string]struct{}),
	}
}

// WriteMinute writes the record of one series in one Unix minute (Unix
// seconds / 60). Minutes must come in order, and the series of one
// minute in any order. A zero Minute writes nothing: a minute with no
// probe sent is unknown, which the format says by leaving the row out.
// Invalid arguments are reported without writing anything.
func (w *MinuteWriter) WriteMinute(minute int64, series string, m slawatch.Minute) error {
	if err := w.check(minute, series, &m); err != nil {
		return fmt.Errorf("write samples: %w", err)
	}
	if m == (slawatch.Minute{}) {
		return nil
	}
	w.buf = appendRecord(w.buf[:0], minute, series, &m, !w.untimed)
	if err := w.csv.writeRow(w.buf); err != nil {
		return err
	}
	if !w.wrote || minute != w.last {
		clear(w.seen)
		w.wrote, w.last, w.resumed = true, minute, false
	}
	w.seen[series] = struct{}{}
	return nil
}

// Flush writes buffered rows, and the header if no row was written.
func (w *MinuteWriter) Flush() error { return w.csv.flush() }

// Resume continues a file that already holds the header and minutes up
// to last, for appending: the header is not written again, and minutes up
// to last are refused, last included, since the writer cannot know which
// series the file holds for it.
func (w *MinuteWriter) Resume(last int64) {
	w.csv.started = true
	clear(w.seen)
	w.wrote, w.last, w.resumed = true, last, true
}

// ResumeUntimed is Resume for a file written before reply timing, with
// MinuteHeaderUntimed: its rows go on without the timing columns, so the
// minutes it adds are untimed.
func (w *MinuteWriter) ResumeUntimed(last int64) {
	w.Resume(last)
	w.untimed = true
}

// check rejects what a Reader would not read back.
func (w *MinuteWriter) check(minute int64, series string, m *slawatch.Minute) error {
	if minute < firstMinute || minute > lastMinute {
		return fmt.Errorf("minute %d is outside the years 0000 to 9999", minute)
	}
	if err := checkSeries(series); err != nil {
		return err
	}
	if *m == (slawatch.Minute{}) {
		return nil
	}
	if field, err := checkMinute(m); err != nil {
		return fmt.Errorf("series %q minute %s: field %s: %w", series, minuteText(minute), field, err)
	}
	if w.wrote && minute < w.last {
		return fmt.Errorf("minute %s is before minute %s, already written; write minutes in order", minuteText(minute), minuteText(w.last))
	}
	if w.resumed && minute == w.last {
		return fmt.Errorf("minute %s is already in the file being continued", minuteText(minute))
	}
	if _, dup := w.seen[series]; dup && minute == w.last {
		return fmt.Errorf("series %q already has a record for minute %s", series, minuteText(minute))
	}
	return nil
}

// appendRecord formats a minute record: the minute in UTC, like Writer's
// times, then the fields of m in the order of slawatch.Minute, the reply
// seconds empty when there are none (or when timed is false).
func appendRecord(dst []byte, minute int64, series string, m *slawatch.Minute, timed bool) []byte {
	dst = time.Unix(minute*60, 0).UTC().AppendFormat(dst, time.RFC3339)
	dst = append(dst, ',')
	dst = appendSeries(dst, series)
	for _, v := range [...]uint64{uint64(m.Sent), uint64(m.Received), m.RTTSum, m.RTTSumSq, uint64(m.RTTMin), uint64(m.RTTMax)} {
		dst = append(dst, ',')
		dst = strconv.AppendUint(dst, v, 10)
	}
	if timed {
		for _, v := range [...]uint8{m.FirstReply, m.LastReply} {
			dst = append(dst, ',')
			if v != 0 {
				dst = strconv.AppendUint(dst, uint64(v-1), 10)
			}
		}
	}
	return append(dst, '\n')
}

// csvOut is the buffered output of both writers. The header goes out
// before the first row or on Flush, so an empty run still leaves a valid
// file.
type csvOut struct {
	out     *bufio.Writer
	header  string
	started bool // the header was written
}

func (c *csvOut) writeRow(row []byte) error {
	if err := c.writeHeader(); err != nil {
		return err
	}
	if _, err := c.out.Write(row); err != nil {
		return fmt.Errorf("write samples: %w", err)
	}
	return nil
}

func (c *csvOut) writeHeader() error {
	if c.started {
		return nil
	}
	if _, err := c.out.WriteString(c.header + "\n"); err != nil {
		return fmt.Errorf("write samples header: %w", err)
	}
	c.started = true
	return nil
}

func (c *csvOut) flush() error {
	if err := c.writeHeader(); err != nil {
		return err
	}
	if err := c.out.Flush(); err != nil {
		return fmt.Errorf("flush samples: %w", err)
	}
	return nil
}
