package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	slawatch "github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/store/storetest"

	"github.com/slawatch/slawatch/store/internal/codec/codectest"
)

// benchBatches returns k batches of n steady records each.
func benchBatches(n, k int) [][]slawatch.SeriesMinute {
	g := codectest.NewGen(3, n, 100)
	out := make([][]slawatch.SeriesMinute, k)
	for i := range out {
		for j := range n {
			out[i] = append(out[i], slawatch.SeriesMinute{Series: fmt.Sprintf("cust-%06d-router", j), M: g.Minute(j, t0+int64(i))})
		}
	}
	return out
}

// benchBackends are the stores the benchmarks run against.
func benchBackends(b *testing.B) map[string]func(b *testing.B) *Store {
	return map[string]func(b *testing.B) *Store{
		"sqlite": func(b *testing.B) *Store {
			return mustOpen(b, filepath.Join(b.TempDir(), "bench.db"), Options{})
		},
		"postgres": func(b *testing.B) *Store {
			return mustOpen(b, storetest.FreshPostgres(b), Options{})
		},
	}
}

// BenchmarkWriteMinutes stores one agent's batches of 1,000 and 5,000
// records, one minute after another, and reports records per second.
// "parallel" has one agent per goroutine (GOMAXPROCS of them) delivering at once.
func BenchmarkWriteMinutes(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, n := range []int{1000, 5000} {
			b.Run(fmt.Sprintf("%s/%d", backend, n), func(b *testing.B) {
				s := benchBackends(b)[backend](b)
				benchWrite(b, s, n)
			})
		}
		b.Run(backend+"/1000/parallel", func(b *testing.B) {
			s := benchBackends(b)[backend](b)
			benchWriteParallel(b, s, 1000)
		})
	}
}

func benchWrite(b *testing.B, s *Store, n int) {
	batches := benchBatches(n, 16)
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if err := s.WriteMinutes(ctx, "pop1", t0+int64(i), batches[i%len(batches)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}

func benchWriteParallel(b *testing.B, s *Store, n int) {
	batches := benchBatches(n, 16)
	ctx := context.Background()
	var agents atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		agent := fmt.Sprint("pop", agents.Add(1))
		for i := 0; pb.Next(); i++ {
			if err := s.WriteMinutes(ctx, agent, t0+int64(i), batches[i%len(batches)]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkCompact folds an hour of 1,000 series into a chunk; compaction
// must keep up with ingestion.
func BenchmarkCompact(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			s := benchBackends(b)[backend](b)
			batches := benchBatches(1000, chunkMinutes)
			ctx := context.Background()
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				h := t0 + int64(i)*chunkMinutes
				for j, batch := range batches {
					if err := s.WriteMinutes(ctx, "pop1", h+int64(j), batch); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				if _, err := s.Compact(ctx, h+chunkMinutes); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(1000*chunkMinutes*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkReadMinutes reads back compacted hours of 1,000 series.
func BenchmarkReadMinutes(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			s := benchBackends(b)[backend](b)
			batches := benchBatches(1000, chunkMinutes)
			ctx := context.Background()
			for j, batch := range batches {
				if err := s.WriteMinutes(ctx, "pop1", t0+int64(j), batch); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := s.Compact(ctx, t0+chunkMinutes); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				err := s.ReadMinutes(ctx, t0, t0+chunkMinutes, func(int64, []slawatch.SeriesMinute) error { return nil })
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(1000*chunkMinutes*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
