package engine

import (
	"encoding/json"
	"strings"
)

// Report is the month's verdict for every customer, service and level.
// It is the JSON that `slawatch evaluate --format json` prints and that
// the server's report API returns.
type Report struct {
	Contract     string           `json:"contract"`
	Month        string           `json:"month"`
	Timezone     string           `json:"timezone"`
	Currency     string           `json:"currency"`
	MonthMinutes int              `json:"month_minutes"`
	Samples      SampleStats      `json:"samples"`
	Records      *RecordStats     `json:"records,omitempty"` // tickets, events and claims read
	Customers    []CustomerReport `json:"customers"`
	// UnmatchedClaims are claims that cover no credit of the month.
	UnmatchedClaims []UnmatchedClaim `json:"unmatched_claims,omitempty"`
}

// SampleStats accounts for every sample row read: none is dropped silently.
type SampleStats struct {
	Rows    int64 `json:"rows"`
	InMonth int64 `json:"rows_in_month"`
	// Context rows fall just outside the month and are used only to judge
	// runs that cross the month's edges and trailing baselines.
	Context int64 `json:"rows_context"`
	// Outside rows fall outside the month and its context and are ignored.
	Outside      int64  `json:"rows_outside"`
	OutsideFirst string `json:"outside_first,omitempty"`
	OutsideLast  string `json:"outside_last,omitempty"`
}

// CustomerReport is one customer's services and credit total.
type CustomerReport struct {
	ID       string          `json:"id"`
	Name     string          `json:"name,omitempty"`
	Services []ServiceReport `json:"services"`
	Levels   int             `json:"levels"`
	Met      int             `json:"levels_met"`
	Missed   int             `json:"levels_missed"`
	Open     int             `json:"levels_undetermined"`
	Credit   string          `json:"credit"`
}

// ServiceReport is one service's levels and their credit after caps.
type ServiceReport struct {
	ID     string        `json:"id"`
	Site   string        `json:"site,omitempty"`
	Levels []LevelReport `json:"levels"`
	Credit string        `json:"credit"`
}

// LevelReport is one level's month. Fields a level does not define are
// left out; Met is null when the month cannot be judged from the input.
type LevelReport struct {
	Template        string `json:"template"`
	Title           string `json:"title"`
	MeasuredMinutes int    `json:"measured_minutes"`
	UnknownMinutes  int    `json:"unknown_minutes"`
	ExcludedMinutes int    `json:"excluded_minutes"`
	DownMinutes     *int   `json:"down_minutes,omitempty"`
	// DownSeconds is a probe-timed level's down time to the second
	// (minute.timing probe); DownMinutes is then its whole minutes.
	DownSeconds  *int64       `json:"down_seconds,omitempty"`
	Availability json.Number  `json:"availability_pct,omitempty"`
	LossPct      json.Number  `json:"loss_pct,omitempty"`
	LatencyMs    json.Number  `json:"latency_ms,omitempty"`
	JitterMs     json.Number  `json:"jitter_ms,omitempty"`
	Objective    string       `json:"objective"`
	Budget       *BudgetJSON  `json:"budget,omitempty"` // availability objectives: the month's error budget
	Met          *bool        `json:"met"`
	CreditPct    string       `json:"credit_pct"`
	Credit       string       `json:"credit"`            // owed: after claims, the level's limit and the caps
	PreCap       string       `json:"pre_cap,omitempty"` // the claimed credit before the limit and caps, when they reduced it
	Cap          string       `json:"cap,omitempty"`     // what reduced it: cap IDs, the level's limit
	CapApplied   bool         `json:"cap_applied"`
	Outages      []OutageJSON `json:"outages,omitempty"`
	// Timed levels: the tickets or events judged, the mean time to resolve
	// and the outage minutes counted, where the level has them.
	Items         []ItemJSON  `json:"items,omitempty"`
	MeanMinutes   json.Number `json:"mean_minutes,omitempty"`
	OutageMinutes json.Number `json:"outage_minutes,omitempty"`
	// Claim is how the month's credit is claimed (per-item credits carry
	// their own, in Items).
	Claim   *ClaimJSON `json:"claim,omitempty"`
	Reasons []string   `json:"reasons"`
	// Paths is each path's own figure where the level averages paths
	// (IIJ's backbone: the per-path matrix of the public page).
	Paths []PathJSON `json:"paths,omitempty"`
}

// PathJSON is one path of a path average: its mean round trip over its
// successful pings (absent: none, the path is left out of the average).
type PathJSON struct {
	Series    string      `json:"series"`
	LatencyMs json.Number `json:"latency_ms,omitempty"`
	Pings     uint64      `json:"pings"`
}

// OutageJSON is one run of down minutes that reached the rule's length.
// DetectedAt is the end of the minute that made the run long enough;
// NotifyBy is the notification deadline where the level has one.
type OutageJSON struct {
	Start   string `json:"start"`
	End     string `json:"end"`
	Minutes int    `json:"minutes"`
	// Seconds is a probe-timed outage's length to the second (its
	// silence); Minutes is then its whole minutes.
	Seconds    int64  `json:"seconds,omitempty"`
	DetectedAt string `json:"detected_at"`
	NotifyBy   string `json:"notify_by,omitempty"`
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
