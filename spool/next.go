package spool

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	slawatch "github.com/slawatch/slawatch"
)

// Next returns the batch after the last one it returned: after Open or
// Rewind, the first unacknowledged batch. When there is none it waits for
// an Append, until ctx is done (returning ctx.Err()) or the spool is
// closed (ErrClosed). A batch found corrupt on disk since Open is logged
// and skipped. Next is for one consumer goroutine.
func (s *Spool) Next(ctx context.Context) (Batch, error) {
	for {
		fr, wait, err := s.nextFrame()
		if err != nil {
			return Batch{}, err
		}
		if fr != nil {
			b, err := decodeFrame(fr.frame)
			if err == nil && b.Seq == fr.rec.seq {
				return b, nil
			}
			s.lost(fr.seg, fr.rec)
			continue
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return Batch{}, ctx.Err()
		case <-s.done:
			return Batch{}, ErrClosed
		}
	}
}

// frameRead is a frame as read by nextFrame, and where it was.
type frameRead struct {
	frame []byte
	seg   uint64 // the segment's base
	rec   record
}

// nextFrame reads the frame of the first batch from the cursor on and
// moves the cursor past it; or, when there is none, returns a channel the
// next Append closes.
func (s *Spool) nextFrame() (*frameRead, <-chan struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, nil, ErrClosed
	}
	for _, g := range s.segs {
		if i := g.firstAfter(s.cursor - 1); i < len(g.recs) {
			rec := g.recs[i]
			frame, err := s.read(g, rec)
			if err != nil {
				return nil, nil, err
			}
			s.cursor = rec.seq + 1
			return &frameRead{frame: frame, seg: g.base, rec: rec}, nil, nil
		}
	}
	return nil, s.appended, nil
}

// read reads a record's frame, keeping its segment open for the next.
func (s *Spool) read(g *segment, rec record) ([]byte, error) {
	if s.rseg != g {
		if s.r != nil {
			s.r.Close()
			s.r, s.rseg = nil, nil
		}
		r, err := os.Open(filepath.Join(s.dir, g.name()))
		if err != nil {
			return nil, fmt.Errorf("read spool: %w", err)
		}
		s.r, s.rseg = r, g
	}
	frame := make([]byte, rec.size)
	if _, err := s.r.ReadAt(frame, rec.off); err != nil {
		return nil, fmt.Errorf("read spool segment %s at %d: %w", g.name(), rec.off, err)
	}
	return frame, nil
}

// lost logs and counts a record whose entries do not decode: its frame
// changed on disk since Open, or was written well-framed but malformed.
func (s *Spool) lost(seg uint64, rec record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.LostBytes += int64(rec.size)
	s.log.Error("spool batch unreadable, skipped", keySegment, segmentName(seg), keySeq, rec.seq,
		keyOffset, rec.off, keyBytesLost, rec.size, keyMinute, slawatch.MinuteTime(rec.minute))
}

// Ack acknowledges every batch up to seq, durably when it returns, and
// deletes the segments that hold nothing else. Acknowledging a batch Next
// has not returned moves Next past it too. Acknowledging again, or less,
// does nothing.
func (s *Spool) Ack(seq uint64) error {
	s.amu.Lock()
	defer s.amu.Unlock()
	s.mu.Lock()
	closed, ack, next := s.closed, s.ack, s.next
	s.mu.Unlock()
	switch {
	case closed:
		return ErrClosed
	case seq <= ack:
		return nil
	case seq >= next:
		return fmt.Errorf("ack %d: not appended yet (next is %d)", seq, next)
	}
	if err := writeState(s.dir, state{ack: seq, next: next}, !s.opt.NoSync); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ack = seq
	s.cursor = max(s.cursor, seq+1)
	s.deleteAcked()
	return nil
}

// Rewind makes the next Next start again at the first unacknowledged
// batch: for a consumer that failed to deliver what it read.
func (s *Spool) Rewind() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursor = s.ack + 1
}
