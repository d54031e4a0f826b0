// Package spool is the probing agent's disk spool: it keeps the minute
// records the agent measured until a consumer (the CSV writer, the
// delivery to the server) has acknowledged them, across restarts and
// crashes, within a size bound.
//
// # Use
//
// One producer appends one Batch per wall-clock minute; one consumer
// reads batches in order with Next, delivers them and acknowledges with
// Ack, or calls Rewind to read again from the first unacknowledged batch
// after a failed delivery. Append and Next/Ack/Rewind may run on two
// goroutines at once, and Stats on any. Sequence numbers start at 1,
// increase and are never reused, even across restarts; they may have gaps
// (after a failed write, a crash, or batches dropped by the size policy),
// so a consumer must not expect the next number to be the last plus one.
//
// # Files
//
// A spool is a directory: segment files named after the sequence number
// that was next when they were created (0000000000000001.seg, in
// hexadecimal, so names sort in order), a state file and a lock file.
// A segment is a 16-byte header ("SLWS", format version 1 as uint32, the
// base sequence number as uint64, little-endian) and then records:
//
//	record  length uint32 little-endian, of the payload
//	        crc uint32 little-endian, CRC32C of the length's 4 bytes and the payload
//	        payload
//	payload seq uvarint, minute varint (Unix minutes), entry count uvarint,
//	        codec uvarint: bit 0 the compression, 0 raw, or 1 DEFLATE
//	        followed by the raw length uvarint; bit 1 set when the
//	        entries are timed,
//	        the entries, as the codec says
//	entry   shared uvarint, suffix length uvarint, suffix bytes,
//	        Sent, Received, RTTSum, RTTSumSq, RTTMin, RTTMax uvarints,
//	        and when timed FirstReply, LastReply uvarints (package wire)
//
// Append writes timed entries (codec 2 or 3). Frames of codec 0 or 1 are
// those of agents from before reply timing: they read as untimed entries,
// so a spool left by an older agent is delivered whole by a newer one,
// which continues its newest segment; the segment version stays 1. An
// older agent, though, takes a timed frame for a corrupt one and skips
// it: downgrading an agent loses what it spooled since the upgrade.
//
// Every record decodes alone: series names are stored in each record,
// front-coded (the length of the prefix a name shares with the previous
// entry's name, then the rest), and the entries are deflated at the
// fastest level unless that does not make them smaller. 1,000 entries
// sorted by series, with values as noisy as real ones, take about 18
// bytes each (36 before deflate, 26 of them names, 2 the reply timing);
// unsorted, about 2 more.
//
// Records are appended to the newest segment until it holds SegmentBytes;
// then a new segment begins. A segment is deleted when every sequence
// number it can hold (those below the next segment's base) is
// acknowledged; the newest is kept, to be continued. The state file holds
// the acknowledged sequence number and a floor for the next one; it is
// replaced atomically (temporary file, fsync, rename, fsync of the
// directory). The lock file stops a second process from opening the
// spool. In memory, the spool keeps 32 bytes per stored batch.
//
// # Durability and recovery
//
// Append returns once its record is written and fsynced (and a new
// segment's directory entry too); Ack once the state file is. So a crash
// loses no batch whose Append returned, and replays at most the batches
// delivered but not yet acknowledged.
//
// Open reads every segment and checks every record's frame, checksum and
// header. A bad record in the newest segment whose frame reaches the end
// of the file, or is followed only by zero bytes, is the torn tail of a
// write cut by a crash: the file is truncated there, with a warning
// naming the segment, the offset, the bytes lost and why. Any other bad
// record is corruption: it is logged as an error with the same keys, the
// rest of that segment is skipped (the file is kept, takes no more
// records, and is deleted once acknowledged) and reading goes on with the
// next segment. Whatever the files hold, Open does not panic. Next
// decodes the entries and skips, with an error logged, a record whose
// entries do not decode, so it returns only well-formed batches. When
// bytes were lost, the next sequence number skips past every number they
// could have held: a batch delivered before the crash never shares its
// number with a new one.
//
// # Size bound
//
// MaxBytes bounds the segment files, the one being written included (the
// state and lock files, 28 bytes and an empty file, are not counted).
// When an Append would take the spool over it:
//
//   - DropOldest (the default) deletes the oldest segments, acknowledged
//     or not, until the new record fits, starting a new segment first if
//     the one being written must go too. It logs a warning with the number
//     of unacknowledged batches and entries dropped and their first and
//     last minute, and counts them in Stats. A consumer that was reading a
//     deleted segment continues with the oldest batch left.
//   - DropNewest refuses the Append with an error wrapping ErrFull, logs a
//     warning with the minute and entries refused, and counts them in
//     Stats. Appends succeed again once Acks have freed whole segments.
//
// Space is freed a segment at a time, so under DropOldest a full spool
// holds between MaxBytes-SegmentBytes and MaxBytes. A batch whose record
// would not fit in MaxBytes even in an empty spool is refused under
// either policy with an error wrapping ErrTooLarge.
package spool

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"sync"
)

// Defaults for Options.
const (
	DefaultMaxBytes     = 1 << 30
	DefaultSegmentBytes = 64 << 20
)

var (
	// ErrFull is wrapped by the error of an Append refused by DropNewest.
	ErrFull = errors.New("spool full")
	// ErrTooLarge is wrapped by the error of an Append whose batch could
	// not fit in MaxBytes even in an empty spool.
	ErrTooLarge = errors.New("batch larger than the spool")
	// ErrClosed is returned by calls on a closed Spool.
	ErrClosed = errors.New("spool closed")
)

// Log keys.
const (
	keyDir         = "dir"
	keySegment     = "segment"
	keyOffset      = "offset"
	keyBytesLost   = "bytes_lost"
	keyReason      = "reason"
	keySegments    = "segments"
	keyBatches     = "batches"
	keyEntries     = "entries"
	keyFirstMinute = "first_minute"
	keyLastMinute  = "last_minute"
	keyMinute      = "minute"
	keyBytes       = "bytes"
	keyMaxBytes    = "max_bytes"
	keySeq         = "seq"
	keyError       = "error"
)

// Options configure a Spool. The zero value is the default.
type Options struct {
	MaxBytes     int64        // bound on the segment files; DefaultMaxBytes if 0
	SegmentBytes int64        // segment size; MaxBytes/16 up to DefaultSegmentBytes if 0
	WhenFull     Policy       // what to do at MaxBytes
	Logger       *slog.Logger // where recovery and the full policy are logged; none if nil
	NoSync       bool         // skip fsync: for tests and benchmarks only, loses data at a crash
}

// withDefaults fills in the defaults and checks the rest.
func (o Options) withDefaults() (Options, error) {
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.SegmentBytes == 0 {
		o.SegmentBytes = min(DefaultSegmentBytes, o.MaxBytes/16)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case o.MaxBytes < segHeaderSize+minFrame:
		return o, fmt.Errorf("spool options: MaxBytes %d is below the smallest segment (%d)", o.MaxBytes, segHeaderSize+minFrame)
	case o.SegmentBytes <= 0 || o.SegmentBytes > o.MaxBytes:
		return o, fmt.Errorf("spool options: SegmentBytes %d is not between 1 and MaxBytes (%d)", o.SegmentBytes, o.MaxBytes)
	case o.WhenFull != DropOldest && o.WhenFull != DropNewest:
		return o, fmt.Errorf("spool options: WhenFull %v unknown", o.WhenFull)
	}
	return o, nil
}

// Stats describe a spool at one moment.
type Stats struct {
	Bytes          int64  // segment files on disk
	Segments       int    // segment files
	Pending        int    // batches appended and not acknowledged
	OldestMinute   int64  // Unix minute of the oldest pending batch; 0 when none
	NewestMinute   int64  // Unix minute of the newest pending batch; 0 when none
	LastSeq        uint64 // the last sequence number given out; 0 when none
	Acked          uint64 // every batch up to Acked is acknowledged
	DroppedBatches int64  // batches lost to the full policy since Open
	DroppedEntries int64  // their entries
	LostBytes      int64  // bytes of torn or corrupt records found since Open
}

// Spool is a disk spool of minute records. See the package documentation.
type Spool struct {
	dir  string
	opt  Options
	log  *slog.Logger
	lock io.Closer

	// amu serialises Ack; wmu serialises Append and guards w and enc. Both
	// are taken before mu, which guards the rest. Fields written under wmu
	// and mu (next, active, the active segment's size and records) may be
	// read under either.
	amu, wmu sync.Mutex
	w        *os.File // the active segment, open for writing
	enc      encoder

	mu       sync.Mutex
	segs     []*segment // oldest first
	active   *segment   // the segment Append writes, the last of segs; nil to start a new one
	total    int64      // bytes of all segments
	next     uint64     // the next sequence number
	ack      uint64     // every batch up to ack is acknowledged
	cursor   uint64     // Next returns the first batch from this sequence number on
	appended chan struct{}
	done     chan struct{} // closed by Close
	closed   bool
	r        *os.File // a segment open for Next
	rseg     *segment // the segment r reads
	stats    Stats    // the counters: dropped, lost
}

// Open opens the spool in dir, creating dir if needed, and recovers what a
// crash left: see the package documentation. The first Next returns the
// first unacknowledged batch.
func Open(dir string, opt Options) (*Spool, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("open spool: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Spool{
		dir: dir, opt: opt, log: opt.Logger.With(keyDir, dir), lock: lock,
		appended: make(chan struct{}), done: make(chan struct{}),
	}
	if err := s.recover(); err != nil {
		s.closeFiles()
		return nil, fmt.Errorf("open spool %s: %w", dir, err)
	}
	return s, nil
}

// Close releases the spool's files. Calls blocked in Next return
// ErrClosed; later calls too.
func (s *Spool) Close() error {
	s.amu.Lock()
	defer s.amu.Unlock()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	close(s.done)
	return s.closeFiles()
}

func (s *Spool) closeFiles() error {
	var errs []error
	for _, f := range []*os.File{s.w, s.r} {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close())
	}
	s.w, s.r, s.rseg, s.lock = nil, nil, nil, nil
	return errors.Join(errs...)
}

// Stats returns the spool's figures now.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Bytes, st.Segments = s.total, len(s.segs)
	st.LastSeq, st.Acked = s.next-1, s.ack
	for _, g := range s.segs {
		i := g.firstAfter(s.ack)
		if i == len(g.recs) {
			continue
		}
		if st.Pending == 0 {
			st.OldestMinute = g.recs[i].minute
		}
		st.Pending += len(g.recs) - i
		st.NewestMinute = g.recs[len(g.recs)-1].minute
	}
	return st
}

// firstAfter returns the index of g's first record with a sequence number
// above seq, or len(g.recs) if there is none.
func (g *segment) firstAfter(seq uint64) int {
	return sort.Search(len(g.recs), func(i int) bool { return g.recs[i].seq > seq })
}
