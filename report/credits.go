package report

import (
	"encoding/csv"
	"io"

	"github.com/slawatch/slawatch/engine"
)

// CreditColumns are the columns of the credits CSV, one row per credit a
// level earned: for the month, or for one ticket or event.
var CreditColumns = []string{"month", "customer", "service", "site", "level", "item", "credit_pct", "credit",
	"currency", "level_credit", "capped", "claim_by", "confirm_by", "claim_status", "claim_id", "invoice_by", "reason"}

// WriteCredits writes every credit of the report as CSV for billing: the
// amount each line earned before caps, the level's credit after claims and
// caps, and the claim's deadlines and status. A text cell a spreadsheet
// would run as a formula gets a leading single quote (see safeCell).
func WriteCredits(w io.Writer, r *engine.Report) error {
	cw := csv.NewWriter(w)
	if err := writeRow(cw, CreditColumns); err != nil {
		return err
	}
	for _, c := range r.Customers {
		for _, s := range c.Services {
			for i := range s.Levels {
				l := &s.Levels[i]
				base := []string{r.Month, c.ID, s.ID, s.Site, l.Template}
				for _, row := range creditRows(l) {
					rec := append(append(append([]string{}, base...), row[:3]...), r.Currency, l.Credit, capped(l.CapApplied))
					if err := writeRow(cw, append(rec, row[3:]...)); err != nil {
						return err
					}
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// creditRows returns item, pct, amount, then the claim columns, for each
// credit of a level.
func creditRows(l *engine.LevelReport) [][]string {
	var rows [][]string
	switch {
	case l.Claim != nil:
		rows = append(rows, append([]string{"", l.CreditPct, l.Claim.Amount}, claimCols(l.Claim)...))
	case len(l.Items) == 0 && !zero(l.Credit):
		rows = append(rows, append([]string{"", l.CreditPct, l.Credit}, claimCols(nil)...))
	}
	for _, it := range l.Items {
		if it.Credit != "" {
			rows = append(rows, append([]string{it.ID, it.CreditPct, it.Credit}, claimCols(it.Claim)...))
		}
	}
	return rows
}

func claimCols(c *engine.ClaimJSON) []string {
	if c == nil {
		return []string{"", "", "", "", "", ""}
	}
	return []string{c.ClaimBy, c.ConfirmBy, c.Status, c.ClaimID, c.InvoiceBy, c.Reason}
}

func zero(s string) bool {
	for _, r := range s {
		if r != '0' && r != '.' {
			return false
		}
	}
	return true
}

func capped(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
