package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	slawatch "github.com/slawatch/slawatch"

	"github.com/slawatch/slawatch/store/internal/codec"
)

// ReadBatches is ReadMinutesOf for a reader that numbers its series, as
// the engine does: it calls fn for every minute in [from, to) that has
// records of the series named in series, with each record's Series the
// name's position in series, the records by ascending Series (one a
// series: the first stored of each agent, summed across agents, as
// ReadMinutesOf reads them) and Rows their count. Records of other
// series are not read. b and its records are fn's only during the call.
//
// keep is asked about each agent and series at most once an hour, not
// for every record, so it must answer the same for the whole read. The
// hours are decoded on a goroutine of their own, ahead of fn, which is
// called on the caller's: a recompute decodes on one core while it
// judges on the other.
func (s *Store) ReadBatches(ctx context.Context, from, to int64, series []string, keep func(agent, series string) bool,
	fn func(b *slawatch.Batch) error) error {
	from, to = max(from, 0), min(to, MaxMinute+1)
	if from >= to || len(series) == 0 {
		return nil
	}
	hours, err := s.storedHours(ctx, codec.ChunkStart(from), to)
	if err != nil {
		return err
	}
	r := &batchReader{s: s, keep: keep, index: make(map[string]int32, len(series)), kept: map[agentSeries]int32{}, names: series}
	for i, name := range series {
		if _, dup := r.index[name]; !dup {
			r.index[name] = int32(i)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ready, free := make(chan decodedHour, 1), make(chan *batchHour, 2)
	go func() {
		defer close(ready)
		err := s.readRows(ctx, hours, func(h int64, chunks []storedChunk, batches []storedBatch) error {
			bh := &batchHour{}
			select {
			case bh = <-free:
			default:
			}
			if err := r.decode(ctx, bh, h, chunks, batches); err != nil {
				return fmt.Errorf("store: read minutes of hour %d: %w", h, err)
			}
			select {
			case ready <- decodedHour{h: h, hour: bh}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		if err != nil {
			ready <- decodedHour{err: err}
		}
	}()
	err = r.emitHours(ready, free, from, to, fn)
	cancel()
	for range ready { // let the decoder end
	}
	return err
}

// emitHours calls fn with the minutes of each hour as it is decoded and
// hands the hour back for reuse.
func (r *batchReader) emitHours(ready <-chan decodedHour, free chan<- *batchHour, from, to int64, fn func(*slawatch.Batch) error) error {
	var b slawatch.Batch
	for d := range ready {
		if d.err != nil {
			return d.err
		}
		h := d.h
		for i := max(from-h, 0); i < min(to-h, chunkMinutes); i++ {
			var err error
			if b.Records, err = d.hour.minute(int(i), b.Records[:0], r.names); err != nil {
				return fmt.Errorf("store: minute %d: %w", h+i, err)
			}
			if len(b.Records) == 0 {
				continue
			}
			b.Minute, b.Rows = h+i, int64(len(b.Records))
			if err := fn(&b); err != nil {
				return err
			}
		}
		select {
		case free <- d.hour:
		default:
		}
	}
	return nil
}

// batchReader is what a ReadBatches call keeps while it reads: the
// series' numbers, and keep's answers by agent and series id.
type batchReader struct {
	s     *Store
	keep  func(agent, series string) bool
	index map[string]int32
	kept  map[agentSeries]int32 // the series' number, -1 when not read
	names []string              // by number
}

type agentSeries struct{ agent, series int64 }

// decodedHour is an hour decoded, or the error that ended the reading.
type decodedHour struct {
	h    int64
	hour *batchHour
	err  error
}

// batchHour is an hour decoded for ReadBatches: its chunks' series kept
// and read, by number and agent, and its staged records by minute.
type batchHour struct {
	series []numberedSeries
	staged [chunkMinutes][]numberedEntry
	shared bool // a series has records of several agents: they are summed
	// decoded is each chunk's series, reused from hour to hour
	decoded [][]codec.SeriesHour
	entries []numberedEntry // a minute's entries when shared, reused
}

// numberedSeries is a chunk's series with its number and agent.
type numberedSeries struct {
	n     int32
	agent string
	sh    *codec.SeriesHour
}

// numberedEntry is one stored record of a minute: prio orders the copies
// of one (agent, series), the first stored lowest.
type numberedEntry struct {
	n     int32
	prio  int
	agent string
	m     slawatch.Minute
}

// decode fills bh with an hour's rows.
func (r *batchReader) decode(ctx context.Context, bh *batchHour, h int64, chunks []storedChunk, batches []storedBatch) error {
	bh.series, bh.shared = bh.series[:0], false
	for i := range bh.staged {
		bh.staged[i] = bh.staged[i][:0]
	}
	for len(bh.decoded) < len(chunks) {
		bh.decoded = append(bh.decoded, nil)
	}
	for i, c := range chunks {
		if err := r.addChunk(ctx, bh, i, c); err != nil {
			return err
		}
	}
	slices.SortFunc(bh.series, func(a, b numberedSeries) int { return cmp.Or(cmp.Compare(a.n, b.n), cmp.Compare(a.agent, b.agent)) })
	for i := 1; i < len(bh.series); i++ {
		bh.shared = bh.shared || bh.series[i].n == bh.series[i-1].n
	}
	for i, b := range batches {
		if err := r.addBatch(bh, h, i+1, b); err != nil {
			return err
		}
	}
	return nil
}

// addChunk decodes the i-th chunk of the hour into bh.
func (r *batchReader) addChunk(ctx context.Context, bh *batchHour, i int, c storedChunk) error {
	agent, err := r.s.lookup(ctx, tableAgents, c.agentID)
	if err != nil {
		return err
	}
	if bh.decoded[i], err = codec.DecodeChunkTo(bh.decoded[i], c.data); err != nil {
		return fmt.Errorf("agent %s: %w", agent, err)
	}
	for j := range bh.decoded[i] {
		sh := &bh.decoded[i][j]
		n, ok := r.kept[agentSeries{c.agentID, sh.ID}]
		if !ok {
			name, err := r.s.lookup(ctx, tableSeries, sh.ID)
			if err != nil {
				return err
			}
			n = r.number(agent, name)
			r.kept[agentSeries{c.agentID, sh.ID}] = n
		}
		if n >= 0 {
			bh.series = append(bh.series, numberedSeries{n: n, agent: agent, sh: sh})
		}
	}
	return nil
}

// number is the number of an agent's series, -1 when it is not read.
func (r *batchReader) number(agent, series string) int32 {
	n, ok := r.index[series]
	if !ok || r.keep != nil && !r.keep(agent, series) {
		return -1
	}
	return n
}

// addBatch adds the records of a staged batch, prio in the order stored.
func (r *batchReader) addBatch(bh *batchHour, h int64, prio int, b storedBatch) error {
	recs, err := codec.DecodeBatch(b.payload)
	if err != nil {
		return fmt.Errorf("staged batch %d: %w", b.id, err)
	}
	if b.minute < h || b.minute >= h+chunkMinutes {
		return fmt.Errorf("staged batch %d: %w: minute %d not in its hour", b.id, errCorrupt, b.minute)
	}
	at := &bh.staged[b.minute-h]
	for _, rec := range recs {
		if n := r.number(b.agent, rec.Series); n >= 0 {
			*at = append(*at, numberedEntry{n: n, prio: prio, agent: b.agent, m: rec.M})
		}
	}
	return nil
}

// minute appends minute i's records to out. An hour of one agent a
// series and no staged records, the usual, is a walk over its series;
// otherwise the minute's copies are sorted and resolved as emit does.
func (bh *batchHour) minute(i int, out []slawatch.Record, names []string) ([]slawatch.Record, error) {
	bit := uint64(1) << i
	if !bh.shared && len(bh.staged[i]) == 0 {
		for _, s := range bh.series {
			if s.sh.Have&bit != 0 {
				out = append(out, slawatch.Record{Series: s.n, Minute: s.sh.M[i]})
			}
		}
		return out, nil
	}
	es := bh.entries[:0]
	for _, s := range bh.series {
		if s.sh.Have&bit != 0 {
			es = append(es, numberedEntry{n: s.n, agent: s.agent, m: s.sh.M[i]})
		}
	}
	es = append(es, bh.staged[i]...)
	bh.entries = es
	slices.SortFunc(es, func(a, b numberedEntry) int {
		return cmp.Or(cmp.Compare(a.n, b.n), cmp.Compare(a.agent, b.agent), cmp.Compare(a.prio, b.prio))
	})
	for j, e := range es {
		switch {
		case j > 0 && e.n == es[j-1].n && e.agent == es[j-1].agent:
			continue // a later copy
		case j > 0 && e.n == es[j-1].n:
			if !out[len(out)-1].Minute.Merge(e.m) {
				return nil, fmt.Errorf("series %s: the records of several agents overflow when merged", names[e.n])
			}
		default:
			out = append(out, slawatch.Record{Series: e.n, Minute: e.m})
		}
	}
	return out, nil
}
