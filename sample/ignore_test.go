package sample

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// With IgnoreUnknown the rows of unknown series are checked and counted
// in their batch's Rows, with no record; Ignored names each series and
// its rows. Without it the first is an error.
func TestIgnoreUnknown(t *testing.T) {
	for _, tc := range []struct {
		name, in string
	}{
		{"probe rows", Header + "\n" +
			"2026-10-01T00:00:07Z,web,12.5\n2026-10-01T00:00:08Z,other,1\n2026-10-01T00:00:09Z,other,\n" +
			"2026-10-01T00:01:07Z,third,2\n" +
			"2026-10-01T00:02:07Z,web,3\n2026-10-01T00:02:08Z,other,3\n"},
		{"minute records", MinuteHeader + "\n" +
			"2026-10-01T00:00:00Z,web,1,1,12500,156250000,12500,12500,7,7\n2026-10-01T00:00:00Z,other,2,1,1000,1000000,1000,1000,8,8\n" +
			"2026-10-01T00:00:00Z,\"o,x\",1,0,0,0,0,0,,\n" +
			"2026-10-01T00:01:00Z,third,1,1,2000,4000000,2000,2000,7,7\n" +
			"2026-10-01T00:02:00Z,web,1,1,3000,9000000,3000,3000,7,7\n2026-10-01T00:02:00Z,other,1,1,3000,9000000,3000,3000,8,8\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lookup := func(name []byte) (int32, bool) { return 0, string(name) == "web" }
			if _, err := summarize(NewReader(strings.NewReader(tc.in), "s.csv", 1, lookup)); !errors.Is(err, ErrUnknownSeries) ||
				!strings.Contains(err.Error(), `s.csv:3: field series: unknown series "other"`) {
				t.Errorf("without IgnoreUnknown: %v", err)
			}
			r := NewReader(strings.NewReader(tc.in), "s.csv", 1, lookup)
			r.IgnoreUnknown()
			got, err := summarize(r)
			if err != nil {
				t.Fatal(err)
			}
			// minute: rows (records)
			want := []string{"0:3(1)", "1:1(0)", "2:2(1)"}
			if !slices.Equal(got, want) {
				t.Errorf("batches %v, want %v", got, want)
			}
			ign := r.Ignored()
			var names []string
			var rows int64
			for _, s := range ign {
				names, rows = append(names, s.Series), rows+s.Rows
			}
			wantNames := []string{"other", "third"}
			if tc.name == "minute records" {
				wantNames = []string{"other", "o,x", "third"}
			}
			if !slices.Equal(names, wantNames) || rows != 4 {
				t.Errorf("ignored %+v, want %v with 4 rows", ign, wantNames)
			}
		})
	}
}

// Ignored rows are still checked: a bad one is an error.
func TestIgnoreUnknownChecks(t *testing.T) {
	for _, in := range []string{
		Header + "\n2026-10-01T00:00:07Z,other,-1\n",
		MinuteHeader + "\n2026-10-01T00:00:00Z,other,1,2,0,0,0,0,,\n",
		Header + "\n2026-10-01T00:01:07Z,web,1\n2026-10-01T00:00:07Z,other,1\n",
	} {
		r := NewReader(strings.NewReader(in), "s.csv", 1, func(name []byte) (int32, bool) { return 0, string(name) == "web" })
		r.IgnoreUnknown()
		if _, err := summarize(r); err == nil || !strings.Contains(err.Error(), "s.csv:") {
			t.Errorf("%q: %v, want an error naming the line", in, err)
		}
	}
}

// summarize reads every batch as "minute offset:rows(records)".
func summarize(r *Reader) ([]string, error) {
	var got []string
	first := int64(-1)
	for {
		b, err := r.Next()
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		if first < 0 {
			first = b.Minute
		}
		got = append(got, fmt.Sprintf("%d:%d(%d)", b.Minute-first, b.Rows, len(b.Records)))
	}
}

// FuzzIgnoreUnknown: with IgnoreUnknown every data line is still a row
// of some batch, and the rows of known series plus the ignored rows are
// all of them.
func FuzzIgnoreUnknown(f *testing.F) {
	for _, s := range []string{
		Header + "\n2026-10-01T00:00:07Z,web,12.5\n2026-10-01T00:00:08Z,xdb,\n2026-10-01T00:01:08Z,xdb,1\n",
		MinuteHeader + "\n2026-10-01T00:05:00Z,xweb,1,1,34,1156,34,34,7,7\n2026-10-01T00:05:00Z,db,2,0,0,0,0,0,,\n",
		mh + "2026-10-01T00:05:00Z,xweb,1,0,0,0,0,0\n2026-10-01T00:05:00Z,xweb,1,0,0,0,0,0\n",
		Header + "\n2026-10-01T00:01:07Z,xa,1\n2026-10-01T00:00:07Z,xb,1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), "f.csv", 4, fuzzLookup)
		r.IgnoreUnknown()
		var rows, known int64
		for {
			b, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				if _, ok := errors.AsType[*ParseError](err); !ok {
					t.Fatalf("error %v is not a *ParseError", err)
				}
				return
			}
			rows += b.Rows
			for _, rec := range b.Records {
				if isMinuteFile(data) {
					known++
				} else {
					known += int64(rec.Minute.Sent)
				}
			}
		}
		var ignored int64
		for _, s := range r.Ignored() {
			if s.Rows <= 0 || (len(s.Series) > 0 && s.Series[0] != 'x') {
				t.Fatalf("ignored %+v: a known series, or no rows", s)
			}
			ignored += s.Rows
		}
		if want := dataLines(data); rows != want || known+ignored != rows {
			t.Fatalf("%d rows (%d known, %d ignored), the file has %d data lines", rows, known, ignored, want)
		}
	})
}
