package engine

import (
	"fmt"
	"math/big"
	"math/bits"

	"github.com/slawatch/slawatch/catalog"
)

// threshold is a resolved comparison "x Op p/q" evaluated on integer
// fractions without floating point, so "exactly 50%" is exactly 50%.
type threshold struct {
	op    catalog.Op
	code  int8   // op as a code for the hot path: see holds
	p, q  uint64 // the value p/q, non-negative
	small bool   // p and q below 2^24: num*100*q fits 64 bits for num < 2^32
	rat   *big.Rat
}

// op codes: bit 0 "less holds", bit 1 "equal holds", bit 2 "greater holds".
var opCodes = map[catalog.Op]int8{catalog.OpGT: 4, catalog.OpGE: 6, catalog.OpLT: 1, catalog.OpLE: 3, catalog.OpEQ: 2}

// holds applies the op code to a three-way comparison result.
func (t *threshold) holds(c int) bool { return t.code&(1<<(c+1)) != 0 }

// resolve turns a template comparison into a threshold, taking a named
// parameter's value from the level.
func resolve(c *catalog.Cmp, nums map[string]*big.Rat) (threshold, error) {
	v := c.Value
	if c.Param != "" {
		var ok bool
		if v, ok = nums[c.Param]; !ok {
			return threshold{}, fmt.Errorf("parameter %q has no value", c.Param)
		}
	}
	if v.Sign() < 0 || !v.Num().IsUint64() || !v.Denom().IsUint64() || v.Num().BitLen() > 62 || v.Denom().BitLen() > 62 {
		return threshold{}, fmt.Errorf("%s: value out of range", c)
	}
	p, q := v.Num().Uint64(), v.Denom().Uint64()
	return threshold{op: c.Op, code: opCodes[c.Op], p: p, q: q, small: p < 1<<24 && q < 1<<24, rat: v}, nil
}

// ratio reports whether num/den Op p/q; den must be positive.
func (t *threshold) ratio(num, den uint64) bool {
	// num/den <=> p/q  is  num*q <=> p*den, compared in 128 bits.
	ah, al := bits.Mul64(num, t.q)
	bh, bl := bits.Mul64(t.p, den)
	return t.holds(cmp128(ah, al, bh, bl))
}

// pct reports whether 100*num/den Op p/q: a share in percent.
func (t *threshold) pct(num, den uint64) bool {
	if t.small && (num|den) < 1<<32 {
		return t.holds(cmpU(num*100*t.q, t.p*den))
	}
	h, l := bits.Mul64(num, 100)
	if h != 0 {
		return t.rat2(new(big.Rat).SetFrac(new(big.Int).Mul(new(big.Int).SetUint64(num), big.NewInt(100)), new(big.Int).SetUint64(den)))
	}
	return t.ratio(l, den)
}

// rat2 reports whether x Op the threshold.
func (t *threshold) rat2(x *big.Rat) bool { return t.holds(x.Cmp(t.rat)) }

// between reports whether the threshold is "== p/q" with p/q strictly
// between lo and hi: the one comparison whose set (a point) can lie
// inside a range without holding at either end.
func (t *threshold) between(lo, hi *big.Rat) bool {
	return t.op == catalog.OpEQ && lo.Cmp(t.rat) < 0 && t.rat.Cmp(hi) < 0
}

// shareBetween reports whether the threshold is "== p/q" and a share
// 100x/n equals p/q for some whole x strictly between a and b.
func (t *threshold) shareBetween(a, b, n int) bool {
	if t.op != catalog.OpEQ {
		return false
	}
	x := new(big.Rat).Mul(t.rat, big.NewRat(int64(n), 100)) // the x with 100x/n = p/q
	return x.IsInt() && x.Cmp(big.NewRat(int64(a), 1)) > 0 && x.Cmp(big.NewRat(int64(b), 1)) < 0
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmp128(ah, al, bh, bl uint64) int {
	switch {
	case ah != bh:
		if ah < bh {
			return -1
		}
		return 1
	case al < bl:
		return -1
	case al > bl:
		return 1
	}
	return 0
}

// uint128 accumulates sums of squares over a month without overflow.
type uint128 struct{ hi, lo uint64 }

func (u *uint128) add(v uint64) {
	var c uint64
	u.lo, c = bits.Add64(u.lo, v, 0)
	u.hi += c
}

func (u uint128) big() *big.Int {
	x := new(big.Int).SetUint64(u.hi)
	x.Lsh(x, 64)
	return x.Or(x, new(big.Int).SetUint64(u.lo))
}
