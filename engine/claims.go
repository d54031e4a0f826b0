package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract"
)

// Claim is how one credit is claimed: by when, when it reaches the
// invoice and, when claims were given, whether it was claimed in time.
type Claim struct {
	// Amount is the credit owed: what the line earned less the level's
	// limit and the service's caps. PreCap is what it earned before them
	// and Cap names what reduced it, both only when they did.
	Amount    decimal.Decimal
	PreCap    *decimal.Decimal
	Cap       string
	ClaimBy   time.Time // the last instant a claim may arrive
	ConfirmBy time.Time // the last instant of the provider's confirming ticket; zero: none needed
	Invoice   string    // when a claimed credit reaches the invoice
	InvoiceBy time.Time // the last day of that billing month, once claimed (a date: midnight in the contract's zone)
	// Status, with --claims: claimed (on time), late (forfeited),
	// unclaimed (forfeited) or rejected (a claim lacking required details:
	// forfeited unless another claim covers it).
	Status, ClaimID, Reason string
}

// UnmatchedClaim is a claim that covers no credit of the month.
type UnmatchedClaim struct {
	ID     string
	At     string // file:line
	Reason string
}

// applyClaims sets each credit line's claim deadline and, when claims were
// given, its status; a line not claimed on time is forfeited.
func (e *Evaluator) applyClaims(s *contract.BoundService, lv *level, rep *LevelReport, lines []creditLine) {
	rule := lv.l.Template.Provider.Claims
	if rule == nil {
		return
	}
	for i := range lines {
		ln := &lines[i]
		dl := e.deadlines(rule, ln)
		cj := &Claim{Amount: ln.amount, ClaimBy: dl.claim, ConfirmBy: dl.confirm,
			Invoice: fmt.Sprintf("within %d billing cycle(s) after the month of the claim's %s", rule.InvoiceCycles, rule.InvoiceAfter)}
		if e.in.claimsGiven {
			e.judgeClaim(s, lv, rule, ln, cj, dl)
		}
		ln.claim = cj
		if ln.forfeit {
			rep.Reasons = append(rep.Reasons, fmt.Sprintf("credit %s %s forfeited: %s", e.money(ln.amount), orMonth(ln.ref), cj.Reason))
		}
	}
}

func orMonth(ref string) string {
	if ref == "" {
		return "for the month"
	}
	return "for " + ref
}

// deadlines are a credit's last instants for the claim and, where the
// provider needs one, the confirming support ticket (zero: none).
type deadlines struct{ claim, confirm time.Time }

// deadlines applies the provider's claim window to a line.
func (e *Evaluator) deadlines(rule *catalog.ClaimRule, ln *creditLine) deadlines {
	var dl deadlines
	if rule.Window == "month-after" {
		dl.claim = e.month.End.AddDate(0, 1, 0).Add(-time.Second)
	} else {
		dl.claim = firstSet(ln.completed, e.month.End).In(e.b.Location).AddDate(0, 0, rule.Days)
	}
	if rule.ConfirmDays > 0 {
		dl.confirm = e.month.End.AddDate(0, 0, rule.ConfirmDays)
	}
	return dl
}

// judgeClaim finds the claim covering a line and judges it.
func (e *Evaluator) judgeClaim(s *contract.BoundService, lv *level, rule *catalog.ClaimRule, ln *creditLine, cj *Claim, dl deadlines) {
	var cands []*slawatch.Claim
	for _, other := range e.b.Services {
		if other.Customer != s.Customer {
			continue
		}
		for _, c := range e.in.claims[other] {
			if covers(c, lv.l.Template.ID, ln, other == s) {
				cands = append(cands, c)
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b *slawatch.Claim) int { return a.Submitted.Compare(b.Submitted) })
	ln.forfeit = true
	if len(cands) == 0 {
		cj.Status, cj.Reason = "unclaimed", "no claim covers it, and without a claim there is no credit"
		return
	}
	for _, c := range cands {
		e.in.usedClaims[c] = true
		if missing := missingDetails(rule, c); len(missing) > 0 {
			cj.Status, cj.ClaimID = "rejected", c.ID
			cj.Reason = fmt.Sprintf("claim %s (%s:%d) lacks %s the provider requires: the credit is forfeited unless another claim covers it",
				c.ID, c.Pos.File, c.Pos.Line, andList(missing))
			continue
		}
		cj.ClaimID = c.ID
		e.judgeTimely(rule, ln, cj, c, dl)
		return
	}
}

// covers reports whether claim c covers credit line ln of level tpl. A
// claim filed at another service of the customer covers it only by naming
// its incident; a claim cannot cover what happened after it was made.
func covers(c *slawatch.Claim, tpl string, ln *creditLine, sameService bool) bool {
	if (c.Level != "" && c.Level != tpl) || c.Submitted.Before(ln.start) {
		return false
	}
	if !sameService {
		return c.Ref != "" && c.Ref == ln.cause
	}
	return c.Ref == "" || c.Ref == ln.ref || (ln.cause != "" && c.Ref == ln.cause) || slices.Contains(ln.refs, c.Ref)
}

// judgeTimely checks a complete claim against the deadlines.
func (e *Evaluator) judgeTimely(rule *catalog.ClaimRule, ln *creditLine, cj *Claim, c *slawatch.Claim, dl deadlines) {
	submitted := e.fmtAt(c.Submitted)
	if c.Submitted.After(dl.claim) {
		cj.Status = "late"
		cj.Reason = fmt.Sprintf("claim %s was submitted %s, after the deadline %s: the credit is forfeited", c.ID, submitted, fmtTime(cj.ClaimBy))
		return
	}
	if !dl.confirm.IsZero() && c.Confirmed.After(dl.confirm) {
		cj.Status = "late"
		cj.Reason = fmt.Sprintf("claim %s was confirmed by a support ticket %s, after the deadline %s: the credit is forfeited",
			c.ID, e.fmtAt(c.Confirmed), fmtTime(cj.ConfirmBy))
		return
	}
	ln.forfeit = false
	cj.Status = "claimed"
	from := c.Submitted
	byConfirmation := rule.InvoiceAfter == "confirmation"
	if byConfirmation && !c.Confirmed.IsZero() {
		from = c.Confirmed
	}
	y, m, _ := from.In(e.b.Location).Date()
	cj.InvoiceBy = time.Date(y, m+time.Month(rule.InvoiceCycles)+1, 0, 0, 0, 0, 0, e.b.Location)
	invoiceBy := cj.InvoiceBy.Format("2006-01-02")
	switch {
	case !c.Confirmed.IsZero():
		cj.Reason = fmt.Sprintf("claim %s was submitted %s and confirmed %s: the credit is due on an invoice by %s",
			c.ID, submitted, e.fmtAt(c.Confirmed), invoiceBy)
	case byConfirmation:
		cj.Reason = fmt.Sprintf("claim %s was submitted %s and is not confirmed yet: if it is confirmed in %s, the credit is due on an invoice by %s",
			c.ID, submitted, from.In(e.b.Location).Format("2006-01"), invoiceBy)
	default:
		cj.Reason = fmt.Sprintf("claim %s was submitted %s: the credit is due on an invoice by %s", c.ID, submitted, invoiceBy)
	}
	if !cj.ConfirmBy.IsZero() && c.Confirmed.IsZero() {
		cj.Reason += "; it awaits the support ticket that must confirm it by " + fmtTime(cj.ConfirmBy)
	}
}

// andList joins the required details a claim lacks: "the tickets", "the
// tickets and the attempts", "the duration, the tickets and the attempts".
func andList(items []string) string {
	the := make([]string, len(items))
	for i, s := range items {
		the[i] = "the " + s
	}
	if len(the) < 2 {
		return strings.Join(the, "")
	}
	return strings.Join(the[:len(the)-1], ", ") + " and " + the[len(the)-1]
}

// missingDetails lists the required details a claim lacks.
func missingDetails(rule *catalog.ClaimRule, c *slawatch.Claim) []string {
	have := map[string]string{"description": c.Description, "duration": c.Duration, "tickets": c.Tickets, "attempts": c.Attempts}
	var out []string
	for _, d := range rule.Required {
		if strings.TrimSpace(have[d]) == "" {
			out = append(out, d)
		}
	}
	return out
}

// unmatchedClaims lists the claims no credit line used.
func (e *Evaluator) unmatchedClaims() []UnmatchedClaim {
	var out []UnmatchedClaim
	for _, s := range e.b.Services {
		for _, c := range e.in.claims[s] {
			if !e.in.usedClaims[c] {
				out = append(out, UnmatchedClaim{ID: c.ID, At: fmt.Sprintf("%s:%d", c.Pos.File, c.Pos.Line),
					Reason: fmt.Sprintf("covers no credit of %s in %s", c.Service, e.month.Name)})
			}
		}
	}
	return out
}
