package engine

import (
	"math/big"
	"testing"

	"github.com/slawatch/slawatch/catalog"
)

// The error budget is the most down minutes that still meet the
// objective, by the objective's own comparison.
func TestBudget(t *testing.T) {
	th := func(op catalog.Op, v string) threshold {
		r, _ := new(big.Rat).SetString(v)
		x, err := resolve(&catalog.Cmp{Op: op, Value: r}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	for _, c := range []struct {
		name                  string
		t                     threshold
		month, excluded, down int
		want                  *Budget
	}{
		// 44,640 × 0.01% = 4.464: 4 down → 44,636/44,640 = 99.99104% ≥
		// 99.99; 5 → 99.98880%, not
		{"99.99% of October", th(catalog.OpGE, "99.99"), 44640, 0, 1, &Budget{44640, 4, 1, 3}},
		// 43,200 × 0.1% = 43.2: 43
		{"99.9% of a 30-day month", th(catalog.OpGE, "99.9"), 43200, 0, 50, &Budget{43200, 43, 50, -7}},
		// strictly above 99.9% of 10,000: 10 down is exactly 99.9%, not above: 9
		{"strict", th(catalog.OpGT, "99.9"), 10000, 0, 0, &Budget{10000, 9, 0, 9}},
		// excluded minutes leave the basis: 44,640 − 640 = 44,000 × 0.5% = 220
		{"99.5% less an exclusion", th(catalog.OpGE, "99.5"), 44640, 640, 220, &Budget{44000, 220, 220, 0}},
		// IIJ: always reachable (100%): no down minute
		{"100%", th(catalog.OpGE, "100"), 44640, 0, 7, &Budget{44640, 0, 7, -7}},
		{"above 100%: none", th(catalog.OpGT, "100"), 44640, 0, 0, nil},
		{"all excluded", th(catalog.OpGE, "99.9"), 44640, 44640, 0, nil},
		{"an upper bound is no budget", th(catalog.OpLE, "0.1"), 44640, 0, 0, nil},
	} {
		got := budget(c.t, c.month, c.excluded, c.down)
		if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
