package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/graph"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/server/docs"
	"github.com/slawatch/slawatch/store"
)

// Public pages: what the operator publishes without a token. IIJ's
// backbone level is "reported on a public web page during the following
// month"; a status page shows the services an operator marks public.
// Nothing is public until the operator says so (PUT /api/publications).

// kindPublication is the document of the published pages (customer "").
const kindPublication = "publication"

// Publications is what the operator publishes.
type Publications struct {
	Pages []Publication `json:"pages"`
}

// Publication is one public page.
type Publication struct {
	Name  string `json:"name"` // the page's URL: /public/{name}
	Title string `json:"title"`
	Kind  string `json:"kind"` // latency, status or badge
	// latency: the level whose monthly average RTT is published; badge:
	// the level whose month to date the badge shows (an SVG to embed);
	// by customer, service and level template
	Customer string `json:"customer,omitempty"`
	Service  string `json:"service,omitempty"`
	Level    string `json:"level,omitempty"`
	// status: the services shown
	Services []PublicService `json:"services,omitempty"`
}

// PublicService is a service on a status page, under a label of the
// operator's choosing (the customer's name is not shown).
type PublicService struct {
	Customer string `json:"customer"`
	Service  string `json:"service"`
	Label    string `json:"label"`
}

func (s *Server) publications(ctx context.Context) (Publications, error) {
	p, err := docs.Get[Publications](ctx, s.st, "", kindPublication, "pages")
	if errors.Is(err, store.ErrNotFound) {
		return Publications{Pages: []Publication{}}, nil
	}
	return p, err
}

func (s *Server) getPublications(w http.ResponseWriter, r *http.Request) {
	p, err := s.publications(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// putPublications replaces the published pages; each names services
// and levels that exist.
func (s *Server) putPublications(w http.ResponseWriter, r *http.Request) {
	var p Publications
	if err := readJSON(w, r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.checkPublications(r.Context(), p); err != nil {
		s.fail(w, r, err)
		return
	}
	p.Pages = nonNil(p.Pages)
	if err := docs.Put(r.Context(), s.st, "", kindPublication, "pages", p); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) checkPublications(ctx context.Context, p Publications) error {
	seen := map[string]bool{}
	for i, pg := range p.Pages {
		at := fmt.Sprintf("pages[%d]", i)
		if why := docs.CheckID(pg.Name); why != "" {
			return slawatch.Errorf(slawatch.EINVALID, "%s.name %q: %s", at, pg.Name, why)
		}
		if seen[pg.Name] {
			return slawatch.Errorf(slawatch.EINVALID, "%s.name %q: given twice", at, pg.Name)
		}
		seen[pg.Name] = true
		if len(pg.Title) > 200 {
			return slawatch.Errorf(slawatch.EINVALID, "%s.title: longer than 200 bytes", at)
		}
		switch pg.Kind {
		case "latency", "badge":
			if len(pg.Services) > 0 {
				return slawatch.Errorf(slawatch.EINVALID, "%s.services: a latency page names one customer, service and level", at)
			}
			if err := s.checkLevel(ctx, at, pg.Customer, pg.Service, pg.Level); err != nil {
				return err
			}
		case "status":
			if pg.Customer != "" || pg.Level != "" {
				return slawatch.Errorf(slawatch.EINVALID, "%s: a status page names its services under services", at)
			}
			if len(pg.Services) == 0 || len(pg.Services) > 500 {
				return slawatch.Errorf(slawatch.EINVALID, "%s.services: want 1 to 500 services", at)
			}
			for j, sv := range pg.Services {
				if err := s.checkLevel(ctx, fmt.Sprintf("%s.services[%d]", at, j), sv.Customer, sv.Service, ""); err != nil {
					return err
				}
				if sv.Label == "" || len(sv.Label) > 200 {
					return slawatch.Errorf(slawatch.EINVALID, "%s.services[%d].label: want 1 to 200 bytes", at, j)
				}
			}
		default:
			return slawatch.Errorf(slawatch.EINVALID, "%s.kind %q: want latency, status or badge", at, pg.Kind)
		}
	}
	return nil
}

// checkLevel checks that a customer's contract has the service and, when
// level is not "", the level on it.
func (s *Server) checkLevel(ctx context.Context, at, customer, service, level string) error {
	b, err := s.bound(ctx, customer)
	if err != nil {
		return slawatch.Errorf(slawatch.EINVALID, "%s.customer %q: %v", at, customer, err)
	}
	for _, bs := range b.Services {
		if bs.Service.ID != service {
			continue
		}
		if level == "" || slices.ContainsFunc(bs.Levels, func(l *contract.Level) bool { return l.Template.ID == level }) {
			return nil
		}
		return slawatch.Errorf(slawatch.EINVALID, "%s.level %q: not a level of %s's service %s", at, level, customer, service)
	}
	return slawatch.Errorf(slawatch.EINVALID, "%s.service %q: not a service of %s", at, service, customer)
}

// publicPageJSON is a public page as /api/public/{name} answers it.
type publicPageJSON struct {
	Name     string             `json:"name"`
	Title    string             `json:"title"`
	Kind     string             `json:"kind"`
	Timezone string             `json:"timezone"`
	Months   []publicMonthJSON  `json:"months,omitempty"`
	Month    string             `json:"month,omitempty"` // status: the current month
	Services []publicStatusJSON `json:"services,omitempty"`
}

// publicMonthJSON is one closed month of a latency page: the figures of
// the month's latest final report.
type publicMonthJSON struct {
	Month     string            `json:"month"`
	Revision  int               `json:"revision"`
	LatencyMs json.Number       `json:"latency_ms,omitempty"`
	Objective string            `json:"objective"`
	Met       *bool             `json:"met"`
	Measured  int               `json:"measured_minutes"`
	Unknown   int               `json:"unknown_minutes"`
	Paths     []report.PathJSON `json:"paths,omitempty"` // each path's figure, where the level averages paths
	Reasons   []string          `json:"reasons"`
}

type publicStatusJSON struct {
	Label   string             `json:"label"`
	State   string             `json:"state"` // up, or down while an outage is under way
	Since   *time.Time         `json:"down_since,omitempty"`
	Outages []publicOutageJSON `json:"outages"`
}

type publicOutageJSON struct {
	Start time.Time  `json:"start"`
	End   *time.Time `json:"end,omitempty"`
}

func (s *Server) listPublic(w http.ResponseWriter, r *http.Request) {
	p, err := s.publications(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []map[string]string{}
	for _, pg := range p.Pages {
		out = append(out, map[string]string{"name": pg.Name, "title": pg.Title, "kind": pg.Kind})
	}
	writeJSON(w, http.StatusOK, map[string]any{"pages": out})
}

// publicMonths is how many closed months a latency page lists.
const publicMonths = 12

func (s *Server) getPublic(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := s.publications(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	i := slices.IndexFunc(p.Pages, func(pg Publication) bool { return pg.Name == r.PathValue("name") })
	if i < 0 {
		writeError(w, http.StatusNotFound, slawatch.ENOTFOUND, fmt.Sprintf("no public page %q", r.PathValue("name")))
		return
	}
	pg := p.Pages[i]
	if pg.Kind == "badge" {
		s.publicBadge(w, r, pg)
		return
	}
	out := publicPageJSON{Name: pg.Name, Title: pg.Title, Kind: pg.Kind}
	switch pg.Kind {
	case "latency":
		err = s.publicLatency(ctx, pg, &out)
	case "status":
		err = s.publicStatus(ctx, pg, &out)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	writeJSON(w, http.StatusOK, out)
}

// publicLatency lists the closed months whose final report exists, newest
// first: a month is published once it is closed and judged, and when at
// least one of its minutes was measured (the months before measuring
// began are not "undetermined" to the public, they are not there).
func (s *Server) publicLatency(ctx context.Context, pg Publication, out *publicPageJSON) error {
	b, err := s.bound(ctx, pg.Customer)
	if err != nil {
		return err
	}
	out.Timezone = b.Timezone
	now := s.cfg.Now().In(b.Location)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, b.Location)
	out.Months = []publicMonthJSON{}
	for k := 1; k <= publicMonths; k++ {
		month := first.AddDate(0, -k, 0).Format("2006-01")
		rev, err := s.judge.LatestRevision(ctx, pg.Customer, month)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if l := levelOf(&rev.Report, pg.Customer, pg.Service, pg.Level); l != nil && l.MeasuredMinutes > 0 { // a month not measured is not published
			out.Months = append(out.Months, publicMonthJSON{Month: month, Revision: rev.Revision, LatencyMs: l.LatencyMs,
				Objective: l.Objective, Met: l.Met, Measured: l.MeasuredMinutes, Unknown: l.UnknownMinutes, Paths: l.Paths, Reasons: l.Reasons})
		}
	}
	return nil
}

func levelOf(rep *report.Report, customer, service, level string) *report.LevelReport {
	for i := range rep.Customers {
		c := &rep.Customers[i]
		for j := range c.Services {
			sv := &c.Services[j]
			for k := range sv.Levels {
				if c.ID == customer && sv.ID == service && sv.Levels[k].Template == level {
					return &sv.Levels[k]
				}
			}
		}
	}
	return nil
}

// publicStatus is each public service's state now and its outages of the
// month (any level's, merged where they overlap).
func (s *Server) publicStatus(ctx context.Context, pg Publication, out *publicPageJSON) error {
	out.Timezone = "UTC"
	now := s.cfg.Now()
	for _, sv := range pg.Services {
		b, err := s.bound(ctx, sv.Customer)
		if err != nil {
			return err
		}
		out.Timezone = b.Timezone
		loc := b.Location
		t := now.In(loc)
		first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
		out.Month = t.Format("2006-01")
		outs, err := s.outages(ctx, sv.Customer)
		if err != nil {
			return err
		}
		st := publicStatusJSON{Label: sv.Label, State: "up", Outages: []publicOutageJSON{}}
		var spans []publicOutageJSON
		for _, o := range outs {
			if o.Service != sv.Service || (o.End != nil && o.End.Before(first)) {
				continue
			}
			spans = append(spans, publicOutageJSON{Start: o.Start.In(loc), End: timeIn(o.End, loc)})
		}
		st.Outages = mergeSpans(spans)
		for _, o := range st.Outages {
			if o.End == nil {
				st.State, st.Since = "down", &o.Start
			}
		}
		out.Services = append(out.Services, st)
	}
	return nil
}

func timeIn(t *time.Time, loc *time.Location) *time.Time {
	if t == nil {
		return nil
	}
	u := t.In(loc)
	return &u
}

// mergeSpans merges overlapping outages (two levels of one service
// down together are one outage of the service), in time order.
func mergeSpans(xs []publicOutageJSON) []publicOutageJSON {
	slices.SortFunc(xs, func(a, b publicOutageJSON) int { return a.Start.Compare(b.Start) })
	out := []publicOutageJSON{}
	for _, x := range xs {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if last.End == nil || !x.Start.After(*last.End) {
				if last.End != nil && (x.End == nil || x.End.After(*last.End)) {
					last.End = x.End
				}
				continue
			}
		}
		out = append(out, x)
	}
	return out
}

// badgeFor is how long a public badge is reused: embedded in a wiki or a
// status board, it is fetched by every viewer; the month to date moves a
// minute at a time.
const badgeFor = time.Minute

type badge struct {
	at  time.Time
	svg []byte
}

// publicBadge answers a badge page: the level's month to date as an SVG
// badge (graph.LevelBadge), computed at most once a minute.
func (s *Server) publicBadge(w http.ResponseWriter, r *http.Request, pg Publication) {
	now := s.cfg.Now()
	s.badgeMu.Lock()
	b, ok := s.badges[pg.Name]
	s.badgeMu.Unlock()
	if !ok || now.Sub(b.at) >= badgeFor || now.Before(b.at) {
		svg, err := s.drawBadge(r.Context(), pg)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		b = badge{at: now, svg: svg}
		s.badgeMu.Lock()
		if s.badges == nil {
			s.badges = map[string]badge{}
		}
		s.badges[pg.Name] = b
		s.badgeMu.Unlock()
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(b.svg)
}

func (s *Server) drawBadge(ctx context.Context, pg Publication) ([]byte, error) {
	b, err := s.bound(ctx, pg.Customer)
	if err != nil {
		return nil, err
	}
	rep, _, err := s.report(ctx, pg.Customer, s.cfg.Now().In(b.Location).Format("2006-01"))
	if err != nil {
		return nil, err
	}
	l := levelOf(rep, pg.Customer, pg.Service, pg.Level)
	if l == nil {
		return nil, slawatch.Errorf(slawatch.ENOTFOUND, "badge %s: the level is no longer in the contract", pg.Name)
	}
	var buf bytes.Buffer
	if err := graph.LevelBadge(&buf, l); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
