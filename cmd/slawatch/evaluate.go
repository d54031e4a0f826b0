package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/contract/contractfile"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/graph"
	"github.com/slawatch/slawatch/internal/progress"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/report/pdf"
	"github.com/slawatch/slawatch/sample"
	"github.com/slawatch/slawatch/ticket"
)

// EvaluateCommand judges a month of samples against a contract.
type EvaluateCommand struct {
	IO
	contract string
	samples  stringList
	tickets  string
	events   string
	claims   string
	month    string
	format   string
	out      string

	ignoreUnknown bool                            // --ignore-unknown-series
	ignored       []sample.IgnoredSeries          // the series it left out, most rows first
	states        map[pdf.LevelKey][]engine.State // --format pdf: the availability strips
	graphs        map[pdf.ServiceKey][]pdf.SeriesGraph
	latency       map[string][]graph.Point // --format pdf: the graphed series' records, teed off the feed
}

var evaluateHelp = help{
	usage: "slawatch evaluate --contract FILE --month YYYY-MM --samples FILE [--samples FILE]... [flags]",
	about: "Judges a month of measurements against every service level of a contract, minute by minute " +
		"as each SLA defines it, and prints per customer, service and level the verdict, the figures " +
		"and the credit owed, with the reasons. Samples are probe rows (time,series,rtt_ms) or minute " +
		"records (what slawatch agent --out writes), plain, gzipped or on standard input (docs/samples.md). " +
		"Tickets, events and claims feed the levels judged from them (docs/tickets.md). On a terminal, " +
		"long work shows its progress on standard error.",
	examples: []string{
		"# the shipped Aryaka example, as a table",
		"slawatch evaluate --contract examples/aryaka.yaml --samples examples/aryaka-2026-10.csv.gz --month 2026-10",
		"# tickets, events and claims, as JSON",
		"slawatch evaluate --contract examples/ntt.yaml --month 2026-10 --tickets examples/ntt-tickets.csv \\",
		"    --events examples/ntt-events.csv --claims examples/ntt-claims.csv --format json",
		"# an agent's file, of more series than the contract binds",
		"slawatch evaluate --contract examples/loopback.yaml --samples /tmp/samples.csv --month 2026-12 --ignore-unknown-series",
		"# the monthly report as a PDF",
		"slawatch evaluate --contract examples/iij.yaml --samples examples/iij-2026-10.csv.gz --month 2026-10 --format pdf --out report.pdf",
	},
}

// Run parses the flags and evaluates.
func (c *EvaluateCommand) Run(ctx context.Context, args []string) error {
	fs := c.flags()
	if err := parseFlags(fs, evaluateHelp, args, c.Stdout); err != nil {
		return err
	}
	switch {
	case c.contract == "":
		return usagef("--contract is required")
	case c.month == "":
		return usagef("--month is required")
	case len(c.samples) == 0 && c.tickets == "" && c.events == "":
		return usagef("--samples, --tickets or --events is required")
	case c.format != "table" && c.format != "json" && c.format != "credits" && c.format != "pdf":
		return usagef("--format %q: want table, json, credits or pdf", c.format)
	case c.format == "pdf" && c.out == "" && progress.IsTerminal(c.Stdout):
		return usagef("--format pdf writes a binary file: give --out FILE (or redirect standard output)")
	}
	res, err := c.evaluate(ctx)
	if err != nil {
		return err
	}
	rep := report.JSON(res)
	c.fillIgnored(&rep.Samples)
	c.warnIgnored()
	if rep.Samples.Outside > 0 {
		fmt.Fprintf(c.Stderr, "slawatch evaluate: warning: %d sample rows outside %s (%s to %s) were not used\n",
			rep.Samples.Outside, rep.Month, rep.Samples.OutsideFirst, rep.Samples.OutsideLast)
	}
	w, done, err := c.output()
	if err != nil {
		return err
	}
	return done(c.write(w, rep))
}

// flags defines the flags of evaluate into c.
func (c *EvaluateCommand) flags() *flag.FlagSet {
	fs := newFlagSet("evaluate")
	fs.StringVar(&c.contract, "contract", "", "the contract `FILE` (YAML; docs/contract.md), e.g. examples/aryaka.yaml")
	fs.Var(&c.samples, "samples", "a samples `FILE`: probe rows or minute records, .csv or .csv.gz, or - for standard input; "+
		"repeat the flag for more files, which are merged, e.g. --samples fra.csv --samples ams.csv.gz")
	fs.StringVar(&c.tickets, "tickets", "", "tickets `FILE` (CSV; docs/tickets.md), e.g. examples/ntt-tickets.csv")
	fs.StringVar(&c.events, "events", "", "events `FILE` (CSV: failovers, platform outages, detections, notices, deliveries), e.g. examples/ntt-events.csv")
	fs.StringVar(&c.claims, "claims", "", "claims `FILE` (CSV): judge each credit claimed on time, late or unclaimed, e.g. examples/ntt-claims.csv")
	fs.StringVar(&c.month, "month", "", "the month to judge, `YYYY-MM`, in the contract's time zone, e.g. 2026-10")
	fs.StringVar(&c.format, "format", "table", "output `FORMAT`: table (for people, breaches first), json (for machines), "+
		"credits (CSV for billing) or pdf (the monthly report, with --out; docs/pdf.md), e.g. --format json")
	fs.StringVar(&c.out, "out", "", "write the output to `FILE` instead of standard output, e.g. --out report.pdf")
	fs.BoolVar(&c.ignoreUnknown, "ignore-unknown-series", false, "leave out the rows of series the contract does not bind rather than stop "+
		"at the first: they are still read, checked and counted in the report's rows, and standard error names the series and their rows; "+
		"e.g. for an agent's file of several customers' links, evaluated against one customer's contract")
	return fs
}

// write renders the report in the chosen format.
func (c *EvaluateCommand) write(w io.Writer, rep *report.Report) error {
	switch c.format {
	case "pdf":
		return pdf.Write(w, rep, pdf.Options{Now: time.Now(), States: c.states, Graphs: c.graphs, Latency: c.latency})
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "credits":
		return report.WriteCredits(w, rep)
	}
	return report.WriteTable(w, rep)
}

// output is where the report goes: --out FILE or standard output. done
// closes the file and reports the first error; a file not completely
// written is removed.
func (c *EvaluateCommand) output() (w io.Writer, done func(error) error, err error) {
	if c.out == "" {
		return c.Stdout, func(err error) error { return err }, nil
	}
	f, err := os.Create(c.out)
	if err != nil {
		return nil, nil, fmt.Errorf("--out: %w", err)
	}
	return f, func(err error) error {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("--out %s: %w", c.out, cerr)
		}
		if err != nil {
			os.Remove(c.out)
		}
		return err
	}, nil
}

func (c *EvaluateCommand) evaluate(ctx context.Context) (*engine.Report, error) {
	cat, err := catalog.Builtin()
	if err != nil {
		return nil, err
	}
	ct, err := contractfile.Open(c.contract)
	if err != nil {
		return nil, err
	}
	b, err := ct.Bind(cat)
	if err != nil {
		return nil, err
	}
	month, err := engine.ParseMonth(c.month, b.Location)
	if err != nil {
		return nil, usagef("%v", err)
	}
	ev, err := engine.New(b, month)
	if err != nil {
		return nil, err
	}
	if err := c.setRecords(ev, b.Location); err != nil {
		return nil, err
	}
	var readers []*sample.Reader
	for _, path := range c.samples {
		f, err := c.open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r := sample.NewReader(f, path, len(b.Series), b.Lookup)
		if c.ignoreUnknown {
			r.IgnoreUnknown()
		}
		readers = append(readers, r)
	}
	var tee func(*sample.Batch)
	if c.format == "pdf" {
		tee = c.collect(b)
	}
	meter := progress.New(c.Stderr, "evaluate", int64(month.Minutes()))
	err = feed(ctx, ev, sample.NewMerger(readers...), tee, meter, month.Start.Unix()/60)
	meter.Done()
	if errors.Is(err, sample.ErrUnknownSeries) {
		return nil, fmt.Errorf("%w (the contract binds no such series; --ignore-unknown-series leaves out the rows of series it does not bind)", err)
	}
	if err != nil {
		return nil, err
	}
	c.ignored = ignoredOf(readers)
	rep, err := ev.Finish()
	if err == nil && c.format == "pdf" {
		c.states = pdf.StatesOf(b, ev)
	}
	return rep, err
}

// setRecords reads the tickets, events and claims files given.
func (c *EvaluateCommand) setRecords(ev *engine.Evaluator, loc *time.Location) error {
	if c.tickets == "" && c.events == "" && c.claims == "" {
		return nil
	}
	var (
		tickets []ticket.Ticket
		events  []ticket.Event
		claims  []ticket.Claim
		err     error
	)
	if c.tickets != "" {
		if tickets, err = ticket.OpenTickets(c.tickets, loc); err != nil {
			return err
		}
		tickets = nonNil(tickets)
	}
	if c.events != "" {
		if events, err = ticket.OpenEvents(c.events, loc); err != nil {
			return err
		}
		events = nonNil(events)
	}
	if c.claims != "" {
		if claims, err = ticket.OpenClaims(c.claims, loc); err != nil {
			return err
		}
		claims = nonNil(claims)
	}
	return ev.SetRecords(tickets, events, claims)
}

// nonNil keeps an empty file distinct from no file.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// collect returns a tee for feed that keeps the records of the series the
// PDF graphs (pdf.GraphSeries: at most pdf.MaxGraphs), and only those.
func (c *EvaluateCommand) collect(b *contract.Bound) func(*sample.Batch) {
	c.graphs = pdf.GraphsOf(b)
	c.latency = map[string][]graph.Point{}
	want := map[int32]string{}
	for _, name := range pdf.GraphSeries(b, c.graphs, "") {
		c.latency[name] = nil
		if i, ok := b.Lookup([]byte(name)); ok {
			want[i] = name
		}
	}
	return func(batch *sample.Batch) {
		for _, r := range batch.Records {
			if name, ok := want[r.Series]; ok {
				c.latency[name] = append(c.latency[name], graph.Point{Minute: batch.Minute, M: r.Minute})
			}
		}
	}
}

// feed streams every batch into the evaluator, showing each to tee first
// when it is not nil, and the rows read and minutes judged so far (from
// the month's first, m0) to the meter.
func feed(ctx context.Context, ev *engine.Evaluator, m *sample.Merger, tee func(*sample.Batch), meter *progress.Meter, m0 int64) error {
	var rows int64
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		b, err := m.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if tee != nil {
			tee(b)
		}
		rows += b.Rows
		meter.Update(rows, b.Minute-m0)
		if err := ev.Add(b); err != nil {
			return err
		}
	}
}

// ignoredOf adds up the series the readers left out, most rows first.
func ignoredOf(readers []*sample.Reader) []sample.IgnoredSeries {
	at := map[string]int{}
	var all []sample.IgnoredSeries
	for _, r := range readers {
		for _, s := range r.Ignored() {
			if i, ok := at[s.Series]; ok {
				all[i].Rows += s.Rows
				continue
			}
			at[s.Series] = len(all)
			all = append(all, s)
		}
	}
	slices.SortStableFunc(all, func(a, b sample.IgnoredSeries) int { return cmp.Compare(b.Rows, a.Rows) })
	return all
}

// fillIgnored puts the rows and names of the series left out into the
// report's sample stats, the names sorted so that reports compare.
func (c *EvaluateCommand) fillIgnored(s *report.SampleStats) {
	for _, i := range c.ignored {
		s.Ignored += i.Rows
		s.IgnoredSeries = append(s.IgnoredSeries, i.Series)
	}
	slices.Sort(s.IgnoredSeries)
}

// maxIgnoredNamed bounds the series the warning names.
const maxIgnoredNamed = 10

// warnIgnored says on standard error what --ignore-unknown-series left
// out: the rows, the series, and the first ten by rows.
func (c *EvaluateCommand) warnIgnored() {
	if len(c.ignored) == 0 {
		return
	}
	var rows int64
	names := make([]string, 0, min(len(c.ignored), maxIgnoredNamed))
	for i, s := range c.ignored {
		rows += s.Rows
		if i < maxIgnoredNamed {
			names = append(names, fmt.Sprintf("%s (%d rows)", s.Series, s.Rows))
		}
	}
	if more := len(c.ignored) - len(names); more > 0 {
		names = append(names, fmt.Sprintf("and %d more", more))
	}
	fmt.Fprintf(c.Stderr, "slawatch evaluate: warning: %d sample rows of %d series the contract does not bind were left out (--ignore-unknown-series): %s\n",
		rows, len(c.ignored), strings.Join(names, ", "))
}

// open opens a samples file; "-" is the command's standard input.
func (c *EvaluateCommand) open(path string) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(c.Stdin), nil
	}
	return sample.Open(path)
}
