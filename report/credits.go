package report

import (
	"encoding/csv"
	"io"
)

// CreditColumns are the columns of the credits CSV, one row per credit a
// level earned: for the month, or for one ticket or event.
var CreditColumns = []string{"month", "customer", "service", "site", "level", "item", "credit_pct", "credit",
	"currency", "level_credit", "capped", "claim_by", "confirm_by", "claim_status", "claim_id", "invoice_by", "reason",
	"pre_cap", "cap"}

// WriteCredits writes every credit of the report as CSV for billing: the
// amount each line is owed (credit: after the level's limit and the
// service's caps; a forfeited line shows what it earned, owed nothing),
// the level's credit after claims and caps, the claim's deadlines and
// status, and, when a limit or cap reduced the line, what it earned
// before (pre_cap) and what reduced it (cap). pre_cap and cap come last
// so that the columns before them keep their places. A text cell a spreadsheet
// would run as a formula gets a leading single quote (see safeCell).
func WriteCredits(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	if err := writeRow(cw, CreditColumns); err != nil {
		return err
	}
	for _, c := range r.Customers {
		for _, s := range c.Services {
			for i := range s.Levels {
				l := &s.Levels[i]
				for _, cr := range creditRows(l) {
					rec := []string{r.Month, c.ID, s.ID, s.Site, l.Template, cr.item, cr.pct, cr.amount,
						r.Currency, l.Credit, capped(l.CapApplied)}
					rec = append(rec, claimCols(cr.claim)...)
					if err := writeRow(cw, append(rec, cr.preCap, cr.cap)); err != nil {
						return err
					}
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// creditRow is one credit of a level: the month's or one item's.
type creditRow struct {
	item, pct, amount, preCap, cap string
	claim                          *ClaimJSON
}

// creditRows returns each credit of a level.
func creditRows(l *LevelReport) []creditRow {
	var rows []creditRow
	switch {
	case l.Claim != nil:
		rows = append(rows, creditRow{"", l.CreditPct, l.Claim.Amount, l.Claim.PreCap, l.Claim.Cap, l.Claim})
	case len(l.Items) == 0 && !zero(l.Credit):
		rows = append(rows, creditRow{"", l.CreditPct, l.Credit, l.PreCap, l.Cap, nil})
	}
	for _, it := range l.Items {
		if it.Credit != "" {
			rows = append(rows, creditRow{it.ID, it.CreditPct, it.Credit, it.PreCap, it.Cap, it.Claim})
		}
	}
	return rows
}

func claimCols(c *ClaimJSON) []string {
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
