package store

import (
	"testing"

	slawatch "github.com/slawatch/slawatch"
)

// hourOf returns n series' records of the hour starting at minute t.
func hourOf(g *steadyGen, n int, t int64) []seriesHour {
	out := make([]seriesHour, n)
	for i := range out {
		out[i].id, out[i].have = int64(i+1), fullHour
		for j := range chunkMinutes {
			out[i].m[j] = g.minute(i, t+int64(j))
		}
	}
	return out
}

func TestChunkRoundTrip(t *testing.T) {
	g := newSteadyGen(1, 50, 100)
	for h := range int64(5) {
		in := hourOf(g, 50, 28_000_000+h*60)
		in[3].have = 1<<5 | 1<<59
		in[7].have = 1
		b, err := appendChunk(nil, in)
		if err != nil {
			t.Fatal(err)
		}
		out, err := decodeChunk(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(in) {
			t.Fatalf("got %d series, want %d", len(out), len(in))
		}
		for i := range in {
			for j := range chunkMinutes {
				if in[i].have&(1<<j) == 0 {
					in[i].m[j] = slawatch.Minute{}
				}
			}
			if in[i] != out[i] {
				t.Fatalf("series %d: got %+v, want %+v", i, out[i], in[i])
			}
		}
	}
}
