package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Doc is one JSON document of a customer: the customer itself, its
// contract, a ticket, an outage... Kind and ID are the caller's.
type Doc struct {
	Customer, Kind, ID string
	Body               []byte
	Updated            time.Time
}

// ErrNotFound is returned for a document, token or notice that is absent.
var ErrNotFound = errors.New("store: not found")

// PutDoc stores d, replacing the document of the same customer, kind and
// ID; it is durable when PutDoc returns.
func (s *Store) PutDoc(ctx context.Context, d Doc) error {
	_, err := s.wdb.ExecContext(ctx, `INSERT INTO docs (customer, kind, id, body, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (customer, kind, id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
		d.Customer, d.Kind, d.ID, string(d.Body), time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("store: put %s %s/%s: %w", d.Kind, d.Customer, d.ID, err)
	}
	return nil
}

// AddDoc stores d unless a document of the same customer, kind and ID
// exists, and reports whether it stored it.
func (s *Store) AddDoc(ctx context.Context, d Doc) (bool, error) {
	res, err := s.wdb.ExecContext(ctx, `INSERT INTO docs (customer, kind, id, body, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (customer, kind, id) DO NOTHING`,
		d.Customer, d.Kind, d.ID, string(d.Body), time.Now().UnixMilli())
	if err != nil {
		return false, fmt.Errorf("store: add %s %s/%s: %w", d.Kind, d.Customer, d.ID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// GetDoc returns one document, or ErrNotFound.
func (s *Store) GetDoc(ctx context.Context, customer, kind, id string) (Doc, error) {
	d := Doc{Customer: customer, Kind: kind, ID: id}
	var body string
	var ms int64
	err := s.db.QueryRowContext(ctx, `SELECT body, updated_at FROM docs WHERE customer = $1 AND kind = $2 AND id = $3`,
		customer, kind, id).Scan(&body, &ms)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("store: get %s %s/%s: %w", kind, customer, id, err)
	}
	d.Body, d.Updated = []byte(body), time.UnixMilli(ms)
	return d, nil
}

// ListDocs returns a customer's documents of one kind, by ID; customer ""
// lists every customer's.
func (s *Store) ListDocs(ctx context.Context, customer, kind string) ([]Doc, error) {
	q := `SELECT customer, id, body, updated_at FROM docs WHERE kind = $1 AND customer = $2 ORDER BY customer, id`
	args := []any{kind, customer}
	if customer == "" {
		q, args = `SELECT customer, id, body, updated_at FROM docs WHERE kind = $1 ORDER BY customer, id`, args[:1]
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list %s of %q: %w", kind, customer, err)
	}
	defer rows.Close()
	var out []Doc
	for rows.Next() {
		d := Doc{Kind: kind}
		var body string
		var ms int64
		if err := rows.Scan(&d.Customer, &d.ID, &body, &ms); err != nil {
			return nil, fmt.Errorf("store: list %s of %q: %w", kind, customer, err)
		}
		d.Body, d.Updated = []byte(body), time.UnixMilli(ms)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeleteDoc deletes one document; deleting an absent one is no error.
func (s *Store) DeleteDoc(ctx context.Context, customer, kind, id string) error {
	if _, err := s.wdb.ExecContext(ctx, `DELETE FROM docs WHERE customer = $1 AND kind = $2 AND id = $3`, customer, kind, id); err != nil {
		return fmt.Errorf("store: delete %s %s/%s: %w", kind, customer, id, err)
	}
	return nil
}

// Token is an API or agent token as stored: its hash and what it may do.
type Token struct {
	Hash     string // hex SHA-256 of the token
	Role     string // operator, customer or agent
	Customer string // the customer a customer token is for
	Agent    string // the agent name an agent token delivers as
	Name     string
	Created  time.Time
}

// AddToken stores a token's hash and role.
func (s *Store) AddToken(ctx context.Context, t Token) error {
	_, err := s.wdb.ExecContext(ctx, `INSERT INTO tokens (hash, role, customer, agent, name, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.Hash, t.Role, t.Customer, t.Agent, t.Name, t.Created.Unix())
	if err != nil {
		return fmt.Errorf("store: add token %q: %w", t.Name, err)
	}
	return nil
}

// LookupToken returns the token with this hash, or ErrNotFound.
func (s *Store) LookupToken(ctx context.Context, hash string) (Token, error) {
	t := Token{Hash: hash}
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT role, customer, agent, name, created_at FROM tokens WHERE hash = $1`, hash).
		Scan(&t.Role, &t.Customer, &t.Agent, &t.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("store: look up token: %w", err)
	}
	t.Created = time.Unix(created, 0)
	return t, nil
}

// CountTokens counts the tokens of a role.
func (s *Store) CountTokens(ctx context.Context, role string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tokens WHERE role = $1`, role).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count tokens: %w", err)
	}
	return n, nil
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }
