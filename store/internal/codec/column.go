package codec

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
)

// A column is up to ChunkMinutes uint64 values of one field of one series,
// stored as a frame of reference with exceptions:
//
//	header byte: bit 7 set for delta mode, bits 0-6 the width w (0..64)
//	delta mode only: the first value, uvarint
//	base: varint
//	exception count uvarint, then per exception: its index minus the
//	    previous exception's index (the first: its index plus one),
//	    uvarint, and its offset from the base, varint
//	the other values' offsets from the base, w bits each, least significant
//	    bit first, padded to a whole byte
//
// In raw mode the values are stored; in delta mode the first value and then
// each value minus the one before it (wrapping, compared as signed). The
// base is the smallest value but a few, the width covers all values but a
// few, and the few are exceptions: one lost probe or a route change then
// costs a few bytes, not a wider column for the whole hour.
const (
	deltaFlag    = 0x80
	maxLowExcept = 2  // exceptions below the base tried
	maxHiExcept  = 12 // exceptions above the width tried
)

// colPlan is one way to store a column.
type colPlan struct {
	delta bool
	base  uint64
	width uint
	bytes int // the column's size, estimated
}

// appendColumn encodes vals in whichever mode and plan is smaller.
func appendColumn(b []byte, vals []uint64, scratch []uint64) []byte {
	p := planColumn(vals, false, scratch)
	if len(vals) > 1 {
		if d := planColumn(vals, true, scratch); d.bytes < p.bytes {
			p = d
		}
	}
	return p.append(b, vals)
}

// terms returns the values the column packs: vals, or their differences.
func terms(vals []uint64, delta bool, dst []uint64) []uint64 {
	dst = dst[:0]
	if !delta {
		return append(dst, vals...)
	}
	for i := 1; i < len(vals); i++ {
		dst = append(dst, vals[i]-vals[i-1])
	}
	return dst
}

// order returns a sort key under which terms compare as signed integers:
// differences and model residuals may be negative, and no stored value
// reaches 2⁶³ in practice (a wrapped one only costs bytes, never
// exactness: every step wraps the same way when decoding).
func order(v uint64) uint64 { return v ^ 1<<63 }

// planColumn chooses the base and width with the fewest bytes among those
// leaving at most maxLowExcept values below and maxHiExcept above.
func planColumn(vals []uint64, delta bool, scratch []uint64) colPlan {
	t := terms(vals, delta, scratch)
	for i := range t {
		t[i] = order(t[i])
	}
	slices.Sort(t)
	best := colPlan{bytes: -1}
	n := len(t)
	for lo := 0; lo <= min(maxLowExcept, n-1); lo++ {
		for hi := 0; hi <= min(maxHiExcept, n-1-lo); hi++ {
			p := colPlan{delta: delta, base: order(t[lo]), width: uint(bits.Len64(t[n-1-hi] - t[lo]))}
			p.bytes = p.estimate(t, lo, hi, vals)
			if best.bytes < 0 || p.bytes < best.bytes {
				best = p
			}
		}
	}
	return best
}

// estimate returns the size of plan p for the sorted keys t with lo values
// excepted below and hi above (values equal to the bounds would in fact
// be packed, so the estimate errs high).
func (p *colPlan) estimate(t []uint64, lo, hi int, vals []uint64) int {
	n := 1 + varintLen(int64(p.base)) + uvarintLen(uint64(lo+hi))
	if p.delta {
		n += uvarintLen(vals[0])
	}
	for i := range lo {
		n += 1 + varintLen(int64(order(t[i])-p.base))
	}
	for i := len(t) - hi; i < len(t); i++ {
		n += 1 + varintLen(int64(order(t[i])-p.base))
	}
	return n + (len(t)-lo-hi)*int(p.width)/8 + 1
}

// fits reports whether term v is packed (not an exception) under p.
func (p *colPlan) fits(v uint64) bool {
	if order(v) < order(p.base) {
		return false
	}
	return p.width == 64 || v-p.base < 1<<p.width
}

// append encodes vals under p.
func (p *colPlan) append(b []byte, vals []uint64) []byte {
	head := byte(p.width)
	if p.delta {
		head |= deltaFlag
	}
	b = append(b, head)
	var t []uint64
	if p.delta {
		b = binary.AppendUvarint(b, vals[0])
		b = binary.AppendVarint(b, int64(p.base))
		t = terms(vals, true, make([]uint64, 0, len(vals)))
	} else {
		b = binary.AppendVarint(b, int64(p.base))
		t = vals
	}
	return p.appendTerms(b, t)
}

// appendTerms appends the exceptions and the packed offsets.
func (p *colPlan) appendTerms(b []byte, t []uint64) []byte {
	nexc := 0
	for _, v := range t {
		if !p.fits(v) {
			nexc++
		}
	}
	b = binary.AppendUvarint(b, uint64(nexc))
	last := -1
	for i, v := range t {
		if !p.fits(v) {
			b = binary.AppendUvarint(b, uint64(i-last))
			b = binary.AppendVarint(b, int64(v-p.base))
			last = i
		}
	}
	w := bitWriter{buf: b}
	for _, v := range t {
		if p.fits(v) {
			w.write(v-p.base, p.width)
		}
	}
	return w.flush()
}

// column decodes a column of n values into dst, reusing its memory.
func (d *decoder) column(n int, dst []uint64) ([]uint64, error) {
	head := d.Byte()
	delta, width := head&deltaFlag != 0, uint(head&^deltaFlag)
	if d.Bad || width > 64 || n == 0 || (delta && n < 2) {
		return nil, fmt.Errorf("column: %w: header", ErrCorrupt)
	}
	dst = slices.Grow(dst[:0], n)[:n]
	t := dst
	if delta {
		dst[0] = d.Uvarint()
		t = dst[1:]
	}
	base := uint64(d.Varint())
	if err := d.terms(t, base, width); err != nil {
		return nil, err
	}
	if delta {
		for i := 1; i < n; i++ {
			dst[i] += dst[i-1]
		}
	}
	return dst, nil
}

// terms decodes the exceptions and packed offsets of len(t) terms into t.
func (d *decoder) terms(t []uint64, base uint64, width uint) error {
	n := len(t)
	nexc := d.Uvarint()
	if d.Bad || nexc > uint64(n) {
		return fmt.Errorf("column: %w: exception count", ErrCorrupt)
	}
	// the exceptions' indexes, increasing, and values: on the stack for
	// a chunk's column
	var atBuf [ChunkMinutes]int
	var valBuf [ChunkMinutes]uint64
	excAt, excVal := atBuf[:0], valBuf[:0]
	idx := -1
	for range nexc {
		gap, off := d.Uvarint(), d.Varint()
		if d.Bad || gap == 0 || gap > uint64(n-1-idx) {
			return fmt.Errorf("column: %w: exception", ErrCorrupt)
		}
		idx += int(gap)
		excAt, excVal = append(excAt, idx), append(excVal, base+uint64(off))
	}
	packed := (n - int(nexc)) * int(width)
	r := bitReader{p: d.Bytes(uint64((packed + 7) / 8))}
	if d.Bad {
		return fmt.Errorf("column: %w: packed values", ErrCorrupt)
	}
	// the packed values fill the terms between the exceptions, run by run
	at := 0
	for e, i := range excAt {
		r.unpack(t[at:i], base, width)
		t[i] = excVal[e]
		at = i + 1
	}
	r.unpack(t[at:], base, width)
	return nil
}

func uvarintLen(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

func varintLen(v int64) int {
	u := uint64(v) << 1
	if v < 0 {
		u = ^u
	}
	return uvarintLen(u)
}
