package catalog

import (
	"slices"

	"errors"
	"fmt"
	"github.com/slawatch/slawatch/calendar"
	"math/big"
	"strings"
)

// validate checks a template and parses its comparisons and percentages.
// Every error names the field.
func (t *Template) validate() error {
	if t.ID == "" || t.Title == "" || t.Summary == "" || t.Source == "" {
		return errors.New("id, title, summary and source are required")
	}
	if err := t.validateDecls(); err != nil {
		return err
	}
	if t.Minute == nil && t.Value == nil && t.Timer == nil {
		return errors.New("a template needs a minute rule, a value or a timer")
	}
	if t.Objective.NotifyWithinMinutes > 0 && (t.Timer == nil || t.Timer.Measure != "notification") {
		return errors.New("objective.notify_within_minutes needs a timer with measure notification")
	}
	switch v := t.Objective.NotifyVia; {
	case v != "" && t.Objective.NotifyWithinMinutes == 0:
		return errors.New("objective.notify_via needs notify_within_minutes")
	case v != "" && v != "email" && v != "fax" && v != "webhook":
		return fmt.Errorf("objective.notify_via: %q is not email, fax or webhook", v)
	}
	return errors.Join(t.validateMinute(), t.validateValue(), t.validateTimer(), t.validateObjective(), t.validateCredit())
}

func (t *Template) validateDecls() error {
	seen := map[string]bool{}
	for i := range t.Inputs {
		in := &t.Inputs[i]
		if !validName(in.Name) || seen[in.Name] {
			return fmt.Errorf("inputs[%d].name: %q is empty, malformed or repeated", i, in.Name)
		}
		seen[in.Name] = true
		if in.Min == 0 {
			in.Min = 1
		}
		if in.Max != 0 && in.Max < in.Min {
			return fmt.Errorf("inputs[%d]: max %d below min %d", i, in.Max, in.Min)
		}
	}
	for i, p := range t.Params {
		if !validName(p.Name) || seen[p.Name] {
			return fmt.Errorf("params[%d].name: %q is empty, malformed or repeated", i, p.Name)
		}
		seen[p.Name] = true
		if err := oneOf(fmt.Sprintf("params[%d].type", i), p.Type, []string{"number", "integer", "enum", "region"}); err != nil {
			return err
		}
		if p.Type == "enum" && len(p.Values) == 0 {
			return fmt.Errorf("params[%d].values: an enum needs values", i)
		}
		if p.Default != "" {
			if _, err := p.Parse(p.Default); err != nil {
				return fmt.Errorf("params[%d].default: %w", i, err)
			}
		}
	}
	for _, c := range t.Caps {
		if _, ok := t.Provider.Cap(c); !ok {
			return fmt.Errorf("caps: %q is not a cap of provider %s", c, t.Provider.ID)
		}
	}
	return nil
}

func (t *Template) validateMinute() error {
	if t.Minute == nil {
		return nil
	}
	for i, m := range t.Minute.Rules() {
		if i > 0 && len(m.Or) > 0 {
			return errors.New("minute.or: alternatives do not nest")
		}
		if err := t.validateRule(m); err != nil {
			if i > 0 {
				return fmt.Errorf("minute.or[%d]: %w", i-1, err)
			}
			return err
		}
	}
	return nil
}

func (t *Template) validateRule(m *Minute) error {
	if _, ok := t.Input(m.Input); !ok {
		return fmt.Errorf("minute.input: %q is not a declared input", m.Input)
	}
	if m.Gate != "" {
		if _, ok := t.Input(m.Gate); !ok {
			return fmt.Errorf("minute.gate: %q is not a declared input", m.Gate)
		}
	}
	if m.Consecutive < 0 || m.SeriesConsecutive < 0 || m.Consecutive > 1440 || m.SeriesConsecutive > 1440 {
		return errors.New("minute.consecutive, minute.series_consecutive: want 0..1440")
	}
	if cb := m.ConsecutiveBy; cb != nil {
		p, ok := t.Param(cb.Param)
		if !ok || p.Type != "enum" || m.Consecutive != 0 {
			return fmt.Errorf("minute.consecutive_by.param: %q is not a declared enum parameter, or consecutive is also set", cb.Param)
		}
		for _, v := range p.Values {
			if n, ok := cb.Values[v]; !ok || n < 1 || n > 1440 {
				return fmt.Errorf("minute.consecutive_by.values: want 1..1440 minutes for %q", v)
			}
		}
	}
	for i := range m.FailWhen {
		if err := t.parseCondition(fmt.Sprintf("minute.fail_when[%d]", i), &m.FailWhen[i]); err != nil {
			return err
		}
	}
	if err := validateTiming(m); err != nil {
		return err
	}
	return t.validateDown(m)
}

// validateTiming checks minute.timing: "probe" times silences, so it
// needs a rule whose failure is every probe lost on every series.
func validateTiming(m *Minute) error {
	switch m.Timing {
	case "", "minute":
		return nil
	case "probe":
	default:
		return fmt.Errorf("minute.timing: %q is not one of minute, probe", m.Timing)
	}
	silence := len(m.FailWhen) == 1 && m.FailWhen[0].Loss != "" && m.FailWhen[0].RTT == "" && m.FailWhen[0].OverBaseline == nil
	if silence {
		c := m.FailWhen[0].LossCmp
		silence = c != nil && c.Op == OpGE && c.Value != nil && c.Value.Cmp(big.NewRat(100, 1)) == 0
	}
	if !silence || m.Down.Combine != "all" || m.Gate != "" || m.SeriesConsecutive > 1 {
		return errors.New(`minute.timing: probe times silences: it needs fail_when [loss: ">= 100"] alone, down.combine all, no gate and no series_consecutive`)
	}
	return nil
}

func (t *Template) validateDown(m *Minute) error {
	d := &m.Down
	if err := oneOf("minute.down.combine", d.Combine, combines); err != nil {
		return err
	}
	needsFail := d.Combine == "all" || d.Combine == "any" || d.Combine == "share"
	if needsFail && len(m.FailWhen) == 0 {
		return fmt.Errorf("minute.fail_when: combine %q needs a per-series condition", d.Combine)
	}
	switch simple := d.Combine == "all" || d.Combine == "any"; {
	case simple && d.When != "":
		return fmt.Errorf("minute.down.when: combine %q takes no comparison", d.Combine)
	case !simple && d.When == "":
		return fmt.Errorf("minute.down.when: combine %q needs a comparison", d.Combine)
	}
	if d.When != "" {
		c, err := t.parseCmp("minute.down.when", d.When)
		if err != nil {
			return err
		}
		d.Cmp = c
	}
	return nil
}

func (t *Template) parseCondition(field string, c *Condition) error {
	n := 0
	for _, x := range []struct {
		name, text string
		dst        **Cmp
	}{{"loss", c.Loss, &c.LossCmp}, {"rtt_ms", c.RTT, &c.RTTCmp}} {
		if x.text == "" {
			continue
		}
		n++
		v, err := t.parseCmp(field+"."+x.name, x.text)
		if err != nil {
			return err
		}
		*x.dst = v
	}
	if b := c.OverBaseline; b != nil {
		n++
		v, err := ParseNumber(b.OverPct)
		if err != nil {
			return fmt.Errorf("%s.rtt_over_baseline.over_pct: %w", field, err)
		}
		if b.WindowMinutes < 1 || b.WindowMinutes > 7*1440 {
			return fmt.Errorf("%s.rtt_over_baseline.window_minutes: want 1..10080", field)
		}
		b.Over = v
	}
	if n != 1 {
		return fmt.Errorf("%s: want exactly one of loss, rtt_ms, rtt_over_baseline", field)
	}
	return nil
}

func (t *Template) validateValue() error {
	v := t.Value
	if v == nil {
		return nil
	}
	if _, ok := t.Input(v.Input); !ok {
		return fmt.Errorf("value.input: %q is not a declared input", v.Input)
	}
	if err := oneOf("value.report_as", v.ReportAs, reportAs); err != nil {
		return err
	}
	if err := oneOf("value.of", v.Of, []string{"loss", "rtt"}); err != nil {
		return err
	}
	if p, ok := strings.CutPrefix(v.Aggregate, "$"); ok {
		d, ok := t.Param(p)
		if !ok || d.Type != "enum" {
			return fmt.Errorf("value.aggregate: %q is not a declared enum parameter", p)
		}
		for _, a := range d.Values {
			if err := oneOf("value.aggregate ($"+p+")", a, aggregates); err != nil {
				return err
			}
		}
	} else if err := oneOf("value.aggregate", v.Aggregate, aggregates); err != nil {
		return err
	}
	if v.Aggregate == "block_mean" && v.BlockMinutes < 2 {
		return errors.New("value.block_minutes: block_mean needs a block of 2 minutes or more")
	}
	return nil
}

func (t *Template) validateObjective() error {
	o := &t.Objective
	if o.Text == "" {
		return errors.New("objective.text is required")
	}
	var err error
	if o.Availability != "" {
		if t.Minute == nil && (t.Timer == nil || t.Timer.Measure != "outage-minutes") {
			return errors.New("objective.availability needs a minute rule or outage minutes from tickets")
		}
		if o.AvailabilityCmp, err = t.parseCmp("objective.availability", o.Availability); err != nil {
			return err
		}
	}
	if o.Value != "" {
		if t.Value == nil {
			return errors.New("objective.value needs a value")
		}
		if o.ValueCmp, err = t.parseCmp("objective.value", o.Value); err != nil {
			return err
		}
	}
	return nil
}

func (t *Template) validateCredit() error {
	c := &t.Credit
	if c.Base.Ticket && (c.Base.Fee != "" || !c.PerItem) {
		return errors.New("credit.base.ticket: the ticket's own fee is a base for per_item credits, without a fee")
	}
	if c.Base.Fee == "" && !c.Base.Ticket {
		if len(c.Tiers) > 0 || c.Pct != "" || c.PctBy != nil {
			return errors.New("credit.base.fee: a credit needs a fee base")
		}
		return nil
	}
	if err := t.validateTimedCredit(); err != nil {
		return err
	}
	if c.Base.DividedBy != "" {
		if p, ok := t.Param(c.Base.DividedBy); !ok || p.Type != "integer" {
			return fmt.Errorf("credit.base.divided_by: %q is not a declared integer parameter", c.Base.DividedBy)
		}
	}
	if err := t.validateTiers(); err != nil {
		return err
	}
	if len(c.Tiers) == 0 && c.When == "" && !c.Missed && !c.PerItem && c.MinMisses == 0 && !c.DayFee {
		return errors.New("credit: a fee base needs tiers, when, missed, per_item, min_misses or day_fee")
	}
	return t.validateFlat()
}

func (t *Template) validateTiers() error {
	c := &t.Credit
	prev := -1
	for i := range c.Tiers {
		tr := &c.Tiers[i]
		f := fmt.Sprintf("credit.tiers[%d]", i)
		if tr.Above < 0 || (i > 0 && tr.Above != prev) {
			return fmt.Errorf("%s.above: %d does not continue the previous tier's upto %d", f, tr.Above, prev)
		}
		if tr.UpTo != 0 && tr.UpTo <= tr.Above {
			return fmt.Errorf("%s.upto: %d is not above %d", f, tr.UpTo, tr.Above)
		}
		if tr.UpTo == 0 && i != len(c.Tiers)-1 {
			return fmt.Errorf("%s.upto: only the last tier may be open-ended", f)
		}
		v, err := parsePct(f+".pct", tr.Pct)
		if err != nil {
			return err
		}
		tr.PctRat, prev = v, tr.UpTo
	}
	if len(c.Tiers) > 0 && t.Minute == nil && (t.Timer == nil || t.Timer.Measure != "delivery") {
		return errors.New("credit.tiers: a downtime table needs a minute rule (or, in business days late, a delivery timer)")
	}
	return nil
}

func (t *Template) validateFlat() error {
	c := &t.Credit
	if c.DayFee || len(c.OverTiers) > 0 {
		if c.Pct != "" || c.PctBy != nil || c.Missed || c.When != "" || len(c.Tiers) > 0 {
			return errors.New("credit: day_fee and over_tiers take no pct, pct_by, missed, when or tiers")
		}
		return nil
	}
	flat := c.When != "" || c.Missed || c.PerItem || c.MinMisses > 0
	if !flat {
		if c.Pct != "" || c.PctBy != nil {
			return errors.New("credit.pct: a flat credit needs when or missed")
		}
		return nil
	}
	if c.When != "" && c.Missed {
		return errors.New("credit: when and missed exclude each other")
	}

	if len(c.Tiers) > 0 {
		return errors.New("credit: a flat credit and tiers exclude each other")
	}
	if c.When != "" {
		if t.Value == nil {
			return errors.New("credit.when needs a value")
		}
		v, err := t.parseCmp("credit.when", c.When)
		if err != nil {
			return err
		}
		c.WhenCmp = v
	}
	if (c.Pct == "") == (c.PctBy == nil) {
		return errors.New("credit: want exactly one of pct and pct_by")
	}
	if c.Pct != "" {
		v, err := parsePct("credit.pct", c.Pct)
		c.PctRat = v
		return err
	}
	return t.validatePctBy()
}

func (t *Template) validatePctBy() error {
	pb := t.Credit.PctBy
	p, ok := t.Param(pb.Param)
	if !ok || p.Type != "enum" {
		return fmt.Errorf("credit.pct_by.param: %q is not a declared enum parameter", pb.Param)
	}
	pb.Rats = map[string]*big.Rat{}
	for _, val := range p.Values {
		s, ok := pb.Values[val]
		if !ok {
			return fmt.Errorf("credit.pct_by.values: no percentage for %s %q", pb.Param, val)
		}
		v, err := parsePct("credit.pct_by.values."+val, s)
		if err != nil {
			return err
		}
		pb.Rats[val] = v
	}
	return nil
}

// parseCmp parses a comparison and checks that a parameter it names is a
// declared number.
func (t *Template) parseCmp(field, s string) (*Cmp, error) {
	c, err := ParseCmp(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	if c.Param != "" {
		p, ok := t.Param(c.Param)
		if !ok || (p.Type != "number" && p.Type != "integer") {
			return nil, fmt.Errorf("%s: $%s is not a declared number parameter", field, c.Param)
		}
	}
	return &c, nil
}

// Parse checks a contract's value for the parameter.
func (p *Param) Parse(s string) (*big.Rat, error) {
	switch p.Type {
	case "enum":
		for _, v := range p.Values {
			if s == v {
				return nil, nil
			}
		}
		return nil, fmt.Errorf("%q is not one of %s", s, strings.Join(p.Values, ", "))
	case "region":
		if !slices.Contains(calendar.Regions(), s) {
			return nil, fmt.Errorf("%q is not a calendar region (%s)", s, strings.Join(calendar.Regions(), ", "))
		}
		return nil, nil
	case "integer":
		v, err := ParseNumber(s)
		if err != nil || !v.IsInt() || v.Sign() <= 0 {
			return nil, fmt.Errorf("%q is not a positive integer", s)
		}
		return v, nil
	}
	return ParseNumber(s)
}

// WithCredit returns a copy of t with the credit rule replaced, checked as
// the catalog checks its own; for contracts that supply the credit of a
// level whose seed states none.
func (t *Template) WithCredit(cr CreditRule) (*Template, error) {
	if !t.Credit.FromContract {
		return nil, fmt.Errorf("%s states its own credit; a contract cannot replace it", t.ID)
	}
	c := *t
	// The template's limits stay: the contract supplies the schedule only.
	cr.Best, cr.MaxPct, cr.NoneWhen = t.Credit.Best, t.Credit.MaxPct, t.Credit.NoneWhen
	cr.MinMisses, cr.PerDay = t.Credit.MinMisses, t.Credit.PerDay
	c.Credit = cr
	if err := c.validateCredit(); err != nil {
		return nil, err
	}
	return &c, nil
}
