// Package docs holds what `slawatch serve` stores as documents: the
// customers and their contacts, contracts and exclusions, series
// assignments, tickets, events and claims, outages and incidents, and the
// typed reads and writes of them. Who may read or write each is the API's
// business; what each is, and its checks, are here, so that every part
// of the server (judging, incidents, notices, replicas) agrees on them.
package docs

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/store"
	"github.com/slawatch/slawatch/ticket"
)

// Document kinds in the store.
const (
	KindCustomer  = "customer"
	KindContract  = "contract"
	KindExclusion = "exclusion" // maintenance windows are exclusions of kind maintenance
	KindTicket    = "ticket"
	KindEvent     = "event"
	KindClaim     = "claim"
	KindOutage    = "outage"
	KindIncident  = "incident"
	KindReport    = "report"
	KindRevision  = "revision"
	KindSeries    = "series"
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

// Bind parses a customer's contract YAML, adds the API's exclusions and
// binds it to the catalog. The contract must hold exactly this customer.
func Bind(cat *catalog.Catalog, customer string, yaml []byte, excl []Exclusion) (*contract.Bound, error) {
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
	b, err := ct.Bind(cat)
	if err != nil {
		return nil, slawatch.Errorf(slawatch.EINVALID, "%v", err)
	}
	return b, nil
}

// LoadBound reads a customer's contract and exclusions from the store and
// binds them; nil when the customer has no contract yet.
func LoadBound(ctx context.Context, st *store.Store, cat *catalog.Catalog, customer string) (*contract.Bound, error) {
	d, err := st.GetDoc(ctx, customer, KindContract, "current")
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	excl, err := List[Exclusion](ctx, st, customer, KindExclusion)
	if err != nil {
		return nil, err
	}
	return Bind(cat, customer, d.Body, excl)
}

// List decodes a customer's documents of one kind.
func List[T any](ctx context.Context, st *store.Store, customer, kind string) ([]T, error) {
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

// Get decodes one document.
func Get[T any](ctx context.Context, st *store.Store, customer, kind, id string) (T, error) {
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

// Put encodes and stores one document.
func Put(ctx context.Context, st *store.Store, customer, kind, id string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return st.PutDoc(ctx, store.Doc{Customer: customer, Kind: kind, ID: id, Body: b})
}

// Update changes one document in a transaction (store.UpdateDoc):
// fn changes v and reports whether it changed anything.
func Update[T any](ctx context.Context, st *store.Store, customer, kind, id string, fn func(v *T) bool) error {
	return st.UpdateDoc(ctx, customer, kind, id, func(body []byte) ([]byte, error) {
		var v T
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, fmt.Errorf("store: %s %s/%s: %w", kind, customer, id, err)
		}
		if !fn(&v) {
			return body, nil
		}
		return json.Marshal(v)
	})
}

// FmtMinute prints a Unix minute in loc.
func FmtMinute(m int64, loc *time.Location) string {
	return time.Unix(m*60, 0).In(loc).Format(time.RFC3339)
}

// Series is the tenancy of measurements: a series (the name an agent
// gives a target's minute records) belongs to one customer, and only the
// agents the operator names may deliver it. A customer's contract can
// bind only its own series, and the server reads a series' records only
// from its agents and its retired agents, so no tenant and no agent can
// read, write or dilute another customer's measurements.
//
// A series of no customer (Customer "") is the provider's own, shared:
// the IIJ backbone's paths, whose monthly average every customer's
// contract may bind and the provider publishes. Only the operator
// assigns series, shared or not; a customer token may list its own and
// the shared ones its contract binds, not change them. They are stored as documents of kind "series" under no
// customer (customer ""), keyed by the series name, which is therefore
// unique across customers.
type Series struct {
	Name     string `json:"name"`
	Customer string `json:"customer"`
	// Agents may deliver the series' records.
	Agents []string `json:"agents"`
	// Retired agents delivered it once: their stored records still count,
	// and they may deliver no more (an agent replaced mid-month keeps its
	// part of the month).
	Retired     []string `json:"retired_agents,omitempty"`
	Description string   `json:"description,omitempty"`
}

// MaxSeriesAgents bounds a series' agents and retired agents.
const MaxSeriesAgents = 64

// Measures reports whether agent's stored records of the series count.
func (x *Series) Measures(agent string) bool {
	return slices.Contains(x.Agents, agent) || slices.Contains(x.Retired, agent)
}

// Check checks a series assignment as given to the API.
func (x *Series) Check() error {
	if why := CheckSeriesName(x.Name); why != "" {
		return slawatch.Errorf(slawatch.EINVALID, "name %q: %s", x.Name, why)
	}
	if len(x.Agents)+len(x.Retired) > MaxSeriesAgents {
		return slawatch.Errorf(slawatch.EINVALID, "agents: more than %d agents and retired agents", MaxSeriesAgents)
	}
	seen := map[string]bool{}
	for _, list := range []struct {
		field  string
		agents []string
	}{{"agents", x.Agents}, {"retired_agents", x.Retired}} {
		for i, a := range list.agents {
			if why := CheckID(a); why != "" {
				return slawatch.Errorf(slawatch.EINVALID, "%s[%d] %q: %s", list.field, i, a, why)
			}
			if seen[a] {
				return slawatch.Errorf(slawatch.EINVALID, "%s[%d] %q: listed twice", list.field, i, a)
			}
			seen[a] = true
		}
	}
	if len(x.Description) > 1024 {
		return slawatch.Errorf(slawatch.EINVALID, "description: longer than 1024 bytes")
	}
	return nil
}

// CheckSeriesName checks a series name as the store would take it.
func CheckSeriesName(name string) string {
	switch {
	case name == "":
		return "empty"
	case len(name) > 255:
		return "longer than 255 bytes"
	}
	for _, c := range name {
		if c <= ' ' || c == 0x7f || c == ',' || c == '"' {
			return fmt.Sprintf("character %q: no spaces, control characters, commas or quotes", c)
		}
	}
	return ""
}

// LoadSeries reads every series assignment.
func LoadSeries(ctx context.Context, st *store.Store) (map[string]*Series, error) {
	xs, err := List[Series](ctx, st, "", KindSeries)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*Series, len(xs))
	for i := range xs {
		out[xs[i].Name] = &xs[i]
	}
	return out, nil
}

// ListSome joins up to n quoted items, saying how many more there are.
func ListSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

// IsAre is the verb for n things.
func IsAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// Outage is one outage the server detected, as stored and listed by the
// API: when the rule detected it, when the notice went, and whether that
// met the level's deadline.
type Outage struct {
	ID       string     `json:"id"`
	Service  string     `json:"service"`
	Site     string     `json:"site,omitempty"`
	Level    string     `json:"level"`
	Incident string     `json:"incident"`
	Start    time.Time  `json:"start"`
	Detected time.Time  `json:"detected"`     // the end of the minute that made the run long enough
	Judged   time.Time  `json:"evaluated_at"` // when the server judged that minute
	End      *time.Time `json:"end,omitempty"`
	Deadline time.Time  `json:"notify_by"`
	Notice   string     `json:"notice"`
	// Via is the channel the level's SLA requires the notice on (email,
	// fax, webhook; "" any): only its delivery sets NotifiedAt.
	Via string `json:"notify_via,omitempty"`
	// Sent is when each channel first delivered the notice.
	Sent map[string]time.Time `json:"sent,omitempty"`
	// Queued is set once the notice is in the outbox; a restart finding
	// it unset queues the notice again (under the same ID, so once).
	Queued     bool       `json:"queued"`
	NotifiedAt *time.Time `json:"notified_at,omitempty"`
	Met        *bool      `json:"deadline_met,omitempty"`
}

// Incident groups outages of one customer and level detected together.
type Incident struct {
	ID            string     `json:"id"`
	Level         string     `json:"level"`
	Outages       []string   `json:"outages"`
	FirstDetected time.Time  `json:"first_detected"`
	Closed        *time.Time `json:"closed,omitempty"`
	// Recovered is set once the recovery notice is queued.
	Recovered bool `json:"recovery_queued"`
}

// OutageID names an outage of a service's level by its first minute.
func OutageID(svc, level string, start int64) string {
	return fmt.Sprintf("%s/%s/%d", svc, level, start)
}

// Record is a ticket, event or claim as the API takes it: the columns of
// the CSV files `evaluate` reads (docs/tickets.md), as JSON strings, with
// service being one of the customer's service IDs. Keeping the file's
// form means one parser checks both, and `evaluate` on an export gives the
// numbers the server gives.
type Record map[string]string

// RecordKind describes one kind of record.
type RecordKind struct {
	Doc  string   // document kind
	Cols []string // the CSV columns
}

var (
	TicketKind = RecordKind{KindTicket, ticket.TicketColumns}
	EventKind  = RecordKind{KindEvent, ticket.EventColumns}
	ClaimKind  = RecordKind{KindClaim, ticket.ClaimColumns}
)

// Check refuses fields the kind does not have.
func (k RecordKind) Check(r Record) error {
	for f := range r {
		if !slices.Contains(k.Cols, f) {
			return slawatch.Errorf(slawatch.EINVALID, "%s: unknown field %q (fields: %v)", k.Doc, f, k.Cols)
		}
	}
	if r["id"] == "" {
		return slawatch.Errorf(slawatch.EINVALID, "%s: id: required", k.Doc)
	}
	if why := CheckID(r["id"]); why != "" {
		return slawatch.Errorf(slawatch.EINVALID, "%s: id %q: %s", k.Doc, r["id"], why)
	}
	return nil
}

// CSV writes records as the kind's CSV file, prefixing services with
// the customer.
func (k RecordKind) CSV(customer string, rs []Record) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(k.Cols)
	row := make([]string, len(k.Cols))
	for _, r := range rs {
		for i, c := range k.Cols {
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

// Records are a customer's tickets, events and claims, parsed. A kind
// with no record is nil (not given), except that events are given (and
// empty) once the server has detected an outage: its notices are events,
// and an outage without one is a missed notice.
type Records struct {
	Tickets []ticket.Ticket
	Events  []ticket.Event
	Claims  []ticket.Claim
}

// LoadRecords reads and parses a customer's records.
func LoadRecords(ctx context.Context, st *store.Store, customer string, b *contract.Bound) (Records, error) {
	var out Records
	var err error
	read := func(k RecordKind, parse func(io.Reader, string, *time.Location) error) {
		if err != nil {
			return
		}
		var rs []Record
		if rs, err = List[Record](ctx, st, customer, k.Doc); err != nil {
			return
		}
		if len(rs) == 0 {
			return
		}
		err = parse(bytes.NewReader(k.CSV(customer, rs)), "stored "+k.Doc+"s of "+customer, b.Location)
	}
	read(TicketKind, func(r io.Reader, f string, loc *time.Location) (e error) {
		out.Tickets, e = ticket.ReadTickets(r, f, loc)
		return e
	})
	read(EventKind, func(r io.Reader, f string, loc *time.Location) (e error) {
		out.Events, e = ticket.ReadEvents(r, f, loc)
		return e
	})
	read(ClaimKind, func(r io.Reader, f string, loc *time.Location) (e error) {
		out.Claims, e = ticket.ReadClaims(r, f, loc)
		return e
	})
	if err != nil {
		return out, err
	}
	if out.Events == nil {
		os, err := st.ListDocs(ctx, customer, KindOutage)
		if err != nil {
			return out, err
		}
		if len(os) > 0 {
			out.Events = []ticket.Event{}
		}
	}
	return out, nil
}

// Finish gives a copy of a month's evaluator the customer's records and
// finishes it: the month's report, in its JSON rendering (what the API
// returns and revisions keep).
func Finish(ctx context.Context, st *store.Store, customer string, b *contract.Bound, ev *engine.Evaluator) (*report.Report, error) {
	rs, err := LoadRecords(ctx, st, customer, b)
	if err != nil {
		return nil, err
	}
	if err := ev.SetRecords(rs.Tickets, rs.Events, rs.Claims); err != nil {
		return nil, err
	}
	rep, err := ev.Finish()
	if err != nil {
		return nil, err
	}
	rep.Contract = "contract of " + customer
	return report.JSON(rep), nil
}

// Limits of the records a customer stores: so that one customer cannot
// fill the database, nor make every write slow for the others.
const (
	MaxRecordsPerKind = 100_000  // tickets, events or claims of one customer
	MaxFieldBytes     = 4 << 10  // a field
	MaxTextBytes      = 16 << 10 // note, description, tickets, attempts
)

// TextFields may be longer than other fields.
var TextFields = []string{"note", "description", "tickets", "attempts"}

// CheckRecordSize refuses a record with a field too long.
func CheckRecordSize(k RecordKind, r Record) error {
	for f, v := range r {
		limit := MaxFieldBytes
		if slices.Contains(TextFields, f) {
			limit = MaxTextBytes
		}
		if len(v) > limit {
			return slawatch.Errorf(slawatch.EINVALID, "%s: %s: %d bytes, more than %d", k.Doc, f, len(v), limit)
		}
	}
	return nil
}

// CustomerFields are what a customer token may give of a record: the
// provider answers tickets and confirms claims, and the server dates
// what a customer opens or submits, so that nothing a customer writes
// moves a timer or a fee.
var CustomerFields = map[string][]string{
	KindTicket: {"id", "service", "kind", "channel", "timezone", "note"},
	KindClaim:  {"id", "service", "level", "ref", "timezone", "description", "duration", "tickets", "attempts"},
}

// CustomerRecord refuses the fields of a record a customer may not set.
func CustomerRecord(k RecordKind, r Record) error {
	allowed := CustomerFields[k.Doc]
	for f := range r {
		if !slices.Contains(allowed, f) {
			return slawatch.Errorf(slawatch.EINVALID, "%s: %s: set by the provider, not by a customer token (a customer may give %v)", k.Doc, f, allowed)
		}
	}
	return nil
}

// CheckID checks an identifier from a path or body: a customer, ticket or
// agent ID.
func CheckID(id string) string {
	switch {
	case id == "":
		return "empty"
	case len(id) > 128:
		return "longer than 128 bytes"
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.:@", c)) {
			return fmt.Sprintf("character %q: use letters, digits and - _ . : @", c)
		}
	}
	return ""
}

// Webhook secrets are stored sealed with AES-256-GCM under
// Config.SecretKey, so that a copy of the database (a backup, a dump, a
// replica's disk) does not carry them in clear. Every replica needs the
// same key.

// SealedPrefix marks a sealed value: the prefix, then base64 of the
// nonce and the ciphertext.
const SealedPrefix = "enc:v1:"

// Sealer seals and opens secrets; a nil sealer keeps them as they are
// (a server configured without a key).
type Sealer struct{ aead cipher.AEAD }

// NewSealer makes a Sealer of a 32-byte key; nil for none.
func NewSealer(key []byte) (*Sealer, error) {
	if key == nil {
		return nil, nil
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("server: secret key: %d bytes, want 32 (AES-256)", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead}, nil
}

// Seal seals a secret.
func (z *Sealer) Seal(plain string) string {
	if z == nil || plain == "" || strings.HasPrefix(plain, SealedPrefix) {
		return plain
	}
	nonce := make([]byte, z.aead.NonceSize())
	rand.Read(nonce)
	return SealedPrefix + base64.RawStdEncoding.EncodeToString(z.aead.Seal(nonce, nonce, []byte(plain), []byte("webhook-secret")))
}

// Open returns a sealed value's secret; a value stored before secrets
// were sealed is returned as it is.
func (z *Sealer) Open(v string) (string, error) {
	rest, ok := strings.CutPrefix(v, SealedPrefix)
	if !ok {
		return v, nil
	}
	if z == nil {
		return "", errors.New("the webhook secret is sealed and this server has no secret key (--secret-key-file)")
	}
	b, err := base64.RawStdEncoding.DecodeString(rest)
	n := z.aead.NonceSize()
	if err != nil || len(b) < n {
		return "", errors.New("the sealed webhook secret is damaged")
	}
	plain, err := z.aead.Open(nil, b[:n], b[n:], []byte("webhook-secret"))
	if err != nil {
		return "", errors.New("the webhook secret was sealed with another key: every replica needs the same --secret-key-file")
	}
	return string(plain), nil
}

// Sealed returns c with its webhook secret sealed, for storing.
func (z *Sealer) Sealed(c Customer) Customer {
	if wh := c.Contacts.Webhook; wh != nil {
		x := *wh
		x.Secret = z.Seal(x.Secret)
		c.Contacts.Webhook = &x
	}
	return c
}

// CustomerWithSecrets reads a customer with its webhook secret opened:
// for sending notices, never for showing.
func (z *Sealer) CustomerWithSecrets(ctx context.Context, st *store.Store, id string) (Customer, error) {
	c, err := Get[Customer](ctx, st, id, KindCustomer, id)
	if err != nil {
		return c, err
	}
	if wh := c.Contacts.Webhook; wh != nil {
		x := *wh
		if x.Secret, err = z.Open(x.Secret); err != nil {
			return c, fmt.Errorf("customer %s: %w", id, err)
		}
		c.Contacts.Webhook = &x
	}
	return c, nil
}
