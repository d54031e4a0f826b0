package store

import (
	"math"
	"math/rand/v2"

	slawatch "github.com/slawatch/slawatch"
)

// steadyGen makes realistic steady minute records: 60 probes a minute to
// a target about 10 ms away, each RTT the series' base (8 to 12 ms) plus a
// slow daily drift of up to ±200 µs plus normal jitter of the given
// standard deviation; one probe in 500 is delayed by a further
// exponentially distributed 2 ms on average (queueing), 2% of minutes lose
// one to three probes and one minute in 5,000 loses them all.
type steadyGen struct {
	rng    *rand.Rand
	jitter float64 // standard deviation, µs
	base   []float64
}

func newSteadyGen(seed uint64, series int, jitter float64) *steadyGen {
	g := &steadyGen{rng: rand.New(rand.NewPCG(seed, 1)), jitter: jitter}
	for range series {
		g.base = append(g.base, 8000+4000*g.rng.Float64())
	}
	return g
}

// minute returns series i's record of Unix minute t.
func (g *steadyGen) minute(i int, t int64) slawatch.Minute {
	var m slawatch.Minute
	lost := 0
	switch x := g.rng.Float64(); {
	case x < 0.0002:
		lost = 60
	case x < 0.02:
		lost = 1 + g.rng.IntN(3)
	}
	drift := 200 * math.Sin(2*math.Pi*float64(t%1440)/1440+float64(i))
	for p := range 60 {
		if p < lost {
			m.AddLost()
			continue
		}
		rtt := g.base[i] + drift + g.jitter*g.rng.NormFloat64()
		if g.rng.IntN(500) == 0 {
			rtt += g.rng.ExpFloat64() * 2000
		}
		m.AddReply(uint32(max(rtt, 1)))
	}
	return m
}
