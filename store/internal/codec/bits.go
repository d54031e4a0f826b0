package codec

import "encoding/binary"

// bitWriter appends values of 0 to 64 bits to buf, least significant bit
// first.
type bitWriter struct {
	buf []byte
	acc uint64
	n   uint // bits in acc, fewer than 8 between calls
}

func (w *bitWriter) write(v uint64, width uint) {
	if width > 32 {
		w.write32(v&(1<<32-1), 32)
		v, width = v>>32, width-32
	}
	w.write32(v, width)
}

func (w *bitWriter) write32(v uint64, width uint) {
	w.acc |= (v & (1<<width - 1)) << w.n
	w.n += width
	for w.n >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

// flush appends the last, partial byte and returns the buffer.
func (w *bitWriter) flush() []byte {
	if w.n > 0 {
		w.buf = append(w.buf, byte(w.acc))
	}
	w.acc, w.n = 0, 0
	return w.buf
}

// bitReader reads what bitWriter wrote from p, which the caller has checked
// holds enough bits; past its end it reads zeros.
type bitReader struct {
	p   []byte
	acc uint64
	n   uint
}

func (r *bitReader) read(width uint) uint64 {
	if width > 32 {
		lo := r.read32(32)
		return lo | r.read32(width-32)<<32
	}
	return r.read32(width)
}

func (r *bitReader) read32(width uint) uint64 {
	if r.n < width {
		r.refill()
	}
	v := r.acc & (1<<width - 1)
	r.acc >>= width
	r.n -= width
	return v
}

// unpack sets each of t to base plus the next width bits: read in a loop
// of its own, since most columns are narrow and many have width 0.
func (r *bitReader) unpack(t []uint64, base uint64, width uint) {
	switch {
	case width == 0:
		for i := range t {
			t[i] = base
		}
	case width <= 32:
		// the reader's state in locals, where the compiler keeps it in
		// registers; refilled a word at a time while p holds one
		mask := uint64(1)<<width - 1
		acc, n, p := r.acc, r.n, r.p
		for i := range t {
			if n < width {
				if len(p) < 8 {
					r.acc, r.n, r.p = acc, n, p
					r.refill()
					acc, n, p = r.acc, r.n, r.p
				} else {
					acc |= binary.LittleEndian.Uint64(p) << n
					k := (63 - n) / 8
					p, n = p[k:], n+k*8
				}
			}
			t[i] = base + acc&mask
			acc >>= width
			n -= width
		}
		r.acc, r.n, r.p = acc, n, p
	default:
		for i := range t {
			t[i] = base + r.read(width)
		}
	}
}

// refill tops acc up to at least 57 bits, a word at a time where p holds
// one, zeros past its end.
func (r *bitReader) refill() {
	if len(r.p) >= 8 {
		r.acc |= binary.LittleEndian.Uint64(r.p) << r.n
		k := (63 - r.n) / 8 // whole bytes that fit
		r.p, r.n = r.p[k:], r.n+k*8
		return
	}
	for r.n <= 56 {
		var b byte
		if len(r.p) > 0 {
			b, r.p = r.p[0], r.p[1:]
		}
		r.acc |= uint64(b) << r.n
		r.n += 8
	}
}
