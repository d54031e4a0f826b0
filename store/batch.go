package store

import (
	"cmp"
	"context"
	"fmt"
	"math/bits"
	"runtime"
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
	r := &batchReader{s: s, keep: keep, index: make(map[string]int32, len(series)), names: series, from: from, to: to,
		free: make(chan *hourBatches, maxDecoders+2)}
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
		select {
		case r.free <- res.hb:
		default:
		}
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
	free     chan *hourBatches // memory of hours emitted, to reuse
}

type agentSeries struct{ agent, series int64 }

// hourDecoder is one decoding goroutine's: keep's answers as numbers by
// agent and series id (-1: not read), and the hour being decoded.
type hourDecoder struct {
	r    *batchReader
	kept map[agentSeries]int32
	hour batchHour
}

// decode decodes the hour of j into batches. Most hours are streamed:
// each series decoded into one SeriesHour and its records put straight
// into their minutes' batches. An hour whose kept series do not come in
// increasing numbers (numbered in another order than the store's, or a
// series of several agents, to sum) is decoded whole and sorted first.
func (d *hourDecoder) decode(ctx context.Context, j hourJob) (*hourBatches, error) {
	var hb *hourBatches
	select {
	case hb = <-d.r.free:
	default:
		hb = &hourBatches{}
	}
	if err := d.decodeHour(ctx, hb, j); err != nil {
		return nil, fmt.Errorf("store: read minutes of hour %d: %w", j.h, err)
	}
	return hb, nil
}

func (d *hourDecoder) decodeHour(ctx context.Context, hb *hourBatches, j hourJob) error {
	bh := &d.hour
	bh.reset()
	for i, b := range j.batches {
		if err := d.r.addBatch(bh, j.h, i+1, b); err != nil {
			return err
		}
	}
	window := d.r.window(j.h)
	hb.reset()
	streamed, err := d.stream(ctx, hb, window, bh.unstaged(window), j.chunks)
	if err != nil {
		return err
	}
	if !streamed {
		hb.reset()
		if err := d.sorted(ctx, hb, window, j.chunks); err != nil {
			return err
		}
	}
	return bh.finish(hb, j.h, window, d.r.names)
}

// window is the minutes of hour h the read covers, as bits.
func (r *batchReader) window(h int64) uint64 {
	var w uint64
	for i := max(r.from-h, 0); i < min(r.to-h, chunkMinutes); i++ {
		w |= 1 << i
	}
	return w
}

// stream decodes chunks series by series into hb, the minutes of usual
// straight into their batches, the other minutes of window into
// bh.chunked for finish. It reports false, and stops, at a series not numbered above
// the one before it.
func (d *hourDecoder) stream(ctx context.Context, hb *hourBatches, window, usual uint64, chunks []storedChunk) (bool, error) {
	bh := &d.hour
	last := int32(-1)
	for _, c := range chunks {
		agent, err := d.r.s.lookup(ctx, tableAgents, c.agentID)
		if err != nil {
			return false, err
		}
		cr, err := codec.NewChunkReader(c.data)
		if err != nil {
			return false, fmt.Errorf("agent %s: %w", agent, err)
		}
		sh := &bh.scratch
		for {
			more, err := cr.Next(sh)
			if err != nil {
				return false, fmt.Errorf("agent %s: %w", agent, err)
			}
			if !more {
				break
			}
			n, err := d.number(ctx, agent, c.agentID, sh.ID)
			if err != nil || n < 0 {
				if err != nil {
					return false, err
				}
				continue
			}
			if n <= last {
				return false, nil
			}
			last = n
			bh.place(hb, n, agent, sh, window, usual)
		}
	}
	return true, nil
}

// sorted decodes every chunk, sorts their series by number and agent and
// puts the records of the minutes with one agent a series and nothing
// staged into hb, the others' into bh.chunked for finish.
func (d *hourDecoder) sorted(ctx context.Context, hb *hourBatches, window uint64, chunks []storedChunk) error {
	bh := &d.hour
	bh.series = bh.series[:0]
	for len(bh.decoded) < len(chunks) {
		bh.decoded = append(bh.decoded, nil)
	}
	for i, c := range chunks {
		if err := d.addChunk(ctx, i, c); err != nil {
			return err
		}
	}
	slices.SortFunc(bh.series, func(a, b numberedSeries) int { return cmp.Or(cmp.Compare(a.n, b.n), cmp.Compare(a.agent, b.agent)) })
	usual := bh.unstaged(window)
	for i := 1; i < len(bh.series); i++ {
		if bh.series[i].n == bh.series[i-1].n {
			usual = 0 // records of several agents to sum
		}
	}
	for i := range bh.chunked {
		bh.chunked[i] = bh.chunked[i][:0]
	}
	for _, s := range bh.series {
		bh.place(hb, s.n, s.agent, s.sh, window, usual)
	}
	bh.usual = usual
	return nil
}

// place puts series n's records of an hour, as agent stored them: those
// of the usual minutes straight into their batches in hb, those of the
// other minutes of window into bh.chunked for finish.
func (bh *batchHour) place(hb *hourBatches, n int32, agent string, sh *codec.SeriesHour, window, usual uint64) {
	for have := sh.Have & usual; have != 0; have &= have - 1 {
		i := bits.TrailingZeros64(have)
		hb.recs[i] = append(hb.recs[i], slawatch.Record{Series: n, Minute: sh.M[i]})
	}
	for have := sh.Have & window &^ usual; have != 0; have &= have - 1 {
		i := bits.TrailingZeros64(have)
		bh.chunked[i] = append(bh.chunked[i], numberedEntry{n: n, agent: agent, m: sh.M[i]})
	}
}

// addChunk decodes the i-th chunk of the hour into bh.series.
func (d *hourDecoder) addChunk(ctx context.Context, i int, c storedChunk) error {
	bh := &d.hour
	agent, err := d.r.s.lookup(ctx, tableAgents, c.agentID)
	if err != nil {
		return err
	}
	if bh.decoded[i], err = codec.DecodeChunkTo(bh.decoded[i], c.data); err != nil {
		return fmt.Errorf("agent %s: %w", agent, err)
	}
	for j := range bh.decoded[i] {
		sh := &bh.decoded[i][j]
		n, err := d.number(ctx, agent, c.agentID, sh.ID)
		if err != nil {
			return err
		}
		if n >= 0 {
			bh.series = append(bh.series, numberedSeries{n: n, agent: agent, sh: sh})
		}
	}
	return nil
}

// number is the number of an agent's series, -1 when it is not read;
// keep is asked once.
func (d *hourDecoder) number(ctx context.Context, agent string, agentID, seriesID int64) (int32, error) {
	k := agentSeries{agentID, seriesID}
	if n, ok := d.kept[k]; ok {
		return n, nil
	}
	name, err := d.r.s.lookup(ctx, tableSeries, seriesID)
	if err != nil {
		return 0, err
	}
	n := d.r.number(agent, name)
	d.kept[k] = n
	return n, nil
}

// number is the number of an agent's series, -1 when it is not read.
func (r *batchReader) number(agent, series string) int32 {
	n, ok := r.index[series]
	if !ok || r.keep != nil && !r.keep(agent, series) {
		return -1
	}
	return n
}

// batchHour is what a decoding goroutine keeps of the hour it decodes:
// the staged records and, for the minutes that have some (or a series of
// several agents), the chunks' records by minute, to resolve; the
// chunks' series when decoded whole. Its memory is reused hour to hour.
type batchHour struct {
	staged  [chunkMinutes][]numberedEntry
	chunked [chunkMinutes][]numberedEntry
	usual   uint64 // the minutes put into batches as decoded
	scratch codec.SeriesHour
	series  []numberedSeries
	decoded [][]codec.SeriesHour // each chunk's series, when decoded whole
	entries []numberedEntry      // a minute's entries, reused
}

func (bh *batchHour) reset() {
	for i := range bh.staged {
		bh.staged[i], bh.chunked[i] = bh.staged[i][:0], bh.chunked[i][:0]
	}
}

// unstaged returns the minutes of window without staged records, and
// notes them as the usual minutes.
func (bh *batchHour) unstaged(window uint64) uint64 {
	bh.usual = window
	for i := range bh.staged {
		if len(bh.staged[i]) > 0 {
			bh.usual &^= 1 << i
		}
	}
	return bh.usual
}

func (hb *hourBatches) reset() {
	for i := range hb.recs {
		hb.recs[i] = hb.recs[i][:0]
	}
	hb.bs = hb.bs[:0]
}

// numberedSeries is a chunk's series with its number and agent.
type numberedSeries struct {
	n     int32
	agent string
	sh    *codec.SeriesHour
}

// numberedEntry is one stored record of a minute: prio orders the copies
// of one (agent, series), the first stored (a chunk's) lowest.
type numberedEntry struct {
	n     int32
	prio  int
	agent string
	m     slawatch.Minute
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

// finish resolves the minutes of window not usual and makes hb's batches.
func (bh *batchHour) finish(hb *hourBatches, h int64, window uint64, names []string) error {
	for i := range hb.recs {
		if window&(1<<i) == 0 {
			continue
		}
		if bh.usual&(1<<i) == 0 {
			var err error
			if hb.recs[i], err = bh.resolve(i, hb.recs[i][:0], names); err != nil {
				return fmt.Errorf("minute %d: %w", h+int64(i), err)
			}
		}
		if n := len(hb.recs[i]); n > 0 {
			hb.bs = append(hb.bs, slawatch.Batch{Minute: h + int64(i), Records: hb.recs[i], Rows: int64(n)})
		}
	}
	return nil
}

// resolve appends minute i's records to out from its chunks' and staged
// entries: sorted, a later copy of an agent's record dropped and the
// agents' records of a series summed, as emit does.
func (bh *batchHour) resolve(i int, out []slawatch.Record, names []string) ([]slawatch.Record, error) {
	es := append(append(bh.entries[:0], bh.chunked[i]...), bh.staged[i]...)
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
