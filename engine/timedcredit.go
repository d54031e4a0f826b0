package engine

import (
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/shopspring/decimal"
	"github.com/slawatch/slawatch/catalog"
)

// creditLine is one credit a level earns: the month's, or one item's.
// Claims are made, and forfeited, line by line.
type creditLine struct {
	ref       string // the item's id; "" for the month's credit
	cause     string
	item      int // index into the level's items; -1 for the month
	pct       *big.Rat
	amount    decimal.Decimal
	completed time.Time // when the request it concerns completed
	forfeit   bool
}

// report judges a level's month and returns its report and credit lines,
// before claims and caps.
func (lv *level) report() (LevelReport, []creditLine, error) {
	if lv.l.Template.Timer != nil {
		return lv.reportTimed()
	}
	rep, pct, err := lv.finish()
	if err != nil || pct.Sign() == 0 {
		rep.CreditPct = catalog.FormatRat(pct)
		return rep, nil, err
	}
	return rep, []creditLine{lv.monthLine(&rep, pct, lv.e.month.End)}, nil
}

// monthLine is a credit of pct of the level's fee base for the month.
func (lv *level) monthLine(rep *LevelReport, pct *big.Rat, completed time.Time) creditLine {
	b, how := lv.base()
	amt := lv.e.round(percent(b, pct))
	rep.CreditPct = catalog.FormatRat(pct)
	rep.Reasons = append(rep.Reasons, fmt.Sprintf("credit %s%% of %s = %s %s", rep.CreditPct, how, lv.e.money(amt), lv.e.b.Currency))
	return creditLine{item: -1, pct: pct, amount: amt, completed: completed}
}

func percent(base, pct *big.Rat) *big.Rat {
	return new(big.Rat).Mul(base, new(big.Rat).Quo(pct, big.NewRat(100, 1)))
}

// reportTimed judges a level measured by tickets or events.
func (lv *level) reportTimed() (LevelReport, []creditLine, error) {
	t := lv.l.Template
	rep := LevelReport{Template: t.ID, Title: t.Title, Objective: t.Objective.Text, Reasons: []string{}, CreditPct: "0"}
	tm, err := lv.finishTimed(&rep)
	if err != nil {
		return rep, nil, err
	}
	slices.SortStableFunc(tm.items, func(a, b judged) int { return a.start.Compare(b.start) })
	if !lv.given() {
		what := map[bool]string{true: "tickets (--tickets)", false: "events (--events)"}[t.Timer.TicketMeasure()]
		rep.Reasons = append(rep.Reasons, "no "+what+" given: nothing to judge")
	}
	if t.Timer.Measure == "outage-minutes" {
		if err := lv.judgeAvailability(&rep, tm); err != nil {
			return rep, nil, err
		}
	}
	rep.Met = tm.met
	rep.MeanMinutes = tm.meanMinutes
	lv.countItems(&rep, tm)
	lines, err := lv.timedCredit(&rep, tm)
	rep.Items = itemsJSON(tm.items)
	for _, ln := range lines {
		if ln.item >= 0 {
			rep.Items[ln.item].CreditPct = catalog.FormatRat(ln.pct)
			rep.Items[ln.item].Credit = lv.e.money(ln.amount)
		}
	}
	return rep, lines, err
}

func (lv *level) judgeAvailability(rep *LevelReport, tm *timed) error {
	rep.OutageMinutes = minutes(tm.outageSecs)
	if tm.avail == nil {
		return nil
	}
	rep.Availability = number(tm.avail, 6)
	th, err := resolve(lv.l.Template.Objective.AvailabilityCmp, lv.l.Numbers)
	if err != nil {
		return err
	}
	rep.Objective += " (availability " + th.String() + "%)"
	tm.met = ptr(th.rat2(tm.avail))
	rep.Reasons = append(rep.Reasons, fmt.Sprintf("B = %s outage minutes from notice to resolution, failovers and exclusions taken out; P = (A - B) / A x 100 = %s%%",
		rep.OutageMinutes, rep.Availability))
	return nil
}

// countItems sums up the items in a reason.
func (lv *level) countItems(rep *LevelReport, tm *timed) {
	var met, missed, excluded, merged, open int
	for _, j := range tm.items {
		switch {
		case j.excluded != "":
			excluded++
		case j.merged != "":
			merged++
		case j.met == nil:
			open++
		case *j.met:
			met++
		default:
			missed++
		}
	}
	if len(tm.items) > 0 {
		rep.Reasons = append(rep.Reasons, fmt.Sprintf("%d items: %d met, %d missed, %d excluded, %d merged into another incident, %d without a target or not yet complete",
			len(tm.items), met, missed, excluded, merged, open))
	}
}

// timedCredit computes a timed level's credit lines.
func (lv *level) timedCredit(rep *LevelReport, tm *timed) ([]creditLine, error) {
	c := lv.l.Template.Credit
	for p, v := range c.NoneWhen {
		if lv.l.Enums[p] == v {
			rep.Reasons = append(rep.Reasons, fmt.Sprintf("no credit while %s is %s", p, v))
			return nil, nil
		}
	}
	switch {
	case c.Base.Fee == "" && !c.Base.Ticket:
		if c.FromContract {
			rep.Reasons = append(rep.Reasons, "the SLA states no credit for this level and the contract supplies none")
		}
		return nil, nil
	case c.DayFee:
		return lv.dayFeeCredit(rep, tm), nil
	case c.PerItem:
		return lv.perItemCredit(rep, tm), nil
	case len(c.Tiers) > 0:
		return lv.limit(rep, lv.lateCredit(rep, tm)), nil
	case c.MinMisses > 0:
		return lv.missCountCredit(rep, tm), nil
	case c.Missed && tm.met != nil && !*tm.met:
		rep.Reasons = append(rep.Reasons, "objective missed: flat credit")
		pct := c.PctRat
		if c.PctBy != nil {
			pct = c.PctBy.Rats[lv.l.Enums[c.PctBy.Param]]
		}
		return []creditLine{lv.monthLine(rep, pct, lv.e.month.End)}, nil
	}
	return nil, nil
}

// perItemCredit credits each missed item, at most PerDay a day.
func (lv *level) perItemCredit(rep *LevelReport, tm *timed) []creditLine {
	c := lv.l.Template.Credit
	var lines []creditLine
	perDay := map[string][]string{}
	for i := range tm.items {
		j := &tm.items[i]
		if !j.counts() {
			continue
		}
		pct := c.PctRat
		if len(c.OverTiers) > 0 {
			if pct = overTier(c.OverTiers, j.over); pct == nil {
				j.notes = append(j.notes, fmt.Sprintf("%s beyond the target: under %d h, no credit", j.over, c.OverTiers[0].From))
				continue
			}
		}
		if c.PerDay > 0 {
			day := j.start.In(lv.e.b.Location).Format("2006-01-02")
			if got := perDay[day]; len(got) >= c.PerDay {
				j.notes = append(j.notes, fmt.Sprintf("at most %d incident a day is credited: %s already is on %s", c.PerDay, got[0], day))
				continue
			}
			perDay[day] = append(perDay[day], j.id)
		}
		base, how := lv.itemBase(j)
		amt := lv.e.round(percent(base, pct))
		rep.Reasons = append(rep.Reasons, fmt.Sprintf("%s missed: credit %s%% of %s = %s %s", j.id, catalog.FormatRat(pct), how, lv.e.money(amt), lv.e.b.Currency))
		lines = append(lines, creditLine{ref: j.id, cause: j.cause, item: i, pct: pct, amount: amt, completed: j.completed})
	}
	if len(lines) > 0 {
		rep.CreditPct = "per item"
	}
	return lines
}

// overTier returns the percentage of the row holding the time beyond the
// target: From <= hours < Below.
func overTier(tiers []catalog.OverTier, over time.Duration) *big.Rat {
	for _, tr := range tiers {
		if over >= time.Duration(tr.From)*time.Hour && (tr.Below == 0 || over < time.Duration(tr.Below)*time.Hour) {
			return tr.PctRat
		}
	}
	return nil
}

// itemBase is the fee an item's credit is a share of.
func (lv *level) itemBase(j *judged) (*big.Rat, string) {
	if lv.l.Template.Credit.Base.Ticket {
		return j.fee.Rat(), fmt.Sprintf("the ticket's fee %s", j.fee.StringFixed(lv.e.b.Scale))
	}
	return lv.base()
}

// lateCredit credits late deliveries by the contract's table of business
// days late; with Best only the most favourable counts.
func (lv *level) lateCredit(rep *LevelReport, tm *timed) []creditLine {
	var lines []creditLine
	for i := range tm.items {
		j := &tm.items[i]
		if !j.counts() || j.lateDays <= 0 {
			continue
		}
		pct := lv.tierPct(rep, j.lateDays)
		if pct.Sign() == 0 {
			continue
		}
		b, how := lv.base()
		amt := lv.e.round(percent(b, pct))
		rep.Reasons = append(rep.Reasons, fmt.Sprintf("%s: %d business days late -> %s%% of %s = %s %s",
			j.id, j.lateDays, catalog.FormatRat(pct), how, lv.e.money(amt), lv.e.b.Currency))
		lines = append(lines, creditLine{ref: j.id, cause: j.cause, item: i, pct: pct, amount: amt, completed: j.completed})
	}
	if !lv.l.Template.Credit.Best || len(lines) < 2 {
		return lines
	}
	best := slices.MaxFunc(lines, func(a, b creditLine) int { return a.amount.Cmp(b.amount) })
	rep.Reasons = append(rep.Reasons, fmt.Sprintf("credits are not cumulative: only the most favourable, %s's, counts", best.ref))
	return []creditLine{best}
}

// limit applies the level's own limit (MaxPct of its base) to its lines.
func (lv *level) limit(rep *LevelReport, lines []creditLine) []creditLine {
	c := lv.l.Template.Credit
	if c.MaxPctRat == nil {
		return lines
	}
	b, how := lv.base()
	left := lv.e.round(percent(b, c.MaxPctRat))
	for i := range lines {
		if lines[i].amount.GreaterThan(left) {
			rep.Reasons = append(rep.Reasons, fmt.Sprintf("the level's credit is limited to %s%% of %s = %s; %s reduced from %s",
				c.MaxPct, how, lv.e.money(left), lines[i].ref, lv.e.money(lines[i].amount)))
			lines[i].amount = left
		}
		left = left.Sub(lines[i].amount)
	}
	return lines
}

// missCountCredit is a flat credit once the month's misses reach MinMisses.
func (lv *level) missCountCredit(rep *LevelReport, tm *timed) []creditLine {
	c := lv.l.Template.Credit
	n := 0
	for _, j := range tm.items {
		if j.counts() {
			n++
		}
	}
	if n < c.MinMisses {
		if n > 0 {
			rep.Reasons = append(rep.Reasons, fmt.Sprintf("%d missed in the month: fewer than %d, no credit", n, c.MinMisses))
		}
		return nil
	}
	rep.Reasons = append(rep.Reasons, fmt.Sprintf("%d missed in the month: %d or more earn the credit", n, c.MinMisses))
	return []creditLine{lv.monthLine(rep, c.PctRat, lv.e.month.End)}
}

// dayFeeCredit is one day's worth of the fee for each started hour of the
// month's cumulative outage.
func (lv *level) dayFeeCredit(rep *LevelReport, tm *timed) []creditLine {
	if tm.outageSecs == 0 {
		return nil
	}
	hours := (tm.outageSecs + 3599) / 3600
	fee, how := lv.base()
	day, basis := lv.dayFee(fee)
	amt := lv.e.round(new(big.Rat).Mul(day, big.NewRat(hours, 1)))
	rep.OutageMinutes = minutes(tm.outageSecs)
	rep.CreditPct = "per hour"
	rep.Reasons = append(rep.Reasons, fmt.Sprintf("cumulative Platform Outage %s min -> %d started hours x one day's worth of %s (%s) = %s %s",
		rep.OutageMinutes, hours, how, basis, lv.e.money(amt), lv.e.b.Currency))
	return []creditLine{{item: -1, pct: new(big.Rat), amount: amt, completed: tm.lastOutage}}
}

// dayFee derives one day's worth of a monthly fee by the day_basis parameter.
func (lv *level) dayFee(fee *big.Rat) (*big.Rat, string) {
	switch lv.l.Enums["day_basis"] {
	case "30-days":
		return new(big.Rat).Quo(fee, big.NewRat(30, 1)), "/ 30"
	case "365-days":
		return new(big.Rat).Mul(fee, big.NewRat(12, 365)), "x 12 / 365"
	}
	y, m, _ := lv.e.month.Start.Date()
	days := time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Day()
	return new(big.Rat).Quo(fee, big.NewRat(int64(days), 1)), fmt.Sprintf("/ %d days in %s", days, lv.e.month.Name)
}
