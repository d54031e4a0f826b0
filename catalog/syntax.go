package catalog

// The template as written: the YAML a file holds, decoded strictly and
// checked (check.go) before it is compiled (compile.go) into a Template.
// Nothing here is parsed beyond YAML's own types: a comparison is still
// its text. Types that hold nothing to derive (Input, Param, Value,
// ConsecutiveBy, Timer, FeeBase and the provider's policies) are both
// their YAML and their compiled form, rather than copied field by field.

type templateYAML struct {
	ID        string        `yaml:"id"`
	Title     string        `yaml:"title"`
	Summary   string        `yaml:"summary"`
	Source    string        `yaml:"source"`
	Notes     string        `yaml:"notes"`
	AppliesTo []string      `yaml:"applies_to"`
	Inputs    []Input       `yaml:"inputs"`
	Params    []Param       `yaml:"params"`
	Minute    *minuteYAML   `yaml:"minute"`
	Value     *Value        `yaml:"value"`
	Timer     *Timer        `yaml:"timer"`
	Objective objectiveYAML `yaml:"objective"`
	Credit    creditYAML    `yaml:"credit"`
	Caps      []string      `yaml:"caps"`
}

type minuteYAML struct {
	Input             string          `yaml:"input"`
	FailWhen          []conditionYAML `yaml:"fail_when"`
	SeriesConsecutive int             `yaml:"series_consecutive"`
	Gate              string          `yaml:"gate"`
	Down              downYAML        `yaml:"down"`
	Consecutive       int             `yaml:"consecutive"`
	ConsecutiveBy     *ConsecutiveBy  `yaml:"consecutive_by"`
	Timing            string          `yaml:"timing"`
	Or                []minuteYAML    `yaml:"or"`
}

type conditionYAML struct {
	Loss         string        `yaml:"loss"`
	RTT          string        `yaml:"rtt_ms"`
	OverBaseline *baselineYAML `yaml:"rtt_over_baseline"`
}

type baselineYAML struct {
	OverPct       string `yaml:"over_pct"`
	WindowMinutes int    `yaml:"window_minutes"`
}

type downYAML struct {
	Combine string `yaml:"combine"`
	When    string `yaml:"when"`
}

type objectiveYAML struct {
	Text                string `yaml:"text"`
	Availability        string `yaml:"availability"`
	Value               string `yaml:"value"`
	NotifyWithinMinutes int    `yaml:"notify_within_minutes"`
	NotifyVia           string `yaml:"notify_via"`
	MissesAllowed       int    `yaml:"misses_allowed"`
}

type creditYAML struct {
	Base         FeeBase           `yaml:"base"`
	Tiers        []tierYAML        `yaml:"tiers"`
	When         string            `yaml:"when"`
	Missed       bool              `yaml:"missed"`
	Pct          string            `yaml:"pct"`
	PctBy        *pctByYAML        `yaml:"pct_by"`
	FromContract bool              `yaml:"from_contract"`
	PerItem      bool              `yaml:"per_item"`
	PerDay       int               `yaml:"per_day"`
	MinMisses    int               `yaml:"min_misses"`
	OverTiers    []overTierYAML    `yaml:"over_tiers"`
	DayFee       bool              `yaml:"day_fee"`
	Best         bool              `yaml:"best"`
	MaxPct       string            `yaml:"max_pct"`
	NoneWhen     map[string]string `yaml:"none_when"`
}

type tierYAML struct {
	Above int    `yaml:"above"`
	UpTo  int    `yaml:"upto"`
	Pct   string `yaml:"pct"`
}

type overTierYAML struct {
	From  int    `yaml:"from_hours"`
	Below int    `yaml:"below_hours"`
	Pct   string `yaml:"pct"`
}

type pctByYAML struct {
	Param  string            `yaml:"param"`
	Values map[string]string `yaml:"values"`
}

type providerYAML struct {
	ID            string          `yaml:"provider"`
	Name          string          `yaml:"name"`
	Source        string          `yaml:"source"`
	Exclusions    ExclusionPolicy `yaml:"exclusions"`
	Caps          []capYAML       `yaml:"caps"`
	Claims        *ClaimRule      `yaml:"claims"`
	IncidentMerge bool            `yaml:"incident_merge"`
	Rules         []Rule          `yaml:"rules"`
}

type capYAML struct {
	ID     string `yaml:"id"`
	Pct    string `yaml:"pct"`
	Fee    string `yaml:"fee"`
	Source string `yaml:"source"`
}

// param returns the declared parameter called name.
func (t *templateYAML) param(name string) (*Param, bool) {
	for i := range t.Params {
		if t.Params[i].Name == name {
			return &t.Params[i], true
		}
	}
	return nil, false
}

// hasInput reports whether an input called name is declared.
func (t *templateYAML) hasInput(name string) bool {
	for i := range t.Inputs {
		if t.Inputs[i].Name == name {
			return true
		}
	}
	return false
}

// measures reports whether the template has a timer of measure m.
func (t *templateYAML) measures(m string) bool { return t.Timer != nil && t.Timer.Measure == m }
