package codec

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	slawatch "github.com/slawatch/slawatch"
)

// randomMinute returns a record an agent could make: up to 70 probes,
// some lost, RTTs of any scale, replies timed to random seconds or (one
// in four) untimed.
func randomMinute(rng *rand.Rand) slawatch.Minute {
	var m slawatch.Minute
	timed := rng.IntN(4) != 0
	scale := []uint32{10, 1000, 100_000, slawatch.MaxRTTMicros}[rng.IntN(4)]
	for range rng.IntN(70) {
		rtt := rng.Uint32N(scale + 1)
		switch {
		case rng.IntN(5) == 0:
			m.AddLost()
		case timed:
			m.AddReplyAt(rtt, rng.IntN(60))
		default:
			m.AddReply(rtt)
		}
	}
	return m
}

// Any valid records, timing included, come back equal through a staged
// batch.
func TestBatchRoundTripProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 1000 {
		recs := make([]slawatch.SeriesMinute, rng.IntN(30))
		for i := range recs {
			recs[i] = slawatch.SeriesMinute{Series: fmt.Sprintf("pop-%d/c%d", rng.IntN(3), rng.IntN(100)), M: randomMinute(rng)}
		}
		want := Canonical(recs)
		got, err := DecodeBatch(AppendBatch(nil, want))
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, got, want)
		}
	}
}

// Any valid series hours, timing included, come back equal through a
// chunk.
func TestChunkRoundTripProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for range 300 {
		series := make([]SeriesHour, 1+rng.IntN(8))
		var id int64
		for i := range series {
			id += 1 + rng.Int64N(1000)
			s := &series[i]
			s.ID, s.Have = id, rng.Uint64()&FullHour|1<<rng.IntN(ChunkMinutes)
			if rng.IntN(3) == 0 {
				s.Have = FullHour
			}
			for j := range ChunkMinutes {
				if s.Have&(1<<j) != 0 {
					s.M[j] = randomMinute(rng)
				}
			}
		}
		b, err := AppendChunk(nil, series)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeChunk(b)
		if err != nil || !slices.Equal(got, series) {
			t.Fatalf("round trip: %v", err)
		}
	}
}

// Reply timing must be what a producer can make of it.
func TestCheckMinuteTiming(t *testing.T) {
	one := slawatch.Minute{Sent: 1, Received: 1, RTTSum: 5, RTTSumSq: 25, RTTMin: 5, RTTMax: 5}
	at := func(m slawatch.Minute, first, last uint8) *slawatch.Minute {
		m.FirstReply, m.LastReply = first, last
		return &m
	}
	for _, tc := range []struct {
		m    *slawatch.Minute
		want string
	}{
		{at(one, 0, 0), ""},
		{at(one, 1, 1), ""},
		{at(one, 60, 60), ""},
		{at(one, 1, 60), ""}, // one reply cannot span the minute, but is stored as sent
		{at(one, 61, 61), "reply timing beyond the minute's 60 seconds"},
		{at(one, 1, 0), "reply timing half set"},
		{at(one, 0, 5), "reply timing half set"},
		{at(one, 6, 5), "first reply after the last"},
		{at(slawatch.Minute{Sent: 3}, 1, 1), "reply timing set with nothing received"},
	} {
		if got := CheckMinute(tc.m); got != tc.want {
			t.Errorf("%+v: %q, want %q", *tc.m, got, tc.want)
		}
	}
}
