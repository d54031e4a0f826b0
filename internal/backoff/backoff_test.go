package backoff

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestCeiling(t *testing.T) {
	for _, tc := range []struct {
		b       Backoff
		attempt int
		want    time.Duration
	}{
		{Backoff{Base: 10 * time.Second, Max: time.Minute}, 1, 10 * time.Second},
		{Backoff{Base: 10 * time.Second, Max: time.Minute}, 2, 20 * time.Second},
		{Backoff{Base: 10 * time.Second, Max: time.Minute}, 3, 40 * time.Second},
		{Backoff{Base: 10 * time.Second, Max: time.Minute}, 4, time.Minute}, // capped, not 80 s
		{Backoff{Base: 10 * time.Second, Max: time.Minute}, 1 << 30, time.Minute},
		{Backoff{Base: time.Second, Max: 1<<63 - 1}, 200, 1<<63 - 1},   // no overflow
		{Backoff{Base: time.Minute, Max: time.Second}, 5, time.Minute}, // Max below Base
		{Backoff{Base: time.Second}, 0, time.Second},
		{Backoff{Base: time.Second}, 3, time.Second}, // no Max: Base
		{Backoff{}, 3, 0},
		{Backoff{Base: -1, Max: time.Second}, 3, 0},
	} {
		if got := tc.b.Ceiling(tc.attempt); got != tc.want {
			t.Errorf("%+v.Ceiling(%d) = %s, want %s", tc.b, tc.attempt, got, tc.want)
		}
	}
}

// Next stays within [ceiling - ceiling/2, ceiling] and a seeded source
// gives the same waits again.
func TestNext(t *testing.T) {
	b := Backoff{Base: 10 * time.Second, Max: time.Minute}
	rnd := rand.New(rand.NewPCG(1, 2))
	var waits []time.Duration
	for attempt := 1; attempt <= 6; attempt++ {
		c := b.Ceiling(attempt)
		d := b.Next(attempt, rnd)
		if d < c-c/2 || d > c {
			t.Errorf("attempt %d: %s outside [%s, %s]", attempt, d, c-c/2, c)
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

func TestJitter(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 2, 3, time.Millisecond, 30 * time.Second} {
		for range 100 {
			if j := Jitter(d, nil); j < d-d/2 || j > d {
				t.Fatalf("Jitter(%s) = %s, outside [%s, %s]", d, j, d-d/2, d)
			}
		}
	}
	if j := Jitter(-time.Second, nil); j != 0 {
		t.Errorf("Jitter(-1s) = %s, want 0", j)
	}
}
