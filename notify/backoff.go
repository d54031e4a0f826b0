package notify

import (
	"math/rand/v2"
	"time"
)

// Backoff spaces the retries of a notice: the wait doubles from Base with
// every attempt up to Max, and is then jittered down by up to half, so
// that notices that failed together (a relay that went away) do not come
// back together. With the defaults, a notice is tried about a dozen times in
// its first 30 minutes.
type Backoff struct {
	Base time.Duration // 15s if zero
	Max  time.Duration // 5m if zero; at least Base
}

// Backoff defaults.
const (
	DefaultBackoffBase = 15 * time.Second
	DefaultBackoffMax  = 5 * time.Minute
)

// Next is the wait after the attempt-th failed attempt (1 after the first):
// between half and all of min(Base·2^(attempt-1), Max). rnd supplies the
// jitter, so a seeded one gives the same waits every time; nil uses the
// global source.
func (b Backoff) Next(attempt int, rnd *rand.Rand) time.Duration {
	base, ceiling := b.Base, b.Max
	if base <= 0 {
		base = DefaultBackoffBase
	}
	if ceiling <= 0 {
		ceiling = DefaultBackoffMax
	}
	ceiling = max(ceiling, base)
	d := base
	for i := 1; i < attempt && d < ceiling; i++ {
		if d > ceiling/2 {
			d = ceiling // and never overflowing
		} else {
			d *= 2
		}
	}
	half := d / 2
	if rnd == nil {
		return d - rand.N(half+1)
	}
	return d - time.Duration(rnd.Int64N(int64(half)+1))
}
