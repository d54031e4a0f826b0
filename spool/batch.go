package spool

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"

	slawatch "github.com/slawatch/slawatch"
)

// Entry is one series' minute record in a batch.
type Entry struct {
	Series string
	M      slawatch.Minute
}

// Batch is what the agent appended for one wall-clock minute.
type Batch struct {
	Seq     uint64 // from 1, increasing, never repeated; gaps are possible
	Minute  int64  // Unix minute: Unix seconds / 60
	Entries []Entry
}

// Frame layout: the payload's length and a CRC32C of the length and the
// payload, both little-endian uint32, then the payload.
const (
	frameHeaderSize = 8
	minPayload      = 3 // seq, minute and entry count, one byte each
	minFrame        = frameHeaderSize + minPayload
	maxPayload      = 1 << 30
	maxSeq          = 1 << 62 // far above any real count, so that no arithmetic on one overflows
	minEntrySize    = 8       // prefix length, suffix length and six numbers, one byte each
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errMalformed is a payload that does not decode. It never leaves the
// package: a malformed record is logged and skipped.
var errMalformed = errors.New("malformed batch")

// appendFrame appends the frame of one batch to b.
func appendFrame(b []byte, seq uint64, minute int64, entries []Entry) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
	b = appendPayload(b, seq, minute, entries)
	n := len(b) - start - frameHeaderSize
	binary.LittleEndian.PutUint32(b[start:], uint32(n))
	binary.LittleEndian.PutUint32(b[start+4:], frameCRC(b[start:start+4], b[start+frameHeaderSize:]))
	return b
}

func frameCRC(length, payload []byte) uint32 {
	return crc32.Update(crc32c(length), castagnoli, payload)
}

func crc32c(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// appendPayload encodes a batch: seq, minute and the entry count, then
// each entry. A series name is stored as the length of the prefix it
// shares with the previous entry's name and the rest of it, so a batch
// sorted by series costs a few bytes of name per entry.
func appendPayload(b []byte, seq uint64, minute int64, entries []Entry) []byte {
	b = binary.AppendUvarint(b, seq)
	b = binary.AppendVarint(b, minute)
	b = binary.AppendUvarint(b, uint64(len(entries)))
	prev := ""
	for _, e := range entries {
		k := sharedPrefix(prev, e.Series)
		b = binary.AppendUvarint(b, uint64(k))
		b = binary.AppendUvarint(b, uint64(len(e.Series)-k))
		b = append(b, e.Series[k:]...)
		b = appendMinute(b, &e.M)
		prev = e.Series
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

func appendMinute(b []byte, m *slawatch.Minute) []byte {
	b = binary.AppendUvarint(b, uint64(m.Sent))
	b = binary.AppendUvarint(b, uint64(m.Received))
	b = binary.AppendUvarint(b, m.RTTSum)
	b = binary.AppendUvarint(b, m.RTTSumSq)
	b = binary.AppendUvarint(b, uint64(m.RTTMin))
	return binary.AppendUvarint(b, uint64(m.RTTMax))
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
	b, _, err := decodePayload(payload, true)
	return b, err
}

// decodePayload decodes a batch, or with keep false only checks that it
// is well-formed and returns its header and entry count, allocating
// nothing: that is how Open reads a whole spool.
func decodePayload(p []byte, keep bool) (Batch, int, error) {
	d := decoder{p: p}
	b := Batch{Seq: d.uvarint(), Minute: d.varint()}
	n := d.uvarint()
	if d.bad || b.Seq == 0 || b.Seq > maxSeq || n > uint64(len(d.p)/minEntrySize) {
		return Batch{}, 0, errMalformed
	}
	if keep {
		b.Entries = make([]Entry, n)
	}
	d.entries(b.Entries, int(n))
	if d.bad || len(d.p) != 0 {
		return Batch{}, 0, errMalformed
	}
	return b, int(n), nil
}

// decoder reads varints from p; the first error sets bad and empties p,
// so callers check once at the end.
type decoder struct {
	p   []byte
	bad bool
}

// entries decodes n entries into out, or only walks them when out is nil.
// The names are built in one buffer and converted to one string, which
// the entries' names slice: one allocation instead of one per entry.
func (d *decoder) entries(out []Entry, n int) {
	var names []byte
	ends := make([]int, 0, len(out))
	prevStart, prevLen := 0, 0
	for i := 0; i < n && !d.bad; i++ {
		k, m := d.uvarint(), d.uvarint()
		suffix := d.bytes(m)
		if k > uint64(prevLen) {
			d.fail()
			break
		}
		prevLen = int(k) + len(suffix)
		if out != nil {
			start := len(names)
			names = append(names, names[prevStart:prevStart+int(k)]...)
			names = append(names, suffix...)
			ends = append(ends, len(names))
			prevStart = start
			d.minute(&out[i].M)
		} else {
			d.minute(nil)
		}
	}
	if out != nil && !d.bad {
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

func (d *decoder) minute(m *slawatch.Minute) {
	var v slawatch.Minute
	v.Sent, v.Received = d.u32(), d.u32()
	v.RTTSum, v.RTTSumSq = d.uvarint(), d.uvarint()
	v.RTTMin, v.RTTMax = d.u32(), d.u32()
	if m != nil {
		*m = v
	}
}

func (d *decoder) fail() {
	d.bad, d.p = true, nil
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.p)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.p = d.p[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.p)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.p = d.p[n:]
	return v
}

func (d *decoder) u32() uint32 {
	v := d.uvarint()
	if v > math.MaxUint32 {
		d.fail()
	}
	return uint32(v)
}

func (d *decoder) bytes(n uint64) []byte {
	if n > uint64(len(d.p)) {
		d.fail()
		return nil
	}
	b := d.p[:n]
	d.p = d.p[n:]
	return b
}
