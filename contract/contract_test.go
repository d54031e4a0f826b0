package contract_test

import (
	"strings"
	"testing"

	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract"
)

const good = `timezone: Asia/Tokyo
currency: JPY
customers:
  - id: acme
    services:
      - id: link
        template: aryaka/privatecore-uptime
        inputs: {path: p1}
        params: {remote_sites: 2}
        fees: {mrc: "1000"}
`

func bind(t *testing.T, text string) (*contract.Bound, error) {
	t.Helper()
	cat, err := catalog.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	c, err := contract.Parse(strings.NewReader(text), "c.yaml")
	if err != nil {
		return nil, err
	}
	return c.Bind(cat)
}

func TestBindGood(t *testing.T) {
	b, err := bind(t, good)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Series) != 1 || b.Series[0] != "p1" || b.Scale != 0 {
		t.Fatalf("series %v scale %d", b.Series, b.Scale)
	}
	if i, ok := b.Lookup([]byte("p1")); !ok || i != 0 {
		t.Fatal("lookup p1")
	}
}

// Every bad contract is rejected with the file, line and field named.
func TestBindErrors(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"unknown template", "aryaka/privatecore-uptime", "acme/none",
			`c.yaml:6: customers[0].services[0].template: unknown template "acme/none"`},
		{"missing parameter", "params: {remote_sites: 2}", "params: {}",
			`c.yaml:6: customers[0].services[0].params: missing parameter "remote_sites" of aryaka/privatecore-uptime`},
		{"bad parameter", "remote_sites: 2", "remote_sites: 0",
			`c.yaml:6: customers[0].services[0].params.remote_sites: "0" is not a positive integer`},
		{"missing input", "inputs: {path: p1}", "inputs: {}",
			`c.yaml:6: customers[0].services[0].inputs: missing input "path" of aryaka/privatecore-uptime`},
		{"too many series", "inputs: {path: p1}", "inputs: {path: [p1, p2]}",
			`c.yaml:6: customers[0].services[0].inputs.path: 2 series; aryaka/privatecore-uptime needs exactly 1`},
		{"unknown input", "inputs: {path: p1}", "inputs: {path: p1, pth: p2}",
			`c.yaml:6: customers[0].services[0]: "pth" is not an input, parameter or fee of aryaka/privatecore-uptime`},
		{"missing fee", `fees: {mrc: "1000"}`, `fees: {}`,
			`c.yaml:6: customers[0].services[0].fees: missing "mrc"`},
		{"bad fee", `mrc: "1000"`, `mrc: "ten"`, `c.yaml:10: fee "ten" is not a decimal amount`},
		{"unknown field", "template:", "templte:", `c.yaml:7: unknown key "templte" (did you mean "template"?); allowed here: credit, fees, id, inputs, levels, params, site, template`},
		{"bad zone", "Asia/Tokyo", "Asia/Tokio", `c.yaml:1: timezone: "Asia/Tokio" is not a known IANA time zone`},
		{"bad currency", "JPY", "YEN", `c.yaml:1: currency: "YEN" is not an ISO 4217 currency code`},
		{"repeated customer", "customers:\n", "customers:\n  - id: acme\n    services: [{id: x, template: iij/backbone-latency, inputs: {paths: a}}]\n",
			`customers[1].id: "acme" is empty, contains '/' or is repeated`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(good, tt.from, tt.to, 1)
			if text == good {
				t.Fatalf("replacement %q not found", tt.from)
			}
			_, err := bind(t, text)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v\nwant it to contain %s", err, tt.want)
			}
		})
	}
}

func TestExclusionErrors(t *testing.T) {
	tests := []struct{ excl, want string }{
		{"{start: 2026-10-02T00:00:00Z, end: 2026-10-01T00:00:00Z, kind: maintenance}",
			"c.yaml:12: exclusions[0]: want start and end (RFC 3339) with end after start"},
		{"{start: 2026-10-02, end: 2026-10-03T00:00:00Z, kind: maintenance}",
			`c.yaml:12: exclusions[0].start: "2026-10-02" is not RFC 3339`},
		{"{end: 2026-10-03T00:00:00Z, kind: maintenance}", "c.yaml:12: exclusions[0].start: required"},
		{"{start: 2026-10-01T00:00:00Z, end: 2026-10-02T00:00:00Z, kind: holiday}",
			`c.yaml:12: exclusions[0].kind: "holiday" is not one of`},
		{"{start: 2026-10-01T00:00:00Z, end: 2026-10-02T00:00:00Z, kind: maintenance, services: [acme/nope]}",
			`c.yaml:12: exclusions[0].services: "acme/nope" names no customer`},
	}
	for _, tt := range tests {
		_, err := bind(t, good+"exclusions:\n  - "+tt.excl+"\n")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("got %v\nwant it to contain %s", err, tt.want)
		}
	}
}

// The 48-hour notice rule: maintenance announced 47h59m ahead is not
// excluded under Aryaka, 48h ahead is.
func TestMaintenanceNotice(t *testing.T) {
	for _, tt := range []struct {
		announced string
		applies   bool
	}{
		{"2026-10-08T00:01:00Z", false}, // 47 h 59 min before
		{"2026-10-08T00:00:00Z", true},  // exactly 48 h
		{"", false},                     // never announced
	} {
		ann := ""
		if tt.announced != "" {
			ann = ", announced: " + tt.announced
		}
		b, err := bind(t, good+"exclusions:\n  - {start: 2026-10-10T00:00:00Z, end: 2026-10-10T01:00:00Z, kind: maintenance"+ann+"}\n")
		if err != nil {
			t.Fatal(err)
		}
		x := b.Services[0].Levels[0].Exclusions[0]
		if x.Applies != tt.applies {
			t.Errorf("announced %q: applies %v, want %v (%s)", tt.announced, x.Applies, tt.applies, x.Why)
		}
	}
}

// FuzzContract: no input makes the parser or the binder panic.
func FuzzContract(f *testing.F) {
	f.Add(good)
	f.Add(good + "exclusions:\n  - {start: 2026-10-10T00:00:00Z, end: 2026-10-10T01:00:00Z, kind: maintenance}\n")
	f.Add("timezone: UTC\ncurrency: USD\ncustomers: [{id: a, services: [{id: s, levels: [iij/dc-availability], inputs: {lines: [a, b]}}]}]\n")
	f.Add("")
	f.Add("{")
	cat, err := catalog.Builtin()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := contract.Parse(strings.NewReader(text), "fuzz.yaml")
		if err != nil {
			return
		}
		_, _ = c.Bind(cat)
	})
}

// A local exclusion time is read in the contract's zone, not UTC.
func TestLocalExclusionTime(t *testing.T) {
	b, err := bind(t, good+"exclusions:\n  - {start: \"2026-10-10 09:00\", end: \"2026-10-10 10:00\", kind: force-majeure}\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Exclusions[0].Start.UTC().Format("15:04"); got != "00:00" {
		t.Errorf("09:00 Tokyo = 00:00 UTC, got %s", got)
	}
}

// A credit schedule with a fee but no rule is refused, not a crash later.
func TestCreditOverrideNeedsRule(t *testing.T) {
	text := strings.Replace(good, "template: aryaka/privatecore-uptime\n        inputs: {path: p1}\n        params: {remote_sites: 2}",
		"template: iij/dc-availability\n        inputs: {lines: [p1, p2]}\n        credit: {fee: mrc}", 1)
	_, err := bind(t, text)
	if err == nil || !strings.Contains(err.Error(), "credit: a fee base needs tiers, when, missed") {
		t.Fatalf("got %v", err)
	}
}
