package report

import (
	"bytes"
	"strings"
	"testing"
)

// wantLines fails unless every line of want is a line of got (spaces at
// either end trimmed).
func wantLines(t *testing.T, got string, want ...string) {
	t.Helper()
	lines := map[string]bool{}
	for _, l := range strings.Split(got, "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	for _, w := range want {
		if !lines[w] {
			t.Errorf("no line %q in\n%s", w, got)
		}
	}
}

// Issue 12 item 5: each report line names the amount owed, the amount
// before the cap and the cap. The loss level earned 96.00, capped by
// aryaka/site-cap to 48.00; an item earned 2000, capped to 500; its
// claim, like the level's, is for the capped amount.
func TestWriteTableCapped(t *testing.T) {
	f := false
	claim := &ClaimJSON{Amount: "48.00", PreCap: "96.00", Cap: "aryaka/site-cap", ClaimBy: "2026-12-31T23:59:59Z"}
	rep := &Report{Month: "2026-11", Currency: "USD", Customers: []CustomerReport{{
		ID: "acme",
		Services: []ServiceReport{{ID: "pc", Levels: []LevelReport{
			{Template: "aryaka/privatecore-loss", Met: &f, CreditPct: "10", Credit: "48.00", PreCap: "96.00", Cap: "aryaka/site-cap", CapApplied: true, Claim: claim},
			{Template: "aryaka/anap-ha", Met: &f, CreditPct: "per item", Credit: "500", PreCap: "2000", Cap: "aryaka/site-cap", CapApplied: true,
				Items: []ItemJSON{{ID: "F2", Kind: "failover", Start: "2026-10-06T03:00:00+09:00", Met: &f, CreditPct: "10", Credit: "500", PreCap: "2000", Cap: "aryaka/site-cap",
					Claim: &ClaimJSON{Amount: "500", PreCap: "2000", Cap: "aryaka/site-cap", ClaimBy: "2026-11-30T23:59:59+09:00"}}}},
		}}},
	}}}
	var b bytes.Buffer
	if err := WriteTable(&b, rep); err != nil {
		t.Fatal(err)
	}
	wantLines(t, b.String(),
		"claim 48.00 USD (96.00 before aryaka/site-cap) by 2026-12-31T23:59:59Z",
		"- MISSED failover F2: 2026-10-06T03:00:00+09:00, credit 10% = 500 (2000 before aryaka/site-cap)",
		"claim 500 USD (2000 before aryaka/site-cap) by 2026-11-30T23:59:59+09:00",
	)
	if !strings.Contains(b.String(), "48.00 (96.00 before aryaka/site-cap)") {
		t.Errorf("the table row lacks the level's pre-cap amount:\n%s", b.String())
	}
}
