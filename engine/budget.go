package engine

import (
	"math/big"

	"github.com/slawatch/slawatch/catalog"
)

// Budget is a level's error budget for the month: of the month's
// minutes not excluded (Basis), how many may be down with the objective
// still met (Allowed), how many are so far (Used) and what is left (Left,
// negative once the objective is missed). Availability levels only.
type Budget struct{ Basis, Allowed, Used, Left int }

// budget works out the error budget of an availability objective: the
// most down minutes d of the month's basis B for which (B-d)/B still
// meets the objective, by the objective's own comparison. The basis is
// the whole month less the minutes excluded so far: during the month the
// budget is the month's, not the days gone by's. nil when the objective
// is not of the form "availability >= or > X%", or no down minute would
// meet it.
func budget(t threshold, monthMinutes, excluded, down int) *Budget {
	b := monthMinutes - excluded
	if b <= 0 || (t.op != catalog.OpGE && t.op != catalog.OpGT) {
		return nil
	}
	meets := func(d int) bool { return d >= 0 && d <= b && t.rat2(big.NewRat(int64(b-d)*100, int64(b))) }
	// the first guess, floor(b*(100-X)/100), is moved to the exact edge
	// by the comparison itself (strict or not)
	x := new(big.Rat).Sub(big.NewRat(100, 1), t.rat)
	x.Mul(x, big.NewRat(int64(b), 100))
	d := int(new(big.Int).Quo(x.Num(), x.Denom()).Int64())
	for d >= 0 && !meets(d) {
		d--
	}
	for meets(d + 1) {
		d++
	}
	if d < 0 {
		return nil
	}
	return &Budget{Basis: b, Allowed: d, Used: down, Left: d - down}
}
