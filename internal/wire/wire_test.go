package wire

import (
	"testing"

	"github.com/slawatch/slawatch"
)

// Records round-trip exactly; a truncated input fails rather than panics.
func TestRoundTrip(t *testing.T) {
	recs := []slawatch.SeriesMinute{
		{Series: "pop-tyo/a", M: slawatch.Minute{Sent: 60, Received: 59, RTTSum: 1 << 40, RTTSumSq: 1<<64 - 1, RTTMin: 7, RTTMax: 1<<32 - 1}},
		{Series: "pop-tyo/b", M: slawatch.Minute{Sent: 1}},
	}
	b := AppendRecords(nil, recs)
	for cut := 0; cut <= len(b); cut++ {
		d := Decoder{P: b[:cut]}
		prev := ""
		var got []slawatch.SeriesMinute
		for range recs {
			k, n := d.Uvarint(), d.Uvarint()
			if k > uint64(len(prev)) {
				d.Fail()
			}
			name := prev[:min(k, uint64(len(prev)))] + string(d.Bytes(n))
			var m slawatch.Minute
			d.Minute(&m)
			got, prev = append(got, slawatch.SeriesMinute{Series: name, M: m}), name
		}
		if cut < len(b) && !d.Bad {
			t.Fatalf("cut at %d of %d: no failure", cut, len(b))
		}
		if cut == len(b) && (d.Bad || got[0] != recs[0] || got[1] != recs[1]) {
			t.Fatalf("round trip: %+v, bad %v", got, d.Bad)
		}
	}
}
