// Package ticket reads the inputs of the service levels that are timed
// rather than pinged: trouble tickets (mitigation requests, ACL changes,
// last-mile faults, managed-firewall requests), events (failovers,
// platform outages, outage detections and notices, last-mile deliveries)
// and credit claims. It reads them from CSV files with headers and checks
// every field, naming the file, line and column of anything wrong. The
// records themselves are domain types (slawatch.Ticket, Event, Claim);
// this package is their CSV adapter. It knows nothing of contracts or
// templates; the engine binds these records to service levels.
package ticket

import "github.com/slawatch/slawatch"

// The records, as the domain defines them.
type (
	Ticket = slawatch.Ticket
	Event  = slawatch.Event
	Claim  = slawatch.Claim
	Pos    = slawatch.Pos
	Set    = slawatch.Set
	// FieldError is a problem with one field of one line of an input file.
	FieldError = slawatch.FieldError
)

// The values the records' fields take.
var (
	Kinds           = slawatch.TicketKinds
	Channels        = slawatch.Channels
	EventKinds      = slawatch.EventKinds
	LocationClasses = slawatch.LocationClasses
)
