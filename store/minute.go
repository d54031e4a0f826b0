package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"math"
	"slices"

	slawatch "github.com/slawatch/slawatch"

	"github.com/slawatch/slawatch/store/internal/codec"
)

// WriteMinutes stores the records agent measured in minute (a Unix
// minute). When it returns nil the records are on disk (SQLite) or
// committed (PostgreSQL). Writing is idempotent by (agent, series,
// minute): a record already stored, whether staged or compacted, is kept
// and the new one ignored; so is a second record of a series in recs.
// An empty recs stores nothing. Invalid input (see checkName, checkMinute,
// MaxMinute) is refused whole with a slawatch.EINVALID error naming it.
func (s *Store) WriteMinutes(ctx context.Context, agent string, minute int64, recs []slawatch.SeriesMinute) error {
	return s.WriteBlocks(ctx, agent, []Block{{Minute: minute, Records: recs}})
}

// Block is one agent-minute of records, for WriteBlocks.
type Block struct {
	Minute  int64
	Records []slawatch.SeriesMinute
}

// WriteBlocks stores several minutes of one agent's records, as
// WriteMinutes stores one: durable when it returns, idempotent, and
// refused whole (nothing stored) when any block is invalid. Many minutes
// share a commit, which is what lets an agent catching up on its spool
// deliver quickly.
//
// A block is staged as rows of at most stagedRows records each, by
// series range, and the rows are written in transactions of at most
// txRecords records: a delivery of 100,000 series would otherwise hold
// SQLite's one writer from every other agent for the whole of it. An
// error leaves the transactions before it committed; the agent sends the
// delivery again and what was stored is kept, as for any repeat. A
// reader may meanwhile see part of a minute of the agent, as it may see
// one agent's minute and not another's.
func (s *Store) WriteBlocks(ctx context.Context, agent string, blocks []Block) error {
	for _, b := range blocks {
		if err := checkBatch(agent, b.Minute, b.Records); err != nil {
			return err
		}
	}
	// Encoding and hashing, half the time of a large delivery, is done
	// before the transaction: it needs no lock.
	rows := stageRows(blocks, s.split.stagedRows)
	for len(rows) > 0 {
		n, recs := 0, 0
		for n < len(rows) && (n == 0 || recs+rows[n].records <= s.split.txRecords) {
			recs += rows[n].records
			n++
		}
		if err := s.writeRows(ctx, agent, rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// split is how a large delivery is cut up. Tests make it small, so that
// a few hundred records exercise what 20,000 do.
type split struct {
	// stagedRows is the most records a staged row takes: a block of more
	// is staged as several rows by series range.
	stagedRows int
	// txRecords is the most records a write transaction takes (a row of
	// more is one transaction alone). Measured by BenchmarkWriteLockHold.
	txRecords int
}

// defaultSplit is the split of every store.
var defaultSplit = split{stagedRows: 5_000, txRecords: 10_000}

// stagedRow is one row of the staged table, encoded.
type stagedRow struct {
	minute  int64
	records int
	hash    [sha256.Size]byte
	payload []byte
}

// stageRows encodes blocks as staged rows of at most size records.
func stageRows(blocks []Block, size int) []stagedRow {
	var rows []stagedRow
	for _, b := range blocks {
		recs := codec.Canonical(b.Records)
		for len(recs) > 0 {
			part := recs[:min(len(recs), size)]
			recs = recs[len(part):]
			p := codec.AppendBatch(nil, part)
			rows = append(rows, stagedRow{minute: b.Minute, records: len(part), hash: sha256.Sum256(p), payload: p})
		}
	}
	return rows
}

// writeRows stages rows in one transaction.
func (s *Store) writeRows(ctx context.Context, agent string, rows []stagedRow) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: write minutes of %s: %w", agent, err)
	}
	defer tx.Rollback()
	feed := Change{Kind: KindMinutes, Agent: agent, Lo: math.MaxInt64, Hi: math.MinInt64}
	for _, r := range rows {
		feed.Lo, feed.Hi = min(feed.Lo, r.minute), max(feed.Hi, r.minute)
		_, err := tx.ExecContext(ctx, `INSERT INTO staged (agent, minute, start_minute, hash, payload)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (agent, minute, hash) DO NOTHING`,
			agent, r.minute, codec.ChunkStart(r.minute), r.hash[:16], r.payload)
		if err != nil {
			return fmt.Errorf("store: write minutes of %s at %d: %w", agent, r.minute, err)
		}
	}
	if err := s.note(ctx, tx, feed); err != nil {
		return fmt.Errorf("store: write minutes of %s: %w", agent, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: write minutes of %s: commit: %w", agent, err)
	}
	return nil
}

func checkBatch(agent string, minute int64, recs []slawatch.SeriesMinute) error {
	if why := checkName(agent); why != "" {
		return slawatch.Errorf(slawatch.EINVALID, "store: agent name %q: %s", agent, why)
	}
	if minute < 0 || minute > MaxMinute {
		return slawatch.Errorf(slawatch.EINVALID, "store: agent %s: minute %d out of range [0, %d]", agent, minute, int64(MaxMinute))
	}
	for i := range recs {
		r := &recs[i]
		if why := checkName(r.Series); why != "" {
			return slawatch.Errorf(slawatch.EINVALID, "store: agent %s minute %d: record %d: series name %q: %s", agent, minute, i, r.Series, why)
		}
		if why := checkMinute(&r.M); why != "" {
			return slawatch.Errorf(slawatch.EINVALID, "store: agent %s minute %d: series %s: %s", agent, minute, r.Series, why)
		}
	}
	return nil
}

// ReadMinutes calls fn for every minute in [from, to) that has records,
// in increasing order, with that minute's records sorted by series. A
// series is named as its agent sent it; when two agents sent the same
// series in one minute, fn gets one record, their sum (Minute.Merge), as
// if one agent had sent every probe. recs is fn's to keep. An error from
// fn stops the reading and is returned.
func (s *Store) ReadMinutes(ctx context.Context, from, to int64, fn func(minute int64, recs []slawatch.SeriesMinute) error) error {
	return s.ReadMinutesOf(ctx, from, to, nil, fn)
}

// ReadMinutesOf is ReadMinutes of the records keep accepts: keep(agent,
// series) false drops a record before the agents' records are summed.
// The server reads with it only what each series' assigned agents
// measured. A nil keep accepts every record.
func (s *Store) ReadMinutesOf(ctx context.Context, from, to int64, keep func(agent, series string) bool,
	fn func(minute int64, recs []slawatch.SeriesMinute) error) error {
	return s.readEntries(ctx, from, to, keep, func(minute int64, es []entry) error {
		return emit(minute, es, fn)
	})
}

// ReadAgentMinutes is ReadMinutesOf without summing across agents: fn is
// called for every minute and agent with records, minutes in increasing
// order and agents by name, with the agent's first stored record of each
// series, sorted by series.
func (s *Store) ReadAgentMinutes(ctx context.Context, from, to int64, keep func(agent, series string) bool,
	fn func(minute int64, agent string, recs []slawatch.SeriesMinute) error) error {
	return s.readEntries(ctx, from, to, keep, func(minute int64, es []entry) error {
		return emitByAgent(minute, es, fn)
	})
}

// readEntries calls fn with the entries keep accepts of every minute in
// [from, to) that has any.
func (s *Store) readEntries(ctx context.Context, from, to int64, keep func(agent, series string) bool, fn func(int64, []entry) error) error {
	from, to = max(from, 0), min(to, MaxMinute+1)
	if from >= to {
		return nil
	}
	hours, err := s.storedHours(ctx, codec.ChunkStart(from), to)
	if err != nil {
		return err
	}
	return s.readHours(ctx, hours, func(h int64, hour *hour) error {
		var es []entry
		for i := max(from-h, 0); i < min(to-h, chunkMinutes); i++ {
			es = hour.entries(int(i), es[:0])
			if keep != nil {
				es = slices.DeleteFunc(es, func(e entry) bool { return !keep(e.agent, e.series) })
			}
			if len(es) == 0 {
				continue
			}
			if err := fn(h+i, es); err != nil {
				return err
			}
		}
		return nil
	})
}

// storedHours lists the chunk starts in [h, to) that have records, in
// one query: a month is 744 hours, most of them stored.
func (s *Store) storedHours(ctx context.Context, h, to int64) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT start_minute FROM chunks WHERE start_minute >= $1 AND start_minute < $2
		UNION SELECT start_minute FROM staged WHERE start_minute >= $1 AND start_minute < $2 ORDER BY 1`, h, to)
	if err != nil {
		return nil, fmt.Errorf("store: read minutes from %d: %w", h, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var m int64
		if err := rows.Scan(&m); err != nil {
			return nil, fmt.Errorf("store: read minutes from %d: %w", h, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read minutes from %d: %w", h, err)
	}
	return out, nil
}

// entry is one stored record while an hour is read: prio orders the
// copies of one (agent, series, minute), the first stored lowest.
type entry struct {
	series, agent string
	prio          int
	m             slawatch.Minute
}

// sortEntries orders a minute's entries by series, agent and the order
// they were stored in.
func sortEntries(es []entry) {
	slices.SortFunc(es, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.series, b.series), cmp.Compare(a.agent, b.agent), cmp.Compare(a.prio, b.prio))
	})
}

// emitByAgent calls fn for each agent of a minute's entries with its
// first stored record of each series.
func emitByAgent(minute int64, es []entry, fn func(int64, string, []slawatch.SeriesMinute) error) error {
	slices.SortFunc(es, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.agent, b.agent), cmp.Compare(a.series, b.series), cmp.Compare(a.prio, b.prio))
	})
	for i := 0; i < len(es); {
		j := i
		var recs []slawatch.SeriesMinute
		for ; j < len(es) && es[j].agent == es[i].agent; j++ {
			if j > i && es[j].series == es[j-1].series {
				continue // a later copy
			}
			recs = append(recs, slawatch.SeriesMinute{Series: es[j].series, M: es[j].m})
		}
		if err := fn(minute, es[i].agent, recs); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// emit resolves one minute's entries and calls fn: for each agent and
// series the first stored record, and across agents their sum.
func emit(minute int64, es []entry, fn func(int64, []slawatch.SeriesMinute) error) error {
	if len(es) == 0 {
		return nil
	}
	sortEntries(es)
	recs := make([]slawatch.SeriesMinute, 0, len(es))
	for i, e := range es {
		switch {
		case i > 0 && e.series == es[i-1].series && e.agent == es[i-1].agent:
			continue // a later copy
		case i > 0 && e.series == es[i-1].series:
			if !recs[len(recs)-1].M.Merge(e.m) {
				return fmt.Errorf("store: minute %d: series %s: the records of several agents overflow when merged", minute, e.series)
			}
		default:
			recs = append(recs, slawatch.SeriesMinute{Series: e.series, M: e.m})
		}
	}
	return fn(minute, recs)
}
