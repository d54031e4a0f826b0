// Package contract reads the contract file a user writes: which customers
// buy which services, which catalog templates (service levels) apply to
// each, the series that measure them, the parameters and fees, and the
// exclusion windows. It checks the file against the catalog and reports
// every problem with the file, line and field.
package contract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/calendar"
	"go.yaml.in/yaml/v3"

	"github.com/slawatch/slawatch/internal/yamlerr"
	"golang.org/x/text/currency"
)

// Contract is a parsed, not yet validated, contract file.
type Contract struct {
	Timezone   string      `yaml:"timezone"`
	Currency   string      `yaml:"currency"`
	Customers  []Customer  `yaml:"customers"`
	Exclusions []Exclusion `yaml:"exclusions"`
	// Closures are days the contract closes beyond public holidays, for
	// business-day deadlines (docs/business-time.md).
	Closures []Closure `yaml:"closures"`

	File     string         `yaml:"-"`
	Location *time.Location `yaml:"-"`
	Scale    int32          `yaml:"-"` // the currency's minor-unit digits (JPY 0, USD 2)
}

// Customer is one customer and the services it buys.
type Customer struct {
	ID       string    `yaml:"id"`
	Name     string    `yaml:"name"`
	Services []Service `yaml:"services"`
	Line     int       `yaml:"-"`
}

// Service is one service at one site, bound to one or more service levels.
// Template is shorthand for a single level; Levels lists several that share
// the service's inputs, parameters and fees (uptime, loss, latency and
// jitter of one PrivateCore link, say). Credits of all its levels share
// the provider's per-service caps.
type Service struct {
	ID       string                `yaml:"id"`
	Site     string                `yaml:"site"`
	Template string                `yaml:"template"`
	Levels   []string              `yaml:"levels"`
	Inputs   map[string]SeriesList `yaml:"inputs"`
	Params   map[string]string     `yaml:"params"`
	Fees     map[string]Fee        `yaml:"fees"`
	Credit   *CreditOverride       `yaml:"credit"`
	Line     int                   `yaml:"-"`
}

// CreditOverride is a credit schedule the contract supplies for levels
// whose seed states none (IIJ).
type CreditOverride struct {
	// Level names the level the schedule is for; it may be left out when
	// the service has one level whose seed states no credit.
	Level string `yaml:"level"`
	Fee   string `yaml:"fee"`
	Tiers []struct {
		Above int    `yaml:"above"`
		UpTo  int    `yaml:"upto"`
		Pct   string `yaml:"pct"`
	} `yaml:"tiers"`
	Missed bool   `yaml:"missed"`
	Pct    string `yaml:"pct"`
}

// Exclusion is a window that leaves both the numerator and the denominator
// of the services it names, when the provider honours its kind.
type Exclusion struct {
	// Times are RFC 3339, or "2006-01-02 15:04" in the contract's zone.
	StartText     string `yaml:"start"`
	EndText       string `yaml:"end"`
	AnnouncedText string `yaml:"announced"`
	Kind          string `yaml:"kind"`
	Reason        string `yaml:"reason"`
	// Services lists "customer/service" or "customer" (all its services);
	// empty means every service of the contract.
	Services []string `yaml:"services"`
	// Items names tickets or events (by id) the exclusion covers whole,
	// such as a fault the customer caused; start and end may then be left out.
	Items []string `yaml:"items"`
	Line  int      `yaml:"-"`

	Start, End time.Time  `yaml:"-"` // zero for an exclusion of items only
	Announced  *time.Time `yaml:"-"` // nil when never announced
}

// Closure is a period when business is closed beyond public holidays: a
// year-end shutdown, say. Regions limits it to some calendars (JP, DE-BY);
// empty means every calendar of the contract.
type Closure struct {
	Period  string   `yaml:"period"`
	Reason  string   `yaml:"reason"`
	Regions []string `yaml:"regions"`
	Line    int      `yaml:"-"`

	Parsed calendar.Closure `yaml:"-"`
}

// parseTime reads an exclusion time: RFC 3339 with its offset, or a local
// time in the contract's zone.
func parseTime(s string, loc *time.Location) (time.Time, error) { return slawatch.ParseTime(s, loc) }

// SeriesList is one series name or a list of them.
type SeriesList []string

// UnmarshalYAML accepts a scalar or a sequence of scalars.
func (s *SeriesList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = SeriesList{n.Value}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*s = l
	return nil
}

// Fee is an amount in the contract's currency, written as a decimal.
type Fee struct{ decimal.Decimal }

// UnmarshalYAML parses a fee exactly, from the text as written: a YAML
// float is never involved.
func (f *Fee) UnmarshalYAML(n *yaml.Node) error {
	d, err := decimal.NewFromString(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || strings.ContainsAny(n.Value, "eE") {
		return fmt.Errorf("line %d: fee %q is not a decimal amount such as \"1234.50\"", n.Line, n.Value)
	}
	f.Decimal = d
	return nil
}

// lines sets the Line of customers, services and exclusions from the
// document's nodes. (Custom unmarshalers would lose the decoder's strict
// KnownFields check, so lines are read in a second pass.)
func (c *Contract) lines(data []byte) {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return
	}
	root := doc.Content[0]
	for i, cn := range items(root, "customers") {
		if i < len(c.Customers) {
			c.Customers[i].Line = cn.Line
			for j, sn := range items(cn, "services") {
				if j < len(c.Customers[i].Services) {
					c.Customers[i].Services[j].Line = sn.Line
				}
			}
		}
	}
	for i, en := range items(root, "exclusions") {
		if i < len(c.Exclusions) {
			c.Exclusions[i].Line = en.Line
		}
	}
	for i, cn := range items(root, "closures") {
		if i < len(c.Closures) {
			c.Closures[i].Line = cn.Line
		}
	}
}

// items returns the elements of the sequence under key in mapping m.
func items(m *yaml.Node, key string) []*yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i+1].Kind == yaml.SequenceNode {
			return m.Content[i+1].Content
		}
	}
	return nil
}

// MaxFileSize bounds a contract file.
const MaxFileSize = 16 << 20

// Parse parses a contract; file names it in errors. It checks the fields
// that need no catalog; Bind checks the rest.
func Parse(r io.Reader, file string) (*Contract, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", file, MaxFileSize)
	}
	c := &Contract{File: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty contract", file)
		}
		return nil, yamlerr.Wrap(file, err, c)
	}
	c.lines(data)
	if err := c.checkHeader(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Contract) checkHeader() error {
	if c.Timezone == "" {
		return c.errorf(1, "timezone", "required (an IANA zone such as Asia/Tokyo)")
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return c.errorf(1, "timezone", "%q is not a known IANA time zone", c.Timezone)
	}
	c.Location = loc
	u, err := currency.ParseISO(c.Currency)
	if err != nil {
		return c.errorf(1, "currency", "%q is not an ISO 4217 currency code", c.Currency)
	}
	scale, _ := currency.Standard.Rounding(u)
	c.Scale = int32(scale)
	if len(c.Customers) == 0 {
		return c.errorf(1, "customers", "at least one customer is required")
	}
	return nil
}

// FieldError is a problem with one field of the contract file.
type FieldError = slawatch.FieldError

func (c *Contract) errorf(line int, field, format string, args ...any) error {
	return &FieldError{File: c.File, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
}
