package graph_test

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/graph"
	"github.com/slawatch/slawatch/store"
)

// BenchmarkMonthGraphFromStore reads a month of one series at one
// record a minute (October 2026 in Tokyo: 44,640 records, 60 probes
// each) from a real SQLite store, compacted as the server leaves it, and
// draws its latency graph: what the portal does for one graph.
func BenchmarkMonthGraphFromStore(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "slawatch.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	loc := mustLoc(b, "Asia/Tokyo")
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, loc)
	to := from.AddDate(0, 1, 0)
	m0, m1 := slawatch.UnixMinute(from), slawatch.UnixMinute(to)
	writeMonth(b, st, m0, m1)
	opts := graph.LatencyOptions{Title: "tokyo-r1", From: from, To: to, Location: loc, Threshold: 35 * time.Millisecond}
	keep := func(agent, series string) bool { return series == "tokyo-r1" }
	b.Run("read+draw", func(b *testing.B) {
		for b.Loop() {
			var pts []graph.Point
			if err := st.ReadMinutesOf(ctx, m0, m1, keep, graph.Collect("tokyo-r1", &pts)); err != nil {
				b.Fatal(err)
			}
			if len(pts) != int(m1-m0) {
				b.Fatalf("read %d records, want %d", len(pts), m1-m0)
			}
			if err := graph.Latency(io.Discard, opts, pts); err != nil {
				b.Fatal(err)
			}
		}
	})
	var pts []graph.Point
	if err := st.ReadMinutesOf(ctx, m0, m1, keep, graph.Collect("tokyo-r1", &pts)); err != nil {
		b.Fatal(err)
	}
	b.Run("draw", func(b *testing.B) {
		for b.Loop() {
			if err := graph.Latency(io.Discard, opts, pts); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// writeMonth stores [m0, m1) of series tokyo-r1 a day per transaction,
// with a neighbour series the graph must leave out, and compacts it.
func writeMonth(b *testing.B, st *store.Store, m0, m1 int64) {
	ctx := context.Background()
	for d := m0; d < m1; d += 1440 {
		var blocks []store.Block
		for m := d; m < min(d+1440, m1); m++ {
			blocks = append(blocks, store.Block{Minute: m, Records: []slawatch.SeriesMinute{
				{Series: "osaka-r1", M: minute(m+7, 0)},
				{Series: "tokyo-r1", M: minute(m, int(m%500/499))},
			}})
		}
		if err := st.WriteBlocks(ctx, "tokyo-pop", blocks); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := st.Compact(ctx, m1+60); err != nil {
		b.Fatal(err)
	}
}
