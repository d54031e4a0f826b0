package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/slawatch/slawatch/server/docs"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/ticket"
)

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
	for _, k := range []recordKind{docs.TicketKind, docs.EventKind, docs.ClaimKind} {
		rs, err := docs.List[record](ctx, s.st, customer, k.Doc)
		if err != nil {
			return err
		}
		for _, r := range rs {
			ls, ok := levels[r["service"]]
			switch {
			case r["service"] == "":
			case !ok:
				bad = append(bad, fmt.Sprintf("%s %s (service %s)", k.Doc, r["id"], r["service"]))
			case r["level"] != "" && !slices.Contains(ls, r["level"]):
				bad = append(bad, fmt.Sprintf("%s %s (level %s of %s)", k.Doc, r["id"], r["level"], r["service"]))
			}
		}
	}
	if len(bad) > 0 {
		return slawatch.Errorf(slawatch.ECONFLICT, "contract of %s: would leave stored records naming what it lacks: %s", customer, docs.ListSome(bad, 10))
	}
	return nil
}

// validate checks one record, added or changed, as the report will read
// it: the file format, and that it names a service and carries what its
// levels need. Only this record is read and parsed, so a write costs the
// same however many records the customer has.
func (s *Server) validate(ctx context.Context, customer string, b *contract.Bound, k recordKind, r record) error {
	if err := k.Check(r); err != nil {
		return err
	}
	data := bytes.NewReader(k.CSV(customer, []record{r}))
	file := k.Doc + " " + r["id"]
	var (
		tickets []ticket.Ticket
		events  []ticket.Event
		claims  []ticket.Claim
		err     error
	)
	switch k.Doc {
	case docs.KindTicket:
		tickets, err = ticket.ReadTickets(data, file, b.Location)
	case docs.KindEvent:
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
