package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/slawatch/slawatch/calendar"
)

var calendarHelp = help{
	usage: "slawatch calendar [--format table|json]",
	about: "Lists the business-day regions the catalog's deadlines count in, their aliases, the years " +
		"their public holidays cover and where the holidays come from. A business-day deadline past " +
		"those years leaves only its level undetermined. See docs/business-time.md.",
	examples: []string{"slawatch calendar", "slawatch calendar --format json"},
}

// CalendarCommand lists the business-day regions and the years their
// holidays cover: past them a business-day deadline is undetermined.
type CalendarCommand struct {
	IO
	format string
}

// Run prints one row per region, as a table or as JSON.
func (c *CalendarCommand) Run(ctx context.Context, args []string) error {
	if err := parseFlags(c.flags(), calendarHelp, args, c.Stdout); err != nil {
		return err
	}
	covs := calendar.Coverages()
	switch c.format {
	case "json":
		enc := json.NewEncoder(c.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(covs)
	case "table":
		tw := tabwriter.NewWriter(c.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "REGION\tYEARS\tALIASES\tHOLIDAYS")
		for _, cv := range covs {
			fmt.Fprintf(tw, "%s\t%d-%d\t%s\t%s\n", cv.Region, cv.First, cv.Last, strings.Join(cv.Aliases, ", "), cv.Source)
		}
		return tw.Flush()
	}
	return usagef("--format %q: want table or json", c.format)
}

// flags defines the flags of calendar into c.
func (c *CalendarCommand) flags() *flag.FlagSet {
	fs := newFlagSet("calendar")
	fs.StringVar(&c.format, "format", "table", "output `FORMAT`: table or json, e.g. --format json")
	return fs
}
