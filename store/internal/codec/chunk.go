package codec

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"

	slawatch "github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/wire"
)

// ChunkMinutes is the span of a chunk: one clock hour, aligned to the
// Unix epoch.
const ChunkMinutes = 60

// ChunkVersion is the first byte of every chunk AppendChunk writes.
// DecodeChunk reads version 1 as well: chunks from before reply timing,
// without its two columns, whose records decode untimed.
const ChunkVersion = 2

// ChunkStart returns the first minute of the chunk holding minute.
func ChunkStart(minute int64) int64 { return minute - minute%ChunkMinutes }

// SeriesHour is one series' records in one chunk: Have has bit i set when
// the record of the chunk's minute i is present in M[i].
type SeriesHour struct {
	ID   int64 // the series' id in the series table
	Have uint64
	M    [ChunkMinutes]slawatch.Minute
}

const FullHour = 1<<ChunkMinutes - 1

// A chunk holds one agent's records of one hour, every series of that agent:
//
//	version byte (2), series count uvarint,
//	per series, by increasing id:
//	    id uvarint (the first) or id minus the previous id (the others)
//	    absent minutes uvarint: bit i set when minute i has no record
//	    columns over the present minutes: Sent, Sent-Received
//	    columns over the minutes with Received > 0:
//	        mean = RTTSum / Received, RTTSum % Received,
//	        mean - RTTMin, RTTMax - mean,
//	        RTTSumSq - RTTSum²/Received (integer division: the sum of
//	        squared deviations, up to rounding),
//	        FirstReply, LastReply - FirstReply (both 0 when untimed)
//
// The columns are modelled so that a steady series has small, nearly
// constant values: a lost probe changes Sent-Received, not the mean; the
// jitter shows in the RTT columns only as wide as it is. A series probed
// at steady seconds has the same timing every minute, two columns of
// width 0 (3 bytes each an hour); a lost first or last probe is an
// exception of two bytes. Version 1 is the same without the two timing
// columns.
func AppendChunk(b []byte, series []SeriesHour) ([]byte, error) {
	b = append(b, ChunkVersion)
	b = binary.AppendUvarint(b, uint64(len(series)))
	var prev int64
	c := newColumns()
	for i := range series {
		s := &series[i]
		if s.ID <= prev || s.Have == 0 || s.Have&^FullHour != 0 {
			return nil, fmt.Errorf("chunk: series %d out of order or empty", s.ID)
		}
		b = binary.AppendUvarint(b, uint64(s.ID-prev))
		b = binary.AppendUvarint(b, FullHour&^s.Have)
		var err error
		if b, err = c.append(b, s); err != nil {
			return nil, fmt.Errorf("chunk: series %d: %w", s.ID, err)
		}
		prev = s.ID
	}
	return b, nil
}

// columns holds a series' columns while they are encoded or decoded.
type columns struct {
	sent, lost, mean, rem, lo, hi, dev, first, span, scratch []uint64

	timed bool // decoding: the chunk has the timing columns (version 2)
}

func newColumns() *columns {
	c := &columns{}
	for _, p := range []*[]uint64{&c.sent, &c.lost, &c.mean, &c.rem, &c.lo, &c.hi, &c.dev, &c.first, &c.span, &c.scratch} {
		*p = make([]uint64, 0, ChunkMinutes)
	}
	return c
}

// append splits s into columns and encodes them.
func (c *columns) append(b []byte, s *SeriesHour) ([]byte, error) {
	c.sent, c.lost, c.mean, c.rem = c.sent[:0], c.lost[:0], c.mean[:0], c.rem[:0]
	c.lo, c.hi, c.dev, c.first, c.span = c.lo[:0], c.hi[:0], c.dev[:0], c.first[:0], c.span[:0]
	for i := range ChunkMinutes {
		if s.Have&(1<<i) == 0 {
			continue
		}
		m := &s.M[i]
		if why := CheckMinute(m); why != "" {
			return nil, fmt.Errorf("minute %d: %s", i, why)
		}
		c.sent, c.lost = append(c.sent, uint64(m.Sent)), append(c.lost, uint64(m.Sent-m.Received))
		if m.Received > 0 {
			c.splitRTT(m)
		}
	}
	for _, col := range [][]uint64{c.sent, c.lost, c.mean, c.rem, c.lo, c.hi, c.dev, c.first, c.span} {
		if len(col) > 0 {
			b = appendColumn(b, col, c.scratch)
		}
	}
	return b, nil
}

// splitRTT appends the RTT columns of a record checked by CheckMinute.
func (c *columns) splitRTT(m *slawatch.Minute) {
	r := uint64(m.Received)
	mean := m.RTTSum / r
	sq1, sq0 := bits.Mul64(m.RTTSum, m.RTTSum)
	sq, _ := bits.Div64(sq1, sq0, r) // sq1 < r: Sum²/r ≤ SumSq fits
	c.mean = append(c.mean, mean)
	c.rem = append(c.rem, m.RTTSum%r)
	lo, hi := mean-uint64(m.RTTMin), uint64(m.RTTMax)-mean
	c.lo, c.hi = append(c.lo, lo), append(c.hi, hi)
	c.dev = append(c.dev, m.RTTSumSq-sq-lo*lo-hi*hi)
	c.first = append(c.first, uint64(m.FirstReply))
	c.span = append(c.span, uint64(m.LastReply-m.FirstReply))
}

// DecodeChunk decodes a chunk. Whatever p holds, it returns an error or
// series whose every record passes CheckMinute; it never panics.
func DecodeChunk(p []byte) ([]SeriesHour, error) { return DecodeChunkTo(nil, p) }

// DecodeChunkTo is DecodeChunk decoding into dst's memory, which a reader
// of many chunks reuses: a record absent from a series (its Have bit
// clear) is then left as it was, not zeroed.
func DecodeChunkTo(dst []SeriesHour, p []byte) ([]SeriesHour, error) {
	r, err := NewChunkReader(p)
	if err != nil {
		return nil, err
	}
	out := dst[:0]
	if out == nil || cap(out) < r.Len() {
		out = make([]SeriesHour, r.Len())
	}
	out = out[:r.Len()]
	for i := range out {
		if _, err := r.Next(&out[i]); err != nil {
			return nil, err
		}
	}
	if _, err := r.Next(nil); err != nil {
		return nil, err
	}
	return out, nil
}

// ChunkReader decodes a chunk series by series, for a reader that uses
// each series' records at once and so needs one SeriesHour, not the
// chunk's. It checks what DecodeChunk checks: a chunk is whole and
// sound once Next has returned false without an error.
type ChunkReader struct {
	d    decoder
	c    *columns
	n, i int
	id   int64
}

// NewChunkReader reads the chunk's header.
func NewChunkReader(p []byte) (*ChunkReader, error) {
	d := decoder{wire.Decoder{P: p}}
	version := d.Byte()
	if d.Bad || version < 1 || version > ChunkVersion {
		return nil, fmt.Errorf("chunk: %w: version", ErrCorrupt)
	}
	n := d.Uvarint()
	if d.Bad || n > uint64(len(d.P))/3 { // id, absent mask, a column header
		return nil, fmt.Errorf("chunk: %w: series count", ErrCorrupt)
	}
	r := &ChunkReader{d: d, c: newColumns(), n: int(n)}
	r.c.timed = version >= 2
	return r, nil
}

// Len is the number of series in the chunk.
func (r *ChunkReader) Len() int { return r.n }

// Next decodes the next series into s and reports true, or, after the
// last, checks that nothing follows it and reports false. A record
// absent from s (its Have bit clear) is left as it was.
func (r *ChunkReader) Next(s *SeriesHour) (bool, error) {
	d := &r.d
	if r.i == r.n {
		if d.Bad || len(d.P) != 0 {
			return false, fmt.Errorf("chunk: %w: trailing bytes", ErrCorrupt)
		}
		return false, nil
	}
	gap, absent := d.Uvarint(), d.Uvarint()
	if d.Bad || gap == 0 || gap > 1<<62-uint64(r.id) || absent >= FullHour {
		return false, fmt.Errorf("chunk: %w: series header", ErrCorrupt)
	}
	r.id += int64(gap)
	r.i++
	s.ID, s.Have = r.id, FullHour&^absent
	if err := r.c.decode(d, s); err != nil {
		return false, fmt.Errorf("chunk: series %d: %w", r.id, err)
	}
	return true, nil
}

// decode reads s's columns and rebuilds its records.
func (c *columns) decode(d *decoder, s *SeriesHour) error {
	n := bits.OnesCount64(s.Have)
	var err error
	if c.sent, err = d.column(n, c.sent); err != nil {
		return err
	}
	if c.lost, err = d.column(n, c.lost); err != nil {
		return err
	}
	k := 0 // minutes with replies
	for j := range n {
		if c.lost[j] > c.sent[j] || c.sent[j] > math.MaxUint32 {
			return fmt.Errorf("%w: sent or lost", ErrCorrupt)
		}
		if c.lost[j] < c.sent[j] {
			k++
		}
	}
	if k > 0 {
		if err := c.decodeRTT(d, k); err != nil {
			return err
		}
	}
	return c.rebuild(s)
}

func (c *columns) decodeRTT(d *decoder, k int) error {
	all := [...]*[]uint64{&c.mean, &c.rem, &c.lo, &c.hi, &c.dev, &c.first, &c.span}
	cols := all[:5]
	c.first, c.span = c.first[:0], c.span[:0]
	if c.timed {
		cols = all[:]
	}
	for _, p := range cols {
		var err error
		if *p, err = d.column(k, *p); err != nil {
			return err
		}
	}
	return nil
}

// rebuild fills s.m from the decoded columns.
func (c *columns) rebuild(s *SeriesHour) error {
	j, k := 0, 0
	for i := range ChunkMinutes {
		if s.Have&(1<<i) == 0 {
			continue
		}
		m := &s.M[i]
		*m = slawatch.Minute{Sent: uint32(c.sent[j]), Received: uint32(c.sent[j] - c.lost[j])}
		j++
		if m.Received == 0 {
			continue
		}
		if err := c.joinTiming(m, k); err != nil {
			return fmt.Errorf("minute %d: %w", i, err)
		}
		if err := c.joinRTT(m, k); err != nil {
			return fmt.Errorf("minute %d: %w", i, err)
		}
		k++
	}
	return nil
}

// joinTiming sets m's reply timing from row k of the timing columns, if
// the chunk has them; joinRTT checks the record.
func (c *columns) joinTiming(m *slawatch.Minute, k int) error {
	m.FirstReply, m.LastReply = 0, 0
	if !c.timed {
		return nil
	}
	first, span := c.first[k], c.span[k]
	if first > 60 || span > 60 {
		return fmt.Errorf("%w: reply timing", ErrCorrupt)
	}
	m.FirstReply, m.LastReply = uint8(first), uint8(first+span)
	return nil
}

// joinRTT rebuilds m's RTT fields from row k of the RTT columns, refusing
// any overflow and any record CheckMinute refuses.
func (c *columns) joinRTT(m *slawatch.Minute, k int) error {
	r := uint64(m.Received)
	mean, rem := c.mean[k], c.rem[k]
	mhi, sum := bits.Mul64(mean, r)
	sum, carry := bits.Add64(sum, rem, 0)
	if mhi != 0 || carry != 0 || rem >= r || mean > math.MaxUint32 || c.lo[k] > mean || c.hi[k] > math.MaxUint32-mean {
		return fmt.Errorf("%w: RTT", ErrCorrupt)
	}
	m.RTTSum, m.RTTMin, m.RTTMax = sum, uint32(mean-c.lo[k]), uint32(mean+c.hi[k])
	sq, ok := squareOver(mean, rem, r)
	if !ok {
		return fmt.Errorf("%w: RTT sum", ErrCorrupt)
	}
	var sqc uint64
	m.RTTSumSq, sqc = bits.Add64(sq, c.dev[k]+c.lo[k]*c.lo[k]+c.hi[k]*c.hi[k], 0)
	if sqc != 0 || CheckMinute(m) != "" {
		return fmt.Errorf("%w: RTT", ErrCorrupt)
	}
	return nil
}

// squareOver returns ⌊sum²/r⌋ for sum = mean·r + rem, and false when it
// does not fit 64 bits, for mean < 2³², rem < r < 2³². Since sum² =
// r·(mean²·r + 2·mean·rem) + rem², it is mean²·r + 2·mean·rem + ⌊rem²/r⌋:
// a small division (rem is below the probes of a minute) instead of a
// 128-bit one, a record's costliest step.
func squareOver(mean, rem, r uint64) (uint64, bool) {
	h, a := bits.Mul64(mean*mean, r)
	b, c1 := bits.Add64(mean*rem, mean*rem, 0)
	var t uint64
	switch {
	case rem == 0:
	case rem < 1<<16:
		t = uint64(uint32(rem*rem) / uint32(r))
	default:
		t = rem * rem / r
	}
	s, c2 := bits.Add64(a, b, 0)
	s, c3 := bits.Add64(s, t, 0)
	return s, h|c1|c2|c3 == 0
}
