package sample

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	slawatch "github.com/slawatch/slawatch"
)

func TestWriterText(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	tokyo := time.FixedZone("JST", 9*3600)
	rows := []struct {
		t      time.Time
		series string
		rtt    uint32
		lost   bool
	}{
		{time.Date(2026, 10, 1, 0, 0, 7, 0, time.UTC), "web", 12000, false},
		{time.Date(2026, 10, 1, 9, 0, 7, 250_000_000, tokyo), "a,b", 35, false},
		{time.Date(2026, 10, 1, 0, 0, 8, 1, time.UTC), `say "hi"`, 7, true},
	}
	for _, r := range rows {
		if err := w.Write(r.t, r.series, r.rtt, r.lost); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "time,series,rtt_ms\n" +
		"2026-10-01T00:00:07Z,web,12\n" +
		"2026-10-01T00:00:07.25Z,\"a,b\",0.035\n" +
		"2026-10-01T00:00:08.000000001Z,\"say \"\"hi\"\"\",\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWriterHeaderOnly(t *testing.T) {
	var buf bytes.Buffer
	if err := NewWriter(&buf).Flush(); err != nil || buf.String() != Header+"\n" {
		t.Errorf("got %q, %v", buf.String(), err)
	}
}

func TestWriterInvalid(t *testing.T) {
	now := time.Date(2026, 10, 1, 0, 0, 7, 0, time.UTC)
	for _, tc := range []struct {
		t      time.Time
		series string
		rtt    uint32
		want   string
	}{
		{now, "", 1, "write samples: empty series name"},
		{now, "a\nb", 1, `write samples: series "a\nb" holds a line break`},
		{now, "web", slawatch.MaxRTTMicros + 1, "write samples: round-trip time 60000001 µs is above the limit of 60000000 µs"},
		{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "web", 1, "write samples: time 10000-01-01T00:00:00Z is outside the years 0000 to 9999"},
	} {
		var buf bytes.Buffer
		err := NewWriter(&buf).Write(tc.t, tc.series, tc.rtt, false)
		if err == nil || err.Error() != tc.want {
			t.Errorf("got %v, want %s", err, tc.want)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriterIOError(t *testing.T) {
	if err := NewWriter(failWriter{}).Flush(); err == nil || err.Error() != "flush samples: disk full" {
		t.Errorf("got %v", err)
	}
}

// TestRoundTrip writes random rows, each minute's rows shuffled, and
// checks that a Reader folds them into the minutes computed directly.
func TestRoundTrip(t *testing.T) {
	names := []string{"web", "a,b", `say "hi"`, "db", "ünïcode"}
	rng := rand.New(rand.NewPCG(3, 4))
	var buf bytes.Buffer
	w := NewWriter(&buf)
	var want []Batch
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for minute := range 90 {
		if rng.IntN(5) == 0 {
			continue // a gap
		}
		acc := make([]slawatch.Minute, len(names))
		rows := 1 + rng.IntN(200)
		for range rows {
			s := rng.IntN(len(names))
			at := start.Add(time.Duration(minute)*time.Minute + time.Duration(rng.Int64N(int64(time.Minute))))
			rtt, isLost := rng.Uint32N(slawatch.MaxRTTMicros+1), rng.IntN(4) == 0
			if isLost {
				acc[s].AddLost()
			} else {
				acc[s].AddReply(rtt)
			}
			if err := w.Write(at, names[s], rtt, isLost); err != nil {
				t.Fatal(err)
			}
		}
		want = append(want, expectedBatch(start.Unix()/60+int64(minute), acc, rows))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	got, err := readAll(NewReader(&buf, "rt.csv", len(names), mapLookup(names...)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip differs:\ngot  %+v\nwant %+v", got, want)
	}
}

func expectedBatch(minute int64, acc []slawatch.Minute, rows int) Batch {
	b := Batch{Minute: minute, Rows: int64(rows)}
	for i, m := range acc {
		if m.Sent > 0 {
			b.Records = append(b.Records, Record{Series: int32(i), Minute: m})
		}
	}
	return b
}

func TestRoundTripLineEndings(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Write(time.Date(2026, 10, 1, 0, 0, 7, 0, time.UTC), "web", 5, false)
	w.Flush()
	crlf := strings.ReplaceAll(buf.String(), "\n", "\r\n")
	got, err := readString(t, crlf, "web")
	if err != nil || len(got) != 1 || got[0].Records[0].Minute.RTTSum != 5 {
		t.Errorf("got %+v, %v", got, err)
	}
}
