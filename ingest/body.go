package ingest

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/wire"
)

// minRecordBytes is the fewest bytes a record of layout l takes: two
// lengths and its numbers, one byte each (a name may be all prefix). It
// bounds the record count a block may claim before anything is allocated.
func minRecordBytes(l wire.Layout) int { return 2 + l.Fields() }

// AppendBlock appends one minute's records to the body b, starting the
// body with Magic when b is empty. minute must lie in [0, MaxMinute] and
// every series name be 1 to MaxSeriesBytes bytes: anything else is
// encoded all the same, and Decode refuses it.
func AppendBlock(b []byte, minute int64, recs []slawatch.SeriesMinute) []byte {
	if len(b) == 0 {
		b = append(b, Magic...)
	}
	b = binary.AppendUvarint(b, uint64(minute))
	b = binary.AppendUvarint(b, uint64(len(recs)))
	return wire.AppendRecords(b, recs, wire.Timed)
}

// Decode decodes the body p and calls fn with each block in order,
// stopping at fn's first error, which it returns as it is. The recs slice
// is reused from one call to the next: fn must copy what it keeps of it
// (the Series strings themselves may be kept).
//
// Bodies of either version decode (see the package documentation); a
// version 1 body's records are untimed. A body that does not decode is refused with an error of code
// slawatch.EINVALID naming the block and the byte offset; fn may have been
// called for the blocks before it. Decode does not panic, and allocates no
// more than a small multiple of len(p) whatever p claims.
func Decode(p []byte, fn func(minute int64, recs []slawatch.SeriesMinute) error) error {
	var layout wire.Layout
	switch {
	case len(p) >= len(Magic) && string(p[:len(Magic)]) == Magic:
		layout = wire.Timed
	case len(p) >= len(MagicV1) && string(p[:len(MagicV1)]) == MagicV1:
		layout = wire.Untimed
	default:
		return slawatch.Errorf(slawatch.EINVALID, "ingest body: not a minute-records body (want magic %q, or %q of agents before reply timing, at byte 0)", Magic, MagicV1)
	}
	d := decoder{body: p, layout: layout, Decoder: wire.Decoder{P: p[len(Magic):]}}
	for ; len(d.P) > 0; d.block++ {
		minute, err := d.decodeBlock()
		if err != nil {
			return err
		}
		if err := fn(minute, d.recs); err != nil {
			return err
		}
	}
	return nil
}

// decoder decodes a body's blocks one by one, reusing its buffers.
type decoder struct {
	wire.Decoder
	layout wire.Layout // the records', by the body's version
	body   []byte      // the whole body, for offsets
	block  int         // the block being decoded, from 0
	recs   []slawatch.SeriesMinute
	names  []byte // the block's names, end to end
	ends   []int  // where each name ends in names
}

// off returns the offset in the body of what is left to decode; it is
// meaningful only while the decoder is not Bad.
func (d *decoder) off() int { return len(d.body) - len(d.P) }

// errorf returns the error for a problem at byte offset at.
func (d *decoder) errorf(at int, format string, args ...any) error {
	return slawatch.Errorf(slawatch.EINVALID, "ingest body: block %d at byte %d: %s", d.block, at, fmt.Sprintf(format, args...))
}

// decodeBlock decodes the next block into d.recs and returns its minute.
func (d *decoder) decodeBlock() (int64, error) {
	at := d.off()
	minute := d.Uvarint()
	switch {
	case d.Bad:
		return 0, d.errorf(at, "minute: truncated or overlong varint")
	case minute > MaxMinute:
		return 0, d.errorf(at, "minute %d: beyond %d (the year 9999)", minute, MaxMinute)
	}
	at = d.off()
	n := d.Uvarint()
	switch {
	case d.Bad:
		return 0, d.errorf(at, "record count: truncated or overlong varint")
	case n > uint64(len(d.P))/uint64(minRecordBytes(d.layout)):
		return 0, d.errorf(at, "record count %d: more than the %d bytes left can hold", n, len(d.P))
	}
	d.recs = slices.Grow(d.recs[:0], int(n))[:n]
	d.names, d.ends = d.names[:0], d.ends[:0]
	prev := 0 // where the previous name starts in d.names
	for i := range d.recs {
		start := len(d.names)
		if err := d.decodeName(i, prev); err != nil {
			return 0, err
		}
		prev = start
		at = d.off()
		if d.Minute(&d.recs[i].M, d.layout); d.Bad {
			return 0, d.fieldError(i, at)
		}
	}
	names := string(d.names) // one allocation for the block's names
	start := 0
	for i, end := range d.ends {
		d.recs[i].Series = names[start:end]
		start = end
	}
	return int64(minute), nil
}

// decodeName appends record i's name to d.names; prev is where the
// previous record's name starts.
func (d *decoder) decodeName(i, prev int) error {
	at := d.off()
	k, m := d.Uvarint(), d.Uvarint()
	suffix := d.Bytes(m)
	shared := uint64(len(d.names) - prev) // the previous name's length; 0 for the first
	switch {
	case d.Bad:
		return d.errorf(at, "record %d: name: truncated or overlong", i)
	case k > shared:
		return d.errorf(at, "record %d: name: shares %d bytes with the previous name, of %d", i, k, shared)
	case k+m == 0:
		return d.errorf(at, "record %d: name: empty", i)
	case k+m > MaxSeriesBytes:
		return d.errorf(at, "record %d: name: %d bytes, longer than %d", i, k+m, MaxSeriesBytes)
	}
	d.names = append(d.names, d.names[prev:prev+int(k)]...)
	d.names = append(d.names, suffix...)
	d.ends = append(d.ends, len(d.names))
	return nil
}

// recordFields names a record's numbers in their order (layout Untimed:
// the first six), and how many bits each may take.
var recordFields = [...]struct {
	name string
	bits int
}{{"sent", 32}, {"received", 32}, {"rtt_sum", 64}, {"rtt_sumsq", 64}, {"rtt_min", 32}, {"rtt_max", 32}, {"first_reply", 8}, {"last_reply", 8}}

// fieldError finds which of record i's numbers, from offset at, does not
// decode: the slow path, taken only on failure.
func (d *decoder) fieldError(i, at int) error {
	p := d.body[at:]
	for _, f := range recordFields[:d.layout.Fields()] {
		v, n := binary.Uvarint(p)
		switch {
		case n <= 0:
			return d.errorf(at, "record %d: %s: truncated or overlong varint", i, f.name)
		case f.bits < 64 && v >= 1<<f.bits:
			return d.errorf(at, "record %d: %s: %d does not fit %d bits", i, f.name, v, f.bits)
		}
		at, p = at+n, p[n:]
	}
	return d.errorf(at, "record %d: malformed", i) // not reached: the fields decode
}
