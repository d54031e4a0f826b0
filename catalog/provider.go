package catalog

import "math/big"

// Provider holds the rules of one provider's SLA program that apply
// across its levels: which exclusions it honours, how much notice
// scheduled maintenance needs, and the caps on credits.
type Provider struct {
	ID         string          `yaml:"provider"`
	Name       string          `yaml:"name"`
	Source     string          `yaml:"source"`
	Exclusions ExclusionPolicy `yaml:"exclusions"`
	Caps       []Cap           `yaml:"caps"`
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
	ID     string `yaml:"id"`
	Pct    string `yaml:"pct"`
	Fee    string `yaml:"fee"`
	Source string `yaml:"source"`

	PctRat *big.Rat `yaml:"-"`
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
}
