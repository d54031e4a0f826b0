package codec

import (
	"reflect"
	"testing"

	slawatch "github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/store/internal/codec/codectest"
)

// seedChunks returns encoded chunks to start the fuzzer from: steady
// series, gaps, outages, the largest values.
func seedChunks(tb testing.TB) [][]byte {
	g := codectest.NewGen(5, 3, 100)
	g.Timed = true
	hour := hourOf(g, 3, t0)
	hour[1].Have = 1<<0 | 1<<7 | 1<<59
	hour[2].M[4] = slawatch.Minute{Sent: 60}
	var huge slawatch.Minute
	for range 5000 {
		huge.AddReply(slawatch.MaxRTTMicros)
	}
	one := []SeriesHour{{ID: 1 << 40, Have: 1}}
	one[0].M[0] = huge
	mix := codectest.NewGen(6, 10, 100)
	mix.Mix, mix.Timed = true, true
	var out [][]byte
	for _, series := range [][]SeriesHour{hour, hour[:1], one, hourOf(mix, 10, t0)} {
		b, err := AppendChunk(nil, series)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzDecodeChunk decodes arbitrary bytes as a chunk: it must return an
// error or valid records, never panic, and what it decodes must encode
// and decode to the same records.
func FuzzDecodeChunk(f *testing.F) {
	for _, b := range seedChunks(f) {
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte{ChunkVersion, 1, 1, 0, 64, 0, 0})
	f.Add([]byte{1, 1, 1, 0, 64, 0, 0})
	f.Add([]byte{})
	for _, v := range goldenVersions {
		f.Add(readFile(f, "testdata/"+v.dir+"/chunk.bin"))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		series, err := DecodeChunk(p)
		if err != nil {
			return
		}
		for _, s := range series {
			for i := range ChunkMinutes {
				if s.Have&(1<<i) != 0 && CheckMinute(&s.M[i]) != "" {
					t.Fatalf("series %d minute %d: decoded an invalid record %+v", s.ID, i, s.M[i])
				}
			}
		}
		b, err := AppendChunk(nil, series)
		if err != nil {
			t.Fatalf("decoded series do not encode: %v", err)
		}
		again, err := DecodeChunk(b)
		if err != nil || !reflect.DeepEqual(again, series) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzDecodeBatch does the same for staged batches.
func FuzzDecodeBatch(f *testing.F) {
	f.Add(AppendBatch(nil, Canonical([]slawatch.SeriesMinute{rec("b", 60, 1, 9000), rec("a", 60, 0, 10_000), rec("ab", 1, 1, 0)})))
	f.Add([]byte{BatchVersion, 0})
	f.Add([]byte{1, 0})
	f.Add(AppendBatch(nil, goldenBatch()))
	for _, v := range goldenVersions {
		f.Add(readFile(f, "testdata/"+v.dir+"/batch.bin"))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		recs, err := DecodeBatch(p)
		if err != nil {
			return
		}
		if again, err := DecodeBatch(AppendBatch(nil, recs)); err != nil || !reflect.DeepEqual(again, recs) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
