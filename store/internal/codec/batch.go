package codec

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	slawatch "github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/wire"
)

// A staged batch is what one WriteMinutes call stores until compaction:
// the records sorted by series, a record's series only once (the first
// given wins), encoded as
//
//	version byte (2), record count uvarint,
//	per record: shared prefix length uvarint, suffix length uvarint, suffix,
//	            Sent, Received, RTTSum, RTTSumSq, RTTMin, RTTMax,
//	            FirstReply, LastReply uvarints
//
// The name is front-coded against the previous record's. The encoding is
// canonical, so the same batch delivered twice has the same bytes and
// hash. Version 1, from before reply timing, has no FirstReply and
// LastReply: its records decode untimed. (A batch stored by a version 1
// server and delivered again to a version 2 one is stored again, having
// other bytes; the first stored copy is the one read, so it costs only the
// space until compaction.)
const BatchVersion = 2

// batchLayout is the records' layout in each batch version.
var batchLayout = map[byte]wire.Layout{1: wire.Untimed, 2: wire.Timed}

// minBatchRecord is the fewest bytes a record takes: two lengths, one byte
// of name and six numbers (version 1).
const minBatchRecord = 9

// Canonical returns recs sorted by series with only the first record of
// each series kept. recs is not modified.
func Canonical(recs []slawatch.SeriesMinute) []slawatch.SeriesMinute {
	out := slices.Clone(recs)
	slices.SortStableFunc(out, func(a, b slawatch.SeriesMinute) int { return cmp.Compare(a.Series, b.Series) })
	return slices.CompactFunc(out, func(a, b slawatch.SeriesMinute) bool { return a.Series == b.Series })
}

// AppendBatch encodes Canonical records.
func AppendBatch(b []byte, recs []slawatch.SeriesMinute) []byte {
	b = append(b, BatchVersion)
	b = binary.AppendUvarint(b, uint64(len(recs)))
	return wire.AppendRecords(b, recs, wire.Timed)
}

// DecodeBatch decodes a staged batch and checks every record as
// WriteMinutes did, so nothing stored wrongly reaches a reader.
func DecodeBatch(p []byte) ([]slawatch.SeriesMinute, error) {
	d := decoder{wire.Decoder{P: p}}
	layout, ok := batchLayout[d.Byte()]
	if d.Bad || !ok {
		return nil, fmt.Errorf("batch: %w: version", ErrCorrupt)
	}
	n := d.Uvarint()
	if d.Bad || n > uint64(len(d.P))/minBatchRecord {
		return nil, fmt.Errorf("batch: %w: record count", ErrCorrupt)
	}
	recs := make([]slawatch.SeriesMinute, 0, n)
	var name []byte
	for range n {
		r, err := d.batchRecord(name, layout)
		if err != nil {
			return nil, err
		}
		name = append(name[:0], r.Series...)
		recs = append(recs, r)
	}
	if d.Bad || len(d.P) != 0 {
		return nil, fmt.Errorf("batch: %w: trailing bytes", ErrCorrupt)
	}
	return recs, nil
}

// batchRecord decodes one record of layout l; prev is the previous
// record's name.
func (d *decoder) batchRecord(prev []byte, l wire.Layout) (slawatch.SeriesMinute, error) {
	k, n := d.Uvarint(), d.Uvarint()
	if d.Bad || k > uint64(len(prev)) || n > uint64(len(d.P)) {
		return slawatch.SeriesMinute{}, fmt.Errorf("batch: %w: name", ErrCorrupt)
	}
	name := string(prev[:k]) + string(d.Bytes(n))
	var m slawatch.Minute
	d.Minute(&m, l)
	switch {
	case d.Bad:
		return slawatch.SeriesMinute{}, fmt.Errorf("batch: %w: record", ErrCorrupt)
	case CheckName(name) != "" || name <= string(prev):
		return slawatch.SeriesMinute{}, fmt.Errorf("batch: %w: series name", ErrCorrupt)
	case CheckMinute(&m) != "":
		return slawatch.SeriesMinute{}, fmt.Errorf("batch: %w: series %q: %s", ErrCorrupt, name, CheckMinute(&m))
	}
	return slawatch.SeriesMinute{Series: name, M: m}, nil
}
