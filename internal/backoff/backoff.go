// Package backoff spaces the retries of anything that talks to a peer
// that may be away (a mail relay, a slawatch server): the wait doubles
// from a base with every failed attempt up to a ceiling, and is jittered
// down by up to half, so that clients cut off together do not all come
// back at the same instant. It is the one backoff of slawatch: notices
// (notify.Backoff) and the agent's delivery (package deliver) both use it.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Backoff is a doubling wait from Base up to Max. A Max below Base counts
// as Base; a Base of zero or less makes every wait zero.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
}

// Ceiling is the wait after the attempt-th failed attempt (1 after the
// first) before jitter: min(Base·2^(attempt-1), Max), never overflowing.
func (b Backoff) Ceiling(attempt int) time.Duration {
	if b.Base <= 0 {
		return 0
	}
	ceiling := max(b.Max, b.Base)
	d := b.Base
	for i := 1; i < attempt && d < ceiling; i++ {
		if d > ceiling/2 {
			d = ceiling
		} else {
			d *= 2
		}
	}
	return d
}

// Next is the jittered wait after the attempt-th failed attempt: between
// half and all of Ceiling(attempt). rnd supplies the jitter, so that a
// seeded one gives the same waits every time; nil uses the global source.
func (b Backoff) Next(attempt int, rnd *rand.Rand) time.Duration {
	return Jitter(b.Ceiling(attempt), rnd)
}

// Jitter returns a wait between half and all of d (d - d/2 to d), drawn
// from rnd, or from the global source when rnd is nil.
func Jitter(d time.Duration, rnd *rand.Rand) time.Duration {
	if d <= 0 {
		return 0
	}
	half := d / 2
	if rnd == nil {
		return d - rand.N(half+1)
	}
	return d - time.Duration(rnd.Int64N(int64(half)+1))
}
