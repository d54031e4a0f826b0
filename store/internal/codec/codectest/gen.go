// Package codectest makes realistic minute records for the store's tests
// and measurements: the same seed gives the same records.
package codectest

import (
	"math"
	"math/rand/v2"

	slawatch "github.com/slawatch/slawatch"
)

// Gen makes realistic steady minute records: 60 probes a minute at
// 1 Hz to a target about 10 ms away, each RTT the series' base (8 to 12
// ms) plus a slow daily drift of up to ±200 µs plus normal jitter of the
// given standard deviation; one probe in 500 is delayed by a further
// exponentially distributed 2 ms on average (queueing), 2% of minutes lose
// a burst of one to three probes anywhere in the minute and one minute in
// 5,000 loses them all. Replies are timed (AddReplyAt) when Timed is set,
// else untimed, as an agent from before reply timing sends them.
//
// With Mix set, the series are a realistic mix instead: of every ten, five
// are probed at 1 Hz, two every 30 s (at :15 and :45, the regional ISP's
// routers), one every 10 s (from :05), one at 1 Hz by an old agent that
// does not time replies, and one at 1 Hz whose probes start at a second
// that moves when its agent restarts (every few hours).
type Gen struct {
	rng    *rand.Rand
	jitter float64 // standard deviation, µs
	base   []float64
	Mix    bool
	Timed  bool
}

func NewGen(seed uint64, series int, jitter float64) *Gen {
	g := &Gen{rng: rand.New(rand.NewPCG(seed, 1)), jitter: jitter}
	for range series {
		g.base = append(g.base, 8000+4000*g.rng.Float64())
	}
	return g
}

// probing is how a series is probed: n probes a minute, every seconds
// apart from second first, their replies timed or not.
type probing struct {
	n, every, first int
	timed           bool
}

// probing returns how series i is probed in Unix minute t.
func (g *Gen) probing(i int, t int64) probing {
	p := probing{n: 60, every: 1, timed: g.Timed}
	if !g.Mix {
		return p
	}
	switch i % 10 {
	case 5, 6:
		p.n, p.every, p.first = 2, 30, 15
	case 7:
		p.n, p.every, p.first = 6, 10, 5
	case 8:
		p.timed = false
	case 9: // the phase moves at each restart; the minute's 60 probes stay
		p.first = int((t/(3*60) + int64(i)) % 7)
		p.n -= p.first
	}
	return p
}

// Minute returns series i's record of Unix minute t.
func (g *Gen) Minute(i int, t int64) slawatch.Minute {
	p := g.probing(i, t)
	var m slawatch.Minute
	lost, from := 0, 0
	switch x := g.rng.Float64(); {
	case x < 0.0002:
		lost = p.n
	case x < 0.02:
		lost = min(p.n, 1+g.rng.IntN(3))
		from = g.rng.IntN(p.n - lost + 1)
	}
	drift := 200 * math.Sin(2*math.Pi*float64(t%1440)/1440+float64(i))
	for k := range p.n {
		if k >= from && k < from+lost {
			m.AddLost()
			continue
		}
		rtt := g.base[i] + drift + g.jitter*g.rng.NormFloat64()
		if g.rng.IntN(500) == 0 {
			rtt += g.rng.ExpFloat64() * 2000
		}
		if p.timed {
			m.AddReplyAt(uint32(max(rtt, 1)), p.first+k*p.every)
		} else {
			m.AddReply(uint32(max(rtt, 1)))
		}
	}
	return m
}
