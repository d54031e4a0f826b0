package report

import (
	"encoding/json"
	"time"

	"github.com/shopspring/decimal"
	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/engine"
)

// The JSON rendering of an engine.Report: what `slawatch evaluate
// --format json` prints and the server's report API returns. Money prints
// to the currency's minor unit, times in RFC 3339 in their zone (the
// contract's, or a ticket's own), figures with every decimal the engine
// rounded them to. docs/model.md §12 describes every field.

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
	// Ignored rows, counted in Rows too, are those of series the contract
	// does not bind, left out by evaluate --ignore-unknown-series;
	// IgnoredSeries names those series, sorted. The engine never sees
	// them, so the command that read the samples fills both in.
	Ignored       int64    `json:"rows_ignored,omitempty"`
	IgnoredSeries []string `json:"ignored_series,omitempty"`
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

// RecordStats accounts for the tickets, events and claims read.
type RecordStats struct {
	Tickets int `json:"tickets"`
	Events  int `json:"events"`
	Claims  int `json:"claims"`
	// Unused counts tickets and events of a kind no level of their service
	// reads (a general ticket export holds many).
	Unused int `json:"unused"`
}

// BudgetJSON is a level's error budget for the month: of the month's
// minutes not excluded (Basis), how many may be down with the objective
// still met (Allowed), how many are so far (Used) and what is left (Left,
// negative once the objective is missed). Availability levels only.
type BudgetJSON struct {
	Basis   int `json:"basis_minutes"`
	Allowed int `json:"allowed_down_minutes"`
	Used    int `json:"used_down_minutes"`
	Left    int `json:"left_down_minutes"`
}

// ItemJSON is one ticket or event a timed level judged: when it started
// and stopped, its deadline, whether it met it and what it earned.
type ItemJSON struct {
	ID        string      `json:"id"`
	Kind      string      `json:"kind"`
	Start     string      `json:"start"`
	Stop      string      `json:"stop,omitempty"`
	Target    string      `json:"target,omitempty"`
	Deadline  string      `json:"deadline,omitempty"`
	Elapsed   json.Number `json:"elapsed_minutes,omitempty"`
	Met       *bool       `json:"met"`
	Excluded  string      `json:"excluded,omitempty"`
	Incident  string      `json:"incident,omitempty"`
	CreditPct string      `json:"credit_pct,omitempty"`
	Credit    string      `json:"credit,omitempty"`  // owed: after the level's limit and the caps
	PreCap    string      `json:"pre_cap,omitempty"` // before them, when they reduced it
	Cap       string      `json:"cap,omitempty"`     // what reduced it
	Claim     *ClaimJSON  `json:"claim,omitempty"`
	Notes     []string    `json:"notes,omitempty"`
}

// ClaimJSON is how one credit is claimed: by when, when it reaches the
// invoice and, when claims were given, whether it was claimed in time.
type ClaimJSON struct {
	// Amount is the credit owed: what the line earned less the level's
	// limit and the service's caps. PreCap is what it earned before them
	// and Cap names what reduced it, both only when they did.
	Amount    string `json:"amount"`
	PreCap    string `json:"pre_cap,omitempty"`
	Cap       string `json:"cap,omitempty"`
	ClaimBy   string `json:"claim_by"`             // the last instant a claim may arrive
	ConfirmBy string `json:"confirm_by,omitempty"` // the last instant of the provider's confirming ticket
	Invoice   string `json:"invoice"`              // when a claimed credit reaches the invoice
	InvoiceBy string `json:"invoice_by,omitempty"` // the last day of that billing month, once claimed
	// Status, with --claims: claimed (on time), late (forfeited),
	// unclaimed (forfeited) or rejected (a claim lacking required details:
	// forfeited unless another claim covers it).
	Status  string `json:"status,omitempty"`
	ClaimID string `json:"claim_id,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// UnmatchedClaim is a claim that covers no credit of the month.
type UnmatchedClaim struct {
	ID     string `json:"id"`
	At     string `json:"at"` // file:line
	Reason string `json:"reason"`
}

// JSON returns the report's JSON rendering.
func JSON(r *engine.Report) *Report {
	out := &Report{Contract: r.Contract, Month: r.Month, Timezone: r.Timezone, Currency: r.Currency,
		MonthMinutes: r.MonthMinutes, Samples: samplesJSON(r.Samples), Customers: []CustomerReport{}}
	if rc := r.Records; rc != nil {
		out.Records = &RecordStats{Tickets: rc.Tickets, Events: rc.Events, Claims: rc.Claims, Unused: rc.Unused}
	}
	if r.Customers == nil {
		out.Customers = nil
	}
	m := money{r.Scale}
	for _, c := range r.Customers {
		cj := CustomerReport{ID: c.ID, Name: c.Name, Services: make([]ServiceReport, len(c.Services)),
			Levels: c.Levels, Met: c.Met, Missed: c.Missed, Open: c.Open, Credit: m.of(c.Credit)}
		if c.Services == nil {
			cj.Services = nil
		}
		for i, s := range c.Services {
			sj := ServiceReport{ID: s.ID, Site: s.Site, Levels: make([]LevelReport, len(s.Levels)), Credit: m.of(s.Credit)}
			if s.Levels == nil {
				sj.Levels = nil
			}
			for k := range s.Levels {
				sj.Levels[k] = levelJSON(&s.Levels[k], m)
			}
			cj.Services[i] = sj
		}
		out.Customers = append(out.Customers, cj)
	}
	for _, u := range r.UnmatchedClaims {
		out.UnmatchedClaims = append(out.UnmatchedClaims, UnmatchedClaim{ID: u.ID, At: u.At, Reason: u.Reason})
	}
	return out
}

func samplesJSON(s engine.SampleStats) SampleStats {
	return SampleStats{Rows: s.Rows, InMonth: s.InMonth, Context: s.Context, Outside: s.Outside,
		OutsideFirst: at(s.OutsideFirst), OutsideLast: at(s.OutsideLast)}
}

func levelJSON(l *engine.LevelReport, m money) LevelReport {
	out := LevelReport{Template: l.Template, Title: l.Title, MeasuredMinutes: l.MeasuredMinutes,
		UnknownMinutes: l.UnknownMinutes, ExcludedMinutes: l.ExcludedMinutes, DownMinutes: l.DownMinutes,
		DownSeconds: l.DownSeconds, Availability: figure(l.Availability), LossPct: figure(l.LossPct),
		LatencyMs: figure(l.LatencyMs), JitterMs: figure(l.JitterMs), Objective: l.Objective, Met: l.Met,
		CreditPct: pct(l.CreditPct), Credit: m.of(l.Credit), PreCap: m.opt(l.PreCap), Cap: l.Cap,
		CapApplied: l.CapApplied, MeanMinutes: figure(l.MeanMinutes), OutageMinutes: figure(l.OutageMinutes),
		Claim: claimJSON(l.Claim, m), Reasons: l.Reasons}
	if b := l.Budget; b != nil {
		out.Budget = &BudgetJSON{Basis: b.Basis, Allowed: b.Allowed, Used: b.Used, Left: b.Left}
	}
	for _, o := range l.Outages {
		out.Outages = append(out.Outages, OutageJSON{Start: at(o.Start), End: at(o.End), Minutes: o.Minutes,
			Seconds: o.Seconds, DetectedAt: at(o.DetectedAt), NotifyBy: at(o.NotifyBy)})
	}
	for i := range l.Items {
		out.Items = append(out.Items, itemJSON(&l.Items[i], m))
	}
	for _, p := range l.Paths {
		out.Paths = append(out.Paths, PathJSON{Series: p.Series, LatencyMs: figure(p.LatencyMs), Pings: p.Pings})
	}
	return out
}

func itemJSON(it *engine.Item, m money) ItemJSON {
	out := ItemJSON{ID: it.ID, Kind: it.Kind, Start: at(it.Start), Stop: at(it.Stop), Target: it.Target,
		Deadline: at(it.Deadline), Elapsed: figure(it.Elapsed), Met: it.Met, Excluded: it.Excluded,
		Incident: it.Incident, Credit: m.opt(it.Credit), PreCap: m.opt(it.PreCap), Cap: it.Cap,
		Claim: claimJSON(it.Claim, m), Notes: it.Notes}
	if it.CreditPct != nil {
		out.CreditPct = catalog.FormatRat(it.CreditPct)
	}
	return out
}

func claimJSON(c *engine.Claim, m money) *ClaimJSON {
	if c == nil {
		return nil
	}
	out := &ClaimJSON{Amount: m.of(c.Amount), PreCap: m.opt(c.PreCap), Cap: c.Cap, ClaimBy: at(c.ClaimBy),
		ConfirmBy: at(c.ConfirmBy), Invoice: c.Invoice, Status: c.Status, ClaimID: c.ClaimID, Reason: c.Reason}
	if !c.InvoiceBy.IsZero() {
		out.InvoiceBy = c.InvoiceBy.Format(time.DateOnly)
	}
	return out
}

// money prints amounts to the currency's minor unit.
type money struct{ scale int32 }

func (m money) of(d decimal.Decimal) string { return d.StringFixed(m.scale) }

// opt prints an amount that may be absent ("": absent).
func (m money) opt(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return m.of(*d)
}

// figure prints a figure with every decimal the engine rounded it to
// ("": absent).
func figure(d *decimal.Decimal) json.Number {
	if d == nil {
		return ""
	}
	return json.Number(d.StringFixed(max(-d.Exponent(), 0)))
}

// at prints an instant in RFC 3339 in its own zone ("": none).
func at(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// pct prints a credit percentage, or what the credit is counted by.
func pct(p engine.Pct) string {
	switch {
	case p.Text != "":
		return p.Text
	case p.Rat != nil:
		return catalog.FormatRat(p.Rat)
	}
	return ""
}
