package spool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	slawatch "github.com/slawatch/slawatch"
)

// minute0 is 2026-10-01T00:00Z as a Unix minute.
const minute0 = 1790812800 / 60

// logBuffer collects a spool's log as JSON lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// mustContain fails unless the log has a line holding every part.
func (l *logBuffer) mustContain(t *testing.T, parts ...string) {
	t.Helper()
	for line := range strings.Lines(l.String()) {
		if containsAll(line, parts) {
			return
		}
	}
	t.Fatalf("no log line with %q in:\n%s", parts, l)
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// mustOpen opens a spool in dir, closed when the test ends.
func mustOpen(tb testing.TB, dir string, opt Options) *Spool {
	tb.Helper()
	s, err := Open(dir, opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// entries returns n entries, the same for the same seed, sorted by series,
// with values as noisy as real ones: 60 probes a minute, 1% lost, RTTs
// within 10% of a path's 5 to 105 ms.
func entries(n int, seed int) []Entry {
	r := rand.New(rand.NewPCG(uint64(seed), 1))
	es := make([]Entry, n)
	for i := range es {
		var m slawatch.Minute
		base := 5_000 + r.IntN(100_000)
		for sec := range 60 {
			if r.IntN(100) == 0 {
				m.AddLost()
			} else {
				m.AddReplyAt(uint32(base+r.IntN(base/10+1)), sec)
			}
		}
		es[i] = Entry{Series: fmt.Sprintf("tyo-pop-%04d--sgp-pop/icmp", i), M: m}
	}
	return es
}

// frameSize returns the bytes a batch takes in a segment.
func frameSize(es []Entry) int {
	var e encoder
	return len(e.frame(1, minute0, es))
}

func mustAppend(tb testing.TB, s *Spool, minute int64, es []Entry) uint64 {
	tb.Helper()
	seq, err := s.Append(minute, es)
	if err != nil {
		tb.Fatal(err)
	}
	return seq
}

// drain returns every batch Next has without waiting.
func drain(tb testing.TB, s *Spool) []Batch {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var bs []Batch
	for {
		b, err := s.Next(ctx)
		if errors.Is(err, context.Canceled) {
			return bs
		}
		if err != nil {
			tb.Fatal(err)
		}
		bs = append(bs, b)
	}
}

func seqs(bs []Batch) []uint64 {
	var out []uint64
	for _, b := range bs {
		out = append(out, b.Seq)
	}
	return out
}

func segmentFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*"+segSuffix))
	if err != nil {
		tb.Fatal(err)
	}
	return names
}

func TestAppendNextAck(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{})
	want := []Batch{
		{Seq: 1, Minute: minute0, Entries: entries(3, 1)},
		{Seq: 2, Minute: minute0 + 1, Entries: []Entry{}},
		{Seq: 3, Minute: minute0 + 2, Entries: []Entry{{Series: "b"}, {Series: ""}, {Series: "ba", M: slawatch.Minute{Sent: 1}}}},
	}
	for _, b := range want {
		if seq := mustAppend(t, s, b.Minute, b.Entries); seq != b.Seq {
			t.Fatalf("Append returned seq %d, want %d", seq, b.Seq)
		}
	}
	if got := drain(t, s); !reflect.DeepEqual(got, want) {
		t.Fatalf("Next returned\n%+v\nwant\n%+v", got, want)
	}
	if err := s.Ack(2); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.Pending != 1 || st.OldestMinute != minute0+2 || st.NewestMinute != minute0+2 || st.Acked != 2 || st.LastSeq != 3 {
		t.Fatalf("Stats after Ack(2) = %+v", st)
	}
	if err := s.Ack(9); err == nil {
		t.Fatal("Ack of a sequence number not appended succeeded")
	}
}

func TestRewind(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{})
	for i := range 4 {
		mustAppend(t, s, minute0+int64(i), entries(2, i))
	}
	drain(t, s)
	if err := s.Ack(1); err != nil {
		t.Fatal(err)
	}
	s.Rewind()
	if got := seqs(drain(t, s)); !reflect.DeepEqual(got, []uint64{2, 3, 4}) {
		t.Fatalf("after Rewind, Next returned %v, want [2 3 4]", got)
	}
}

func TestRestart(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	for i := range 5 {
		mustAppend(t, s, minute0+int64(i), entries(10, i))
	}
	drain(t, s)
	if err := s.Ack(2); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = mustOpen(t, dir, Options{})
	got := drain(t, s)
	if !reflect.DeepEqual(seqs(got), []uint64{3, 4, 5}) || !reflect.DeepEqual(got[0].Entries, entries(10, 2)) {
		t.Fatalf("after restart, Next returned %v, want [3 4 5] with the entries appended", seqs(got))
	}
	if seq := mustAppend(t, s, minute0+5, nil); seq != 6 {
		t.Fatalf("Append after restart returned seq %d, want 6", seq)
	}
	if err := s.Ack(6); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = mustOpen(t, dir, Options{})
	if got := drain(t, s); len(got) != 0 {
		t.Fatalf("after everything was acknowledged, Next returned %v", seqs(got))
	}
	if st := s.Stats(); st.Pending != 0 || st.LastSeq != 6 {
		t.Fatalf("Stats = %+v, want nothing pending and LastSeq 6", st)
	}
	if seq := mustAppend(t, s, minute0+6, nil); seq != 7 {
		t.Fatalf("Append after the second restart returned seq %d, want 7", seq)
	}
}

// TestSequenceFloor checks that sequence numbers never go back even when
// every segment file is gone.
func TestSequenceFloor(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	for range 3 {
		mustAppend(t, s, minute0, nil)
	}
	if err := s.Ack(3); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, name := range segmentFiles(t, dir) {
		os.Remove(name)
	}
	s = mustOpen(t, dir, Options{})
	if seq := mustAppend(t, s, minute0, nil); seq != 4 {
		t.Fatalf("Append returned seq %d, want 4", seq)
	}
}

func TestNextWaitsForAppend(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{})
	got := make(chan Batch)
	go func() {
		b, err := s.Next(context.Background())
		if err != nil {
			t.Error(err)
		}
		got <- b
	}()
	mustAppend(t, s, minute0, entries(1, 0))
	if b := <-got; b.Seq != 1 || len(b.Entries) != 1 {
		t.Fatalf("Next returned %+v", b)
	}
}

func TestNextCancel(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error)
	go func() {
		_, err := s.Next(ctx)
		errc <- err
	}()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Next returned %v, want context.Canceled", err)
	}
}

func TestNextClose(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{})
	errc := make(chan error)
	go func() {
		_, err := s.Next(context.Background())
		errc <- err
	}()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("Next returned %v, want ErrClosed", err)
	}
	if _, err := s.Append(minute0, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close returned %v, want ErrClosed", err)
	}
}

func TestSegments(t *testing.T) {
	dir := t.TempDir()
	opt := Options{SegmentBytes: 2_000, NoSync: true}
	s := mustOpen(t, dir, opt)
	for i := range 20 {
		mustAppend(t, s, minute0+int64(i), entries(20, i)) // about 500 bytes each
	}
	files := len(segmentFiles(t, dir))
	if files < 5 || s.Stats().Segments != files {
		t.Fatalf("%d segment files for 20 batches of 500 bytes in 2,000-byte segments, Stats says %d", files, s.Stats().Segments)
	}
	if err := s.Ack(10); err != nil {
		t.Fatal(err)
	}
	if after := len(segmentFiles(t, dir)); after >= files || after != s.Stats().Segments {
		t.Fatalf("%d segment files after acknowledging half of %d", after, files)
	}
	if got := seqs(drain(t, s)); got[0] != 11 || len(got) != 10 {
		t.Fatalf("after Ack(10), Next returned %v", got)
	}
	if err := s.Ack(20); err != nil {
		t.Fatal(err)
	}
	if n := len(segmentFiles(t, dir)); n != 1 {
		t.Fatalf("%d segment files after acknowledging everything, want the newest only", n)
	}
	s.Close()
	s = mustOpen(t, dir, opt)
	if seq := mustAppend(t, s, minute0+20, nil); seq != 21 {
		t.Fatalf("Append after restart returned seq %d, want 21", seq)
	}
}

func TestDropOldest(t *testing.T) {
	var log logBuffer
	opt := Options{MaxBytes: 10_000, SegmentBytes: 2_000, NoSync: true, Logger: log.logger()}
	s := mustOpen(t, t.TempDir(), opt)
	var last uint64
	for i := range 60 {
		last = mustAppend(t, s, minute0+int64(i), entries(20, i))
		if st := s.Stats(); st.Bytes > opt.MaxBytes {
			t.Fatalf("after Append %d, %d bytes stored, above MaxBytes", i, st.Bytes)
		}
	}
	st := s.Stats()
	got := drain(t, s)
	if st.DroppedBatches == 0 || st.DroppedBatches+int64(len(got)) != 60 || st.DroppedEntries != 20*st.DroppedBatches {
		t.Fatalf("Stats = %+v with %d batches left of 60", st, len(got))
	}
	if got[0].Seq != uint64(st.DroppedBatches)+1 || got[len(got)-1].Seq != last {
		t.Fatalf("Next returned %v, want the newest batches", seqs(got))
	}
	log.mustContain(t, `"level":"WARN"`, "oldest batches dropped", `"batches":`, `"entries":`, `"first_minute":"2026-10-01T00:00:00Z"`)
}

// TestDropOldestActive checks a spool of one segment: the segment being
// written is dropped too, and sequence numbers go on.
func TestDropOldestActive(t *testing.T) {
	dir := t.TempDir()
	opt := Options{MaxBytes: 2_000, SegmentBytes: 2_000, NoSync: true}
	s := mustOpen(t, dir, opt)
	for i := range 10 {
		mustAppend(t, s, minute0+int64(i), entries(20, i))
	}
	got := seqs(drain(t, s))
	if len(got) == 0 || got[len(got)-1] != 10 || len(segmentFiles(t, dir)) != 1 {
		t.Fatalf("Next returned %v from %d segment files", got, len(segmentFiles(t, dir)))
	}
}

func TestDropNewest(t *testing.T) {
	var log logBuffer
	opt := Options{MaxBytes: 10_000, SegmentBytes: 2_000, WhenFull: DropNewest, NoSync: true, Logger: log.logger()}
	s := mustOpen(t, t.TempDir(), opt)
	var err error
	var appended uint64
	for i := 0; err == nil; i++ {
		if i > 100 {
			t.Fatal("100 Appends of 500 bytes fit in 10,000 bytes")
		}
		appended, err = s.Append(minute0+int64(i), entries(20, i))
	}
	if !errors.Is(err, ErrFull) {
		t.Fatalf("Append returned %v, want ErrFull", err)
	}
	st := s.Stats()
	if st.Bytes > opt.MaxBytes || st.DroppedBatches != 1 || st.DroppedEntries != 20 || st.Pending != int(st.LastSeq) {
		t.Fatalf("Stats = %+v after one refused Append", st)
	}
	log.mustContain(t, `"level":"WARN"`, "batch refused", `"entries":20`)
	got := drain(t, s)
	if err := s.Ack(got[len(got)-1].Seq); err != nil {
		t.Fatal(err)
	}
	if appended, err = s.Append(minute0+100, nil); err != nil || appended != st.LastSeq+1 {
		t.Fatalf("Append after Ack returned %d, %v, want %d", appended, err, st.LastSeq+1)
	}
}

// TestDropNewestOneSegment checks that an acknowledged active segment
// makes room under DropNewest: otherwise a spool of one segment would stay
// full forever.
func TestDropNewestOneSegment(t *testing.T) {
	opt := Options{MaxBytes: 2_000, SegmentBytes: 2_000, WhenFull: DropNewest, NoSync: true}
	s := mustOpen(t, t.TempDir(), opt)
	var err error
	for i := 0; err == nil; i++ {
		_, err = s.Append(minute0+int64(i), entries(20, i))
	}
	if !errors.Is(err, ErrFull) {
		t.Fatalf("Append returned %v, want ErrFull", err)
	}
	if err := s.Ack(s.Stats().LastSeq); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(minute0+100, entries(20, 0)); err != nil {
		t.Fatalf("Append after acknowledging everything: %v", err)
	}
}

func TestTooLarge(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{MaxBytes: 1_000, NoSync: true})
	if _, err := s.Append(minute0, entries(100, 0)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Append of 100 entries into 1,000 bytes returned %v, want ErrTooLarge", err)
	}
	if seq := mustAppend(t, s, minute0, entries(1, 0)); seq != 1 {
		t.Fatalf("Append after a refused one returned seq %d, want 1", seq)
	}
}

func TestConcurrent(t *testing.T) {
	s := mustOpen(t, t.TempDir(), Options{SegmentBytes: 5_000, NoSync: true})
	const n = 200
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range n {
			if _, err := s.Append(minute0+int64(i), entries(5, i)); err != nil {
				t.Error(err)
				return
			}
		}
	})
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				s.Stats()
			}
		}
	})
	for want := uint64(1); want <= n; want++ {
		b, err := s.Next(context.Background())
		if err != nil || b.Seq != want || !reflect.DeepEqual(b.Entries, entries(5, int(want-1))) {
			t.Fatalf("Next returned seq %d, %v, want %d", b.Seq, err, want)
		}
		if want%3 == 0 {
			if err := s.Ack(want); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(stop)
	wg.Wait()
}

func TestLocked(t *testing.T) {
	dir := t.TempDir()
	mustOpen(t, dir, Options{})
	if s, err := Open(dir, Options{}); err == nil {
		s.Close()
		t.Fatal("a second Open of one spool succeeded")
	}
}

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		opt  Options
		want string
	}{
		{Options{MaxBytes: 10}, "MaxBytes 10 is below the smallest segment (28)"},
		{Options{MaxBytes: 1000, SegmentBytes: 2000}, "SegmentBytes 2000 is not between 1 and MaxBytes (1000)"},
		{Options{WhenFull: 7}, "WhenFull Policy(7) unknown"},
	} {
		_, err := Open(t.TempDir(), tc.opt)
		if err == nil || !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("Open(%+v) returned %v, want %q", tc.opt, err, tc.want)
		}
	}
}

func TestPolicyText(t *testing.T) {
	for _, p := range []Policy{DropOldest, DropNewest} {
		text, err := p.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Policy
		if err := back.UnmarshalText(text); err != nil || back != p {
			t.Errorf("%v: %q reads back as %v, %v", p, text, back, err)
		}
	}
	if _, err := ParsePolicy("drop-all"); err == nil || err.Error() != `spool policy "drop-all": want drop-oldest or drop-newest` {
		t.Errorf("ParsePolicy(drop-all) returned %v", err)
	}
}
