package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/server/auth"
	"github.com/slawatch/slawatch/server/docs"
)

// customerDoc is a customer as the API shows it.
type customerDoc = docs.Customer

// servicesDoc is the API's list of a customer's services.
type servicesDoc struct {
	Timezone string
	Currency string
	Services []struct {
		ID     string
		Site   string
		Levels []string
		Series []string
	}
}

// notice is a send of the outbox as the API lists it.
type notice struct {
	ID          string     `json:"id"`
	Channel     string     `json:"channel"`
	State       string     `json:"state"`
	Attempts    int        `json:"attempts"`
	NextAttempt *time.Time `json:"next_attempt"`
	SentAt      *time.Time `json:"sent_at"`
	LastError   string     `json:"last_error"`
}

// record is a ticket, event or claim as the API stores it.
type record = map[string]string

// customerData is everything the customer page shows.
type customerData struct {
	Customer   customerDoc
	Services   servicesDoc
	Month      string
	Months     []string // the months before, newest first
	Open       bool     // the month is the current one
	Report     *report.CustomerReport
	Currency   string
	Outages    []outageView
	Tests      []notice // the test notices' sends, newest first
	Tickets    []record
	Claims     []record
	Exclusions []exclusionView
	Series     map[string][]string // each service's series, for their latency graphs
	Flash      string
	Error      string
	Preview    *exclusionView
	Form       url.Values // the values of a refused form, to fill it again
}

type outageView struct {
	docs.Outage
	Channels []notice
	Left     time.Duration // to the notice deadline, while not notified
}

type exclusionView struct {
	docs.Exclusion
	Applies []struct {
		Service string
		Level   string
		Applies bool
		Why     string
	}
}

// load gathers a customer's page for month ("" the current one).
func (p *Portal) load(ctx context.Context, who auth.Principal, id, month string) (*customerData, error) {
	d := &customerData{}
	base := "/api/customers/" + url.PathEscape(id)
	if err := p.call(ctx, who, "GET", base, nil, &d.Customer); err != nil {
		return nil, err
	}
	if err := p.call(ctx, who, "GET", base+"/services", nil, &d.Services); err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(d.Services.Timezone)
	if err != nil {
		loc = time.UTC
	}
	now := p.cfg.Now().In(loc)
	current := now.Format("2006-01")
	if month == "" {
		month = current
	}
	if _, err := time.ParseInLocation("2006-01", month, loc); err != nil {
		return nil, &apiError{Status: http.StatusBadRequest, Message: fmt.Sprintf("month %q: want YYYY-MM", month)}
	}
	d.Month, d.Open, d.Currency = month, month == current, d.Services.Currency
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	for i := 0; i <= 12; i++ {
		d.Months = append(d.Months, first.AddDate(0, -i, 0).Format("2006-01"))
	}
	if !slices.Contains(d.Months, month) { // a page view computes no report of any month asked for
		return nil, &apiError{Status: http.StatusNotFound, Message: fmt.Sprintf("month %s: the portal shows this month and the 12 before", month)}
	}
	var rep report.Report
	if err := p.call(ctx, who, "GET", base+"/reports/"+month, nil, &rep); err != nil {
		return nil, err
	}
	for i := range rep.Customers {
		if rep.Customers[i].ID == id {
			d.Report = &rep.Customers[i]
		}
	}
	if rep.Currency != "" {
		d.Currency = rep.Currency
	}
	var outs struct{ Outages []docs.Outage }
	if err := p.call(ctx, who, "GET", base+"/outages", nil, &outs); err != nil {
		return nil, err
	}
	var ns struct{ Notices []notice }
	if err := p.call(ctx, who, "GET", base+"/notices", nil, &ns); err != nil {
		return nil, err
	}
	d.Outages = outageViews(outs.Outages, ns.Notices, p.cfg.Now(), loc)
	for _, n := range ns.Notices {
		if strings.HasPrefix(n.ID, id+"/test/") {
			n.SentAt = timeIn(n.SentAt, loc)
			d.Tests = append(d.Tests, n)
		}
	}
	slices.SortStableFunc(d.Tests, func(a, b notice) int { return strings.Compare(b.ID, a.ID) })
	d.Tests = d.Tests[:min(len(d.Tests), 6)]
	var ts struct{ Tickets []record }
	if err := p.call(ctx, who, "GET", base+"/tickets", nil, &ts); err != nil {
		return nil, err
	}
	var cs struct{ Claims []record }
	if err := p.call(ctx, who, "GET", base+"/claims", nil, &cs); err != nil {
		return nil, err
	}
	d.Tickets, d.Claims = newestFirst(ts.Tickets, "opened"), newestFirst(cs.Claims, "submitted")
	for _, r := range append(slices.Clip(d.Tickets), d.Claims...) {
		inZone(r, loc, "opened", "responded", "resolved", "submitted", "confirmed")
	}
	var xs struct{ Exclusions []exclusionView }
	if err := p.call(ctx, who, "GET", base+"/exclusions", nil, &xs); err != nil {
		return nil, err
	}
	d.Exclusions = xs.Exclusions
	d.Series = map[string][]string{}
	for _, sv := range d.Services.Services {
		d.Series[sv.ID] = sv.Series
	}
	return d, nil
}

// outageViews puts open outages first, then the newest; each with the
// state of its notice on every channel, its times in the contract's zone.
func outageViews(outs []docs.Outage, ns []notice, now time.Time, loc *time.Location) []outageView {
	var out []outageView
	for _, o := range outs {
		o.Start, o.Detected, o.Deadline = o.Start.In(loc), o.Detected.In(loc), o.Deadline.In(loc)
		o.End, o.NotifiedAt = timeIn(o.End, loc), timeIn(o.NotifiedAt, loc)
		v := outageView{Outage: o}
		for _, n := range ns {
			if o.Notice != "" && strings.HasPrefix(n.ID, o.Notice+"|") {
				v.Channels = append(v.Channels, n)
			}
		}
		if o.NotifiedAt == nil {
			v.Left = o.Deadline.Sub(now)
		}
		out = append(out, v)
	}
	slices.SortStableFunc(out, func(a, b outageView) int {
		if (a.End == nil) != (b.End == nil) {
			if a.End == nil {
				return -1
			}
			return 1
		}
		return b.Start.Compare(a.Start)
	})
	return out
}

func timeIn(t *time.Time, loc *time.Location) *time.Time {
	if t == nil {
		return nil
	}
	u := t.In(loc)
	return &u
}

// inZone shows a record's times in the contract's zone.
func inZone(r record, loc *time.Location, fields ...string) {
	for _, f := range fields {
		if t, err := time.Parse(time.RFC3339, r[f]); err == nil {
			r[f] = t.In(loc).Format(time.RFC3339)
		}
	}
}

func newestFirst(rs []record, field string) []record {
	slices.SortStableFunc(rs, func(a, b record) int { return strings.Compare(b[field], a[field]) })
	return rs
}

func (p *Portal) customerPage(w http.ResponseWriter, r *http.Request, s *session) {
	d, err := p.load(r.Context(), s.who, r.PathValue("customer"), r.URL.Query().Get("month"))
	if err != nil {
		p.fail(w, r, s, err)
		return
	}
	d.Flash = doneText(r.URL.Query().Get("done"))
	p.render(w, r, s, http.StatusOK, "customer", d)
}

// svg is one of the API's graphs of a customer, for the signed-in
// browser: path is under the customer's API path; the query is passed on.
func (p *Portal) svg(path func(*http.Request) string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, s *session) {
		api := "/api/customers/" + url.PathEscape(r.PathValue("customer")) + path(r)
		if q := r.URL.RawQuery; q != "" {
			api += "?" + q
		}
		body, h, err := p.callRaw(r.Context(), s.who, "GET", api, nil)
		if err != nil {
			p.fail(w, r, s, err)
			return
		}
		for _, k := range []string{"Content-Type", "Content-Security-Policy"} {
			w.Header().Set(k, h.Get(k))
		}
		w.Header().Set("Cache-Control", "private, max-age=60")
		w.Write(body)
	}
}

// download is one of the API's files of a customer's month (the credits
// CSV, the PDF report), for the signed-in browser.
func (p *Portal) download(file string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, s *session) {
		path := "/api/customers/" + url.PathEscape(r.PathValue("customer")) + "/reports/" + url.PathEscape(r.PathValue("month")) + "/" + file
		body, h, err := p.callRaw(r.Context(), s.who, "GET", path, nil)
		if err != nil {
			p.fail(w, r, s, err)
			return
		}
		for _, k := range []string{"Content-Type", "Content-Disposition", "X-Slawatch-Report-Revision"} {
			if v := h.Get(k); v != "" {
				w.Header().Set(k, v)
			}
		}
		w.Write(body)
	}
}
