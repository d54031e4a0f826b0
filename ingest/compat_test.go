package ingest

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/wire"
	"github.com/slawatch/slawatch/internal/wire/wiretest"
)

// appendBlockV1 is AppendBlock as agents from before reply timing wrote
// it: magic SWM1, six numbers a record.
func appendBlockV1(b []byte, minute int64, recs []slawatch.SeriesMinute) []byte {
	if len(b) == 0 {
		b = append(b, MagicV1...)
	}
	b = binary.AppendUvarint(b, uint64(minute))
	b = binary.AppendUvarint(b, uint64(len(recs)))
	return wire.AppendRecords(b, recs, wire.Untimed)
}

// untimed returns blocks with their records' timing dropped.
func untimed(blocks []block) []block {
	out := make([]block, len(blocks))
	for i, bl := range blocks {
		out[i] = block{bl.minute, make([]slawatch.SeriesMinute, len(bl.recs))}
		for j, r := range bl.recs {
			r.M.FirstReply, r.M.LastReply = 0, 0
			out[i].recs[j] = r
		}
	}
	return out
}

// A body written by an agent from before reply timing (testdata/v1, by
// the code of commit ee17bac) decodes, bit for bit, to the records it was
// written from, untimed.
func TestGoldenV1(t *testing.T) {
	body, err := os.ReadFile("testdata/v1/body.bin")
	if err != nil {
		t.Fatal(err)
	}
	var js []struct {
		Minute  int64
		Records []slawatch.SeriesMinute
	}
	raw, err := os.ReadFile("testdata/v1/body.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &js); err != nil {
		t.Fatal(err)
	}
	var want []block
	for _, b := range js {
		want = append(want, block{b.Minute, b.Records})
	}
	got, err := decodeAll(body)
	if err != nil || !sameBlocks(got, want) {
		t.Fatalf("v1 body: %v\n got %+v\nwant %+v", err, got, want)
	}
	var again []byte
	for _, b := range want {
		again = appendBlockV1(again, b.minute, b.recs)
	}
	if string(again) != string(body) {
		t.Errorf("appendBlockV1 does not write the v1 body")
	}
}

// Any records, timing included, come back equal through a body; through
// a version 1 body they come back untimed.
func TestRoundTripProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		blocks := make([]block, 1+rng.IntN(4))
		var v1 []byte
		for i := range blocks {
			blocks[i] = block{rng.Int64N(MaxMinute + 1), wiretest.RandomRecords(rng, rng.IntN(30))}
			v1 = appendBlockV1(v1, blocks[i].minute, blocks[i].recs)
		}
		got, err := decodeAll(encodeAll(blocks))
		if err != nil || !sameBlocks(got, blocks) {
			t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, got, blocks)
		}
		got, err = decodeAll(v1)
		if err != nil || !sameBlocks(got, untimed(blocks)) {
			t.Fatalf("v1 round trip: %v\n got %+v\nwant %+v", err, got, untimed(blocks))
		}
	}
}
