package catalog

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// Timer judges a level from tickets or events rather than minute records:
// each ticket or event is an item timed from one instant to another and
// compared with a target. docs/tickets.md lists the measures.
type Timer struct {
	// Measure is what is timed:
	//
	//	response:     tickets of Kinds, opened -> responded, against a deadline
	//	resolution:   tickets of Kinds, opened -> resolved, against a target (MTTR)
	//	failover:     failover events, failed -> standby took over
	//	outage-total: platform-outage events longer than LongerThan minutes, summed over the month
	//	outage-minutes: tickets of Kinds, opened -> resolved, less failovers: P = (A - B) / A
	//	delivery:     delivery events, order accepted -> ready for service, in business days
	//	notification: outages detected (samples or events) -> customer notified
	Measure string   `yaml:"measure"`
	Kinds   []string `yaml:"kinds"`
	// The target; exactly the target is met. One of: a fixed number of
	// minutes, minutes or hours by a ticket field (channel, location
	// class; a value left out has no target), business days in the
	// calendar of the region parameter, or minutes from a parameter.
	Minutes      int       `yaml:"minutes"`
	MinutesBy    *TargetBy `yaml:"minutes_by"`
	HoursBy      *TargetBy `yaml:"hours_by"`
	BusinessDays int       `yaml:"business_days"`
	TargetParam  string    `yaml:"target_param"` // minutes (response) or business days (delivery)
	// LongerThan: only items lasting more than this many minutes count
	// (a platform outage is more than 15 consecutive minutes).
	LongerThan int `yaml:"longer_than_minutes"`
	// ChannelPlans: channels offered only on some plans (the values of the
	// plan parameter); a ticket through a channel its plan lacks has no
	// target.
	ChannelPlans *ChannelPlans `yaml:"channel_plans"`
}

// TargetBy maps the values of a ticket field to targets.
type TargetBy struct {
	Field  string         `yaml:"field"` // channel or location_class
	Values map[string]int `yaml:"values"`
}

// ChannelPlans lists, for channels not on every plan, the plans that offer them.
type ChannelPlans struct {
	Param  string              `yaml:"param"`
	Values map[string][]string `yaml:"values"`
}

// OverTier is one row of a credit table on time beyond a target, in
// hours: From <= h < Below (Below 0: no upper bound).
type OverTier struct {
	From  int    `yaml:"from_hours"`
	Below int    `yaml:"below_hours"`
	Pct   string `yaml:"pct"`

	PctRat *big.Rat `yaml:"-"`
}

var (
	measures     = []string{"response", "resolution", "failover", "outage-total", "outage-minutes", "delivery", "notification"}
	ticketKinds  = []string{"mitigation-request", "acl-standard", "acl-emergency", "lmc-fault", "mfs-request"}
	ticketFields = []string{"channel", "location_class"}
	dayBases     = []string{"month-days", "30-days", "365-days"}
)

// TicketMeasure reports whether the measure reads tickets (not events).
func (tm *Timer) TicketMeasure() bool {
	return tm.Measure == "response" || tm.Measure == "resolution" || tm.Measure == "outage-minutes"
}

func (t *Template) validateTimer() error {
	tm := t.Timer
	if tm == nil {
		return nil
	}
	if err := oneOf("timer.measure", tm.Measure, measures); err != nil {
		return err
	}
	for _, k := range tm.Kinds {
		if err := oneOf("timer.kinds", k, ticketKinds); err != nil {
			return err
		}
	}
	if tm.TicketMeasure() != (len(tm.Kinds) > 0) {
		return fmt.Errorf("timer.kinds: measure %s reads %s", tm.Measure, map[bool]string{true: "tickets: name their kinds", false: "events, not tickets"}[tm.TicketMeasure()])
	}
	if err := t.validateTarget(); err != nil {
		return err
	}
	if cp := tm.ChannelPlans; cp != nil {
		p, ok := t.Param(cp.Param)
		if !ok || p.Type != "enum" {
			return fmt.Errorf("timer.channel_plans.param: %q is not a declared enum parameter", cp.Param)
		}
		for ch, plans := range cp.Values {
			for _, pl := range plans {
				if !slices.Contains(p.Values, pl) {
					return fmt.Errorf("timer.channel_plans.values.%s: %q is not a value of %s", ch, pl, cp.Param)
				}
			}
		}
	}
	return nil
}

// validateTarget checks the timer names exactly the targets its measure uses.
func (t *Template) validateTarget() error {
	tm := t.Timer
	n := 0
	for _, set := range []bool{tm.Minutes > 0, tm.MinutesBy != nil, tm.HoursBy != nil, tm.BusinessDays > 0, tm.TargetParam != ""} {
		if set {
			n++
		}
	}
	switch tm.Measure {
	case "outage-total", "outage-minutes":
		if n != 0 {
			return fmt.Errorf("timer: measure %s takes no target", tm.Measure)
		}
		return nil
	case "notification":
		if n != 0 || t.Objective.NotifyWithinMinutes == 0 {
			return errors.New("timer: a notification's target is objective.notify_within_minutes")
		}
		return nil
	}
	if n != 1 {
		return errors.New("timer: want exactly one of minutes, minutes_by, hours_by, business_days and target_param")
	}
	for _, by := range []*TargetBy{tm.MinutesBy, tm.HoursBy} {
		if by == nil {
			continue
		}
		if err := oneOf("timer.*_by.field", by.Field, ticketFields); err != nil {
			return err
		}
	}
	if tm.BusinessDays > 0 || tm.Measure == "delivery" {
		if p, ok := t.Param("region"); !ok || p.Type != "region" {
			return errors.New("timer: business days need a parameter \"region\" of type region naming the calendar")
		}
	}
	if tm.TargetParam != "" {
		if p, ok := t.Param(tm.TargetParam); !ok || p.Type != "integer" {
			return fmt.Errorf("timer.target_param: %q is not a declared integer parameter", tm.TargetParam)
		}
	}
	return nil
}

// validateTimedCredit checks the credit fields only timed levels use.
func (t *Template) validateTimedCredit() error {
	c := &t.Credit
	if c.PerItem || c.MinMisses > 0 || c.PerDay > 0 || len(c.OverTiers) > 0 || c.DayFee || c.Best || c.MaxPct != "" {
		if t.Timer == nil {
			return errors.New("credit: per_item, min_misses, per_day, over_tiers, day_fee, best and max_pct need a timer")
		}
	}
	if c.MinMisses > 0 && c.PerItem {
		return errors.New("credit: min_misses and per_item exclude each other")
	}
	for i := range c.OverTiers {
		tr := &c.OverTiers[i]
		f := fmt.Sprintf("credit.over_tiers[%d]", i)
		if (i > 0 && tr.From != c.OverTiers[i-1].Below) || (tr.Below != 0 && tr.Below <= tr.From) || (tr.Below == 0 && i != len(c.OverTiers)-1) {
			return fmt.Errorf("%s: want from_hours < below_hours, continuing the previous tier; only the last open-ended", f)
		}
		v, err := parsePct(f+".pct", tr.Pct)
		if err != nil {
			return err
		}
		tr.PctRat = v
	}
	if c.DayFee {
		if p, ok := t.Param("day_basis"); !ok || p.Type != "enum" || !slices.Equal(p.Values, dayBases) {
			return fmt.Errorf("credit.day_fee: needs the enum parameter day_basis with values %v", dayBases)
		}
	}
	if c.MaxPct != "" {
		v, err := parsePct("credit.max_pct", c.MaxPct)
		if err != nil {
			return err
		}
		c.MaxPctRat = v
	}
	for p, v := range c.NoneWhen {
		if d, ok := t.Param(p); !ok || d.Type != "enum" || !slices.Contains(d.Values, v) {
			return fmt.Errorf("credit.none_when: %s=%q is not an enum parameter's value", p, v)
		}
	}
	return nil
}
