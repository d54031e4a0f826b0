package catalog

import "slices"

// The checks of a timer as written.

func (t *templateYAML) checkTimer() error {
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
	switch {
	case tm.TicketMeasure() && len(tm.Kinds) == 0:
		return errorf("timer.kinds", "measure %s reads tickets: name their kinds", tm.Measure)
	case !tm.TicketMeasure() && len(tm.Kinds) > 0:
		return errorf("timer.kinds", "measure %s reads events, not tickets", tm.Measure)
	}
	if err := t.checkTarget(tm); err != nil {
		return err
	}
	return t.checkChannelPlans(tm.ChannelPlans)
}

// checkTarget checks the timer names exactly the targets its measure uses.
func (t *templateYAML) checkTarget(tm *Timer) error {
	n := tm.targets()
	switch tm.Measure {
	case "outage-total", "outage-minutes":
		if n != 0 {
			return errorf("timer", "measure %s takes no target", tm.Measure)
		}
		return nil
	case "notification":
		if n != 0 || t.Objective.NotifyWithinMinutes == 0 {
			return errorf("timer", "a notification's target is objective.notify_within_minutes")
		}
		return nil
	}
	if n != 1 {
		return errorf("timer", "want exactly one of minutes, minutes_by, hours_by, business_days and target_param")
	}
	for _, by := range []struct {
		key string
		by  *TargetBy
	}{{"timer.minutes_by.field", tm.MinutesBy}, {"timer.hours_by.field", tm.HoursBy}} {
		if by.by != nil {
			if err := oneOf(by.key, by.by.Field, ticketFields); err != nil {
				return err
			}
		}
	}
	return t.checkTargetParams(tm)
}

// checkTargetParams checks the parameters a target reads.
func (t *templateYAML) checkTargetParams(tm *Timer) error {
	if (tm.BusinessDays > 0 || tm.Measure == "delivery") && !t.isParam("region", "region") {
		return errorf("timer", "business days need a parameter \"region\" of type region naming the calendar")
	}
	if tm.TargetParam != "" && !t.isParam(tm.TargetParam, "integer") {
		return errorf("timer.target_param", "%q is not a declared integer parameter", tm.TargetParam)
	}
	return nil
}

// targets counts the targets the timer names.
func (tm *Timer) targets() int {
	n := 0
	for _, set := range []bool{tm.Minutes > 0, tm.MinutesBy != nil, tm.HoursBy != nil, tm.BusinessDays > 0, tm.TargetParam != ""} {
		if set {
			n++
		}
	}
	return n
}

func (t *templateYAML) checkChannelPlans(cp *ChannelPlans) error {
	if cp == nil {
		return nil
	}
	p, ok := t.param(cp.Param)
	if !ok || p.Type != "enum" {
		return errorf("timer.channel_plans.param", "%q is not a declared enum parameter", cp.Param)
	}
	for _, ch := range sortedKeys(cp.Values) {
		for _, pl := range cp.Values[ch] {
			if !slices.Contains(p.Values, pl) {
				return errorf("timer.channel_plans.values."+ch, "%q is not a value of %s", pl, cp.Param)
			}
		}
	}
	return nil
}
