// Package engine judges a month of minute records against the service
// levels of a bound contract: it decides every minute of every level,
// aggregates the month, compares it with the objective and computes the
// credit. It does no I/O and never reads the clock: the month is given,
// and minute records arrive in time order from any feed (a samples file,
// live agents), so `evaluate` and `serve` give the same numbers.
package engine

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/contract"
)

// Month is a calendar month in the contract's time zone, with its real
// length (28 to 31 days; 23 or 25 hours on a DST day).
type Month struct {
	Name       string // YYYY-MM
	Start, End time.Time
}

// ParseMonth parses YYYY-MM in the zone loc.
func ParseMonth(s string, loc *time.Location) (Month, error) {
	t, err := time.ParseInLocation("2006-01", s, loc)
	if err != nil {
		return Month{}, fmt.Errorf("month %q: want YYYY-MM", s)
	}
	m := Month{Name: s, Start: t, End: t.AddDate(0, 1, 0)}
	if m.Start.Unix()%60 != 0 || m.End.Unix()%60 != 0 {
		return Month{}, fmt.Errorf("month %q: zone %s does not start months on a whole UTC minute", s, loc)
	}
	return m, nil
}

// Minutes is the number of minutes in the month.
func (m Month) Minutes() int { return int(m.End.Sub(m.Start) / time.Minute) }

// Evaluator holds the month-to-date state of every level of a contract.
type Evaluator struct {
	b      *contract.Bound
	month  Month
	m0, m1 int64 // the month, unix minutes [m0, m1)
	w0, w1 int64 // the evaluation window: the month with its context
	levels []*level
	slow   []*level // levels with a part that must be stepped every minute
	// Single-series rules and values are judged when their series' record
	// arrives: a minute without one stays unknown, the zero status.
	fastRules  [][]*rule  // by series
	fastValues [][]*level // by series
	needCur    []bool     // series some slow level reads
	rec        records
	asOf       time.Time // a month-to-date report's instant (SetAsOf); zero: the month is over
	next       int64     // the next window minute to judge
	stats      SampleStats
	// the first and last minutes of rows outside the window, if any
	outFirst, outLast int64
	anyOutside        bool
	named             slawatch.Batch // AddNamed's batch, reused
	in                inputs         // tickets, events and claims
	watches           []watch        // the notification rules' runs
	onOutage          func(Outage)
}

// records holds the current minute's record of every series.
type records struct {
	cur   []slawatch.Minute
	stamp []int64 // minute+1 for which cur holds data
	now   int64   // the minute get answers for
	empty slawatch.Minute
}

// get returns the record of series s in the current minute; an unknown
// (empty) one when the series sent nothing.
func (r *records) get(s int32) *slawatch.Minute {
	if r.stamp[s] == r.now+1 {
		return &r.cur[s]
	}
	return &r.empty
}

// New prepares the evaluation of month for every level of b.
func New(b *contract.Bound, month Month) (*Evaluator, error) {
	e := &Evaluator{b: b, month: month, m0: month.Start.Unix() / 60, m1: month.End.Unix() / 60}
	var before, after int
	for _, s := range b.Services {
		for _, l := range s.Levels {
			bf, af := l.Template.ContextMinutes()
			before, after = max(before, bf), max(after, af)
		}
	}
	e.w0, e.w1 = e.m0-int64(before), e.m1+int64(after)
	e.next = e.w0
	for _, s := range b.Services {
		for _, l := range s.Levels {
			lv, err := newLevel(e, l)
			if err != nil {
				return nil, fmt.Errorf("%s/%s %s: %w", s.Customer.ID, s.Service.ID, l.Template.ID, err)
			}
			e.levels = append(e.levels, lv)
		}
	}
	e.rec.cur = make([]slawatch.Minute, len(b.Series))
	e.rec.stamp = make([]int64, len(b.Series))
	e.subscribe()
	e.watchNotifications()
	return e, nil
}

// subscribe sorts the levels' parts into those judged per record and
// those stepped per minute.
func (e *Evaluator) subscribe() {
	n := len(e.b.Series)
	e.fastRules, e.fastValues, e.needCur = make([][]*rule, n), make([][]*level, n), make([]bool, n)
	for _, lv := range e.levels {
		slow := false
		for _, r := range lv.rules {
			if r.fast != nil {
				e.fastRules[r.series[0]] = append(e.fastRules[r.series[0]], r)
			} else {
				slow = true
			}
		}
		if v := lv.val; v != nil && len(v.series) == 1 && v.kind != kindBlock {
			lv.fastVal = true
			e.fastValues[v.series[0]] = append(e.fastValues[v.series[0]], lv)
		} else if v != nil {
			slow = true
		}
		if !slow {
			continue
		}
		e.slow = append(e.slow, lv)
		for _, in := range lv.l.Inputs {
			for _, s := range in {
				e.needCur[s] = true
			}
		}
	}
}

// Add feeds one minute's records. Batches must come in increasing minute
// order; minutes with no batch are unknown.
func (e *Evaluator) Add(b *slawatch.Batch) error {
	e.stats.Rows += b.Rows
	if b.Minute < e.w0 || b.Minute >= e.w1 {
		e.outside(b)
		return nil
	}
	if b.Minute < e.next {
		return fmt.Errorf("minute %s arrived after a later one", e.fmtMinute(b.Minute))
	}
	if b.Minute >= e.m0 && b.Minute < e.m1 {
		e.stats.InMonth += b.Rows
	} else {
		e.stats.Context += b.Rows
	}
	e.stepUntil(b.Minute)
	i := int(b.Minute - e.w0)
	j := b.Minute - e.m0
	inMonth := j >= 0 && b.Minute < e.m1
	for k := range b.Records {
		r := &b.Records[k]
		if e.needCur[r.Series] {
			e.rec.cur[r.Series] = r.Minute
			e.rec.stamp[r.Series] = b.Minute + 1
		}
		for _, fr := range e.fastRules[r.Series] {
			fr.judge(i, &r.Minute)
		}
		if inMonth {
			for _, lv := range e.fastValues[r.Series] {
				lv.addFast(b.Minute, j, &r.Minute)
			}
		}
	}
	e.step(b.Minute)
	return nil
}

// AddNamed feeds one minute of named records, as the probing agent hands
// them over, in any order; series the contract does not bind are left
// out. Minutes must come in increasing order, as for Add.
func (e *Evaluator) AddNamed(minute int64, recs []slawatch.SeriesMinute) error {
	b := &e.named
	b.Minute, b.Records, b.Rows = minute, b.Records[:0], 0
	for _, r := range recs {
		if i, ok := e.b.Lookup([]byte(r.Series)); ok {
			b.Records = append(b.Records, slawatch.Record{Series: i, Minute: r.M})
			b.Rows++
		}
	}
	slices.SortFunc(b.Records, func(x, y slawatch.Record) int { return cmp.Compare(x.Series, y.Series) })
	return e.Add(b)
}

func (e *Evaluator) outside(b *slawatch.Batch) {
	e.stats.Outside += b.Rows
	// values, not pointers into the batch: the caller reuses it
	if !e.anyOutside || b.Minute < e.outFirst {
		e.outFirst = b.Minute
	}
	if !e.anyOutside || b.Minute > e.outLast {
		e.outLast = b.Minute
	}
	e.anyOutside = true
}

// stepUntil judges the window minutes before t, which had no data.
func (e *Evaluator) stepUntil(t int64) {
	for e.next < t {
		e.step(e.next)
	}
}

func (e *Evaluator) step(t int64) {
	e.rec.now = t
	i := int(t - e.w0)
	inMonth := t >= e.m0 && t < e.m1
	for _, l := range e.slow {
		l.step(i, t, inMonth, &e.rec)
	}
	e.next = t + 1
	if e.watches != nil {
		e.detect(i, t)
	}
}

// Finish judges the rest of the window and returns the report.
func (e *Evaluator) Finish() (*Report, error) {
	e.stepUntil(e.w1)
	if e.anyOutside {
		e.stats.OutsideFirst, e.stats.OutsideLast = e.minuteAt(e.outFirst), e.minuteAt(e.outLast)
	}
	if e.stats.Rows > 0 && e.stats.InMonth == 0 {
		return nil, fmt.Errorf("no sample falls in %s (%s): %d rows read, %d outside the month (%s to %s); check --month",
			e.month.Name, e.b.Location, e.stats.Rows, e.stats.Outside, fmtTime(e.stats.OutsideFirst), fmtTime(e.stats.OutsideLast))
	}
	r := &Report{Contract: e.b.File, Month: e.month.Name, Timezone: e.b.Timezone, Location: e.b.Location,
		Currency: e.b.Currency, Scale: e.b.Scale, MonthMinutes: e.month.Minutes(), Samples: e.stats}
	if e.in.tickets != nil {
		r.Records = &e.in.stats
	}
	byService := map[*contract.BoundService][]*level{}
	results := map[*level]*result{}
	for _, l := range e.levels {
		byService[l.l.Service] = append(byService[l.l.Service], l)
		res, err := l.assess()
		if err != nil {
			return nil, fmt.Errorf("%s/%s %s: %w", l.l.Service.Customer.ID, l.l.Service.Service.ID, l.l.Template.ID, err)
		}
		results[l] = res
	}
	e.mergeIncidents(results)
	var cust *CustomerReport
	for _, s := range e.b.Services {
		if cust == nil || cust.ID != s.Customer.ID {
			r.Customers = append(r.Customers, CustomerReport{ID: s.Customer.ID, Name: s.Customer.Name})
			cust = &r.Customers[len(r.Customers)-1]
		}
		cust.Services = append(cust.Services, e.finishService(s, byService[s], results))
	}
	for i := range r.Customers {
		e.total(&r.Customers[i])
	}
	r.UnmatchedClaims = e.unmatchedClaims()
	return r, nil
}

// secondAt is a unix second in the contract's zone.
func (e *Evaluator) secondAt(t int64) time.Time { return time.Unix(t, 0).In(e.b.Location) }

// minuteAt is the start of a unix minute in the contract's zone.
func (e *Evaluator) minuteAt(t int64) time.Time { return time.Unix(t*60, 0).In(e.b.Location) }

// fmtMinute prints a unix minute in the contract's zone.
func (e *Evaluator) fmtMinute(t int64) string {
	return time.Unix(t*60, 0).In(e.b.Location).Format(time.RFC3339)
}
