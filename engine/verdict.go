package engine

import (
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract"
)

// judge compares the month with the objective. It returns nil when the
// month cannot be judged from what was given.
func (lv *level) judge(rep *LevelReport, avail *big.Rat, q quantity) (*bool, error) {
	o := lv.l.Template.Objective
	switch {
	case o.AvailabilityCmp != nil:
		if t, err := resolve(o.AvailabilityCmp, lv.l.Numbers); err == nil && rep.DownMinutes != nil {
			rep.Budget = budget(t, int(lv.e.m1-lv.e.m0), rep.ExcludedMinutes, *rep.DownMinutes)
		}
		if avail == nil {
			rep.Reasons = append(rep.Reasons, "every minute of the month is excluded: nothing to judge")
			return nil, nil
		}
		if rep.MeasuredMinutes == 0 {
			rep.Reasons = append(rep.Reasons, "no minute of the month was measured: nothing to judge")
			return nil, nil
		}
		t, err := resolve(o.AvailabilityCmp, lv.l.Numbers)
		if err != nil {
			return nil, err
		}
		rep.Objective += " (availability " + t.String() + "%)"
		return ptr(t.rat2(avail)), nil
	case o.ValueCmp != nil:
		t, err := resolve(o.ValueCmp, lv.l.Numbers)
		if err != nil {
			return nil, err
		}
		rep.Objective += " (" + lv.l.Template.Value.ReportAs + " " + t.String() + ")"
		if !q.ok {
			return nil, nil
		}
		return ptr(q.holds(t)), nil
	}
	return nil, nil
}

// creditPct returns the credit percentage the month earns.
func (lv *level) creditPct(rep *LevelReport, downMin int, q quantity, met *bool) (*big.Rat, error) {
	c := lv.l.Template.Credit
	zero := new(big.Rat)
	switch {
	case c.Base.Fee == "":
		if c.FromContract {
			rep.Reasons = append(rep.Reasons, "the SLA states no credit for this level and the contract supplies none")
		}
		return zero, nil
	case len(c.Tiers) > 0:
		return lv.tierPct(rep, downMin), nil
	case c.WhenCmp != nil:
		t, err := resolve(c.WhenCmp, lv.l.Numbers)
		if err != nil || !q.ok || !q.holds(t) {
			return zero, err
		}
		rep.Reasons = append(rep.Reasons, fmt.Sprintf("%s %s %s: flat credit", lv.l.Template.Value.ReportAs, q.format(6), t))
	case c.Missed:
		if met == nil || *met {
			return zero, nil
		}
		rep.Reasons = append(rep.Reasons, "objective missed: flat credit")
	}
	if c.PctBy != nil {
		v := lv.l.Enums[c.PctBy.Param]
		return c.PctBy.Rats[v], nil
	}
	return c.PctRat, nil
}

func (lv *level) tierPct(rep *LevelReport, d int) *big.Rat {
	tiers := lv.l.Template.Credit.Tiers
	// a probe-timed level's down time is exact to the second: its tiers
	// compare seconds with the bounds' minutes
	sec, what := int64(d)*60, fmt.Sprintf("%d %s", d, lv.tierUnit())
	if lv.downSec >= 0 {
		sec, what = lv.downSec, fmtDuration(lv.downSec)+" down"
	}
	for _, tr := range tiers {
		if sec > int64(tr.Above)*60 && (tr.UpTo == 0 || sec <= int64(tr.UpTo)*60) {
			bound := fmt.Sprintf("%d < d <= %d", tr.Above, tr.UpTo)
			if tr.UpTo == 0 {
				bound = fmt.Sprintf("%d < d", tr.Above)
			}
			rep.Reasons = append(rep.Reasons, fmt.Sprintf("%s: %s -> %s%%", what, bound, tr.Pct))
			return tr.PctRat
		}
	}
	if sec > 0 {
		rep.Reasons = append(rep.Reasons, fmt.Sprintf("%s: not above %d, no credit", what, tiers[0].Above))
	}
	return new(big.Rat)
}

// tierUnit names what a level's credit tiers count.
func (lv *level) tierUnit() string {
	if lv.l.Template.Timer != nil {
		return "business days late"
	}
	return "down minutes"
}

// base returns the fee the level's credit percentage applies to, and how
// it was derived.
func (lv *level) base() (*big.Rat, string) {
	c := lv.l.Template.Credit.Base
	svc := lv.l.Service.Service
	fee := svc.Fees[c.Fee]
	r := fee.Rat()
	if c.DividedBy == "" {
		return r, fmt.Sprintf("%s %s", c.Fee, fee)
	}
	n := lv.l.Numbers[c.DividedBy]
	r.Quo(r, n)
	return r, fmt.Sprintf("%s %s / %s %s", c.Fee, fee, n.RatString(), c.DividedBy)
}

// finishService computes the credits of a service's judged levels,
// applies claims, then its caps, and sets what each claim is worth.
func (e *Evaluator) finishService(s *contract.BoundService, levels []*level, results map[*level]*result) ServiceReport {
	sr := ServiceReport{ID: s.Service.ID, Site: s.Service.Site}
	amounts := make([]decimal.Decimal, len(levels))
	chosen := make([][]creditLine, len(levels))
	for i, lv := range levels {
		res := results[lv]
		lines := lv.candidates(res)
		for k := range lines {
			lines[k].earned = lines[k].amount
		}
		e.applyClaims(s, lv, &res.rep, lines)
		chosen[i] = lv.choose(res, lines)
		for _, ln := range chosen[i] {
			if !ln.forfeit {
				amounts[i] = amounts[i].Add(ln.amount)
			}
		}
		sr.Levels = append(sr.Levels, res.rep)
	}
	capped := e.applyCaps(s, levels, sr.Levels, amounts)
	total := decimal.Zero
	for i := range sr.Levels {
		sr.Levels[i].Credit = e.amount(amounts[i])
		e.owe(&sr.Levels[i], chosen[i], amounts[i], capped[i])
		total = total.Add(amounts[i])
	}
	sr.Credit = e.amount(total)
	return sr
}

// owe shares a level's credit after caps among its claimed lines, in
// their order (the items' time order), and sets each line's claim and
// item to what it is owed, naming the limit and caps that reduced it.
// A forfeited line keeps what it earned: nothing of it is owed, and its
// claim's status and reason say so.
func (e *Evaluator) owe(rep *LevelReport, lines []creditLine, credit decimal.Decimal, caps []string) {
	left, earned := credit, decimal.Zero
	var names []string
	for k := range lines {
		ln := &lines[k]
		if ln.forfeit {
			continue
		}
		owed := decimal.Min(ln.amount, left)
		left = left.Sub(owed)
		earned = earned.Add(ln.earned)
		var by []string
		if ln.limit != "" {
			by = append(by, ln.limit)
		}
		if owed.LessThan(ln.amount) {
			by = append(by, caps...)
		}
		names = appendNew(names, by...)
		e.setOwed(rep, ln, owed, strings.Join(by, ", "))
	}
	if !earned.Equal(credit) {
		rep.PreCap, rep.Cap = ptr(e.amount(earned)), strings.Join(names, ", ")
	}
}

// setOwed writes a line's amount owed into its claim and item.
func (e *Evaluator) setOwed(rep *LevelReport, ln *creditLine, owed decimal.Decimal, by string) {
	var pre *decimal.Decimal
	if !owed.Equal(ln.earned) {
		pre = ptr(e.amount(ln.earned))
	}
	if c := ln.claim; c != nil {
		c.Amount, c.PreCap, c.Cap = e.amount(owed), pre, by
	}
	if ln.item >= 0 && ln.item < len(rep.Items) {
		it := &rep.Items[ln.item]
		it.Credit, it.PreCap, it.Cap = ptr(e.amount(owed)), pre, by
	}
}

// appendNew appends the strings of add not yet in list.
func appendNew(list []string, add ...string) []string {
	for _, a := range add {
		if !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	return list
}

// applyCaps bounds the credits of the levels naming each cap, taking the
// levels in the service's order. It returns, per level, the IDs of the
// caps that reduced it.
func (e *Evaluator) applyCaps(s *contract.BoundService, levels []*level, reps []LevelReport, amounts []decimal.Decimal) [][]string {
	capped := make([][]string, len(levels))
	done := map[string]bool{}
	for _, lv := range levels {
		for _, cp := range lv.l.Caps {
			if done[cp.ID] {
				continue
			}
			done[cp.ID] = true
			fee := s.Service.Fees[cp.Fee]
			// A cap is never exceeded: its limit rounds down.
			limit := roundDown(percent(fee.Rat(), cp.PctRat), e.b.Scale)
			left := limit
			for i, other := range levels {
				if !names(other, cp.ID) {
					continue
				}
				if amounts[i].GreaterThan(left) {
					reps[i].CapApplied = true
					reps[i].Reasons = append(reps[i].Reasons, fmt.Sprintf("%s: the service's credits this month are capped at %s%% of %s %s = %s; credit reduced from %s to %s",
						cp.ID, cp.Pct, cp.Fee, fee, e.money(limit), e.money(amounts[i]), e.money(left)))
					amounts[i] = left
					capped[i] = append(capped[i], cp.ID)
				}
				left = left.Sub(amounts[i])
			}
		}
	}
	return capped
}

func names(lv *level, capID string) bool {
	for _, c := range lv.l.Caps {
		if c.ID == capID {
			return true
		}
	}
	return false
}

func (e *Evaluator) total(c *CustomerReport) {
	sum := decimal.Zero
	for _, s := range c.Services {
		for _, l := range s.Levels {
			c.Levels++
			switch {
			case l.Met == nil:
				c.Open++
			case *l.Met:
				c.Met++
			default:
				c.Missed++
			}
		}
		sum = sum.Add(s.Credit)
	}
	c.Credit = e.amount(sum)
}

// round rounds a non-negative amount half-up to the currency's minor unit.
func (e *Evaluator) round(r *big.Rat) decimal.Decimal {
	return roundHalfUp(r, e.b.Scale)
}

// money prints an amount as the reports do: to the currency's minor unit.
func (e *Evaluator) money(d decimal.Decimal) string { return d.StringFixed(e.b.Scale) }

// amount is d rounded to the currency's minor unit, as money prints it.
func (e *Evaluator) amount(d decimal.Decimal) decimal.Decimal { return d.Round(e.b.Scale) }

// roundDown rounds r >= 0 down to scale decimal places.
func roundDown(r *big.Rat, scale int32) decimal.Decimal {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)
	q := new(big.Int).Quo(new(big.Int).Mul(r.Num(), p), r.Denom())
	return decimal.NewFromBigInt(q, -scale)
}

// roundHalfUp rounds r >= 0 to scale decimal places, halves up.
func roundHalfUp(r *big.Rat, scale int32) decimal.Decimal {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)
	num := new(big.Int).Mul(r.Num(), p)
	q, rem := new(big.Int).QuoRem(num, r.Denom(), new(big.Int))
	if rem.Lsh(rem, 1).Cmp(r.Denom()) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	return decimal.NewFromBigInt(q, -scale)
}

// holds reports whether the quantity Op the threshold; a square root is
// compared by squaring the threshold, exactly.
func (q quantity) holds(t threshold) bool {
	if !q.sqrt {
		return t.rat2(q.r)
	}
	sq := new(big.Rat).Mul(t.rat, t.rat)
	return t.holds(q.r.Cmp(sq))
}

// format prints the quantity with prec decimals, rounded half-up.
func (q quantity) format(prec int) *decimal.Decimal {
	if !q.sqrt {
		return number(q.r, prec)
	}
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(prec)), nil)
	x := new(big.Rat).Mul(q.r, new(big.Rat).SetInt(new(big.Int).Mul(p, p)))
	fl := new(big.Int).Quo(x.Num(), x.Denom())
	k := new(big.Int).Sqrt(fl)
	// round up when x >= (k + 1/2)^2, i.e. 4x >= (2k+1)^2
	h := new(big.Int).Add(new(big.Int).Lsh(k, 1), big.NewInt(1))
	h.Mul(h, h)
	if new(big.Rat).Mul(x, big.NewRat(4, 1)).Cmp(new(big.Rat).SetInt(h)) >= 0 {
		k.Add(k, big.NewInt(1))
	}
	return number(new(big.Rat).SetFrac(k, p), prec)
}

// number is r rounded to prec decimals, halves away from zero (as
// big.Rat.FloatString rounds), as a decimal that keeps all prec of them.
func number(r *big.Rat, prec int) *decimal.Decimal {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(prec)), nil)
	x := new(big.Rat).Mul(r, new(big.Rat).SetInt(p))
	q, m := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	if new(big.Int).Lsh(new(big.Int).Abs(m), 1).Cmp(x.Denom()) >= 0 {
		q.Add(q, big.NewInt(int64(x.Num().Sign())))
	}
	d := decimal.NewFromBigInt(q, -int32(prec))
	return &d
}

func ptr[T any](v T) *T { return &v }

// String prints the threshold as the template wrote it, resolved.
func (t threshold) String() string { return string(t.op) + " " + catalog.FormatRat(t.rat) }
