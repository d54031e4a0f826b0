package spool

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/slawatch/slawatch/internal/wire"
	"github.com/slawatch/slawatch/internal/wire/wiretest"
)

// sameBatch compares batches, a nil and an empty Entries alike.
func sameBatch(a, b Batch) bool {
	return a.Seq == b.Seq && a.Minute == b.Minute && slices.Equal(a.Entries, b.Entries)
}

// A segment written by an agent from before reply timing (testdata/v1,
// by the code of commit ee17bac: a raw frame, a deflated one, an empty
// one) reads, bit for bit, as the batches it was written from, untimed;
// today's spool continues it with timed batches, and both read after a
// restart.
func TestGoldenV1(t *testing.T) {
	var want []Batch
	raw, err := os.ReadFile("testdata/v1/batches.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	seg, err := os.ReadFile("testdata/v1/" + segmentName(1))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, segmentName(1)), seg, 0o640); err != nil {
		t.Fatal(err)
	}
	s := mustOpen(t, dir, Options{NoSync: true})
	got := drain(t, s)
	if !slices.EqualFunc(got, want, sameBatch) {
		t.Fatalf("v1 segment read as\n%+v\nwant\n%+v", got, want)
	}
	timed := Batch{Minute: minute0 + 3, Entries: entries(3, 9)}
	timed.Seq = mustAppend(t, s, timed.Minute, timed.Entries)
	if !timed.Entries[0].M.Timed() {
		t.Fatal("entries are not timed")
	}
	s.Close()
	s = mustOpen(t, dir, Options{NoSync: true})
	defer s.Close()
	if got := drain(t, s); !slices.EqualFunc(got, append(want, timed), sameBatch) {
		t.Fatalf("after an Append and a restart:\n%+v", got)
	}
	if fi, err := os.Stat(filepath.Join(dir, segmentName(1))); err != nil || fi.Size() <= int64(len(seg)) {
		t.Errorf("the v1 segment was not continued: %v", err)
	}
}

// frameV1 is a frame as agents from before reply timing wrote it: raw
// untimed entries.
func frameV1(seq uint64, minute int64, es []Entry) []byte {
	var p []byte
	p = binary.AppendUvarint(p, seq)
	p = binary.AppendVarint(p, minute)
	p = binary.AppendUvarint(p, uint64(len(es)))
	p = append(p, codecRaw)
	p = wire.AppendRecords(p, es, wire.Untimed)
	return appendRawFrame(nil, p)
}

// Any entries, timing included, come back equal through a frame, raw or
// deflated; through a frame of the first format, untimed.
func TestFrameRoundTripProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var e encoder
	for i := range 500 {
		es := wiretest.RandomRecords(rng, rng.IntN(2)*rng.IntN(200))
		b := Batch{Seq: uint64(1 + i), Minute: rng.Int64N(1<<40) - 1<<39, Entries: es}
		got, err := decodeFrame(e.frame(b.Seq, b.Minute, b.Entries))
		if err != nil || !sameBatch(got, b) {
			t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, got, b)
		}
		for j := range b.Entries {
			b.Entries[j].M.FirstReply, b.Entries[j].M.LastReply = 0, 0
		}
		got, err = decodeFrame(frameV1(b.Seq, b.Minute, es))
		if err != nil || !sameBatch(got, b) {
			t.Fatalf("v1 round trip: %v\n got %+v\nwant %+v", err, got, b)
		}
	}
}
