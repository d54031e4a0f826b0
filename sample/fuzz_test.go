package sample

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	slawatch "github.com/slawatch/slawatch"
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
		mh + "2026-10-01T00:05:00Z,web," + ok59 + "\n2026-10-01T00:05:00Z,db,2,0,0,0,0,0\n",
		"\xEF\xBB\xBF" + MinuteHeaderUntimed + "\r\n2026-10-01T09:05:00.000+09:00,\"a,\"\"b\",1,1,34,1156,34,34\r\n\r\n",
		mh + "2026-10-01T00:06:00Z,web,1,0,0,0,0,0\n2026-10-01T00:05:00Z,web,1,0,0,0,0,0\n",
		mh + "2026-10-01T00:05:00Z,web,1,0,0,0,0,0\n2026-10-01T00:05:00Z,web,1,0,0,0,0,0\n",
		mh + "2026-10-01T00:05:30Z,web,4000000000,4000000000,100000000000000,2500000000000000000,0,60000000\n",
		mh,
		MinuteHeader + "\n2026-10-01T00:05:00Z,web," + ok59 + ",0,59\n2026-10-01T00:05:00Z,db,2,0,0,0,0,0,,\n",
		MinuteHeader + "\n2026-10-01T00:05:00Z,web,1,1,34,1156,34,34,7,7\n2026-10-01T00:06:00Z,web,1,1,34,1156,34,34,,\n",
		MinuteHeader + "\n2026-10-01T00:05:00Z,web,2,2,68,2312,34,34,9,7\n",
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
			if isMinuteFile(data) {
				checkRecords(t, b)
			} else {
				checkBatch(t, b)
			}
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

// isMinuteFile reports whether data starts with the header of minute
// records, read the simple way.
func isMinuteFile(data []byte) bool {
	first, _, _ := bytes.Cut(bytes.TrimPrefix(data, bom), []byte("\n"))
	h := string(bytes.TrimSuffix(first, []byte("\r")))
	return h == MinuteHeader || h == MinuteHeaderUntimed
}

// checkRecords checks that records come by ascending series, one per row,
// and that each is a possible minute by the reference check.
func checkRecords(t *testing.T, b *Batch) {
	for i, rec := range b.Records {
		if i > 0 && rec.Series <= b.Records[i-1].Series {
			t.Fatalf("series %d after %d", rec.Series, b.Records[i-1].Series)
		}
		if !referenceValid(rec.Minute) {
			t.Fatalf("read the impossible minute %+v", rec.Minute)
		}
	}
	if int64(len(b.Records)) != b.Rows {
		t.Fatalf("batch of %d rows holds %d records", b.Rows, len(b.Records))
	}
}

// FuzzMinuteRecord reads one minute record of any six numbers and checks
// that the Reader accepts exactly what referenceValid accepts, and that
// MinuteWriter writes back the very same row.
func FuzzMinuteRecord(f *testing.F) {
	const max64 = 1<<64 - 1
	for _, m := range []slawatch.Minute{
		{Sent: 60, Received: 59, RTTSum: 708000, RTTSumSq: 8498000000, RTTMin: 11000, RTTMax: 13000},
		{Sent: 2},
		{Sent: 1, Received: 1, RTTSum: 34, RTTSumSq: 1156, RTTMin: 34, RTTMax: 34},
		{Sent: 4000000000, Received: 4000000000, RTTSum: 100000000000000, RTTSumSq: 2500000000000000000, RTTMax: 60000000},
		{Sent: 1<<32 - 1, Received: 1<<32 - 1, RTTSum: 257698037700000000, RTTSumSq: max64, RTTMin: 60000000, RTTMax: 60000000},
		{Sent: 2, Received: 2, RTTSum: 60000000, RTTSumSq: 1800000000000000, RTTMax: 60000000},
		{Sent: 2, Received: 2, RTTSum: 60000000, RTTSumSq: 1799999999999999, RTTMax: 60000000},
		{},
		{Sent: 2, Received: 1, RTTSum: 34, RTTSumSq: 1156, RTTMin: 34, RTTMax: 34, FirstReply: 16, LastReply: 16},
		{Sent: 3, Received: 2, RTTSum: 68, RTTSumSq: 2312, RTTMin: 34, RTTMax: 34, FirstReply: 1, LastReply: 60},
		{Sent: 3, Received: 2, RTTSum: 68, RTTSumSq: 2312, RTTMin: 34, RTTMax: 34, FirstReply: 9, LastReply: 8},
		{Sent: 1, FirstReply: 1, LastReply: 1},
	} {
		f.Add(m.Sent, m.Received, m.RTTSum, m.RTTSumSq, m.RTTMin, m.RTTMax, m.FirstReply, m.LastReply)
	}
	f.Fuzz(func(t *testing.T, sent, received uint32, sum, sumsq uint64, lo, hi uint32, first, last uint8) {
		m := slawatch.Minute{Sent: sent, Received: received, RTTSum: sum, RTTSumSq: sumsq, RTTMin: lo, RTTMax: hi, FirstReply: first, LastReply: last}
		text := fmt.Sprintf("%s\n2026-10-01T00:05:00Z,web,%d,%d,%d,%d,%d,%d,%s,%s\n", MinuteHeader, sent, received, sum, sumsq, lo, hi, secondText(first), secondText(last))
		got, err := readString(t, text, "web")
		valid := referenceValid(m) && first <= 60 && last <= 60
		if (err == nil) != valid {
			t.Fatalf("%+v: read error %v, but the reference says valid %v", m, err, valid)
		}
		if valid && (len(got) != 1 || got[0].Records[0].Minute != m) {
			t.Fatalf("%+v: read %+v", m, got)
		}
		var buf bytes.Buffer
		w := NewMinuteWriter(&buf)
		werr := w.WriteMinute(m5, "web", m)
		w.Flush()
		switch {
		case (werr == nil) != (valid || m == slawatch.Minute{}):
			t.Fatalf("%+v: write error %v, but the reference says valid %v", m, werr, valid)
		case valid && buf.String() != text:
			t.Fatalf("%+v: wrote\n%s\nwant\n%s", m, buf.String(), text)
		}
	})
}

// secondText writes a stored reply time as its column: empty for 0,
// otherwise the second, which for values above 60 is not one.
func secondText(v uint8) string {
	if v == 0 {
		return ""
	}
	return fmt.Sprint(int(v) - 1)
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
