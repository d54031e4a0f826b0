package spool

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// found is a segment as Open found it, before repair.
type found struct {
	g    *segment
	dmg  *damage // nil when every byte is good
	torn bool    // dmg is the tail of a write cut by a crash
}

// recover loads the state and the segments, makes the next sequence
// number durable before changing any file, then repairs what a crash
// left and readies the spool for Append and Next.
func (s *Spool) recover() error {
	st, err := readState(s.dir)
	if errors.Is(err, errBadState) {
		s.log.Error("spool state unreadable: every batch kept will be delivered again", keyError, err)
	} else if err != nil {
		return err
	}
	fs, err := s.loadSegments()
	if err != nil {
		return err
	}
	s.ack, s.next = st.ack, max(st.next, st.ack+1, 1)
	for _, f := range fs {
		s.next = max(s.next, f.nextSeq())
	}
	if err := writeState(s.dir, state{ack: s.ack, next: s.next}, !s.opt.NoSync); err != nil {
		return err
	}
	for _, f := range fs {
		if err := s.repair(f); err != nil {
			return err
		}
	}
	s.cursor = s.ack + 1
	s.deleteAcked()
	return s.openActive()
}

// loadSegments reads every segment file, oldest first.
func (s *Spool) loadSegments() ([]found, error) {
	bases, err := segmentBases(s.dir)
	if err != nil {
		return nil, err
	}
	fs := make([]found, 0, len(bases))
	for i, base := range bases {
		limit := uint64(math.MaxUint64)
		if i+1 < len(bases) {
			limit = bases[i+1]
		}
		f, err := s.loadSegment(base, limit)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	return fs, nil
}

func (s *Spool) loadSegment(base, limit uint64) (found, error) {
	path := filepath.Join(s.dir, segmentName(base))
	g, dmg, err := loadSegment(path, base, limit)
	if err != nil || dmg == nil {
		return found{g: g}, err
	}
	return found{g: g, dmg: dmg, torn: limit == math.MaxUint64 && s.tornTail(path, g, dmg)}, nil
}

// tornTail reports whether the damage at the end of the newest segment is
// what a crash leaves of a write: the bad frame runs to the end of the
// file or only zeros follow. Older segments were complete when the next
// one began, so damage there is corruption.
func (s *Spool) tornTail(path string, g *segment, dmg *damage) bool {
	if dmg.reach >= g.size {
		return true
	}
	zero, err := zeroFrom(path, dmg.off)
	if err != nil {
		s.log.Warn("spool segment unreadable after damage", keySegment, g.name(), keyError, err)
	}
	return zero
}

// nextSeq returns a sequence number above any the segment could have
// held: above its records and, when bytes were lost, above as many more
// as could fit in them. A lost record may have been delivered before the
// crash; its number must not name another batch.
func (f found) nextSeq() uint64 {
	next := max(f.g.base, 1)
	if n := len(f.g.recs); n > 0 {
		next = f.g.recs[n-1].seq + 1
	}
	if f.dmg != nil {
		next += uint64(f.g.size-f.dmg.off)/minFrame + 1
	}
	return next
}

// repair logs what is wrong with a segment and adds it to the spool:
// truncated at a torn tail, sealed after corruption, or not at all when
// even its header is torn (it holds no record then).
func (s *Spool) repair(f found) error {
	g, dmg := f.g, f.dmg
	if dmg != nil {
		lost := g.size - dmg.off
		s.stats.LostBytes += lost
		attrs := []any{keySegment, g.name(), keyOffset, dmg.off, keyBytesLost, lost, keyReason, dmg.reason}
		switch {
		case f.torn && dmg.off == 0:
			s.log.Warn("spool segment with a torn header removed", attrs...)
			return s.removeFile(g)
		case f.torn:
			s.log.Warn("spool segment's torn tail truncated", attrs...)
			if err := s.truncate(g, dmg.off); err != nil {
				return err
			}
		default:
			s.log.Error("spool segment corrupt: rest of the segment skipped, batches lost", attrs...)
			g.sealed = true
		}
	}
	s.segs = append(s.segs, g)
	s.total += g.size
	return nil
}

func (s *Spool) truncate(g *segment, size int64) error {
	path := filepath.Join(s.dir, g.name())
	err := os.Truncate(path, size)
	if err == nil && !s.opt.NoSync {
		err = syncFile(path)
	}
	if err != nil {
		return fmt.Errorf("truncate spool segment %s: %w", g.name(), err)
	}
	g.size = size
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// removeFile deletes a segment's file.
func (s *Spool) removeFile(g *segment) error {
	err := os.Remove(filepath.Join(s.dir, g.name()))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove spool segment %s: %w", g.name(), err)
	}
	return nil
}

// openActive lets Append continue the newest segment when it is sound and
// has room; otherwise the first Append starts a new one.
func (s *Spool) openActive() error {
	if len(s.segs) == 0 {
		return nil
	}
	g := s.segs[len(s.segs)-1]
	if g.sealed || g.size >= s.opt.SegmentBytes {
		return nil
	}
	w, err := os.OpenFile(filepath.Join(s.dir, g.name()), os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("open spool segment %s: %w", g.name(), err)
	}
	s.w, s.active = w, g
	return nil
}

// deleteAcked deletes the segments that hold nothing unacknowledged: every
// number a segment can hold is below the next segment's base. The newest
// segment stays, to be continued.
func (s *Spool) deleteAcked() {
	for len(s.segs) > 1 && s.segs[1].base-1 <= s.ack {
		if err := s.removeOldest(); err != nil {
			s.log.Warn("acknowledged spool segment not deleted", keyError, err)
			return
		}
	}
}

// removeOldest deletes the oldest segment, which is never the active one.
func (s *Spool) removeOldest() error {
	g := s.segs[0]
	if err := s.removeFile(g); err != nil {
		return err
	}
	if s.rseg == g {
		s.r.Close()
		s.r, s.rseg = nil, nil
	}
	s.segs[0] = nil
	s.segs = s.segs[1:]
	s.total -= g.size
	return nil
}
