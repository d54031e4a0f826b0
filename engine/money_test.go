package engine_test

import (
	"strings"
	"testing"

	"github.com/slawatch/slawatch/report"
)

// Goldens for issue 12 item 5: the money a customer claims is the money
// owed. Every claim carries the amount after the level's limit and the
// service's caps, with the amount before them (pre_cap) and what reduced
// it (cap) beside it.

const aryCappedClaims = `
timezone: UTC
currency: USD
customers:
  - id: acme
    services:
      - id: pc
        levels: [aryaka/privatecore-uptime, aryaka/privatecore-loss, aryaka/privatecore-jitter]
        inputs: {path: p1}
        params: {remote_sites: "1", jitter_threshold_ms: "1"}
        fees: {mrc: "960.00"}
`

// checkClaim compares a claim's amount, pre-cap amount, cap and status.
func checkClaim(tb testing.TB, what string, c *report.ClaimJSON, amount, preCap, capName, status string) {
	tb.Helper()
	if c == nil {
		tb.Errorf("%s: no claim", what)
		return
	}
	if c.Amount != amount || c.PreCap != preCap || !strings.Contains(c.Cap, capName) || (capName == "") != (c.Cap == "") || c.Status != status {
		tb.Errorf("%s: claim %+v, want amount %s pre_cap %q cap %q status %s", what, c, amount, preCap, capName, status)
	}
}

// November 2026, UTC: 43,200 minutes; one remote site, so the link fee is
// the MRC, 960.00.
func TestClaimCarriesCappedAmount(t *testing.T) {
	f := scenario(t, aryCappedClaims).month("2026-11", "p1", 60, 30000)
	// 121 minutes with every ping lost; half a day at 50 ms makes the
	// month's jitter about 2.6 ms, above the 1 ms threshold.
	f.outage("p1", "2026-11-20 00:00", "2026-11-20 02:01", 60, 60, 0)
	f.outage("p1", "2026-11-10 00:00", "2026-11-10 12:00", 60, 0, 50000)
	claims := "id,service,level,ref,submitted,confirmed,description,duration,tickets,attempts\n" +
		"C1,acme/pc,,,2026-12-02 10:00,2026-12-03 10:00,PrivateCore down,121 min,SR-1,checked the CPE\n"
	r := f.records("-", "-", claims).eval("2026-11")
	// uptime: 121 > 120 -> 20% of 960.00 = 192.00
	// loss: 121 x 100% / 43200 = 0.280093% > 0.1% -> 10% = 96.00
	// jitter: > 1 ms -> 10% = 96.00
	// cap 25% of 960.00 = 240.00, in level order: uptime 192.00 (48.00
	// left), loss 96.00 reduced to 48.00 (0 left), jitter 96.00 reduced to
	// 0.00. Service total 240.00.
	up := level(t, r, "acme/pc", "aryaka/privatecore-uptime")
	loss := level(t, r, "acme/pc", "aryaka/privatecore-loss")
	jit := level(t, r, "acme/pc", "aryaka/privatecore-jitter")
	checkClaim(t, "uptime", up.Claim, "192.00", "", "", "claimed")
	checkClaim(t, "loss", loss.Claim, "48.00", "96.00", "aryaka/site-cap", "claimed")
	checkClaim(t, "jitter", jit.Claim, "0.00", "96.00", "aryaka/site-cap", "claimed")
	for _, x := range []struct {
		l                    report.LevelReport
		credit, preCap, capN string
	}{{up, "192.00", "", ""}, {loss, "48.00", "96.00", "aryaka/site-cap"}, {jit, "0.00", "96.00", "aryaka/site-cap"}} {
		if x.l.Credit != x.credit || x.l.PreCap != x.preCap || x.l.Cap != x.capN {
			t.Errorf("%s: credit %s pre_cap %q cap %q, want %s %q %q", x.l.Template, x.l.Credit, x.l.PreCap, x.l.Cap, x.credit, x.preCap, x.capN)
		}
	}
	if got := r.Customers[0].Services[0].Credit; got != "240.00" {
		t.Errorf("service credit %s, want 240.00", got)
	}
}

const aryCappedItems = `
timezone: Asia/Tokyo
currency: JPY
customers:
  - id: acme
    services:
      - id: osaka
        template: aryaka/anap-ha
        fees: {anap_ha: "20000", mrc: "10000"}
`

// Per-item credits: three slow failovers on three days, each 10% of the
// ANAP-HA fee 20000 = 2000; the site cap is 25% of the MRC 10000 = 2500.
// In time order F1 keeps 2000 (500 left), F2 is reduced to 500, F3 to 0.
// Without --claims every credit is owed: the claims carry the same.
func TestItemClaimsCarryCappedAmount(t *testing.T) {
	events := `id,service,kind,start,end
F1,acme/osaka,failover,2026-10-05 03:00,2026-10-05 03:06
F2,acme/osaka,failover,2026-10-06 03:00,2026-10-06 03:06
F3,acme/osaka,failover,2026-10-07 03:00,2026-10-07 03:06
`
	r := scenario(t, aryCappedItems).records("-", events, "-").eval("2026-10")
	l := level(t, r, "acme/osaka", "aryaka/anap-ha")
	checkTimed(t, l, tw{met: "false", pct: "per item", credit: "2500", capped: true, items: "F1:false/2000 F2:false/500 F3:false/0"})
	for _, x := range []struct{ id, amount, preCap, capN string }{
		{"F1", "2000", "", ""}, {"F2", "500", "2000", "aryaka/site-cap"}, {"F3", "0", "2000", "aryaka/site-cap"},
	} {
		it := itemByID(t, l, x.id)
		checkClaim(t, x.id, it.Claim, x.amount, x.preCap, x.capN, "")
		if it.PreCap != x.preCap || it.Cap != x.capN {
			t.Errorf("%s: item pre_cap %q cap %q, want %q %q", x.id, it.PreCap, it.Cap, x.preCap, x.capN)
		}
	}
}
