package spool

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/slawatch/slawatch/internal/wire/wiretest"
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

// FuzzOpen writes arbitrary bytes as a segment file and checks the spool
// recovers from it: see checkOpen.
func FuzzOpen(f *testing.F) {
	seg := segmentBytes(f)
	f.Add(seg)
	f.Add(seg[:len(seg)-5])
	f.Add(append(seg[:len(seg):len(seg)], 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
	f.Add(seg[:segHeaderSize])
	f.Add(seg[:7])
	f.Add([]byte{})
	f.Add([]byte("SLWS\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x01\x02\x00"))
	if v1, err := os.ReadFile("testdata/v1/" + segmentName(1)); err == nil {
		f.Add(v1) // untimed frames, from before reply timing
	}
	f.Fuzz(checkOpen)
}

// FuzzOpenFramed frames arbitrary payloads with the right lengths and
// checksums, which FuzzOpen seldom produces, to reach the checks behind
// them: sequence order, headers, entries. data is a list of payloads, each
// preceded by its length in one byte.
func FuzzOpenFramed(f *testing.F) {
	var e encoder
	var seed []byte
	for i, b := range []Batch{{Seq: 1, Minute: minute0}, {Seq: 2, Entries: entries(2, 0)}, {Seq: 2}, {Seq: 5, Entries: entries(5, 1)}} {
		p := e.frame(b.Seq, b.Minute+int64(i), b.Entries)[frameHeaderSize:]
		seed = append(append(seed, byte(len(p))), p...)
	}
	f.Add(seed)
	p := frameV1(6, minute0, entries(2, 3))[frameHeaderSize:]
	f.Add(append([]byte{byte(len(p))}, p...))
	f.Fuzz(func(t *testing.T, data []byte) {
		seg := segmentHeader(1)
		for len(data) > 0 {
			n := min(int(data[0]), len(data)-1)
			seg = appendRawFrame(seg, data[1:1+n])
			data = data[1+n:]
		}
		checkOpen(t, seg)
	})
}

func appendRawFrame(b, payload []byte) []byte {
	var h [frameHeaderSize]byte
	binary.LittleEndian.PutUint32(h[:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(h[4:], frameCRC(h[:4], payload))
	return append(append(b, h[:]...), payload...)
}

// checkOpen opens a spool whose one segment file holds data: Open must not
// fail or panic, Next must return only well-formed batches in order, and
// what Open repaired must read the same after another restart.
func checkOpen(t *testing.T, data []byte) {
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
		var e encoder
		back, err := decodeFrame(e.frame(b.Seq, b.Minute, b.Entries))
		if err != nil || !reflect.DeepEqual(back, b) {
			t.Fatalf("batch %+v encodes back to %+v, %v", b, back, err)
		}
	}
}

// FuzzPayload decodes arbitrary payloads, which FuzzOpen seldom reaches
// past the checksum: no panic, and what decodes encodes back to itself.
func FuzzPayload(f *testing.F) {
	var e encoder
	f.Add(slices.Clone(e.frame(1, minute0, entries(30, 0))[frameHeaderSize:]))
	f.Add(slices.Clone(e.frame(7, -1, []Entry{{Series: "ab"}, {Series: "abc"}, {Series: "b"}})[frameHeaderSize:]))
	f.Add([]byte{1, 2, 0, 0})
	f.Add([]byte{1, 2, 0, codecTimed})
	f.Add(slices.Clone(frameV1(3, minute0, entries(3, 2))[frameHeaderSize:]))
	f.Add(slices.Clone(e.frame(9, minute0, wiretest.RandomRecords(rand.New(rand.NewPCG(1, 1)), 5))[frameHeaderSize:]))
	f.Fuzz(func(t *testing.T, p []byte) {
		b, err := decodePayload(p)
		h, herr := decodeHeader(p)
		if err == nil && (herr != nil || h.count != len(b.Entries) || h.seq != b.Seq || h.minute != b.Minute) {
			t.Fatalf("batch %d (%d entries) has header %+v, %v", b.Seq, len(b.Entries), h, herr)
		}
		if err == nil {
			checkBatches(t, []Batch{b})
		}
	})
}
