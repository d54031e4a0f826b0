package slawatch

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// The inputs of the service levels that are timed rather than pinged:
// trouble tickets, events and credit claims. Package ticket reads them
// from CSV files; the engine binds them to service levels.

// Ticket is one trouble ticket.
type Ticket struct {
	ID      string
	Service string // customer/service, as in the contract
	Kind    string // one of TicketKinds
	Channel string // one of Channels; empty when the level needs none
	// Opened is when the ticket was opened; Responded when the provider
	// contacted (or tried to contact) the customer, approved the ACL or
	// started the mitigation; Resolved when the fault was resolved or the
	// request completed. Zero when it has not happened.
	Opened, Responded, Resolved time.Time
	Zone                        *time.Location // the ticket's time zone: business days are counted in it
	Cause                       string         // incident id: tickets with one cause are one incident
	LocationClass               string         // A, B, C, D or RE (last-mile levels)
	Access                      string         // single or dual (last-mile levels)
	Fee                         *decimal.Decimal
	// Included: the request fell within what the plan includes (mitigation
	// days or minutes, included ACL changes); Fee is then the fee that
	// would have been paid.
	Included bool
	Note     string
	Pos      Pos
}

// Event is one thing that happened to a service at a time or over a period.
type Event struct {
	ID      string
	Service string
	Kind    string // one of EventKinds
	// Start and End, by kind: failover: the active unit failed, the
	// standby took over; platform-outage: the platform could not start a
	// mitigation, could again; outage-detected: detected at, (optional)
	// the outage ended; customer-notified: the notice was sent; delivery:
	// the order was accepted, the link was ready for service (zero: not yet).
	Start, End time.Time
	Zone       *time.Location
	Cause      string
	Ref        string // customer-notified: the id of the outage-detected event it answers
	Note       string
	Pos        Pos
}

// Claim is a customer's request for the credit of a service level.
type Claim struct {
	ID      string
	Service string
	// Level and Ref narrow what the claim covers: a template ID, and a
	// ticket, event or incident (cause) id. Empty covers every credit of
	// the service in the month.
	Level, Ref string
	Submitted  time.Time
	// Confirmed is when the provider's support ticket confirmed the claim
	// (NTT requires it within 30 days after the month); zero when not yet.
	Confirmed time.Time
	// The details Aryaka requires: a description of the incident, its
	// duration, the ticket ids raised, and what the customer tried.
	Description, Duration, Tickets, Attempts string
	Pos                                      Pos
}

// Pos is where a record was read: the file and line, for errors that can
// only be found once it is bound to a contract (an unknown service, a fee
// a level needs).
type Pos struct {
	File string
	Line int
}

// Errorf returns an error about field of the record at p.
func (p Pos) Errorf(field, format string, args ...any) error {
	return &FieldError{File: p.File, Line: p.Line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// TicketKinds are the kinds of ticket.
var TicketKinds = []string{"mitigation-request", "acl-standard", "acl-emergency", "lmc-fault", "mfs-request"}

// Channels a ticket can be opened through.
var Channels = []string{"phone", "email", "customer-portal", "dps-request-mitigation", "dps-start-mitigation", "auto-mitigation"}

// EventKinds are the kinds of event.
var EventKinds = []string{"failover", "platform-outage", "outage-detected", "customer-notified", "delivery"}

// LocationClasses are the last-mile location classes.
var LocationClasses = []string{"A", "B", "C", "D", "RE"}

// Set is everything read from the ticket, event and claim files.
type Set struct {
	Tickets []Ticket
	Events  []Event
	Claims  []Claim
}
