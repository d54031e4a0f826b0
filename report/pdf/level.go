package pdf

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/slawatch/slawatch/report"
)

// summary prints the customer's totals and a row per level.
func (d *doc) summary(c *report.CustomerReport) {
	r := d.rep
	d.headingRoom("Summary", 40)
	zone := r.Timezone
	if d.offset != "" {
		zone += " (UTC" + d.offset + "; a time at another offset shows it)"
	}
	d.para(fmt.Sprintf("Month %s, %d minutes; times in %s. Amounts in %s.", r.Month, r.MonthMinutes, zone, r.Currency))
	d.para(fmt.Sprintf("%d levels: %d met, %d missed, %d undetermined.", c.Levels, c.Met, c.Missed, c.Open))
	d.f.SetFont(family, "B", bodySize)
	d.para(fmt.Sprintf("Credit total: %s %s", c.Credit, r.Currency))
	d.f.SetFont(family, "", bodySize)
	d.f.Ln(2)
	cols := []col{{head: "service"}, {head: "level", wrap: true}, {head: "verdict"}, {head: "measured"},
		{head: "objective", wrap: true}, {head: "down", right: true}, {head: "credit %", right: true},
		{head: "cap"}, {head: "credit (" + r.Currency + ")", right: true}}
	var rows [][]string
	for _, s := range c.Services {
		for i := range s.Levels {
			l := &s.Levels[i]
			rows = append(rows, []string{s.ID, l.Title, verdict(l.Met), measured(l), l.Objective, down(l), l.CreditPct, capped(l.CapApplied), l.Credit})
		}
		if len(s.Levels) > 1 {
			rows = append(rows, []string{s.ID, "service total after caps", "", "", "", "", "", "", s.Credit})
		}
	}
	d.table(cols, rows)
}

// exclusions lists, once per customer, the exclusion windows the levels
// honoured and those they refused, with the reason: the reasons the
// engine gives begin "excluded " or "not excluded: ".
func (d *doc) exclusions(c *report.CustomerReport) {
	var applied, refused []string
	seen := map[string]bool{}
	for _, s := range c.Services {
		for _, l := range s.Levels {
			for _, reason := range l.Reasons {
				key := s.ID + "\x00" + reason
				if seen[key] {
					continue
				}
				switch {
				case strings.HasPrefix(reason, "excluded "):
					applied = append(applied, s.ID+": "+reason)
				case strings.HasPrefix(reason, "not excluded: "):
					refused = append(refused, s.ID+": "+reason)
				default:
					continue
				}
				seen[key] = true
			}
		}
	}
	if len(applied)+len(refused) == 0 {
		return
	}
	d.heading("Exclusions")
	if len(applied) > 0 {
		d.para("Applied (the minutes leave both the numerator and the denominator):")
		d.bullets(applied)
	}
	if len(refused) > 0 {
		d.para("Refused (the minutes count as measured):")
		d.bullets(refused)
	}
}

// level prints one level's section.
func (d *doc) level(c *report.CustomerReport, s *report.ServiceReport, l *report.LevelReport) {
	st, strip := d.opts.States[LevelKey{c.ID, s.ID, l.Template}]
	room := 45.0
	if strip {
		room = 75 // the figures and the strip on one page
	}
	d.headingRoom(s.ID+" · "+l.Template, room)
	f := d.f
	f.SetFont(family, "B", bodySize)
	r, g, b := verdictColour(l.Met)
	f.SetTextColor(r, g, b)
	d.para(verdict(l.Met) + " · " + l.Title)
	f.SetTextColor(0, 0, 0)
	f.SetFont(family, "", bodySize)
	d.table([]col{{head: "figure"}, {head: "value", wrap: true}}, d.figures(s, l))
	if strip {
		d.strip(st, l.Outages)
	}
	if len(l.Reasons) > 0 {
		f.SetFont(family, "B", bodySize)
		d.para("Reasons")
		f.SetFont(family, "", bodySize)
		d.bullets(l.Reasons)
	}
	d.outages(l)
	d.items(l)
}

// figures are the level's fields, each as the JSON report spells it.
func (d *doc) figures(s *report.ServiceReport, l *report.LevelReport) [][]string {
	rows := [][]string{{"objective", l.Objective}}
	if s.Site != "" {
		rows = append(rows, []string{"site", s.Site})
	}
	minutes := fmt.Sprintf("measured %d, unknown %d, excluded %d", l.MeasuredMinutes, l.UnknownMinutes, l.ExcludedMinutes)
	if l.DownMinutes != nil {
		minutes += fmt.Sprintf(", down %d", *l.DownMinutes)
	}
	rows = append(rows, []string{"minutes", minutes})
	add := func(name, v, unit string) {
		if v != "" {
			rows = append(rows, []string{name, v + unit})
		}
	}
	add("availability", string(l.Availability), "%")
	add("packet loss", string(l.LossPct), "%")
	add("latency", string(l.LatencyMs), " ms")
	add("jitter", string(l.JitterMs), " ms")
	add("mean time", string(l.MeanMinutes), " min")
	add("outage minutes", string(l.OutageMinutes), " min")
	if bu := l.Budget; bu != nil {
		rows = append(rows, []string{"error budget", fmt.Sprintf("%d down minutes allowed of %d, %d used, %d left",
			bu.Allowed, bu.Basis, bu.Used, bu.Left)})
	}
	rows = append(rows, []string{"credit", pct(l.CreditPct) + " · " + l.Credit + " " + d.rep.Currency + capMark(l.CapApplied) + d.preCap(l.PreCap, l.Cap)})
	if cj := l.Claim; cj != nil {
		rows = append(rows, d.claimRows(cj)...)
	}
	return rows
}

// claimRows are a credit's claim: the amount before caps, the deadlines,
// what became of it, and when it reaches the invoice.
func (d *doc) claimRows(cj *report.ClaimJSON) [][]string {
	rows := [][]string{{"claim", "credit " + cj.Amount + " " + d.rep.Currency + d.preCap(cj.PreCap, cj.Cap) + ", to claim by " + d.tm(cj.ClaimBy)}}
	if cj.ConfirmBy != "" {
		rows = append(rows, []string{"support ticket by", d.tm(cj.ConfirmBy)})
	}
	if cj.Status != "" {
		st := cj.Status
		if cj.ClaimID != "" {
			st += " (" + cj.ClaimID + ")"
		}
		if cj.Reason != "" {
			st += ": " + cj.Reason
		}
		rows = append(rows, []string{"claim status", st})
	}
	inv := cj.Invoice
	if cj.InvoiceBy != "" {
		inv += "; on the invoice by " + cj.InvoiceBy
	}
	if inv != "" {
		rows = append(rows, []string{"invoice", inv})
	}
	return rows
}

func (d *doc) outages(l *report.LevelReport) {
	if len(l.Outages) == 0 {
		return
	}
	d.f.SetFont(family, "B", bodySize)
	d.para("Outages")
	d.f.SetFont(family, "", bodySize)
	rows := make([][]string, 0, len(l.Outages))
	for _, o := range l.Outages {
		rows = append(rows, []string{d.tm(o.Start), d.tm(o.End), strconv.Itoa(o.Minutes), d.tm(o.DetectedAt), d.tm(o.NotifyBy)})
	}
	d.table([]col{{head: "start"}, {head: "end"}, {head: "minutes", right: true}, {head: "detected at"}, {head: "notice due by"}}, rows)
}

// items prints the tickets or events a timed level judged, then each
// one's notes and claim.
func (d *doc) items(l *report.LevelReport) {
	if len(l.Items) == 0 {
		return
	}
	d.f.SetFont(family, "B", bodySize)
	d.para("Tickets and events")
	d.f.SetFont(family, "", bodySize)
	rows := make([][]string, 0, len(l.Items))
	for _, it := range l.Items {
		credit := ""
		if it.Credit != "" {
			credit = pct(it.CreditPct) + " · " + it.Credit
			if it.PreCap != "" {
				credit += "\n(" + it.PreCap + " before " + it.Cap + ")"
			}
		}
		target := it.Target
		if it.Deadline != "" {
			target = strings.TrimSpace(target + "\nby " + d.tm(it.Deadline))
		}
		rows = append(rows, []string{it.ID + "\n" + it.Kind, d.tm(it.Start), d.tm(it.Stop), target,
			string(it.Elapsed), verdict(it.Met), credit})
	}
	d.table([]col{{head: "item", wrap: true}, {head: "start"}, {head: "stop"}, {head: "target", wrap: true},
		{head: "minutes", right: true}, {head: "verdict"}, {head: "credit", right: true}}, rows)
	var notes []string
	for _, it := range l.Items {
		notes = append(notes, d.itemNotes(&it)...)
	}
	d.bullets(notes)
}

func (d *doc) itemNotes(it *report.ItemJSON) []string {
	var out []string
	if it.Excluded != "" {
		out = append(out, it.ID+": excluded: "+it.Excluded)
	}
	if it.Incident != "" {
		out = append(out, it.ID+": incident "+it.Incident)
	}
	for _, n := range it.Notes {
		out = append(out, it.ID+": "+n)
	}
	if cj := it.Claim; cj != nil {
		s := it.ID + ": credit " + cj.Amount + " " + d.rep.Currency + d.preCap(cj.PreCap, cj.Cap) + ", claim by " + d.tm(cj.ClaimBy)
		if cj.ConfirmBy != "" {
			s += ", support ticket by " + d.tm(cj.ConfirmBy)
		}
		if cj.Status != "" {
			s += "; " + cj.Status
			if cj.ClaimID != "" {
				s += " (" + cj.ClaimID + ")"
			}
			if cj.Reason != "" {
				s += ": " + cj.Reason
			}
		}
		if cj.InvoiceBy != "" {
			s += "; on the invoice by " + cj.InvoiceBy
		}
		out = append(out, s)
	}
	return out
}

// preCap says what a credit was before the level's limit and the caps
// reduced it, and what reduced it: "" when nothing did.
func (d *doc) preCap(pre, cap string) string {
	if pre == "" {
		return ""
	}
	s := " (" + pre + " " + d.rep.Currency + " before "
	if cap == "" {
		return s + "the caps)"
	}
	return s + cap + ")"
}

// pct is a credit percentage with its sign; a word ("per item") as it is.
func pct(s string) string {
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return s
	}
	return s + " %"
}

func verdict(m *bool) string {
	switch {
	case m == nil:
		return "undetermined"
	case *m:
		return "met"
	}
	return "MISSED"
}

func verdictColour(m *bool) (r, g, b int) {
	switch {
	case m == nil:
		return 110, 110, 110
	case *m:
		return 20, 120, 40
	}
	return 190, 30, 30
}

func down(l *report.LevelReport) string {
	if l.DownMinutes == nil {
		return "-"
	}
	return strconv.Itoa(*l.DownMinutes)
}

// measured is the figure the level is judged on, as the table shows it.
func measured(l *report.LevelReport) string {
	switch {
	case l.Availability != "":
		return string(l.Availability) + "%"
	case l.LossPct != "":
		return "loss " + string(l.LossPct) + "%"
	case l.LatencyMs != "":
		return string(l.LatencyMs) + " ms"
	case l.JitterMs != "":
		return "jitter " + string(l.JitterMs) + " ms"
	case l.MeanMinutes != "":
		return "mean " + string(l.MeanMinutes) + " min"
	}
	return "-"
}

func capped(b bool) string {
	if b {
		return "capped"
	}
	return ""
}

func capMark(b bool) string {
	if b {
		return " (capped)"
	}
	return ""
}
