package server

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slawatch/slawatch/calendar"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/server/metrics"
)

// calendarWarnBefore is how long before a region's holidays run out the
// server warns: a business-day deadline past the last covered year is
// undetermined (docs/business-time.md), so the next year's list must be
// added before tickets reach it.
const calendarWarnBefore = 60 * 24 * time.Hour

// calendarCheckEvery is how often the log is checked for; a warning is
// repeated once a day while it holds.
const calendarCheckEvery = time.Hour

// calendarWatch watches the holiday coverage of the regions the loaded
// contracts use: the gauges are computed at each scrape of /metrics, the
// log warns from calendarWarnBefore the end on.
type calendarWatch struct {
	s      *Server
	warned map[string]time.Time // region -> when last warned
}

// regionUse is a region the contracts use: its coverage and customers.
type regionUse struct {
	cov       calendar.Coverage
	customers []string
}

// watchCalendars registers the coverage gauges and warns in the log
// while a region in use is near the end of its holidays, until ctx is done.
func (s *Server) watchCalendars(ctx context.Context) {
	w := &calendarWatch{s: s, warned: map[string]time.Time{}}
	if err := s.metrics.Register(w); err != nil {
		s.log.Error("calendar coverage metrics", "err", err)
	}
	t := s.cfg.Clock.NewTicker(calendarCheckEvery)
	defer t.Stop()
	for {
		w.warn()
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
	}
}

// warn logs each region in use whose coverage ends within
// calendarWarnBefore, at most once a day per region.
func (w *calendarWatch) warn() {
	now := w.s.cfg.Now()
	for region, u := range w.inUse() {
		end := u.cov.End(time.UTC)
		if now.Before(end.Add(-calendarWarnBefore)) || now.Sub(w.warned[region]) < 24*time.Hour {
			continue
		}
		w.warned[region] = now
		w.s.log.Warn("calendar holidays run out soon: business-day deadlines past the end will be undetermined; add the next year's holidays",
			"region", region, "last_year", u.cov.Last, "ends", end.Format(time.RFC3339),
			"days_left", int(end.Sub(now).Hours()/24), "customers", strings.Join(u.customers, ","))
	}
}

// inUse returns the regions the loaded contracts' levels name, by
// canonical code.
func (w *calendarWatch) inUse() map[string]*regionUse {
	out := map[string]*regionUse{}
	for _, id := range w.s.judge.CustomerIDs() {
		_, b, _, err := w.s.judge.Snapshot(id, "")
		if err != nil || b == nil {
			continue
		}
		for _, code := range contractRegions(b) {
			cov, err := calendar.CoverageOf(code)
			if err != nil {
				continue // a bound contract names known regions only
			}
			u := out[cov.Region]
			if u == nil {
				u = &regionUse{cov: cov}
				out[cov.Region] = u
			}
			if !slices.Contains(u.customers, id) {
				u.customers = append(u.customers, id)
			}
		}
	}
	return out
}

// contractRegions lists the values of the region parameters of a
// contract's levels.
func contractRegions(b *contract.Bound) []string {
	var out []string
	for _, s := range b.Services {
		for _, l := range s.Levels {
			for _, p := range l.Template.Params {
				if v := l.Enums[p.Name]; p.Type == "region" && v != "" && !slices.Contains(out, v) {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// Describe and Collect make the watch a Prometheus collector: the
// gauges follow the contracts and the clock at every scrape.
func (w *calendarWatch) Describe(ch chan<- *prometheus.Desc) {
	ch <- metrics.CalendarCoveredUntil
	ch <- metrics.CalendarEnding
}

func (w *calendarWatch) Collect(ch chan<- prometheus.Metric) {
	now := w.s.cfg.Now()
	for region, u := range w.inUse() {
		end := u.cov.End(time.UTC)
		ending := 0.0
		if !now.Before(end.Add(-calendarWarnBefore)) {
			ending = 1
		}
		for _, g := range []struct {
			desc *prometheus.Desc
			v    float64
		}{{metrics.CalendarCoveredUntil, float64(end.Unix())}, {metrics.CalendarEnding, ending}} {
			if m, err := prometheus.NewConstMetric(g.desc, prometheus.GaugeValue, g.v, region); err == nil {
				ch <- m
			}
		}
	}
}
