package agent

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/slawatch/slawatch/probe"
)

// targetsHeader is the first line of a targets file.
var targetsHeader = []string{"series", "kind", "target", "interval", "timeout"}

// LoadTargetsCSV reads a targets file: one target a line, for the simple
// kinds, so that an inventory of 100,000 customer routers need not be
// written as YAML.
//
//	series,kind,target,interval,timeout
//	cust-0001,icmp,192.0.2.1,30s,
//	cust-0002,icmp,2001:db8::1,30s,2s
//
// interval and timeout may be empty for the defaults.
func LoadTargetsCSV(path string) ([]Target, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseTargetsCSV(io.LimitReader(f, MaxConfigSize), path)
}

// ParseTargetsCSV parses a targets file; file names it in errors.
func ParseTargetsCSV(r io.Reader, file string) ([]Target, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(targetsHeader)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, csvError(file, cr, err)
	}
	for i, h := range targetsHeader {
		if head[i] != h {
			return nil, &ConfigError{File: file, Line: 1, Field: "header", Msg: fmt.Sprintf("want %q", "series,kind,target,interval,timeout")}
		}
	}
	var ts []Target
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return ts, nil
		}
		if err != nil {
			return nil, csvError(file, cr, err)
		}
		line, _ := cr.FieldPos(0)
		t, err := targetFromRecord(rec, file, line)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
}

func targetFromRecord(rec []string, file string, line int) (Target, error) {
	t := Target{File: file, Line: line, Series: rec[0]}
	var err error
	if t.Interval.Duration, err = optionalDuration(rec[3]); err != nil {
		return t, t.errorf("interval", "%v", err)
	}
	if t.Timeout.Duration, err = optionalDuration(rec[4]); err != nil {
		return t, t.errorf("timeout", "%v", err)
	}
	switch rec[1] {
	case "icmp":
		t.ICMP = &probe.ICMPSpec{Host: rec[2]}
	case "tcp":
		t.TCP = &probe.TCPSpec{Address: rec[2]}
	default:
		return t, t.errorf("kind", "%q is not icmp or tcp", rec[1])
	}
	return t, nil
}

func optionalDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as \"1s\" or \"250ms\"", s)
	}
	return d, nil
}

func csvError(file string, cr *csv.Reader, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ConfigError{File: file, Line: pe.Line, Field: fmt.Sprintf("column %d", pe.Column), Msg: pe.Err.Error()}
	}
	if errors.Is(err, io.EOF) {
		return &ConfigError{File: file, Line: 1, Field: "header", Msg: "empty file"}
	}
	return fmt.Errorf("%s: %w", file, err)
}
