package wire

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/wire/wiretest"
)

// decodeRecords reads n records as AppendRecords wrote them.
func decodeRecords(d *Decoder, n int, l Layout) []slawatch.SeriesMinute {
	prev := ""
	var got []slawatch.SeriesMinute
	for range n {
		k, m := d.Uvarint(), d.Uvarint()
		if k > uint64(len(prev)) {
			d.Fail()
		}
		name := prev[:min(k, uint64(len(prev)))] + string(d.Bytes(m))
		var r slawatch.Minute
		d.Minute(&r, l)
		got, prev = append(got, slawatch.SeriesMinute{Series: name, M: r}), name
	}
	return got
}

var sample = []slawatch.SeriesMinute{
	{Series: "pop-tyo/a", M: slawatch.Minute{Sent: 60, Received: 59, RTTSum: 1 << 40, RTTSumSq: 1<<64 - 1, RTTMin: 7, RTTMax: 1<<32 - 1, FirstReply: 1, LastReply: 60}},
	{Series: "pop-tyo/b", M: slawatch.Minute{Sent: 1}},
	{Series: "pop-tyo/c", M: slawatch.Minute{Sent: 2, Received: 2, RTTSum: 20, RTTSumSq: 200, RTTMin: 10, RTTMax: 10, FirstReply: 255, LastReply: 255}},
}

// Records round-trip exactly in either layout (Untimed without their
// timing); a truncated input fails rather than panics.
func TestRoundTrip(t *testing.T) {
	for _, l := range []Layout{Untimed, Timed} {
		want := slices.Clone(sample)
		if l == Untimed {
			for i := range want {
				want[i].M.FirstReply, want[i].M.LastReply = 0, 0
			}
		}
		b := AppendRecords(nil, sample, l)
		for cut := 0; cut <= len(b); cut++ {
			d := Decoder{P: b[:cut]}
			got := decodeRecords(&d, len(sample), l)
			if cut < len(b) && !d.Bad {
				t.Fatalf("layout %d: cut at %d of %d: no failure", l, cut, len(b))
			}
			if cut == len(b) && (d.Bad || !slices.Equal(got, want)) {
				t.Fatalf("layout %d: round trip: %+v, bad %v", l, got, d.Bad)
			}
		}
	}
}

// Any records, timing included, come back equal through Timed, sorted or
// not; each takes at least MinBytes after its name.
func TestRoundTripProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		recs := wiretest.RandomRecords(rng, rng.IntN(20))
		b := AppendRecords(nil, recs, Timed)
		d := Decoder{P: b}
		got := decodeRecords(&d, len(recs), Timed)
		if d.Bad || len(d.P) != 0 || !slices.Equal(got, recs) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, recs)
		}
	}
}

// Uint8 refuses what does not fit 8 bits.
func TestUint8(t *testing.T) {
	d := Decoder{P: []byte{0xff, 0x01, 0x80, 0x02}} // 255, 256
	if v := d.Uint8(); v != 255 || d.Bad {
		t.Fatalf("255: %d %v", v, d.Bad)
	}
	if v := d.Uint8(); v != 0 || !d.Bad {
		t.Fatalf("256: %d %v", v, d.Bad)
	}
}
