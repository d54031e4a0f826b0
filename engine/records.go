package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/calendar"
	"github.com/slawatch/slawatch/contract"
)

// inputs are the tickets, events and claims given to the evaluation, by
// service.
type inputs struct {
	ticketsGiven, eventsGiven, claimsGiven bool
	tickets                                map[*contract.BoundService][]*slawatch.Ticket
	events                                 map[*contract.BoundService][]*slawatch.Event
	claims                                 map[*contract.BoundService][]*slawatch.Claim
	usedClaims                             map[*slawatch.Claim]bool
	calendars                              map[string]*calendar.Calendar
	stats                                  RecordStats
}

// RecordStats accounts for the tickets, events and claims read.
type RecordStats struct {
	Tickets, Events, Claims int
	// Unused counts tickets and events of a kind no level of their service
	// reads (a general ticket export holds many).
	Unused int
}

// SetRecords gives the evaluation its tickets, events and claims. Each
// must name a service of the contract; a ticket must carry what the
// levels reading it need (a fee, a location class, a channel). Call it
// before Finish; a nil slice means the file was not given.
func (e *Evaluator) SetRecords(tickets []slawatch.Ticket, events []slawatch.Event, claims []slawatch.Claim) error {
	in := &e.in
	in.ticketsGiven, in.eventsGiven, in.claimsGiven = tickets != nil, events != nil, claims != nil
	in.tickets = map[*contract.BoundService][]*slawatch.Ticket{}
	in.events = map[*contract.BoundService][]*slawatch.Event{}
	in.claims = map[*contract.BoundService][]*slawatch.Claim{}
	in.usedClaims = map[*slawatch.Claim]bool{}
	byKey := map[string]*contract.BoundService{}
	for _, s := range e.b.Services {
		byKey[s.Customer.ID+"/"+s.Service.ID] = s
	}
	for i := range tickets {
		k := &tickets[i]
		s, err := lookup(byKey, k.Service, k.Pos)
		if err != nil {
			return err
		}
		used, err := e.checkTicket(s, k)
		if err != nil {
			return err
		}
		in.tickets[s] = append(in.tickets[s], k)
		in.stats.Tickets++
		if !used {
			in.stats.Unused++
		}
	}
	for i := range events {
		ev := &events[i]
		s, err := lookup(byKey, ev.Service, ev.Pos)
		if err != nil {
			return err
		}
		in.events[s] = append(in.events[s], ev)
		in.stats.Events++
		if !readsEvent(s, ev.Kind) {
			in.stats.Unused++
		}
	}
	for i := range claims {
		c := &claims[i]
		s, err := lookup(byKey, c.Service, c.Pos)
		if err != nil {
			return err
		}
		if c.Level != "" && !slices.ContainsFunc(s.Levels, func(l *contract.Level) bool { return l.Template.ID == c.Level }) {
			return c.Pos.Errorf("level", "%q is not a level of %s", c.Level, c.Service)
		}
		in.claims[s] = append(in.claims[s], c)
		in.stats.Claims++
	}
	return nil
}

func lookup(byKey map[string]*contract.BoundService, key string, p slawatch.Pos) (*contract.BoundService, error) {
	s, ok := byKey[key]
	if !ok {
		return nil, p.Errorf("service", "%q is not a customer/service of the contract", key)
	}
	return s, nil
}

// checkTicket checks a ticket carries what every level reading it needs,
// and reports whether any level reads it.
func (e *Evaluator) checkTicket(s *contract.BoundService, k *slawatch.Ticket) (bool, error) {
	used := false
	for _, l := range s.Levels {
		tm := l.Template.Timer
		if tm == nil || !slices.Contains(tm.Kinds, k.Kind) {
			continue
		}
		used = true
		id := l.Template.ID
		switch {
		case l.Template.Credit.Base.Ticket && k.Fee == nil:
			return used, k.Pos.Errorf("fee", "required by %s: the fee its credit is a share of (the event fee, or the request rate; with included=true when the plan included it)", id)
		case tm.HoursBy != nil && tm.HoursBy.Field == "location_class" && k.LocationClass == "":
			return used, k.Pos.Errorf("location_class", "required by %s (A, B, C, D or RE)", id)
		case tm.MinutesBy != nil && tm.MinutesBy.Field == "channel" && k.Channel == "":
			return used, k.Pos.Errorf("channel", "required by %s (%s)", id, strings.Join(slawatch.Channels, ", "))
		}
	}
	return used, nil
}

// readsEvent reports whether a level of s reads events of kind.
func readsEvent(s *contract.BoundService, kind string) bool {
	for _, l := range s.Levels {
		tm := l.Template.Timer
		if tm != nil && (eventFor(tm.Measure, kind) ||
			tm.Measure == "notification" && kind == "customer-notified" ||
			tm.Measure == "outage-minutes" && kind == "failover") {
			return true
		}
	}
	return false
}

// eventFor reports whether a measure's items are events of kind.
func eventFor(measure, kind string) bool {
	switch measure {
	case "failover":
		return kind == "failover"
	case "outage-total":
		return kind == "platform-outage"
	case "delivery":
		return kind == "delivery"
	case "notification":
		return kind == "outage-detected"
	}
	return false
}

// calendar returns the business calendar of region in zone loc, with the
// contract's closures for the region.
func (e *Evaluator) calendar(region string, loc *time.Location) (*calendar.Calendar, error) {
	key := region + "\x00" + loc.String()
	if c, ok := e.in.calendars[key]; ok {
		return c, nil
	}
	c, err := calendar.New(region, loc, e.b.ClosuresFor(region))
	if err != nil {
		return nil, fmt.Errorf("calendar %s: %w", region, err)
	}
	if e.in.calendars == nil {
		e.in.calendars = map[string]*calendar.Calendar{}
	}
	e.in.calendars[key] = c
	return c, nil
}
