package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/slawatch/slawatch/store/internal/codec"
)

// storedChunk and storedBatch are rows as read, decoded after the read
// transaction ends.
type storedChunk struct {
	agentID int64
	data    []byte
}

type storedBatch struct {
	id      int64
	agent   string
	minute  int64
	payload []byte
}

// hour is what is stored of one hour: the chunks' series, decoded, and
// the staged batches' records by minute. Chunks stay by series, not
// copied into per-minute entries, which would take three times the
// memory.
type hour struct {
	chunks []namedSeries
	staged [chunkMinutes][]entry
}

// namedSeries is a chunk's series with its names.
type namedSeries struct {
	series, agent string
	sh            *codec.SeriesHour
}

// entries appends minute i's entries to es: those of the chunks first,
// then those of the staged batches in the order they were stored.
func (h *hour) entries(i int, es []entry) []entry {
	for _, c := range h.chunks {
		if c.sh.Have&(1<<i) != 0 {
			es = append(es, entry{series: c.series, agent: c.agent, m: c.sh.M[i]})
		}
	}
	return append(es, h.staged[i]...)
}

// readHour reads what is stored of the hour starting at h.
func (s *Store) readHour(ctx context.Context, h int64) (*hour, error) {
	var out *hour
	err := s.readHours(ctx, []int64{h}, func(_ int64, hr *hour) error { out = hr; return nil })
	return out, err
}

// hoursPerRead is how many hours one read transaction takes: a month is
// 31 transactions, not 744, each with its two statements prepared once.
const hoursPerRead = 24

// readHours reads the hours starting at hs, in order, and calls fn with
// each, decoded.
func (s *Store) readHours(ctx context.Context, hs []int64, fn func(int64, *hour) error) error {
	return s.readRows(ctx, hs, func(h int64, chunks []storedChunk, batches []storedBatch) error {
		hr, err := s.decodeHour(ctx, h, chunks, batches)
		if err != nil {
			return fmt.Errorf("store: read minutes of hour %d: %w", h, err)
		}
		return fn(h, hr)
	})
}

// readRows reads the rows of the hours starting at hs, in order, and
// calls fn with each hour's. Every hour is read within one snapshot
// (hoursPerRead share one), so that a compaction moving its records from
// staged batches to a chunk is seen wholly or not at all; fn is called
// after the transaction.
func (s *Store) readRows(ctx context.Context, hs []int64, fn func(int64, []storedChunk, []storedBatch) error) error {
	for len(hs) > 0 {
		group := hs[:min(len(hs), hoursPerRead)]
		hs = hs[len(group):]
		chunks := make([][]storedChunk, len(group))
		batches := make([][]storedBatch, len(group))
		err := s.readTx(ctx, func(tx *sql.Tx) error {
			cq, err := tx.PrepareContext(ctx, `SELECT agent_id, data FROM chunks WHERE start_minute = $1 ORDER BY agent_id`)
			if err != nil {
				return fmt.Errorf("chunks: %w", err)
			}
			defer cq.Close()
			bq, err := tx.PrepareContext(ctx, `SELECT id, agent, minute, payload FROM staged WHERE start_minute = $1 ORDER BY id`)
			if err != nil {
				return fmt.Errorf("staged: %w", err)
			}
			defer bq.Close()
			for i, h := range group {
				if chunks[i], err = scanChunks(cq.QueryContext(ctx, h)); err != nil {
					return err
				}
				if batches[i], err = scanBatches(bq.QueryContext(ctx, h)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: read minutes of hour %d: %w", group[0], err)
		}
		for i, h := range group {
			if err := fn(h, chunks[i], batches[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeHour decodes an hour's rows.
func (s *Store) decodeHour(ctx context.Context, h int64, chunks []storedChunk, batches []storedBatch) (*hour, error) {
	var hr hour
	if err := s.addChunks(ctx, &hr, chunks); err != nil {
		return nil, err
	}
	for i, b := range batches {
		recs, err := codec.DecodeBatch(b.payload)
		if err != nil {
			return nil, fmt.Errorf("staged batch %d: %w", b.id, err)
		}
		if b.minute < h || b.minute >= h+chunkMinutes {
			return nil, fmt.Errorf("staged batch %d: %w: minute %d not in its hour", b.id, errCorrupt, b.minute)
		}
		at := &hr.staged[b.minute-h]
		for _, r := range recs {
			*at = append(*at, entry{series: r.Series, agent: b.agent, prio: i + 1, m: r.M})
		}
	}
	return &hr, nil
}

// addChunks decodes chunks into the hour.
func (s *Store) addChunks(ctx context.Context, hr *hour, chunks []storedChunk) error {
	for _, c := range chunks {
		agent, err := s.lookup(ctx, tableAgents, c.agentID)
		if err != nil {
			return err
		}
		series, err := codec.DecodeChunk(c.data)
		if err != nil {
			return fmt.Errorf("agent %s: %w", agent, err)
		}
		for i := range series {
			sh := &series[i]
			name, err := s.lookup(ctx, tableSeries, sh.ID)
			if err != nil {
				return err
			}
			hr.chunks = append(hr.chunks, namedSeries{series: name, agent: agent, sh: sh})
		}
	}
	return nil
}

// readTx runs fn in a read-only transaction that sees one snapshot, so
// that a compaction moving records from staged batches to a chunk is seen
// wholly or not at all.
func (s *Store) readTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, s.dialect.readTx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func queryChunks(ctx context.Context, tx *sql.Tx, h int64) ([]storedChunk, error) {
	return scanChunks(tx.QueryContext(ctx, `SELECT agent_id, data FROM chunks WHERE start_minute = $1 ORDER BY agent_id`, h))
}

// scanChunks reads the rows of a chunks query.
func scanChunks(rows *sql.Rows, err error) ([]storedChunk, error) {
	if err != nil {
		return nil, fmt.Errorf("chunks: %w", err)
	}
	defer rows.Close()
	var out []storedChunk
	for rows.Next() {
		var c storedChunk
		if err := rows.Scan(&c.agentID, &c.data); err != nil {
			return nil, fmt.Errorf("chunks: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chunks: %w", err)
	}
	return out, nil
}

// queryBatches returns staged batches; where is the query's condition on
// the staged table and its order.
func queryBatches(ctx context.Context, tx *sql.Tx, where string, args ...any) ([]storedBatch, error) {
	return scanBatches(tx.QueryContext(ctx, `SELECT id, agent, minute, payload FROM staged `+where, args...))
}

// scanBatches reads the rows of a staged query.
func scanBatches(rows *sql.Rows, err error) ([]storedBatch, error) {
	if err != nil {
		return nil, fmt.Errorf("staged: %w", err)
	}
	defer rows.Close()
	var out []storedBatch
	for rows.Next() {
		var b storedBatch
		if err := rows.Scan(&b.id, &b.agent, &b.minute, &b.payload); err != nil {
			return nil, fmt.Errorf("staged: %w", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("staged: %w", err)
	}
	return out, nil
}
