package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
)

// evaluation is the live, month-to-date evaluation of every customer.
// Minutes are judged in order: a minute is fed to the evaluators once it
// is complete, that is once every active agent has delivered it (agents
// deliver in order), or, with no agent active, Grace after its end.
type evaluation struct {
	s  *Server
	mu sync.Mutex
	// customers with a contract, and which of them bind each series
	customers map[string]*custEval
	route     map[string][]*custEval
	pending   map[int64]*pendingMinute
	nPending  int
	agents    map[string]*agentMark
	next      int64 // the next minute to judge: every earlier one is judged
	// completeAt is when the data that let next advance arrived
	completeAt time.Time
	found      []found // outages detected while feeding, for the incidents
	wake       chan struct{}
	inc        *incidents
}

// custEval is one customer's contract and its open months.
type custEval struct {
	id     string
	bound  *contract.Bound
	months map[string]*monthEval // open months, by YYYY-MM
	closed map[string]*monthEval // the last months closed, for reports
	stale  time.Time             // non-zero: late data arrived then; recompute
	// before and after are the context minutes the months' windows add
	// to the month; checkAt is the next minute a month opens or closes
	before, after int64
	checkAt       int64
	// recs is the minute being fed, reused
	recs []slawatch.SeriesMinute
}

// monthEval is the evaluator of one month of one customer.
type monthEval struct {
	month  engine.Month
	ev     *engine.Evaluator
	w0, w1 int64
}

// pendingMinute holds the records delivered for a minute not yet judged,
// by agent; an agent's second delivery of a minute adds only the series
// its first lacked (first stored wins, as in the store).
type pendingMinute struct {
	byAgent map[string][]slawatch.SeriesMinute
}

// agentMark is how far an agent has delivered.
type agentMark struct {
	mark int64     // the latest minute delivered
	seen time.Time // when it last delivered
}

// found is an outage an evaluator reported.
type found struct {
	customer string
	bound    *contract.Bound
	o        engine.Outage
	at       time.Time
}

// keepClosed is how many closed months a customer keeps in memory for
// reports; older months are read from the stored final report.
const keepClosed = 2

func newEvaluation(s *Server) *evaluation {
	return &evaluation{s: s, customers: map[string]*custEval{}, route: map[string][]*custEval{},
		pending: map[int64]*pendingMinute{}, agents: map[string]*agentMark{}, wake: make(chan struct{}, 1),
		inc: newIncidents(s)}
}

// start loads every customer's contract, decides where judging resumes
// and rebuilds the open months from the store.
func (e *evaluation) start(ctx context.Context) error {
	now := e.s.cfg.Now()
	marks, err := e.s.st.AgentMinutes(ctx)
	if err != nil {
		return err
	}
	e.next = slawatch.UnixMinute(now.Add(-e.s.cfg.Grace))
	var lowest int64 = math.MaxInt64
	for name, m := range marks {
		// agents heard from in the last day are presumed alive: judging
		// waits for them (until AgentTimeout) to deliver what they spooled
		if m >= slawatch.UnixMinute(now)-24*60 {
			e.agents[name] = &agentMark{mark: m, seen: now}
			lowest = min(lowest, m+1)
		}
	}
	if lowest != math.MaxInt64 {
		e.next = min(lowest, slawatch.UnixMinute(now))
	}
	docs, err := e.s.st.ListDocs(ctx, "", kindContract)
	if err != nil {
		return err
	}
	var cs []*custEval
	for _, d := range docs {
		b, err := e.s.loadBound(ctx, d.Customer)
		if err != nil {
			return fmt.Errorf("customer %s: %w", d.Customer, err)
		}
		cs = append(cs, e.add(d.Customer, b))
	}
	e.s.log.Info("evaluation resumes", "minute", fmtMinute(e.next, time.UTC), "customers", len(cs), "agents", len(e.agents))
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.rebuild(ctx, cs)
}

// add makes the live state of a customer, without months; the caller
// rebuilds them. The caller holds mu or is alone.
func (e *evaluation) add(id string, b *contract.Bound) *custEval {
	c := &custEval{id: id, bound: b, months: map[string]*monthEval{}, closed: map[string]*monthEval{}}
	for _, sv := range b.Services {
		for _, l := range sv.Levels {
			bf, af := l.Template.ContextMinutes()
			c.before, c.after = max(c.before, int64(bf)), max(c.after, int64(af))
		}
	}
	e.customers[id] = c
	for _, name := range b.Series {
		e.route[name] = append(e.route[name], c)
	}
	return c
}

// remove drops a customer's live state. The caller holds mu.
func (e *evaluation) remove(id string) {
	c := e.customers[id]
	if c == nil {
		return
	}
	delete(e.customers, id)
	for _, name := range c.bound.Series {
		e.route[name] = slices.DeleteFunc(e.route[name], func(x *custEval) bool { return x == c })
		if len(e.route[name]) == 0 {
			delete(e.route, name)
		}
	}
}

// setContract replaces a customer's contract (or its exclusions) and
// recomputes its open months from the store.
func (e *evaluation) setContract(ctx context.Context, id string, b *contract.Bound) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.customers[id]
	e.remove(id)
	c := e.add(id, b)
	if old != nil {
		c.closed = map[string]*monthEval{} // closed months are recomputed on request
	}
	return e.rebuild(ctx, []*custEval{c})
}

// recompute rebuilds a customer's open months from the store: after late
// data, or when asked.
func (e *evaluation) recompute(ctx context.Context, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.customers[id]
	if c == nil {
		return slawatch.Errorf(slawatch.ENOTFOUND, "customer %q has no contract", id)
	}
	return e.rebuild(ctx, []*custEval{c})
}

// rebuild makes new evaluators for the months of cs open at next and
// feeds them every stored minute before next: one pass over the store.
// The caller holds mu.
func (e *evaluation) rebuild(ctx context.Context, cs []*custEval) error {
	from := e.next
	for _, c := range cs {
		c.months, c.stale, c.checkAt = map[string]*monthEval{}, time.Time{}, 0
		if err := e.openMonths(c, e.next); err != nil {
			return err
		}
		for _, m := range c.months {
			from = min(from, m.w0)
		}
		e.s.metrics.recomputes.Inc()
	}
	if from >= e.next {
		return nil
	}
	route := map[string][]*custEval{}
	for _, c := range cs {
		for _, name := range c.bound.Series {
			route[name] = append(route[name], c)
		}
	}
	err := e.s.st.ReadMinutes(ctx, from, e.next, func(minute int64, recs []slawatch.SeriesMinute) error {
		return e.feed(minute, recs, route)
	})
	if err != nil {
		return fmt.Errorf("rebuild from the store: %w", err)
	}
	return nil
}

// openMonths opens the months of c whose evaluation window holds minute
// t and that are not open yet. A month opened after its window began is
// rebuilt by the caller.
func (e *evaluation) openMonths(c *custEval, t int64) error {
	if t < c.checkAt {
		return nil
	}
	loc := c.bound.Location
	at := time.Unix(t*60, 0).In(loc)
	c.checkAt = math.MaxInt64
	for _, d := range []int{-1, 0, 1} {
		first := time.Date(at.Year(), at.Month()+time.Month(d), 1, 0, 0, 0, 0, loc)
		name := first.Format("2006-01")
		w0 := first.Unix()/60 - c.before
		w1 := first.AddDate(0, 1, 0).Unix()/60 + c.after
		if t < w0 {
			c.checkAt = min(c.checkAt, w0)
		}
		if t < w0 || t >= w1 || c.months[name] != nil || c.closed[name] != nil {
			continue
		}
		m, err := engine.ParseMonth(name, loc)
		if err != nil {
			return err
		}
		ev, err := engine.New(c.bound, m)
		if err != nil {
			return fmt.Errorf("customer %s %s: %w", c.id, name, err)
		}
		me := &monthEval{month: m, ev: ev}
		me.w0, me.w1 = ev.Window()
		b := c.bound
		ev.OnOutage(func(o engine.Outage) {
			e.found = append(e.found, found{customer: c.id, bound: b, o: o, at: e.s.cfg.Now()})
		})
		c.months[name] = me
	}
	for _, m := range c.months {
		c.checkAt = min(c.checkAt, m.w1)
	}
	return nil
}

// deliver takes one agent's delivery of a minute, already stored, and
// keeps the records some customer binds until the minute is judged; it
// keeps recs itself (reordered). Records of minutes already judged are
// late: their customers are marked for recomputation.
func (e *evaluation) deliver(agent string, minute int64, recs []slawatch.SeriesMinute) {
	now := e.s.cfg.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	recs = slices.DeleteFunc(recs, func(r slawatch.SeriesMinute) bool { return e.route[r.Series] == nil })
	a := e.agents[agent]
	if a == nil {
		a = &agentMark{mark: minute}
		e.agents[agent] = a
	}
	a.mark, a.seen = max(a.mark, minute), now
	if minute < e.next {
		e.s.metrics.lateRecords.Add(float64(len(recs)))
		for _, r := range recs {
			for _, c := range e.route[r.Series] {
				if c.stale.IsZero() {
					c.stale = time.Now() // the delay is real time
				}
			}
		}
		return
	}
	p := e.pending[minute]
	if p == nil {
		p = &pendingMinute{byAgent: map[string][]slawatch.SeriesMinute{}}
		e.pending[minute] = p
	}
	have := p.byAgent[agent]
	if have == nil {
		p.byAgent[agent] = recs
		e.nPending += len(recs)
	} else {
		seen := make(map[string]bool, len(have))
		for _, r := range have {
			seen[r.Series] = true
		}
		for _, r := range recs {
			if !seen[r.Series] {
				have = append(have, r)
				seen[r.Series] = true
				e.nPending++
			}
		}
		p.byAgent[agent] = have
	}
	e.completeAt = time.Now() // a real duration, whatever the clock
}

// kick asks the run loop to judge what has become complete.
func (e *evaluation) kick() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// target is the first minute not yet complete at now.
func (e *evaluation) target(now time.Time) int64 {
	bound := int64(math.MaxInt64)
	for _, a := range e.agents {
		if now.Sub(a.seen) <= e.s.cfg.AgentTimeout {
			bound = min(bound, a.mark+1)
		}
	}
	if bound == math.MaxInt64 {
		return slawatch.UnixMinute(now.Add(-e.s.cfg.Grace))
	}
	return min(bound, slawatch.UnixMinute(now))
}

// run judges minutes as they complete, recomputes customers that had
// late data, and hands detected outages to the incidents.
func (e *evaluation) run(ctx context.Context) {
	go e.inc.run(ctx)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		case <-tick.C:
			e.recomputeStale(ctx)
		}
		if err := e.advance(ctx); err != nil {
			e.s.log.Error("evaluation", "err", err)
		}
	}
}

// advance judges every complete minute.
func (e *evaluation) advance(ctx context.Context) error {
	now := e.s.cfg.Now()
	e.mu.Lock()
	target := e.target(now)
	if target <= e.next {
		f := e.found
		e.found = nil
		e.mu.Unlock()
		e.inc.add(f)
		return nil
	}
	var err error
	keys := make([]int64, 0, len(e.pending))
	for m := range e.pending {
		if m < target {
			keys = append(keys, m)
		}
	}
	slices.Sort(keys)
	for _, m := range keys {
		if err = e.moveTo(ctx, m); err != nil {
			break
		}
		err = e.feed(m, e.take(m), e.route)
		if err != nil {
			break
		}
		e.next = m + 1
	}
	if err == nil {
		err = e.moveTo(ctx, target)
	}
	lag := time.Since(e.completeAt)
	e.s.metrics.pendingMinutes.Set(float64(len(e.pending)))
	e.s.metrics.pendingRecords.Set(float64(e.nPending))
	e.s.metrics.judgedMinute.Set(float64(e.next * 60))
	f := e.found
	e.found = nil
	e.mu.Unlock()
	if len(keys) > 0 {
		e.s.metrics.evalLag.Observe(lag.Seconds())
	}
	e.inc.add(f)
	return err
}

// take removes minute m's records from pending, merged across agents:
// sorted by series, a series two agents measured summed (as the store
// reads it).
func (e *evaluation) take(m int64) []slawatch.SeriesMinute {
	p := e.pending[m]
	delete(e.pending, m)
	if p == nil {
		return nil
	}
	var all []slawatch.SeriesMinute
	if len(p.byAgent) == 1 {
		for _, r := range p.byAgent {
			all = r
		}
	} else {
		agents := make([]string, 0, len(p.byAgent))
		for a := range p.byAgent {
			agents = append(agents, a)
		}
		sort.Strings(agents)
		for _, a := range agents {
			all = append(all, p.byAgent[a]...)
		}
	}
	e.nPending -= len(all)
	slices.SortStableFunc(all, func(a, b slawatch.SeriesMinute) int { return strings.Compare(a.Series, b.Series) })
	out := all[:0]
	for _, r := range all {
		if n := len(out); n > 0 && out[n-1].Series == r.Series {
			out[n-1].M.Merge(r.M)
			continue
		}
		out = append(out, r)
	}
	return out
}

// moveTo opens and closes months as judging reaches minute t: a month
// closes when t passes its window; the months whose window holds t open.
// The caller holds mu.
func (e *evaluation) moveTo(ctx context.Context, t int64) error {
	for _, c := range e.customers {
		if t < c.checkAt {
			continue
		}
		for name, m := range c.months {
			if t >= m.w1 {
				delete(c.months, name)
				e.close(ctx, c, name, m)
			}
		}
		if err := e.openMonths(c, t); err != nil {
			return err
		}
	}
	e.next = max(e.next, t)
	return nil
}

// close keeps a finished month for reports and stores its final report.
func (e *evaluation) close(ctx context.Context, c *custEval, name string, m *monthEval) {
	c.closed[name] = m
	if len(c.closed) > keepClosed {
		names := make([]string, 0, len(c.closed))
		for n := range c.closed {
			names = append(names, n)
		}
		slices.Sort(names)
		delete(c.closed, names[0])
	}
	rep, err := e.s.finish(ctx, c.id, c.bound, m.ev.Clone())
	if err != nil {
		e.s.log.Error("final report", "customer", c.id, "month", name, "err", err)
		return
	}
	if err := putDoc(ctx, e.s.st, c.id, kindReport, name, rep); err != nil {
		e.s.log.Error("final report", "customer", c.id, "month", name, "err", err)
	}
}

// feed gives minute t's records (sorted by series) to the customers that
// bind them, each to its months whose window holds t. The caller holds
// mu.
func (e *evaluation) feed(t int64, recs []slawatch.SeriesMinute, route map[string][]*custEval) error {
	var touched []*custEval
	for _, r := range recs {
		for _, c := range route[r.Series] {
			if len(c.recs) == 0 {
				touched = append(touched, c)
			}
			c.recs = append(c.recs, r)
		}
	}
	var errs []error
	for _, c := range touched {
		for _, m := range c.months {
			if t >= m.w0 && t < m.w1 && t >= m.ev.Next() {
				if err := m.ev.AddNamed(t, c.recs); err != nil {
					errs = append(errs, fmt.Errorf("customer %s %s: %w", c.id, m.month.Name, err))
				}
			}
		}
		c.recs = c.recs[:0]
	}
	return errors.Join(errs...)
}

// recomputeStale rebuilds customers that received late data, once the
// late agent has had RecomputeDelay to deliver the rest of its backlog.
func (e *evaluation) recomputeStale(ctx context.Context) {
	now := time.Now()
	e.mu.Lock()
	var ids []string
	for id, c := range e.customers {
		if !c.stale.IsZero() && now.Sub(c.stale) >= e.s.cfg.RecomputeDelay {
			ids = append(ids, id)
		}
	}
	e.mu.Unlock()
	slices.Sort(ids)
	for _, id := range ids {
		e.s.log.Info("recomputing after late data", "customer", id)
		if err := e.recompute(ctx, id); err != nil {
			e.s.log.Error("recompute", "customer", id, "err", err)
		}
	}
}

// snapshot returns a copy of a customer's evaluator of month, open or
// recently closed, to finish for a report; nil when it is in neither.
func (e *evaluation) snapshot(id, month string) (*engine.Evaluator, *contract.Bound, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.customers[id]
	if c == nil {
		return nil, nil, slawatch.Errorf(slawatch.ENOTFOUND, "customer %q has no contract", id)
	}
	m := c.months[month]
	if m == nil {
		m = c.closed[month]
	}
	if m == nil {
		return nil, c.bound, nil
	}
	return m.ev.Clone(), c.bound, nil
}

// judged returns the next minute to judge.
func (e *evaluation) judged() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.next
}
