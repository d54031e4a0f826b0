package engine

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/slawatch/slawatch/catalog"
)

// quorumRule is a rule over n members combined by combine, with the
// comparison when ("" for all and any).
func quorumRule(t *testing.T, combine, when string, n int) *rule {
	t.Helper()
	r := &rule{tpl: &catalog.Minute{Down: catalog.Down{Combine: combine}}, series: make([]int32, n)}
	if when != "" {
		c, err := catalog.ParseCmp(when)
		if err != nil {
			t.Fatal(err)
		}
		if r.when, err = resolve(&c, nil); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

var statusName = map[uint8]string{up: "up", down: "down", unknown: "unknown"}

// A k-of-n minute is down when the members known to have failed satisfy
// the rule whatever the unknown ones are, up when no value of the unknown
// ones can satisfy it, unknown otherwise. Each row: n members, f known to
// have failed, u unknown, the rest known up.
func TestQuorumThreeValued(t *testing.T) {
	for _, c := range []struct {
		combine, when string
		n, f, u       int
		want          uint8
	}{
		// share >= 50 of 4 (PrivateAccess "50% of gateways", CDN "50% or
		// more of edge probes"): k = 2 failures.
		// 1 failed, 2 unknown, 1 up: failures lie in [1, 3] = 25%..75%:
		// 25% does not hold, 75% does: unknown. (Among the measured only,
		// 1 of 2 = 50%, the minute used to be down.)
		{"share", ">= 50", 4, 1, 2, unknown},
		// 2 failed, 2 unknown: [2, 4] = 50%..100%, every value holds: down.
		{"share", ">= 50", 4, 2, 2, down},
		// 1 failed, 1 unknown, 2 up: [1, 2] = 25%..50%: 50% holds, so the
		// unknown gateway can reach k = 2: unknown. (It used to be up: 1 of
		// 3 measured = 33%.)
		{"share", ">= 50", 4, 1, 1, unknown},
		// 1 failed, 1 unknown, 3 up of 5: [1, 2] = 20%..40%: none holds: up.
		{"share", ">= 50", 5, 1, 1, up},
		// nothing known: [0, 4] = 0%..100%: unknown.
		{"share", ">= 50", 4, 0, 4, unknown},
		// every member known: the plain share. 2 of 4 = 50%: down; 1 of 4: up.
		{"share", ">= 50", 4, 2, 0, down},
		{"share", ">= 50", 4, 1, 0, up},
		// strictly above 50% of 4 (k = 3): 2 failed + 2 unknown = [50%, 100%]: unknown.
		{"share", "> 50", 4, 2, 2, unknown},
		{"share", "> 50", 4, 3, 1, down},
		{"share", "> 50", 4, 1, 1, up},
		// a falling comparison "< 50" (down while fewer than half fail):
		// [0, 1] of 4 = 0%..25%, both hold: down; [1, 3]: unknown; [2, 4]: up.
		{"share", "< 50", 4, 0, 1, down},
		{"share", "< 50", 4, 1, 2, unknown},
		{"share", "< 50", 4, 2, 2, up},
		// "== 50" of 4 holds at exactly 2 failures: [1, 3] holds only between
		// its ends: unknown, not up; [0, 1] never: up; [2, 2]: down.
		{"share", "== 50", 4, 1, 2, unknown},
		{"share", "== 50", 4, 0, 1, up},
		{"share", "== 50", 4, 2, 0, down},
		// "== 50" of 5 can never hold (2.5 failures): up whatever is unknown.
		{"share", "== 50", 5, 0, 5, up},
		// all (at ALL 3 locations, both lines): k = n.
		{"all", "", 3, 3, 0, down},
		{"all", "", 3, 2, 1, unknown}, // the unmeasured location decides
		{"all", "", 3, 1, 1, up},      // one location known up: never all
		{"all", "", 3, 0, 3, unknown},
		// any (a tunnel down among the site's tunnels): k = 1.
		{"any", "", 2, 1, 1, down}, // one known down decides
		{"any", "", 2, 0, 1, unknown},
		{"any", "", 2, 0, 0, up},
	} {
		name := fmt.Sprintf("%s%s/n%d/f%d/u%d", c.combine, c.when, c.n, c.f, c.u)
		t.Run(name, func(t *testing.T) {
			if got := quorumRule(t, c.combine, c.when, c.n).combine(c.f, c.u); got != c.want {
				t.Errorf("got %s, want %s", statusName[got], statusName[c.want])
			}
		})
	}
}

// decide and threshold.between on a range of sums (the e2e rule): the
// set where a comparison holds is a ray or a point, so the two ends of
// the range decide, but for "==" with its point strictly inside.
func TestQuorumRangeOfSums(t *testing.T) {
	for _, c := range []struct {
		when   string
		lo, hi int64
		want   uint8
	}{
		{"> 50", 100, 200, down},   // POP-to-POP lost everything: down whatever else
		{"> 50", 20, 120, unknown}, // 20% measured, one segment unmeasured
		{"> 50", 50, 50, up},       // exactly 50, every segment measured
		{"> 50", 0, 0, up},
		{">= 50", 50, 150, down},
		{"< 10", 0, 5, down},
		{"< 10", 5, 105, unknown},
		{"< 10", 10, 110, up},
		{"== 50", 20, 120, unknown}, // 50 lies inside
		{"== 50", 60, 160, up},
		{"== 50", 50, 50, down},
	} {
		t.Run(fmt.Sprintf("%s/%d-%d", c.when, c.lo, c.hi), func(t *testing.T) {
			r := quorumRule(t, "loss_sum", c.when, 3)
			lo, hi := ratOf(c.lo), ratOf(c.hi)
			if got := decide(r.when.rat2(lo), r.when.rat2(hi), r.when.between(lo, hi)); got != c.want {
				t.Errorf("got %s, want %s", statusName[got], statusName[c.want])
			}
		})
	}
}

func ratOf(x int64) *big.Rat { return big.NewRat(x, 1) }
