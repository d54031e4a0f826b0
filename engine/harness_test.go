package engine_test

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/sample"
	"github.com/slawatch/slawatch/ticket"
)

// feed builds minute records by hand for golden scenarios.
type feed struct {
	tb     testing.TB
	loc    *time.Location
	b      *contract.Bound
	minute map[int64]map[int32]slawatch.Minute
	made   map[[3]int64]slawatch.Minute // see fresh
	// tickets, events and claims as CSV text; nil: the file is not given
	tickets, events, claims *string
}

// records gives the scenario tickets, events and claims files as CSV
// text; "-" leaves a file out.
func (f *feed) records(tickets, events, claims string) *feed {
	for _, x := range []struct {
		text string
		dst  **string
	}{{tickets, &f.tickets}, {events, &f.events}, {claims, &f.claims}} {
		if x.text != "-" {
			*x.dst = &x.text
		}
	}
	return f
}

// setRecords reads the scenario's files into the evaluator.
func (f *feed) setRecords(ev *engine.Evaluator) error {
	if f.tickets == nil && f.events == nil && f.claims == nil {
		return nil
	}
	var (
		ts  []ticket.Ticket
		es  []ticket.Event
		cs  []ticket.Claim
		err error
	)
	if f.tickets != nil {
		if ts, err = ticket.ReadTickets(strings.NewReader(*f.tickets), "tickets.csv", f.loc); err != nil {
			return err
		}
		ts = append([]ticket.Ticket{}, ts...)
	}
	if f.events != nil {
		if es, err = ticket.ReadEvents(strings.NewReader(*f.events), "events.csv", f.loc); err != nil {
			return err
		}
		es = append([]ticket.Event{}, es...)
	}
	if f.claims != nil {
		if cs, err = ticket.ReadClaims(strings.NewReader(*f.claims), "claims.csv", f.loc); err != nil {
			return err
		}
		cs = append([]ticket.Claim{}, cs...)
	}
	return ev.SetRecords(ts, es, cs)
}

// scenario binds a contract given as YAML text and returns a feed for it.
func scenario(tb testing.TB, yaml string) *feed {
	tb.Helper()
	c, err := contract.Parse(strings.NewReader(yaml), "test.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	cat, err := catalog.Builtin()
	if err != nil {
		tb.Fatal(err)
	}
	b, err := c.Bind(cat)
	if err != nil {
		tb.Fatal(err)
	}
	return &feed{tb: tb, loc: b.Location, b: b, minute: map[int64]map[int32]slawatch.Minute{}, made: map[[3]int64]slawatch.Minute{}}
}

// at parses "2026-10-03 10:00" in the contract's zone.
func (f *feed) at(s string) time.Time {
	f.tb.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", s, f.loc)
	if err != nil {
		f.tb.Fatal(err)
	}
	return t
}

// pings records, for every minute in [from, to), sent probes of which lost
// were lost and the rest answered after rttUs microseconds each.
func (f *feed) pings(series, from, to string, sent, lost int, rttUs uint32) *feed {
	f.tb.Helper()
	a, b := f.at(from), f.at(to)
	for t := a; t.Before(b); t = t.Add(time.Minute) {
		f.add(series, t, sent, lost, rttUs)
	}
	return f
}

// add records one minute of one series.
func (f *feed) add(series string, t time.Time, sent, lost int, rttUs uint32) {
	idx, ok := f.b.Lookup([]byte(series))
	if !ok {
		f.tb.Fatalf("series %q is not in the contract", series)
	}
	m := t.Unix() / 60
	if f.minute[m] == nil {
		f.minute[m] = map[int32]slawatch.Minute{}
	}
	rec := f.minute[m][idx]
	if rec == (slawatch.Minute{}) {
		f.minute[m][idx] = f.fresh(sent, lost, rttUs)
		return
	}
	f.minute[m][idx] = pinged(rec, sent, lost, rttUs)
}

// pinged is rec after sent probes, the first lost of them lost, the rest
// answered after rttUs.
func pinged(rec slawatch.Minute, sent, lost int, rttUs uint32) slawatch.Minute {
	for i := 0; i < sent; i++ {
		if i < lost {
			rec.AddLost()
		} else {
			rec.AddReply(rttUs)
		}
	}
	return rec
}

// fresh is pinged from an empty minute, made once per kind: a month of
// healthy minutes is the same record 44,000 times, and under the race
// detector making each by 60 AddReply calls took most of a scenario.
func (f *feed) fresh(sent, lost int, rttUs uint32) slawatch.Minute {
	k := [3]int64{int64(sent), int64(lost), int64(rttUs)}
	rec, ok := f.made[k]
	if !ok {
		rec = pinged(slawatch.Minute{}, sent, lost, rttUs)
		f.made[k] = rec
	}
	return rec
}

// month fills every minute of the month (and one day either side, the
// context) for series with healthy pings: sent per minute, none lost.
func (f *feed) month(month, series string, sent int, rttUs uint32) *feed {
	f.tb.Helper()
	start, _ := time.ParseInLocation("2006-01", month, f.loc)
	for t := start.AddDate(0, 0, -1); t.Before(start.AddDate(0, 1, 1)); t = t.Add(time.Minute) {
		f.set(series, t, sent, 0, rttUs)
	}
	return f
}

// set replaces one minute of one series.
func (f *feed) set(series string, t time.Time, sent, lost int, rttUs uint32) {
	idx, _ := f.b.Lookup([]byte(series))
	if m := f.minute[t.Unix()/60]; m != nil {
		delete(m, idx)
	}
	f.add(series, t, sent, lost, rttUs)
}

// outage replaces [from, to) of series with minutes of sent probes, lost
// of them lost.
func (f *feed) outage(series, from, to string, sent, lost int, rttUs uint32) *feed {
	f.tb.Helper()
	for t := f.at(from); t.Before(f.at(to)); t = t.Add(time.Minute) {
		f.set(series, t, sent, lost, rttUs)
	}
	return f
}

// gap removes [from, to) of series: unknown minutes.
func (f *feed) gap(series, from, to string) *feed {
	idx, _ := f.b.Lookup([]byte(series))
	for t := f.at(from); t.Before(f.at(to)); t = t.Add(time.Minute) {
		delete(f.minute[t.Unix()/60], idx)
	}
	return f
}

// eval runs the engine over the fed minutes for month.
func (f *feed) eval(month string) *report.Report {
	f.tb.Helper()
	return f.evalWith(month, nil)
}

// evalWith is eval with a setup of the new evaluator (nil: none).
func (f *feed) evalWith(month string, setup func(*engine.Evaluator)) *report.Report {
	f.tb.Helper()
	m, err := engine.ParseMonth(month, f.loc)
	if err != nil {
		f.tb.Fatal(err)
	}
	ev, err := engine.New(f.b, m)
	if err != nil {
		f.tb.Fatal(err)
	}
	if setup != nil {
		setup(ev)
	}
	if err := f.setRecords(ev); err != nil {
		f.tb.Fatal(err)
	}
	mins := make([]int64, 0, len(f.minute))
	for t := range f.minute {
		mins = append(mins, t)
	}
	sort.Slice(mins, func(i, j int) bool { return mins[i] < mins[j] })
	for _, t := range mins {
		b := &sample.Batch{Minute: t}
		for s, rec := range f.minute[t] {
			b.Records = append(b.Records, sample.Record{Series: s, Minute: rec})
			b.Rows += int64(rec.Sent)
		}
		if err := ev.Add(b); err != nil {
			f.tb.Fatal(err)
		}
	}
	r, err := finishDoc(ev)
	if err != nil {
		f.tb.Fatal(err)
	}
	return r
}

// level returns the report of customer/service's level template.
func level(tb testing.TB, r *report.Report, svc, template string) report.LevelReport {
	tb.Helper()
	cid, sid, _ := strings.Cut(svc, "/")
	for _, c := range r.Customers {
		for _, s := range c.Services {
			for _, l := range s.Levels {
				if c.ID == cid && s.ID == sid && l.Template == template {
					return l
				}
			}
		}
	}
	tb.Fatalf("no level %s %s in the report", svc, template)
	return report.LevelReport{}
}

// want compares the fields of a level report that a golden states.
type want struct {
	down, unknown, excluded, measured int
	avail, value                      string // availability_pct; loss_pct, latency_ms or jitter_ms
	met                               string // "true", "false" or "null"
	pct, credit                       string
	capped                            bool
}

func check(tb testing.TB, l report.LevelReport, w want) {
	tb.Helper()
	got := want{unknown: l.UnknownMinutes, excluded: l.ExcludedMinutes, measured: l.MeasuredMinutes,
		avail: string(l.Availability), pct: l.CreditPct, credit: l.Credit, capped: l.CapApplied, met: "null"}
	if l.DownMinutes != nil {
		got.down = *l.DownMinutes
	}
	got.value = string(l.LossPct) + string(l.LatencyMs) + string(l.JitterMs)
	if l.Met != nil {
		got.met = map[bool]string{true: "true", false: "false"}[*l.Met]
	}
	if got != w {
		tb.Errorf("%s:\n got %+v\nwant %+v\nreasons:\n  %s", l.Template, got, w, strings.Join(l.Reasons, "\n  "))
	}
}

// finishDoc finishes ev and renders its report as the JSON prints it:
// the goldens state the figures as the report prints them.
func finishDoc(ev *engine.Evaluator) (*report.Report, error) {
	r, err := ev.Finish()
	if err != nil {
		return nil, err
	}
	return report.JSON(r), nil
}
