package catalog

import "math/big"

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
	From  int
	Below int
	Pct   string

	PctRat *big.Rat
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
