package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"

	"github.com/slawatch/slawatch/store/internal/codec"
)

// CompactStats says what a Compact call did.
type CompactStats struct {
	Chunks  int   // chunks written (new or rewritten with late records)
	Batches int   // staged batches folded into chunks and removed
	Records int   // records added to chunks; the others were duplicates
	Expired int64 // chunks and staged batches deleted by the retention
}

// Compact folds the staged batches of every hour that ends at or before
// the minute before (a Unix minute) into chunks, one per agent and hour,
// and removes them. A record already in the chunk stays as it is: the
// first stored wins, so a late duplicate is dropped here. The server
// calls it periodically with before = now minus the lateness it expects
// (a batch staged after its hour was compacted is folded into the chunk
// by the next call).
//
// With Options.RetentionDays set, it then deletes the chunks that end
// and the staged batches of minutes more than that many days before
// before.
//
// Each agent's hour is compacted in a transaction of its own, so an
// error leaves the hours done so far compacted and the others staged.
func (s *Store) Compact(ctx context.Context, before int64) (CompactStats, error) {
	var st CompactStats
	groups, err := s.stagedHours(ctx, codec.ChunkStart(min(before, MaxMinute)))
	if err != nil {
		return st, err
	}
	for _, g := range groups {
		if err := s.compactHour(ctx, g, &st); err != nil {
			return st, fmt.Errorf("store: compact agent %s hour %d: %w", g.agent, g.start, err)
		}
	}
	if s.opts.RetentionDays > 0 {
		st.Expired, err = s.expire(ctx, before-int64(s.opts.RetentionDays)*1440)
	}
	level := slog.LevelInfo
	if st == (CompactStats{}) {
		level = slog.LevelDebug
	}
	s.log.Log(ctx, level, "compacted", "before", before, "chunks", st.Chunks, "batches", st.Batches, "records", st.Records, "expired", st.Expired)
	return st, err
}

// agentHour is one agent's hour with staged batches.
type agentHour struct {
	start int64
	agent string
}

// stagedHours returns the agent hours with staged batches that start
// before end.
func (s *Store) stagedHours(ctx context.Context, end int64) ([]agentHour, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT start_minute, agent FROM staged
		WHERE start_minute < $1 ORDER BY start_minute, agent`, end)
	if err != nil {
		return nil, fmt.Errorf("store: compact: %w", err)
	}
	defer rows.Close()
	var out []agentHour
	for rows.Next() {
		var g agentHour
		if err := rows.Scan(&g.start, &g.agent); err != nil {
			return nil, fmt.Errorf("store: compact: %w", err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: compact: %w", err)
	}
	return out, nil
}

// compactHour folds one agent's staged batches of one hour into its chunk.
func (s *Store) compactHour(ctx context.Context, g agentHour, st *CompactStats) error {
	added := map[string]map[string]int64{tableAgents: {}, tableSeries: {}}
	var res CompactStats
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res = CompactStats{}
		ids, err := s.intern(ctx, tx, tableAgents, []string{g.agent}, added[tableAgents])
		if err != nil {
			return err
		}
		agentID := ids[g.agent]
		batches, err := queryBatches(ctx, tx, `WHERE start_minute = $1 AND agent = $2 ORDER BY id`, g.start, g.agent)
		if err != nil {
			return err
		}
		chunk, err := s.loadChunk(ctx, tx, g.start, agentID)
		if err != nil {
			return err
		}
		if res.Records, err = s.fold(ctx, tx, chunk, g.start, batches, added[tableSeries]); err != nil {
			return err
		}
		if res.Records > 0 {
			if err := saveChunk(ctx, tx, g.start, agentID, chunk); err != nil {
				return err
			}
			res.Chunks = 1
		}
		res.Batches = len(batches)
		return deleteBatches(ctx, tx, batches)
	})
	if err != nil {
		return err
	}
	for table, pairs := range added {
		s.names.add(table, pairs)
	}
	st.Chunks, st.Batches, st.Records = st.Chunks+res.Chunks, st.Batches+res.Batches, st.Records+res.Records
	return nil
}

// chunkSeries is a chunk being built: its series by id.
type chunkSeries map[int64]*codec.SeriesHour

func (s *Store) loadChunk(ctx context.Context, tx *sql.Tx, start, agentID int64) (chunkSeries, error) {
	var data []byte
	err := tx.QueryRowContext(ctx, `SELECT data FROM chunks WHERE start_minute = $1 AND agent_id = $2`, start, agentID).Scan(&data)
	if err == sql.ErrNoRows {
		return chunkSeries{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load chunk: %w", err)
	}
	series, err := codec.DecodeChunk(data)
	if err != nil {
		return nil, err
	}
	c := make(chunkSeries, len(series))
	for i := range series {
		c[series[i].ID] = &series[i]
	}
	return c, nil
}

// fold adds the batches' records, in the order they were stored, to the
// chunk where it has none for that series and minute, and returns how
// many it added.
func (s *Store) fold(ctx context.Context, tx *sql.Tx, c chunkSeries, start int64, batches []storedBatch, added map[string]int64) (int, error) {
	n := 0
	for _, b := range batches {
		recs, err := codec.DecodeBatch(b.payload)
		if err != nil {
			return 0, fmt.Errorf("staged batch %d: %w", b.id, err)
		}
		if b.minute < start || b.minute >= start+chunkMinutes {
			return 0, fmt.Errorf("staged batch %d: %w: minute %d not in its hour", b.id, errCorrupt, b.minute)
		}
		names := make([]string, len(recs))
		for i, r := range recs {
			names[i] = r.Series
		}
		ids, err := s.intern(ctx, tx, tableSeries, names, added)
		if err != nil {
			return 0, err
		}
		bit := uint64(1) << (b.minute - start)
		for _, r := range recs {
			sh := c[ids[r.Series]]
			if sh == nil {
				sh = &codec.SeriesHour{ID: ids[r.Series]}
				c[sh.ID] = sh
			}
			if sh.Have&bit == 0 {
				sh.Have |= bit
				sh.M[b.minute-start] = r.M
				n++
			}
		}
	}
	return n, nil
}

func saveChunk(ctx context.Context, tx *sql.Tx, start, agentID int64, c chunkSeries) error {
	series := make([]codec.SeriesHour, 0, len(c))
	for _, sh := range c {
		series = append(series, *sh)
	}
	slices.SortFunc(series, func(a, b codec.SeriesHour) int { return cmp.Compare(a.ID, b.ID) })
	data, err := codec.AppendChunk(nil, series)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO chunks (start_minute, agent_id, data) VALUES ($1, $2, $3)
		ON CONFLICT (start_minute, agent_id) DO UPDATE SET data = excluded.data`, start, agentID, data)
	if err != nil {
		return fmt.Errorf("save chunk: %w", err)
	}
	return nil
}

// deleteBatches deletes exactly the batches read: on PostgreSQL another
// batch of the same hour may have been committed since.
func deleteBatches(ctx context.Context, tx *sql.Tx, batches []storedBatch) error {
	for _, b := range batches {
		if _, err := tx.ExecContext(ctx, `DELETE FROM staged WHERE id = $1`, b.id); err != nil {
			return fmt.Errorf("delete staged batch %d: %w", b.id, err)
		}
	}
	return nil
}

// expire deletes the chunks that end at or before cut and the staged
// batches of minutes before it.
func (s *Store) expire(ctx context.Context, cut int64) (int64, error) {
	var n int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []struct {
			sql string
			arg int64
		}{
			{`DELETE FROM chunks WHERE start_minute <= $1`, cut - chunkMinutes},
			{`DELETE FROM staged WHERE minute < $1`, cut},
		} {
			res, err := tx.ExecContext(ctx, q.sql, q.arg)
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: retention before %d: %w", cut, err)
	}
	return n, nil
}
