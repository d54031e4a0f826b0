package store

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/store/internal/codec"
)

// BenchmarkWriteLockHold measures how long one delivery of 100,000
// series keeps the SQLite writer from another agent: while the big
// agent writes minute after minute, a small agent writes one record at a
// time and reports its write latency (p50, p99, max), which is the time
// it waited for the write connection plus its own commit. big-ms/op is
// the big delivery's own time. Issue 15 item 4.
func BenchmarkWriteLockHold(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("sqlite/%d", n), func(b *testing.B) {
			s := mustOpen(b, filepath.Join(b.TempDir(), "bench.db"), Options{})
			big := benchBatches(n, 2)
			small := benchBatches(1, 1)[0]
			ctx := context.Background()
			stop := make(chan struct{})
			var lat []time.Duration
			var wg sync.WaitGroup
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					t := time.Now()
					if err := s.WriteMinutes(ctx, "small", t0+int64(i), small); err != nil {
						b.Error(err)
						return
					}
					lat = append(lat, time.Since(t))
					time.Sleep(time.Millisecond)
				}
			})
			b.ResetTimer()
			for i := range b.N {
				if err := s.WriteMinutes(ctx, "big", t0+int64(i), big[i%len(big)]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			close(stop)
			wg.Wait()
			slices.Sort(lat)
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "big-ms/op")
			if len(lat) > 0 {
				q := func(f float64) float64 {
					return float64(lat[min(int(f*float64(len(lat))), len(lat)-1)].Microseconds()) / 1000
				}
				b.ReportMetric(q(0.5), "small-p50-ms")
				b.ReportMetric(q(0.99), "small-p99-ms")
				b.ReportMetric(q(1), "small-max-ms")
			}
		})
	}
}

// BenchmarkWriteParts times the parts of one 100,000-series delivery
// apart: checking, encoding and hashing (outside the lock) and the
// insert and commit (holding it).
func BenchmarkWriteParts(b *testing.B) {
	recs := benchBatches(100_000, 1)[0]
	b.Run("check", func(b *testing.B) {
		for range b.N {
			if err := checkBatch("big", t0, recs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode", func(b *testing.B) {
		var p []byte
		for range b.N {
			p = codec.AppendBatch(p[:0], codec.Canonical(recs))
			_ = sha256.Sum256(p)
		}
	})
}
