package notify

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	b := Backoff{Base: 10 * time.Second, Max: time.Minute}
	// The ceilings before jitter: 10s, 20s, 40s, then the 1m cap.
	ceilings := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute, time.Minute}
	rnd := rand.New(rand.NewPCG(1, 2))
	var waits []time.Duration
	for i, c := range ceilings {
		d := b.Next(i+1, rnd)
		if d < c/2 || d > c {
			t.Errorf("attempt %d: %s outside [%s, %s]", i+1, d, c/2, c)
		}
		waits = append(waits, d)
	}
	rnd = rand.New(rand.NewPCG(1, 2))
	for i, w := range waits {
		if d := b.Next(i+1, rnd); d != w {
			t.Errorf("attempt %d: %s, then %s with the same seed", i+1, w, d)
		}
	}
}

func TestBackoffEdges(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		b       Backoff
		attempt int
		lo, hi  time.Duration
	}{
		{Backoff{}, 1, DefaultBackoffBase / 2, DefaultBackoffBase},
		{Backoff{}, 100, DefaultBackoffMax / 2, DefaultBackoffMax},
		{Backoff{Base: time.Second, Max: time.Hour}, 1 << 30, 30 * time.Minute, time.Hour},
		{Backoff{Base: time.Second, Max: 1<<63 - 1}, 200, (1<<63 - 1) / 2, 1<<63 - 1},
		{Backoff{Base: time.Minute, Max: time.Second}, 5, 30 * time.Second, time.Minute}, // Max below Base
		{Backoff{Base: time.Second}, 0, time.Second / 2, time.Second},
		{Backoff{Base: 1, Max: 1}, 3, 1, 1},
	} {
		if d := tc.b.Next(tc.attempt, rnd); d < tc.lo || d > tc.hi {
			t.Errorf("%+v.Next(%d) = %s, want within [%s, %s]", tc.b, tc.attempt, d, tc.lo, tc.hi)
		}
	}
	if d := (Backoff{}).Next(2, nil); d < DefaultBackoffBase || d > 2*DefaultBackoffBase {
		t.Errorf("nil rnd: %s", d)
	}
}
