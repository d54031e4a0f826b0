package spool

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// fiveBatches writes a spool of five batches in one segment and returns
// its directory, the segment's path and the records' offsets.
func fiveBatches(t *testing.T) (dir, path string, offs []int64) {
	t.Helper()
	dir = t.TempDir()
	s := mustOpen(t, dir, Options{})
	for i := range 5 {
		mustAppend(t, s, minute0+int64(i), entries(3, i))
	}
	for _, r := range s.segs[0].recs {
		offs = append(offs, r.off)
	}
	s.Close()
	return dir, filepath.Join(dir, segmentName(1)), offs
}

func flip(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x5a
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func TestRecover(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, dir, path string, offs []int64)
		want   []uint64
		level  string
		reason string
	}{
		{"cut in the last record", func(t *testing.T, dir, path string, offs []int64) {
			os.Truncate(path, offs[4]+10)
		}, []uint64{1, 2, 3, 4}, "WARN", "frame length"},
		{"cut in a frame header", func(t *testing.T, dir, path string, offs []int64) {
			os.Truncate(path, offs[4]+3)
		}, []uint64{1, 2, 3, 4}, "WARN", "short frame header"},
		{"last record flipped", func(t *testing.T, dir, path string, offs []int64) {
			flip(t, path, offs[4]+12)
		}, []uint64{1, 2, 3, 4}, "WARN", "checksum mismatch"},
		{"last length flipped", func(t *testing.T, dir, path string, offs []int64) {
			flip(t, path, offs[4]+3)
		}, []uint64{1, 2, 3, 4}, "WARN", "frame length"},
		{"zeros after the last record", func(t *testing.T, dir, path string, offs []int64) {
			appendFile(t, path, make([]byte, 4096))
		}, []uint64{1, 2, 3, 4, 5}, "WARN", "frame length 0 invalid"},
		{"middle record flipped", func(t *testing.T, dir, path string, offs []int64) {
			flip(t, path, offs[2]+12)
		}, []uint64{1, 2}, "ERROR", "checksum mismatch"},
		{"middle length zeroed", func(t *testing.T, dir, path string, offs []int64) {
			f, _ := os.OpenFile(path, os.O_RDWR, 0)
			f.WriteAt([]byte{0, 0, 0, 0}, offs[1])
			f.Close()
		}, []uint64{1}, "ERROR", "frame length 0 invalid"},
		{"header flipped", func(t *testing.T, dir, path string, offs []int64) {
			flip(t, path, 9)
		}, nil, "ERROR", "bad header"},
		{"new segment with a torn header", func(t *testing.T, dir, path string, offs []int64) {
			appendFile(t, filepath.Join(dir, segmentName(6)), segmentHeader(6)[:10])
		}, []uint64{1, 2, 3, 4, 5}, "WARN", "short header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, path, offs := fiveBatches(t)
			tc.damage(t, dir, path, offs)
			var log logBuffer
			s := mustOpen(t, dir, Options{Logger: log.logger()})
			if got := seqs(drain(t, s)); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Next returned %v, want %v", got, tc.want)
			}
			log.mustContain(t, `"level":"`+tc.level+`"`, `"reason":"`+tc.reason, `"segment":"`, `"bytes_lost":`)
			seq := mustAppend(t, s, minute0+10, entries(2, 10))
			if seq <= 5 {
				t.Fatalf("Append after recovery returned seq %d, not above the 5 appended before", seq)
			}
			s.Close()

			s = mustOpen(t, dir, Options{})
			if got := seqs(drain(t, s)); !reflect.DeepEqual(got, append(tc.want, seq)) {
				t.Fatalf("after a second restart, Next returned %v, want %v", got, append(tc.want, seq))
			}
		})
	}
}

// TestRecoverSkipsToNextSegment checks that corruption in one segment
// loses only the rest of that segment.
func TestRecoverSkipsToNextSegment(t *testing.T) {
	dir := t.TempDir()
	opt := Options{SegmentBytes: 3_000, NoSync: true}
	s := mustOpen(t, dir, opt)
	for i := range 20 {
		mustAppend(t, s, minute0+int64(i), entries(20, i))
	}
	first := s.segs[0]
	s.Close()
	flip(t, filepath.Join(dir, first.name()), first.recs[1].off+20)

	var log logBuffer
	opt.Logger = log.logger()
	s = mustOpen(t, dir, opt)
	got := seqs(drain(t, s))
	if got[0] != 1 || got[1] != first.recs[len(first.recs)-1].seq+1 || got[len(got)-1] != 20 {
		t.Fatalf("Next returned %v, want 1 and then the next segment's batches", got)
	}
	log.mustContain(t, `"level":"ERROR"`, `"segment":"`+first.name()+`"`)
	if st := s.Stats(); st.LostBytes != first.size-first.recs[1].off {
		t.Fatalf("Stats.LostBytes = %d, want %d", st.LostBytes, first.size-first.recs[1].off)
	}
}

func TestRecoverBadState(t *testing.T) {
	dir, _, _ := fiveBatches(t)
	s := mustOpen(t, dir, Options{})
	drain(t, s)
	if err := s.Ack(3); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.WriteFile(filepath.Join(dir, stateFile), []byte("garbage"), 0o640); err != nil {
		t.Fatal(err)
	}
	var log logBuffer
	s = mustOpen(t, dir, Options{Logger: log.logger()})
	if got := seqs(drain(t, s)); !reflect.DeepEqual(got, []uint64{1, 2, 3, 4, 5}) {
		t.Fatalf("with a bad state file, Next returned %v, want everything again", got)
	}
	log.mustContain(t, `"level":"ERROR"`, "state unreadable")
	if seq := mustAppend(t, s, minute0, nil); seq != 6 {
		t.Fatalf("Append returned seq %d, want 6", seq)
	}
}

// TestNextCorruptAfterOpen checks that a record damaged on disk after
// Open is skipped, not returned.
func TestNextCorruptAfterOpen(t *testing.T) {
	dir, path, offs := fiveBatches(t)
	var log logBuffer
	s := mustOpen(t, dir, Options{Logger: log.logger()})
	flip(t, path, offs[1]+12)
	if got := seqs(drain(t, s)); !reflect.DeepEqual(got, []uint64{1, 3, 4, 5}) {
		t.Fatalf("Next returned %v, want [1 3 4 5]", got)
	}
	log.mustContain(t, `"level":"ERROR"`, `"seq":2`)
}
