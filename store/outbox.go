package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Outbox states.
const (
	Pending = "pending"
	Sent    = "sent"
	Failed  = "failed"
)

// Send is one notice to deliver on one channel: a row of the outbox.
type Send struct {
	ID       string // the notice's ID and the channel's name: unique
	Customer string
	Notice   []byte // JSON
	Channel  string
	State    string
	Attempts int
	NextAt   time.Time
	SentAt   time.Time // zero until sent
	Error    string    // the last failure
}

// Enqueue adds sends to the outbox in one transaction; a send whose ID is
// already there (a notice queued before a restart) is left as it is. It
// returns how many were new.
func (s *Store) Enqueue(ctx context.Context, sends []Send) (int, error) {
	n := 0
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		for _, x := range sends {
			res, err := tx.ExecContext(ctx, `INSERT INTO outbox (id, customer, notice, channel, state, attempts, next_at)
				VALUES ($1, $2, $3, $4, $5, 0, $6) ON CONFLICT (id) DO NOTHING`,
				x.ID, x.Customer, string(x.Notice), x.Channel, Pending, x.NextAt.UnixMilli())
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += int(k)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: enqueue notices: %w", err)
	}
	return n, nil
}

// Claim takes up to limit pending sends whose time has come, the oldest
// first, for owner, and holds them for lease: their next attempt moves
// to now+lease, so that no other replica (and no later call) takes them
// meanwhile. The owner settles each (Settle) before the lease ends; a
// send whose owner died is taken again once it has. On PostgreSQL the
// rows another replica is claiming at the same moment are passed over.
func (s *Store) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]Send, error) {
	rows, err := s.wdb.QueryContext(ctx, `UPDATE outbox SET next_at = $1, claimed_by = $2 WHERE id IN
		(SELECT id FROM outbox WHERE state = $3 AND next_at <= $4 ORDER BY next_at, id LIMIT $5`+s.dialect.skipLocked+`)
		RETURNING id, customer, notice, channel, state, attempts, next_at, sent_at, last_error`,
		now.Add(lease).UnixMilli(), owner, Pending, now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim notices: %w", err)
	}
	out, err := scanSends(rows)
	if err != nil {
		return nil, fmt.Errorf("store: claim notices: %w", err)
	}
	slices.SortFunc(out, func(a, b Send) int {
		return cmp.Or(a.NextAt.Compare(b.NextAt), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Unclaim gives up owner's claim of a send not attempted to the end (a
// shutdown): it is due again at now, for any replica.
func (s *Store) Unclaim(ctx context.Context, id, owner string, now time.Time) error {
	_, err := s.wdb.ExecContext(ctx, `UPDATE outbox SET next_at = $1, claimed_by = '' WHERE id = $2 AND claimed_by = $3 AND state = $4`,
		now.UnixMilli(), id, owner, Pending)
	if err != nil {
		return fmt.Errorf("store: unclaim notice %s: %w", id, err)
	}
	return nil
}

// Sends returns a customer's sends ("" for all), by ID.
func (s *Store) Sends(ctx context.Context, customer string) ([]Send, error) {
	if customer == "" {
		return s.sends(ctx, `ORDER BY id`)
	}
	return s.sends(ctx, `WHERE customer = $1 ORDER BY id`, customer)
}

func (s *Store) sends(ctx context.Context, where string, args ...any) ([]Send, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, customer, notice, channel, state, attempts, next_at, sent_at, last_error FROM outbox `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	out, err := scanSends(rows)
	if err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	return out, nil
}

func scanSends(rows *sql.Rows) ([]Send, error) {
	defer rows.Close()
	var out []Send
	for rows.Next() {
		var x Send
		var notice string
		var next, sent int64
		if err := rows.Scan(&x.ID, &x.Customer, &notice, &x.Channel, &x.State, &x.Attempts, &next, &sent, &x.Error); err != nil {
			return nil, err
		}
		x.Notice, x.NextAt = []byte(notice), time.UnixMilli(next)
		if sent != 0 {
			x.SentAt = time.UnixMilli(sent)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Settle records the outcome of an attempt at a send: state Sent with
// the time it went, Pending with the time of the next attempt, or Failed.
func (s *Store) Settle(ctx context.Context, id, state string, at time.Time, errText string) error {
	q := `UPDATE outbox SET state = $1, attempts = attempts + 1, next_at = $2, last_error = $3, claimed_by = '' WHERE id = $4`
	if state == Sent {
		q = `UPDATE outbox SET state = $1, attempts = attempts + 1, sent_at = $2, last_error = $3, claimed_by = '' WHERE id = $4`
	}
	if _, err := s.wdb.ExecContext(ctx, q, state, at.UnixMilli(), errText, id); err != nil {
		return fmt.Errorf("store: settle notice %s: %w", id, err)
	}
	return nil
}

// CountSends counts the outbox's sends in a state.
func (s *Store) CountSends(ctx context.Context, state string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE state = $1`, state).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count sends: %w", err)
	}
	return n, nil
}
