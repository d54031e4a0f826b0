package ingest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
)

// block is one decoded block, copied out of Decode's reused slice.
type block struct {
	minute int64
	recs   []slawatch.SeriesMinute
}

func decodeAll(p []byte) ([]block, error) {
	var got []block
	err := Decode(p, func(m int64, recs []slawatch.SeriesMinute) error {
		got = append(got, block{m, slices.Clone(recs)})
		return nil
	})
	return got, err
}

func encodeAll(blocks []block) []byte {
	var b []byte
	for _, bl := range blocks {
		b = AppendBlock(b, bl.minute, bl.recs)
	}
	return b
}

func sameBlocks(a, b []block) bool {
	return slices.EqualFunc(a, b, func(x, y block) bool { return x.minute == y.minute && slices.Equal(x.recs, y.recs) })
}

var sampleBlocks = []block{
	{29_000_000, []slawatch.SeriesMinute{
		{Series: "pop-fra1/ams1", M: slawatch.Minute{Sent: 60, Received: 59, RTTSum: 1 << 40, RTTSumSq: 1<<64 - 1, RTTMin: 7, RTTMax: 1<<32 - 1, FirstReply: 1, LastReply: 60}},
		{Series: "pop-fra1/ams2", M: slawatch.Minute{Sent: 1}},
		{Series: "cust-0042", M: slawatch.Minute{Sent: 2, Received: 2, RTTSum: 20, RTTSumSq: 200, RTTMin: 10, RTTMax: 10, FirstReply: 16, LastReply: 46}},
		{Series: "cust-0043", M: slawatch.Minute{Sent: 2, Received: 2, RTTSum: 20, RTTSumSq: 200, RTTMin: 10, RTTMax: 10}}, // untimed
		{Series: "cust-0044", M: slawatch.Minute{Sent: 2, Received: 2, RTTSum: 20, RTTSumSq: 200, RTTMin: 10, RTTMax: 10, FirstReply: 255, LastReply: 255}},
	}},
	{29_000_001, nil}, // a minute with no records
	{MaxMinute, []slawatch.SeriesMinute{{Series: strings.Repeat("x", MaxSeriesBytes), M: slawatch.Minute{Sent: 1}}}},
	{0, []slawatch.SeriesMinute{{Series: "é", M: slawatch.Minute{}}}},
}

// Blocks round-trip exactly, the magic written once; every cut short of
// the whole body either fails or decodes a prefix of the blocks, and
// nothing panics.
func TestRoundTrip(t *testing.T) {
	body := encodeAll(sampleBlocks)
	if !strings.HasPrefix(string(body), Magic) || strings.Count(string(body), Magic) != 1 {
		t.Fatalf("magic: % x", body[:8])
	}
	got, err := decodeAll(body)
	if err != nil || !sameBlocks(got, sampleBlocks) {
		t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, got, sampleBlocks)
	}
	for cut := range len(body) {
		got, err := decodeAll(body[:cut])
		if err == nil && !sameBlocks(got, sampleBlocks[:len(got)]) {
			t.Fatalf("cut at %d: decoded %+v", cut, got)
		}
		if err != nil && slawatch.ErrorCode(err) != slawatch.EINVALID {
			t.Fatalf("cut at %d: %v is not EINVALID", cut, err)
		}
	}
}

func TestMaxMinute(t *testing.T) {
	if want := time.Date(9999, 12, 31, 23, 59, 0, 0, time.UTC).Unix() / 60; MaxMinute != want {
		t.Errorf("MaxMinute %d, want %d", MaxMinute, want)
	}
}

// raw builds a body by hand: the magic and then uvarints and strings.
func raw(parts ...any) []byte { return rawBody(Magic, parts) }

// rawV1 builds a version 1 body by hand, as agents before reply timing
// send them.
func rawV1(parts ...any) []byte { return rawBody(MagicV1, parts) }

func rawBody(magic string, parts []any) []byte {
	b := []byte(magic)
	for _, p := range parts {
		switch v := p.(type) {
		case int:
			b = binary.AppendUvarint(b, uint64(v))
		case uint64:
			b = binary.AppendUvarint(b, v)
		case string:
			b = append(b, v...)
		case []byte:
			b = append(b, v...)
		}
	}
	return b
}

// Malformed bodies are refused with EINVALID, naming the block and the
// byte offset of what is wrong: version 1 bodies (six numbers a record).
func TestDecodeErrors(t *testing.T) {
	ok := []any{1, 1, 0, 1, "a", 1, 1, 5, 25, 5, 5} // block 0: minute 1, one record "a"
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"empty", nil, `not a minute-records body (want magic "SWM2", or "SWM1" of agents before reply timing, at byte 0)`},
		{"magic", []byte("SWM3"), `want magic "SWM2", or "SWM1"`},
		{"minute varint", rawV1(slices.Concat(ok, []any{"\x80"})...), "block 1 at byte 15: minute: truncated or overlong varint"},
		{"minute overflow", rawV1("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"), "block 0 at byte 4: minute: truncated or overlong varint"},
		{"minute range", rawV1(MaxMinute+1, 0), "block 0 at byte 4: minute 4223371680: beyond 4223371679 (the year 9999)"},
		{"count missing", rawV1(7), "block 0 at byte 5: record count: truncated or overlong varint"},
		{"count absurd", rawV1(7, 1<<40, "12345678"), "block 0 at byte 5: record count 1099511627776: more than the 8 bytes left can hold"},
		{"count over bytes", rawV1(7, 2, "12345678901234"), "record count 2: more than the 14 bytes left can hold"},
		{"first shares", rawV1(7, 1, 1, 1, "a", 1, 1, 1, 1, 1, 1), "block 0 at byte 6: record 0: name: shares 1 bytes with the previous name, of 0"},
		{"shares too much", rawV1(slices.Concat([]any{7, 2, 0, 1, "a", 1, 1, 5, 25, 5, 5}, []any{2, 0, 1, 1, 1, 1, 1, 1})...), "block 0 at byte 15: record 1: name: shares 2 bytes with the previous name, of 1"},
		{"empty name", rawV1(7, 1, 0, 0, 1, 1, 1, 1, 1, 1), "block 0 at byte 6: record 0: name: empty"},
		{"long name", rawV1(7, 1, 0, 257, strings.Repeat("n", 257), 1, 1, 1, 1, 1, 1), "record 0: name: 257 bytes, longer than 256"},
		{"name cut", rawV1(7, 1, 0, 9, "abcdefg"), "block 0 at byte 6: record 0: name: truncated or overlong"},
		{"name beyond", rawV1(7, 1, 0, 200, "abcdefgh"), "block 0 at byte 6: record 0: name: truncated or overlong"},
		{"sent 33 bits", rawV1(7, 1, 0, 1, "a", uint64(1<<32), 1, 1, 1, 1, 1), "block 0 at byte 9: record 0: sent: 4294967296 does not fit 32 bits"},
		{"rtt_max cut", rawV1(slices.Concat(ok, []any{7, 1, 0, 1, "b", 1, 0, 0, 0, 0, "\x80"})...), "block 1 at byte 25: record 0: rtt_max: truncated or overlong varint"},
		{"rtt_sum overlong", rawV1(7, 1, 0, 1, "a", 1, 1, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 1, 1, 1), "block 0 at byte 11: record 0: rtt_sum: truncated or overlong varint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeAll(tc.body)
			if err == nil || !strings.Contains(err.Error(), tc.want) || slawatch.ErrorCode(err) != slawatch.EINVALID {
				t.Errorf("got %v (code %s)\nwant %q, code invalid", err, slawatch.ErrorCode(err), tc.want)
			}
		})
	}
}

// And version 2 bodies, whose records have eight numbers.
func TestDecodeErrorsV2(t *testing.T) {
	ok := []any{1, 1, 0, 1, "a", 1, 1, 5, 25, 5, 5, 3, 3} // block 0: minute 1, one record "a"
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"minute varint", raw(slices.Concat(ok, []any{"\x80"})...), "block 1 at byte 17: minute: truncated or overlong varint"},
		{"count over bytes", raw(7, 2, "1234567890123456789"), "block 0 at byte 5: record count 2: more than the 19 bytes left can hold"},
		{"rtt_max 33 bits", raw(7, 1, 0, 1, "a", 1, 1, 5, 25, 5, uint64(1<<32), 1, 1), "block 0 at byte 14: record 0: rtt_max: 4294967296 does not fit 32 bits"},
		{"first_reply 9 bits", raw(7, 1, 0, 1, "a", 1, 1, 5, 25, 5, 5, 256, 1), "block 0 at byte 15: record 0: first_reply: 256 does not fit 8 bits"},
		{"last_reply cut", raw(slices.Concat(ok, []any{7, 1, 0, 1, "b", 1, 0, 0, 0, 0, 0, 0, "\x80"})...), "block 1 at byte 29: record 0: last_reply: truncated or overlong varint"},
		{"last_reply missing", raw(7, 1, 0, 1, "a", 1, 1, 5, 25, 5, 5, 3), "record 0: last_reply: truncated or overlong varint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeAll(tc.body)
			if err == nil || !strings.Contains(err.Error(), tc.want) || slawatch.ErrorCode(err) != slawatch.EINVALID {
				t.Errorf("got %v (code %s)\nwant %q, code invalid", err, slawatch.ErrorCode(err), tc.want)
			}
		})
	}
}

// The magic alone is a body of no block; fn's error stops Decode and is
// returned as it is.
func TestDecodeCallback(t *testing.T) {
	if got, err := decodeAll([]byte(Magic)); err != nil || len(got) != 0 {
		t.Errorf("magic only: %v %v", got, err)
	}
	stop := errors.New("stop")
	calls := 0
	err := Decode(encodeAll(sampleBlocks), func(int64, []slawatch.SeriesMinute) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("err %v after %d calls, want stop after 1", err, calls)
	}
}

// A block claiming more records than its bytes could hold is refused
// before its records are allocated: a few hundred bytes for the error,
// not 1<<62 records.
func TestDecodeAbsurdCountAllocatesNothing(t *testing.T) {
	body := raw(7, uint64(1)<<62, strings.Repeat("\x00", 1000))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		if err := Decode(body, func(int64, []slawatch.SeriesMinute) error { return nil }); err == nil {
			t.Fatal("no error")
		}
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
		t.Errorf("%d bytes allocated by 10 calls", n)
	}
}

// benchBody is n minutes of k series each, with realistic numbers.
func benchBody(n, k int) ([]block, []byte) {
	blocks := make([]block, n)
	for i := range blocks {
		recs := make([]slawatch.SeriesMinute, k)
		for j := range recs {
			rtt := uint32(8_000 + (i*7919+j*104729)%20_000)
			recs[j] = slawatch.SeriesMinute{
				Series: fmt.Sprintf("pop-fra1/cust-%05d", j),
				M: slawatch.Minute{Sent: 60, Received: 60, RTTSum: 60 * uint64(rtt), RTTSumSq: 60 * uint64(rtt) * uint64(rtt), RTTMin: rtt - 500, RTTMax: rtt + 900,
					FirstReply: 1, LastReply: 60},
			}
		}
		blocks[i] = block{29_000_000 + int64(i), recs}
	}
	return blocks, encodeAll(blocks)
}

func BenchmarkDecode(b *testing.B) {
	blocks, body := benchBody(64, 1000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Decode(body, func(int64, []slawatch.SeriesMinute) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	n := len(blocks) * len(blocks[0].recs)
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(len(body))/float64(n), "bytes/record")
}

func BenchmarkEncode(b *testing.B) {
	blocks, body := benchBody(64, 1000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	buf := make([]byte, 0, len(body))
	for b.Loop() {
		buf = buf[:0]
		for _, bl := range blocks {
			buf = AppendBlock(buf, bl.minute, bl.recs)
		}
	}
	n := len(blocks) * len(blocks[0].recs)
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}
