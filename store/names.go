package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// The dictionary tables; only these names are put into queries.
const (
	tableAgents = "agents"
	tableSeries = "series"
)

// names caches the agents and series tables: ids are assigned once and
// never change, so a cached pair stays true; a miss reloads or inserts.
type names struct {
	mu     sync.Mutex
	byName map[nameKey]int64
	byID   map[nameKey]string
}

// nameKey is a name or an id in the agents or series table.
type nameKey struct {
	table string // "agents" or "series"
	name  string
	id    int64
}

func newNames() *names {
	return &names{byName: map[nameKey]int64{}, byID: map[nameKey]string{}}
}

func (n *names) id(table, name string) (int64, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	id, ok := n.byName[nameKey{table: table, name: name}]
	return id, ok
}

func (n *names) name(table string, id int64) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	name, ok := n.byID[nameKey{table: table, id: id}]
	return name, ok
}

func (n *names) add(table string, pairs map[string]int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for name, id := range pairs {
		n.byName[nameKey{table: table, name: name}] = id
		n.byID[nameKey{table: table, id: id}] = name
	}
}

// intern returns the ids of names in table, inserting those missing in
// tx. New pairs go into added, for the caller to cache once tx commits.
func (s *Store) intern(ctx context.Context, tx *sql.Tx, table string, names []string, added map[string]int64) (map[string]int64, error) {
	ids := make(map[string]int64, len(names))
	for _, name := range names {
		if id, ok := s.names.id(table, name); ok {
			ids[name] = id
			continue
		}
		if id, ok := added[name]; ok {
			ids[name] = id
			continue
		}
		// The no-op update makes RETURNING give the id of an existing row
		// too (one written by another replica, or before a restart).
		var id int64
		q := `INSERT INTO ` + table + ` (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`
		if err := tx.QueryRowContext(ctx, q, name).Scan(&id); err != nil {
			return nil, fmt.Errorf("intern %s %q: %w", table, name, err)
		}
		ids[name], added[name] = id, id
	}
	return ids, nil
}

// lookup returns the name of id in table, reloading the table on a miss.
func (s *Store) lookup(ctx context.Context, table string, id int64) (string, error) {
	if name, ok := s.names.name(table, id); ok {
		return name, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM `+table)
	if err != nil {
		return "", fmt.Errorf("load %s: %w", table, err)
	}
	defer rows.Close()
	pairs := map[string]int64{}
	for rows.Next() {
		var name string
		var id int64
		if err := rows.Scan(&id, &name); err != nil {
			return "", fmt.Errorf("load %s: %w", table, err)
		}
		pairs[name] = id
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("load %s: %w", table, err)
	}
	s.names.add(table, pairs)
	if name, ok := s.names.name(table, id); ok {
		return name, nil
	}
	return "", fmt.Errorf("%s id %d: %w: not in the table", table, id, errCorrupt)
}
