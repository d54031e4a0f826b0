package store

import (
	"cmp"
	"context"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"sync"

	slawatch "github.com/slawatch/slawatch"

	"github.com/slawatch/slawatch/store/internal/codec"
)

// ReadBatches is ReadMinutesOf for a reader that numbers its series, as
// the engine does: it calls fn for every minute in [from, to) that has
// records of the series named in series, with each record's Series the
// name's position in series, the records by ascending Series (one a
// series: the first stored of each agent, summed across agents, as
// ReadMinutesOf reads them) and Rows their count. Records of other
// series are not read. b and its records are fn's only during the call:
// it may change them.
//
// keep is asked about each agent and series at most once an hour, not
// for every record, and from goroutines of the read's own, several at
// once: it must answer the same for the whole read and be safe to call
// concurrently. The hours are decoded on GOMAXPROCS goroutines (at most
// maxDecoders), ahead of fn, which is called on the caller's goroutine
// in minute order.
func (s *Store) ReadBatches(ctx context.Context, from, to int64, series []string, keep func(agent, series string) bool,
	fn func(b *slawatch.Batch) error) error {
	return s.ReadBatchHours(ctx, from, to, series, keep, func(bs []slawatch.Batch) error {
		for i := range bs {
			if err := fn(&bs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// ReadBatchHours is ReadBatches handing fn an hour's minutes at a time:
// the batches of the minutes of one clock hour that have records, in
// order, fn's only during the call. A reader that splits the judging of
// a minute over several goroutines then waits for them once an hour, not
// every minute.
func (s *Store) ReadBatchHours(ctx context.Context, from, to int64, series []string, keep func(agent, series string) bool,
	fn func(bs []slawatch.Batch) error) error {
	from, to = max(from, 0), min(to, MaxMinute+1)
	if from >= to || len(series) == 0 {
		return nil
	}
	hours, err := s.storedHours(ctx, codec.ChunkStart(from), to)
	if err != nil {
		return err
	}
	r := &batchReader{s: s, keep: keep, index: make(map[string]int32, len(series)), names: series, from: from, to: to}
	for i, name := range series {
		if _, dup := r.index[name]; !dup {
			r.index[name] = int32(i)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	order := r.start(ctx, hours)
	err = r.emit(order, fn)
	cancel()
	for range order { // let the reading end
	}
	return err
}

// maxDecoders bounds the goroutines decoding hours, and so the memory of
// the hours decoded ahead: an hour of 10,000 series is about 29 MB.
const maxDecoders = 4

// start reads the rows of hours on a goroutine and decodes them on
// others. It returns the hours in order, each as a channel its result
// arrives on; the channel is closed once every hour is sent, or after
// an error (the last hour's result then).
func (r *batchReader) start(ctx context.Context, hours []int64) <-chan chan hourResult {
	workers := min(runtime.GOMAXPROCS(0), maxDecoders)
	order := make(chan chan hourResult, 1)
	jobs := make(chan hourJob)
	for range workers {
		go r.decoder(ctx, jobs)
	}
	go func() {
		defer close(order)
		defer close(jobs)
		err := r.s.readRows(ctx, hours, func(h int64, chunks []storedChunk, batches []storedBatch) error {
			j := hourJob{h: h, chunks: chunks, batches: batches, out: make(chan hourResult, 1)}
			select {
			case order <- j.out:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case jobs <- j:
				return nil
			case <-ctx.Done():
				j.out <- hourResult{err: ctx.Err()}
				return ctx.Err()
			}
		})
		if err != nil {
			out := make(chan hourResult, 1)
			out <- hourResult{err: err}
			order <- out
		}
	}()
	return order
}

// hourJob is an hour's rows to decode; its result goes to out.
type hourJob struct {
	h       int64
	chunks  []storedChunk
	batches []storedBatch
	out     chan hourResult
}

// hourResult is an hour's batches, or the error that ends the reading.
type hourResult struct {
	hb  *hourBatches
	err error
}

// hourBatches is an hour's batches and their records' memory, reused.
type hourBatches struct {
	bs   []slawatch.Batch
	recs [chunkMinutes][]slawatch.Record
}

// decoder decodes the hours of jobs, with memory of its own, until jobs
// is closed.
func (r *batchReader) decoder(ctx context.Context, jobs <-chan hourJob) {
	d := &hourDecoder{r: r, kept: map[agentSeries]int32{}}
	for j := range jobs {
		hb, err := d.decode(ctx, j)
		j.out <- hourResult{hb, err}
	}
}

// emit calls fn with each hour's batches in order and hands the memory
// back for reuse.
func (r *batchReader) emit(order <-chan chan hourResult, fn func([]slawatch.Batch) error) error {
	for out := range order {
		res := <-out
		if res.err != nil {
			return res.err
		}
		if len(res.hb.bs) > 0 {
			if err := fn(res.hb.bs); err != nil {
				return err
			}
		}
		r.free.Put(res.hb)
	}
	return nil
}

// batchReader is what a ReadBatchHours call shares between its
// goroutines: the series' numbers, and memory to reuse.
type batchReader struct {
	s        *Store
	keep     func(agent, series string) bool
	index    map[string]int32
	names    []string // by number
	from, to int64
	free     sync.Pool // *hourBatches
}

type agentSeries struct{ agent, series int64 }

// hourDecoder is one decoding goroutine's: keep's answers as numbers by
// agent and series id (-1: not read), and the hour being decoded.
type hourDecoder struct {
	r    *batchReader
	kept map[agentSeries]int32
	hour batchHour
}

// decode decodes the hour of j into batches.
func (d *hourDecoder) decode(ctx context.Context, j hourJob) (*hourBatches, error) {
	if err := d.hour.decode(ctx, d, j.h, j.chunks, j.batches); err != nil {
		return nil, fmt.Errorf("store: read minutes of hour %d: %w", j.h, err)
	}
	hb, _ := d.r.free.Get().(*hourBatches)
	if hb == nil {
		hb = &hourBatches{}
	}
	if err := d.hour.batches(hb, j.h, d.r.from, d.r.to, d.r.names); err != nil {
		return nil, err
	}
	return hb, nil
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
func (bh *batchHour) decode(ctx context.Context, d *hourDecoder, h int64, chunks []storedChunk, batches []storedBatch) error {
	bh.series, bh.shared = bh.series[:0], false
	for i := range bh.staged {
		bh.staged[i] = bh.staged[i][:0]
	}
	for len(bh.decoded) < len(chunks) {
		bh.decoded = append(bh.decoded, nil)
	}
	for i, c := range chunks {
		if err := d.addChunk(ctx, bh, i, c); err != nil {
			return err
		}
	}
	slices.SortFunc(bh.series, func(a, b numberedSeries) int { return cmp.Or(cmp.Compare(a.n, b.n), cmp.Compare(a.agent, b.agent)) })
	for i := 1; i < len(bh.series); i++ {
		bh.shared = bh.shared || bh.series[i].n == bh.series[i-1].n
	}
	for i, b := range batches {
		if err := d.r.addBatch(bh, h, i+1, b); err != nil {
			return err
		}
	}
	return nil
}

// addChunk decodes the i-th chunk of the hour into bh.
func (d *hourDecoder) addChunk(ctx context.Context, bh *batchHour, i int, c storedChunk) error {
	r := d.r
	agent, err := r.s.lookup(ctx, tableAgents, c.agentID)
	if err != nil {
		return err
	}
	if bh.decoded[i], err = codec.DecodeChunkTo(bh.decoded[i], c.data); err != nil {
		return fmt.Errorf("agent %s: %w", agent, err)
	}
	for j := range bh.decoded[i] {
		sh := &bh.decoded[i][j]
		n, ok := d.kept[agentSeries{c.agentID, sh.ID}]
		if !ok {
			name, err := r.s.lookup(ctx, tableSeries, sh.ID)
			if err != nil {
				return err
			}
			n = r.number(agent, name)
			d.kept[agentSeries{c.agentID, sh.ID}] = n
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

// batches makes the batches of the hour's minutes in [from, to) with
// records. The usual minute (one agent a series, nothing staged) is
// filled series by series, each series' hour read in order; the others
// are resolved by minute.
func (bh *batchHour) batches(hb *hourBatches, h, from, to int64, names []string) error {
	var window uint64 // the minutes of the hour read
	for i := max(from-h, 0); i < min(to-h, chunkMinutes); i++ {
		window |= 1 << i
	}
	usual := window
	for i := range bh.staged {
		if bh.shared || len(bh.staged[i]) > 0 {
			usual &^= 1 << i
		}
	}
	for i := range hb.recs {
		hb.recs[i] = hb.recs[i][:0]
	}
	for _, s := range bh.series {
		for have := s.sh.Have & usual; have != 0; have &= have - 1 {
			i := bits.TrailingZeros64(have)
			hb.recs[i] = append(hb.recs[i], slawatch.Record{Series: s.n, Minute: s.sh.M[i]})
		}
	}
	hb.bs = hb.bs[:0]
	for i := range hb.recs {
		if window&(1<<i) == 0 {
			continue
		}
		if usual&(1<<i) == 0 {
			var err error
			if hb.recs[i], err = bh.minute(i, hb.recs[i], names); err != nil {
				return fmt.Errorf("store: minute %d: %w", h+int64(i), err)
			}
		}
		if n := len(hb.recs[i]); n > 0 {
			hb.bs = append(hb.bs, slawatch.Batch{Minute: h + int64(i), Records: hb.recs[i], Rows: int64(n)})
		}
	}
	return nil
}

// minute appends minute i's records to out, when some series has
// records of several agents or staged ones: the minute's copies are
// sorted and resolved as emit does.
func (bh *batchHour) minute(i int, out []slawatch.Record, names []string) ([]slawatch.Record, error) {
	bit := uint64(1) << i
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
