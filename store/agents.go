package store

import (
	"context"
	"fmt"
)

// AgentMinutes returns, for every agent that has records, the latest
// minute stored for it (for a compacted hour, the hour's last minute).
func (s *Store) AgentMinutes(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, q := range []string{
		`SELECT agent, MAX(minute) FROM staged GROUP BY agent`,
		`SELECT a.name, MAX(c.start_minute) + ` + fmt.Sprint(chunkMinutes-1) + ` FROM chunks c JOIN agents a ON a.id = c.agent_id GROUP BY a.name`,
	} {
		rows, err := s.db.QueryContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("store: agent minutes: %w", err)
		}
		for rows.Next() {
			var name string
			var m int64
			if err := rows.Scan(&name, &m); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: agent minutes: %w", err)
			}
			out[name] = max(out[name], m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: agent minutes: %w", err)
		}
	}
	return out, nil
}
