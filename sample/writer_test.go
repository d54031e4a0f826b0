package sample

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
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
				acc[s].AddReplyAt(rtt, at.Second())
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

// update rewrites the golden files in testdata instead of comparing.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenMinutes are the records of testdata/minutes.csv, each built from
// its probes so the numbers written below are checked against Minute's own
// arithmetic.
func goldenMinutes() []struct {
	minute int64
	series string
	probes func(*slawatch.Minute)
	want   slawatch.Minute
} {
	z := slawatch.Minute{}
	return []struct {
		minute int64
		series string
		probes func(*slawatch.Minute)
		want   slawatch.Minute
	}{
		// 60 probes, one lost; 57 replies after 12 ms, one after 11 ms, one
		// after 13 ms. Sum 57 × 12,000 + 11,000 + 13,000 = 708,000 µs; sum of
		// squares 57 × 144e6 + 121e6 + 169e6 = 8,498,000,000 µs².
		{m5, "fra1-ams1", func(m *slawatch.Minute) {
			*m = lost(reply(z, 11000, 13000), 1)
			for range 57 {
				m.AddReply(12000)
			}
		}, slawatch.Minute{Sent: 60, Received: 59, RTTSum: 708000, RTTSumSq: 8498000000, RTTMin: 11000, RTTMax: 13000}},
		// Two probes, both lost: no round-trip time at all.
		{m5, "web-1", func(m *slawatch.Minute) { *m = lost(z, 2) }, slawatch.Minute{Sent: 2}},
		// One reply after 0.034 ms: 34 µs, squared 1,156 µs², to a probe
		// sent at :07 (stored 8, written 7). The name needs quoting.
		{m5, "db,primary", func(m *slawatch.Minute) { m.AddReplyAt(34, 7) }, slawatch.Minute{Sent: 1, Received: 1, RTTSum: 34, RTTSumSq: 1156, RTTMin: 34, RTTMax: 34, FirstReply: 8, LastReply: 8}},
		// 60 replies at the 60 s limit: sum 60 × 6e7 = 3.6e9 µs, sum of
		// squares 60 × 3.6e15 = 2.16e17 µs².
		{m5 + 1, "fra1-ams1", func(m *slawatch.Minute) {
			for range 60 {
				m.AddReply(slawatch.MaxRTTMicros)
			}
		}, slawatch.Minute{Sent: 60, Received: 60, RTTSum: 3_600_000_000, RTTSumSq: 216_000_000_000_000_000, RTTMin: 60_000_000, RTTMax: 60_000_000}},
		// Nothing sent: unknown, so no row is written.
		{m5 + 1, "web-1", func(*slawatch.Minute) {}, z},
		// After a minute with no row at all, one probe lost.
		{m5 + 3, "web-1", func(m *slawatch.Minute) { *m = lost(z, 1) }, slawatch.Minute{Sent: 1}},
	}
}

func TestMinuteWriterGolden(t *testing.T) {
	var buf bytes.Buffer
	w := NewMinuteWriter(&buf)
	for _, g := range goldenMinutes() {
		var m slawatch.Minute
		g.probes(&m)
		if m != g.want {
			t.Fatalf("%s at %s: probes give %+v, the comment computes %+v", g.series, minuteText(g.minute), m, g.want)
		}
		if err := w.WriteMinute(g.minute, g.series, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	const path = "testdata/minutes.csv"
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("got\n%s\nwant (%s)\n%s", buf.Bytes(), path, want)
	}
}

// TestMinuteReaderGolden reads the golden file back to its records, and
// the same records written before reply timing (minutes-untimed.csv, the
// golden file of then) to the same records untimed.
func TestMinuteReaderGolden(t *testing.T) {
	testMinuteReaderGolden(t, "testdata/minutes.csv", true)
	testMinuteReaderGolden(t, "testdata/minutes-untimed.csv", false)
}

func testMinuteReaderGolden(t *testing.T, path string, timed bool) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := []string{"web-1", "fra1-ams1", "db,primary"}
	got, err := readAll(NewReader(f, "minutes.csv", len(names), mapLookup(names...)))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]int32{"web-1": 0, "fra1-ams1": 1, "db,primary": 2}
	var want []Batch
	for _, g := range goldenMinutes() {
		if g.want.Sent == 0 {
			continue
		}
		if len(want) == 0 || want[len(want)-1].Minute != g.minute {
			want = append(want, Batch{Minute: g.minute})
		}
		b := &want[len(want)-1]
		m := g.want
		if !timed {
			m.FirstReply, m.LastReply = 0, 0
		}
		b.Records = append(b.Records, Record{Series: byName[g.series], Minute: m})
		b.Rows++
	}
	for _, b := range want {
		slices.SortFunc(b.Records, func(x, y Record) int { return int(x.Series - y.Series) })
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got  %+v\nwant %+v", path, got, want)
	}
}

func TestMinuteWriterHeaderOnly(t *testing.T) {
	var buf bytes.Buffer
	w := NewMinuteWriter(&buf)
	// A zero minute writes no row, so the file is the header alone.
	if err := w.WriteMinute(m5, "web", slawatch.Minute{}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil || buf.String() != MinuteHeader+"\n" {
		t.Errorf("got %q, %v", buf.String(), err)
	}
}

func TestMinuteWriterInvalid(t *testing.T) {
	ok := slawatch.Minute{Sent: 1}
	for _, tc := range []struct {
		minute int64
		series string
		m      slawatch.Minute
		want   string
	}{
		{m5, "", ok, "write samples: empty series name"},
		{m5, "a\r\nb", ok, `write samples: series "a\r\nb" holds a line break`},
		{firstMinute - 1, "web", ok, "write samples: minute -1036120321 is outside the years 0000 to 9999"},
		{lastMinute + 1, "web", ok, "write samples: minute 4223371680 is outside the years 0000 to 9999"},
		{m5, "web", slawatch.Minute{Received: 1, RTTSum: 1, RTTSumSq: 1, RTTMin: 1, RTTMax: 1},
			`write samples: series "web" minute 2026-10-01T00:05Z: field sent: 0 probes sent; a minute with no probe sent is left out (it is unknown)`},
		{m5, "web", slawatch.Minute{Sent: 2, Received: 2, RTTSum: 3, RTTSumSq: 4, RTTMin: 1, RTTMax: 2},
			`write samples: series "web" minute 2026-10-01T00:05Z: field rtt_sumsq_us2: 4 is below rtt_sum_us² / received (9 / 2); the variance would be negative`},
		// After the two records below.
		{m5 - 1, "web", ok, "write samples: minute 2026-10-01T00:04Z is before minute 2026-10-01T00:05Z, already written; write minutes in order"},
		{m5, "db", ok, `write samples: series "db" already has a record for minute 2026-10-01T00:05Z`},
	} {
		var buf bytes.Buffer
		w := NewMinuteWriter(&buf)
		for _, s := range []string{"web", "db"} {
			if err := w.WriteMinute(m5, s, ok); err != nil {
				t.Fatal(err)
			}
		}
		w.Flush()
		before := buf.String()
		err := w.WriteMinute(tc.minute, tc.series, tc.m)
		if err == nil || err.Error() != tc.want {
			t.Errorf("got %v, want %s", err, tc.want)
		}
		if w.Flush(); buf.String() != before {
			t.Errorf("%s: the refused record was written", tc.want)
		}
	}
}

// TestMinuteWriterYears writes the first and last minute RFC 3339 can
// write, and reads them back.
func TestMinuteWriterYears(t *testing.T) {
	var buf bytes.Buffer
	w := NewMinuteWriter(&buf)
	w.WriteMinute(firstMinute, "web", slawatch.Minute{Sent: 1})
	w.WriteMinute(lastMinute, "web", slawatch.Minute{Sent: 1})
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := MinuteHeader + "\n0000-01-01T00:00:00Z,web,1,0,0,0,0,0,,\n9999-12-31T23:59:00Z,web,1,0,0,0,0,0,,\n"
	if buf.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", buf.String(), want)
	}
	got, err := readString(t, want, "web")
	if err != nil || len(got) != 2 || got[0].Minute != firstMinute || got[1].Minute != lastMinute {
		t.Errorf("got %+v, %v", got, err)
	}
}

func TestMinuteWriterIOError(t *testing.T) {
	w := NewMinuteWriter(failWriter{})
	if err := w.Flush(); err == nil || err.Error() != "flush samples: disk full" {
		t.Errorf("got %v", err)
	}
}

// TestMinuteRoundTrip writes random minutes of random series, each built
// from probes and in shuffled series order, and reads them back.
func TestMinuteRoundTrip(t *testing.T) {
	names := []string{"web", "a,b", `say "hi"`, "db", "ünïcode"}
	rng := rand.New(rand.NewPCG(7, 8))
	var buf bytes.Buffer
	w := NewMinuteWriter(&buf)
	var want []Batch
	for minute := m0 - 30; minute < m0+60; minute++ {
		acc := make([]slawatch.Minute, len(names))
		for s := range acc {
			acc[s] = randomMinute(rng)
		}
		rows := 0
		for _, s := range rng.Perm(len(names)) {
			if acc[s].Sent > 0 {
				rows++
			}
			if err := w.WriteMinute(minute, names[s], acc[s]); err != nil {
				t.Fatal(err)
			}
		}
		if rows > 0 {
			want = append(want, expectedBatch(minute, acc, rows))
		}
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

// randomMinute is a minute of up to 120 probes, unknown one time in three.
func randomMinute(rng *rand.Rand) slawatch.Minute {
	var m slawatch.Minute
	if rng.IntN(3) == 0 {
		return m
	}
	for range 1 + rng.IntN(120) {
		if rng.IntN(4) == 0 {
			m.AddLost()
		} else {
			m.AddReply(rng.Uint32N(slawatch.MaxRTTMicros + 1))
		}
	}
	return m
}

// TestMinuteWriterResume appends to a file, as the agent does after a
// restart: no second header, no minute the file already holds.
func TestMinuteWriterResume(t *testing.T) {
	file := MinuteHeader + "\n2026-10-01T00:05:00Z,web,1,0,0,0,0,0,,\n"
	var buf bytes.Buffer
	w := NewMinuteWriter(&buf)
	w.Resume(m5)
	ok := slawatch.Minute{Sent: 1}
	for _, tc := range []struct {
		minute int64
		want   string
	}{
		{m5 - 1, "write samples: minute 2026-10-01T00:04Z is before minute 2026-10-01T00:05Z, already written; write minutes in order"},
		{m5, "write samples: minute 2026-10-01T00:05Z is already in the file being continued"},
	} {
		if err := w.WriteMinute(tc.minute, "db", ok); err == nil || err.Error() != tc.want {
			t.Errorf("got %v, want %s", err, tc.want)
		}
	}
	for _, s := range []string{"web", "db"} {
		if err := w.WriteMinute(m5+1, s, ok); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "2026-10-01T00:06:00Z,web,1,0,0,0,0,0,,\n2026-10-01T00:06:00Z,db,1,0,0,0,0,0,,\n"
	if buf.String() != want {
		t.Fatalf("appended\n%s\nwant\n%s", buf.String(), want)
	}
	if got, err := readString(t, file+buf.String(), "web", "db"); err != nil || len(got) != 2 {
		t.Errorf("reading the continued file: %+v, %v", got, err)
	}
}

// TestMinuteWriterResumeUntimed continues a file written before reply
// timing: its rows go on without the timing columns, so the file still
// reads, and a timed minute added to it reads back untimed.
func TestMinuteWriterResumeUntimed(t *testing.T) {
	file := MinuteHeaderUntimed + "\n2026-10-01T00:05:00Z,web,1,0,0,0,0,0\n"
	var buf bytes.Buffer
	w := NewMinuteWriter(&buf)
	w.ResumeUntimed(m5)
	var m slawatch.Minute
	m.AddReplyAt(34, 7)
	if err := w.WriteMinute(m5+1, "web", m); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := "2026-10-01T00:06:00Z,web,1,1,34,1156,34,34\n"; buf.String() != want {
		t.Fatalf("appended\n%s\nwant\n%s", buf.String(), want)
	}
	got, err := readString(t, file+buf.String(), "web")
	if err != nil || len(got) != 2 || got[1].Records[0].Minute.Timed() {
		t.Errorf("reading the continued file: %+v, %v", got, err)
	}
}
