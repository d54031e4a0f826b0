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
	_, err := s.docExec(ctx, d, `INSERT INTO docs (customer, kind, id, body, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (customer, kind, id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
		d.Customer, d.Kind, d.ID, string(d.Body), s.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("store: put %s %s/%s: %w", d.Kind, d.Customer, d.ID, err)
	}
	return nil
}

// AddDoc stores d unless a document of the same customer, kind and ID
// exists, and reports whether it stored it.
func (s *Store) AddDoc(ctx context.Context, d Doc) (bool, error) {
	n, err := s.docExec(ctx, d, `INSERT INTO docs (customer, kind, id, body, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (customer, kind, id) DO NOTHING`,
		d.Customer, d.Kind, d.ID, string(d.Body), s.now().UnixMilli())
	if err != nil {
		return false, fmt.Errorf("store: add %s %s/%s: %w", d.Kind, d.Customer, d.ID, err)
	}
	return n == 1, nil
}

// docExec runs one statement writing document d and returns the rows it
// changed; when changes are recorded, a change of d goes into the feed
// in the same transaction.
func (s *Store) docExec(ctx context.Context, d Doc, q string, args ...any) (int64, error) {
	if s.replica == "" {
		res, err := s.wdb.ExecContext(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return s.note(ctx, tx, Change{Kind: d.Kind, Customer: d.Customer, ID: d.ID})
	})
	return n, err
}

// tx runs fn in a write transaction (without the chunks' lock) and
// commits it if fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// UpdateDoc changes one document in a transaction that locks it: fn gets
// its body and returns the new one, and no other writer, in this process
// or another replica's, changes the document in between. fn returning
// an error leaves the document as it was; an absent document is
// ErrNotFound.
func (s *Store) UpdateDoc(ctx context.Context, customer, kind, id string, fn func(body []byte) ([]byte, error)) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var body string
		err := tx.QueryRowContext(ctx, `SELECT body FROM docs WHERE customer = $1 AND kind = $2 AND id = $3`+s.dialect.forUpdate,
			customer, kind, id).Scan(&body)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		b, err := fn([]byte(body))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE docs SET body = $1, updated_at = $2 WHERE customer = $3 AND kind = $4 AND id = $5`,
			string(b), s.now().UnixMilli(), customer, kind, id); err != nil {
			return err
		}
		return s.note(ctx, tx, Change{Kind: kind, Customer: customer, ID: id})
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("store: update %s %s/%s: %w", kind, customer, id, err)
	}
	return err
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
	d := Doc{Customer: customer, Kind: kind, ID: id}
	if _, err := s.docExec(ctx, d, `DELETE FROM docs WHERE customer = $1 AND kind = $2 AND id = $3`, customer, kind, id); err != nil {
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
	Expires  time.Time // zero: never
	Revoked  time.Time // zero: not revoked
}

// TokenIDLen is how many hex digits of a token's hash are its ID: what
// lists show and what revoking names, never the token itself.
const TokenIDLen = 16

// ID is the token's ID: the start of its hash.
func (t Token) ID() string { return t.Hash[:min(len(t.Hash), TokenIDLen)] }

// Valid reports whether the token may be used at now: not revoked, not
// expired.
func (t Token) Valid(now time.Time) bool {
	return t.Revoked.IsZero() && (t.Expires.IsZero() || now.Before(t.Expires))
}

// AddToken stores a token's hash and role.
func (s *Store) AddToken(ctx context.Context, t Token) error {
	_, err := s.wdb.ExecContext(ctx, `INSERT INTO tokens (hash, role, customer, agent, name, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.Hash, t.Role, t.Customer, t.Agent, t.Name, t.Created.Unix(), unixOrZero(t.Expires))
	if err != nil {
		return fmt.Errorf("store: add token %q: %w", t.Name, err)
	}
	return nil
}

const tokenColumns = `hash, role, customer, agent, name, created_at, expires_at, revoked_at`

// LookupToken returns the token with this hash, or ErrNotFound. A
// revoked or expired token is returned as it is: see Token.Valid.
func (s *Store) LookupToken(ctx context.Context, hash string) (Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = $1`, hash)
	if err != nil {
		return Token{Hash: hash}, fmt.Errorf("store: look up token: %w", err)
	}
	ts, err := scanTokens(rows)
	if err != nil {
		return Token{Hash: hash}, fmt.Errorf("store: look up token: %w", err)
	}
	if len(ts) == 0 {
		return Token{Hash: hash}, ErrNotFound
	}
	return ts[0], nil
}

// Tokens lists every token, revoked and expired ones included, by
// creation time.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at, hash`)
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	ts, err := scanTokens(rows)
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	return ts, nil
}

func scanTokens(rows *sql.Rows) ([]Token, error) {
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var created, expires, revoked int64
		if err := rows.Scan(&t.Hash, &t.Role, &t.Customer, &t.Agent, &t.Name, &created, &expires, &revoked); err != nil {
			return nil, err
		}
		t.Created, t.Expires, t.Revoked = time.Unix(created, 0), timeOrZero(expires), timeOrZero(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes the token whose ID (see Token.ID) is id, at at,
// and returns it; ErrNotFound when no token has that ID. Revoking twice
// keeps the first time.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) (Token, error) {
	if len(id) != TokenIDLen {
		return Token{}, ErrNotFound
	}
	res, err := s.wdb.ExecContext(ctx, `UPDATE tokens SET revoked_at = $1 WHERE substr(hash, 1, $2) = $3 AND revoked_at = 0`,
		at.Unix(), TokenIDLen, id)
	if err != nil {
		return Token{}, fmt.Errorf("store: revoke token %s: %w", id, err)
	}
	if _, err := res.RowsAffected(); err != nil {
		return Token{}, fmt.Errorf("store: revoke token %s: %w", id, err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE substr(hash, 1, $1) = $2`, TokenIDLen, id)
	if err != nil {
		return Token{}, fmt.Errorf("store: revoke token %s: %w", id, err)
	}
	ts, err := scanTokens(rows)
	if err != nil {
		return Token{}, fmt.Errorf("store: revoke token %s: %w", id, err)
	}
	if len(ts) == 0 {
		return Token{}, ErrNotFound
	}
	return ts[0], nil
}

// ExpireToken sets when the token whose ID is id expires.
func (s *Store) ExpireToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.wdb.ExecContext(ctx, `UPDATE tokens SET expires_at = $1 WHERE substr(hash, 1, $2) = $3`, at.Unix(), TokenIDLen, id)
	if err != nil {
		return fmt.Errorf("store: expire token %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err == nil {
			err = ErrNotFound
		}
		return err
	}
	return nil
}

// CountTokens counts the valid tokens of a role at now.
func (s *Store) CountTokens(ctx context.Context, role string, now time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tokens WHERE role = $1 AND revoked_at = 0 AND (expires_at = 0 OR expires_at > $2)`,
		role, now.Unix()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count tokens: %w", err)
	}
	return n, nil
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func timeOrZero(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0)
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }
