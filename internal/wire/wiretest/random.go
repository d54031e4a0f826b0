// Package wiretest makes minute records for the property tests of the
// carriers of package wire.
package wiretest

import (
	"fmt"
	"math/rand/v2"

	"github.com/slawatch/slawatch"
)

// RandomRecords returns n records for the carriers' property tests:
// names sharing prefixes, any numbers a field can hold (consistent or
// not), timing included, untimed or absent in some.
func RandomRecords(rng *rand.Rand, n int) []slawatch.SeriesMinute {
	recs := make([]slawatch.SeriesMinute, n)
	for i := range recs {
		recs[i] = slawatch.SeriesMinute{Series: fmt.Sprintf("pop-%d/cust-%d", rng.IntN(3), rng.IntN(1000)), M: randomMinute(rng)}
	}
	return recs
}

func randomMinute(rng *rand.Rand) slawatch.Minute {
	m := slawatch.Minute{Sent: rng.Uint32(), Received: rng.Uint32(), RTTSum: rng.Uint64(), RTTSumSq: rng.Uint64(),
		RTTMin: rng.Uint32(), RTTMax: rng.Uint32(), FirstReply: uint8(rng.UintN(256)), LastReply: uint8(rng.UintN(256))}
	if rng.IntN(2) == 0 { // small numbers, as most are
		m.Sent, m.Received, m.RTTSum, m.RTTSumSq = m.Sent%61, m.Received%61, m.RTTSum%1e6, m.RTTSumSq%1e12
		m.RTTMin, m.RTTMax, m.FirstReply, m.LastReply = m.RTTMin%1e5, m.RTTMax%1e5, m.FirstReply%61, m.LastReply%61
	}
	if rng.IntN(4) == 0 {
		m.FirstReply, m.LastReply = 0, 0
	}
	return m
}
