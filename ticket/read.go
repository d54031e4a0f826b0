package ticket

import (
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// Columns of each file. docs/tickets.md describes them.
var (
	TicketColumns = []string{"id", "service", "kind", "channel", "opened", "responded", "resolved",
		"timezone", "cause", "location_class", "access", "fee", "included", "note"}
	EventColumns = []string{"id", "service", "kind", "start", "end", "timezone", "cause", "ref", "note"}
	ClaimColumns = []string{"id", "service", "level", "ref", "submitted", "confirmed", "timezone",
		"description", "duration", "tickets", "attempts"}
)

// ReadTickets reads a tickets file; times without an offset are in the
// ticket's timezone column or, when that is empty, in loc.
func ReadTickets(r io.Reader, file string, loc *time.Location) ([]Ticket, error) {
	return readAll(r, file, loc, TicketColumns, []string{"id", "service", "kind", "opened"},
		func(t *table) (Ticket, string) { k := t.ticket(); return k, k.ID })
}

// readAll reads every record of a file with row, checking ids are unique.
func readAll[T any](r io.Reader, file string, loc *time.Location, cols, required []string, row func(*table) (T, string)) ([]T, error) {
	t, err := newTable(r, file, loc, cols, required)
	if err != nil {
		return nil, err
	}
	var out []T
	ids := map[string]int{}
	for {
		if err := t.next(); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		v, id := row(t)
		t.unique(ids, id)
		if t.err != nil {
			return nil, t.err
		}
		out = append(out, v)
	}
}

func (t *table) ticket() Ticket {
	k := Ticket{ID: t.need("id"), Service: t.service(), Kind: t.need("kind"), Pos: t.pos()}
	if k.Kind != "" && !slices.Contains(Kinds, k.Kind) {
		t.fail("kind", "%q is not one of %s", k.Kind, strings.Join(Kinds, ", "))
	}
	k.Channel = t.oneOf("channel", Channels)
	if k.Kind == "mitigation-request" && k.Channel == "" {
		t.fail("channel", "required for a mitigation-request (one of %s)", strings.Join(Channels, ", "))
	}
	k.Zone = t.zone()
	k.Opened = t.time("opened", k.Zone)
	if k.Opened.IsZero() {
		t.fail("opened", "required")
	}
	k.Responded, k.Resolved = t.time("responded", k.Zone), t.time("resolved", k.Zone)
	t.notBefore("responded", k.Responded, "opened", k.Opened)
	t.notBefore("resolved", k.Resolved, "opened", k.Opened)
	k.Cause = t.str("cause")
	k.LocationClass = t.oneOf("location_class", LocationClasses)
	k.Access = t.oneOf("access", []string{"single", "dual"})
	k.Fee, k.Included, k.Note = t.fee("fee"), t.bool("included"), t.str("note")
	return k
}

// ReadEvents reads an events file.
func ReadEvents(r io.Reader, file string, loc *time.Location) ([]Event, error) {
	return readAll(r, file, loc, EventColumns, []string{"id", "service", "kind", "start"},
		func(t *table) (Event, string) { e := t.event(); return e, e.ID })
}

func (t *table) event() Event {
	e := Event{ID: t.need("id"), Service: t.service(), Kind: t.need("kind"), Pos: t.pos()}
	if e.Kind != "" && !slices.Contains(EventKinds, e.Kind) {
		t.fail("kind", "%q is not one of %s", e.Kind, strings.Join(EventKinds, ", "))
	}
	e.Zone = t.zone()
	e.Start, e.End = t.time("start", e.Zone), t.time("end", e.Zone)
	if e.Start.IsZero() {
		t.fail("start", "required")
	}
	t.notBefore("end", e.End, "start", e.Start)
	if e.End.IsZero() && (e.Kind == "failover" || e.Kind == "platform-outage") {
		t.fail("end", "required for a %s (%s)", e.Kind, map[string]string{
			"failover": "when the standby took over", "platform-outage": "when the platform could start mitigations again"}[e.Kind])
	}
	e.Cause, e.Ref, e.Note = t.str("cause"), t.str("ref"), t.str("note")
	return e
}

// ReadClaims reads a claims file.
func ReadClaims(r io.Reader, file string, loc *time.Location) ([]Claim, error) {
	return readAll(r, file, loc, ClaimColumns, []string{"id", "service", "submitted"},
		func(t *table) (Claim, string) { c := t.claim(); return c, c.ID })
}

func (t *table) claim() Claim {
	c := Claim{ID: t.need("id"), Service: t.service(), Level: t.str("level"), Ref: t.str("ref"), Pos: t.pos()}
	zone := t.zone()
	c.Submitted, c.Confirmed = t.time("submitted", zone), t.time("confirmed", zone)
	if c.Submitted.IsZero() {
		t.fail("submitted", "required")
	}
	t.notBefore("confirmed", c.Confirmed, "submitted", c.Submitted)
	c.Description, c.Duration, c.Tickets, c.Attempts = t.str("description"), t.str("duration"), t.str("tickets"), t.str("attempts")
	return c
}

// service reads the service column: customer/service.
func (t *table) service() string {
	s := t.need("service")
	if c, sv, ok := strings.Cut(s, "/"); s != "" && (!ok || c == "" || sv == "" || strings.Contains(sv, "/")) {
		t.fail("service", "%q: want customer/service as in the contract", s)
	}
	return s
}

// notBefore checks that time a, when set, is not before b.
func (t *table) notBefore(colA string, a time.Time, colB string, b time.Time) {
	if !a.IsZero() && !b.IsZero() && a.Before(b) {
		t.fail(colA, "%s is before %s %s", a.Format(time.RFC3339), colB, b.Format(time.RFC3339))
	}
}

// unique checks an id is not repeated in the file.
func (t *table) unique(ids map[string]int, id string) {
	if id == "" {
		return
	}
	if first, ok := ids[id]; ok {
		t.fail("id", "%q repeats the id of line %d", id, first)
		return
	}
	ids[id] = t.line
}

// OpenTickets, OpenEvents and OpenClaims read the named file.
func OpenTickets(path string, loc *time.Location) ([]Ticket, error) {
	return openWith(path, loc, ReadTickets)
}

// OpenEvents reads the events file at path.
func OpenEvents(path string, loc *time.Location) ([]Event, error) {
	return openWith(path, loc, ReadEvents)
}

// OpenClaims reads the claims file at path.
func OpenClaims(path string, loc *time.Location) ([]Claim, error) {
	return openWith(path, loc, ReadClaims)
}

func openWith[T any](path string, loc *time.Location, read func(io.Reader, string, *time.Location) ([]T, error)) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return read(f, path, loc)
}
