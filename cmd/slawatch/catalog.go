package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/slawatch/slawatch/catalog"
)

// CatalogCommand lists the built-in templates or shows one.
type CatalogCommand struct{ IO }

const catalogHelp = `usage: slawatch catalog [show ID]

Lists the service levels built into the binary, one a line (ID and summary),
then each provider's general rules; 'show ID' prints one level in full: the
clause it cites, its inputs, parameters, rules and notes. A contract names
levels by these IDs. See docs/templates.md.

examples:
  slawatch catalog
  slawatch catalog show aryaka/privatecore-latency
`

// Run lists the catalog, or shows one template with "show ID".
func (c *CatalogCommand) Run(ctx context.Context, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(c.Stdout, catalogHelp)
		return flag.ErrHelp
	}
	cat, err := catalog.Builtin()
	if err != nil {
		return err
	}
	switch {
	case len(args) == 0:
		tw := tabwriter.NewWriter(c.Stdout, 0, 0, 2, ' ', 0)
		for _, t := range cat.Templates() {
			fmt.Fprintf(tw, "%s\t%s\n", t.ID, t.Summary)
		}
		fmt.Fprintln(tw, "\ngeneral rules\t")
		for _, p := range cat.Providers() {
			for _, r := range p.Rules {
				fmt.Fprintf(tw, "%s\t%s\n", r.ID, r.Text)
			}
		}
		return tw.Flush()
	case len(args) == 2 && args[0] == "show":
		t, err := cat.Template(args[1])
		if err != nil {
			return err
		}
		c.show(t)
		return nil
	}
	return usagef("want 'catalog' or 'catalog show ID', got %q (slawatch catalog -h)", strings.Join(args, " "))
}

func (c *CatalogCommand) show(t *catalog.Template) {
	w := c.Stdout
	fmt.Fprintf(w, "%s — %s\n%s\n\nsource: %s\n", t.ID, t.Title, t.Summary, t.Source)
	if len(t.AppliesTo) > 0 {
		fmt.Fprintf(w, "applies to: %s\n", strings.Join(t.AppliesTo, "; "))
	}
	fmt.Fprintln(w, "\ninputs:")
	for _, in := range t.Inputs {
		n := fmt.Sprintf("%d or more series", in.Min)
		if in.Max == in.Min {
			n = fmt.Sprintf("%d series", in.Min)
		} else if in.Max > 0 {
			n = fmt.Sprintf("%d to %d series", in.Min, in.Max)
		}
		fmt.Fprintf(w, "  %s (%s): %s\n", in.Name, n, in.Description)
	}
	if len(t.Params) > 0 {
		fmt.Fprintln(w, "\nparameters:")
		for _, p := range t.Params {
			req := "required"
			if p.Default != "" {
				req = "default " + p.Default
			}
			fmt.Fprintf(w, "  %s (%s, %s): %s\n", p.Name, p.Type, req, p.Description)
		}
	}
	fmt.Fprintf(w, "\nrules:\n%s", rules(t))
	fmt.Fprintf(w, "\nnotes:\n  %s\n", strings.ReplaceAll(strings.TrimSpace(t.Notes), "\n", "\n  "))
}

// rules describes a template's rules in words.
func rules(t *catalog.Template) string {
	var b strings.Builder
	if t.Minute != nil {
		for i, m := range t.Minute.Rules() {
			if i > 0 {
				b.WriteString("  or:\n")
			}
			fmt.Fprintf(&b, "  minute: over input %s", m.Input)
			for _, c := range m.FailWhen {
				fmt.Fprintf(&b, "; a series fails when %s", condition(c))
			}
			if m.Gate != "" {
				fmt.Fprintf(&b, " while %s does not fail", m.Gate)
			}
			if m.SeriesConsecutive > 1 {
				fmt.Fprintf(&b, ", inside a run of %d failed minutes", m.SeriesConsecutive)
			}
			fmt.Fprintf(&b, "; down when %s %s", m.Down.Combine, m.Down.When)
			if m.Consecutive > 1 {
				fmt.Fprintf(&b, "; counts inside runs of %d or more minutes, from the first", m.Consecutive)
			}
			if cb := m.ConsecutiveBy; cb != nil {
				fmt.Fprintf(&b, "; counts inside runs of %v minutes (by %s), from the first", cb.Values, cb.Param)
			}
			b.WriteString("\n")
		}
	}
	if v := t.Value; v != nil {
		fmt.Fprintf(&b, "  value: %s = %s of %s over input %s", v.ReportAs, v.Aggregate, v.Of, v.Input)
		if v.BlockMinutes > 0 {
			fmt.Fprintf(&b, " in %d-minute blocks", v.BlockMinutes)
		}
		b.WriteString("\n")
	}
	o := t.Objective
	fmt.Fprintf(&b, "  objective: %s%s%s\n", o.Text, prefixed(" availability ", o.Availability), prefixed(" value ", o.Value))
	fmt.Fprintf(&b, "  credit: %s\n", credit(t.Credit))
	if len(t.Caps) > 0 {
		fmt.Fprintf(&b, "  caps: %s\n", strings.Join(t.Caps, ", "))
	}
	return b.String()
}

func condition(c catalog.Condition) string {
	switch {
	case c.Loss != "":
		return "loss% " + c.Loss
	case c.RTT != "":
		return "mean rtt_ms " + c.RTT
	}
	return fmt.Sprintf("mean RTT exceeds the trailing %d-minute mean by more than %s%%", c.OverBaseline.WindowMinutes, c.OverBaseline.OverPct)
}

func credit(c catalog.CreditRule) string {
	base := c.Base.Fee
	switch {
	case c.Base.Ticket:
		base = "the item's own fee (the fee column of its ticket or event)"
	case base == "" && c.FromContract:
		return "none in the SLA; a contract may supply one"
	case base == "":
		return "none"
	case c.Base.DividedBy != "":
		base += " / " + c.Base.DividedBy
	}
	pct := c.Pct + "%"
	if c.PctBy != nil {
		var by []string
		for _, k := range slices.Sorted(maps.Keys(c.PctBy.Values)) {
			by = append(by, fmt.Sprintf("%s%% (%s %s)", c.PctBy.Values[k], c.PctBy.Param, k))
		}
		pct = strings.Join(by, " or ")
	}
	var parts []string
	for _, tr := range c.Tiers {
		if tr.UpTo == 0 {
			parts = append(parts, fmt.Sprintf("%d < down: %s%%", tr.Above, tr.Pct))
		} else {
			parts = append(parts, fmt.Sprintf("%d < down <= %d: %s%%", tr.Above, tr.UpTo, tr.Pct))
		}
	}
	for _, o := range c.OverTiers {
		parts = append(parts, fmt.Sprintf("%s: %s%% per item", overTier(o), o.Pct))
	}
	switch {
	case c.DayFee:
		return "one day's worth of " + base + " for each started hour of the month's cumulative outage"
	case c.When != "":
		parts = append(parts, "when value "+c.When+": "+pct)
	case c.MinMisses > 0:
		parts = append(parts, fmt.Sprintf("once %d items miss in the month: %s", c.MinMisses, pct))
	case c.PerItem && len(c.OverTiers) == 0:
		parts = append(parts, "each missed item: "+pct)
	case c.Missed:
		parts = append(parts, "when the objective is missed: "+pct)
	}
	out := strings.Join(parts, "; ") + " of " + base
	if c.PerDay > 0 {
		out += fmt.Sprintf(", at most %d %s a day", c.PerDay, map[bool]string{true: "item", false: "items"}[c.PerDay == 1])
	}
	if c.Best {
		out += "; only the single most favourable item counts"
	}
	if c.MaxPct != "" {
		out += fmt.Sprintf("; at most %s%% of the base", c.MaxPct)
	}
	return out
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// overTier names a row of hours beyond the target.
func overTier(o catalog.OverTier) string {
	if o.Below == 0 {
		return fmt.Sprintf("%d h or more beyond the target", o.From)
	}
	return fmt.Sprintf("%d to under %d h beyond the target", o.From, o.Below)
}
