package sample

import (
	"io"
	"math"
)

// Tail is where a file of minute records ends, for continuing it with
// MinuteWriter.Resume (or ResumeUntimed).
type Tail struct {
	Last    int64 // the minute of the last record; NoMinute when there is none
	Offset  int64 // just after the last complete record (or the header): where to append; 0 for a file to start afresh
	Untimed bool  // the header is MinuteHeaderUntimed: go on without the timing columns
}

// NoMinute is Tail.Last of a file without records: before every minute.
const NoMinute = math.MinInt64

// ReadTail reads a file of minute records to its end, with the Reader's
// own parsing of the header and of each record, and says where it ends.
// A last line without its newline was torn (a crash mid-write) and is
// left out, as are blank lines at the end; an empty file, or one whose
// header was torn, has Offset 0. Rows must be sorted by minute, as for
// a Reader; unlike a Reader it does not check that a series has one
// record per minute, since it knows no series (a writer resumed at Last
// refuses Last and every minute before it anyway). Errors are
// *ParseError, naming the file and line, as the Reader's.
func ReadTail(in io.Reader, file string) (Tail, error) {
	r := NewReader(in, file, 0, nil)
	t := Tail{Last: NoMinute}
	for {
		line, err := r.readLine()
		if err == io.EOF || (err == nil && r.eof) {
			return t, nil // the end, or a line without its newline: torn
		}
		if err != nil {
			return Tail{}, err
		}
		if err := r.tailLine(line, &t); err != nil {
			return Tail{}, err
		}
	}
}

// tailLine reads one complete line of ReadTail's file into t.
func (r *Reader) tailLine(line []byte, t *Tail) error {
	switch {
	case !r.started:
		if err := r.setHeader(line); err != nil {
			return err
		}
		if !r.minutes {
			return r.lineError("", ErrMalformed, "header %q is of probe rows; want minute records (%q)", Header, MinuteHeader)
		}
		t.Untimed, t.Offset = r.header == MinuteHeaderUntimed, r.consumed
		return nil
	case len(line) == 0:
		if r.blank == 0 {
			r.blank = r.line
		}
		return nil
	case r.blank != 0:
		return newParseError(r.file, r.blank, "", ErrMalformed, "blank line; only the end of the file may be blank")
	}
	minute, err := r.checkRecord(line)
	if err != nil {
		return err
	}
	t.Last, t.Offset = minute, r.consumed
	return nil
}

// checkRecord parses a minute record as addRecord does, without a
// series lookup, and returns its minute.
func (r *Reader) checkRecord(line []byte) (int64, error) {
	var f [10][]byte
	if err := r.splitFields(line, f[:len(r.columns)]); err != nil {
		return 0, err
	}
	minute, err := r.startMinute(f[0])
	if err != nil {
		return 0, err
	}
	if len(f[1]) == 0 {
		return 0, r.lineError("series", ErrMalformed, "empty series name")
	}
	if _, err := r.parseRecord(&f); err != nil {
		return 0, err
	}
	if r.open && minute < r.cur {
		return 0, r.unsorted(f[0])
	}
	if !r.open || minute != r.cur {
		r.begin(minute, f[0])
	}
	return minute, nil
}
