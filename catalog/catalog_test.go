package catalog_test

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/slawatch/slawatch/catalog"
)

// The probe-measured levels of SLA-CATALOG.md that the catalog must hold.
var probeLevels = []string{
	"iij/internet-availability", "iij/dc-availability", "iij/backbone-latency", "iij/outage-notification",
	"aryaka/e2e-uptime", "aryaka/privatecore-uptime", "aryaka/privatecore-loss", "aryaka/privatecore-latency",
	"aryaka/privatecore-jitter", "aryaka/l3core-uptime", "aryaka/hosted-fw-uptime", "aryaka/cdn-uptime",
	"aryaka/ngfw-swg-uptime", "aryaka/private-access-uptime", "aryaka/internet-breakout",
	"aryaka/lmc-availability", "aryaka/lmc-loss",
	// timed by tickets and events
	"aryaka/tunnel-down-notify", "aryaka/anap-ha", "aryaka/pop-ha", "aryaka/managed-fw-response",
	"aryaka/lmc-delivery", "aryaka/lmc-mttr", "ntt/platform-availability", "ntt/mitigation-response",
	"ntt/acl-standard", "ntt/acl-emergency",
}

// TestEverySLACatalogID checks that every ID of ../shared/SLA-CATALOG.md
// is a template or a provider's general rule.
func TestEverySLACatalogID(t *testing.T) {
	doc, err := os.ReadFile("../../shared/SLA-CATALOG.md")
	if err != nil {
		t.Skipf("SLA-CATALOG.md not beside the repository: %v", err)
	}
	c, err := catalog.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var known []string
	for _, p := range c.Providers() {
		for _, r := range p.Rules {
			known = append(known, r.ID)
		}
	}
	ids := regexp.MustCompile("(?m)^\\| ((?:iij|aryaka|ntt)/[a-z0-9-]+) \\|").FindAllSubmatch(doc, -1)
	if len(ids) < 30 {
		t.Fatalf("found only %d IDs in SLA-CATALOG.md", len(ids))
	}
	for _, m := range ids {
		id := string(m[1])
		if _, err := c.Template(id); err != nil && !slices.Contains(known, id) {
			t.Errorf("%s: neither a template nor a general rule", id)
		}
	}
}

func TestBuiltinHoldsEveryProbeLevel(t *testing.T) {
	c, err := catalog.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range probeLevels {
		tpl, err := c.Template(id)
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		if tpl.Source == "" || tpl.Provider == nil {
			t.Errorf("%s: no source or provider", id)
		}
	}
	if _, err := c.Template("acme/none"); err == nil {
		t.Error("unknown template: want an error")
	}
}
