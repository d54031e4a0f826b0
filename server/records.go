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

// validate checks a customer's records with one changed or added, as the
// report will read them: the file format, and that each names a service
// and carries what its levels need.
func (s *Server) validate(ctx context.Context, customer string, b *contract.Bound, k recordKind, r record) error {
	if err := k.check(r); err != nil {
		return err
	}
	rs, err := listDocs[record](ctx, s.st, customer, k.doc)
	if err != nil {
		return err
	}
	rs = slices.DeleteFunc(rs, func(x record) bool { return x["id"] == r["id"] })
	rs = append([]record{r}, rs...) // line 2 of the file

	data := bytes.NewReader(k.csv(customer, rs))
	file := k.doc + " " + r["id"]
	var (
		tickets []ticket.Ticket
		events  []ticket.Event
		claims  []ticket.Claim
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
