package ticket

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/slawatch/slawatch"
)

// MaxFileSize bounds one input file.
const MaxFileSize = 64 << 20

// table reads a CSV file with a header row, one record at a time, and
// parses its fields with errors naming the file, line and column.
type table struct {
	file string
	r    *csv.Reader
	cols map[string]int
	rec  []string
	line int
	loc  *time.Location // the zone of times written without an offset
	err  error          // the first field error of the current record
}

// newTable reads the header and checks it names only known columns and
// every required one.
func newTable(r io.Reader, file string, loc *time.Location, known, required []string) (*table, error) {
	lr := &limitReader{r: r, n: MaxFileSize}
	t := &table{file: file, r: csv.NewReader(lr), cols: map[string]int{}, loc: loc}
	t.r.ReuseRecord = true
	head, err := t.r.Read()
	if errors.Is(err, io.EOF) {
		return nil, &FieldError{File: file, Line: 1, Msg: "empty file: want a header row"}
	}
	if err != nil {
		return nil, t.csvError(err)
	}
	for i, h := range head {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !slices.Contains(known, h) {
			return nil, &FieldError{File: file, Line: 1, Field: h, Msg: "unknown column; want " + strings.Join(known, ", ")}
		}
		if _, dup := t.cols[h]; dup {
			return nil, &FieldError{File: file, Line: 1, Field: h, Msg: "repeated column"}
		}
		t.cols[h] = i
	}
	for _, c := range required {
		if _, ok := t.cols[c]; !ok {
			return nil, &FieldError{File: file, Line: 1, Field: c, Msg: "required column missing"}
		}
	}
	return t, nil
}

// next reads the next record; io.EOF at the end.
func (t *table) next() error {
	rec, err := t.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return err
		}
		return t.csvError(err)
	}
	t.rec, t.err = rec, nil
	t.line, _ = t.r.FieldPos(0)
	return nil
}

func (t *table) csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &FieldError{File: t.file, Line: pe.Line, Msg: pe.Err.Error()}
	}
	if errors.Is(err, errTooLarge) {
		return &FieldError{File: t.file, Line: t.line + 1, Msg: err.Error()}
	}
	return fmt.Errorf("%s: %w", t.file, err)
}

func (t *table) pos() Pos { return Pos{File: t.file, Line: t.line} }

// fail records the record's first field error.
func (t *table) fail(col, format string, args ...any) {
	if t.err == nil {
		t.err = t.pos().Errorf(col, format, args...)
	}
}

// str returns a column's trimmed text; "" when the file lacks the column.
func (t *table) str(col string) string {
	i, ok := t.cols[col]
	if !ok {
		return ""
	}
	return strings.TrimSpace(t.rec[i])
}

// need returns a required column's text.
func (t *table) need(col string) string {
	s := t.str(col)
	if s == "" {
		t.fail(col, "required")
	}
	return s
}

// oneOf returns a column's text, which must be one of allowed or empty.
func (t *table) oneOf(col string, allowed []string) string {
	s := t.str(col)
	if s != "" && !slices.Contains(allowed, s) {
		t.fail(col, "%q is not one of %s", s, strings.Join(allowed, ", "))
	}
	return s
}

// zone returns the record's time zone: its timezone column or the default.
func (t *table) zone() *time.Location {
	s := t.str("timezone")
	if s == "" {
		return t.loc
	}
	loc, err := time.LoadLocation(s)
	if err != nil || s == "Local" {
		t.fail("timezone", "%q is not a known IANA time zone", s)
		return t.loc
	}
	return loc
}

// time parses a column as RFC 3339 or a local time in loc; zero when empty.
func (t *table) time(col string, loc *time.Location) time.Time {
	s := t.str(col)
	if s == "" {
		return time.Time{}
	}
	v, err := slawatch.ParseTime(s, loc)
	if err != nil {
		t.fail(col, "%v", err)
	}
	return v
}

// fee parses a decimal amount; nil when empty.
func (t *table) fee(col string) *decimal.Decimal {
	s := t.str(col)
	if s == "" {
		return nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil || strings.ContainsAny(s, "eE") || d.IsNegative() {
		t.fail(col, "%q is not a non-negative decimal amount such as 1234.50", s)
		return nil
	}
	return &d
}

// bool parses true/false, yes/no, 1/0; false when empty.
func (t *table) bool(col string) bool {
	switch strings.ToLower(t.str(col)) {
	case "", "false", "no", "0":
		return false
	case "true", "yes", "1":
		return true
	}
	t.fail(col, "%q is not true or false", t.str(col))
	return false
}

var errTooLarge = fmt.Errorf("file larger than %d bytes", MaxFileSize)

// limitReader fails, rather than truncating, past n bytes.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, errTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}
