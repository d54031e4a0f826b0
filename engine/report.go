package engine

import (
	"math/big"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Report is the month's verdict for every customer, service and level,
// as typed values: money as decimals, times as instants in their zones,
// figures as decimals rounded as the SLA reading rounds them. Package
// report renders it: the JSON that `slawatch evaluate --format json`
// prints and the server's report API returns (report.JSON), the table,
// the credits CSV and the PDF.
type Report struct {
	Contract string
	Month    string
	Timezone string
	Location *time.Location
	Currency string
	// Scale is the currency's minor unit: the decimals money prints with.
	Scale        int32
	MonthMinutes int
	Samples      SampleStats
	Records      *RecordStats // tickets, events and claims read; nil when no file was given
	Customers    []CustomerReport
	// UnmatchedClaims are claims that cover no credit of the month.
	UnmatchedClaims []UnmatchedClaim
}

// SampleStats accounts for every sample row read: none is dropped silently.
type SampleStats struct {
	Rows    int64
	InMonth int64
	// Context rows fall just outside the month and are used only to judge
	// runs that cross the month's edges and trailing baselines.
	Context int64
	// Outside rows fall outside the month and its context and are
	// ignored; OutsideFirst and OutsideLast are the first and last of
	// their minutes (zero: none).
	Outside                   int64
	OutsideFirst, OutsideLast time.Time
}

// CustomerReport is one customer's services and credit total.
type CustomerReport struct {
	ID, Name                  string
	Services                  []ServiceReport
	Levels, Met, Missed, Open int // Open: undetermined
	Credit                    decimal.Decimal
}

// ServiceReport is one service's levels and their credit after caps.
type ServiceReport struct {
	ID, Site string
	Levels   []LevelReport
	Credit   decimal.Decimal
}

// LevelReport is one level's month. Fields a level does not define are
// nil or zero; Met is nil when the month cannot be judged from the input.
type LevelReport struct {
	Template, Title                                  string
	MeasuredMinutes, UnknownMinutes, ExcludedMinutes int
	DownMinutes                                      *int
	// DownSeconds is a probe-timed level's down time to the second
	// (minute.timing probe); DownMinutes is then its whole minutes.
	DownSeconds *int64
	// The level's figures, rounded as the report prints them
	// (availability and loss to 6 decimals, latency and jitter to 3).
	Availability, LossPct, LatencyMs, JitterMs *decimal.Decimal
	Objective                                  string
	Budget                                     *Budget // availability objectives: the month's error budget
	Met                                        *bool
	CreditPct                                  Pct
	Credit                                     decimal.Decimal  // owed: after claims, the level's limit and the caps
	PreCap                                     *decimal.Decimal // the claimed credit before the limit and caps, when they reduced it
	Cap                                        string           // what reduced it: cap IDs, the level's limit
	CapApplied                                 bool
	Outages                                    []OutageReport
	// Timed levels: the tickets or events judged, the mean time to resolve
	// and the outage minutes counted, where the level has them.
	Items                      []Item
	MeanMinutes, OutageMinutes *decimal.Decimal
	// Claim is how the month's credit is claimed (per-item credits carry
	// their own, in Items).
	Claim   *Claim
	Reasons []string
	// Paths is each path's own figure where the level averages paths
	// (IIJ's backbone: the per-path matrix of the public page).
	Paths []Path
}

// Pct is a level's credit percentage, or, for a level whose credit has no
// single percentage, what it is counted by (Text: "per item", "per hour").
type Pct struct {
	Rat  *big.Rat
	Text string
}

// Path is one path of a path average: its mean round trip over its
// successful pings (nil: none, the path is left out of the average).
type Path struct {
	Series    string
	LatencyMs *decimal.Decimal
	Pings     uint64
}

// OutageReport is one run of down minutes that reached the rule's length
// (for a probe-timed rule, one silence: Seconds is then its length).
// DetectedAt is the instant the run became long enough; NotifyBy is the
// notification deadline where the level has one (zero otherwise).
type OutageReport struct {
	Start, End           time.Time
	Minutes              int
	Seconds              int64
	DetectedAt, NotifyBy time.Time
}

// seriesList names the series of a reason: ": a, b", or "" for none.
func (e *Evaluator) seriesList(idx []int32) string {
	if len(idx) == 0 {
		return ""
	}
	names := make([]string, len(idx))
	for i, s := range idx {
		names[i] = e.b.Series[s]
	}
	return ": " + strings.Join(names, ", ")
}
