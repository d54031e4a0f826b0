package icmpresponder

import (
	"math"
	"testing"
)

func TestFraction(t *testing.T) {
	tests := []struct {
		share float64
		p, q  uint64
	}{
		{0, 0, 1},
		{-0.5, 0, 1},
		{math.NaN(), 0, 1},
		{1e-15, 0, 1},
		{0.25, 1, 4},
		{0.1, 1, 10},
		{0.29, 29, 100},
		{1.0 / 3, 1, 3},
		{2.0 / 3, 2, 3},
		{0.999, 999, 1000},
		{0.123456, 1929, 15625},
		{1, 1, 1},
		{7, 1, 1},
	}
	for _, tt := range tests {
		if p, q := fraction(tt.share); p != tt.p || q != tt.q {
			t.Errorf("fraction(%v) = %d/%d, want %d/%d", tt.share, p, q, tt.p, tt.q)
		}
	}
}

// TestFractionIsClose checks shares with no short fraction.
func TestFractionIsClose(t *testing.T) {
	for _, share := range []float64{math.Pi / 4, math.Sqrt2 / 2, 1 / math.E, 0.7071067811865476, 1e-9} {
		p, q := fraction(share)
		if q == 0 || p > q || math.Abs(float64(p)/float64(q)-share) > 1e-12 {
			t.Errorf("fraction(%v) = %d/%d, off by %g", share, p, q, float64(p)/float64(q)-share)
		}
	}
}

// TestLossIsExactAtEveryCount checks the promise to tests: after n
// requests exactly floor(n*p/q) are dropped, for every n.
func TestLossIsExactAtEveryCount(t *testing.T) {
	for _, share := range []float64{0, 0.01, 0.1, 0.25, 0.29, 1.0 / 3, 0.5, 0.999, 1} {
		var l loss
		l.set(share)
		p, q := fraction(share)
		var dropped uint64
		for n := uint64(1); n <= 10000; n++ {
			if l.drop() {
				dropped++
			}
			if want := n * p / q; dropped != want {
				t.Fatalf("share %v: %d dropped of %d, want %d", share, dropped, n, want)
			}
		}
	}
}

func TestSetLossRestartsTheCount(t *testing.T) {
	var l loss
	l.set(0.5)
	if l.drop() {
		t.Fatal("first request of 1/2 dropped")
	}
	l.set(0.5)
	if l.drop() {
		t.Error("first request after set dropped: the count did not restart")
	}
	if !l.drop() {
		t.Error("second request after set kept")
	}
}
