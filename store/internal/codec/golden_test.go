package codec

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	slawatch "github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/store/internal/codec/codectest"
)

var update = flag.Bool("update", false, "write the golden files of the current version")

// goldenVersions are the directories of testdata, one per format version
// ever written. Each holds a chunk and a batch as that version's encoder
// wrote them (chunk.bin, batch.bin) and the records they were written
// from (chunk.json, batch.json). A version's files are never rewritten
// once a newer one exists: they are what old databases hold.
var goldenVersions = []struct {
	dir     string
	current bool // written by today's encoder: -update rewrites it
}{
	{"v1", false},
	{"v2", true},
}

// goldenSeries is a SeriesHour in JSON: its present minutes by index.
type goldenSeries struct {
	ID      int64                   `json:"id"`
	Minutes map[int]slawatch.Minute `json:"minutes"`
}

// Every version's bytes decode, bit for bit, to the records they were
// written from; today's encoder writes today's bytes exactly.
func TestGolden(t *testing.T) {
	for _, v := range goldenVersions {
		t.Run(v.dir, func(t *testing.T) {
			dir := filepath.Join("testdata", v.dir)
			if v.current && *update {
				writeGolden(t, dir)
			}
			checkGoldenChunk(t, dir, v.current)
			checkGoldenBatch(t, dir, v.current)
		})
	}
}

func checkGoldenChunk(t *testing.T, dir string, current bool) {
	var js []goldenSeries
	readJSON(t, filepath.Join(dir, "chunk.json"), &js)
	want := fromGolden(js)
	bin := readFile(t, filepath.Join(dir, "chunk.bin"))
	got, err := DecodeChunk(bin)
	if err != nil {
		t.Fatalf("chunk: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("chunk: %d series, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("chunk: series %d differs:\n got %+v\nwant %+v", want[i].ID, got[i], want[i])
		}
	}
	if !current {
		return
	}
	if b, err := AppendChunk(nil, want); err != nil || !bytes.Equal(b, bin) {
		t.Errorf("chunk: today's encoder writes other bytes (%v): run go test -run TestGolden -update only for a new version", err)
	}
}

func checkGoldenBatch(t *testing.T, dir string, current bool) {
	var want []slawatch.SeriesMinute
	readJSON(t, filepath.Join(dir, "batch.json"), &want)
	bin := readFile(t, filepath.Join(dir, "batch.bin"))
	got, err := DecodeBatch(bin)
	if err != nil {
		t.Fatalf("batch: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("batch: %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("batch: record %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if current && !bytes.Equal(AppendBatch(nil, want), bin) {
		t.Errorf("batch: today's encoder writes other bytes")
	}
}

func fromGolden(js []goldenSeries) []SeriesHour {
	out := make([]SeriesHour, len(js))
	for i, s := range js {
		out[i].ID = s.ID
		for j, m := range s.Minutes {
			out[i].Have |= 1 << j
			out[i].M[j] = m
		}
	}
	return out
}

func toGolden(series []SeriesHour) []goldenSeries {
	var js []goldenSeries
	for _, s := range series {
		g := goldenSeries{ID: s.ID, Minutes: map[int]slawatch.Minute{}}
		for j := range ChunkMinutes {
			if s.Have&(1<<j) != 0 {
				g.Minutes[j] = s.M[j]
			}
		}
		js = append(js, g)
	}
	return js
}

// writeGolden writes the current version's files from goldenHour and
// goldenBatch.
func writeGolden(t *testing.T, dir string) {
	hour := goldenHour()
	b, err := AppendChunk(nil, hour)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "chunk.bin"), b)
	writeJSON(t, filepath.Join(dir, "chunk.json"), toGolden(hour))
	recs := goldenBatch()
	writeFile(t, filepath.Join(dir, "batch.bin"), AppendBatch(nil, recs))
	writeJSON(t, filepath.Join(dir, "batch.json"), recs)
}

func readFile(t testing.TB, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readJSON(t *testing.T, path string, v any) {
	if err := json.Unmarshal(readFile(t, path), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	b, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, append(b, '\n'))
}

// goldenHour is the chunk of the golden files: the realistic mix (timed,
// untimed, every 30 s, a moving phase), gaps, an outage, a first half
// absent, and the extremes.
func goldenHour() []SeriesHour {
	g := codectest.NewGen(7, 11, 100)
	g.Mix, g.Timed = true, true
	hour := hourOf(g, 11, t0+20*ChunkMinutes)
	hour[1].Have = 1<<0 | 1<<7 | 1<<59
	hour[2].M[4] = slawatch.Minute{Sent: 60}
	for i := 10; i < 25; i++ {
		hour[3].M[i] = slawatch.Minute{Sent: 60}
	}
	hour[4].Have = FullHour &^ (1<<30 - 1)
	for i, lost := range []int{0, 59, 0} { // the first or the last probe lost
		m := slawatch.Minute{Sent: 1}
		for sec := range 60 {
			if sec != lost {
				m.AddReplyAt(10_000, sec)
			}
		}
		hour[0].M[30+i] = m
	}
	x := &hour[10]
	x.ID, x.Have = 1<<40, 1<<0|1<<1|1<<2|1<<3|1<<59
	x.M[0] = slawatch.Minute{}
	for range 5000 {
		x.M[0].AddReplyAt(slawatch.MaxRTTMicros, 59)
	}
	x.M[1] = slawatch.Minute{Sent: 1, Received: 1, RTTSum: 1, RTTSumSq: 1, RTTMin: 1, RTTMax: 1, FirstReply: 1, LastReply: 1}
	x.M[2] = slawatch.Minute{Sent: 1<<32 - 1}
	x.M[3] = rec("", 60, 0, 9000).M // untimed
	x.M[59] = slawatch.Minute{Sent: 60, Received: 2, RTTSum: 20, RTTSumSq: 200, RTTMin: 10, RTTMax: 10, FirstReply: 1, LastReply: 60}
	for i := range hour {
		for j := range ChunkMinutes {
			if hour[i].Have&(1<<j) == 0 {
				hour[i].M[j] = slawatch.Minute{}
			}
		}
	}
	return hour
}

// goldenBatch is the batch of the golden files.
func goldenBatch() []slawatch.SeriesMinute {
	g := codectest.NewGen(7, 1, 100)
	g.Timed = true
	var huge slawatch.Minute
	for range 5000 {
		huge.AddReplyAt(slawatch.MaxRTTMicros, 0)
	}
	var thirty slawatch.Minute
	thirty.AddReplyAt(9000, 15)
	thirty.AddReplyAt(9100, 45)
	return Canonical([]slawatch.SeriesMinute{
		rec("pop-fra1/ams1", 60, 1, 9000), // untimed, as an old agent sends
		{Series: "pop-fra1/ams2", M: g.Minute(0, t0)},
		rec("pop-fra1", 60, 60, 0),
		{Series: "é/ü", M: slawatch.Minute{Sent: 1, Received: 1, RTTSum: 1, RTTSumSq: 1, RTTMin: 1, RTTMax: 1, FirstReply: 60, LastReply: 60}},
		{Series: "huge", M: huge},
		{Series: "b", M: slawatch.Minute{Sent: 1<<32 - 1}},
		{Series: "cust-0042", M: thirty},
	})
}
