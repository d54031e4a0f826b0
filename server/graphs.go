package server

import (
	"bytes"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/graph"
	"github.com/slawatch/slawatch/server/docs"
)

// Graphs, drawn on the server as SVG from the store (docs/graphs.md): a
// series' latency over a month, a level's availability strip, badges.

// monthOf reads ?month= (the current month of the contract's zone when
// absent).
func (s *Server) monthOf(r *http.Request, b *contract.Bound) (engine.Month, error) {
	name := r.URL.Query().Get("month")
	if name == "" {
		name = s.cfg.Now().In(b.Location).Format("2006-01")
	}
	m, err := engine.ParseMonth(name, b.Location)
	if err != nil {
		return m, slawatch.Errorf(slawatch.EINVALID, "month: %v", err)
	}
	return m, nil
}

// getLatencySVG draws one series of the customer's contract over a month:
// the mean round trip coloured by loss, the min-max smoke, gaps where
// nothing was measured, the threshold of the first level measuring it
// that has one.
func (s *Server) getLatencySVG(w http.ResponseWriter, r *http.Request) {
	id, name := r.PathValue("customer"), r.PathValue("series")
	b, err := s.bound(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	idx := slices.Index(b.Series, name)
	if idx < 0 {
		s.fail(w, r, slawatch.Errorf(slawatch.ENOTFOUND, "series %q is not one of %s's contract", name, id))
		return
	}
	m, err := s.monthOf(r, b)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var pts []graph.Point
	from, to := m.Start.Unix()/60, m.End.Unix()/60
	if now := s.cfg.Now().Unix() / 60; now < to {
		to = max(from, now) // no minute after now is stored
	}
	if err := s.st.ReadMinutesOf(r.Context(), from, to, func(_, series string) bool { return series == name }, graph.Collect(name, &pts)); err != nil {
		s.fail(w, r, err)
		return
	}
	opts := graph.LatencyOptions{Title: name + " · " + m.Name, From: m.Start, To: m.End, Location: b.Location,
		Threshold: thresholdOf(b, int32(idx))}
	s.writeSVG(w, r, func(buf *bytes.Buffer) error { return graph.Latency(buf, opts, pts) })
}

// thresholdOf is the latency threshold (latency_threshold_ms) of the
// first level whose inputs include series i; 0 when none has one.
func thresholdOf(b *contract.Bound, i int32) time.Duration {
	for _, bs := range b.Services {
		for _, l := range bs.Levels {
			v := l.Numbers["latency_threshold_ms"]
			if v == nil {
				continue
			}
			for _, xs := range l.Inputs {
				if slices.Contains(xs, i) {
					us, _ := new(big.Rat).Mul(v, big.NewRat(1000, 1)).Float64()
					return time.Duration(us) * time.Microsecond
				}
			}
		}
	}
	return 0
}

// getStripSVG draws a level's availability strip for the month to date or
// a recently closed month: a cell an hour (?cells=minute: a minute), each
// the worst of its minutes, the outages marked.
func (s *Server) getStripSVG(w http.ResponseWriter, r *http.Request) {
	id, q := r.PathValue("customer"), r.URL.Query()
	b, err := s.bound(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.monthOf(r, b)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// the level as the live evaluation holds it (its bound contract)
	ev, jb, _, err := s.judge.Snapshot(id, m.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var level *contract.Level
	for _, bs := range jb.Services {
		for _, l := range bs.Levels {
			if bs.Service.ID == q.Get("service") && l.Template.ID == q.Get("level") {
				level = l
			}
		}
	}
	if level == nil {
		s.fail(w, r, slawatch.Errorf(slawatch.ENOTFOUND, "service %q has no level %q in %s's contract", q.Get("service"), q.Get("level"), id))
		return
	}
	if ev == nil {
		s.fail(w, r, slawatch.Errorf(slawatch.ENOTFOUND, "no strip of %s: only the month to date and the months just closed are kept", m.Name))
		return
	}
	rep, err := docs.Finish(r.Context(), s.st, id, jb, ev)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	states, ok := ev.States(level)
	if !ok {
		s.fail(w, r, slawatch.Errorf(slawatch.EINVALID, "level %s is judged from tickets or events, not minute by minute: it has no strip", level.Template.ID))
		return
	}
	opts := graph.StripOptions{Title: level.Template.Title + " · " + q.Get("service") + " · " + m.Name, From: m.Start, Location: b.Location}
	if q.Get("cells") == "minute" {
		opts.CellMinutes = 1
	}
	if lr := levelOf(rep, id, q.Get("service"), level.Template.ID); lr != nil {
		for _, o := range lr.Outages {
			st, e1 := time.Parse(time.RFC3339, o.Start)
			en, e2 := time.Parse(time.RFC3339, o.End)
			if e1 == nil && e2 == nil {
				opts.Outages = append(opts.Outages, graph.Span{Start: st, End: en})
			}
		}
	}
	s.writeSVG(w, r, func(buf *bytes.Buffer) error { return graph.Strip(buf, opts, states) })
}

// writeSVG answers an SVG drawn into a buffer: an error drawing it is
// the API's JSON error, not half a picture.
func (s *Server) writeSVG(w http.ResponseWriter, r *http.Request, draw func(*bytes.Buffer) error) {
	var buf bytes.Buffer
	if err := draw(&buf); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", fmt.Sprint(buf.Len()))
	w.Write(buf.Bytes())
}
