// Package judge is the live judging of `slawatch serve`: every
// customer's month to date, fed minute by minute as its agents' records
// complete, its closed months' final reports and their revisions. What
// judging finds (outages starting and ending) goes to the Found callback;
// whether this server acts for a customer (stores its final reports) is
// the Owner's to say.
package judge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/server/docs"
	"github.com/slawatch/slawatch/server/metrics"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/internal/clock"
	"github.com/slawatch/slawatch/store"
)

// Judge is the live, month-to-date evaluation of every customer.
//
// Each customer is judged on its own: its minutes are fed, in order, to
// its month-to-date evaluators once they are complete, that is once
// every agent that measures one of its series has delivered past them —
// or, at the latest, Grace after the minute's end, whatever any agent
// does. So an agent that is silent, slow or sends nonsense delays only
// the customers whose series it measures, and those by Grace at most.
//
// Records of a minute already judged are late: the open months they fall
// in are rebuilt from the store, and a closed month gets a new revision
// of its final report (within ReviseMonths of its end).
type Judge struct {
	cfg     Config
	st      *store.Store
	cat     *catalog.Catalog
	log     *slog.Logger
	metrics *metrics.Metrics
	mu      sync.Mutex
	// customers with a contract; route finds the customers binding a
	// series: one, or several for a shared series of the provider's
	customers map[string]*custEval
	route     map[string][]*custEval
	owners    map[string]*docs.Series // every series assignment, by name
	agents    map[string]*agentMark
	started   time.Time // when this server started: agents replay their spools first
	// completeAt is when the data that let a customer advance arrived
	completeAt time.Time
	found      []Found // outages detected while feeding, for the incidents
	wake       chan struct{}
}

// custEval is one customer's contract, its open months and what waits
// to be judged.
type custEval struct {
	id     string
	bound  *contract.Bound
	agents []string // the agents measuring its bound series
	next   int64    // every earlier minute is judged
	// pending holds the records of minutes not yet judged, by minute and
	// agent; an agent's second delivery of a minute adds only the series
	// its first lacked (the first stored wins, as in the store)
	pending  map[int64]map[string][]slawatch.SeriesMinute
	nPending int
	months   map[string]*monthEval // open months, by YYYY-MM
	closed   map[string]*monthEval // the last months closed
	stale    time.Time             // non-zero: late data for an open month arrived then
	dirty    map[string]*revisionDue
	// before and after are the context minutes the months' windows add
	// to the month; checkAt is the next minute a month opens or closes
	before, after int64
	checkAt       int64
	recs          []slawatch.SeriesMinute // the minute being fed, reused
	batch         []slawatch.Record       // the minute being rebuilt, reused
	// while a rebuild feeds customers in parallel, the outages found
	// wait in found, each with the minute being fed, and are put in
	// order by the rebuild (see router)
	rebuilding bool
	feeding    int64
	found      []foundAt
}

// revisionDue is a closed month whose report must be revised: why, and
// whether its minutes changed (then it is evaluated afresh from the
// store) or only its records.
type revisionDue struct {
	since   time.Time
	rescan  bool
	why     map[string]bool
	records int
}

// monthEval is the evaluator of one month of one customer.
type monthEval struct {
	month  engine.Month
	ev     *engine.Evaluator
	w0, w1 int64
}

// agentMark is how far an agent has delivered.
type agentMark struct {
	mark int64     // the latest minute delivered
	seen time.Time // when it last delivered
}

// Found is an outage an evaluator reported, starting (Outage.End 0) or
// ending, and when it was judged.
type Found struct {
	Customer string
	Bound    *contract.Bound
	Outage   engine.Outage
	At       time.Time
}

// keepClosed is how many closed months a customer keeps in memory.
const keepClosed = 2

// maxReplay bounds how far back judging resumes after a restart.
const maxReplay = 24 * time.Hour

// Config is what a Judge needs. Every field is required but Now and
// Clock.
type Config struct {
	Store   *store.Store
	Catalog *catalog.Catalog
	Metrics *metrics.Metrics
	Logger  *slog.Logger
	// Now is the time minutes are judged against; Clock.Now when nil.
	// Clock paces the run loop and the delays before recomputing and
	// revising (real time, whatever Now says); clock.Real when nil.
	Now   func() time.Time
	Clock clock.Clock
	// Grace, ReviseMonths and RecomputeDelay are the server's (see
	// server.Config).
	Grace          time.Duration
	ReviseMonths   int
	RecomputeDelay time.Duration
	// Owner says whether this server acts for a customer: stores its
	// final reports and revisions. Found takes the outages judging finds,
	// in order.
	Owner interface{ Owns(customer string) bool }
	Found func([]Found)
}

// New makes a Judge; Start loads it from the store.
func New(cfg Config) *Judge {
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Now == nil {
		cfg.Now = cfg.Clock.Now
	}
	return &Judge{cfg: cfg, st: cfg.Store, cat: cfg.Catalog, log: cfg.Logger, metrics: cfg.Metrics,
		customers: map[string]*custEval{}, route: map[string][]*custEval{},
		owners: map[string]*docs.Series{}, agents: map[string]*agentMark{}, wake: make(chan struct{}, 1)}
}

// Start loads the series, every customer's contract and the agents'
// marks, decides where each customer's judging resumes, rebuilds its
// open months from the store and puts every stored record after that
// point back in pending: nothing stored is ever skipped.
func (e *Judge) Start(ctx context.Context) error {
	now := e.cfg.Now()
	e.started = now
	var err error
	if e.owners, err = docs.LoadSeries(ctx, e.st); err != nil {
		return err
	}
	marks, err := e.st.AgentMinutes(ctx)
	if err != nil {
		return err
	}
	for name, m := range marks {
		e.agents[name] = &agentMark{mark: m}
	}
	contracts, err := e.st.ListDocs(ctx, "", docs.KindContract)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var cs []*custEval
	for _, d := range contracts {
		b, err := docs.LoadBound(ctx, e.st, e.cat, d.Customer)
		if err != nil {
			return fmt.Errorf("customer %s: %w", d.Customer, err)
		}
		c := e.add(d.Customer, b)
		floor := slawatch.UnixMinute(now.Add(-e.cfg.Grace - maxReplay))
		c.next = max(e.target(c, now), floor)
		cs = append(cs, c)
	}
	e.log.Info("evaluation resumes", "customers", len(cs), "agents", len(e.agents), "series", len(e.owners))
	if err := e.rebuild(ctx, cs); err != nil {
		return err
	}
	if err := e.loadPending(ctx, cs); err != nil {
		return err
	}
	for _, c := range cs {
		e.missingReports(ctx, c, now)
	}
	return nil
}

// add makes the live state of a customer, without months; the caller
// rebuilds them. The caller holds mu.
func (e *Judge) add(id string, b *contract.Bound) *custEval {
	c := &custEval{id: id, bound: b, months: map[string]*monthEval{}, closed: map[string]*monthEval{},
		pending: map[int64]map[string][]slawatch.SeriesMinute{}, dirty: map[string]*revisionDue{}}
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
	e.setAgents(c)
	return c
}

// setAgents finds the agents that measure c's bound series. The caller
// holds mu.
func (e *Judge) setAgents(c *custEval) {
	var agents []string
	for _, name := range c.bound.Series {
		if x := e.owners[name]; x != nil && (x.Customer == c.id || x.Customer == "") {
			agents = append(agents, x.Agents...)
		}
	}
	slices.Sort(agents)
	c.agents = slices.Compact(agents)
}

// remove drops a customer's live state. The caller holds mu.
func (e *Judge) remove(id string) *custEval {
	c := e.customers[id]
	if c == nil {
		return nil
	}
	delete(e.customers, id)
	for _, name := range c.bound.Series {
		e.route[name] = slices.DeleteFunc(e.route[name], func(x *custEval) bool { return x == c })
		if len(e.route[name]) == 0 {
			delete(e.route, name)
		}
	}
	return c
}

// SetContract replaces a customer's contract (or its exclusions) and
// recomputes its open months from the store. Judging goes on from where
// it was; what was pending stays pending.
func (e *Judge) SetContract(ctx context.Context, id string, b *contract.Bound) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.remove(id)
	c := e.add(id, b)
	c.pending = map[int64]map[string][]slawatch.SeriesMinute{}
	c.next = e.target(c, e.cfg.Now())
	if old != nil {
		c.next, c.dirty = old.next, old.dirty
	}
	// pending is read again from the store, which has every record
	// delivered: the new contract may bind other series
	if err := e.rebuild(ctx, []*custEval{c}); err != nil {
		return err
	}
	return e.loadPending(ctx, []*custEval{c})
}

// SetSeries applies changed and deleted series assignments; a customer
// whose bound series changed agents is rebuilt, since its records are
// read from its series' agents.
func (e *Judge) SetSeries(ctx context.Context, changed []docs.Series, deleted []string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	touched := map[*custEval]bool{}
	for i := range changed {
		x := changed[i]
		e.owners[x.Name] = &x
		for _, c := range e.route[x.Name] {
			touched[c] = true
		}
	}
	for _, name := range deleted {
		delete(e.owners, name)
		for _, c := range e.route[name] {
			touched[c] = true
		}
	}
	var cs []*custEval
	for c := range touched {
		e.setAgents(c)
		c.pending, c.nPending = map[int64]map[string][]slawatch.SeriesMinute{}, 0
		cs = append(cs, c)
	}
	if err := e.rebuild(ctx, cs); err != nil {
		return err
	}
	return e.loadPending(ctx, cs)
}

// SeriesOf lists a customer's series, by name.
func (e *Judge) SeriesOf(customer string) []docs.Series {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []docs.Series
	c := e.customers[customer]
	for _, x := range e.owners {
		shared := x.Customer == "" && (customer == "" || c != nil && slices.Contains(c.bound.Series, x.Name))
		if x.Customer == customer && customer != "" || shared {
			out = append(out, seriesJSON(x))
		}
	}
	slices.SortFunc(out, func(a, b docs.Series) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Recompute rebuilds a customer's open months from the store: after late
// data, or when asked.
func (e *Judge) Recompute(ctx context.Context, id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.customers[id]
	if c == nil {
		return slawatch.Errorf(slawatch.ENOTFOUND, "customer %q has no contract", id)
	}
	return e.rebuild(ctx, []*custEval{c})
}

// counts reports whether an agent's stored record of a series counts:
// the agent measures the series for its customer. The caller holds mu.
func (e *Judge) counts(agent, series string) bool {
	x := e.owners[series]
	return x != nil && x.Measures(agent)
}

// rebuild makes new evaluators for the open months of cs and feeds them
// every stored minute before each customer's next: one pass over the
// store. The caller holds mu.
func (e *Judge) rebuild(ctx context.Context, cs []*custEval) error {
	if len(cs) == 0 {
		return nil
	}
	from, to := int64(math.MaxInt64), int64(math.MinInt64)
	for _, c := range cs {
		c.months, c.stale, c.checkAt = map[string]*monthEval{}, time.Time{}, 0
		if err := e.openMonths(c, c.next); err != nil {
			return err
		}
		for _, m := range c.months {
			from = min(from, m.w0)
		}
		to = max(to, c.next)
		e.metrics.Recomputes.Inc()
	}
	if from >= to {
		return nil
	}
	for _, c := range cs {
		c.rebuilding = true
	}
	defer func() {
		for _, c := range cs {
			c.rebuilding, c.found = false, nil
		}
	}()
	r := newRouter(cs)
	if err := e.st.ReadBatchHours(ctx, from, to, r.names, e.counts, func(bs []slawatch.Batch) error { return r.feed(e, bs) }); err != nil {
		return fmt.Errorf("rebuild from the store: %w", err)
	}
	return nil
}

// loadPending puts every stored record of cs at or after each
// customer's next back in pending, by agent, as if just delivered: what
// an agent delivered ahead of the others, or ahead of the clock, before
// a restart. The caller holds mu.
func (e *Judge) loadPending(ctx context.Context, cs []*custEval) error {
	from := int64(math.MaxInt64)
	route := map[string][]*custEval{}
	for _, c := range cs {
		from = min(from, c.next)
		for _, name := range c.bound.Series {
			route[name] = append(route[name], c)
		}
	}
	if len(cs) == 0 {
		return nil
	}
	keep := func(agent, series string) bool { return route[series] != nil && e.counts(agent, series) }
	return e.st.ReadAgentMinutes(ctx, from, math.MaxInt64, keep, func(minute int64, agent string, recs []slawatch.SeriesMinute) error {
		for _, r := range recs {
			for _, c := range route[r.Series] {
				if minute >= c.next {
					c.addPending(minute, agent, r)
				}
			}
		}
		return nil
	})
}

// missingReports marks for revision the closed months before c's next,
// within the revision period, that have no final report: months that
// ended while no server ran. The caller holds mu.
func (e *Judge) missingReports(ctx context.Context, c *custEval, now time.Time) {
	at := slawatch.MinuteTime(c.next).In(c.bound.Location)
	for d := -2; d <= 0; d++ {
		first := time.Date(at.Year(), at.Month()+time.Month(d), 1, 0, 0, 0, 0, c.bound.Location)
		name := first.Format("2006-01")
		w1 := first.AddDate(0, 1, 0).Unix()/60 + c.after
		if w1 > c.next || !e.revisable(c.bound, name, now) || c.months[name] != nil {
			continue
		}
		if _, err := e.st.GetDoc(ctx, c.id, docs.KindReport, name); err == nil {
			continue
		}
		c.due(name, true, "no final report yet (the month ended while no server judged it)", 0, e.cfg.Clock.Now())
	}
}

// due marks a closed month for revision, from since on the judge's clock
// (the delay is real time).
func (c *custEval) due(month string, rescan bool, why string, records int, since time.Time) {
	d := c.dirty[month]
	if d == nil {
		d = &revisionDue{since: since, why: map[string]bool{}}
		c.dirty[month] = d
	}
	d.rescan = d.rescan || rescan
	d.why[why] = true
	d.records += records
}

// openMonths opens the months of c whose evaluation window holds minute
// t and that are not open yet. A month opened after its window began is
// rebuilt by the caller.
func (e *Judge) openMonths(c *custEval, t int64) error {
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
			f := Found{Customer: c.id, Bound: b, Outage: o, At: e.cfg.Now()}
			if c.rebuilding {
				c.found = append(c.found, foundAt{c.feeding, f})
				return
			}
			e.found = append(e.found, f)
		})
		c.months[name] = me
	}
	for _, m := range c.months {
		c.checkAt = min(c.checkAt, m.w1)
	}
	return nil
}

// monthsOf names the months of c whose evaluation window holds minute t.
func (c *custEval) monthsOf(t int64) []string {
	at := time.Unix(t*60, 0).In(c.bound.Location)
	var out []string
	for _, d := range []int{-1, 0, 1} {
		first := time.Date(at.Year(), at.Month()+time.Month(d), 1, 0, 0, 0, 0, c.bound.Location)
		w0 := first.Unix()/60 - c.before
		w1 := first.AddDate(0, 1, 0).Unix()/60 + c.after
		if t >= w0 && t < w1 {
			out = append(out, first.Format("2006-01"))
		}
	}
	return out
}

// Deliver takes one agent's delivery of a minute, already stored, and
// keeps the records some customer binds until that customer judges the
// minute. Records of a minute the customer has judged are late: its open
// months are rebuilt, its closed months revised.
func (e *Judge) Deliver(agent string, minute int64, recs []slawatch.SeriesMinute) {
	now := e.cfg.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.agents[agent]
	if a == nil {
		a = &agentMark{mark: minute}
		e.agents[agent] = a
	}
	a.mark, a.seen = max(a.mark, minute), now
	late := map[*custEval]int{}
	for _, r := range recs {
		for _, c := range e.route[r.Series] {
			if minute < c.next {
				late[c]++
			} else {
				c.addPending(minute, agent, r)
			}
		}
	}
	for c, n := range late {
		e.late(c, agent, minute, n, now)
	}
	e.completeAt = e.cfg.Clock.Now() // a real duration, whatever Now says
}

// late marks what n late records of agent at minute change.
func (e *Judge) late(c *custEval, agent string, minute int64, n int, now time.Time) {
	e.metrics.LateRecords.Add(float64(n))
	for _, name := range c.monthsOf(minute) {
		switch {
		case c.months[name] != nil:
			if c.stale.IsZero() {
				c.stale = e.cfg.Clock.Now() // the delay is real time
			}
		case e.revisable(c.bound, name, now):
			c.due(name, true, "late data from agent "+agent, n, e.cfg.Clock.Now())
		default:
			e.metrics.LateIgnored.Add(float64(n))
			e.log.Warn("late records for a month past its revision period are stored, not applied",
				"customer", c.id, "month", name, "agent", agent, "minute", docs.FmtMinute(minute, time.UTC), "records", n)
		}
	}
}

// addPending keeps agent's record r of minute until it is judged.
func (c *custEval) addPending(minute int64, agent string, r slawatch.SeriesMinute) {
	byAgent := c.pending[minute]
	if byAgent == nil {
		byAgent = map[string][]slawatch.SeriesMinute{}
		c.pending[minute] = byAgent
	}
	have := byAgent[agent]
	for _, x := range have {
		if x.Series == r.Series {
			return // the first stored wins
		}
	}
	byAgent[agent] = append(have, r)
	c.nPending++
}

// Kick asks the run loop to judge what has become complete.
func (e *Judge) Kick() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// target is the first minute of c not yet complete at now: the earliest
// next minute of the agents measuring c's series, but no earlier than
// Grace ago (once the server has run for Grace: after a restart agents
// first replay their spools), and never the minute under way.
func (e *Judge) target(c *custEval, now time.Time) int64 {
	t := int64(math.MaxInt64)
	for _, a := range c.agents {
		if m := e.agents[a]; m != nil {
			t = min(t, m.mark+1)
		}
	}
	floor := slawatch.UnixMinute(now.Add(-e.cfg.Grace))
	if t == math.MaxInt64 || now.Sub(e.started) >= e.cfg.Grace {
		t = max(t, floor)
		if t == math.MaxInt64 {
			t = floor
		}
	}
	return min(t, slawatch.UnixMinute(now))
}

// Run judges minutes as they complete, recomputes customers that had
// late data, and hands detected outages to the incidents.
func (e *Judge) Run(ctx context.Context) {
	tick := e.cfg.Clock.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		case <-tick.C():
			e.recomputeStale(ctx)
		}
		if err := e.advance(ctx); err != nil {
			e.log.Error("evaluation", "err", err)
		}
	}
}

// advance judges every complete minute of every customer.
func (e *Judge) advance(ctx context.Context) error {
	now := e.cfg.Now()
	e.mu.Lock()
	var errs []error
	fed := false
	pendingMinutes, pendingRecords := 0, 0
	for _, c := range e.customers {
		n, err := e.advance1(ctx, c, e.target(c, now))
		fed = fed || n > 0
		if err != nil {
			errs = append(errs, err)
		}
		pendingMinutes += len(c.pending)
		pendingRecords += c.nPending
	}
	lag := clock.Since(e.cfg.Clock, e.completeAt)
	e.metrics.PendingMinutes.Set(float64(pendingMinutes))
	e.metrics.PendingRecords.Set(float64(pendingRecords))
	e.metrics.JudgedMinute.Set(float64(e.judgedLocked(now) * 60))
	f := e.found
	e.found = nil
	e.mu.Unlock()
	if fed {
		e.metrics.EvalLag.Observe(lag.Seconds())
	}
	if len(f) > 0 {
		e.cfg.Found(f)
	}
	return errors.Join(errs...)
}

// advance1 judges c's minutes before target and returns how many had
// records. The caller holds mu.
func (e *Judge) advance1(ctx context.Context, c *custEval, target int64) (int, error) {
	if target <= c.next {
		return 0, nil
	}
	keys := make([]int64, 0, len(c.pending))
	for m := range c.pending {
		if m < target {
			keys = append(keys, m)
		}
	}
	slices.Sort(keys)
	for _, m := range keys {
		if err := e.moveTo(ctx, c, m); err != nil {
			return 0, err
		}
		if err := e.feed1(c, m, c.take(m)); err != nil {
			return 0, err
		}
		c.next = m + 1
	}
	return len(keys), e.moveTo(ctx, c, target)
}

// take removes minute m's records from pending, merged across agents:
// sorted by series, a series two agents measured summed (as the store
// reads it).
func (c *custEval) take(m int64) []slawatch.SeriesMinute {
	byAgent := c.pending[m]
	delete(c.pending, m)
	agents := make([]string, 0, len(byAgent))
	for a := range byAgent {
		agents = append(agents, a)
	}
	sort.Strings(agents)
	var all []slawatch.SeriesMinute
	for _, a := range agents {
		all = append(all, byAgent[a]...)
	}
	c.nPending -= len(all)
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

// moveTo opens and closes c's months as its judging reaches minute t: a
// month closes when t passes its window; the months whose window holds t
// open. The caller holds mu.
func (e *Judge) moveTo(ctx context.Context, c *custEval, t int64) error {
	if t >= c.checkAt {
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
	c.next = max(c.next, t)
	return nil
}

// close keeps a finished month for reports and stores its final report,
// revision 1.
func (e *Judge) close(ctx context.Context, c *custEval, name string, m *monthEval) {
	c.keep(name, m)
	if !e.cfg.Owner.Owns(c.id) {
		return // its owner stores it; a replica taking over finds it missing
	}
	if _, err := e.revise(ctx, c.id, c.bound, name, m.ev.Clone(), "month closed"); err != nil {
		e.log.Error("final report", "customer", c.id, "month", name, "err", err)
	}
}

// feedRouted splits a stored minute t's records (sorted by series) by
// customer and feeds each customer that has judged past t. The caller
// holds mu.
func (e *Judge) feedRouted(t int64, recs []slawatch.SeriesMinute, route map[string][]*custEval) error {
	var touched []*custEval
	for _, r := range recs {
		for _, c := range route[r.Series] {
			if t >= c.next {
				continue
			}
			if len(c.recs) == 0 {
				touched = append(touched, c)
			}
			c.recs = append(c.recs, r)
		}
	}
	var errs []error
	for _, c := range touched {
		errs = append(errs, e.feed1(c, t, c.recs))
		c.recs = c.recs[:0]
	}
	return errors.Join(errs...)
}

// feed1 gives minute t's records of c (sorted by series) to c's months
// whose window holds t. The caller holds mu.
func (e *Judge) feed1(c *custEval, t int64, recs []slawatch.SeriesMinute) error {
	var errs []error
	for _, m := range c.months {
		if t >= m.w0 && t < m.w1 && t >= m.ev.Next() {
			if err := m.ev.AddNamed(t, recs); err != nil {
				errs = append(errs, fmt.Errorf("customer %s %s: %w", c.id, m.month.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// recomputeStale rebuilds, in one pass over the store, the customers that
// received late data for an open month, and revises the closed months
// that received late data or records, once the late agent has had
// RecomputeDelay to deliver the rest of its backlog.
func (e *Judge) recomputeStale(ctx context.Context) {
	now := e.cfg.Clock.Now()
	e.mu.Lock()
	var cs []*custEval
	type due struct {
		c     *custEval
		month string
		d     *revisionDue
	}
	var revise []due
	for _, c := range e.customers {
		if !c.stale.IsZero() && now.Sub(c.stale) >= e.cfg.RecomputeDelay {
			cs = append(cs, c)
		}
		for name, d := range c.dirty {
			if now.Sub(d.since) >= e.cfg.RecomputeDelay {
				revise = append(revise, due{c, name, d})
				delete(c.dirty, name)
			}
		}
	}
	if len(cs) > 0 {
		e.log.Info("recomputing after late data", "customers", len(cs))
		if err := e.rebuild(ctx, cs); err != nil {
			e.log.Error("recompute", "err", err)
		}
	}
	e.mu.Unlock()
	for _, r := range revise {
		if !e.cfg.Owner.Owns(r.c.id) {
			continue // its owner had the same late data from the change feed
		}
		why := make([]string, 0, len(r.d.why))
		for w := range r.d.why {
			why = append(why, w)
		}
		slices.Sort(why)
		reason := strings.Join(why, "; ")
		if r.d.records > 0 {
			reason += fmt.Sprintf(" (%d late records)", r.d.records)
		}
		if err := e.reviseMonth(ctx, r.c.id, r.month, r.d.rescan, reason); err != nil {
			e.log.Error("revise", "customer", r.c.id, "month", r.month, "err", err)
		}
	}
}

// RecordsChanged marks the closed months a changed ticket, event or
// claim of a customer may touch (the two before now) for revision.
func (e *Judge) RecordsChanged(customer, why string) {
	now := e.cfg.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.customers[customer]
	if c == nil {
		return
	}
	at := now.In(c.bound.Location)
	for d := -2; d <= -1; d++ {
		name := time.Date(at.Year(), at.Month()+time.Month(d), 1, 0, 0, 0, 0, c.bound.Location).Format("2006-01")
		if c.months[name] == nil && e.revisable(c.bound, name, now) {
			c.due(name, false, why, 0, e.cfg.Clock.Now())
		}
	}
}

// Snapshot returns a copy of a customer's evaluator of month, open or
// recently closed, and whether it is open; nil when it is in neither.
func (e *Judge) Snapshot(id, month string) (*engine.Evaluator, *contract.Bound, bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.customers[id]
	if c == nil {
		return nil, nil, false, slawatch.Errorf(slawatch.ENOTFOUND, "customer %q has no contract", id)
	}
	if m := c.months[month]; m != nil {
		return m.ev.Clone(), c.bound, true, nil
	}
	if m := c.closed[month]; m != nil {
		return m.ev.Clone(), c.bound, false, nil
	}
	return nil, c.bound, false, nil
}

// keep keeps a closed month in memory, and the last keepClosed only.
func (c *custEval) keep(name string, m *monthEval) {
	c.closed[name] = m
	if len(c.closed) > keepClosed {
		names := make([]string, 0, len(c.closed))
		for n := range c.closed {
			names = append(names, n)
		}
		slices.Sort(names)
		delete(c.closed, names[0])
	}
}

// keepClosedMonth caches a closed month's evaluator made by a rescan.
func (e *Judge) keepClosedMonth(id, month string, ev *engine.Evaluator, m engine.Month) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.customers[id]
	if c == nil || c.months[month] != nil {
		return
	}
	me := &monthEval{month: m, ev: ev}
	me.w0, me.w1 = ev.Window()
	c.keep(month, me)
}

// JudgedOf returns the next minute to judge of a customer, and whether
// it has a contract.
func (e *Judge) JudgedOf(id string) (int64, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.customers[id]
	if c == nil {
		return 0, false
	}
	return c.next, true
}

// Judged returns the earliest next minute to judge over all customers.
func (e *Judge) Judged() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.judgedLocked(e.cfg.Now())
}

func (e *Judge) judgedLocked(now time.Time) int64 {
	next := int64(math.MaxInt64)
	for _, c := range e.customers {
		next = min(next, c.next)
	}
	if next == math.MaxInt64 {
		next = slawatch.UnixMinute(now.Add(-e.cfg.Grace))
	}
	return next
}

// readKeep returns a filter of the records of customer's bound series
// that count, for reading the store outside the live state.
func (e *Judge) readKeep(b *contract.Bound, customer string) func(agent, series string) bool {
	e.mu.Lock()
	own := map[string]*docs.Series{}
	for _, name := range b.Series {
		if x := e.owners[name]; x != nil && (x.Customer == customer || x.Customer == "") {
			c := *x
			own[name] = &c
		}
	}
	e.mu.Unlock()
	return func(agent, series string) bool {
		x := own[series]
		return x != nil && x.Measures(agent)
	}
}

// CustomerIDs lists the customers with a contract.
func (e *Judge) CustomerIDs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids := make([]string, 0, len(e.customers))
	for id := range e.customers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// TakeOver makes this replica act for a customer it has just become the
// owner of: its open months are rebuilt from the store at once, so that
// every outage they hold is reported to the incidents again (what the
// old owner stored is left as it is; what it had not is stored and
// notified now), and its closed months without a final report are
// revised.
func (e *Judge) TakeOver(ctx context.Context, id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.customers[id]
	if c == nil {
		return
	}
	c.stale = e.cfg.Clock.Now().Add(-e.cfg.RecomputeDelay) // recomputed on the next tick
	e.missingReports(ctx, c, e.cfg.Now())
	e.Kick()
}

// Reload loads a customer's contract and exclusions from the store
// again: another replica changed them.
func (e *Judge) Reload(ctx context.Context, id string) error {
	b, err := docs.LoadBound(ctx, e.st, e.cat, id)
	if err != nil {
		return err
	}
	if b == nil {
		e.mu.Lock()
		e.remove(id)
		e.mu.Unlock()
		return nil
	}
	return e.SetContract(ctx, id, b)
}

// ReloadSeries loads one series assignment from the store again:
// another replica changed or deleted it.
func (e *Judge) ReloadSeries(ctx context.Context, name string) error {
	x, err := docs.Get[docs.Series](ctx, e.st, "", docs.KindSeries, name)
	if errors.Is(err, store.ErrNotFound) {
		return e.SetSeries(ctx, nil, []string{name})
	}
	if err != nil {
		return err
	}
	return e.SetSeries(ctx, []docs.Series{x}, nil)
}

// CheckBinds refuses a contract of customer that binds series which are
// not the customer's.
func (e *Judge) CheckBinds(customer string, series []string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var bad []string
	for _, name := range series {
		if x := e.owners[name]; x == nil || x.Customer != customer && x.Customer != "" {
			bad = append(bad, fmt.Sprintf("%q", name))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return slawatch.Errorf(slawatch.EINVALID, "contract of %s: inputs: series %s %s not assigned to customer %s; assign them first (PUT /api/customers/%s/series/{name} with the agents that measure them)",
		customer, docs.ListSome(bad, 10), docs.IsAre(len(bad)), customer, customer)
}

// Refused returns the series of recs that agent may not deliver.
func (e *Judge) Refused(agent string, blocks []store.Block) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var bad []string
	seen := map[string]bool{}
	for _, b := range blocks {
		for _, r := range b.Records {
			if x := e.owners[r.Series]; (x == nil || !slices.Contains(x.Agents, agent)) && !seen[r.Series] {
				seen[r.Series] = true
				bad = append(bad, r.Series)
			}
		}
	}
	slices.Sort(bad)
	return bad
}

// Binders lists the customers whose contracts bind a series.
func (e *Judge) Binders(series string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, c := range e.route[series] {
		out = append(out, c.id)
	}
	slices.Sort(out)
	return out
}

// seriesJSON renders an assignment for the API.
func seriesJSON(x *docs.Series) docs.Series {
	out := *x
	out.Agents = nonNil(slices.Clone(x.Agents))
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Settled reports whether a customer has no late data waiting to be
// applied to its open months.
func (e *Judge) Settled(customer string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.customers[customer]
	return c == nil || c.stale.IsZero()
}
