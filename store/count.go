package store

import (
	"context"
	"fmt"
)

// CountDocs counts a customer's documents of one kind without reading
// them.
func (s *Store) CountDocs(ctx context.Context, customer, kind string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM docs WHERE customer = $1 AND kind = $2`, customer, kind).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count %s of %q: %w", kind, customer, err)
	}
	return n, nil
}
