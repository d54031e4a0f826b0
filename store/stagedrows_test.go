package store

import (
	"context"
	"path/filepath"
	"testing"

	slawatch "github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/store/storetest"
)

// TestLargeDeliveryRows: a minute of more records than a staged row
// takes is staged as several rows by series range, in several
// transactions, and reads back whole, once, before and after
// compaction; delivered again it adds nothing.
func TestLargeDeliveryRows(t *testing.T) {
	backends := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "s.db") },
		"postgres": func(t *testing.T) string { return storetest.FreshPostgres(t) },
	}
	for name, url := range backends {
		t.Run(name, func(t *testing.T) {
			s := mustOpen(t, url(t), Options{})
			// 50 records a row, 100 a transaction: 201 records are five
			// rows in three transactions, as 20,001 are at the defaults.
			s.split = split{stagedRows: 50, txRecords: 100}
			ctx := context.Background()
			n := 2*s.split.txRecords + 1
			recs := benchBatches(n, 1)[0]
			for range 2 {
				if err := s.WriteMinutes(ctx, "big", t0, recs); err != nil {
					t.Fatal(err)
				}
			}
			var staged int
			if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM staged WHERE agent = 'big'`).Scan(&staged); err != nil {
				t.Fatal(err)
			}
			if want := (n + s.split.stagedRows - 1) / s.split.stagedRows; staged != want {
				t.Errorf("staged rows = %d, want %d", staged, want)
			}
			check := func(when string) {
				t.Helper()
				var got []slawatch.SeriesMinute
				err := s.ReadMinutes(ctx, t0, t0+1, func(_ int64, rs []slawatch.SeriesMinute) error { got = rs; return nil })
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != n {
					t.Fatalf("%s: read %d records, want %d", when, len(got), n)
				}
				for i := range got {
					if got[i] != recs[i] {
						t.Fatalf("%s: record %d = %+v, want %+v", when, i, got[i], recs[i])
					}
				}
			}
			check("staged")
			if _, err := s.Compact(ctx, t0+chunkMinutes); err != nil {
				t.Fatal(err)
			}
			check("compacted")
		})
	}
}
