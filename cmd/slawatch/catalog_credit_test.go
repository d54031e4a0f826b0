package main

import (
	"strings"
	"testing"
)

// catalog show states every level's credit, in words (issue 12: the NTT
// response and ACL levels printed "credit: none" and "credit:  of base").
func TestCatalogShowsCredits(t *testing.T) {
	for id, want := range map[string]string{
		"ntt/mitigation-response":   "credit: each missed item: 50% of the item's own fee",
		"ntt/acl-standard":          "credit: each missed item: 50% of the item's own fee",
		"ntt/platform-availability": "credit: one day's worth of base for each started hour of the month's cumulative outage",
		"aryaka/lmc-availability":   "credit: when the objective is missed: 10% (access dual) or 5% (access single) of mrc",
		"aryaka/pop-ha":             "at most 1 item a day",
		"aryaka/lmc-mttr":           "1 to under 8 h beyond the target: 10% per item; 8 h or more beyond the target: 20% per item of mrc",
		"iij/internet-availability": "credit: none in the SLA; a contract may supply one",
	} {
		code, out, errs := run(t, "", "catalog", "show", id)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("catalog show %s: exit %d %s\n%s\nwant a line with %q", id, code, errs, out, want)
		}
	}
}
