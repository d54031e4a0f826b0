package spool

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestBytesPerEntry reports the size of a 1,000-entry batch: sorted by
// series as the agent should append them, and shuffled.
func TestBytesPerEntry(t *testing.T) {
	es := entries(1000, 0)
	sorted := len(appendFrame(nil, 1, minute0, es))
	shuffled := slices.Clone(es)
	for i := range shuffled {
		j := (i * 7919) % len(shuffled)
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}
	unsorted := len(appendFrame(nil, 1, minute0, shuffled))
	names := 0
	for _, e := range es {
		names += len(e.Series)
	}
	t.Logf("1,000 entries: %.1f bytes each sorted, %.1f unsorted (names alone average %.1f bytes)",
		float64(sorted)/1000, float64(unsorted)/1000, float64(names)/1000)
	if sorted >= unsorted {
		t.Errorf("sorted batch takes %d bytes, unsorted %d", sorted, unsorted)
	}
}

func BenchmarkAppend(b *testing.B) {
	for _, nosync := range []bool{false, true} {
		name := "sync"
		if nosync {
			name = "nosync"
		}
		b.Run(name+"/1000", func(b *testing.B) {
			s := mustOpen(b, b.TempDir(), Options{MaxBytes: 256 << 20, NoSync: nosync})
			es := entries(1000, 0)
			b.ReportAllocs()
			var bytes int64
			for i := 0; b.Loop(); i++ {
				mustAppend(b, s, minute0+int64(i), es)
				bytes = int64(s.Stats().Bytes)
			}
			_ = bytes
			b.SetBytes(int64(len(appendFrame(nil, 1, minute0, es))))
			b.ReportMetric(float64(len(appendFrame(nil, 1, minute0, es)))/1000, "B/entry")
		})
	}
}

func BenchmarkNext(b *testing.B) {
	s := mustOpen(b, b.TempDir(), Options{NoSync: true})
	es := entries(1000, 0)
	for i := range 100 {
		mustAppend(b, s, minute0+int64(i), es)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b.SetBytes(int64(len(appendFrame(nil, 1, minute0, es))))
	b.ReportAllocs()
	for b.Loop() {
		bt, err := s.Next(ctx)
		if err != nil && strings.Contains(err.Error(), "canceled") {
			s.Rewind()
			continue
		}
		if err != nil || len(bt.Entries) != 1000 {
			b.Fatal(err)
		}
	}
}
