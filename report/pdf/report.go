// Package pdf renders the monthly report as a PDF for a customer's
// finance and network teams: per customer, a summary of every level, then
// each level's verdict with its reasons, the error budget, the outages
// with their detection and notice times, the tickets and events judged,
// the credits with their caps and claim deadlines, an availability strip
// where the minute states are given, a latency graph of each series a
// service is measured by where its records are given (graph.BucketsOf,
// drawn as graph.Latency draws it), and the exclusions applied and
// refused.
//
// It is a view of report.Report (docs/pdf.md): every figure it prints is
// the JSON report's own string, so the PDF can show no number the JSON
// would not. It queries nothing, reads no file (the font is embedded)
// and never panics: a report of any shape gives a PDF or an error.
package pdf

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/graph"
	"github.com/slawatch/slawatch/report"
)

// Options says what to print and when it was made.
type Options struct {
	// Customer selects one customer of the report by ID; "" prints all,
	// each starting on a new page.
	Customer string
	// Now is printed as "generated at" and is the PDF's creation date;
	// the same report and Now give the same bytes. Zero prints no time
	// and dates the file at the Unix epoch.
	Now time.Time
	// States are the minute states of the levels that have them
	// (StatesOf), drawn as availability strips; nil draws none.
	States map[LevelKey][]engine.State
	// Graphs are the series each service's levels are measured by
	// (GraphsOf), and Latency the month's records of those to draw, by
	// series (GraphSeries says which a caller needs): a latency graph of
	// each after the service's levels, at most MaxGraphs in one PDF. A
	// series absent from Latency is not drawn; present with no records,
	// it is drawn as a month unmeasured.
	Graphs  map[ServiceKey][]SeriesGraph
	Latency map[string][]graph.Point
}

// LevelKey names one level of a report: the customer's and the
// service's IDs and the level's template.
type LevelKey struct {
	Customer, Service, Template string
}

// Write renders the report, or the customer opts.Customer of it, as a
// PDF on A4 pages to w.
func Write(w io.Writer, rep *report.Report, opts Options) (err error) {
	if rep == nil {
		return slawatch.Errorf(slawatch.EINVALID, "pdf: no report")
	}
	customers, err := selectCustomers(rep, opts.Customer)
	if err != nil {
		return err
	}
	// fpdf reports its errors through Error(), but a library may still
	// panic on input nobody foresaw: the caller gets an error, never a
	// crash (the fuzz test looks for such inputs).
	defer func() {
		if r := recover(); r != nil {
			err = slawatch.Errorf(slawatch.EINTERNAL, "pdf: report %.40q: %v", rep.Month, r)
		}
	}()
	d, err := newDoc(rep, opts)
	if err != nil {
		return err
	}
	for i := range customers {
		d.customer(customers[i])
	}
	if len(customers) == 0 {
		d.cur = nil
		d.f.AddPage()
		d.para("This report has no customer.")
	}
	if opts.Customer == "" || len(rep.Customers) == 1 {
		d.unmatched()
	}
	var b bytes.Buffer
	if err := d.f.Output(&b); err != nil {
		return fmt.Errorf("pdf: report %.40q: %w", rep.Month, err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

// selectCustomers returns the customers to print.
func selectCustomers(rep *report.Report, id string) ([]*report.CustomerReport, error) {
	var out []*report.CustomerReport
	for i := range rep.Customers {
		if id == "" || rep.Customers[i].ID == id {
			out = append(out, &rep.Customers[i])
		}
	}
	if id != "" && len(out) == 0 {
		return nil, slawatch.Errorf(slawatch.ENOTFOUND, "pdf: report %.40q has no customer %q", rep.Month, id)
	}
	return out, nil
}

// customer prints one customer: the summary, then each level.
func (d *doc) customer(c *report.CustomerReport) {
	d.cur = c
	d.f.AddPage()
	d.summary(c)
	d.exclusions(c)
	for si := range c.Services {
		s := &c.Services[si]
		for li := range s.Levels {
			d.level(c, s, &s.Levels[li])
		}
		d.latencies(c, s)
	}
}

// unmatched lists the claims that cover no credit of the month.
func (d *doc) unmatched() {
	if len(d.rep.UnmatchedClaims) == 0 {
		return
	}
	d.heading("Claims that cover no credit of the month")
	rows := make([][]string, 0, len(d.rep.UnmatchedClaims))
	for _, u := range d.rep.UnmatchedClaims {
		rows = append(rows, []string{u.ID, u.At, u.Reason})
	}
	d.table([]col{{head: "claim"}, {head: "read at"}, {head: "reason", wrap: true}}, rows)
}
