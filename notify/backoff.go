package notify

import (
	"math/rand/v2"
	"time"

	"github.com/slawatch/slawatch/internal/backoff"
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
// global source. The calculation is internal/backoff's, shared with the
// agent's delivery; only the defaults are the notices' own.
func (b Backoff) Next(attempt int, rnd *rand.Rand) time.Duration {
	if b.Base <= 0 {
		b.Base = DefaultBackoffBase
	}
	if b.Max <= 0 {
		b.Max = DefaultBackoffMax
	}
	return backoff.Backoff{Base: b.Base, Max: b.Max}.Next(attempt, rnd)
}
