package sample

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	slawatch "github.com/slawatch/slawatch"
)

// The first line of a samples file tells its format: Header for probe
// rows, MinuteHeader for minute records.
const (
	Header       = "time,series,rtt_ms"
	MinuteHeader = MinuteHeaderUntimed + ",first_reply_s,last_reply_s"
)

// MinuteHeaderUntimed is the header of minute records written before
// reply timing: they still read, as untimed minutes (docs/model.md §1).
const MinuteHeaderUntimed = "minute,series,sent,received,rtt_sum_us,rtt_sumsq_us2,rtt_min_us,rtt_max_us"

// MaxLineLen is the longest line accepted, line ending excluded. Real rows
// are 40 to 100 bytes; a longer line is almost surely not a samples file.
const MaxLineLen = 64 << 10

// bufSize is the read buffer: large, so that lines are found by
// bytes.IndexByte in memory with few reads, and above MaxLineLen, so that
// a line that does not fit is too long anyway.
const bufSize = 256 << 10

var bom = []byte("\xEF\xBB\xBF")

// Reader reads one samples file and hands out one Batch per minute. It is
// not safe for concurrent use.
type Reader struct {
	in       *bufio.Reader
	file     string
	lookup   Lookup
	line     int      // number of the last line read
	blank    int      // first of the blank lines just read, 0 when none
	started  bool     // the header was read
	minutes  bool     // the file holds minute records, not probe rows
	header   string   // the header read, and its columns, for messages
	columns  []string // (nil before the header)
	eof      bool     // the input is exhausted
	consumed int64    // bytes of the lines read, line endings included
	err      error    // sticky: once Next fails it keeps failing

	times    timeCache
	lastName []byte // series name of the last row and its index, so
	lastIdx  int32  // runs of one series skip the lookup
	hasLast  bool

	ignoreUnknown bool            // count unknown series' rows rather than fail
	ignored       []IgnoredSeries // in the order first seen
	ignoredAt     map[string]int  // name -> index in ignored
	lastIgnored   int             // index in ignored of lastName when lastIdx < 0
	unquoted      []byte          // backing store of unquoted fields

	open    bool              // a minute is being accumulated
	cur     int64             // its Unix minute
	curLine int               // line of its first row
	curTime []byte            // time text of its first row, for messages
	acc     []slawatch.Minute // per series, zero when untouched
	touched []int32           // series with acc[i].Sent > 0
	lines   []int             // minute records: line of each touched series
	rows    int64
	batch   Batch
}

// NewReader returns a Reader of the samples CSV in r. file names the input
// in errors. Series names map to indices 0..nseries-1 through lookup.
func NewReader(r io.Reader, file string, nseries int, lookup Lookup) *Reader {
	return &Reader{
		in:     bufio.NewReaderSize(r, bufSize),
		file:   file,
		lookup: lookup,
		acc:    make([]slawatch.Minute, max(nseries, 0)),
	}
}

// File returns the name of the input given to NewReader.
func (r *Reader) File() string { return r.file }

// Next returns the next minute's batch, in strictly increasing minute
// order, or io.EOF after the last. The batch and its records are valid
// until the next call. After an error every call returns the same error.
func (r *Reader) Next() (*Batch, error) {
	if r.err != nil {
		return nil, r.err
	}
	b, err := r.next()
	if err != nil {
		r.err = err
		return nil, err
	}
	return b, nil
}

func (r *Reader) next() (*Batch, error) {
	if !r.started {
		if err := r.readHeader(); err != nil {
			return nil, err
		}
	}
	for {
		line, err := r.readLine()
		if err == io.EOF {
			return r.finish()
		}
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			if r.blank == 0 {
				r.blank = r.line
			}
			continue
		}
		if r.blank != 0 {
			return nil, newParseError(r.file, r.blank, "", ErrMalformed, "blank line; only the end of the file may be blank")
		}
		var b *Batch
		if r.minutes {
			b, err = r.addRecord(line)
		} else {
			b, err = r.addRow(line)
		}
		if b != nil || err != nil {
			return b, err
		}
	}
}

// readHeader reads the first line and sets the format from it.
func (r *Reader) readHeader() error {
	line, err := r.readLine()
	if err == io.EOF {
		return newParseError(r.file, 1, "", ErrMalformed, "empty file, want the header %s", wantHeader(nil))
	}
	if err != nil {
		return err
	}
	return r.setHeader(line)
}

// setHeader sets the format from the header line.
func (r *Reader) setHeader(line []byte) error {
	r.started = true
	line = bytes.TrimPrefix(line, bom)
	switch string(line) {
	case Header:
		r.header, r.columns = Header, probeColumns
	case MinuteHeader:
		r.header, r.columns, r.minutes = MinuteHeader, minuteColumns, true
	case MinuteHeaderUntimed:
		r.header, r.columns, r.minutes = MinuteHeaderUntimed, minuteColumns[:8], true
	default:
		return newParseError(r.file, 1, "", ErrMalformed, "header is %q, want %s", trunc(line), wantHeader(line))
	}
	return nil
}

// wantHeader names the header a wrong one was probably meant to be, by
// its first column, so a typo gets a message about one header only.
func wantHeader(line []byte) string {
	switch {
	case bytes.HasPrefix(line, []byte("time,")):
		return fmt.Sprintf("%q", Header)
	case bytes.HasPrefix(line, []byte("minute,")):
		return fmt.Sprintf("%q", MinuteHeader)
	}
	return fmt.Sprintf("%q (probe rows) or %q (minute records)", Header, MinuteHeader)
}

// readLine returns the next line without its line ending, or io.EOF. The
// line points into the read buffer: it is valid until the next read.
func (r *Reader) readLine() ([]byte, error) {
	if r.eof {
		return nil, io.EOF
	}
	line, err := r.in.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, r.longLine()
	case err == io.EOF:
		r.eof = true
		if len(line) == 0 {
			return nil, io.EOF
		}
	case err != nil:
		return nil, fmt.Errorf("read %s after line %d: %w", r.file, r.line, err)
	}
	r.line++
	r.consumed += int64(len(line))
	line = trimEOL(line)
	if len(line) > MaxLineLen {
		r.line--
		return nil, r.longLine()
	}
	return line, nil
}

func (r *Reader) longLine() error {
	return newParseError(r.file, r.line+1, "", ErrMalformed, "line longer than %d bytes", MaxLineLen)
}

// trimEOL removes "\n" or "\r\n" from the end of a line.
func trimEOL(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// trunc shortens text quoted in messages, so a binary file does not flood
// the terminal.
func trunc(b []byte) string {
	const max = 60
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// addRow folds a data line into the current minute. When the line starts
// a new minute it returns the batch of the previous one.
func (r *Reader) addRow(line []byte) (*Batch, error) {
	f, err := r.splitLine(line)
	if err != nil {
		return nil, err
	}
	minute, sec, err := r.times.at(f[0])
	if err != nil {
		return nil, r.lineError("time", ErrMalformed, "%q is not an RFC 3339 time: %v", trunc(f[0]), err)
	}
	series, err := r.seriesIndex(f[1])
	if err != nil {
		return nil, err
	}
	rtt, lost, err := parseRTT(f[2])
	if err != nil {
		return nil, r.rttError(f[2], err)
	}
	var out *Batch
	if !r.open || minute != r.cur {
		if r.open && minute < r.cur {
			return nil, r.unsorted(f[0])
		}
		out = r.emit()
		r.begin(minute, f[0])
	}
	if series < 0 {
		return out, r.ignore()
	}
	return out, r.apply(series, f[1], sec, rtt, lost)
}

// begin opens a minute.
func (r *Reader) begin(minute int64, timeText []byte) {
	r.open, r.cur, r.curLine = true, minute, r.line
	r.curTime = append(r.curTime[:0], timeText...)
}

// apply adds one row, a probe sent at second sec of the minute, to its
// series' minute.
func (r *Reader) apply(series int32, name []byte, sec int, rtt uint32, lost bool) error {
	m := &r.acc[series]
	if m.Sent == 0 {
		r.touched = append(r.touched, series)
	}
	if m.Sent == math.MaxUint32 {
		return r.lineError("", ErrOverflow, "series %q has more than %d probes in minute %s", trunc(name), uint32(math.MaxUint32), minuteText(r.cur))
	}
	if lost {
		m.AddLost()
	} else if !m.AddReplyAt(rtt, sec) {
		return r.lineError("rtt_ms", ErrOverflow, "series %q overflows the round-trip time sums of minute %s", trunc(name), minuteText(r.cur))
	}
	r.rows++
	return nil
}

// emit closes the current minute, if any, into r.batch. Touched series are
// sorted so records come by ascending series, which lets a Merger merge
// batches in one pass.
func (r *Reader) emit() *Batch {
	if !r.open {
		return nil
	}
	slices.Sort(r.touched)
	recs := r.batch.Records[:0]
	for _, s := range r.touched {
		recs = append(recs, Record{Series: s, Minute: r.acc[s]})
		r.acc[s] = slawatch.Minute{}
	}
	r.batch = Batch{Minute: r.cur, Records: recs, Rows: r.rows}
	r.touched, r.lines, r.rows, r.open = r.touched[:0], r.lines[:0], 0, false
	return &r.batch
}

// finish hands out the last minute at the end of the input.
func (r *Reader) finish() (*Batch, error) {
	if b := r.emit(); b != nil {
		return b, nil
	}
	return nil, io.EOF
}

// seriesIndex maps a series name to its index, remembering the last one.
func (r *Reader) seriesIndex(name []byte) (int32, error) {
	if r.hasLast && string(name) == string(r.lastName) {
		return r.lastIdx, nil
	}
	if len(name) == 0 {
		return 0, r.lineError("series", ErrMalformed, "empty series name")
	}
	if r.lookup == nil && !r.ignoreUnknown {
		return 0, r.lineError("series", ErrUnknownSeries, "unknown series %q (no series are configured)", trunc(name))
	}
	i, ok := int32(0), false
	if r.lookup != nil {
		i, ok = r.lookup(name)
	}
	if !ok && r.ignoreUnknown {
		r.lastName = append(r.lastName[:0], name...)
		r.lastIdx, r.hasLast, r.lastIgnored = -1, true, r.ignoredIndex(name)
		return -1, nil
	}
	if !ok {
		return 0, r.lineError("series", ErrUnknownSeries, "unknown series %q", trunc(name))
	}
	if i < 0 || int(i) >= len(r.acc) {
		// A bug of the caller, reported rather than indexing out of range.
		return 0, r.lineError("series", ErrUnknownSeries, "lookup returned index %d for series %q, want 0 to %d", i, trunc(name), len(r.acc)-1)
	}
	r.lastName = append(r.lastName[:0], name...)
	r.lastIdx, r.hasLast = i, true
	return i, nil
}

// lineError is a ParseError on the current line.
func (r *Reader) lineError(field string, kind error, format string, args ...any) error {
	return newParseError(r.file, r.line, field, kind, format, args...)
}

func (r *Reader) columnsError(n int) error {
	return r.lineError("", ErrMalformed, "%d fields, want %d (%s)", n, len(r.columns), r.header)
}

func (r *Reader) rttError(text []byte, err error) error {
	switch err {
	case errRTTNegative:
		return r.lineError("rtt_ms", ErrMalformed, "%q is negative", trunc(text))
	case errRTTTooLarge:
		return r.lineError("rtt_ms", ErrMalformed, "%q is above the limit of %d ms", trunc(text), slawatch.MaxRTTMicros/1000)
	}
	return r.lineError("rtt_ms", ErrMalformed, "%q is not a decimal number of milliseconds", trunc(text))
}

// unsorted reports a row earlier than the current minute, naming the row
// that opened that minute so the user can find both.
func (r *Reader) unsorted(timeText []byte) error {
	return r.lineError(r.columns[0], ErrUnsorted,
		"%s is in an earlier minute than %s on line %d; the rows of a file must be sorted by time (any order within a minute)",
		timeText, r.curTime, r.curLine)
}
