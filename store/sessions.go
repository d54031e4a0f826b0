package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session is a web portal session as stored: the hash of its ID, the
// token it acts with, and its anti-forgery token.
type Session struct {
	Hash    string // hex SHA-256 of the session ID kept in the cookie
	Token   string // hash of the token signed in with
	CSRF    string
	Created time.Time
	Expires time.Time
}

// AddSession stores a session.
func (s *Store) AddSession(ctx context.Context, x Session) error {
	_, err := s.wdb.ExecContext(ctx, `INSERT INTO sessions (hash, token, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		x.Hash, x.Token, x.CSRF, x.Created.Unix(), x.Expires.Unix())
	if err != nil {
		return fmt.Errorf("store: add session: %w", err)
	}
	return nil
}

// LookupSession returns the session with this hash and the token it acts
// with, or ErrNotFound. An expired session, or one whose token is revoked
// or expired, is returned as it is: the caller checks both at its now.
func (s *Store) LookupSession(ctx context.Context, hash string) (Session, Token, error) {
	x := Session{Hash: hash}
	var created, expires int64
	err := s.db.QueryRowContext(ctx, `SELECT token, csrf, created_at, expires_at FROM sessions WHERE hash = $1`, hash).
		Scan(&x.Token, &x.CSRF, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return x, Token{}, ErrNotFound
	}
	if err != nil {
		return x, Token{}, fmt.Errorf("store: look up session: %w", err)
	}
	x.Created, x.Expires = time.Unix(created, 0), time.Unix(expires, 0)
	t, err := s.LookupToken(ctx, x.Token)
	return x, t, err
}

// DeleteSession ends a session; ending an absent one is no error.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.wdb.ExecContext(ctx, `DELETE FROM sessions WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// PruneSessions deletes the sessions expired before now and returns how
// many.
func (s *Store) PruneSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.wdb.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now.Unix())
	if err != nil {
		return 0, fmt.Errorf("store: prune sessions: %w", err)
	}
	return res.RowsAffected()
}
