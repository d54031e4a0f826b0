package catalog

import (
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/slawatch/slawatch/calendar"
)

// Template is one service level of a provider's SLA, as data: what it
// measures, how a minute is judged, what the month is judged against and
// what credit a miss earns. Contracts bind templates to series, parameters
// and fees.
//
// A Template is compiled from its file (compile.go) and is not changed
// after: the catalog hands the same one to every contract. Beside each
// parsed comparison or percentage it keeps the text it was written as,
// for display.
type Template struct {
	ID        string
	Title     string
	Summary   string
	Source    string
	Notes     string
	AppliesTo []string
	Inputs    []Input
	Params    []Param
	Minute    *Minute
	Value     *Value
	Timer     *Timer
	Objective Objective
	Credit    CreditRule
	Caps      []string

	Provider *Provider

	written *templateYAML // as written, for WithCredit
}

// Input is a named group of series a contract binds, such as the one
// POP-to-POP path, the segments of an end-to-end path or the edge probes
// of a CDN.
type Input struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Min         int    `yaml:"min"` // at least this many series (default 1)
	Max         int    `yaml:"max"` // at most this many; 0 = no limit
}

// Param is a value a contract supplies. A parameter the seed leaves open
// has no default: a contract that omits it is rejected, naming it.
type Param struct {
	Name        string   `yaml:"name"`
	Type        string   `yaml:"type"` // number, integer, enum or region (a calendar region)
	Description string   `yaml:"description"`
	Values      []string `yaml:"values"`  // for enum
	Default     string   `yaml:"default"` // only where the seed states it
}

// Minute says how each clock minute of the level is judged down, up or
// unknown from the minute records of one input.
type Minute struct {
	Input string
	// FailWhen lists per-series conditions; a series fails in a minute
	// when any holds. Used by the all, any and share combinations.
	FailWhen []Condition
	// SeriesConsecutive > 1: a series counts as failed only inside a run
	// of at least this many failed minutes, counted from its first minute.
	SeriesConsecutive int
	// Gate names an input whose series must not fail in the minute for a
	// failure to count (CDN: the origin probe succeeded).
	Gate string
	Down Down
	// Consecutive > 1: down minutes count only inside a run of at least
	// this many, counted from the run's first minute. The run reaching
	// this length is the outage detection.
	Consecutive int
	// ConsecutiveBy picks Consecutive by an enum parameter's value (IIJ:
	// 5 minutes for Internet access, 3 for a data-centre connection).
	ConsecutiveBy *ConsecutiveBy
	// Timing "probe" times the rule's runs to the probe rather than to the
	// minute (IIJ: "no reply for 5 minutes" at 30 s pings): a run is a
	// silence, from the first probe lost after a reply to the next
	// answered probe, and an outage once it lasts Consecutive minutes
	// wherever it falls across minute edges (docs/model.md §1). It needs
	// fail_when loss ">= 100" and combine all: a silence is every probe
	// of every series lost. Empty or "minute": runs of whole minutes.
	Timing string
	// Or lists alternative rules over the same month: the minute is down
	// when this rule or any alternative holds, each with its own runs.
	Or []Minute
}

// ConsecutiveBy maps an enum parameter's values to run lengths.
type ConsecutiveBy struct {
	Param  string         `yaml:"param"`
	Values map[string]int `yaml:"values"`
}

// Rules returns the rule and its alternatives.
func (m *Minute) Rules() []*Minute {
	out := []*Minute{m}
	for i := range m.Or {
		out = append(out, &m.Or[i])
	}
	return out
}

// MaxConsecutive is the longest run the rule can require.
func (m *Minute) MaxConsecutive() int {
	n := m.Consecutive
	if m.ConsecutiveBy != nil {
		for _, v := range m.ConsecutiveBy.Values {
			n = max(n, v)
		}
	}
	return n
}

// Condition is one per-series test of a minute record. Loss is the minute
// loss in percent; RTT the minute's mean round-trip time in ms.
type Condition struct {
	Loss         string
	RTT          string
	OverBaseline *Baseline

	LossCmp *Cmp
	RTTCmp  *Cmp
}

// Baseline is "the minute's mean RTT exceeds the trailing window's mean
// RTT by more than OverPct percent".
type Baseline struct {
	OverPct       string
	WindowMinutes int

	Over *big.Rat
}

// Down combines the series of the input into the minute's status.
//
//	all:         down when every series failed (all 3 locations; primary AND secondary)
//	any:         down when any series failed
//	share:       down when the share (percent) of failed series Cmp holds (k of n)
//	loss_sum:    down when the sum of the series' loss percentages Cmp holds (end to end)
//	loss_pooled: down when lost/sent over all series Cmp holds (traffic over all links)
//
// The combinations are three-valued: a series unmeasured in the minute is
// unknown, and the minute is down only when the rule holds whatever the
// unknown series are, up when it holds for none of their values, unknown
// otherwise (docs/model.md §3).
type Down struct {
	Combine string
	When    string

	Cmp *Cmp
}

// Value is a monthly aggregate of one input.
type Value struct {
	ReportAs     string `yaml:"report_as"` // loss_pct, latency_ms or jitter_ms
	Input        string `yaml:"input"`
	Of           string `yaml:"of"`        // loss or rtt
	Aggregate    string `yaml:"aggregate"` // mean, stddev, block_mean, path_mean, or $param
	BlockMinutes int    `yaml:"block_minutes"`
}

// Objective is what the month is judged against.
type Objective struct {
	Text         string
	Availability string // Cmp on availability percent
	Value        string // Cmp on the Value aggregate
	// NotifyWithinMinutes: a notice must follow each detected outage
	// within this many minutes. Judged from notification events.
	NotifyWithinMinutes int
	// NotifyVia is the channel the SLA requires the notice on (email,
	// fax or webhook); only a delivery on it judges the level, others are
	// extra. Empty: any channel.
	NotifyVia string
	// MissesAllowed: a timed level's month is met while no more of its
	// items missed (managed firewall: a breach only at 3 or more).
	MissesAllowed int

	AvailabilityCmp *Cmp
	ValueCmp        *Cmp
}

// CreditRule says what a miss earns, as a percentage of a fee base.
type CreditRule struct {
	Base FeeBase
	// Tiers on the month's down minutes, half-open: Above < d <= UpTo.
	Tiers []Tier
	// When: a flat credit when the Value aggregate Cmp holds.
	When string
	// Missed: a flat credit when the objective is missed.
	Missed bool
	Pct    string
	PctBy  *PctBy
	// FromContract: the seed gives no credit; a contract may supply one.
	FromContract bool

	// Timed levels (see Timer):
	// PerItem: each missed ticket or event earns Pct (or its OverTiers row).
	PerItem bool
	// PerDay > 0: at most this many items are credited per day.
	PerDay int
	// MinMisses > 0: a flat Pct once this many items miss in the month.
	MinMisses int
	// OverTiers: per item, by hours beyond the target.
	OverTiers []OverTier
	// DayFee: one day's worth of the fee (by the day_basis parameter) for
	// each started hour of the month's cumulative outage.
	DayFee bool
	// Best: of the items' credits only the single most favourable counts.
	Best bool
	// MaxPct bounds the level's credit, as a percentage of its fee base.
	MaxPct string
	// NoneWhen: no credit while an enum parameter has the value given
	// (no delivery credit for SMB last-mile links).
	NoneWhen map[string]string

	WhenCmp   *Cmp
	PctRat    *big.Rat
	MaxPctRat *big.Rat
}

// FeeBase is the amount a credit percentage applies to: a named fee of the
// service, optionally divided by a parameter (the Aryaka link service fee
// is the MRC divided by the number of remote sites).
type FeeBase struct {
	Fee       string `yaml:"fee"`
	DividedBy string `yaml:"divided_by"`
	// Ticket: the base is each ticket's own fee column (the Event Fee, the
	// ACL change request rate), not a fee of the service.
	Ticket bool `yaml:"ticket"`
}

// Tier is one row of a downtime credit table.
type Tier struct {
	Above int
	UpTo  int // 0 = no upper bound
	Pct   string

	PctRat *big.Rat
}

// PctBy picks a flat percentage by an enum parameter's value.
type PctBy struct {
	Param  string
	Values map[string]string

	Rats map[string]*big.Rat
}

// Aggregates and combinations the engine implements.
var (
	combines   = []string{"all", "any", "share", "loss_sum", "loss_pooled"}
	aggregates = []string{"mean", "stddev", "block_mean", "path_mean"}
	reportAs   = []string{"loss_pct", "latency_ms", "jitter_ms"}
	paramTypes = []string{"number", "integer", "enum", "region"}
)

// Param returns the declared parameter called name.
func (t *Template) Param(name string) (*Param, bool) {
	for i := range t.Params {
		if t.Params[i].Name == name {
			return &t.Params[i], true
		}
	}
	return nil, false
}

// Input returns the declared input called name.
func (t *Template) Input(name string) (*Input, bool) {
	for i := range t.Inputs {
		if t.Inputs[i].Name == name {
			return &t.Inputs[i], true
		}
	}
	return nil, false
}

// Fees returns the fee names the credit rule uses.
func (t *Template) Fees() []string {
	if t.Credit.Base.Fee == "" {
		return nil
	}
	return []string{t.Credit.Base.Fee}
}

// ContextMinutes is how much data before and after the month the level
// needs to judge the month's edges: runs that cross them, baselines. A
// level that detects outages (a notification objective) sees two minutes
// more before the month: a run of n minutes detected in the month began
// at the month's start less n at the earliest, and only the minute
// before that tells whether it began earlier, so that an outage detected
// in the month before and still open is not detected again when the
// month begins.
func (t *Template) ContextMinutes() (before, after int) {
	if t.Minute == nil {
		return 0, 0
	}
	if t.Objective.NotifyWithinMinutes > 0 {
		defer func() { before += 2 }()
	}
	for _, m := range t.Minute.Rules() {
		run := max(m.SeriesConsecutive-1, 0) + max(m.MaxConsecutive()-1, 0)
		before, after = max(before, run), max(after, run)
		for _, c := range m.FailWhen {
			if c.OverBaseline != nil {
				before = max(before, run+c.OverBaseline.WindowMinutes)
			}
		}
	}
	return before, after
}

// parsePct parses a percentage, 0 to 100.
func parsePct(s string) (*big.Rat, error) {
	v, err := ParseNumber(s)
	if err != nil {
		return nil, err
	}
	if v.Sign() < 0 || v.Cmp(big.NewRat(100, 1)) > 0 {
		return nil, fmt.Errorf("%s is not a percentage between 0 and 100", s)
	}
	return v, nil
}

// Parse checks a contract's value for the parameter.
func (p *Param) Parse(s string) (*big.Rat, error) {
	switch p.Type {
	case "enum":
		if !slices.Contains(p.Values, s) {
			return nil, fmt.Errorf("%q is not one of %s", s, strings.Join(p.Values, ", "))
		}
		return nil, nil
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
