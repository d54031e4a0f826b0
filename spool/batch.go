package spool

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"

	slawatch "github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/wire"
)

// Entry is one series' minute record in a batch.
type Entry = slawatch.SeriesMinute

// Batch is what the agent appended for one wall-clock minute.
type Batch struct {
	Seq     uint64 // from 1, increasing, never repeated; gaps are possible
	Minute  int64  // Unix minute: Unix seconds / 60
	Entries []Entry
}

// Frame layout: the payload's length and a CRC32C of the length and the
// payload, both little-endian uint32, then the payload. The payload is a
// header (seq, minute, entry count) and the entries, deflated when that
// makes them smaller.
const (
	frameHeaderSize = 8
	minPayload      = 4 // seq, minute, count and codec, one byte each
	minFrame        = frameHeaderSize + minPayload
	maxPayload      = 1 << 30
	maxSeq          = 1 << 62 // far above any real count, so that no arithmetic on one overflows
	minEntrySize    = 8       // prefix length, suffix length and six numbers (untimed), one byte each
	maxDeflateRatio = 1032    // the most DEFLATE expands: bounds what a record may claim
)

// Codecs of the entries: how they are compressed, and whether they are
// timed (wire.Timed) or, in the frames of agents from before reply
// timing, not (wire.Untimed).
const (
	codecRaw     = 0
	codecDeflate = 1 // followed by the raw length, uvarint
	codecTimed   = 2 // or'ed with one of the above
	codecMax     = codecDeflate | codecTimed
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func frameCRC(length, payload []byte) uint32 {
	return crc32.Update(crc32c(length), castagnoli, payload)
}

func crc32c(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// errMalformed is a payload that does not decode. It never leaves the
// package: a malformed record is logged and skipped.
var errMalformed = errors.New("malformed batch")

// encoder turns batches into frames, reusing its buffers. It is Append's
// and not safe for concurrent use.
type encoder struct {
	raw []byte       // the entries before compression
	out appendWriter // the frame
	zw  *flate.Writer
}

// appendWriter is an io.Writer appending to b.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// frame returns the frame of one batch, valid until the next call.
func (e *encoder) frame(seq uint64, minute int64, entries []Entry) []byte {
	e.raw = appendEntries(e.raw[:0], entries)
	b := append(e.out.b[:0], 0, 0, 0, 0, 0, 0, 0, 0)
	b = binary.AppendUvarint(b, seq)
	b = binary.AppendVarint(b, minute)
	b = binary.AppendUvarint(b, uint64(len(entries)))
	b = e.appendBody(b)
	n := len(b) - frameHeaderSize
	binary.LittleEndian.PutUint32(b, uint32(n))
	binary.LittleEndian.PutUint32(b[4:], frameCRC(b[:4], b[frameHeaderSize:]))
	e.out.b = b
	return b
}

// appendBody appends the entries, deflated at the fastest level unless
// that does not make them smaller (small batches).
func (e *encoder) appendBody(b []byte) []byte {
	mark := len(b)
	b = append(b, codecDeflate|codecTimed)
	b = binary.AppendUvarint(b, uint64(len(e.raw)))
	e.out.b = b
	if e.zw == nil {
		e.zw, _ = flate.NewWriter(&e.out, flate.BestSpeed) // the level is valid
	} else {
		e.zw.Reset(&e.out)
	}
	e.zw.Write(e.raw) // appendWriter does not fail
	e.zw.Close()
	b = e.out.b
	if len(b)-mark > len(e.raw) {
		b = append(b[:mark], codecRaw|codecTimed)
		b = append(b, e.raw...)
	}
	return b
}

// appendEntries encodes entries (see package wire).
func appendEntries(b []byte, entries []Entry) []byte {
	return wire.AppendRecords(b, entries, wire.Timed)
}

// header is a payload's header and its entries, still encoded.
type header struct {
	seq    uint64
	minute int64
	count  int
	codec  byte // compression: codecRaw or codecDeflate
	layout wire.Layout
	rawLen int    // length of the entries decoded
	body   []byte // the entries as stored
}

// decodeHeader decodes what Open checks of every record: the header, and
// that the sizes are plausible. Only Next decodes the entries.
func decodeHeader(p []byte) (header, error) {
	d := decoder{wire.Decoder{P: p}}
	h := header{seq: d.Uvarint(), minute: d.Varint()}
	count, codec := d.Uvarint(), d.Uvarint()
	raw := uint64(len(d.P))
	if codec&codecDeflate != 0 {
		raw = d.Uvarint()
	}
	h.codec, h.body = byte(codec&codecDeflate), d.P
	if codec&codecTimed != 0 {
		h.layout = wire.Timed
	}
	switch {
	case d.Bad || h.seq == 0 || h.seq > maxSeq || codec > codecMax:
		return header{}, errMalformed
	case raw > maxPayload || raw > uint64(len(h.body))*maxDeflateRatio || count > raw/minEntrySize:
		return header{}, errMalformed
	}
	h.count, h.rawLen = int(count), int(raw)
	return h, nil
}

// decodeFrame checks a whole frame read back from a segment and decodes
// its batch.
func decodeFrame(frame []byte) (Batch, error) {
	if len(frame) < frameHeaderSize {
		return Batch{}, errMalformed
	}
	payload := frame[frameHeaderSize:]
	if binary.LittleEndian.Uint32(frame) != uint32(len(payload)) ||
		binary.LittleEndian.Uint32(frame[4:]) != frameCRC(frame[:4], payload) {
		return Batch{}, errMalformed
	}
	return decodePayload(payload)
}

// decodePayload decodes a batch.
func decodePayload(p []byte) (Batch, error) {
	h, err := decodeHeader(p)
	if err != nil {
		return Batch{}, err
	}
	raw, err := h.entries()
	if err != nil {
		return Batch{}, err
	}
	d := decoder{wire.Decoder{P: raw}}
	b := Batch{Seq: h.seq, Minute: h.minute, Entries: make([]Entry, h.count)}
	d.entries(b.Entries, h.layout)
	if d.Bad || len(d.P) != 0 {
		return Batch{}, errMalformed
	}
	return b, nil
}

// entries returns the entries' bytes, inflated if need be. The stream
// must hold exactly the length the header claims.
func (h header) entries() ([]byte, error) {
	if h.codec == codecRaw {
		return h.body, nil
	}
	zr := flate.NewReader(bytes.NewReader(h.body))
	raw := make([]byte, h.rawLen)
	if _, err := io.ReadFull(zr, raw); err != nil {
		return nil, errMalformed
	}
	var more [1]byte
	if _, err := io.ReadFull(zr, more[:]); err != io.EOF {
		return nil, errMalformed
	}
	return raw, nil
}

// decoder is the shared record decoder with the spool's own reads.
type decoder struct{ wire.Decoder }

// entries decodes len(out) entries. The names are built in one buffer and
// converted to one string, which the entries' names slice: one allocation
// instead of one per entry.
func (d *decoder) entries(out []Entry, l wire.Layout) {
	var names []byte
	ends := make([]int, 0, len(out))
	prevStart := 0
	for i := 0; i < len(out) && !d.Bad; i++ {
		k, m := d.Uvarint(), d.Uvarint()
		suffix := d.Bytes(m)
		if k > uint64(len(names)-prevStart) {
			d.Fail()
			break
		}
		start := len(names)
		names = append(names, names[prevStart:prevStart+int(k)]...)
		names = append(names, suffix...)
		ends = append(ends, len(names))
		prevStart = start
		d.Minute(&out[i].M, l)
	}
	if !d.Bad {
		setNames(out, string(names), ends)
	}
}

func setNames(out []Entry, names string, ends []int) {
	start := 0
	for i, end := range ends {
		out[i].Series = names[start:end]
		start = end
	}
}
