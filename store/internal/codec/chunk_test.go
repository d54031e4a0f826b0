package codec

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	slawatch "github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/wire"
	"github.com/slawatch/slawatch/store/internal/codec/codectest"
)

// hourOf returns n series' records of the hour starting at minute t.
func hourOf(g *codectest.Gen, n int, t int64) []SeriesHour {
	out := make([]SeriesHour, n)
	for i := range out {
		out[i].ID, out[i].Have = int64(i+1), FullHour
		for j := range ChunkMinutes {
			out[i].M[j] = g.Minute(i, t+int64(j))
		}
	}
	return out
}

func TestChunkRoundTrip(t *testing.T) {
	g := codectest.NewGen(1, 50, 100)
	g.Mix, g.Timed = true, true
	for h := range int64(5) {
		in := hourOf(g, 50, 28_000_000+h*60)
		in[3].Have = 1<<5 | 1<<59
		in[7].Have = 1
		b, err := AppendChunk(nil, in)
		if err != nil {
			t.Fatal(err)
		}
		out, err := DecodeChunk(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(in) {
			t.Fatalf("got %d series, want %d", len(out), len(in))
		}
		for i := range in {
			for j := range ChunkMinutes {
				if in[i].Have&(1<<j) == 0 {
					in[i].M[j] = slawatch.Minute{}
				}
			}
			if in[i] != out[i] {
				t.Fatalf("series %d: got %+v, want %+v", i, out[i], in[i])
			}
		}
	}
}

func TestColumnRoundTrip(t *testing.T) {
	step := make([]uint64, 60)
	ramp := make([]uint64, 60)
	spikes := make([]uint64, 60)
	for i := range step {
		step[i] = 10_000 + uint64(i%7)
		if i >= 30 {
			step[i] += 2_000 // a route change
		}
		ramp[i] = 1<<63 - 30 + uint64(i) // crosses 2⁶³
		spikes[i] = uint64(i % 5)
		if i%9 == 0 {
			spikes[i] = 1 << 40
		}
	}
	for name, vals := range map[string][]uint64{
		"one":      {42},
		"constant": {60, 60, 60, 60},
		"extremes": {0, 1<<64 - 1, 0, 1<<64 - 1, 1 << 63},
		"wrap":     {1<<64 - 1, 0, 1, 1<<64 - 2},
		"step":     step,
		"ramp":     ramp,
		"spikes":   spikes,
	} {
		b := appendColumn(nil, vals, make([]uint64, 0, len(vals)))
		d := decoder{wire.Decoder{P: b}}
		got, err := d.column(len(vals), nil)
		if err != nil || len(d.P) != 0 || !slices.Equal(got, vals) {
			t.Errorf("%s: got %v, %v (%d bytes left), want %v", name, got, err, len(d.P), vals)
		}
		t.Logf("%s: %d values in %d bytes", name, len(vals), len(b))
	}
}

// TestSquareOver: squareOver is the 128-bit ⌊sum²/r⌋ it replaces, and
// refuses exactly the sums whose square over r does not fit 64 bits.
func TestSquareOver(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	check := func(mean, rem, r uint64) {
		sum := mean*r + rem
		hi, lo := bits.Mul64(sum, sum)
		wantOK := hi < r
		var want uint64
		if wantOK {
			want, _ = bits.Div64(hi, lo, r)
		}
		got, ok := squareOver(mean, rem, r)
		if ok != wantOK || ok && got != want {
			t.Fatalf("squareOver(%d, %d, %d) = %d, %v; want %d, %v", mean, rem, r, got, ok, want, wantOK)
		}
	}
	edges := []uint64{0, 1, 2, 59, 60, 61, 1<<16 - 1, 1 << 16, 1<<31 - 1, 1 << 31, math.MaxUint32}
	for _, r := range edges[1:] {
		for _, mean := range edges {
			for _, rem := range edges {
				if rem < r {
					check(mean, rem, r)
				}
			}
			check(mean, r-1, r)
		}
	}
	for range 200_000 {
		r := 1 + rng.Uint64N(math.MaxUint32)
		if rng.IntN(2) == 0 {
			r = 1 + rng.Uint64N(120)
		}
		mean := rng.Uint64N(math.MaxUint32 + 1)
		if rng.IntN(2) == 0 {
			mean = rng.Uint64N(1 << 22)
		}
		check(mean, rng.Uint64N(r), r)
	}
}
