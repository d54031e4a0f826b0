package sample

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// fuzzLookup knows every name not starting with 'x', so most rows of
// fuzzed input get past the series field.
func fuzzLookup(name []byte) (int32, bool) {
	if len(name) == 0 || name[0] == 'x' {
		return 0, false
	}
	return int32(len(name) % 4), true
}

// dataLines counts the rows of a samples file the simple way: lines after
// the header, without the blank lines at the end.
func dataLines(data []byte) int64 {
	lines := bytes.Split(data, []byte("\n"))[1:]
	for len(lines) > 0 && len(bytes.TrimSuffix(lines[len(lines)-1], []byte("\r"))) == 0 {
		lines = lines[:len(lines)-1]
	}
	return int64(len(lines))
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"time,series,rtt_ms\n2026-10-01T00:00:07Z,web,12.5\n2026-10-01T00:00:08Z,db,\n",
		"\xEF\xBB\xBFtime,series,rtt_ms\r\n2026-10-01T09:00:07.250+09:00,\"a,\"\"b\",0.0345\r\n\r\n",
		"time,series,rtt_ms\n2026-10-01T00:01:00Z,web,1\n2026-10-01T00:00:00Z,web,1\n",
		"time,series,rtt_ms\n2026-10-01T00:00:07Z,web,1\n\n2026-10-01T00:00:07Z,web,1",
		"time,series,rtt_ms\n0000-01-01T00:00:00+23:59,web,60000\n9999-12-31T23:59:59-23:59,webx,0\n",
		"time,series,rtt_ms\n2026-10-01T00:00:07Z,xweb,1\n",
		"time,series,rtt_ms\n2026-10-01T00:00:07Z,\"web,1\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), "f.csv", 4, fuzzLookup)
		var rows int64
		var last int64
		for n := 0; ; n++ {
			b, err := r.Next()
			if err == io.EOF {
				break
			}
			var pe *ParseError
			if err != nil {
				if !errors.As(err, &pe) {
					t.Fatalf("error %v is not a *ParseError", err)
				}
				return
			}
			if n > 0 && b.Minute <= last {
				t.Fatalf("minute %d after %d", b.Minute, last)
			}
			last = b.Minute
			rows += b.Rows
			checkBatch(t, b)
		}
		if want := dataLines(data); rows != want {
			t.Fatalf("read %d rows, the file has %d data lines", rows, want)
		}
	})
}

// checkBatch checks that records come by ascending series and account for
// every row.
func checkBatch(t *testing.T, b *Batch) {
	var sent int64
	for i, rec := range b.Records {
		if i > 0 && rec.Series <= b.Records[i-1].Series {
			t.Fatalf("series %d after %d", rec.Series, b.Records[i-1].Series)
		}
		sent += int64(rec.Minute.Sent)
	}
	if sent != b.Rows {
		t.Fatalf("batch of %d rows records %d probes sent", b.Rows, sent)
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2026-10-01T00:00:07Z", "2026-10-01T09:00:07.250+09:00", "0000-01-01T00:00:00+23:59",
		"9999-12-31T23:59:59-23:59", "2024-02-29T23:59:59.999999999999Z", "2026-10-01T1:00:07Z",
		"2026-10-01T00:00:07,5Z", "2026-10-01T00:00:07+24:00", "2016-12-31T23:59:60Z",
	} {
		f.Add("2026-10-01T00:00:07Z", s)
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, prime, s string) {
		checkAgainstReference(t, prime, s)
	})
}
