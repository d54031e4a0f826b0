package sample

import (
	"errors"
	"fmt"
	"time"
)

// Kinds of input error. ParseError.Err wraps one of them, so a caller can
// tell them apart with errors.Is, for instance to suggest sorting the file.
var (
	ErrMalformed     = errors.New("malformed samples")
	ErrUnknownSeries = errors.New("unknown series")
	ErrUnsorted      = errors.New("unsorted samples")
	ErrOverflow      = errors.New("minute overflows")
)

// ParseError is an error about the input: the file, the line (from 1) and,
// when it is about one field, the field's column name.
type ParseError struct {
	File  string
	Line  int
	Field string // a column of the file's header ("time", "sent"…), or "" for the whole line
	Err   error
}

func (e *ParseError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: field %s: %v", e.File, e.Line, e.Field, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// kindError is a message that also matches its kind with errors.Is, so
// the message reads naturally without a "malformed samples: " prefix.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// newParseError builds a *ParseError. It is only called on the error path,
// so formatting here costs nothing on the rows that parse.
func newParseError(file string, line int, field string, kind error, format string, args ...any) *ParseError {
	return &ParseError{File: file, Line: line, Field: field, Err: &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}}
}

// minuteText prints a Unix minute for messages, in UTC like the minutes
// themselves.
func minuteText(minute int64) string {
	return time.Unix(minute*60, 0).UTC().Format("2006-01-02T15:04Z")
}
