package spool

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// Segment header: magic, format version (uint32) and the sequence number
// the file is named after (uint64), little-endian.
const (
	segHeaderSize = 16
	segVersion    = 1
	segSuffix     = ".seg"
)

var segMagic = []byte("SLWS")

// segment is one segment file as the spool knows it.
type segment struct {
	base   uint64   // the next sequence number when it was created; names the file
	size   int64    // bytes in the file
	recs   []record // well-formed records, in file order
	sealed bool     // takes no more records: it holds a corrupt frame or a failed write
}

// record locates one batch: what Next, Ack and Stats need without reading
// the file. It costs 32 bytes of memory per batch kept.
type record struct {
	seq     uint64
	minute  int64
	off     int64
	size    uint32 // the whole frame
	entries uint32
}

func segmentName(base uint64) string {
	return fmt.Sprintf("%016x%s", base, segSuffix)
}

func (g *segment) name() string { return segmentName(g.base) }

// parseSegmentName returns the base of a segment file name, and false for
// any other file.
func parseSegmentName(name string) (uint64, bool) {
	hex, ok := strings.CutSuffix(name, segSuffix)
	if !ok || len(hex) != 16 {
		return 0, false
	}
	base, err := strconv.ParseUint(hex, 16, 64)
	return base, err == nil && base <= maxSeq
}

// segmentBases lists the segment files of dir, oldest first.
func segmentBases(dir string) ([]uint64, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list spool: %w", err)
	}
	var bases []uint64
	for _, de := range des {
		if base, ok := parseSegmentName(de.Name()); ok && de.Type().IsRegular() {
			bases = append(bases, base)
		}
	}
	slices.Sort(bases)
	return bases, nil
}

func segmentHeader(base uint64) []byte {
	h := make([]byte, segHeaderSize)
	copy(h, segMagic)
	binary.LittleEndian.PutUint32(h[4:], segVersion)
	binary.LittleEndian.PutUint64(h[8:], base)
	return h
}

// createSegment creates the file of a new, empty segment, durably when
// sync is set, and returns it open for writing.
func createSegment(dir string, base uint64, sync bool) (*os.File, error) {
	path := filepath.Join(dir, segmentName(base))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("create spool segment: %w", err)
	}
	_, err = f.Write(segmentHeader(base))
	if err == nil && sync {
		err = f.Sync()
	}
	if err == nil && sync {
		err = syncDir(dir)
	}
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("create spool segment %s: %w", filepath.Base(path), err)
	}
	return f, nil
}

// syncDir makes the creation, renaming or removal of dir's files durable.
// Windows cannot sync a directory, and needs not.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// damage is where a segment stops being readable, and why.
type damage struct {
	off    int64  // where the first bad frame (or the header) starts
	reach  int64  // where that frame claims to end
	reason string // what is wrong there
}

// loadSegment reads the records of one segment file. Records must be
// well-formed, their sequence numbers increasing, at least base and
// below limit (the next segment's base). It stops at the first record
// that is not, and returns where; a nil damage means the whole file is
// good. Only I/O errors are errors.
func loadSegment(path string, base, limit uint64) (*segment, *damage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	g := &segment{base: base, size: fi.Size()}
	r := bufio.NewReaderSize(f, 1<<16)
	h := make([]byte, segHeaderSize)
	if _, err := io.ReadFull(r, h); err != nil {
		return g, &damage{reach: segHeaderSize, reason: "short header"}, nil
	}
	if !bytes.Equal(h, segmentHeader(base)) {
		return g, &damage{reach: segHeaderSize, reason: "bad header"}, nil
	}
	dmg, err := scanRecords(r, g, limit)
	return g, dmg, err
}

// scanRecords appends g's records from r, positioned after the header.
func scanRecords(r *bufio.Reader, g *segment, limit uint64) (*damage, error) {
	off := int64(segHeaderSize)
	next := max(g.base, 1) // the smallest sequence number the next record may have
	var payload []byte
	for off < g.size {
		rec, dmg, err := readRecord(r, &payload, off, g.size)
		if err != nil {
			return nil, fmt.Errorf("read spool segment %s: %w", g.name(), err)
		}
		if dmg == nil && (rec.seq < next || rec.seq >= limit) {
			dmg = &damage{off: off, reach: off + int64(rec.size), reason: fmt.Sprintf("sequence number %d out of order", rec.seq)}
		}
		if dmg != nil {
			return dmg, nil
		}
		g.recs = append(g.recs, rec)
		off += int64(rec.size)
		next = rec.seq + 1
	}
	return nil, nil
}

// readRecord reads the frame at off in a file of size bytes. A non-nil
// damage says why it is not a record.
func readRecord(r *bufio.Reader, buf *[]byte, off, size int64) (record, *damage, error) {
	if size-off < frameHeaderSize {
		return record{}, &damage{off: off, reach: off + frameHeaderSize, reason: "short frame header"}, nil
	}
	var fh [frameHeaderSize]byte
	if _, err := io.ReadFull(r, fh[:]); err != nil {
		return record{}, nil, err
	}
	n := binary.LittleEndian.Uint32(fh[:])
	bad := func(reason string) (record, *damage, error) {
		return record{}, &damage{off: off, reach: off + frameHeaderSize + int64(n), reason: reason}, nil
	}
	if n < minPayload || n > maxPayload || off+frameHeaderSize+int64(n) > size {
		return bad(fmt.Sprintf("frame length %d invalid", n))
	}
	*buf = slices.Grow((*buf)[:0], int(n))[:n]
	if _, err := io.ReadFull(r, *buf); err != nil {
		return record{}, nil, err
	}
	if binary.LittleEndian.Uint32(fh[4:]) != frameCRC(fh[:4], *buf) {
		return bad("checksum mismatch")
	}
	h, err := decodeHeader(*buf)
	if err != nil {
		return bad("malformed batch")
	}
	return record{seq: h.seq, minute: h.minute, off: off, size: frameHeaderSize + n, entries: uint32(h.count)}, nil, nil
}

// zeroFrom reports whether the file holds only zero bytes from off to its
// end: what some file systems leave of a write cut by a crash.
func zeroFrom(path string, off int64) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return false, err
	}
	buf := make([]byte, 1<<16)
	for {
		n, err := f.Read(buf)
		if !allZero(buf[:n]) {
			return false, nil
		}
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
