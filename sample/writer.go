package sample

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	slawatch "github.com/slawatch/slawatch"
)

// Writer writes a samples CSV that a Reader reads back to the same
// records. It is not safe for concurrent use.
type Writer struct {
	out     *bufio.Writer
	buf     []byte // one row, reused
	started bool   // the header was written
}

// NewWriter returns a Writer to w. The header is written with the first
// row, or by Flush when there is none, so an empty run still leaves a
// valid file.
func NewWriter(w io.Writer) *Writer {
	return &Writer{out: bufio.NewWriter(w)}
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
	if err := w.writeHeader(); err != nil {
		return err
	}
	if _, err := w.out.Write(w.buf); err != nil {
		return fmt.Errorf("write samples: %w", err)
	}
	return nil
}

// checkRow rejects what a Reader would not read back.
func checkRow(t time.Time, series string, rttMicros uint32, lost bool) error {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return fmt.Errorf("write samples: time %s is outside the years 0000 to 9999", t.UTC().Format(time.RFC3339))
	}
	if series == "" {
		return errors.New("write samples: empty series name")
	}
	if strings.ContainsAny(series, "\r\n") {
		return fmt.Errorf("write samples: series %q holds a line break", series)
	}
	if !lost && rttMicros > slawatch.MaxRTTMicros {
		return fmt.Errorf("write samples: round-trip time %d µs is above the limit of %d µs", rttMicros, slawatch.MaxRTTMicros)
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

func (w *Writer) writeHeader() error {
	if w.started {
		return nil
	}
	if _, err := w.out.WriteString(Header + "\n"); err != nil {
		return fmt.Errorf("write samples header: %w", err)
	}
	w.started = true
	return nil
}

// Flush writes buffered rows, and the header if no row was written.
func (w *Writer) Flush() error {
	if err := w.writeHeader(); err != nil {
		return err
	}
	if err := w.out.Flush(); err != nil {
		return fmt.Errorf("flush samples: %w", err)
	}
	return nil
}
