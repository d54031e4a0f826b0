package sample

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	slawatch "github.com/slawatch/slawatch"
)

func TestReadTail(t *testing.T) {
	const (
		th   = MinuteHeader + "\n"
		rec5 = "2026-10-01T00:05:00Z,web," + ok59 + ",0,59\n"
		rec6 = "2026-10-01T00:06:00Z,db,2,0,0,0,0,0,,\n"

		rec5db  = "2026-10-01T00:05:00Z,db," + ok59 + ",0,59\n"
		untimed = "2026-10-01T00:05:00Z,web," + ok59 + "\n"
		crlf    = "\xEF\xBB\xBF" + MinuteHeader + "\r\n" + "2026-10-01T09:05:00+09:00,\"a,b\",1,0,0,0,0,0,,\r\n"
	)
	m5 := time.Date(2026, 10, 1, 0, 5, 0, 0, time.UTC).Unix() / 60
	for _, tc := range []struct {
		name, in string
		want     Tail
	}{
		{"empty", "", Tail{Last: NoMinute}},
		{"torn header", "minute,series,se", Tail{Last: NoMinute}},
		{"header only", th, Tail{Last: NoMinute, Offset: int64(len(th))}},
		{"untimed header only", mh, Tail{Last: NoMinute, Offset: int64(len(mh)), Untimed: true}},
		{"records", th + rec5 + rec6, Tail{Last: m5 + 1, Offset: int64(len(th + rec5 + rec6))}},
		{"same minute", th + rec5 + rec5db, Tail{Last: m5, Offset: int64(len(th + rec5 + rec5db))}},
		{"torn last line", th + rec5 + rec6[:20], Tail{Last: m5, Offset: int64(len(th + rec5))}},
		// a line complete but for its newline may be torn in its last field: left out too
		{"no newline", th + rec5 + strings.TrimSuffix(rec6, "\n"), Tail{Last: m5, Offset: int64(len(th + rec5))}},
		{"blank lines at the end", th + rec5 + "\n\r\n", Tail{Last: m5, Offset: int64(len(th + rec5))}},
		{"untimed", mh + untimed, Tail{Last: m5, Offset: int64(len(mh + untimed)), Untimed: true}},
		{"crlf and bom", crlf, Tail{Last: m5, Offset: int64(len(crlf))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadTail(strings.NewReader(tc.in), "m.csv")
			if err != nil || got != tc.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestReadTailErrors(t *testing.T) {
	const th = MinuteHeader + "\n"
	for _, tc := range []struct {
		name, in, want string
	}{
		{"probe rows", Header + "\n2026-10-01T00:00:07Z,web,12.5\n", `m.csv:1: header "time,series,rtt_ms" is of probe rows; want minute records`},
		{"not samples", "hello\n", `m.csv:1: header is "hello"`},
		{"bad minute", th + "yesterday,web,1,0,0,0,0,0,,\n", `m.csv:2: field minute: "yesterday" is not an RFC 3339 time`},
		{"not a minute's start", th + "2026-10-01T00:05:30Z,web,1,0,0,0,0,0,,\n", `m.csv:2: field minute: "2026-10-01T00:05:30Z" is not the start of a minute`},
		{"fields", th + "2026-10-01T00:05:00Z,web,1,0\n", `m.csv:2: 4 fields, want 10`},
		{"record", th + "2026-10-01T00:05:00Z,web,1,2,0,0,0,0,,\n", `m.csv:2: field received: 2 is more than sent (1)`},
		{"no series", th + "2026-10-01T00:05:00Z,,1,0,0,0,0,0,,\n", `m.csv:2: field series: empty series name`},
		{"unsorted", th + "2026-10-01T00:06:00Z,web,1,0,0,0,0,0,,\n2026-10-01T00:05:00Z,web,1,0,0,0,0,0,,\n",
			`m.csv:3: field minute: 2026-10-01T00:05:00Z is in an earlier minute than 2026-10-01T00:06:00Z on line 2`},
		{"blank inside", th + "2026-10-01T00:05:00Z,web,1,0,0,0,0,0,,\n\n2026-10-01T00:06:00Z,web,1,0,0,0,0,0,,\n", `m.csv:3: blank line`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadTail(strings.NewReader(tc.in), "m.csv")
			var pe *ParseError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a ParseError with %q", err, tc.want)
			}
		})
	}
}

// A file MinuteWriter wrote ends where ReadTail says, and a writer
// resumed there continues it into a file a Reader reads whole.
func TestReadTailResume(t *testing.T) {
	var buf bytes.Buffer
	w := NewMinuteWriter(&buf)
	m := slawatch.Minute{Sent: 2, Received: 1, RTTSum: 500, RTTSumSq: 250000, RTTMin: 500, RTTMax: 500, FirstReply: 4, LastReply: 4}
	for minute := int64(29_000_000); minute < 29_000_003; minute++ {
		for _, s := range []string{"a", "b,c"} {
			if err := w.WriteMinute(minute, s, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	tail, err := ReadTail(bytes.NewReader(buf.Bytes()), "m.csv")
	if err != nil || tail != (Tail{Last: 29_000_002, Offset: int64(buf.Len())}) {
		t.Fatalf("tail %+v, %v; want the last minute and the whole file", tail, err)
	}
	w = NewMinuteWriter(&buf)
	w.Resume(tail.Last)
	if err := w.WriteMinute(tail.Last, "a", m); err == nil {
		t.Error("the resumed writer took the last minute again")
	}
	if err := w.WriteMinute(tail.Last+1, "a", m); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	names := map[string]int32{"a": 0, "b,c": 1}
	r := NewReader(bytes.NewReader(buf.Bytes()), "m.csv", 2, func(n []byte) (int32, bool) { i, ok := names[string(n)]; return i, ok })
	var minutes []int64
	for {
		b, err := r.Next()
		if err != nil {
			break
		}
		minutes = append(minutes, b.Minute)
	}
	if len(minutes) != 4 || minutes[3] != tail.Last+1 {
		t.Errorf("read minutes %v: %v", minutes, r.err)
	}
}

func FuzzReadTail(f *testing.F) {
	for _, s := range []string{
		"", MinuteHeader + "\n", mh,
		MinuteHeader + "\n2026-10-01T00:05:00Z,web," + ok59 + ",0,59\n2026-10-01T00:06:00Z,db,2,0,0,0,0,0,,",
		mh + "2026-10-01T00:05:00Z,web," + ok59 + "\r\n\r\n",
		Header + "\n2026-10-01T00:00:07Z,web,12.5\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tail, err := ReadTail(bytes.NewReader(data), "f.csv")
		if err != nil {
			if _, ok := errors.AsType[*ParseError](err); !ok {
				t.Fatalf("not a ParseError: %v", err)
			}
			return
		}
		if tail.Offset < 0 || tail.Offset > int64(len(data)) || (tail.Offset > 0 && data[tail.Offset-1] != '\n') {
			t.Fatalf("offset %d of %d bytes, not after a line", tail.Offset, len(data))
		}
		// cut there, the file has the same tail: nothing after it counted
		again, err := ReadTail(bytes.NewReader(data[:tail.Offset]), "f.csv")
		if err != nil || again != tail {
			t.Fatalf("cut at %d: %+v, %v; want %+v", tail.Offset, again, err, tail)
		}
	})
}
