package catalog

import (
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
)

// The checks of a template as written. Each problem names its field by
// its path in the file, which the file turns into a line; a check reads
// the template and changes nothing. A template that passes compiles
// without error. Credits are checked in check_credit.go, timers in
// check_timer.go.

// check reports what is wrong with the template: the first problem of
// each part (minute, value, timer, objective, credit), or of the parts
// every other depends on.
func (t *templateYAML) check(p *Provider) error {
	if t.ID == "" || t.Title == "" || t.Summary == "" || t.Source == "" {
		return errorf("", "id, title, summary and source are required")
	}
	if err := t.checkDecls(p); err != nil {
		return err
	}
	if t.Minute == nil && t.Value == nil && t.Timer == nil {
		return errorf("", "a template needs a minute rule, a value or a timer")
	}
	if err := t.checkNotify(); err != nil {
		return err
	}
	return errors.Join(t.checkMinute(), t.checkValue(), t.checkTimer(), t.checkObjective(), t.checkCredit(&t.Credit))
}

// checkDecls checks the inputs, parameters and caps the rest refers to.
func (t *templateYAML) checkDecls(p *Provider) error {
	seen := map[string]bool{} // inputs and parameters share one namespace
	for i, in := range t.Inputs {
		if err := checkInput(fmt.Sprintf("inputs[%d]", i), in, seen); err != nil {
			return err
		}
	}
	for i := range t.Params {
		if err := checkParam(fmt.Sprintf("params[%d]", i), &t.Params[i], seen); err != nil {
			return err
		}
	}
	for _, c := range t.Caps {
		if _, ok := p.Cap(c); !ok {
			return errorf("caps", "%q is not a cap of provider %s", c, p.ID)
		}
	}
	return nil
}

func checkInput(f string, in Input, seen map[string]bool) error {
	if !validName(in.Name) || seen[in.Name] {
		return errorf(f+".name", "%q is empty, malformed or repeated", in.Name)
	}
	seen[in.Name] = true
	if least := minSeries(in); in.Max != 0 && in.Max < least {
		return errorf(f, "max %d below min %d", in.Max, least)
	}
	return nil
}

func checkParam(f string, p *Param, seen map[string]bool) error {
	if !validName(p.Name) || seen[p.Name] {
		return errorf(f+".name", "%q is empty, malformed or repeated", p.Name)
	}
	seen[p.Name] = true
	if err := oneOf(f+".type", p.Type, paramTypes); err != nil {
		return err
	}
	if p.Type == "enum" && len(p.Values) == 0 {
		return errorf(f+".values", "an enum needs values")
	}
	if p.Default == "" {
		return nil
	}
	if _, err := p.Parse(p.Default); err != nil {
		return errorf(f+".default", "%v", err)
	}
	return nil
}

// checkNotify checks the notification objective against the timer that
// measures it.
func (t *templateYAML) checkNotify() error {
	o := t.Objective
	switch v := o.NotifyVia; {
	case o.NotifyWithinMinutes > 0 && !t.measures("notification"):
		return errorf("objective.notify_within_minutes", "needs a timer with measure notification")
	case v != "" && o.NotifyWithinMinutes == 0:
		return errorf("objective.notify_via", "needs notify_within_minutes")
	case v != "" && v != "email" && v != "fax" && v != "webhook":
		return errorf("objective.notify_via", "%q is not email, fax or webhook", v)
	}
	return nil
}

// checkMinute checks the minute rule and its alternatives.
func (t *templateYAML) checkMinute() error {
	m := t.Minute
	if m == nil {
		return nil
	}
	if err := t.checkRule("minute", m); err != nil {
		return err
	}
	for i := range m.Or {
		f := fmt.Sprintf("minute.or[%d]", i)
		if len(m.Or[i].Or) > 0 {
			return errorf(f+".or", "alternatives do not nest")
		}
		if err := t.checkRule(f, &m.Or[i]); err != nil {
			return err
		}
	}
	return nil
}

// checkRule checks one rule of the minute, at the field f (minute or
// minute.or[i]).
func (t *templateYAML) checkRule(f string, m *minuteYAML) error {
	if !t.hasInput(m.Input) {
		return errorf(f+".input", "%q is not a declared input", m.Input)
	}
	if m.Gate != "" && !t.hasInput(m.Gate) {
		return errorf(f+".gate", "%q is not a declared input", m.Gate)
	}
	if err := t.checkRuns(f, m); err != nil {
		return err
	}
	for i := range m.FailWhen {
		if err := t.checkCondition(fmt.Sprintf("%s.fail_when[%d]", f, i), &m.FailWhen[i]); err != nil {
			return err
		}
	}
	if err := checkTiming(f, m); err != nil {
		return err
	}
	return t.checkDown(f, m)
}

// checkRuns checks the lengths of the runs a rule counts.
func (t *templateYAML) checkRuns(f string, m *minuteYAML) error {
	switch {
	case !within(m.Consecutive, 0, 1440):
		return errorf(f+".consecutive", "want 0..1440")
	case !within(m.SeriesConsecutive, 0, 1440):
		return errorf(f+".series_consecutive", "want 0..1440")
	case m.ConsecutiveBy == nil:
		return nil
	}
	cb := m.ConsecutiveBy
	p, ok := t.param(cb.Param)
	if !ok || p.Type != "enum" || m.Consecutive != 0 {
		return errorf(f+".consecutive_by.param", "%q is not a declared enum parameter, or consecutive is also set", cb.Param)
	}
	for _, v := range p.Values {
		if n, ok := cb.Values[v]; !ok || !within(n, 1, 1440) {
			return errorf(f+".consecutive_by.values", "want 1..1440 minutes for %q", v)
		}
	}
	return nil
}

// checkCondition checks one per-series condition: exactly one test.
func (t *templateYAML) checkCondition(f string, c *conditionYAML) error {
	n := 0
	for _, x := range []struct{ key, text string }{{"loss", c.Loss}, {"rtt_ms", c.RTT}} {
		if x.text == "" {
			continue
		}
		n++
		if err := t.checkCmp(f+"."+x.key, x.text); err != nil {
			return err
		}
	}
	if b := c.OverBaseline; b != nil {
		n++
		if _, err := ParseNumber(b.OverPct); err != nil {
			return errorf(f+".rtt_over_baseline.over_pct", "%v", err)
		}
		if !within(b.WindowMinutes, 1, 7*1440) {
			return errorf(f+".rtt_over_baseline.window_minutes", "want 1..10080")
		}
	}
	if n != 1 {
		return errorf(f, "want exactly one of loss, rtt_ms, rtt_over_baseline")
	}
	return nil
}

// checkTiming checks minute.timing: "probe" times silences, so it needs
// a rule whose failure is every probe lost on every series.
func checkTiming(f string, m *minuteYAML) error {
	switch m.Timing {
	case "", "minute":
		return nil
	case "probe":
	default:
		return errorf(f+".timing", "%q is not one of minute, probe", m.Timing)
	}
	if !silence(m.FailWhen) || m.Down.Combine != "all" || m.Gate != "" || m.SeriesConsecutive > 1 {
		return errorf(f+".timing", `probe times silences: it needs fail_when [loss: ">= 100"] alone, down.combine all, no gate and no series_consecutive`)
	}
	return nil
}

// silence reports whether the conditions are loss >= 100 alone.
func silence(fw []conditionYAML) bool {
	if len(fw) != 1 || fw[0].RTT != "" || fw[0].OverBaseline != nil {
		return false
	}
	c, err := ParseCmp(fw[0].Loss)
	return err == nil && c.Op == OpGE && c.Value != nil && c.Value.Cmp(big.NewRat(100, 1)) == 0
}

// checkDown checks how a rule combines its series.
func (t *templateYAML) checkDown(f string, m *minuteYAML) error {
	d := m.Down
	if err := oneOf(f+".down.combine", d.Combine, combines); err != nil {
		return err
	}
	simple := d.Combine == "all" || d.Combine == "any"
	switch {
	case (simple || d.Combine == "share") && len(m.FailWhen) == 0:
		return errorf(f+".fail_when", "combine %q needs a per-series condition", d.Combine)
	case simple && d.When != "":
		return errorf(f+".down.when", "combine %q takes no comparison", d.Combine)
	case !simple && d.When == "":
		return errorf(f+".down.when", "combine %q needs a comparison", d.Combine)
	case d.When == "":
		return nil
	}
	return t.checkCmp(f+".down.when", d.When)
}

func (t *templateYAML) checkValue() error {
	v := t.Value
	if v == nil {
		return nil
	}
	if !t.hasInput(v.Input) {
		return errorf("value.input", "%q is not a declared input", v.Input)
	}
	if err := oneOf("value.report_as", v.ReportAs, reportAs); err != nil {
		return err
	}
	if err := oneOf("value.of", v.Of, []string{"loss", "rtt"}); err != nil {
		return err
	}
	if err := t.checkAggregate(v.Aggregate); err != nil {
		return err
	}
	if v.Aggregate == "block_mean" && v.BlockMinutes < 2 {
		return errorf("value.block_minutes", "block_mean needs a block of 2 minutes or more")
	}
	return nil
}

// checkAggregate checks an aggregate, or each one an enum parameter
// ("$name") may pick.
func (t *templateYAML) checkAggregate(a string) error {
	name, ok := strings.CutPrefix(a, "$")
	if !ok {
		return oneOf("value.aggregate", a, aggregates)
	}
	p, ok := t.param(name)
	if !ok || p.Type != "enum" {
		return errorf("value.aggregate", "%q is not a declared enum parameter", name)
	}
	for _, v := range p.Values {
		if !slices.Contains(aggregates, v) {
			return errorf("value.aggregate", "$%s: %q is not one of %v", name, v, aggregates)
		}
	}
	return nil
}

func (t *templateYAML) checkObjective() error {
	o := t.Objective
	if o.Text == "" {
		return errorf("objective.text", "required")
	}
	if o.Availability != "" {
		if t.Minute == nil && !t.measures("outage-minutes") {
			return errorf("objective.availability", "needs a minute rule or outage minutes from tickets")
		}
		if err := t.checkCmp("objective.availability", o.Availability); err != nil {
			return err
		}
	}
	if o.Value == "" {
		return nil
	}
	if t.Value == nil {
		return errorf("objective.value", "needs a value")
	}
	return t.checkCmp("objective.value", o.Value)
}

// checkCmp checks a comparison, and that a parameter it names is a
// declared number.
func (t *templateYAML) checkCmp(field, s string) error {
	c, err := ParseCmp(s)
	if err != nil {
		return errorf(field, "%v", err)
	}
	if c.Param != "" && !t.isParam(c.Param, "number") && !t.isParam(c.Param, "integer") {
		return errorf(field, "$%s is not a declared number parameter", c.Param)
	}
	return nil
}

func checkPct(field, s string) error {
	if _, err := parsePct(s); err != nil {
		return errorf(field, "%v", err)
	}
	return nil
}

func oneOf(field, v string, allowed []string) error {
	if !slices.Contains(allowed, v) {
		return errorf(field, "%q is not one of %v", v, allowed)
	}
	return nil
}

// isParam reports whether a parameter called name of type typ is declared.
func (t *templateYAML) isParam(name, typ string) bool {
	p, ok := t.param(name)
	return ok && p.Type == typ
}

func within(n, lo, hi int) bool { return lo <= n && n <= hi }

// sortedKeys orders a map's keys, so that the first problem reported is
// the same on every run.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
