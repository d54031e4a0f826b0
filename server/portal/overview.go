package portal

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/server/auth"
	"github.com/slawatch/slawatch/server/docs"
)

// pageSize is how many customers one overview page lists.
const pageSize = 50

// summary is one customer's row of the overview: its month to date.
type summary struct {
	ID, Name, Month, Currency string
	Levels, Met, Missed, Open int
	AtRisk                    int                // not missed yet: an outage under way, or a quarter of its budget left or less
	Budget                    *report.BudgetJSON // the level with the least error budget left
	BudgetOf                  string
	Credit                    string
	Outages                   []outageView // under way
	Tickets                   []openTicket // open
	Claims                    []record     // not yet confirmed
	Unclaimed                 []unclaimed  // credits of the month not claimed
	Err                       string
	Pending                   bool      // being computed: shown on a later reload
	At                        time.Time // when it was computed
}

// rank orders rows by what needs an operator first.
func (s *summary) rank() int {
	switch {
	case s.Pending:
		return 6
	case s.Err != "":
		return 0
	case len(s.Outages) > 0:
		return 1
	case s.Missed > 0:
		return 2
	case s.AtRisk > 0:
		return 3
	case s.Open > 0:
		return 4
	}
	return 5
}

func (s *summary) credit() decimal.Decimal {
	d, _ := decimal.NewFromString(s.Credit)
	return d
}

// summaries keeps each customer's summary for the overview for a short
// while: the month to date of a thousand customers takes seconds to
// compute, a glance should not. A page computes what it lacks for at
// most computeFor and shows the rest as pending (the page reloads itself
// until none is); a summary past its TTL is shown while a background
// worker computes it anew.
type summaries struct {
	p       *Portal
	mu      sync.Mutex
	m       map[string]*summary
	queued  map[string]bool
	work    chan docs.Customer
	started bool
}

// computeFor bounds the time a page spends computing summaries itself.
const computeFor = 150 * time.Millisecond

func newSummaries(p *Portal) *summaries {
	return &summaries{p: p, m: map[string]*summary{}, queued: map[string]bool{}, work: make(chan docs.Customer, 100_000)}
}

// operator is the principal the background worker computes as: the
// overview is an operator's page.
var operator = auth.Principal{Role: auth.RoleOperator, Token: "portal"}

// run computes queued summaries, two at a time (the machine has other
// work), until ctx is done.
func (ss *summaries) run(ctx context.Context) {
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case c := <-ss.work:
					s := ss.p.summarize(ctx, operator, c, ss.p.cfg.Now())
					ss.mu.Lock()
					delete(ss.queued, c.ID)
					if s.Err == "" || ss.m[c.ID] == nil {
						ss.m[c.ID] = s
					}
					ss.mu.Unlock()
				}
			}
		}()
	}
	ss.mu.Lock()
	ss.started = true
	ss.mu.Unlock()
	wg.Wait()
}

// queue asks the worker for c's summary; false when the worker is not
// running or its queue is full.
func (ss *summaries) queue(c docs.Customer) bool {
	if !ss.started {
		return false
	}
	if ss.queued[c.ID] {
		return true
	}
	select {
	case ss.work <- c:
		ss.queued[c.ID] = true
		return true
	default:
		return false
	}
}

// of returns the summaries of cs: fresh ones, stale ones (queued to be
// computed anew), ones computed now within computeFor, and placeholders
// marked Pending for the rest (queued).
func (ss *summaries) of(ctx context.Context, who auth.Principal, cs []docs.Customer) []*summary {
	now := ss.p.cfg.Now()
	deadline := ss.p.cfg.Clock.Now().Add(computeFor) // real time, whatever Now says
	out := make([]*summary, len(cs))
	var todo []int
	ss.mu.Lock()
	for i, c := range cs {
		s := ss.m[c.ID]
		switch {
		case s == nil:
			todo = append(todo, i)
			continue
		case now.Sub(s.At) >= ss.p.cfg.SummaryTTL || now.Before(s.At):
			ss.queue(c)
		}
		out[i] = s
	}
	ss.mu.Unlock()
	for _, i := range todo {
		ss.mu.Lock()
		background := ss.started && ss.p.cfg.Clock.Now().After(deadline) && ss.queue(cs[i])
		ss.mu.Unlock()
		if background {
			out[i] = &summary{ID: cs[i].ID, Name: cs[i].Name, Pending: true, At: now}
			continue
		}
		out[i] = ss.p.summarize(ctx, who, cs[i], now)
		if out[i].Err == "" {
			ss.mu.Lock()
			ss.m[cs[i].ID] = out[i]
			ss.mu.Unlock()
		}
	}
	return out
}

// ForgetAll drops every summary the overview keeps, as a restart would.
func (p *Portal) ForgetAll() {
	p.sums.mu.Lock()
	clear(p.sums.m)
	p.sums.mu.Unlock()
}

// forget drops a customer's summary: a form changed it.
func (ss *summaries) forget(id string) {
	ss.mu.Lock()
	delete(ss.m, id)
	ss.mu.Unlock()
}

func (p *Portal) summarize(ctx context.Context, who auth.Principal, c docs.Customer, now time.Time) *summary {
	s := &summary{ID: c.ID, Name: c.Name, At: now}
	d, err := p.load(ctx, who, c.ID, "")
	if err != nil {
		s.Err = err.Error()
		return s
	}
	s.Month, s.Currency = d.Month, d.Currency
	for _, o := range d.Outages {
		if o.End == nil {
			s.Outages = append(s.Outages, o)
		}
	}
	due := map[string][]timer{} // open items of the report by ticket ID
	if r := d.Report; r != nil {
		s.Levels, s.Met, s.Missed, s.Open, s.Credit = r.Levels, r.Met, r.Missed, r.Open, r.Credit
		for _, sv := range r.Services {
			for _, l := range sv.Levels {
				if b := l.Budget; b != nil && (s.Budget == nil || b.Left < s.Budget.Left) {
					s.Budget, s.BudgetOf = b, sv.ID+" · "+l.Template
				}
				for _, it := range l.Items {
					if it.Stop == "" && it.Deadline != "" {
						due[it.ID] = append(due[it.ID], timer{What: l.Title, Deadline: it.Deadline})
					}
					if cl := it.Claim; cl != nil && cl.Status != "claimed" && it.Credit != "0" && it.Credit != "" {
						s.Unclaimed = append(s.Unclaimed, unclaimed{Where: sv.ID + " · " + l.Template + " · " + it.ID, Amount: it.Credit, ClaimBy: cl.ClaimBy, Status: cl.Status})
					}
				}
				if cl := l.Claim; cl != nil && cl.Status != "claimed" && l.Credit != "0" && l.Credit != "" {
					s.Unclaimed = append(s.Unclaimed, unclaimed{Where: sv.ID + " · " + l.Template, Amount: l.Credit, ClaimBy: cl.ClaimBy, Status: cl.Status})
				}
				if l.Met != nil && !*l.Met {
					continue
				}
				if slices.ContainsFunc(s.Outages, func(o outageView) bool { return o.Service == sv.ID && o.Level == l.Template }) ||
					lowBudget(l.Budget) {
					s.AtRisk++
				}
			}
		}
	}
	for _, t := range d.Tickets {
		if t["resolved"] == "" {
			s.Tickets = append(s.Tickets, openTicket{ID: t["id"], Kind: t["kind"], Opened: t["opened"], Due: due[t["id"]]})
		}
	}
	for _, c := range d.Claims {
		if c["confirmed"] == "" {
			s.Claims = append(s.Claims, c)
		}
	}
	return s
}

// openTicket is a ticket not yet resolved, with the deadlines the
// report's timed levels hold for it (on the business calendar where the
// level says so).
type openTicket struct {
	ID, Kind, Opened string
	Due              []timer
}

type timer struct{ What, Deadline string }

// unclaimed is a credit of the month not (yet) claimed, and by when it
// must be.
type unclaimed struct{ Where, Amount, ClaimBy, Status string }

// lowBudget reports whether a level has used three quarters of its
// error budget or more (and not yet all of it: then it is missed).
func lowBudget(b *report.BudgetJSON) bool {
	return b != nil && b.Allowed > 0 && b.Left >= 0 && 4*b.Left <= b.Allowed
}

// overviewData is the overview page.
type overviewData struct {
	Rows            []*summary
	Total, Shown    int
	Page, Pages     int
	Q, Status, Sort string
	Statuses, Sorts []string
	Prev, Next      string
	Outages, Missed int
	Credit          map[string]string // per currency, every customer listed
	Oldest          time.Time
	Pending         int // rows still being computed: the page reloads itself
}

var (
	statuses = []string{"all", "outage", "missed", "at-risk", "undetermined", "met", "error"}
	sorts    = []string{"attention", "customer", "credit", "outages"}
)

func (p *Portal) overview(w http.ResponseWriter, r *http.Request, s *session) {
	if s.who.Role != auth.RoleOperator {
		p.errorPage(w, r, s, http.StatusNotFound, "no such page")
		return
	}
	var cs struct{ Customers []docs.Customer }
	if err := p.call(r.Context(), s.who, "GET", "/api/customers", nil, &cs); err != nil {
		p.fail(w, r, s, err)
		return
	}
	q := r.URL.Query()
	d := overviewData{Q: strings.TrimSpace(q.Get("q")), Status: pick(q.Get("status"), statuses), Sort: pick(q.Get("sort"), sorts),
		Statuses: statuses, Sorts: sorts, Credit: map[string]string{}}
	list := slices.DeleteFunc(cs.Customers, func(c docs.Customer) bool {
		ql := strings.ToLower(d.Q)
		return ql != "" && !strings.Contains(strings.ToLower(c.ID), ql) && !strings.Contains(strings.ToLower(c.Name), ql)
	})
	rows := p.sums.of(r.Context(), s.who, list)
	rows = slices.DeleteFunc(rows, func(x *summary) bool { return !d.keeps(x) })
	d.sort(rows)
	credits := map[string]decimal.Decimal{}
	now := p.cfg.Now()
	for i, x := range rows {
		if x.Pending {
			d.Pending++
			continue
		}
		if len(x.Outages) > 0 { // the countdown is the page's, not the summary's
			y := *x
			y.Outages = slices.Clone(x.Outages)
			for j := range y.Outages {
				y.Outages[j].Left = y.Outages[j].Deadline.Sub(now)
			}
			rows[i], x = &y, &y
		}
		d.Outages += len(x.Outages)
		d.Missed += x.Missed
		credits[x.Currency] = credits[x.Currency].Add(x.credit())
		if d.Oldest.IsZero() || x.At.Before(d.Oldest) {
			d.Oldest = x.At
		}
	}
	for cur, v := range credits {
		d.Credit[cur] = v.String()
	}
	d.Total = len(rows)
	d.Pages = max(1, (d.Total+pageSize-1)/pageSize)
	d.Page, _ = strconv.Atoi(q.Get("page"))
	d.Page = min(max(d.Page, 1), d.Pages)
	lo, hi := (d.Page-1)*pageSize, min(d.Page*pageSize, d.Total)
	d.Rows, d.Shown = rows[lo:hi], hi-lo
	link := func(page int) string {
		v := url.Values{"q": {d.Q}, "status": {d.Status}, "sort": {d.Sort}, "page": {strconv.Itoa(page)}}
		return "/overview?" + v.Encode()
	}
	if d.Page > 1 {
		d.Prev = link(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.Next = link(d.Page + 1)
	}
	if d.Pending > 0 {
		w.Header().Set("Refresh", "3") // no script: the browser reloads the page
	}
	p.render(w, r, s, http.StatusOK, "overview", d)
}

func pick(v string, from []string) string {
	if slices.Contains(from, v) {
		return v
	}
	return from[0]
}

func (d *overviewData) keeps(x *summary) bool {
	switch d.Status {
	case "outage":
		return len(x.Outages) > 0
	case "missed":
		return x.Missed > 0
	case "at-risk":
		return x.AtRisk > 0
	case "undetermined":
		return x.Open > 0
	case "met":
		return !x.Pending && x.Err == "" && x.Missed == 0 && x.Open == 0 && x.AtRisk == 0 && len(x.Outages) == 0
	case "error":
		return x.Err != ""
	}
	return true
}

func (d *overviewData) sort(rows []*summary) {
	slices.SortStableFunc(rows, func(a, b *summary) int {
		var c int
		switch d.Sort {
		case "credit":
			c = b.credit().Cmp(a.credit())
		case "outages":
			c = cmp.Compare(len(b.Outages), len(a.Outages))
		case "attention":
			c = cmp.Compare(a.rank(), b.rank())
		}
		if c == 0 {
			c = strings.Compare(a.ID, b.ID)
		}
		return c
	})
}
