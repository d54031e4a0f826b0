package catalog

import (
	"fmt"
	"slices"
)

// The checks of a credit rule as written, the template's own or one a
// contract supplies (WithCredit).

// checkCredit checks the credit rule c of the template: its base, the
// limits of timed levels, then the schedule (tiers or a flat credit).
func (t *templateYAML) checkCredit(c *creditYAML) error {
	if err := checkBase(c); err != nil {
		return err
	}
	if err := t.checkTimedCredit(c); err != nil {
		return err
	}
	if !c.hasBase() {
		return nil
	}
	if d := c.Base.DividedBy; d != "" && !t.isParam(d, "integer") {
		return errorf("credit.base.divided_by", "%q is not a declared integer parameter", d)
	}
	if err := t.checkTiers(c.Tiers); err != nil {
		return err
	}
	if !c.pays() {
		return errorf("credit", "a fee base needs tiers, when, missed, per_item, min_misses or day_fee")
	}
	return t.checkFlat(c)
}

func checkBase(c *creditYAML) error {
	switch {
	case c.Base.Ticket && (c.Base.Fee != "" || !c.PerItem):
		return errorf("credit.base.ticket", "the ticket's own fee is a base for per_item credits, without a fee")
	case !c.hasBase() && (len(c.Tiers) > 0 || c.Pct != "" || c.PctBy != nil || c.When != ""):
		return errorf("credit.base.fee", "a credit needs a fee base")
	}
	return nil
}

func (c *creditYAML) hasBase() bool { return c.Base.Fee != "" || c.Base.Ticket }

// pays reports whether the rule says when a credit is earned.
func (c *creditYAML) pays() bool {
	return len(c.Tiers) > 0 || c.When != "" || c.Missed || c.PerItem || c.MinMisses > 0 || c.DayFee
}

// flat reports whether the credit is one percentage, earned on a
// condition.
func (c *creditYAML) flat() bool { return c.When != "" || c.Missed || c.PerItem || c.MinMisses > 0 }

// timed reports whether the rule uses fields only timed levels have.
func (c *creditYAML) timed() bool {
	return c.PerItem || c.MinMisses > 0 || c.PerDay > 0 || len(c.OverTiers) > 0 || c.DayFee || c.Best || c.MaxPct != ""
}

// checkTiers checks a downtime table: half-open rows, each continuing
// the one before, only the last open-ended.
func (t *templateYAML) checkTiers(tiers []tierYAML) error {
	prev := -1
	for i, tr := range tiers {
		if err := checkTier(fmt.Sprintf("credit.tiers[%d]", i), tr, prev, i == 0, i == len(tiers)-1); err != nil {
			return err
		}
		prev = tr.UpTo
	}
	if len(tiers) > 0 && t.Minute == nil && !t.measures("delivery") {
		return errorf("credit.tiers", "a downtime table needs a minute rule (or, in business days late, a delivery timer)")
	}
	return nil
}

func checkTier(f string, tr tierYAML, prev int, first, last bool) error {
	switch {
	case tr.Above < 0 || (!first && tr.Above != prev):
		return errorf(f+".above", "%d does not continue the previous tier's upto %d", tr.Above, prev)
	case tr.UpTo != 0 && tr.UpTo <= tr.Above:
		return errorf(f+".upto", "%d is not above %d", tr.UpTo, tr.Above)
	case tr.UpTo == 0 && !last:
		return errorf(f+".upto", "only the last tier may be open-ended")
	}
	return checkPct(f+".pct", tr.Pct)
}

// checkFlat checks a flat credit's condition and percentage, or that a
// credit by the hour has neither.
func (t *templateYAML) checkFlat(c *creditYAML) error {
	switch {
	case c.DayFee || len(c.OverTiers) > 0:
		return checkHourly(c)
	case !c.flat() && (c.Pct != "" || c.PctBy != nil):
		return errorf("credit.pct", "a flat credit needs when or missed")
	case !c.flat():
		return nil
	}
	if err := t.checkFlatWhen(c); err != nil {
		return err
	}
	switch {
	case (c.Pct == "") == (c.PctBy == nil):
		return errorf("credit", "want exactly one of pct and pct_by")
	case c.Pct != "":
		return checkPct("credit.pct", c.Pct)
	}
	return t.checkPctBy(c.PctBy)
}

// checkHourly checks a credit by the hour (day_fee, over_tiers) states
// no other schedule.
func checkHourly(c *creditYAML) error {
	if c.Pct != "" || c.PctBy != nil || c.Missed || c.When != "" || len(c.Tiers) > 0 {
		return errorf("credit", "day_fee and over_tiers take no pct, pct_by, missed, when or tiers")
	}
	return nil
}

func (t *templateYAML) checkFlatWhen(c *creditYAML) error {
	switch {
	case c.When != "" && c.Missed:
		return errorf("credit", "when and missed exclude each other")
	case len(c.Tiers) > 0:
		return errorf("credit", "a flat credit and tiers exclude each other")
	case c.When == "":
		return nil
	case t.Value == nil:
		return errorf("credit.when", "needs a value")
	}
	return t.checkCmp("credit.when", c.When)
}

// checkPctBy checks there is a percentage for each value of the enum.
func (t *templateYAML) checkPctBy(pb *pctByYAML) error {
	p, ok := t.param(pb.Param)
	if !ok || p.Type != "enum" {
		return errorf("credit.pct_by.param", "%q is not a declared enum parameter", pb.Param)
	}
	for _, v := range p.Values {
		s, ok := pb.Values[v]
		if !ok {
			return errorf("credit.pct_by.values", "no percentage for %s %q", pb.Param, v)
		}
		if err := checkPct("credit.pct_by.values."+v, s); err != nil {
			return err
		}
	}
	return nil
}

// checkTimedCredit checks the fields only timed levels use. They are
// checked with or without a fee base: a level whose contract supplies
// the credit states its limits itself.
func (t *templateYAML) checkTimedCredit(c *creditYAML) error {
	switch {
	case c.timed() && t.Timer == nil:
		return errorf("credit", "per_item, min_misses, per_day, over_tiers, day_fee, best and max_pct need a timer")
	case c.MinMisses > 0 && c.PerItem:
		return errorf("credit", "min_misses and per_item exclude each other")
	case c.DayFee && !t.hasDayBasis():
		return errorf("credit.day_fee", "needs the enum parameter day_basis with values %v", dayBases)
	}
	if err := checkOverTiers(c.OverTiers); err != nil {
		return err
	}
	if c.MaxPct != "" {
		if err := checkPct("credit.max_pct", c.MaxPct); err != nil {
			return err
		}
	}
	return t.checkNoneWhen(c.NoneWhen)
}

// checkNoneWhen checks each condition names a value of an enum
// parameter.
func (t *templateYAML) checkNoneWhen(none map[string]string) error {
	for _, name := range sortedKeys(none) {
		p, ok := t.param(name)
		if v := none[name]; !ok || p.Type != "enum" || !slices.Contains(p.Values, v) {
			return errorf("credit.none_when", "%s=%q is not an enum parameter's value", name, v)
		}
	}
	return nil
}

func (t *templateYAML) hasDayBasis() bool {
	p, ok := t.param("day_basis")
	return ok && p.Type == "enum" && slices.Equal(p.Values, dayBases)
}

// checkOverTiers checks a table of hours beyond the target: rows
// From <= h < Below, each continuing the one before, only the last
// open-ended.
func checkOverTiers(tiers []overTierYAML) error {
	for i, tr := range tiers {
		f := fmt.Sprintf("credit.over_tiers[%d]", i)
		gap := i > 0 && tr.From != tiers[i-1].Below
		if gap || (tr.Below != 0 && tr.Below <= tr.From) || (tr.Below == 0 && i != len(tiers)-1) {
			return errorf(f, "want from_hours < below_hours, continuing the previous tier; only the last open-ended")
		}
		if err := checkPct(f+".pct", tr.Pct); err != nil {
			return err
		}
	}
	return nil
}
