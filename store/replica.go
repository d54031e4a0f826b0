package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Several servers may share one PostgreSQL database. Three things make
// them one system, all kept here so that they hold whichever server
// writes:
//
//   - leases: a row per thing only one replica may do at a time (judge a
//     customer's live minutes and write its incidents and reports), held
//     until a time and taken over once that time has passed;
//   - the change feed: once a replica names itself (RecordChanges),
//     every document it writes and every delivery of minutes it stores
//     also appends a row to the feed, in the same transaction, so that
//     the other replicas load what changed (Changes);
//   - outbox claims (Claim): a notice is sent by one replica at a time.

// Change is one row of the change feed: a document written or deleted,
// or an agent's delivery of minutes Lo to Hi.
type Change struct {
	Seq      int64
	Origin   string // the replica that wrote it
	Kind     string // a document kind, or KindMinutes
	Customer string
	ID       string
	Agent    string
	Lo, Hi   int64
	At       time.Time // the writer's clock
}

// KindMinutes is the kind of a Change that is a delivery of minutes.
const KindMinutes = "minutes"

// RecordChanges makes every later write of documents and minutes append
// to the change feed under the name of replica. Call it before the store
// is used by more than one goroutine.
func (s *Store) RecordChanges(replica string) { s.replica = replica }

// note appends c to the change feed in tx, when changes are recorded.
func (s *Store) note(ctx context.Context, tx *sql.Tx, c Change) error {
	if s.replica == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO changes (origin, kind, customer, id, agent, lo, hi, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		s.replica, c.Kind, c.Customer, c.ID, c.Agent, c.Lo, c.Hi, s.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("change feed: %w", err)
	}
	return nil
}

// Changes returns the feed's rows written at or after since, in order. A
// row commits some time after it is written, and sequence numbers commit
// out of order: a reader asks again for a window reaching back past its
// last poll and skips the rows it has seen, by Seq.
func (s *Store) Changes(ctx context.Context, since time.Time) ([]Change, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, origin, kind, customer, id, agent, lo, hi, at_ms FROM changes WHERE at_ms >= $1 ORDER BY seq`,
		since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("store: change feed: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var at int64
		if err := rows.Scan(&c.Seq, &c.Origin, &c.Kind, &c.Customer, &c.ID, &c.Agent, &c.Lo, &c.Hi, &at); err != nil {
			return nil, fmt.Errorf("store: change feed: %w", err)
		}
		c.At = time.UnixMilli(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// PruneChanges deletes the feed's rows written before t.
func (s *Store) PruneChanges(ctx context.Context, before time.Time) error {
	if _, err := s.wdb.ExecContext(ctx, `DELETE FROM changes WHERE at_ms < $1`, before.UnixMilli()); err != nil {
		return fmt.Errorf("store: prune the change feed: %w", err)
	}
	return nil
}

// Acquire gives lease name to owner until the time until, when it is
// free, expired at now, or owner's already, and reports whether owner
// holds it. It is one statement: two replicas racing for a free lease
// cannot both win.
func (s *Store) Acquire(ctx context.Context, name, owner string, now, until time.Time) (bool, error) {
	res, err := s.wdb.ExecContext(ctx, `INSERT INTO leases (name, owner, until_ms) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms
		WHERE leases.owner = excluded.owner OR leases.until_ms < $4`,
		name, owner, until.UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("store: acquire lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: acquire lease %s: %w", name, err)
	}
	return n == 1, nil
}

// Renew extends to until every lease owner holds whose name starts with
// prefix, and returns their names: a lease another replica took over is
// not among them.
func (s *Store) Renew(ctx context.Context, owner, prefix string, until time.Time) ([]string, error) {
	rows, err := s.wdb.QueryContext(ctx, `UPDATE leases SET until_ms = $1 WHERE owner = $2 AND substr(name, 1, $3) = $4 RETURNING name`,
		until.UnixMilli(), owner, len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("store: renew leases of %s: %w", owner, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("store: renew leases of %s: %w", owner, err)
		}
		out = append(out, name)
	}
	return out, rows.Err()
}

// Release gives up owner's lease name; another's is left as it is.
func (s *Store) Release(ctx context.Context, name, owner string) error {
	if _, err := s.wdb.ExecContext(ctx, `DELETE FROM leases WHERE name = $1 AND owner = $2`, name, owner); err != nil {
		return fmt.Errorf("store: release lease %s: %w", name, err)
	}
	return nil
}

// Leases returns the holders of the leases whose name starts with
// prefix and that have not expired at now, by name.
func (s *Store) Leases(ctx context.Context, prefix string, now time.Time) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, owner FROM leases WHERE substr(name, 1, $1) = $2 AND until_ms >= $3`,
		len(prefix), prefix, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("store: leases: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, owner string
		if err := rows.Scan(&name, &owner); err != nil {
			return nil, fmt.Errorf("store: leases: %w", err)
		}
		out[name] = owner
	}
	return out, rows.Err()
}
