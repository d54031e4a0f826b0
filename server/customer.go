package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/store"
)

// Document kinds in the store.
const (
	kindCustomer  = "customer"
	kindContract  = "contract"
	kindExclusion = "exclusion" // maintenance windows are exclusions of kind maintenance
	kindTicket    = "ticket"
	kindEvent     = "event"
	kindClaim     = "claim"
	kindOutage    = "outage"
	kindIncident  = "incident"
	kindReport    = "report"
)

// Customer is a customer as the API shows it.
type Customer struct {
	ID       string          `json:"id"`
	Name     string          `json:"name,omitempty"`
	Contacts notify.Contacts `json:"contacts"`
}

// Exclusion is a window (or a list of tickets and events) the API adds
// to a customer's contract: a maintenance window announced through the
// API, or any exclusion kind the provider honours. It becomes one entry of
// the contract's exclusions, so the same rules (the 48-hour notice, the
// kinds each provider honours) decide whether it counts.
type Exclusion struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	Start     string   `json:"start,omitempty"`
	End       string   `json:"end,omitempty"`
	Announced string   `json:"announced,omitempty"`
	Reason    string   `json:"reason,omitempty"`
	Services  []string `json:"services,omitempty"` // service IDs of the customer; empty: all
	Items     []string `json:"items,omitempty"`
}

// bind parses a customer's contract YAML, adds the API's exclusions and
// binds it to the catalog. The contract must hold exactly this customer.
func (s *Server) bind(customer string, yaml []byte, excl []Exclusion) (*contract.Bound, error) {
	file := "contract of " + customer
	ct, err := contract.Parse(bytes.NewReader(yaml), file)
	if err != nil {
		return nil, slawatch.Errorf(slawatch.EINVALID, "%v", err)
	}
	if len(ct.Customers) != 1 || ct.Customers[0].ID != customer {
		ids := make([]string, len(ct.Customers))
		for i, c := range ct.Customers {
			ids[i] = c.ID
		}
		return nil, slawatch.Errorf(slawatch.EINVALID, "%s: customers: holds %q; a contract uploaded for customer %q must hold exactly that customer", file, ids, customer)
	}
	for _, x := range excl {
		e := contract.Exclusion{StartText: x.Start, EndText: x.End, AnnouncedText: x.Announced, Kind: x.Kind,
			Reason: x.Reason, Items: x.Items}
		for _, sv := range x.Services {
			e.Services = append(e.Services, customer+"/"+sv)
		}
		ct.Exclusions = append(ct.Exclusions, e)
	}
	b, err := ct.Bind(s.cat)
	if err != nil {
		return nil, slawatch.Errorf(slawatch.EINVALID, "%v", err)
	}
	return b, nil
}

// loadBound reads a customer's contract and exclusions from the store and
// binds them; nil when the customer has no contract yet.
func (s *Server) loadBound(ctx context.Context, customer string) (*contract.Bound, error) {
	d, err := s.st.GetDoc(ctx, customer, kindContract, "current")
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	excl, err := listDocs[Exclusion](ctx, s.st, customer, kindExclusion)
	if err != nil {
		return nil, err
	}
	return s.bind(customer, d.Body, excl)
}

// listDocs decodes a customer's documents of one kind.
func listDocs[T any](ctx context.Context, st *store.Store, customer, kind string) ([]T, error) {
	docs, err := st.ListDocs(ctx, customer, kind)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(docs))
	for i, d := range docs {
		if err := json.Unmarshal(d.Body, &out[i]); err != nil {
			return nil, fmt.Errorf("store: %s %s/%s: %w", kind, d.Customer, d.ID, err)
		}
	}
	return out, nil
}

// getDoc decodes one document.
func getDoc[T any](ctx context.Context, st *store.Store, customer, kind, id string) (T, error) {
	var v T
	d, err := st.GetDoc(ctx, customer, kind, id)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(d.Body, &v); err != nil {
		return v, fmt.Errorf("store: %s %s/%s: %w", kind, customer, id, err)
	}
	return v, nil
}

// putDoc encodes and stores one document.
func putDoc(ctx context.Context, st *store.Store, customer, kind, id string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return st.PutDoc(ctx, store.Doc{Customer: customer, Kind: kind, ID: id, Body: b})
}

// fmtMinute prints a Unix minute in loc.
func fmtMinute(m int64, loc *time.Location) string {
	return time.Unix(m*60, 0).In(loc).Format(time.RFC3339)
}
