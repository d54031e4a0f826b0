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

// CalendarCommand lists the business-day regions and the years their
// holidays cover: past them a business-day deadline is undetermined.
type CalendarCommand struct{ IO }

// Run prints one row per region, as a table or as JSON.
func (c *CalendarCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("calendar", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	format := fs.String("format", "table", "output `FORMAT`: table or json")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("calendar takes no arguments, got %q", fs.Arg(0))
	}
	covs := calendar.Coverages()
	switch *format {
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
	return usagef("--format %q: want table or json", *format)
}
