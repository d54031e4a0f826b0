package catalog

import (
	"fmt"
	"maps"
	"math/big"
	"slices"
)

// compile builds the Template the engine runs from a checked template:
// its comparisons and percentages parsed, its defaults filled in. It
// reads t and changes nothing; the Template keeps t, as written, for
// WithCredit.
func (t *templateYAML) compile(p *Provider) (*Template, error) {
	var c compiler
	out := &Template{
		ID:        t.ID,
		Title:     t.Title,
		Summary:   t.Summary,
		Source:    t.Source,
		Notes:     t.Notes,
		AppliesTo: slices.Clone(t.AppliesTo),
		Inputs:    compileInputs(t.Inputs),
		Params:    slices.Clone(t.Params),
		Minute:    c.minute(t.Minute),
		Value:     t.Value,
		Timer:     t.Timer,
		Objective: c.objective(t.Objective),
		Credit:    c.credit(t, &t.Credit),
		Caps:      slices.Clone(t.Caps),
		Provider:  p,
		written:   t,
	}
	return out, c.err
}

// compiler parses the texts of a checked template. Check has parsed
// each already, so an error here is a check that is missing: it is
// kept, the first of them, rather than lost.
type compiler struct{ err error }

func (c *compiler) keep(err error) {
	if c.err == nil {
		c.err = err
	}
}

// cmp parses a comparison; "" is none.
func (c *compiler) cmp(s string) *Cmp {
	if s == "" {
		return nil
	}
	v, err := ParseCmp(s)
	if err != nil {
		c.keep(err)
		return nil
	}
	return &v
}

// pct parses a percentage; "" is none.
func (c *compiler) pct(s string) *big.Rat {
	if s == "" {
		return nil
	}
	v, err := parsePct(s)
	c.keep(err)
	return v
}

func compileInputs(ins []Input) []Input {
	out := slices.Clone(ins)
	for i := range out {
		out[i].Min = minSeries(out[i])
	}
	return out
}

// minSeries is the least number of series an input binds: 1 unless
// stated.
func minSeries(in Input) int {
	if in.Min == 0 {
		return 1
	}
	return in.Min
}

func (c *compiler) minute(m *minuteYAML) *Minute {
	if m == nil {
		return nil
	}
	out := c.rule(m)
	for i := range m.Or {
		out.Or = append(out.Or, *c.rule(&m.Or[i]))
	}
	return out
}

// rule compiles one rule of the minute, without its alternatives.
func (c *compiler) rule(m *minuteYAML) *Minute {
	out := &Minute{
		Input:             m.Input,
		SeriesConsecutive: m.SeriesConsecutive,
		Gate:              m.Gate,
		Down:              Down{Combine: m.Down.Combine, When: m.Down.When, Cmp: c.cmp(m.Down.When)},
		Consecutive:       m.Consecutive,
		ConsecutiveBy:     m.ConsecutiveBy,
		Timing:            m.Timing,
	}
	for _, fw := range m.FailWhen {
		out.FailWhen = append(out.FailWhen, c.condition(fw))
	}
	return out
}

func (c *compiler) condition(y conditionYAML) Condition {
	out := Condition{Loss: y.Loss, RTT: y.RTT, LossCmp: c.cmp(y.Loss), RTTCmp: c.cmp(y.RTT)}
	if b := y.OverBaseline; b != nil {
		over, err := ParseNumber(b.OverPct)
		c.keep(err)
		out.OverBaseline = &Baseline{OverPct: b.OverPct, WindowMinutes: b.WindowMinutes, Over: over}
	}
	return out
}

func (c *compiler) objective(o objectiveYAML) Objective {
	return Objective{
		Text:                o.Text,
		Availability:        o.Availability,
		Value:               o.Value,
		NotifyWithinMinutes: o.NotifyWithinMinutes,
		NotifyVia:           o.NotifyVia,
		MissesAllowed:       o.MissesAllowed,
		AvailabilityCmp:     c.cmp(o.Availability),
		ValueCmp:            c.cmp(o.Value),
	}
}

// credit compiles the credit rule y of the template t. A rule without a
// fee base earns nothing, so its percentages get no values until a
// contract supplies the schedule (WithCredit).
func (c *compiler) credit(t *templateYAML, y *creditYAML) CreditRule {
	out := CreditRule{
		Base: y.Base, When: y.When, Missed: y.Missed, Pct: y.Pct,
		FromContract: y.FromContract, PerItem: y.PerItem, PerDay: y.PerDay, MinMisses: y.MinMisses,
		DayFee: y.DayFee, Best: y.Best, MaxPct: y.MaxPct, NoneWhen: maps.Clone(y.NoneWhen),
	}
	pct := func(string) *big.Rat { return nil }
	if y.hasBase() {
		pct = c.pct
		out.WhenCmp, out.PctRat, out.MaxPctRat = c.cmp(y.When), c.pct(y.Pct), c.pct(y.MaxPct)
		out.PctBy = c.pctBy(t, y.PctBy)
	}
	for _, tr := range y.Tiers {
		out.Tiers = append(out.Tiers, Tier{Above: tr.Above, UpTo: tr.UpTo, Pct: tr.Pct, PctRat: pct(tr.Pct)})
	}
	for _, tr := range y.OverTiers {
		out.OverTiers = append(out.OverTiers, OverTier{From: tr.From, Below: tr.Below, Pct: tr.Pct, PctRat: pct(tr.Pct)})
	}
	return out
}

// pctBy compiles a percentage for each value of the enum parameter.
func (c *compiler) pctBy(t *templateYAML, y *pctByYAML) *PctBy {
	if y == nil {
		return nil
	}
	out := &PctBy{Param: y.Param, Values: maps.Clone(y.Values), Rats: map[string]*big.Rat{}}
	p, ok := t.param(y.Param)
	if !ok {
		c.keep(fmt.Errorf("credit.pct_by.param: %q is not a declared parameter", y.Param))
		return out
	}
	for _, v := range p.Values {
		out.Rats[v] = c.pct(y.Values[v])
	}
	return out
}

// Schedule is the credit a contract supplies for a level whose seed
// states none (credit from_contract): a fee, and a downtime table or a
// flat percentage when the objective is missed.
type Schedule struct {
	Fee    string
	Missed bool
	Pct    string
	Tiers  []ScheduleTier
}

// ScheduleTier is one row of a contract's downtime table, half-open:
// Above < down minutes <= UpTo (UpTo 0: no upper bound).
type ScheduleTier struct {
	Above, UpTo int
	Pct         string
}

// WithCredit returns a copy of t whose credit is the contract's
// schedule, checked as the catalog checks its own. The template's limits
// stay (best, max_pct, none_when, min_misses, per_day): the contract
// supplies the schedule only.
func (t *Template) WithCredit(s Schedule) (*Template, error) {
	switch {
	case !t.Credit.FromContract:
		return nil, fmt.Errorf("%s states its own credit; a contract cannot replace it", t.ID)
	case t.written == nil:
		return nil, fmt.Errorf("%s was not read from a catalog: no credit rule to check a schedule against", t.ID)
	}
	w := *t.written
	seed := t.written.Credit
	w.Credit = creditYAML{
		Base: FeeBase{Fee: s.Fee}, Missed: s.Missed, Pct: s.Pct, FromContract: true,
		Best: seed.Best, MaxPct: seed.MaxPct, NoneWhen: seed.NoneWhen, MinMisses: seed.MinMisses, PerDay: seed.PerDay,
	}
	for _, tr := range s.Tiers {
		w.Credit.Tiers = append(w.Credit.Tiers, tierYAML{Above: tr.Above, UpTo: tr.UpTo, Pct: tr.Pct})
	}
	if err := w.checkCredit(&w.Credit); err != nil {
		return nil, err
	}
	var c compiler
	out := *t
	out.Credit, out.written = c.credit(&w, &w.Credit), &w
	return &out, c.err
}
