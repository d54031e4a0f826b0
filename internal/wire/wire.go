// Package wire is the binary encoding of minute records that the agent's
// spool, the ingest body and the server's store share: unsigned varints,
// and series names stored as the length of the prefix they share with the
// previous name and the rest, so a batch sorted by series costs a few
// bytes of name per record.
//
// A record has one of two layouts, and each carrier's format version says
// which (ingest's magic, the spool's codec, the store's version byte):
// Untimed, the six fields of the formats from before reply timing, and
// Timed, the same six and then FirstReply and LastReply. An Untimed
// record decodes with no timing (both 0); every carrier writes Timed.
package wire

import (
	"encoding/binary"
	"math"

	"github.com/slawatch/slawatch"
)

// Layout is which fields a minute record has.
type Layout uint8

// The layouts.
const (
	// Untimed is Sent, Received, RTTSum, RTTSumSq, RTTMin, RTTMax.
	Untimed Layout = iota
	// Timed is Untimed's six fields and then FirstReply, LastReply.
	Timed
)

// Fields returns the number of fields of a minute record of layout l,
// each a uvarint of at least one byte.
func (l Layout) Fields() int {
	if l == Timed {
		return 8
	}
	return 6
}

// AppendRecords appends records, each as its name (after prev's) and its
// minute in layout l. Records sorted by series compress best.
func AppendRecords(b []byte, recs []slawatch.SeriesMinute, l Layout) []byte {
	prev := ""
	for i := range recs {
		r := &recs[i]
		k := sharedPrefix(prev, r.Series)
		b = binary.AppendUvarint(b, uint64(k))
		b = binary.AppendUvarint(b, uint64(len(r.Series)-k))
		b = append(b, r.Series[k:]...)
		b = AppendMinute(b, &r.M, l)
		prev = r.Series
	}
	return b
}

// AppendMinute appends a minute record's fields in layout l: Untimed
// drops the timing.
func AppendMinute(b []byte, m *slawatch.Minute, l Layout) []byte {
	b = binary.AppendUvarint(b, uint64(m.Sent))
	b = binary.AppendUvarint(b, uint64(m.Received))
	b = binary.AppendUvarint(b, m.RTTSum)
	b = binary.AppendUvarint(b, m.RTTSumSq)
	b = binary.AppendUvarint(b, uint64(m.RTTMin))
	b = binary.AppendUvarint(b, uint64(m.RTTMax))
	if l == Timed {
		b = binary.AppendUvarint(b, uint64(m.FirstReply))
		b = binary.AppendUvarint(b, uint64(m.LastReply))
	}
	return b
}

func sharedPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// Decoder reads from P; after the first failure Bad is set, P is emptied
// and every further read returns zero, so callers check once at the end.
type Decoder struct {
	P   []byte
	Bad bool
}

// Fail marks the input bad.
func (d *Decoder) Fail() { d.Bad, d.P = true, nil }

// Uvarint reads an unsigned varint.
func (d *Decoder) Uvarint() uint64 {
	v, n := binary.Uvarint(d.P)
	if n <= 0 {
		d.Fail()
		return 0
	}
	d.P = d.P[n:]
	return v
}

// Varint reads a signed varint.
func (d *Decoder) Varint() int64 {
	v, n := binary.Varint(d.P)
	if n <= 0 {
		d.Fail()
		return 0
	}
	d.P = d.P[n:]
	return v
}

// Uint32 reads an unsigned varint that must fit 32 bits.
func (d *Decoder) Uint32() uint32 {
	v := d.Uvarint()
	if v > math.MaxUint32 {
		d.Fail()
		return 0
	}
	return uint32(v)
}

// Uint8 reads an unsigned varint that must fit 8 bits.
func (d *Decoder) Uint8() uint8 {
	v := d.Uvarint()
	if v > math.MaxUint8 {
		d.Fail()
		return 0
	}
	return uint8(v)
}

// Byte reads one byte.
func (d *Decoder) Byte() byte {
	if len(d.P) == 0 {
		d.Fail()
		return 0
	}
	b := d.P[0]
	d.P = d.P[1:]
	return b
}

// Bytes reads the next n bytes.
func (d *Decoder) Bytes(n uint64) []byte {
	if n > uint64(len(d.P)) {
		d.Fail()
		return nil
	}
	b := d.P[:n]
	d.P = d.P[n:]
	return b
}

// Minute reads a minute record's fields in layout l. It checks that
// each fits its field, not that they agree with each other.
func (d *Decoder) Minute(m *slawatch.Minute, l Layout) {
	m.Sent, m.Received = d.Uint32(), d.Uint32()
	m.RTTSum, m.RTTSumSq = d.Uvarint(), d.Uvarint()
	m.RTTMin, m.RTTMax = d.Uint32(), d.Uint32()
	m.FirstReply, m.LastReply = 0, 0
	if l == Timed {
		m.FirstReply, m.LastReply = d.Uint8(), d.Uint8()
	}
}
