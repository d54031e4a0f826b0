package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/slawatch/slawatch/server/auth"

	"github.com/slawatch/slawatch/server/docs"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/store"
)

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	cs, err := docs.List[Customer](r.Context(), s.st, "", docs.KindCustomer)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cs = slices.DeleteFunc(cs, func(c Customer) bool { return !p.CanSee(c.ID) })
	for i := range cs {
		cs[i] = redacted(cs[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"customers": nonNil(cs)})
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request) {
	var c Customer
	if err := readJSON(w, r, &c); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.checkCustomer(&c); err != nil {
		s.fail(w, r, err)
		return
	}
	b, _ := json.Marshal(s.secrets.Sealed(c))
	added, err := s.st.AddDoc(r.Context(), store.Doc{Customer: c.ID, Kind: docs.KindCustomer, ID: c.ID, Body: b})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !added {
		s.fail(w, r, slawatch.Errorf(slawatch.ECONFLICT, "customer %q exists", c.ID))
		return
	}
	writeJSON(w, http.StatusCreated, redacted(c))
}

// checkCustomer checks a customer's ID and contacts, and that the server
// can reach the contacts (an SMTP relay for email and fax).
func (s *Server) checkCustomer(c *Customer) error {
	if why := docs.CheckID(c.ID); why != "" {
		return slawatch.Errorf(slawatch.EINVALID, "id %q: %s", c.ID, why)
	}
	if len(c.Name) > 200 {
		return slawatch.Errorf(slawatch.EINVALID, "name: longer than 200 bytes")
	}
	if err := c.Contacts.Validate(); err != nil {
		return slawatch.Errorf(slawatch.EINVALID, "%v", err)
	}
	if err := s.cfg.Notify.ValidateContacts(c.Contacts); err != nil {
		return slawatch.Errorf(slawatch.EINVALID, "contacts: %v", err)
	}
	return nil
}

// getCustomer shows a customer; a webhook secret is never shown back.
func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) {
	c, err := docs.Get[Customer](r.Context(), s.st, r.PathValue("customer"), docs.KindCustomer, r.PathValue("customer"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, redacted(c))
}

// secretShown is what the API shows of a webhook secret.
const secretShown = "(set)"

// redacted hides a customer's webhook secret.
func redacted(c Customer) Customer {
	if c.Contacts.Webhook != nil {
		wh := *c.Contacts.Webhook
		wh.Secret = secretShown
		c.Contacts.Webhook = &wh
	}
	return c
}

// putCustomer changes a customer's name and contacts. Only an operator
// creates customers: a customer token may change its own.
func (s *Server) putCustomer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customer")
	var c Customer
	if err := readJSON(w, r, &c); err != nil {
		s.fail(w, r, err)
		return
	}
	if c.ID == "" {
		c.ID = id
	}
	if c.ID != id {
		s.fail(w, r, slawatch.Errorf(slawatch.EINVALID, "id %q: differs from the path's %q", c.ID, id))
		return
	}
	old, err := docs.Get[Customer](r.Context(), s.st, id, docs.KindCustomer, id)
	if err != nil {
		if principalOf(r).Role != auth.RoleOperator || !errors.Is(err, store.ErrNotFound) {
			s.fail(w, r, err)
			return
		}
	}
	// what GET shows of a webhook secret, sent back, keeps the secret
	if wh := c.Contacts.Webhook; wh != nil && wh.Secret == secretShown && old.Contacts.Webhook != nil {
		wh.Secret = old.Contacts.Webhook.Secret
	}
	if err := s.checkCustomer(&c); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := docs.Put(r.Context(), s.st, id, docs.KindCustomer, id, s.secrets.Sealed(c)); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, redacted(c))
}

func (s *Server) getContract(w http.ResponseWriter, r *http.Request) {
	d, err := s.st.GetDoc(r.Context(), r.PathValue("customer"), docs.KindContract, "current")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(d.Body)
}

// putContract takes the contract YAML `evaluate` reads, holding this
// customer only; it is checked against the catalog, stored, and the
// customer's open months are recomputed under it.
func (s *Server) putContract(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customer")
	ctx := r.Context()
	if _, err := s.st.GetDoc(ctx, id, docs.KindCustomer, id); err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := readBody(w, r, contract.MaxFileSize)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	excl, err := docs.List[Exclusion](ctx, s.st, id, docs.KindExclusion)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := docs.Bind(s.cat, id, body, excl)
	if err == nil {
		err = s.judge.CheckBinds(id, b.Series)
	}
	if err == nil {
		err = s.checkOrphans(ctx, id, b)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.st.PutDoc(ctx, store.Doc{Customer: id, Kind: docs.KindContract, ID: "current", Body: body}); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.judge.SetContract(ctx, id, b); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, servicesOf(b))
}

// serviceJSON is a service of a bound contract.
type serviceJSON struct {
	ID     string   `json:"id"`
	Site   string   `json:"site,omitempty"`
	Levels []string `json:"levels"`
	Series []string `json:"series"` // the series its levels are measured by
}

func servicesOf(b *contract.Bound) map[string]any {
	var out []serviceJSON
	for _, bs := range b.Services {
		sj := serviceJSON{ID: bs.Service.ID, Site: bs.Service.Site, Series: []string{}}
		for _, l := range bs.Levels {
			sj.Levels = append(sj.Levels, l.Template.ID)
			for _, xs := range l.Inputs {
				for _, i := range xs {
					if n := b.Series[i]; !slices.Contains(sj.Series, n) {
						sj.Series = append(sj.Series, n)
					}
				}
			}
		}
		slices.Sort(sj.Series)
		out = append(out, sj)
	}
	return map[string]any{"timezone": b.Timezone, "currency": b.Currency, "services": nonNil(out)}
}

func (s *Server) listServices(w http.ResponseWriter, r *http.Request) {
	b, err := s.bound(r.Context(), r.PathValue("customer"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, servicesOf(b))
}

// bound returns a customer's bound contract, or a not-found error.
func (s *Server) bound(ctx context.Context, id string) (*contract.Bound, error) {
	b, err := docs.LoadBound(ctx, s.st, s.cat, id)
	if err == nil && b == nil {
		err = slawatch.Errorf(slawatch.ENOTFOUND, "customer %q has no contract", id)
	}
	return b, err
}

// exclusionJSON is an exclusion with whether it counts, per level.
type exclusionJSON struct {
	Exclusion
	Applies []appliesJSON `json:"applies"`
}

type appliesJSON struct {
	Service string `json:"service"`
	Level   string `json:"level"`
	Applies bool   `json:"applies"`
	Why     string `json:"why,omitempty"`
}

// exclusionsJSON says, for each of the customer's API exclusions, whether
// it counts for each level it names.
func exclusionsJSON(b *contract.Bound, excl []Exclusion, maintenanceOnly bool) []exclusionJSON {
	n := len(b.Exclusions) - len(excl) // the contract file's own come first
	var out []exclusionJSON
	for i, x := range excl {
		if maintenanceOnly && x.Kind != "maintenance" {
			continue
		}
		ej := exclusionJSON{Exclusion: x, Applies: []appliesJSON{}}
		ce := &b.Exclusions[n+i]
		for _, bs := range b.Services {
			for _, l := range bs.Levels {
				for _, a := range l.Exclusions {
					if a.Exclusion == ce {
						ej.Applies = append(ej.Applies, appliesJSON{Service: bs.Service.ID, Level: l.Template.ID, Applies: a.Applies, Why: a.Why})
					}
				}
			}
		}
		out = append(out, ej)
	}
	return nonNil(out)
}

func (s *Server) listExclusions(maintenance bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("customer")
		b, err := s.bound(r.Context(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		excl, err := docs.List[Exclusion](r.Context(), s.st, id, docs.KindExclusion)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"exclusions": exclusionsJSON(b, excl, maintenance)})
	}
}

// addExclusion adds an exclusion, or (maintenance) announces a
// maintenance window: its announcement time is now, by the server's
// clock, so the provider's notice rule (Aryaka: 48 hours) decides whether
// it counts. The customer's open months are recomputed. With
// ?dry_run=true it only answers whether the window would count for each
// level (the portal's preview) and stores nothing.
func (s *Server) addExclusion(maintenance bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("customer")
		ctx := r.Context()
		var x Exclusion
		if err := readJSON(w, r, &x); err != nil {
			s.fail(w, r, err)
			return
		}
		if maintenance {
			if x.Kind != "" && x.Kind != "maintenance" {
				s.fail(w, r, slawatch.Errorf(slawatch.EINVALID, "kind %q: a maintenance window's kind is maintenance", x.Kind))
				return
			}
			if x.Announced != "" {
				s.fail(w, r, slawatch.Errorf(slawatch.EINVALID, "announced: set by the server when the window is announced"))
				return
			}
			x.Kind, x.Announced = "maintenance", s.cfg.Now().UTC().Format(time.RFC3339)
		}
		if x.ID == "" {
			x.ID = fmt.Sprintf("x-%d", s.cfg.Now().UnixNano())
		}
		if why := docs.CheckID(x.ID); why != "" {
			s.fail(w, r, slawatch.Errorf(slawatch.EINVALID, "id %q: %s", x.ID, why))
			return
		}
		d, err := s.st.GetDoc(ctx, id, docs.KindContract, "current")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		excl, err := docs.List[Exclusion](ctx, s.st, id, docs.KindExclusion)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if slices.ContainsFunc(excl, func(e Exclusion) bool { return e.ID == x.ID }) {
			s.fail(w, r, slawatch.Errorf(slawatch.ECONFLICT, "exclusion %q exists", x.ID))
			return
		}
		excl = append(excl, x)
		b, err := docs.Bind(s.cat, id, d.Body, excl)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if r.URL.Query().Get("dry_run") == "true" { // what it would do, stored nowhere
			writeJSON(w, http.StatusOK, exclusionsJSON(b, excl, false)[len(excl)-1])
			return
		}
		if err := docs.Put(ctx, s.st, id, docs.KindExclusion, x.ID, x); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := s.judge.SetContract(ctx, id, b); err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, exclusionsJSON(b, excl, false)[len(excl)-1])
	}
}

func (s *Server) deleteExclusion(w http.ResponseWriter, r *http.Request) {
	id, ctx := r.PathValue("customer"), r.Context()
	if _, err := s.st.GetDoc(ctx, id, docs.KindExclusion, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.st.DeleteDoc(ctx, id, docs.KindExclusion, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := s.bound(ctx, id)
	if err == nil {
		err = s.judge.SetContract(ctx, id, b)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listRecords(k recordKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rs, err := docs.List[record](r.Context(), s.st, r.PathValue("customer"), k.Doc)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{k.Doc + "s": nonNil(rs)})
	}
}

func (s *Server) getRecord(k recordKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec, err := docs.Get[record](r.Context(), s.st, r.PathValue("customer"), k.Doc, r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, rec)
	}
}

// addRecord opens a ticket, records an event or submits a claim. A
// ticket or claim without its time (opened, submitted) gets now.
func (s *Server) addRecord(k recordKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ctx := r.PathValue("customer"), r.Context()
		var rec record
		if err := readJSON(w, r, &rec); err != nil {
			s.fail(w, r, err)
			return
		}
		if rec == nil {
			s.fail(w, r, slawatch.Errorf(slawatch.EINVALID, "request body: null; want a JSON object"))
			return
		}
		if err := docs.CheckRecordSize(k, rec); err != nil {
			s.fail(w, r, err)
			return
		}
		if principalOf(r).Role == auth.RoleCustomer {
			if err := docs.CustomerRecord(k, rec); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		now := s.cfg.Now().UTC().Format(time.RFC3339)
		switch k.Doc {
		case docs.KindTicket:
			defaultTo(rec, "opened", now)
		case docs.KindClaim:
			defaultTo(rec, "submitted", now)
		}
		if _, err := s.st.GetDoc(ctx, id, k.Doc, rec["id"]); err == nil {
			s.fail(w, r, slawatch.Errorf(slawatch.ECONFLICT, "%s %q exists", k.Doc, rec["id"]))
			return
		}
		if n, err := s.st.CountDocs(ctx, id, k.Doc); err != nil {
			s.fail(w, r, err)
			return
		} else if n >= docs.MaxRecordsPerKind {
			s.fail(w, r, slawatch.Errorf(slawatch.ECONFLICT, "%s: customer %s has %d already, the most one customer may store", k.Doc, id, n))
			return
		}
		s.saveRecord(w, r, k, rec, http.StatusCreated)
	}
}

func defaultTo(r record, field, v string) {
	if r[field] == "" {
		r[field] = v
	}
}

// saveRecord checks and stores a record.
func (s *Server) saveRecord(w http.ResponseWriter, r *http.Request, k recordKind, rec record, status int) {
	id, ctx := r.PathValue("customer"), r.Context()
	b, err := s.bound(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.validate(ctx, id, b, k, rec); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := docs.Put(ctx, s.st, id, k.Doc, rec["id"], rec); err != nil {
		s.fail(w, r, err)
		return
	}
	s.judge.RecordsChanged(id, k.Doc+" "+rec["id"]+" changed")
	writeJSON(w, status, rec)
}

// recordTime records a ticket's response or resolution, or a claim's
// confirmation, at the time the body gives ({"at": "..."}) or now.
func (s *Server) recordTime(k recordKind, field string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			At string `json:"at"`
		}
		body, err := readBody(w, r, maxJSONBody)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(bytes.TrimSpace(body)) > 0 {
			if err := decodeJSON(body, &req); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		rec, err := docs.Get[record](r.Context(), s.st, r.PathValue("customer"), k.Doc, r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if rec[field] != "" {
			s.fail(w, r, slawatch.Errorf(slawatch.ECONFLICT, "%s %q: %s already at %s", k.Doc, rec["id"], field, rec[field]))
			return
		}
		rec[field] = req.At
		defaultTo(rec, field, s.cfg.Now().UTC().Format(time.RFC3339))
		s.saveRecord(w, r, k, rec, http.StatusOK)
	}
}

func (s *Server) listOutages(w http.ResponseWriter, r *http.Request) {
	os, err := s.outages(r.Context(), r.PathValue("customer"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"outages": nonNil(os)})
}

// noticeJSON is one send of a notice on one channel.
type noticeJSON struct {
	ID       string          `json:"id"`
	Channel  string          `json:"channel"`
	State    string          `json:"state"`
	Attempts int             `json:"attempts"`
	NextAt   *time.Time      `json:"next_attempt,omitempty"`
	SentAt   *time.Time      `json:"sent_at,omitempty"`
	Error    string          `json:"last_error,omitempty"`
	Notice   json.RawMessage `json:"notice"`
}

func (s *Server) listNotices(w http.ResponseWriter, r *http.Request) {
	sends, err := s.st.Sends(r.Context(), r.PathValue("customer"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]noticeJSON, len(sends))
	for i, x := range sends {
		out[i] = noticeJSON{ID: x.ID, Channel: x.Channel, State: x.State, Attempts: x.Attempts, Error: x.Error, Notice: x.Notice}
		if x.State == store.Pending {
			out[i].NextAt = &sends[i].NextAt
		}
		if !x.SentAt.IsZero() {
			out[i].SentAt = &sends[i].SentAt
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"notices": out})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// outages lists a customer's outages, the latest first.
func (s *Server) outages(ctx context.Context, customer string) ([]Outage, error) {
	os, err := docs.List[Outage](ctx, s.st, customer, docs.KindOutage)
	slices.SortFunc(os, func(a, b Outage) int { return b.Detected.Compare(a.Detected) })
	return os, err
}
