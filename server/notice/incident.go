// Package notice turns what judging finds into notices and sends them:
// outages and incidents stored once, their notices queued in the outbox
// per channel of the customer's contacts, and the outbox delivered with
// retries, each send claimed by one replica at a time, its delivery
// recorded on the outage (the level's required channel judges it).
package notice

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/slawatch/slawatch/server/docs"
	"github.com/slawatch/slawatch/server/judge"

	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/store"
)

// groupWindow: an outage detected within this long of an open incident's
// first detection, at the same customer and level, joins that incident
// (failures at several sites with one cause are one incident).
const groupWindow = 5 * time.Minute

// incidents turns the outages the evaluators report into outage and
// incident records and notices in the outbox, one at a time, in order.
// Every step can be replayed: a rebuilt evaluator reports its outages
// again, and what is stored already is left as it is.
type incidents struct {
	s     *Service
	mu    sync.Mutex
	queue []judge.Found
	wake  chan struct{}
}

func newIncidents(s *Service) *incidents {
	return &incidents{s: s, wake: make(chan struct{}, 1)}
}

func (in *incidents) add(f []judge.Found) {
	// another replica acts for the customers it owns; this one takes
	// their outages up again if it takes them over
	f = slices.DeleteFunc(f, func(x judge.Found) bool { return !in.s.cfg.Owner.Owns(x.Customer) })
	if len(f) == 0 {
		return
	}
	in.mu.Lock()
	in.queue = append(in.queue, f...)
	in.mu.Unlock()
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

func (in *incidents) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-in.wake:
		}
		in.mu.Lock()
		q := in.queue
		in.queue = nil
		in.mu.Unlock()
		for _, f := range q {
			var err error
			if f.Outage.End == 0 {
				err = in.detected(ctx, f)
			} else {
				err = in.ended(ctx, f)
			}
			if err != nil {
				// the outage is reported again when the month is rebuilt
				in.s.log.Error("outage", "customer", f.Customer, "err", err)
			}
		}
		in.s.out.kick()
	}
}

// detected records a new outage, joins or opens its incident and queues
// its notice.
func (in *incidents) detected(ctx context.Context, f judge.Found) error {
	st := in.s.st
	svc, lv := f.Outage.Service, f.Outage.Level
	id := docs.OutageID(svc.Service.ID, lv.Template.ID, f.Outage.Start)
	o, err := docs.Get[docs.Outage](ctx, st, f.Customer, docs.KindOutage, id)
	switch {
	case err == nil && o.Queued:
		return nil // reported before a restart or a rebuild
	case err == nil:
		return in.queueOutage(ctx, f.Customer, f.Bound, &o)
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	// a run crossing a month's end is seen by both months' evaluators,
	// the second from the start of its window: one outage
	if open, err := in.openOutage(ctx, f.Customer, svc.Service.ID, lv.Template.ID); err != nil || open != nil {
		return err
	}
	in.s.metrics.Outages.Inc()
	o = docs.Outage{ID: id, Service: svc.Service.ID, Site: svc.Service.Site, Level: lv.Template.ID,
		Start: f.Outage.StartAt().UTC(), Detected: f.Outage.DetectedAt().UTC(), Judged: f.At}
	o.Deadline = o.Detected.Add(time.Duration(lv.Template.Objective.NotifyWithinMinutes) * time.Minute)
	inc, err := in.incidentFor(ctx, f.Customer, &o)
	if err != nil {
		return err
	}
	o.Incident = inc.ID
	// notice IDs name the customer: two customers' notices never share an
	// outbox row, a Message-ID or a webhook's notice ID
	o.Notice = f.Customer + "/" + inc.ID + "/outage/" + o.Service
	o.Via = lv.Template.Objective.NotifyVia
	inc.Outages = append(inc.Outages, o.ID)
	// the outage first, then the incident: a crash between leaves an
	// outage whose notice is queued again on replay
	b, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if added, err := st.AddDoc(ctx, store.Doc{Customer: f.Customer, Kind: docs.KindOutage, ID: o.ID, Body: b}); err != nil || !added {
		return err // !added: the replica this customer's lease was taken from stored it meanwhile
	}
	if err := docs.Put(ctx, st, f.Customer, docs.KindIncident, inc.ID, inc); err != nil {
		return err
	}
	in.s.log.Info("outage detected", "customer", f.Customer, "service", o.Service, "level", o.Level,
		"start", o.Start, "detected", o.Detected, "incident", inc.ID)
	return in.queueOutage(ctx, f.Customer, f.Bound, &o)
}

// incidentFor returns the open incident of the customer and level that
// the outage joins, or a new one.
func (in *incidents) incidentFor(ctx context.Context, customer string, o *docs.Outage) (*docs.Incident, error) {
	incs, err := docs.List[docs.Incident](ctx, in.s.st, customer, docs.KindIncident)
	if err != nil {
		return nil, err
	}
	for i := range incs {
		x := &incs[i]
		d := o.Detected.Sub(x.FirstDetected)
		if x.Closed == nil && x.Level == o.Level && d >= -groupWindow && d <= groupWindow {
			return x, nil
		}
	}
	return &docs.Incident{ID: "inc-" + o.Detected.UTC().Format("20060102T1504Z") + "-" + o.Service, Level: o.Level,
		FirstDetected: o.Detected}, nil
}

// queueOutage puts the outage's notice in the outbox, one send per
// channel of the customer's contacts, and marks the outage queued.
func (in *incidents) queueOutage(ctx context.Context, customer string, b *contract.Bound, o *docs.Outage) error {
	n := notify.Notice{ID: o.Notice, Kind: notify.KindOutage, Incident: o.Incident, Start: o.Start,
		Detected: o.Detected, Deadline: o.Deadline, Timezone: b.Timezone,
		Sites: []notify.Site{{Service: o.Service, Site: o.Site, Level: o.Level, Start: o.Start}}}
	if err := in.queue1(ctx, customer, n); err != nil {
		return err
	}
	o.Queued = true
	// the notice may be going out already, on any replica: only Queued
	// changes here
	return docs.Update(ctx, in.s.st, customer, docs.KindOutage, o.ID, func(x *docs.Outage) bool {
		changed := !x.Queued
		x.Queued = true
		return changed
	})
}

// ended records the end of an outage and, when it was the incident's
// last open one, queues the recovery notice.
func (in *incidents) ended(ctx context.Context, f judge.Found) error {
	st := in.s.st
	id := docs.OutageID(f.Outage.Service.Service.ID, f.Outage.Level.Template.ID, f.Outage.Start)
	o, err := docs.Get[docs.Outage](ctx, st, f.Customer, docs.KindOutage, id)
	if errors.Is(err, store.ErrNotFound) {
		// the next month's evaluator ends a run the last month's began
		open, err := in.openOutage(ctx, f.Customer, f.Outage.Service.Service.ID, f.Outage.Level.Template.ID)
		if err != nil || open == nil || open.Start.After(f.Outage.StartAt()) {
			return err
		}
		o = *open
	} else if err != nil {
		return err
	}
	if o.End == nil {
		end := f.Outage.EndAt().UTC()
		o.End = &end
		err := docs.Update(ctx, st, f.Customer, docs.KindOutage, o.ID, func(x *docs.Outage) bool {
			changed := x.End == nil
			if changed {
				x.End = &end
			}
			return changed
		})
		if err != nil {
			return err
		}
		in.s.log.Info("outage ended", "customer", f.Customer, "service", o.Service, "level", o.Level, "end", end)
	}
	inc, err := docs.Get[docs.Incident](ctx, st, f.Customer, docs.KindIncident, o.Incident)
	if err != nil || inc.Recovered {
		return err
	}
	n := notify.Notice{ID: f.Customer + "/" + inc.ID + "/recovery", Kind: notify.KindRecovery, Incident: inc.ID, Timezone: f.Bound.Timezone}
	var last time.Time
	for _, oid := range inc.Outages {
		x, err := docs.Get[docs.Outage](ctx, st, f.Customer, docs.KindOutage, oid)
		if err != nil {
			return err
		}
		if x.End == nil {
			return nil // another site is still down
		}
		n.Sites = append(n.Sites, notify.Site{Service: x.Service, Site: x.Site, Level: x.Level, Start: x.Start, End: x.End})
		if n.Start.IsZero() || x.Start.Before(n.Start) {
			n.Start, n.Detected = x.Start, x.Detected
		}
		if x.End.After(last) {
			last = *x.End
		}
	}
	n.End = &last
	inc.Closed = &last
	if err := in.queue1(ctx, f.Customer, n); err != nil {
		return err
	}
	inc.Recovered = true
	return docs.Put(ctx, st, f.Customer, docs.KindIncident, inc.ID, inc)
}

// queue1 fills in the customer and puts one send per channel in the
// outbox. A customer without contacts gets none: the notice is logged
// as undeliverable, and its outage stays unnotified (the notification
// level then shows the miss).
func (in *incidents) queue1(ctx context.Context, customer string, n notify.Notice) error {
	cu, err := in.s.secrets.CustomerWithSecrets(ctx, in.s.st, customer)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	n.Customer, n.CustomerName = customer, cu.Name
	chans, err := in.s.cfg.Notify.Channels(cu.Contacts)
	if err != nil || len(chans) == 0 {
		in.s.metrics.Notifications.WithLabelValues("none", "failed").Inc()
		in.s.log.Error("notice undeliverable: no usable contacts", "customer", customer, "notice", n.ID, "err", err)
		return nil
	}
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	now := in.s.cfg.Clock.Now() // the outbox's schedule is real time
	sends := make([]store.Send, len(chans))
	for i, ch := range chans {
		sends[i] = store.Send{ID: n.ID + "|" + ch.Name(), Customer: customer, Notice: body, Channel: ch.Name(), NextAt: now}
	}
	_, err = in.s.st.Enqueue(ctx, sends)
	return err
}

// openOutage returns the customer's outage of a service and level that
// has not ended, if any.
func (in *incidents) openOutage(ctx context.Context, customer, service, level string) (*docs.Outage, error) {
	os, err := docs.List[docs.Outage](ctx, in.s.st, customer, docs.KindOutage)
	if err != nil {
		return nil, err
	}
	for i := range os {
		if o := &os[i]; o.End == nil && o.Service == service && o.Level == level {
			return o, nil
		}
	}
	return nil, nil
}
