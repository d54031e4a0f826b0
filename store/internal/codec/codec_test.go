package codec

import slawatch "github.com/slawatch/slawatch"

// t0 is a Unix minute at the start of an hour (2026-09-21T00:00Z).
const t0 = 29_832_480

// rec returns a record of n probes, lost of them lost, the others
// answered in rtt, rtt+1, ... µs.
func rec(series string, n, lost int, rtt uint32) slawatch.SeriesMinute {
	var m slawatch.Minute
	for i := range n {
		if i < lost {
			m.AddLost()
		} else {
			m.AddReply(rtt + uint32(i))
		}
	}
	return slawatch.SeriesMinute{Series: series, M: m}
}
