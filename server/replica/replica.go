// Package replica makes several servers on one PostgreSQL database one
// system: leases say which replica acts for which customer, and the
// change feed carries what one replica stored to the others.
package replica

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slawatch/slawatch/server/docs"
	"github.com/slawatch/slawatch/server/metrics"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/clock"
	"github.com/slawatch/slawatch/store"
)

// Replicas. Several servers on one PostgreSQL database are one system:
//
//   - Every replica stores what it is sent and judges every customer in
//     memory, so that any replica answers any read the same way. What a
//     replica stores reaches the others through the store's change feed
//     (store.Changes), which they poll: deliveries of minutes are read
//     back from the store and judged as if delivered locally; contracts,
//     exclusions, series, tickets, events and claims are reloaded.
//     Tokens and contacts are read from the store at each use.
//   - Only one replica at a time, the holder of the customer's lease,
//     acts on what judging finds: it writes outages and incidents,
//     queues notices, stores final reports and revisions. Customers are
//     spread over the live replicas by rendezvous hashing; a replica
//     that dies stops renewing its leases, and they are taken over once
//     they expire (LeaseTTL, 20 s by default, plus a renewal interval).
//     A replica that takes a customer over rebuilds its open months from
//     the store: the outages they hold are reported again, and what the
//     old owner had not stored yet is stored and notified now.
//   - Any replica sends any notice: outbox rows are claimed atomically
//     (store.Claim), and outage documents are changed in transactions
//     (store.UpdateDoc).
//
// With SQLite there is one server (the file is locked): it owns every
// customer and reads no feed.
type Replicas struct {
	cfg   Config
	judge Judge
	id    string
	on    bool
	ttl   time.Duration
	mu    sync.Mutex
	// held: the customers whose lease this replica holds, and until when
	// it acts as their owner (the lease's end less a margin for clocks)
	held    map[string]time.Time
	members []string
	// seen: the feed's rows already applied, by when they were written
	seen      map[int64]time.Time
	lastPrune time.Time
	// Killed makes Run leave the leases when it stops, as a killed
	// process does (tests)
	Killed atomic.Bool
}

// feedWindow is how far back each poll of the change feed reads: rows
// commit out of order, and a row's time is its writer's clock.
const feedWindow = time.Minute

// feedKeep is how long the change feed is kept in the store.
const feedKeep = 10 * time.Minute

// Config is what the replicas need.
type Config struct {
	Store   *store.Store
	Metrics *metrics.Metrics
	Logger  *slog.Logger
	// ID names this replica (default: host name, process ID and a random
	// part); LeaseTTL and FeedEvery are the server's.
	ID                  string
	LeaseTTL, FeedEvery time.Duration
	// Clock runs the leases and the feed (the store's: the feed's rows
	// carry its time); clock.Real when nil.
	Clock clock.Clock
}

// Judge is what the replicas ask of live judging: the customers, taking
// one over, and the changes another replica made.
type Judge interface {
	CustomerIDs() []string
	TakeOver(ctx context.Context, customer string)
	Deliver(agent string, minute int64, recs []slawatch.SeriesMinute)
	Kick()
	Reload(ctx context.Context, customer string) error
	ReloadSeries(ctx context.Context, name string) error
	RecordsChanged(customer, why string)
}

// New makes this server's part among the replicas. With PostgreSQL the
// store records its changes in the feed from now on.
func New(cfg Config) *Replicas {
	cfg.Clock = clock.Or(cfg.Clock)
	r := &Replicas{cfg: cfg, id: cfg.ID, ttl: cfg.LeaseTTL, on: cfg.Store.Backend() == "postgres",
		held: map[string]time.Time{}, seen: map[int64]time.Time{}}
	if r.id == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		rand.Read(b)
		r.id = fmt.Sprintf("%s-%d-%x", host, os.Getpid(), b)
	}
	if r.on {
		cfg.Store.RecordChanges(r.id)
	}
	return r
}

// Attach gives the replicas the judging they feed; before Run.
func (r *Replicas) Attach(j Judge) { r.judge = j }

// ID is this replica's name.
func (r *Replicas) ID() string { return r.id }

// Owns reports whether this replica acts on what judging finds for
// customer: writes its incidents, notices and reports.
func (r *Replicas) Owns(customer string) bool {
	if !r.on {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cfg.Clock.Now().Before(r.held[customer])
}

// Run keeps this replica's leases and applies the change feed until ctx
// is done. Leases are released on the way out, so that a replica shut
// down cleanly is taken over at once.
func (r *Replicas) Run(ctx context.Context) {
	if !r.on {
		return
	}
	leases := r.cfg.Clock.NewTicker(r.ttl / 4)
	defer leases.Stop()
	feed := r.cfg.Clock.NewTicker(r.cfg.FeedEvery)
	defer feed.Stop()
	r.lease(ctx)
	for {
		select {
		case <-ctx.Done():
			if !r.Killed.Load() {
				r.releaseAll()
			}
			return
		case <-leases.C():
			r.lease(ctx)
		case <-feed.C():
			if err := r.poll(ctx); err != nil && ctx.Err() == nil {
				r.cfg.Logger.Error("change feed", "err", err)
			}
		}
	}
}

// lease renews this replica's membership and leases, takes the
// customers rendezvous hashing gives it and gives up the others.
func (r *Replicas) lease(ctx context.Context) {
	if err := r.lease1(ctx); err != nil && ctx.Err() == nil {
		r.cfg.Logger.Error("leases", "replica", r.id, "err", err)
	}
}

func (r *Replicas) lease1(ctx context.Context) error {
	st := r.cfg.Store
	now := r.cfg.Clock.Now()
	until := now.Add(r.ttl)
	valid := until.Add(-r.ttl / 4) // another replica's clock may run ahead
	if _, err := st.Acquire(ctx, "replica/"+r.id, r.id, now, until); err != nil {
		return err
	}
	live, err := st.Leases(ctx, "replica/", now)
	if err != nil {
		return err
	}
	members := make([]string, 0, len(live))
	for name := range live {
		members = append(members, strings.TrimPrefix(name, "replica/"))
	}
	slices.Sort(members)
	kept, err := st.Renew(ctx, r.id, "customer/", until)
	if err != nil {
		return err
	}
	held := map[string]time.Time{}
	var gained, lost []string
	r.mu.Lock()
	before := r.held
	r.mu.Unlock()
	for _, name := range kept {
		c := strings.TrimPrefix(name, "customer/")
		held[c] = valid
		if until, ok := before[c]; ok && !now.Before(until) {
			// still ours in the store, but this replica stopped acting
			// for it meanwhile (a stalled renewal): what judging found
			// then was dropped, so it is taken over again
			gained = append(gained, c)
		}
	}
	customers := r.judge.CustomerIDs()
	for _, c := range customers {
		want := owner(c, members) == r.id
		switch _, have := held[c]; {
		case want && !have:
			ok, err := st.Acquire(ctx, "customer/"+c, r.id, now, until)
			if err != nil {
				return err
			}
			if ok {
				held[c] = valid
				gained = append(gained, c)
			}
		case !want && have:
			delete(held, c)
			lost = append(lost, c)
		}
	}
	for c := range held {
		if !slices.Contains(customers, c) {
			delete(held, c)
			lost = append(lost, c)
		}
	}
	r.mu.Lock()
	r.held, r.members = held, members
	r.mu.Unlock()
	// given up only once this replica has stopped acting for them
	for _, c := range lost {
		if err := st.Release(ctx, "customer/"+c, r.id); err != nil {
			return err
		}
	}
	if len(gained)+len(lost) > 0 {
		r.cfg.Logger.Info("customers moved", "replica", r.id, "replicas", len(members), "owned", len(held),
			"gained", docs.ListSome(gained, 10), "given_up", docs.ListSome(lost, 10))
		r.cfg.Metrics.OwnedCustomers.Set(float64(len(held)))
	}
	for _, c := range gained {
		r.judge.TakeOver(ctx, c)
	}
	return nil
}

// releaseAll gives up every lease of this replica.
func (r *Replicas) releaseAll() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.mu.Lock()
	held := r.held
	r.held = map[string]time.Time{}
	r.mu.Unlock()
	for c := range held {
		r.cfg.Store.Release(ctx, "customer/"+c, r.id)
	}
	r.cfg.Store.Release(ctx, "replica/"+r.id, r.id)
}

// owner is the replica rendezvous hashing gives customer among members.
func owner(customer string, members []string) string {
	best, top := "", uint64(0)
	for _, m := range members {
		h := fnv.New64a()
		h.Write([]byte(m))
		h.Write([]byte{0})
		h.Write([]byte(customer))
		if v := h.Sum64(); best == "" || v > top {
			best, top = m, v
		}
	}
	return best
}

// poll applies the rows of the change feed that other replicas wrote
// since the last poll.
func (r *Replicas) poll(ctx context.Context) error {
	now := r.cfg.Clock.Now()
	cs, err := r.cfg.Store.Changes(ctx, now.Add(-feedWindow))
	if err != nil {
		return err
	}
	var fresh []store.Change
	for _, c := range cs {
		if _, ok := r.seen[c.Seq]; ok {
			continue
		}
		r.seen[c.Seq] = c.At
		if c.Origin != r.id {
			fresh = append(fresh, c)
		}
	}
	for seq, at := range r.seen {
		if now.Sub(at) > 2*feedWindow {
			delete(r.seen, seq)
		}
	}
	if now.Sub(r.lastPrune) > feedKeep/2 {
		r.lastPrune = now
		if err := r.cfg.Store.PruneChanges(ctx, now.Add(-feedKeep)); err != nil {
			return err
		}
	}
	r.cfg.Metrics.FeedApplied.Add(float64(len(fresh)))
	return r.apply(ctx, fresh)
}

// apply loads what the changes cs changed.
func (r *Replicas) apply(ctx context.Context, cs []store.Change) error {
	e := r.judge
	var errs []error
	minutes := map[string][2]int64{}
	for _, c := range cs {
		var err error
		switch c.Kind {
		case store.KindMinutes:
			span, ok := minutes[c.Agent]
			if !ok {
				span = [2]int64{math.MaxInt64, math.MinInt64}
			}
			minutes[c.Agent] = [2]int64{min(span[0], c.Lo), max(span[1], c.Hi)}
		case docs.KindContract, docs.KindExclusion:
			err = e.Reload(ctx, c.Customer)
		case docs.KindSeries:
			err = e.ReloadSeries(ctx, c.ID)
		case docs.KindTicket, docs.KindEvent, docs.KindClaim:
			e.RecordsChanged(c.Customer, c.Kind+" "+c.ID+" changed")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s/%s: %w", c.Kind, c.Customer, c.ID, err))
		}
	}
	for agent, span := range minutes {
		keep := func(a, series string) bool { return a == agent }
		err := r.cfg.Store.ReadAgentMinutes(ctx, span[0], span[1]+1, keep, func(minute int64, a string, recs []slawatch.SeriesMinute) error {
			e.Deliver(a, minute, slices.Clone(recs))
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("minutes of agent %s: %w", agent, err))
		}
	}
	if len(minutes) > 0 {
		e.Kick()
	}
	return errors.Join(errs...)
}

// State is what GET /api/replicas shows.
type State struct {
	ID       string   `json:"id"`
	Backend  string   `json:"backend"`
	Replicas []string `json:"replicas"` // the live replicas, this one included
	Owned    int      `json:"owned_customers"`
}

// State is this replica, the live ones and how many customers it acts for.
func (r *Replicas) State() State {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := State{ID: r.id, Backend: r.cfg.Store.Backend(), Replicas: slices.Clone(r.members)}
	now := r.cfg.Clock.Now()
	for _, until := range r.held {
		if now.Before(until) {
			st.Owned++
		}
	}
	if !r.on {
		st.Replicas = []string{r.id}
		st.Owned = len(r.judge.CustomerIDs())
	}
	return st
}
