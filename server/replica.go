package server

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slawatch/slawatch/server/auth"

	"github.com/slawatch/slawatch/server/docs"

	"github.com/slawatch/slawatch"
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
type replicas struct {
	s   *Server
	id  string
	on  bool
	ttl time.Duration
	mu  sync.Mutex
	// held: the customers whose lease this replica holds, and until when
	// it acts as their owner (the lease's end less a margin for clocks)
	held    map[string]time.Time
	members []string
	// seen: the feed's rows already applied, by when they were written
	seen      map[int64]time.Time
	lastPrune time.Time
	// killed makes run leave the leases when it stops, as a killed
	// process does (tests)
	killed atomic.Bool
}

// feedWindow is how far back each poll of the change feed reads: rows
// commit out of order, and a row's time is its writer's clock.
const feedWindow = time.Minute

// feedKeep is how long the change feed is kept in the store.
const feedKeep = 10 * time.Minute

func newReplicas(s *Server) *replicas {
	r := &replicas{s: s, id: s.cfg.Replica, ttl: s.cfg.LeaseTTL, on: s.st.Backend() == "postgres",
		held: map[string]time.Time{}, seen: map[int64]time.Time{}}
	if r.id == "" {
		host, _ := os.Hostname()
		r.id = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), auth.NewToken()[3:11])
	}
	if r.on {
		s.st.RecordChanges(r.id)
	}
	return r
}

// owns reports whether this replica acts on what judging finds for
// customer: writes its incidents, notices and reports.
func (r *replicas) owns(customer string) bool {
	if !r.on {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return time.Now().Before(r.held[customer]) // leases run on real time
}

// run keeps this replica's leases and applies the change feed until ctx
// is done. Leases are released on the way out, so that a replica shut
// down cleanly is taken over at once.
func (r *replicas) run(ctx context.Context) {
	if !r.on {
		return
	}
	leases := time.NewTicker(r.ttl / 4)
	defer leases.Stop()
	feed := time.NewTicker(r.s.cfg.FeedEvery)
	defer feed.Stop()
	r.lease(ctx)
	for {
		select {
		case <-ctx.Done():
			if !r.killed.Load() {
				r.releaseAll()
			}
			return
		case <-leases.C:
			r.lease(ctx)
		case <-feed.C:
			if err := r.poll(ctx); err != nil && ctx.Err() == nil {
				r.s.log.Error("change feed", "err", err)
			}
		}
	}
}

// lease renews this replica's membership and leases, takes the
// customers rendezvous hashing gives it and gives up the others.
func (r *replicas) lease(ctx context.Context) {
	if err := r.lease1(ctx); err != nil && ctx.Err() == nil {
		r.s.log.Error("leases", "replica", r.id, "err", err)
	}
}

func (r *replicas) lease1(ctx context.Context) error {
	st := r.s.st
	now := time.Now()
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
	for _, name := range kept {
		held[strings.TrimPrefix(name, "customer/")] = valid
	}
	customers := r.s.eval.customerIDs()
	var gained, lost []string
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
		r.s.log.Info("customers moved", "replica", r.id, "replicas", len(members), "owned", len(held),
			"gained", docs.ListSome(gained, 10), "given_up", docs.ListSome(lost, 10))
		r.s.metrics.OwnedCustomers.Set(float64(len(held)))
	}
	for _, c := range gained {
		r.s.eval.takeOver(ctx, c)
	}
	return nil
}

// releaseAll gives up every lease of this replica.
func (r *replicas) releaseAll() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.mu.Lock()
	held := r.held
	r.held = map[string]time.Time{}
	r.mu.Unlock()
	for c := range held {
		r.s.st.Release(ctx, "customer/"+c, r.id)
	}
	r.s.st.Release(ctx, "replica/"+r.id, r.id)
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
func (r *replicas) poll(ctx context.Context) error {
	now := time.Now()
	cs, err := r.s.st.Changes(ctx, now.Add(-feedWindow))
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
		if err := r.s.st.PruneChanges(ctx, now.Add(-feedKeep)); err != nil {
			return err
		}
	}
	r.s.metrics.FeedApplied.Add(float64(len(fresh)))
	return r.apply(ctx, fresh)
}

// apply loads what the changes cs changed.
func (r *replicas) apply(ctx context.Context, cs []store.Change) error {
	e := r.s.eval
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
			err = e.reload(ctx, c.Customer)
		case docs.KindSeries:
			err = e.reloadSeries(ctx, c.ID)
		case docs.KindTicket, docs.KindEvent, docs.KindClaim:
			e.recordsChanged(c.Customer, c.Kind+" "+c.ID+" changed")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s/%s: %w", c.Kind, c.Customer, c.ID, err))
		}
	}
	for agent, span := range minutes {
		keep := func(a, series string) bool { return a == agent }
		err := r.s.st.ReadAgentMinutes(ctx, span[0], span[1]+1, keep, func(minute int64, a string, recs []slawatch.SeriesMinute) error {
			e.deliver(a, minute, slices.Clone(recs))
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("minutes of agent %s: %w", agent, err))
		}
	}
	if len(minutes) > 0 {
		e.kick()
	}
	return errors.Join(errs...)
}

// ReplicaState is what GET /api/replicas shows.
type ReplicaState struct {
	ID       string   `json:"id"`
	Backend  string   `json:"backend"`
	Replicas []string `json:"replicas"` // the live replicas, this one included
	Owned    int      `json:"owned_customers"`
}

func (r *replicas) state() ReplicaState {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := ReplicaState{ID: r.id, Backend: r.s.st.Backend(), Replicas: slices.Clone(r.members)}
	now := time.Now()
	for _, until := range r.held {
		if now.Before(until) {
			st.Owned++
		}
	}
	if !r.on {
		st.Replicas = []string{r.id}
		st.Owned = len(r.s.eval.customerIDs())
	}
	return st
}

// getReplicas shows this replica, the live ones and how many customers
// this one acts for.
func (s *Server) getReplicas(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.replicas.state())
}

// ReplicaID is this server's name among the replicas.
func (s *Server) ReplicaID() string { return s.replicas.id }
