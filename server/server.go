// Package server is `slawatch serve`: it stores the minute records agents
// deliver, evaluates every service level of every customer's contract as
// minutes arrive, detects outages and notifies customers, and answers the
// JSON API under /api/ (described by /api/openapi.json).
//
// The flow: an agent POSTs minute records to /api/ingest; they are
// acknowledged once the store has them on disk. Records wait in memory
// until their minute is complete (every active agent has delivered it, or
// the grace period has passed), then the minute is fed, in order, to the
// month-to-date evaluator of each customer whose contract binds its
// series. Outages the evaluators detect become incidents and notices in
// the outbox, which a notifier delivers with retries. Reports are the
// evaluator's month to date, the same JSON `slawatch evaluate` prints.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/slawatch/slawatch/server/docs"
	"github.com/slawatch/slawatch/server/judge"
	"github.com/slawatch/slawatch/server/notice"
	"github.com/slawatch/slawatch/server/portal"
	"github.com/slawatch/slawatch/server/replica"

	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/internal/clock"
	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/server/metrics"
	"github.com/slawatch/slawatch/store"
)

// Config configures a Server. Zero fields take the defaults noted.
type Config struct {
	// Store is the database; the caller opens and closes it.
	Store *store.Store
	// Notify is how notices go out (SMTP server, sender, fax gateway).
	Notify notify.Config
	Logger *slog.Logger
	// Clock paces the background work (judging's tick, the delay before
	// recomputing after late data, the notifier's retries and backoff,
	// leases and the change feed, compaction) and times what must take
	// real time whatever Now says; the store's clock when nil (clock.Real
	// unless the store was opened with another).
	Clock clock.Clock
	// Now is the time the service levels are judged against, the
	// month-to-date reports', the portal's and the API's; Clock.Now when
	// nil. Tests set it to replay a month without waiting for it.
	Now func() time.Time
	// Grace is how long after a minute's end the server waits, at most,
	// for the agents measuring a customer's series before judging the
	// customer's minute (default 90 s).
	Grace time.Duration
	// ReviseMonths: late data for a closed month is applied (a new
	// revision of its final report) until this many months after the
	// month's end (default 1: the claim windows of the seed SLAs).
	ReviseMonths int
	// MaxFuture and MaxPast bound the minutes an agent may deliver,
	// around the server's clock (default 5 min; 400 days, or the store's
	// retention when shorter).
	MaxFuture, MaxPast time.Duration
	// CompactEvery is the interval of storage compaction (default 1 h).
	CompactEvery time.Duration
	// RecomputeDelay: a customer that received late data (records of a
	// minute already judged) is recomputed this long after the first of
	// them, so that an agent's whole backlog is in first (default 5 s).
	RecomputeDelay time.Duration
	// RetryBase and RetryMax bound the notifier's backoff (default 2 s, 5 min).
	RetryBase, RetryMax time.Duration
	// SecretKey (32 bytes) seals the webhook secrets in the store
	// (AES-256-GCM); every replica needs the same. Without it they are
	// stored as given.
	SecretKey []byte
	// IngestRate and IngestBurst bound each agent's deliveries (a token
	// bucket; default 20 a second, bursts of 100): more is answered 429,
	// and the agent sends again later.
	IngestRate  float64
	IngestBurst int
	// Replica names this server among the replicas sharing a PostgreSQL
	// database (default: host name, process ID and a random part).
	Replica string
	// LeaseTTL is how long a replica's lease on a customer lasts without
	// renewal: a dead replica's customers are taken over after at most
	// LeaseTTL and a quarter (default 20 s). FeedEvery is how often a
	// replica reads the others' changes (default 1 s).
	LeaseTTL, FeedEvery time.Duration
	// CookieSecure marks the portal's session cookie Secure: set it when
	// browsers reach the server over HTTPS.
	CookieSecure bool
	// PortalLinks are extra links of the portal's navigation bar.
	PortalLinks []portal.Link
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil && c.Store != nil {
		c.Clock = c.Store.Clock()
	}
	c.Clock = clock.Or(c.Clock)
	if c.Now == nil {
		c.Now = c.Clock.Now
	}
	if c.Grace <= 0 {
		c.Grace = 90 * time.Second
	}
	if c.ReviseMonths <= 0 {
		c.ReviseMonths = 1
	}
	if c.MaxFuture <= 0 {
		c.MaxFuture = 5 * time.Minute
	}
	if c.MaxPast <= 0 {
		c.MaxPast = 400 * 24 * time.Hour
	}
	if c.CompactEvery <= 0 {
		c.CompactEvery = time.Hour
	}
	if c.RecomputeDelay <= 0 {
		c.RecomputeDelay = 5 * time.Second
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 2 * time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 5 * time.Minute
	}
	if c.IngestRate <= 0 {
		c.IngestRate = 20
	}
	if c.IngestBurst <= 0 {
		c.IngestBurst = 100
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 20 * time.Second
	}
	if c.FeedEvery <= 0 {
		c.FeedEvery = time.Second
	}
	return c
}

// Server is the running system. Create it with New, serve Handler, and
// Run its background work.
type Server struct {
	cfg      Config
	st       *store.Store
	cat      *catalog.Catalog
	log      *slog.Logger
	metrics  *metrics.Metrics
	judge    *judge.Judge
	notices  *notice.Service
	replicas *replica.Replicas
	secrets  *docs.Sealer
	health   health
	limits   *agentLimits
	handler  http.Handler
	portal   *portal.Portal
	badgeMu  sync.Mutex
	badges   map[string]badge // public badges by name: see publicBadge
	// routeRoles lists the authenticated routes, for the access tests.
	routeRoles []routeRoles
}

// New prepares a server: it loads every customer's contract and rebuilds
// the month-to-date evaluations from the store.
func New(ctx context.Context, cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if cfg.Store == nil {
		return nil, errors.New("server: no store")
	}
	if err := cfg.Notify.Validate(); cfg.Notify != (notify.Config{}) && err != nil {
		return nil, fmt.Errorf("server: notify: %w", err)
	}
	cat, err := catalog.Builtin()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, st: cfg.Store, cat: cat, log: cfg.Logger, metrics: metrics.New()}
	s.health.clock = cfg.Clock
	s.limits = newAgentLimits(cfg.IngestRate, cfg.IngestBurst)
	if s.secrets, err = docs.NewSealer(cfg.SecretKey); err != nil {
		return nil, err
	}
	// the parts, each a package: replicas (leases and the change feed),
	// notices (incidents and the outbox), live judging; they meet here
	s.replicas = replica.New(replica.Config{Store: s.st, Metrics: s.metrics, Logger: s.log, ID: cfg.Replica,
		LeaseTTL: cfg.LeaseTTL, FeedEvery: cfg.FeedEvery, Clock: cfg.Clock})
	if err := s.sealStored(ctx); err != nil {
		return nil, fmt.Errorf("server: sealing webhook secrets: %w", err)
	}
	s.notices = notice.New(notice.Config{Store: s.st, Notify: cfg.Notify, Sealer: s.secrets, Metrics: s.metrics,
		Logger: s.log, Now: cfg.Now, Clock: cfg.Clock, RetryBase: cfg.RetryBase, RetryMax: cfg.RetryMax,
		Replica: s.replicas.ID(), Owner: s.replicas})
	s.judge = judge.New(judge.Config{Store: s.st, Catalog: cat, Metrics: s.metrics, Logger: s.log, Now: cfg.Now, Clock: cfg.Clock,
		Grace: cfg.Grace, ReviseMonths: cfg.ReviseMonths, RecomputeDelay: cfg.RecomputeDelay,
		Owner: s.replicas, Found: s.notices.Found})
	s.replicas.Attach(s.judge)
	if err := s.notices.Reconcile(ctx); err != nil {
		return nil, fmt.Errorf("server: outbox: %w", err)
	}
	if err := s.judge.Start(ctx); err != nil {
		return nil, err
	}
	if s.handler, err = s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the HTTP handler of the API, the portal, /metrics and
// /healthz.
func (s *Server) Handler() http.Handler { return s.handler }

// Run does the server's background work until ctx is done: judging
// minutes as they complete, sending notices, compacting storage.
func (s *Server) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, fn := range []func(context.Context){s.judge.Run, s.notices.Run, s.compact, s.replicas.Run, s.portal.Run, s.watchCalendars} {
		wg.Add(1)
		go func() { defer wg.Done(); fn(ctx) }()
	}
	wg.Wait()
	return nil
}

// ListenAndServe serves on addr until ctx is done, then shuts down
// gracefully: it stops accepting, lets requests in flight finish (so
// every acknowledged delivery is stored), and stops the background work.
func (s *Server) ListenAndServe(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	bg, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(bg); close(done) }()
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if serr := hs.Shutdown(sctx); serr != nil {
		err = errors.Join(err, serr)
	}
	stop()
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	s.log.Info("stopped")
	return err
}

// compact moves closed hours of staged records into chunks and applies
// the retention, every CompactEvery.
func (s *Server) compact(ctx context.Context) {
	t := s.cfg.Clock.NewTicker(s.cfg.CompactEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		// an hour is compacted once agents' late minutes are unlikely
		before := s.cfg.Now().Add(-2*time.Hour).Unix() / 60
		st, err := s.st.Compact(ctx, before)
		if err != nil {
			s.log.Error("compaction failed", "err", err)
			continue
		}
		s.log.Info("compacted", "stats", fmt.Sprintf("%+v", st))
	}
}
