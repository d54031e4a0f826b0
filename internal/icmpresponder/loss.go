package icmpresponder

import (
	"math"
	"math/bits"
	"sync"
)

// loss drops a share p/q of requests as evenly and exactly as integers
// allow, like Bresenham's line: the n-th request since set is dropped when
// floor(n*p/q) exceeds the drops so far, so any first n requests hold
// exactly floor(n*p/q) drops.
type loss struct {
	mu      sync.Mutex
	p, q    uint64
	n, gone uint64 // requests and drops since set
}

func (l *loss) set(share float64) {
	p, q := fraction(share)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.p, l.q, l.n, l.gone = p, q, 0, 0
}

// drop counts one request and reports whether to drop it.
func (l *loss) drop() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.p == 0 {
		return false
	}
	l.n++
	// n*p/q <= n, so the quotient fits and Div64 cannot panic.
	hi, lo := bits.Mul64(l.n, l.p)
	if due, _ := bits.Div64(hi, lo, l.q); due > l.gone {
		l.gone++
		return true
	}
	return false
}

// fraction returns the simplest fraction p/q within 1e-12 of share
// clamped to [0, 1], from the continued fraction of share. A float such
// as 0.29 is not 29/100 exactly; floor(100*0.29) in floats is 28.
func fraction(share float64) (p, q uint64) {
	switch {
	case !(share > 0): // also NaN
		return 0, 1
	case share >= 1:
		return 1, 1
	}
	p0, q0, p1, q1 := uint64(0), uint64(1), uint64(1), uint64(0)
	x := share
	for {
		a := math.Floor(x)
		if a*float64(q1) > 1<<53 { // beyond float precision: done
			return p1, q1
		}
		p0, q0, p1, q1 = p1, q1, uint64(a)*p1+p0, uint64(a)*q1+q0
		if x == a || math.Abs(share-float64(p1)/float64(q1)) <= 1e-12 {
			return p1, q1
		}
		x = 1 / (x - a)
	}
}
