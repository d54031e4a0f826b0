package spool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// TestBytesPerEntry reports the size of 1,000-entry batches, sorted by
// series as the agent should append them and shuffled, for two kinds of
// series names.
func TestBytesPerEntry(t *testing.T) {
	for _, format := range []string{"tyo-pop-%04d--sgp-pop/icmp", "cust%04d"} {
		es := entries(1000, 0)
		names := 0
		for i := range es {
			es[i].Series = fmt.Sprintf(format, i)
			names += len(es[i].Series)
		}
		shuffled := slices.Clone(es)
		for i := range shuffled {
			j := (i * 7919) % len(shuffled)
			shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
		}
		sorted, unsorted := frameSize(es), frameSize(shuffled)
		raw := len(appendEntries(nil, es))
		t.Logf("1,000 entries named like %q: %.1f bytes each sorted, %.1f shuffled (%.1f before deflate, names %.1f)",
			format, float64(sorted)/1000, float64(unsorted)/1000, float64(raw)/1000, float64(names)/1000)
		if sorted >= raw {
			t.Errorf("%q: deflated batch takes %d bytes, not less than the %d raw", format, sorted, raw)
		}
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
			b.SetBytes(int64(frameSize(es)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				mustAppend(b, s, minute0+int64(i), es)
			}
			b.ReportMetric(float64(frameSize(es))/1000, "B/entry")
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
	b.SetBytes(int64(frameSize(es)))
	b.ReportAllocs()
	for b.Loop() {
		bt, err := s.Next(ctx)
		if errors.Is(err, context.Canceled) {
			s.Rewind()
			continue
		}
		if err != nil || len(bt.Entries) != 1000 {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen opens a spool of 3,000 batches of 1,000 entries (about
// 50 MB): the cost of a restart is reading and checking every record.
func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	s := mustOpen(b, dir, Options{NoSync: true})
	es := entries(1000, 0)
	for i := range 3000 {
		mustAppend(b, s, minute0+int64(i), es)
	}
	s.Close()
	b.SetBytes(s.Stats().Bytes)
	for b.Loop() {
		s, err := Open(dir, Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}
