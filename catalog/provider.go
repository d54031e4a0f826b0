package catalog

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// Provider holds the rules of one provider's SLA program that apply
// across its levels: which exclusions it honours, how much notice
// scheduled maintenance needs, and the caps on credits.
type Provider struct {
	ID         string
	Name       string
	Source     string
	Exclusions ExclusionPolicy
	Caps       []Cap
	Claims     *ClaimRule // nil: the SLA states no claim procedure
	// IncidentMerge: tickets and events of one customer with the same
	// cause are one incident, credited once, at the service where it began.
	IncidentMerge bool
	// Rules are the provider's general rules, named with their catalog
	// IDs and how slawatch applies each, for `slawatch catalog`.
	Rules []Rule
}

// Rule is one general rule of a provider's SLA program.
type Rule struct {
	ID   string `yaml:"id"`
	Text string `yaml:"text"`
}

// ClaimRule is how a provider's credits are claimed and paid.
type ClaimRule struct {
	// Window is when a claim must arrive:
	//   month-after: by the end of the billing month after the incident's month;
	//   days-after-completion: within Days days of the completion of the
	//   request (the ticket resolved, the outage over) it concerns.
	Window string `yaml:"window"`
	Days   int    `yaml:"days"`
	// ConfirmDays > 0: the claim must also be confirmed by the provider's
	// support ticket within this many days after the end of the month.
	ConfirmDays int `yaml:"confirm_days_after_month"`
	// Required lists the details a claim must carry: description,
	// duration, tickets, attempts.
	Required []string `yaml:"required"`
	// The credit reaches the invoice by the end of the InvoiceCycles-th
	// billing month after the month of the claim's receipt or confirmation.
	InvoiceCycles int    `yaml:"invoice_cycles"`
	InvoiceAfter  string `yaml:"invoice_after"` // receipt or confirmation
	Source        string `yaml:"source"`
}

// ClaimDetails are the details a claim may be required to carry.
var ClaimDetails = []string{"description", "duration", "tickets", "attempts"}

func (r *ClaimRule) check() error {
	switch {
	case r.Window != "month-after" && r.Window != "days-after-completion":
		return errorf("claims.window", "%q is not month-after or days-after-completion", r.Window)
	case (r.Window == "days-after-completion") != (r.Days > 0):
		return errorf("claims.days", "wanted with, and only with, days-after-completion")
	case r.InvoiceCycles < 1 || (r.InvoiceAfter != "receipt" && r.InvoiceAfter != "confirmation"):
		return errorf("claims", "want invoice_cycles >= 1 and invoice_after receipt or confirmation")
	}
	for _, d := range r.Required {
		if !slices.Contains(ClaimDetails, d) {
			return errorf("claims.required", "%q is not one of %v", d, ClaimDetails)
		}
	}
	return nil
}

// ExclusionPolicy lists the exclusion kinds the provider honours and the
// notice each needs, in hours before the window starts.
type ExclusionPolicy struct {
	Kinds       []string       `yaml:"kinds"`
	NoticeHours map[string]int `yaml:"notice_hours"`
}

// Cap bounds the credits of one service in one month to a percentage of
// one of its fees, over all the levels that name the cap.
type Cap struct {
	ID     string
	Pct    string
	Fee    string
	Source string

	PctRat *big.Rat
}

// Cap returns the provider's cap called id.
func (p *Provider) Cap(id string) (*Cap, bool) {
	for i := range p.Caps {
		if p.Caps[i].ID == id {
			return &p.Caps[i], true
		}
	}
	return nil, false
}

// ExclusionKinds are every kind of exclusion a contract may declare, with
// what each means. A provider honours a subset of them.
var ExclusionKinds = map[string]string{
	"maintenance":           "scheduled maintenance",
	"emergency-maintenance": "emergency maintenance or upgrade",
	"customer-fault":        "fault caused by the customer (acts, stale contacts, wrong thresholds, AUP breach)",
	"customer-equipment":    "customer or third-party equipment",
	"force-majeure":         "force majeure",
	"third-party":           "third-party network outage",
	"beta":                  "beta or trial period",
	"suspension":            "service restricted, suspended or terminated under the contract",
	"breach":                "customer in breach of contract",
	"measurement-outage":    "provider's own measurement outage (false breach)",
	"dns":                   "DNS issue outside the provider's control",
	"site-power":            "customer site power loss",
	"refused-optimisation":  "customer refused network optimisation",
	// Last-mile delivery (Aryaka LMC): the delivery commitment does not apply.
	"site-not-ready":       "site not ready, or no space or power for the circuit or equipment",
	"site-access":          "no access to the site when needed, or special permits or clearance needed",
	"customer-information": "inaccurate or incomplete information or instructions from the customer",
	"customer-unreachable": "the customer's local contact could not be reached",
	"customer-change":      "the customer paused, cancelled or changed the order",
	"civil-works":          "civil works needed to lay the local tail",
	"isp-survey":           "a site survey by the ISP delayed installation",
	"build-required":       "a build, riser or lateral needed to reach the ISP demarcation",
}

// check reports what is wrong with a provider as written, in the folder
// dir.
func (p *providerYAML) check(dir string) error {
	if p.ID != dir {
		return errorf("provider", "%q: want %q, the folder's name", p.ID, dir)
	}
	for _, k := range p.Exclusions.Kinds {
		if _, ok := ExclusionKinds[k]; !ok {
			return errorf("exclusions.kinds", "unknown kind %q", k)
		}
	}
	var errs []error
	if p.Claims != nil {
		errs = append(errs, p.Claims.check())
	}
	for i, c := range p.Caps {
		errs = append(errs, checkPct(fmt.Sprintf("caps[%d].pct", i), c.Pct))
	}
	return errors.Join(errs...)
}

// compile builds the Provider from a checked provider.
func (p *providerYAML) compile() (*Provider, error) {
	var c compiler
	out := &Provider{
		ID: p.ID, Name: p.Name, Source: p.Source, Exclusions: p.Exclusions,
		Claims: p.Claims, IncidentMerge: p.IncidentMerge, Rules: slices.Clone(p.Rules),
	}
	for _, cp := range p.Caps {
		out.Caps = append(out.Caps, Cap{ID: cp.ID, Pct: cp.Pct, Fee: cp.Fee, Source: cp.Source, PctRat: c.pct(cp.Pct)})
	}
	return out, c.err
}
