package spool

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// segmentBytes returns the segment file of a spool of a few batches.
func segmentBytes(tb testing.TB) []byte {
	dir := tb.TempDir()
	s := mustOpen(tb, dir, Options{NoSync: true})
	for i := range 3 {
		mustAppend(tb, s, minute0+int64(i), entries(2+i, i))
	}
	s.Close()
	b, err := os.ReadFile(filepath.Join(dir, segmentName(1)))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// FuzzOpen writes arbitrary bytes as a segment file: Open must not fail or
// panic, Next must return only well-formed batches in order, and what
// Open repaired must read the same after another restart.
func FuzzOpen(f *testing.F) {
	seg := segmentBytes(f)
	f.Add(seg)
	f.Add(seg[:len(seg)-5])
	f.Add(append(seg[:len(seg):len(seg)], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
	f.Add(seg[:segHeaderSize])
	f.Add(seg[:7])
	f.Add([]byte{})
	f.Add([]byte("SLWS\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x01\x02\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, segmentName(1)), data, 0o640); err != nil {
			t.Fatal(err)
		}
		s := mustOpen(t, dir, Options{NoSync: true})
		got := drain(t, s)
		checkBatches(t, got)
		seq := mustAppend(t, s, minute0, entries(2, 0))
		if len(got) > 0 && seq <= got[len(got)-1].Seq {
			t.Fatalf("Append returned seq %d after %d", seq, got[len(got)-1].Seq)
		}
		s.Close()

		s = mustOpen(t, dir, Options{NoSync: true})
		again := drain(t, s)
		if len(again) != len(got)+1 || (len(got) > 0 && !reflect.DeepEqual(again[:len(got)], got)) || again[len(got)].Seq != seq {
			t.Fatalf("after a restart Next returned %v, want %v and %d", seqs(again), seqs(got), seq)
		}
	})
}

// checkBatches checks that batches are in order and encode back to
// batches equal to them.
func checkBatches(t *testing.T, bs []Batch) {
	t.Helper()
	var last uint64
	for _, b := range bs {
		if b.Seq <= last {
			t.Fatalf("batch %d after %d", b.Seq, last)
		}
		last = b.Seq
		back, n, err := decodePayload(appendPayload(nil, b.Seq, b.Minute, b.Entries), true)
		if err != nil || n != len(b.Entries) || !reflect.DeepEqual(back, b) {
			t.Fatalf("batch %+v encodes back to %+v, %v", b, back, err)
		}
	}
}

// FuzzPayload decodes arbitrary payloads, which FuzzOpen seldom reaches
// past the checksum: no panic, and what decodes encodes back to itself.
func FuzzPayload(f *testing.F) {
	f.Add(appendPayload(nil, 1, minute0, entries(3, 0)))
	f.Add(appendPayload(nil, 7, -1, []Entry{{Series: "ab"}, {Series: "abc"}, {Series: "b"}}))
	f.Add([]byte{1, 2, 0})
	f.Fuzz(func(t *testing.T, p []byte) {
		b, n, err := decodePayload(p, true)
		_, n2, err2 := decodePayload(p, false)
		if (err == nil) != (err2 == nil) || n != n2 {
			t.Fatalf("decoding with entries: %d, %v; without: %d, %v", n, err, n2, err2)
		}
		if err == nil {
			checkBatches(t, []Batch{b})
		}
	})
}
