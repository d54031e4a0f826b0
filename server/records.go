package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/ticket"
)

// record is a ticket, event or claim as the API takes it: the columns of
// the CSV files `evaluate` reads (docs/tickets.md), as JSON strings, with
// service being one of the customer's service IDs. Keeping the file's
// form means one parser checks both, and `evaluate` on an export gives the
// numbers the server gives.
type record map[string]string

// recordKind describes one kind of record.
type recordKind struct {
	doc  string   // document kind
	cols []string // the CSV columns
}

var (
	ticketKind = recordKind{kindTicket, ticket.TicketColumns}
	eventKind  = recordKind{kindEvent, ticket.EventColumns}
	claimKind  = recordKind{kindClaim, ticket.ClaimColumns}
)

// check refuses fields the kind does not have.
func (k recordKind) check(r record) error {
	for f := range r {
		if !slices.Contains(k.cols, f) {
			return slawatch.Errorf(slawatch.EINVALID, "%s: unknown field %q (fields: %v)", k.doc, f, k.cols)
		}
	}
	if r["id"] == "" {
		return slawatch.Errorf(slawatch.EINVALID, "%s: id: required", k.doc)
	}
	if why := checkID(r["id"]); why != "" {
		return slawatch.Errorf(slawatch.EINVALID, "%s: id %q: %s", k.doc, r["id"], why)
	}
	return nil
}

// csv writes records as the kind's CSV file, prefixing services with
// the customer.
func (k recordKind) csv(customer string, rs []record) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(k.cols)
	row := make([]string, len(k.cols))
	for _, r := range rs {
		for i, c := range k.cols {
			row[i] = r[c]
			if c == "service" && row[i] != "" {
				row[i] = customer + "/" + row[i]
			}
		}
		w.Write(row)
	}
	w.Flush()
	return b.Bytes()
}

// records are a customer's tickets, events and claims, parsed. A kind
// with no record is nil (not given), except that events are given (and
// empty) once the server has detected an outage: its notices are events,
// and an outage without one is a missed notice.
type records struct {
	tickets []ticket.Ticket
	events  []ticket.Event
	claims  []ticket.Claim
}

func (s *Server) loadRecords(ctx context.Context, customer string, b *contract.Bound) (records, error) {
	var out records
	var err error
	read := func(k recordKind, parse func(io.Reader, string, *time.Location) error) {
		if err != nil {
			return
		}
		var rs []record
		if rs, err = listDocs[record](ctx, s.st, customer, k.doc); err != nil {
			return
		}
		if len(rs) == 0 {
			return
		}
		err = parse(bytes.NewReader(k.csv(customer, rs)), "stored "+k.doc+"s of "+customer, b.Location)
	}
	read(ticketKind, func(r io.Reader, f string, loc *time.Location) (e error) {
		out.tickets, e = ticket.ReadTickets(r, f, loc)
		return e
	})
	read(eventKind, func(r io.Reader, f string, loc *time.Location) (e error) {
		out.events, e = ticket.ReadEvents(r, f, loc)
		return e
	})
	read(claimKind, func(r io.Reader, f string, loc *time.Location) (e error) {
		out.claims, e = ticket.ReadClaims(r, f, loc)
		return e
	})
	if err != nil {
		return out, err
	}
	if out.events == nil {
		os, err := s.st.ListDocs(ctx, customer, kindOutage)
		if err != nil {
			return out, err
		}
		if len(os) > 0 {
			out.events = []ticket.Event{}
		}
	}
	return out, nil
}

// finish gives a copy of a month's evaluator the customer's records and
// finishes it: the month's report.
func (s *Server) finish(ctx context.Context, customer string, b *contract.Bound, ev *engine.Evaluator) (*engine.Report, error) {
	rs, err := s.loadRecords(ctx, customer, b)
	if err != nil {
		return nil, err
	}
	if err := ev.SetRecords(rs.tickets, rs.events, rs.claims); err != nil {
		return nil, err
	}
	rep, err := ev.Finish()
	if err != nil {
		return nil, err
	}
	rep.Contract = "contract of " + customer
	return rep, nil
}

// Limits of the records a customer stores: so that one customer cannot
// fill the database, nor make every write slow for the others.
const (
	maxRecordsPerKind = 100_000  // tickets, events or claims of one customer
	maxFieldBytes     = 4 << 10  // a field
	maxTextBytes      = 16 << 10 // note, description, tickets, attempts
)

// textFields may be longer than other fields.
var textFields = []string{"note", "description", "tickets", "attempts"}

// checkRecordSize refuses a record with a field too long.
func checkRecordSize(k recordKind, r record) error {
	for f, v := range r {
		limit := maxFieldBytes
		if slices.Contains(textFields, f) {
			limit = maxTextBytes
		}
		if len(v) > limit {
			return slawatch.Errorf(slawatch.EINVALID, "%s: %s: %d bytes, more than %d", k.doc, f, len(v), limit)
		}
	}
	return nil
}

// customerFields are what a customer token may give of a record: the
// provider answers tickets and confirms claims, and the server dates
// what a customer opens or submits, so that nothing a customer writes
// moves a timer or a fee.
var customerFields = map[string][]string{
	kindTicket: {"id", "service", "kind", "channel", "timezone", "note"},
	kindClaim:  {"id", "service", "level", "ref", "timezone", "description", "duration", "tickets", "attempts"},
}

// customerRecord refuses the fields of a record a customer may not set.
func customerRecord(k recordKind, r record) error {
	allowed := customerFields[k.doc]
	for f := range r {
		if !slices.Contains(allowed, f) {
			return slawatch.Errorf(slawatch.EINVALID, "%s: %s: set by the provider, not by a customer token (a customer may give %v)", k.doc, f, allowed)
		}
	}
	return nil
}

// checkOrphans refuses a contract under which stored tickets, events or
// claims of the customer would name a service or level it lacks.
func (s *Server) checkOrphans(ctx context.Context, customer string, b *contract.Bound) error {
	levels := map[string][]string{}
	for _, bs := range b.Services {
		for _, l := range bs.Levels {
			levels[bs.Service.ID] = append(levels[bs.Service.ID], l.Template.ID)
		}
		if levels[bs.Service.ID] == nil {
			levels[bs.Service.ID] = []string{}
		}
	}
	var bad []string
	for _, k := range []recordKind{ticketKind, eventKind, claimKind} {
		rs, err := listDocs[record](ctx, s.st, customer, k.doc)
		if err != nil {
			return err
		}
		for _, r := range rs {
			ls, ok := levels[r["service"]]
			switch {
			case r["service"] == "":
			case !ok:
				bad = append(bad, fmt.Sprintf("%s %s (service %s)", k.doc, r["id"], r["service"]))
			case r["level"] != "" && !slices.Contains(ls, r["level"]):
				bad = append(bad, fmt.Sprintf("%s %s (level %s of %s)", k.doc, r["id"], r["level"], r["service"]))
			}
		}
	}
	if len(bad) > 0 {
		return slawatch.Errorf(slawatch.ECONFLICT, "contract of %s: would leave stored records naming what it lacks: %s", customer, listSome(bad, 10))
	}
	return nil
}

// validate checks one record, added or changed, as the report will read
// it: the file format, and that it names a service and carries what its
// levels need. Only this record is read and parsed, so a write costs the
// same however many records the customer has.
func (s *Server) validate(ctx context.Context, customer string, b *contract.Bound, k recordKind, r record) error {
	if err := k.check(r); err != nil {
		return err
	}
	data := bytes.NewReader(k.csv(customer, []record{r}))
	file := k.doc + " " + r["id"]
	var (
		tickets []ticket.Ticket
		events  []ticket.Event
		claims  []ticket.Claim
		err     error
	)
	switch k.doc {
	case kindTicket:
		tickets, err = ticket.ReadTickets(data, file, b.Location)
	case kindEvent:
		events, err = ticket.ReadEvents(data, file, b.Location)
	default:
		claims, err = ticket.ReadClaims(data, file, b.Location)
	}
	var fe *slawatch.FieldError
	if errors.As(err, &fe) && fe.Line == 2 {
		return slawatch.Errorf(slawatch.EINVALID, "%s: %s: %s", file, fe.Field, fe.Msg)
	}
	if err != nil {
		return slawatch.Errorf(slawatch.EINVALID, "%v", err)
	}
	m, err := engine.ParseMonth(s.cfg.Now().In(b.Location).Format("2006-01"), b.Location)
	if err != nil {
		return err
	}
	ev, err := engine.New(b, m)
	if err != nil {
		return err
	}
	if err := ev.SetRecords(tickets, events, claims); err != nil {
		return slawatch.Errorf(slawatch.EINVALID, "%v", fmt.Sprint(err))
	}
	return nil
}
