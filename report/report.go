// Package report renders the engine's typed report (engine.Report), each
// rendering in its own file: the JSON of evaluate and the report API
// (json.go), an aligned table for people with the breaches first, the
// reasons behind each breach and credit, and each customer's total
// (report.go), the credits CSV for billing (credits.go), and the PDF
// (report/pdf).
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// maxIgnoredNamed bounds the series the table names: an agent's file
// may hold thousands, which the JSON lists in full.
const maxIgnoredNamed = 10

// writeIgnored writes the rows of series the contract does not bind,
// when there are any, and the first of them by name.
func writeIgnored(w io.Writer, s SampleStats) {
	if s.Ignored == 0 {
		return
	}
	names := s.IgnoredSeries[:min(len(s.IgnoredSeries), maxIgnoredNamed)]
	list := strings.Join(names, ", ")
	if more := len(s.IgnoredSeries) - len(names); more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	fmt.Fprintf(w, "ignored: %d rows of %d series the contract does not bind: %s\n", s.Ignored, len(s.IgnoredSeries), list)
}

// row is one level of one service, flattened for the table.
type row struct {
	customer, service string
	l                 *LevelReport
}

// WriteTable writes the report's JSON rendering (JSON) as a table: the
// same figures, printed alike.
func WriteTable(w io.Writer, r *Report) error {
	fmt.Fprintf(w, "%s  month %s (%s, %d minutes)  currency %s\n", r.Contract, r.Month, r.Timezone, r.MonthMinutes, r.Currency)
	s := r.Samples
	fmt.Fprintf(w, "samples: %d rows, %d in the month, %d context, %d outside\n", s.Rows, s.InMonth, s.Context, s.Outside)
	writeIgnored(w, s)
	if rc := r.Records; rc != nil {
		fmt.Fprintf(w, "records: %d tickets, %d events, %d claims; %d tickets and events no level reads\n", rc.Tickets, rc.Events, rc.Claims, rc.Unused)
	}
	fmt.Fprintln(w)
	rows := flatten(r)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MET\tCUSTOMER\tSERVICE\tLEVEL\tDOWN\tUNKNOWN\tEXCL\tMEASURED\tOBJECTIVE\tCREDIT%\tCREDIT")
	for _, x := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s%s\n", met(x.l.Met), x.customer, x.service,
			x.l.Template, down(x.l), x.l.UnknownMinutes, x.l.ExcludedMinutes, measured(x.l),
			x.l.Objective, x.l.CreditPct, x.l.Credit, capMark(x.l))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, c := range r.Customers {
		fmt.Fprintf(w, "customer %s: %d levels, %d met, %d missed, %d undetermined; credit %s %s\n",
			c.ID, c.Levels, c.Met, c.Missed, c.Open, c.Credit, r.Currency)
	}
	writeReasons(w, r, rows)
	for _, c := range r.UnmatchedClaims {
		fmt.Fprintf(w, "\nclaim %s (%s) %s\n", c.ID, c.At, c.Reason)
	}
	return nil
}

// flatten lists every level, breaches first, then undetermined, then met,
// each group in contract order.
func flatten(r *Report) []row {
	var rows []row
	for _, c := range r.Customers {
		for _, s := range c.Services {
			for i := range s.Levels {
				rows = append(rows, row{c.ID, s.ID, &s.Levels[i]})
			}
		}
	}
	rank := func(m *bool) int {
		switch {
		case m == nil:
			return 1
		case !*m:
			return 0
		}
		return 2
	}
	sort.SliceStable(rows, func(i, j int) bool { return rank(rows[i].l.Met) < rank(rows[j].l.Met) })
	return rows
}

func writeReasons(w io.Writer, r *Report, rows []row) {
	for _, x := range rows {
		if x.l.Met != nil && *x.l.Met && zero(x.l.Credit) {
			continue
		}
		fmt.Fprintf(w, "\n%s/%s %s (%s):\n", x.customer, x.service, x.l.Template, met(x.l.Met))
		for _, o := range x.l.Outages {
			fmt.Fprintf(w, "  outage %s to %s (%d min), detected %s", o.Start, o.End, o.Minutes, o.DetectedAt)
			if o.NotifyBy != "" {
				fmt.Fprintf(w, ", notice due by %s", o.NotifyBy)
			}
			fmt.Fprintln(w)
		}
		for _, reason := range x.l.Reasons {
			fmt.Fprintf(w, "  %s\n", reason)
		}
		if c := x.l.Claim; c != nil {
			writeClaim(w, "  ", r.Currency, c)
		}
		for _, it := range x.l.Items {
			writeItem(w, r.Currency, &it)
		}
	}
}

// writeItem writes one judged ticket or event on a line, its notes and
// claim indented below it.
func writeItem(w io.Writer, currency string, it *ItemJSON) {
	fmt.Fprintf(w, "  - %s %s %s: %s", met(it.Met), it.Kind, it.ID, it.Start)
	if it.Stop != "" {
		fmt.Fprintf(w, " -> %s (%s min)", it.Stop, it.Elapsed)
	}
	if it.Deadline != "" {
		fmt.Fprintf(w, ", target %s, deadline %s", it.Target, it.Deadline)
	}
	if it.Excluded != "" {
		fmt.Fprintf(w, ", excluded: %s", it.Excluded)
	}
	if it.Credit != "" {
		fmt.Fprintf(w, ", credit %s%% = %s%s", it.CreditPct, it.Credit, before(it.PreCap, it.Cap))
	}
	fmt.Fprintln(w)
	for _, n := range it.Notes {
		fmt.Fprintf(w, "      %s\n", n)
	}
	if c := it.Claim; c != nil {
		writeClaim(w, "      ", currency, c)
	}
}

// writeClaim writes a claim on a line: the amount claimed (owed, after
// caps) with what it was before them, its deadlines and its status.
func writeClaim(w io.Writer, indent, currency string, c *ClaimJSON) {
	fmt.Fprintf(w, "%sclaim %s %s%s by %s", indent, c.Amount, currency, before(c.PreCap, c.Cap), c.ClaimBy)
	if c.ConfirmBy != "" {
		fmt.Fprintf(w, " (support ticket by %s)", c.ConfirmBy)
	}
	if c.Status != "" {
		fmt.Fprintf(w, ": %s: %s", c.Status, c.Reason)
	}
	if c.InvoiceBy != "" {
		fmt.Fprintf(w, "; on the invoice by %s", c.InvoiceBy)
	}
	fmt.Fprintln(w)
}

func met(m *bool) string {
	switch {
	case m == nil:
		return "n/a"
	case *m:
		return "met"
	}
	return "MISSED"
}

func down(l *LevelReport) string {
	if l.DownMinutes == nil {
		return "-"
	}
	return fmt.Sprint(*l.DownMinutes)
}

// measured shows the figure the level is judged on.
func measured(l *LevelReport) string {
	switch {
	case l.Availability != "":
		return string(l.Availability) + "%"
	case l.LossPct != "":
		return "loss " + string(l.LossPct) + "%"
	case l.LatencyMs != "":
		return "latency " + string(l.LatencyMs) + " ms"
	case l.JitterMs != "":
		return "jitter " + string(l.JitterMs) + " ms"
	}
	return "-"
}

// capMark marks a level's credit that a limit or cap reduced.
func capMark(l *LevelReport) string {
	if l.PreCap != "" {
		return before(l.PreCap, l.Cap)
	}
	if l.CapApplied {
		return " (capped)"
	}
	return ""
}

// before names the amount before a limit or cap, when one reduced it.
func before(preCap, capName string) string {
	if preCap == "" {
		return ""
	}
	return fmt.Sprintf(" (%s before %s)", preCap, capName)
}
