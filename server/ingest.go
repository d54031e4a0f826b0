package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/slawatch/slawatch/server/docs"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/ingest"
	"github.com/slawatch/slawatch/store"
)

// ingest stores an agent's delivery of minute records (the body format of
// package ingest) under the agent's name and answers 200 only once every
// record is durably stored: the agent acknowledges its spool on that
// answer, so an error or a crash before it makes the agent send again,
// and the store's idempotence makes the repeat harmless. A body that does
// not decode, or a record the store refuses, is refused whole (400):
// nothing of it is stored.
func (s *Server) ingest(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	code := http.StatusOK
	defer func() { s.metrics.IngestRequests.WithLabelValues(strconv.Itoa(code)).Inc() }()
	if !s.limits.allow(p.Agent, s.cfg.Clock.Now()) {
		// one agent sending in a loop must not hold the store's write
		// lock from the others: it waits, its spool keeps the records
		code = http.StatusTooManyRequests
		s.metrics.IngestRefused.WithLabelValues("rate").Inc()
		w.Header().Set("Retry-After", "1")
		writeError(w, code, "too_many_requests", fmt.Sprintf("agent %s: more than %g deliveries a second (burst %d); send again later, nothing of this delivery was stored",
			p.Agent, float64(s.limits.rate), s.limits.burst))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != ingest.ContentType {
		code = http.StatusUnsupportedMediaType
		writeError(w, code, "unsupported_media_type", "Content-Type "+ct+": want "+ingest.ContentType)
		return
	}
	body, err := readBody(w, r, maxIngestBody)
	if err != nil {
		code = s.fail(w, r, err)
		return
	}
	var blocks []store.Block
	n := 0
	err = ingest.Decode(body, func(minute int64, recs []slawatch.SeriesMinute) error {
		blocks = append(blocks, store.Block{Minute: minute, Records: slices.Clone(recs)})
		n += len(recs)
		return nil
	})
	if err == nil {
		err = s.checkMinutes(blocks)
	}
	if err != nil {
		s.metrics.IngestRefused.WithLabelValues("invalid").Inc()
		code = s.fail(w, r, err)
		return
	}
	if bad := s.judge.Refused(p.Agent, blocks); len(bad) > 0 {
		s.metrics.IngestRefused.WithLabelValues("unassigned").Inc()
		s.metrics.Denied.Inc()
		code = http.StatusForbidden
		quoted := make([]string, len(bad))
		for i, b := range bad {
			quoted[i] = strconv.Quote(b)
		}
		// refused_series lists every refused series, so that an agent can
		// drop exactly those records and deliver the rest.
		writeJSON(w, code, map[string]any{
			"error": map[string]string{"code": "forbidden", "message": fmt.Sprintf("agent %s may not deliver series %s: not assigned to it (PUT /api/customers/{customer}/series/{name} names a series' agents); nothing of this delivery was stored",
				p.Agent, docs.ListSome(quoted, 10))},
			"refused_series": bad,
		})
		return
	}
	if err := s.st.WriteBlocks(r.Context(), p.Agent, blocks); err != nil {
		s.health.writeFailed(err)
		code = s.fail(w, r, err)
		return
	}
	s.health.writeOK()
	for _, b := range blocks {
		s.judge.Deliver(p.Agent, b.Minute, b.Records)
	}
	s.judge.Kick()
	s.metrics.IngestRecords.Add(float64(n))
	s.metrics.IngestMinutes.Add(float64(len(blocks)))
	writeJSON(w, http.StatusOK, map[string]int{"minutes": len(blocks), "records": n})
}

// checkMinutes refuses a delivery with a minute more than MaxFuture
// ahead of the server's clock or more than MaxPast behind it: a clock far
// off, or an agent trying to hold judging back.
func (s *Server) checkMinutes(blocks []store.Block) error {
	now := s.cfg.Now()
	lo, hi := slawatch.UnixMinute(now.Add(-s.cfg.MaxPast)), slawatch.UnixMinute(now.Add(s.cfg.MaxFuture))
	for i, b := range blocks {
		if b.Minute < lo || b.Minute > hi {
			return slawatch.Errorf(slawatch.EINVALID, "block %d: minute %s: outside %s to %s (the server's clock %s, minus %s, plus %s); nothing of this delivery was stored",
				i, docs.FmtMinute(b.Minute, time.UTC), docs.FmtMinute(lo, time.UTC), docs.FmtMinute(hi, time.UTC), now.UTC().Format(time.RFC3339), s.cfg.MaxPast, s.cfg.MaxFuture)
		}
	}
	return nil
}

// agentLimits bounds each agent's deliveries: a token bucket per agent.
type agentLimits struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex
	by    map[string]*rate.Limiter
}

func newAgentLimits(perSecond float64, burst int) *agentLimits {
	return &agentLimits{rate: rate.Limit(perSecond), burst: burst, by: map[string]*rate.Limiter{}}
}

// allow takes a token from agent's bucket at now, on the server's clock
// (real time, whatever Config.Now says).
func (l *agentLimits) allow(agent string, now time.Time) bool {
	l.mu.Lock()
	lim := l.by[agent]
	if lim == nil {
		lim = rate.NewLimiter(l.rate, l.burst)
		l.by[agent] = lim
	}
	l.mu.Unlock()
	return lim.AllowN(now, 1)
}
