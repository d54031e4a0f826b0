package spool

import (
	"fmt"
	"os"
	"path/filepath"

	slawatch "github.com/slawatch/slawatch"
)

// Append stores the batch of one minute and returns its sequence number.
// The batch is durable when Append returns without error. Entries are
// stored in the order given; sorted by series they take less room. An
// Append that fails after writing may still have consumed a sequence
// number.
func (s *Spool) Append(minute int64, entries []Entry) (uint64, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	seq := s.next
	frame := s.enc.frame(seq, minute, entries)
	n := int64(len(frame))
	if n-frameHeaderSize > maxPayload || n+segHeaderSize > s.opt.MaxBytes {
		return 0, fmt.Errorf("append minute %s: %d-byte record for %d entries, spool holds %d: %w",
			minuteText(minute), n, len(entries), s.opt.MaxBytes, ErrTooLarge)
	}
	if err := s.makeRoom(minute, len(entries), n); err != nil {
		return 0, err
	}
	off := s.active.size
	if err := s.write(frame, off); err != nil {
		return 0, s.writeFailed(seq, off, err)
	}
	s.publish(record{seq: seq, minute: minute, off: off, size: uint32(n), entries: uint32(len(entries))})
	return seq, nil
}

// makeRoom makes sure a record of n bytes can be written to s.active:
// it starts a new segment when the active one is full and applies the
// full policy. It holds mu throughout, so a new segment's fsyncs delay
// Next and Stats, once per segment.
func (s *Spool) makeRoom(minute int64, entries int, n int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	victims, roll := s.plan(n)
	if s.opt.WhenFull == DropNewest && s.pending(victims) {
		return s.refuse(minute, entries)
	}
	if roll {
		if err := s.roll(); err != nil {
			return err
		}
	}
	return s.dropOldest(victims)
}

// plan returns how many of the oldest segments must go for a record of n
// bytes to fit, and whether it needs a new segment.
func (s *Spool) plan(n int64) (victims int, roll bool) {
	a := s.active
	roll = a == nil || (a.size > segHeaderSize && a.size+n > s.opt.SegmentBytes)
	need := s.total + n - s.opt.MaxBytes
	if roll {
		need += segHeaderSize
	}
	for need > 0 && victims < len(s.segs) {
		g := s.segs[victims]
		if g == a && !roll {
			roll = true // the segment being written must go too
			need += segHeaderSize
		}
		need -= g.size
		victims++
	}
	return victims, roll
}

// pending reports whether any of the oldest segments holds an
// unacknowledged batch. DropNewest deletes segments that do not: with
// SegmentBytes close to MaxBytes, the active segment may hold most of the
// spool and be acknowledged whole.
func (s *Spool) pending(segments int) bool {
	for _, g := range s.segs[:segments] {
		if g.firstAfter(s.ack) < len(g.recs) {
			return true
		}
	}
	return false
}

// refuse counts and logs a batch DropNewest turns away.
func (s *Spool) refuse(minute int64, entries int) error {
	s.stats.DroppedBatches++
	s.stats.DroppedEntries += int64(entries)
	s.log.Warn("spool full: batch refused", keyMinute, slawatch.MinuteTime(minute), keyEntries, entries,
		keyBytes, s.total, keyMaxBytes, s.opt.MaxBytes)
	return fmt.Errorf("append minute %s: %d bytes stored of %d: %w", minuteText(minute), s.total, s.opt.MaxBytes, ErrFull)
}

// roll starts a new segment. Its file is created before any old one is
// deleted, so its name keeps the next sequence number on disk.
func (s *Spool) roll() error {
	w, err := createSegment(s.dir, s.next, !s.opt.NoSync)
	if err != nil {
		return err
	}
	if s.w != nil {
		s.w.Close() // written and synced: nothing to lose
	}
	g := &segment{base: s.next, size: segHeaderSize}
	s.w, s.active = w, g
	s.segs = append(s.segs, g)
	s.total += g.size
	return nil
}

// dropOldest deletes the oldest segments to make room, counting and
// logging the batches that were not acknowledged.
func (s *Spool) dropOldest(victims int) error {
	var d dropped
	var err error
	for d.segments < victims {
		g := s.segs[0]
		if err = s.removeOldest(); err != nil {
			break
		}
		d.add(g, s.ack)
	}
	s.stats.DroppedBatches += d.batches
	s.stats.DroppedEntries += d.entries
	switch {
	case d.batches > 0:
		s.log.Warn("spool full: oldest batches dropped", keySegments, d.segments, keyBatches, d.batches,
			keyEntries, d.entries, keyFirstMinute, slawatch.MinuteTime(d.first), keyLastMinute, slawatch.MinuteTime(d.last))
	case d.segments > 0:
		s.log.Info("spool full: acknowledged segments dropped", keySegments, d.segments)
	}
	return err
}

// dropped sums the unacknowledged batches of dropped segments.
type dropped struct {
	segments         int
	batches, entries int64
	first, last      int64 // minutes
}

func (d *dropped) add(g *segment, ack uint64) {
	d.segments++
	for _, r := range g.recs[g.firstAfter(ack):] {
		if d.batches == 0 || r.minute < d.first {
			d.first = r.minute
		}
		d.last = max(d.last, r.minute)
		d.batches++
		d.entries += int64(r.entries)
	}
}

// write writes a frame at off in the active segment, durably unless NoSync.
func (s *Spool) write(frame []byte, off int64) error {
	if _, err := s.w.WriteAt(frame, off); err != nil {
		return err
	}
	if s.opt.NoSync {
		return nil
	}
	return s.w.Sync()
}

// writeFailed cuts what a failed write may have left and gives up the
// sequence number: the record may be on disk after all. When the cut
// fails too, the segment takes no more records.
func (s *Spool) writeFailed(seq uint64, off int64, werr error) error {
	g := s.active
	err := s.w.Truncate(off)
	if err == nil && !s.opt.NoSync {
		err = s.w.Sync()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = seq + 1
	s.log.Error("spool append failed", keySegment, g.name(), keySeq, seq, keyError, werr)
	if err != nil {
		s.seal(g)
	}
	return fmt.Errorf("append to spool segment %s: %w", g.name(), werr)
}

// seal stops Append writing g, counting whatever a failed write left.
func (s *Spool) seal(g *segment) {
	if fi, err := os.Stat(filepath.Join(s.dir, g.name())); err == nil && fi.Size() > g.size {
		s.total += fi.Size() - g.size
		g.size = fi.Size()
	}
	g.sealed = true
	s.w.Close()
	s.w, s.active = nil, nil
}

// publish makes a written record visible to Next and Stats.
func (s *Spool) publish(r record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active.recs = append(s.active.recs, r)
	s.active.size += int64(r.size)
	s.total += int64(r.size)
	s.next = r.seq + 1
	close(s.appended)
	s.appended = make(chan struct{})
}

// minuteText is a Unix minute for messages.
func minuteText(minute int64) string { return slawatch.MinuteTime(minute).Format("2006-01-02T15:04Z") }
