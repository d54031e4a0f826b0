package sample

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	slawatch "github.com/slawatch/slawatch"
)

func stringReader(file, text string, names ...string) *Reader {
	return NewReader(strings.NewReader(text), file, len(names), mapLookup(names...))
}

// mergeAll reads every batch of a Merger, copying them.
func mergeAll(m *Merger) ([]Batch, error) {
	var out []Batch
	for {
		b, err := m.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		c := *b
		c.Records = append([]Record(nil), b.Records...)
		out = append(out, c)
	}
}

func TestMerger(t *testing.T) {
	names := []string{"web", "db", "dns"}
	const h = "time,series,rtt_ms\n"
	a := stringReader("a.csv", h+
		"2026-10-01T00:00:07Z,web,1\n"+
		"2026-10-01T00:00:08Z,dns,2\n"+
		"2026-10-01T00:02:00Z,web,\n"+
		"2026-10-01T00:04:00Z,db,3\n", names...)
	b := stringReader("b.csv", h+
		"2026-10-01T00:00:30Z,web,4\n"+ // same minute and series as a
		"2026-10-01T00:00:31Z,db,5\n"+
		"2026-10-01T00:01:00Z,db,\n"+
		"2026-10-01T00:04:59Z,db,6\n", names...)
	empty := stringReader("c.csv", h, names...)
	got, err := mergeAll(NewMerger(a, empty, b))
	if err != nil {
		t.Fatal(err)
	}
	z := slawatch.Minute{}
	want := []Batch{
		// Reply timing is 1 + the second: web at :07 (a) and :30 (b).
		{Minute: m0, Rows: 4, Records: []Record{{Series: 0, Minute: timed(reply(z, 1000, 4000), 8, 31)}, {Series: 1, Minute: timed(reply(z, 5000), 32, 32)}, {Series: 2, Minute: timed(reply(z, 2000), 9, 9)}}},
		{Minute: m0 + 1, Rows: 1, Records: []Record{{Series: 1, Minute: lost(z, 1)}}},
		{Minute: m0 + 2, Rows: 1, Records: []Record{{Series: 0, Minute: lost(z, 1)}}},
		{Minute: m0 + 4, Rows: 2, Records: []Record{{Series: 1, Minute: timed(reply(z, 3000, 6000), 1, 60)}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestMergerEmpty(t *testing.T) {
	for _, m := range []*Merger{NewMerger(), NewMerger(stringReader("c.csv", Header+"\n", "web"))} {
		if b, err := m.Next(); err != io.EOF {
			t.Errorf("got %v, %v; want io.EOF", b, err)
		}
	}
}

func TestMergerReaderError(t *testing.T) {
	good := stringReader("a.csv", Header+"\n"+t0+",web,1\n", "web")
	bad := stringReader("b.csv", Header+"\n"+t0+",nope,1\n", "web")
	_, err := mergeAll(NewMerger(good, bad))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != "b.csv" || pe.Line != 2 {
		t.Errorf("got %v, want the ParseError of b.csv:2", err)
	}
}

func TestMergerOverflow(t *testing.T) {
	half := Header + "\n" + strings.Repeat(t0+",web,60000\n", 3000)
	_, err := mergeAll(NewMerger(stringReader("a.csv", half, "web"), stringReader("b.csv", half, "web")))
	want := "merge b.csv into minute 2026-10-01T00:00Z: minute overflows: series 0 overflows the minute's counts or round-trip time sums"
	if err == nil || err.Error() != want || !errors.Is(err, ErrOverflow) {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestMergeMinuteSentOverflow(t *testing.T) {
	x := Record{Series: 1, Minute: slawatch.Minute{Sent: 1 << 31}}
	if err := mergeMinute(&x, x, m0, "a.csv"); err == nil {
		t.Error("merged two minutes of 2^31 probes each")
	}
}

// TestMergerFormats merges a file of probe rows with one of minute
// records: the minute of a series in both is the sum of the two.
func TestMergerFormats(t *testing.T) {
	names := []string{"web", "db"}
	probes := stringReader("p.csv", Header+"\n"+
		"2026-10-01T00:05:07Z,web,12\n"+
		"2026-10-01T00:05:37Z,web,\n"+
		"2026-10-01T00:06:07Z,db,1\n", names...)
	minutes := stringReader("m.csv", MinuteHeaderUntimed+"\n"+
		"2026-10-01T00:04:00Z,db,1,0,0,0,0,0\n"+
		"2026-10-01T00:05:00Z,web,"+ok59+"\n"+
		"2026-10-01T00:05:00Z,db,2,2,3000,5000000,1000,2000\n", names...)
	got, err := mergeAll(NewMerger(probes, minutes))
	if err != nil {
		t.Fatal(err)
	}
	z := slawatch.Minute{}
	web := slawatch.Minute{Sent: 60, Received: 59, RTTSum: 708000, RTTSumSq: 8498000000, RTTMin: 11000, RTTMax: 13000}
	web.Merge(lost(reply(z, 12000), 1))
	want := []Batch{
		{Minute: m5 - 1, Rows: 1, Records: []Record{{Series: 1, Minute: lost(z, 1)}}},
		{Minute: m5, Rows: 4, Records: []Record{{Series: 0, Minute: web}, {Series: 1, Minute: reply(z, 1000, 2000)}}},
		// Untimed records (an old minute-records file) make the fold
		// untimed; the probe row alone is timed.
		{Minute: m5 + 1, Rows: 1, Records: []Record{{Series: 1, Minute: timed(reply(z, 1000), 8, 8)}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestMergerMinuteOverflow(t *testing.T) {
	for _, tc := range []struct{ name, numbers string }{
		{"sent", "3000000000,0,0,0,0,0"},
		// 2e9 replies of 70 ms: 9.8e18 µs² each, 1.96e19 together.
		{"sumsq", "2000000000,2000000000,140000000000000,9800000000000000000,70000,70000"},
	} {
		half := record(tc.numbers)
		_, err := mergeAll(NewMerger(stringReader("a.csv", half, "web"), stringReader("b.csv", half, "web")))
		want := "merge b.csv into minute 2026-10-01T00:05Z: minute overflows: series 0 overflows the minute's counts or round-trip time sums"
		if err == nil || err.Error() != want || !errors.Is(err, ErrOverflow) {
			t.Errorf("%s: got %v, want %s", tc.name, err, want)
		}
	}
}
