package server

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/slawatch/slawatch/internal/clock"
	"github.com/slawatch/slawatch/server/docs"
)

// health is what /healthz says: whether the store took the last write
// (an ingest, or the probe healthz makes when none came lately). It
// names no database user, host or database: anonymous callers read it.
type health struct {
	clock   clock.Clock
	mu      sync.Mutex
	ok      bool
	at      time.Time // the last write's outcome, real time
	lastErr error
}

// probeEvery: healthz writes a probe row when no write succeeded or
// failed in this long, so a full disk shows even without deliveries.
const probeEvery = 10 * time.Second

func (h *health) writeOK() {
	h.mu.Lock()
	h.ok, h.at, h.lastErr = true, h.clock.Now(), nil
	h.mu.Unlock()
}

func (h *health) writeFailed(err error) {
	h.mu.Lock()
	h.ok, h.at, h.lastErr = false, h.clock.Now(), err
	h.mu.Unlock()
}

// state returns the last write's outcome and whether it is recent.
func (h *health) state() (ok, recent bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ok, !h.at.IsZero() && clock.Since(h.clock, h.at) < probeEvery
}

// check probes the store's writes when the last outcome is old.
func (s *Server) checkHealth(ctx context.Context) bool {
	ok, recent := s.health.state()
	if recent {
		return ok
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.probeWrite(ctx); err != nil {
		s.log.Error("health: the store cannot write", "err", err)
		s.health.writeFailed(err)
		return false
	}
	s.health.writeOK()
	return true
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if !s.checkHealth(r.Context()) {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the database does not take writes; see the server's log")
		return
	}
	next := s.judge.Judged()
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "backend": s.st.Backend(),
		"judged_before": docs.FmtMinute(next, time.UTC)})
}

// probeWrite proves the store takes a write (a heartbeat row), or at
// least answers, on a store without the probe.
func (s *Server) probeWrite(ctx context.Context) error {
	if cw, ok := any(s.st).(interface {
		CheckWrite(context.Context, time.Time) error
	}); ok {
		return cw.CheckWrite(ctx, s.cfg.Now())
	}
	return s.st.Ping(ctx)
}
