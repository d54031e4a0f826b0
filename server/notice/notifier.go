package notice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/slawatch/slawatch/server/docs"
	"github.com/slawatch/slawatch/server/judge"
	"github.com/slawatch/slawatch/server/metrics"

	"github.com/slawatch/slawatch/internal/clock"
	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/store"
)

// sendTimeout bounds one attempt at one channel.
const sendTimeout = time.Minute

// maxInFlight bounds the sends under way at once, so that one slow relay
// does not hold up the others.
const maxInFlight = 8

// notifier delivers the outbox: each send is tried until it goes, with
// backoff between attempts, or fails for good. A send is marked sent only
// after its channel accepted it; a crash in between sends it again on
// restart under the same Message-ID and X-Slawatch-Notice-Id, by which
// receivers can drop the repeat.
type notifier struct {
	s        *Service
	wake     chan struct{}
	mu       sync.Mutex
	inflight map[string]bool
	rnd      *rand.Rand
	sem      chan struct{}
	wg       sync.WaitGroup
}

func newNotifier(s *Service) *notifier {
	n := &notifier{s: s, wake: make(chan struct{}, 1), inflight: map[string]bool{},
		rnd: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())), sem: make(chan struct{}, maxInFlight)}
	s.metrics.OutboxGauge(func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		k, _ := s.st.CountSends(ctx, store.Pending)
		return float64(k)
	})
	return n
}

func (n *notifier) kick() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *notifier) run(ctx context.Context) {
	// sends under way when ctx ends are let finish, for drainFor at
	// most: cut off after the relay took the message but before it said
	// so, a send would be made again by the next replica or run
	sends, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer func() {
		t := n.s.cfg.Clock.AfterFunc(drainFor, cancel)
		n.wg.Wait()
		t.Stop()
		cancel()
	}()
	tick := n.s.cfg.Clock.NewTicker(time.Second)
	defer tick.Stop()
	for {
		n.sendDue(ctx, sends)
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		case <-tick.C():
		}
	}
}

// claimFor is how long a claimed send is this replica's: longer than an
// attempt may take, so that no other replica sends it meanwhile; a send
// whose replica died is taken again after it.
const claimFor = 2*sendTimeout + 30*time.Second

// drainFor bounds how long a stopping server waits for the sends under
// way.
const drainFor = 15 * time.Second

// sendDue claims the due sends and starts a goroutine for each one not
// already under way; the sends run under sends, which outlives ctx by
// the drain.
func (n *notifier) sendDue(ctx, sends context.Context) {
	due, err := n.s.st.Claim(ctx, n.s.cfg.Replica, n.s.cfg.Clock.Now(), claimFor, 64) // retries run on real time
	if err != nil {
		if ctx.Err() == nil {
			n.s.log.Error("outbox", "err", err)
		}
		return
	}
	for _, x := range due {
		n.mu.Lock()
		busy := n.inflight[x.ID]
		n.inflight[x.ID] = true
		n.mu.Unlock()
		if busy {
			continue
		}
		select {
		case n.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			defer func() { <-n.sem }()
			n.send(sends, x)
			n.mu.Lock()
			delete(n.inflight, x.ID)
			n.mu.Unlock()
		}()
	}
}

// send makes one attempt at one send and records its outcome.
func (n *notifier) send(ctx context.Context, x store.Send) {
	log := n.s.log.With("notice", x.ID, "channel", x.Channel)
	var nt notify.Notice
	if err := json.Unmarshal(x.Notice, &nt); err != nil {
		n.settle(ctx, x, store.Failed, "outbox: "+err.Error(), log)
		return
	}
	ch, err := n.channel(ctx, x)
	if err != nil {
		n.settle(ctx, x, store.Failed, err.Error(), log)
		return
	}
	if nt.Kind == notify.KindRecovery {
		if wait, err := n.outageFirst(ctx, x, nt); err != nil || wait {
			if err == nil {
				err = n.s.st.Settle(ctx, x.ID, store.Pending, n.s.cfg.Clock.Now().Add(n.s.cfg.RetryBase), "waiting for the outage notice on this channel")
			}
			if err != nil {
				log.Error("outbox", "err", err)
			}
			n.s.cfg.Clock.AfterFunc(n.s.cfg.RetryBase, n.kick)
			return
		}
	}
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	err = ch.Send(sctx, nt)
	cancel()
	now := n.s.cfg.Now()
	switch {
	case err == nil:
		// what was sent is recorded even when shutting down
		ctx := context.WithoutCancel(ctx)
		if err := n.s.st.Settle(ctx, x.ID, store.Sent, now, ""); err != nil {
			log.Error("notice sent but not recorded; it may be sent again", "err", err)
			return
		}
		n.s.metrics.Notifications.WithLabelValues(kindOf(x.Channel), "sent").Inc()
		log.Info("notice sent", "attempts", x.Attempts+1, "detected", nt.Detected, "deadline", nt.Deadline,
			"deadline_met", !now.After(nt.Deadline))
		if nt.Kind == notify.KindOutage {
			if err := n.s.notified(ctx, nt, x.Channel, now); err != nil {
				log.Error("notice sent: recording it", "err", err)
			}
		}
	case ctx.Err() != nil:
		// shutting down and the drain is over: the send stays pending,
		// and free for another replica at once rather than when its
		// claim ends
		if err := n.s.st.Unclaim(context.WithoutCancel(ctx), x.ID, n.s.cfg.Replica, n.s.cfg.Clock.Now()); err != nil {
			log.Error("outbox", "err", err)
		}
		return
	case notify.IsPermanent(err):
		n.settle(ctx, x, store.Failed, err.Error(), log)
	default:
		wait := notify.Backoff{Base: n.s.cfg.RetryBase, Max: n.s.cfg.RetryMax}.Next(x.Attempts+1, n.rand())
		if err := n.s.st.Settle(ctx, x.ID, store.Pending, n.s.cfg.Clock.Now().Add(wait), err.Error()); err != nil {
			log.Error("outbox", "err", err)
		}
		n.s.metrics.Notifications.WithLabelValues(kindOf(x.Channel), "retry").Inc()
		log.Warn("notice not sent; will retry", "attempt", x.Attempts+1, "in", wait, "err", err)
		n.s.cfg.Clock.AfterFunc(wait, n.kick)
	}
}

func (n *notifier) rand() *rand.Rand {
	n.mu.Lock()
	defer n.mu.Unlock()
	return rand.New(rand.NewPCG(n.rnd.Uint64(), n.rnd.Uint64()))
}

func (n *notifier) settle(ctx context.Context, x store.Send, state, why string, log interface{ Error(string, ...any) }) {
	if err := n.s.st.Settle(ctx, x.ID, state, n.s.cfg.Now(), why); err != nil {
		log.Error("outbox", "err", err)
	}
	n.s.metrics.Notifications.WithLabelValues(kindOf(x.Channel), "failed").Inc()
	log.Error("notice failed for good", "err", why)
}

// channel finds the send's channel among the customer's current contacts.
func (n *notifier) channel(ctx context.Context, x store.Send) (notify.Channel, error) {
	cu, err := n.s.secrets.CustomerWithSecrets(ctx, n.s.st, x.Customer)
	if err != nil {
		return nil, err
	}
	chans, err := n.s.cfg.Notify.Channels(cu.Contacts)
	if err != nil {
		return nil, err
	}
	for _, ch := range chans {
		if ch.Name() == x.Channel {
			return ch, nil
		}
	}
	return nil, errors.New("the customer's contacts no longer include " + x.Channel)
}

// reconcile records on their outages the outage notices the outbox has
// as sent: a crash between a send's settling and its recording on the
// outage would otherwise lose the notice's time.
func (n *notifier) reconcile(ctx context.Context) error {
	sends, err := n.s.st.Sends(ctx, "")
	if err != nil {
		return err
	}
	for _, x := range sends {
		var nt notify.Notice
		if x.State != store.Sent || json.Unmarshal(x.Notice, &nt) != nil || nt.Kind != notify.KindOutage {
			continue
		}
		if err := n.s.notified(ctx, nt, x.Channel, x.SentAt); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// outageFirst reports whether a recovery send must wait: an outage
// notice of its incident on the same channel is still pending. A
// recovery never reaches a customer before the outage it ends.
func (n *notifier) outageFirst(ctx context.Context, x store.Send, nt notify.Notice) (bool, error) {
	sends, err := n.s.st.Sends(ctx, x.Customer)
	if err != nil {
		return false, err
	}
	prefix := nt.Customer + "/" + nt.Incident + "/outage/"
	for _, o := range sends {
		if o.Channel == x.Channel && o.State == store.Pending && strings.HasPrefix(o.ID, prefix) {
			return true, nil
		}
	}
	return false, nil
}

// kindOf is the kind of a channel name: email, fax or webhook.
func kindOf(name string) string {
	k, _, _ := strings.Cut(name, ":")
	return k
}

// notified records a send of an outage notice on a channel: when each
// channel delivered it and, for the first delivery on the channel the
// level's SLA requires (any, when it names none), the outage's notified
// time, whether it met its deadline, and a customer-notified event that
// the notification level judges. Channels deliver concurrently, on any
// replica: each outage is changed in a transaction of its own, and the
// event, stored once per notice, gives the notified time, so that the
// outage and the event agree whichever channel got there first.
func (s *Service) notified(ctx context.Context, nt notify.Notice, channel string, at time.Time) error {
	for _, site := range nt.Sites {
		id := docs.OutageID(site.Service, site.Level, site.Start.Unix()/60)
		o, err := docs.Get[docs.Outage](ctx, s.st, nt.Customer, docs.KindOutage, id)
		if err != nil {
			return err
		}
		judges := o.Via == "" || kindOf(channel) == o.Via
		first := at
		if judges && o.NotifiedAt == nil {
			// the event first: it is what the level judges
			if first, err = s.notifiedEvent(ctx, nt, site.Service, channel, at); err != nil {
				return err
			}
		}
		err = docs.Update(ctx, s.st, nt.Customer, docs.KindOutage, id, func(o *docs.Outage) bool {
			if o.Sent == nil {
				o.Sent = map[string]time.Time{}
			}
			_, seen := o.Sent[channel]
			if seen && (!judges || o.NotifiedAt != nil) {
				return false // recorded before (reconcile after a restart)
			}
			o.Sent[channel] = at
			if judges && o.NotifiedAt == nil {
				met := !first.After(o.Deadline)
				o.NotifiedAt, o.Met = &first, &met
				s.metrics.DetectToNotify.Observe(first.Sub(o.Judged).Seconds())
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// notifiedEvent stores the customer-notified event of a notice, once
// whichever channel and replica delivers it first, and returns the time
// it holds.
func (s *Service) notifiedEvent(ctx context.Context, nt notify.Notice, service, channel string, at time.Time) (time.Time, error) {
	ev := docs.Record{"id": nt.ID, "service": service, "kind": "customer-notified",
		"start": at.UTC().Format(time.RFC3339Nano), "note": "sent by slawatch serve via " + kindOf(channel)}
	b, _ := json.Marshal(ev)
	if _, err := s.st.AddDoc(ctx, store.Doc{Customer: nt.Customer, Kind: docs.KindEvent, ID: nt.ID, Body: b}); err != nil {
		return at, err
	}
	stored, err := docs.Get[docs.Record](ctx, s.st, nt.Customer, docs.KindEvent, nt.ID)
	if err != nil {
		return at, err
	}
	t, err := time.Parse(time.RFC3339Nano, stored["start"])
	if err != nil {
		return at, fmt.Errorf("event %s: start %q: %w", nt.ID, stored["start"], err)
	}
	return t, nil
}

// Config is what the notices need.
type Config struct {
	Store   *store.Store
	Notify  notify.Config
	Sealer  *docs.Sealer
	Metrics *metrics.Metrics
	Logger  *slog.Logger
	// Now is the time of the service levels: when a notice was sent, a
	// test notice asked for; Clock.Now when nil. Clock runs the outbox's
	// schedule, retries and backoff (real time, whatever Now says);
	// clock.Real when nil.
	Now   func() time.Time
	Clock clock.Clock
	// RetryBase and RetryMax bound the backoff between attempts.
	RetryBase, RetryMax time.Duration
	// Replica names this server in the outbox's claims; Owner says
	// whether it acts for a customer (stores its outages and queues its
	// notices).
	Replica string
	Owner   interface{ Owns(customer string) bool }
}

// Service is the incidents and the outbox of one server.
type Service struct {
	cfg     Config
	st      *store.Store
	log     *slog.Logger
	metrics *metrics.Metrics
	secrets *docs.Sealer
	in      *incidents
	out     *notifier
}

// New makes the service; Reconcile then Run start it.
func New(cfg Config) *Service {
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Now == nil {
		cfg.Now = cfg.Clock.Now
	}
	s := &Service{cfg: cfg, st: cfg.Store, log: cfg.Logger, metrics: cfg.Metrics, secrets: cfg.Sealer}
	s.in = newIncidents(s)
	s.out = newNotifier(s)
	return s
}

// Found takes outages judging found: those of customers this server acts
// for are stored and notified, in order.
func (s *Service) Found(f []judge.Found) { s.in.add(f) }

// Reconcile records on their outages the outage notices the outbox has
// as sent (a crash between sending and recording).
func (s *Service) Reconcile(ctx context.Context) error { return s.out.reconcile(ctx) }

// Run stores incidents and sends notices until ctx is done.
func (s *Service) Run(ctx context.Context) {
	go s.in.run(ctx)
	s.out.run(ctx)
}
