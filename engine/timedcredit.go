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
	ref       string   // the item's id; "" for the month's credit
	cause     string   // the item's incident
	refs      []string // a month line: the ids and causes of the items behind it
	item      int      // index into the level's items; -1 for the month
	pct       *big.Rat
	amount    decimal.Decimal
	start     time.Time // a claim made before this cannot cover the line
	completed time.Time // when the request it concerns completed
	forfeit   bool
	claim     *Claim
	earned    decimal.Decimal // the amount before the level's limit and the caps
	limit     string          // names the level's limit when it reduced amount
}

// result is a level's month judged, before incidents are merged and
// credits computed.
type result struct {
	rep LevelReport
	tm  *timed   // timed levels
	pct *big.Rat // minute levels: the credit percentage
}

// assess judges a level's month.
func (lv *level) assess() (*result, error) {
	if lv.l.Template.Timer == nil {
		rep, pct, err := lv.finish()
		sortOutages(rep.Outages)
		rep.CreditPct = Pct{Rat: pct}
		return &result{rep: rep, pct: pct}, err
	}
	t := lv.l.Template
	res := &result{rep: LevelReport{Template: t.ID, Title: t.Title, Objective: t.Objective.Text, Reasons: []string{}, CreditPct: Pct{Rat: new(big.Rat)}}}
	tm, err := lv.finishTimed(&res.rep)
	if err != nil {
		return nil, err
	}
	sortOutages(res.rep.Outages)
	res.tm = tm
	if !lv.given() {
		what := map[bool]string{true: "tickets (--tickets)", false: "events (--events)"}[t.Timer.TicketMeasure()]
		res.rep.Reasons = append(res.rep.Reasons, "no "+what+" given: nothing to judge")
	}
	if t.Timer.Measure == "outage-minutes" {
		if err := lv.judgeAvailability(&res.rep, tm); err != nil {
			return nil, err
		}
	}
	res.rep.MeanMinutes = tm.meanMinutes
	return res, nil
}

// candidates returns every credit the level's month could earn, before
// claims and the choices that depend on them.
func (lv *level) candidates(res *result) []creditLine {
	rep := &res.rep
	if res.tm == nil {
		if res.pct == nil || res.pct.Sign() == 0 {
			return nil
		}
		return []creditLine{lv.monthLine(rep, res.pct, res.tm)}
	}
	lv.verdict(res.tm)
	rep.Met = res.tm.met
	lv.countItems(rep, res.tm)
	return lv.timedCredit(rep, res.tm)
}

// choose applies the choices that follow claims: at most PerDay credited
// items a day, only the best when credits are not cumulative, the level's
// own limit. It fills the items' credits and claims into the report.
func (lv *level) choose(res *result, lines []creditLine) []creditLine {
	rep := &res.rep
	if res.tm == nil {
		for _, ln := range lines {
			rep.Claim = ln.claim
		}
		return lines
	}
	c := lv.l.Template.Credit
	if c.PerDay > 0 {
		lines = lv.perDay(res.tm, lines)
	}
	if c.Best {
		lines = lv.best(rep, lines)
	}
	lines = lv.limit(rep, lines)
	rep.Items = itemsJSON(res.tm.items, lv.e.b.Location)
	for _, ln := range lines {
		if ln.item < 0 {
			rep.Claim = ln.claim
			continue
		}
		it := &rep.Items[ln.item]
		it.CreditPct, it.Credit, it.Claim = ln.pct, ptr(ln.amount), ln.claim
	}
	return lines
}

// monthLine is a credit of pct of the level's fee base for the month.
func (lv *level) monthLine(rep *LevelReport, pct *big.Rat, tm *timed) creditLine {
	b, how := lv.base()
	amt := lv.e.round(percent(b, pct))
	rep.CreditPct = Pct{Rat: pct}
	rep.Reasons = append(rep.Reasons, fmt.Sprintf("credit %s%% of %s = %s %s", catalog.FormatRat(pct), how, lv.e.money(amt), lv.e.b.Currency))
	return creditLine{item: -1, pct: pct, amount: amt, start: lv.e.month.Start, completed: lv.e.month.End, refs: missedRefs(tm)}
}

// missedRefs lists the ids and causes of the missed items behind a
// month's credit, which a claim may name.
func missedRefs(tm *timed) []string {
	var refs []string
	if tm == nil {
		return nil
	}
	for _, j := range tm.items {
		if j.counts() {
			refs = append(refs, j.id)
			if j.cause != "" {
				refs = append(refs, j.cause)
			}
		}
	}
	return refs
}

func percent(base, pct *big.Rat) *big.Rat {
	return new(big.Rat).Mul(base, new(big.Rat).Quo(pct, big.NewRat(100, 1)))
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
		fixed(rep.OutageMinutes), fixed(rep.Availability)))
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

// timedCredit computes a timed level's candidate credit lines.
func (lv *level) timedCredit(rep *LevelReport, tm *timed) []creditLine {
	c := lv.l.Template.Credit
	for p, v := range c.NoneWhen {
		if lv.l.Enums[p] == v {
			rep.Reasons = append(rep.Reasons, fmt.Sprintf("no credit while %s is %s", p, v))
			return nil
		}
	}
	switch {
	case c.Base.Fee == "" && !c.Base.Ticket:
		if c.FromContract {
			rep.Reasons = append(rep.Reasons, "the SLA states no credit for this level and the contract supplies none")
		}
		return nil
	case c.DayFee:
		return lv.dayFeeCredit(rep, tm)
	case c.PerItem:
		return lv.perItemCredit(rep, tm)
	case len(c.Tiers) > 0:
		return lv.lateCredit(rep, tm)
	case c.MinMisses > 0:
		return lv.missCountCredit(rep, tm)
	case c.Missed && tm.met != nil && !*tm.met:
		rep.Reasons = append(rep.Reasons, "objective missed: flat credit")
		pct := c.PctRat
		if c.PctBy != nil {
			pct = c.PctBy.Rats[lv.l.Enums[c.PctBy.Param]]
		}
		return []creditLine{lv.monthLine(rep, pct, tm)}
	}
	return nil
}

// itemAmount is what a missed item alone would earn (0 where credits are
// not per item): the measure incidents are credited by.
func (lv *level) itemAmount(j *judged) *big.Rat {
	c := lv.l.Template.Credit
	if !c.PerItem || (c.Base.Fee == "" && !c.Base.Ticket) {
		return new(big.Rat)
	}
	pct := c.PctRat
	if len(c.OverTiers) > 0 {
		if pct = overTier(c.OverTiers, j.over); pct == nil {
			return new(big.Rat)
		}
	}
	b, _ := lv.itemBase(j)
	return percent(b, pct)
}

// perItemCredit credits each missed item.
func (lv *level) perItemCredit(rep *LevelReport, tm *timed) []creditLine {
	c := lv.l.Template.Credit
	var lines []creditLine
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
		base, how := lv.itemBase(j)
		amt := lv.e.round(percent(base, pct))
		rep.Reasons = append(rep.Reasons, fmt.Sprintf("%s missed: credit %s%% of %s = %s %s", j.id, catalog.FormatRat(pct), how, lv.e.money(amt), lv.e.b.Currency))
		lines = append(lines, creditLine{ref: j.id, cause: j.cause, item: i, pct: pct, amount: amt, start: j.start, completed: j.completed})
	}
	if len(lines) > 0 {
		rep.CreditPct = Pct{Text: "per item"}
	}
	return lines
}

// perDay keeps at most PerDay credited items a day (contract zone),
// claimed ones first.
func (lv *level) perDay(tm *timed, lines []creditLine) []creditLine {
	n := lv.l.Template.Credit.PerDay
	byDay := map[string][]int{}
	var days []string
	for i, ln := range lines {
		d := tm.items[ln.item].start.In(lv.e.b.Location).Format("2006-01-02")
		if byDay[d] == nil {
			days = append(days, d)
		}
		byDay[d] = append(byDay[d], i)
	}
	var out []creditLine
	for _, d := range days {
		idx := byDay[d]
		slices.SortStableFunc(idx, func(a, b int) int { return compareBool(lines[a].forfeit, lines[b].forfeit) })
		for k, i := range idx {
			if k < n {
				out = append(out, lines[i])
				continue
			}
			j := &tm.items[lines[i].item]
			j.notes = append(j.notes, fmt.Sprintf("at most %d incident a day is credited: %s is, on %s", n, lines[idx[0]].ref, d))
		}
	}
	slices.SortStableFunc(out, func(a, b creditLine) int { return a.item - b.item })
	return out
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
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
		rep.Reasons = append(rep.Reasons, fmt.Sprintf("%s: credit %s%% of %s = %s %s", j.id, catalog.FormatRat(pct), how, lv.e.money(amt), lv.e.b.Currency))
		lines = append(lines, creditLine{ref: j.id, cause: j.cause, item: i, pct: pct, amount: amt, start: j.start, completed: j.completed})
	}
	return lines
}

// best keeps the single most favourable credit, among the claimed ones
// when claims were judged.
func (lv *level) best(rep *LevelReport, lines []creditLine) []creditLine {
	if len(lines) == 1 {
		rep.CreditPct = Pct{Rat: lines[0].pct}
	}
	if len(lines) < 2 {
		return lines
	}
	best := slices.MaxFunc(lines, func(a, b creditLine) int {
		if c := compareBool(b.forfeit, a.forfeit); c != 0 {
			return c
		}
		return a.amount.Cmp(b.amount)
	})
	rep.Reasons = append(rep.Reasons, fmt.Sprintf("credits are not cumulative: only the most favourable claimed, %s's, counts", best.ref))
	rep.CreditPct = Pct{Rat: best.pct}
	return []creditLine{best}
}

// limit applies the level's own limit (MaxPct of its base) to its lines.
func (lv *level) limit(rep *LevelReport, lines []creditLine) []creditLine {
	c := lv.l.Template.Credit
	if c.MaxPctRat == nil {
		return lines
	}
	b, how := lv.base()
	left := roundDown(percent(b, c.MaxPctRat), lv.e.b.Scale)
	for i := range lines {
		if lines[i].forfeit {
			continue
		}
		if lines[i].amount.GreaterThan(left) {
			rep.Reasons = append(rep.Reasons, fmt.Sprintf("the level's credit is limited to %s%% of %s = %s; %s reduced from %s",
				c.MaxPct, how, lv.e.money(left), lines[i].ref, lv.e.money(lines[i].amount)))
			rep.CreditPct = Pct{Rat: c.MaxPctRat}
			lines[i].amount = left
			lines[i].limit = lv.l.Template.ID + " limit " + c.MaxPct + "%"
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
	return []creditLine{lv.monthLine(rep, c.PctRat, tm)}
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
	rep.CreditPct = Pct{Text: "per hour"}
	rep.Reasons = append(rep.Reasons, fmt.Sprintf("cumulative Platform Outage %s min -> %d started hours x one day's worth of %s (%s) = %s %s",
		fixed(rep.OutageMinutes), hours, how, basis, lv.e.money(amt), lv.e.b.Currency))
	return []creditLine{{item: -1, pct: new(big.Rat), amount: amt, start: lv.e.month.Start, completed: tm.lastOutage, refs: missedRefs(tm)}}
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
