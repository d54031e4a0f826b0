package catalog_test

import (
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
