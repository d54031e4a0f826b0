package store

import (
	"reflect"
	"testing"

	slawatch "github.com/slawatch/slawatch"
)

// seedChunks returns encoded chunks to start the fuzzer from: steady
// series, gaps, outages, the largest values.
func seedChunks(tb testing.TB) [][]byte {
	g := newSteadyGen(5, 3, 100)
	hour := hourOf(g, 3, t0)
	hour[1].have = 1<<0 | 1<<7 | 1<<59
	hour[2].m[4] = slawatch.Minute{Sent: 60}
	var huge slawatch.Minute
	for range 5000 {
		huge.AddReply(slawatch.MaxRTTMicros)
	}
	one := []seriesHour{{id: 1 << 40, have: 1}}
	one[0].m[0] = huge
	var out [][]byte
	for _, series := range [][]seriesHour{hour, hour[:1], one} {
		b, err := appendChunk(nil, series)
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
	f.Add([]byte{chunkVersion, 1, 1, 0, 64, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, p []byte) {
		series, err := decodeChunk(p)
		if err != nil {
			return
		}
		for _, s := range series {
			for i := range chunkMinutes {
				if s.have&(1<<i) != 0 && checkMinute(&s.m[i]) != "" {
					t.Fatalf("series %d minute %d: decoded an invalid record %+v", s.id, i, s.m[i])
				}
			}
		}
		b, err := appendChunk(nil, series)
		if err != nil {
			t.Fatalf("decoded series do not encode: %v", err)
		}
		again, err := decodeChunk(b)
		if err != nil || !reflect.DeepEqual(again, series) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// FuzzDecodeBatch does the same for staged batches.
func FuzzDecodeBatch(f *testing.F) {
	f.Add(appendBatch(nil, canonical([]slawatch.SeriesMinute{rec("b", 60, 1, 9000), rec("a", 60, 0, 10_000), rec("ab", 1, 1, 0)})))
	f.Add([]byte{batchVersion, 0})
	f.Fuzz(func(t *testing.T, p []byte) {
		recs, err := decodeBatch(p)
		if err != nil {
			return
		}
		if again, err := decodeBatch(appendBatch(nil, recs)); err != nil || !reflect.DeepEqual(again, recs) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
