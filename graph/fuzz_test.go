package graph_test

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/graph"
)

// fuzzPoints turns bytes into points, 28 bytes each, whatever they say:
// minutes out of order or outside the span, more replies than probes,
// min above max, sums that overflow a bucket.
func fuzzPoints(data []byte, m0 int64) []graph.Point {
	var pts []graph.Point
	for len(data) >= 28 {
		le := binary.LittleEndian
		pts = append(pts, graph.Point{
			Minute: m0 + int64(int16(le.Uint16(data))),
			M: slawatch.Minute{Sent: le.Uint32(data[2:]) % 8192, Received: le.Uint32(data[6:]) % 8192,
				RTTSum: le.Uint64(data[10:]), RTTMin: le.Uint32(data[18:]), RTTMax: le.Uint32(data[22:]),
				RTTSumSq: uint64(data[26]) << 56},
		})
		data = data[28:]
	}
	return pts
}

func FuzzLatency(f *testing.F) {
	f.Add(uint16(1440), uint16(0), int64(35000), int64(0), []byte("0123456789012345678901234567"))
	f.Add(uint16(1), uint16(500), int64(0), int64(1), make([]byte, 56))
	f.Add(uint16(60000), uint16(10000), int64(1<<40), int64(1<<50), bytes.Repeat([]byte{0xff}, 84))
	f.Fuzz(func(t *testing.T, span, width uint16, thresholdUs, maxUs int64, data []byte) {
		from := time.Date(2026, 10, 25, 0, 0, 0, 0, mustLoc(t, "Europe/Berlin"))
		o := graph.LatencyOptions{Title: string(data[:min(len(data), 20)]), From: from,
			To: from.Add(time.Duration(span) * time.Minute), Location: from.Location(),
			Width: int(width), Threshold: time.Duration(thresholdUs) * time.Microsecond, Max: time.Duration(maxUs) * time.Microsecond}
		var b bytes.Buffer
		err := graph.Latency(&b, o, fuzzPoints(data, slawatch.UnixMinute(from)))
		valid := span > 0 && (width == 0 || width >= 480 && width <= 10000) && thresholdUs >= 0 && maxUs >= 0
		switch {
		case err != nil && valid:
			t.Fatalf("valid options %+v: %v", o, err)
		case err == nil && !valid:
			t.Fatalf("invalid options %+v drawn", o)
		case err == nil:
			parse(t, b.Bytes())
		}
	})
}

func FuzzStrip(f *testing.F) {
	f.Add(uint16(0), int64(0), int64(10), []byte{0, 1, 2, 3, 4, 200})
	f.Add(uint16(60), int64(-100), int64(1<<40), bytes.Repeat([]byte{1, 2}, 3000))
	f.Fuzz(func(t *testing.T, cell uint16, outA, outB int64, data []byte) {
		st := make([]engine.State, len(data))
		for i, c := range data {
			st[i] = engine.State(c % 6) // 4 and 5 are no state: drawn unknown
		}
		from := time.Date(2026, 3, 29, 0, 0, 0, 0, mustLoc(t, "Europe/Berlin"))
		o := graph.StripOptions{Title: string(data), From: from, Location: from.Location(), CellMinutes: int(cell),
			Outages: []graph.Span{{Start: from.Add(time.Duration(outA) * time.Second), End: from.Add(time.Duration(outB) * time.Second)}}}
		var b bytes.Buffer
		err := graph.Strip(&b, o, st)
		if (err == nil) != (len(st) > 0) {
			t.Fatalf("%d states: %v", len(st), err)
		}
		if err == nil {
			parse(t, b.Bytes())
		}
	})
}

func FuzzBadge(f *testing.F) {
	f.Add("availability", "99.987%", "#4c1")
	f.Add("", "\x00<&>\"'\xff", "#FFFFFF")
	f.Fuzz(func(t *testing.T, label, value, colour string) {
		var b bytes.Buffer
		if err := graph.Badge(&b, label, value, graph.Colour(colour)); err == nil {
			parse(t, b.Bytes())
		}
	})
}
