package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	slawatch "github.com/slawatch/slawatch"

	"github.com/slawatch/slawatch/store/internal/codec/codectest"
)

// sizeConfig is the workload of TestStorageSize, from the environment
// (bench/storage-size.sh sets the full one: 1,000 series for 30 days).
type sizeConfig struct {
	series, agents, days int
	jitter               float64 // µs, standard deviation
	mix, untimed         bool    // see codectest.Gen
}

func loadSizeConfig(t *testing.T) sizeConfig {
	// 10 series of 2 agents for a day (28,800 records) show the encoding's
	// size as 40 do; SLAWATCH_LONG=1 writes the 115,200 the figures in
	// BENCHMARKS.md came from.
	c := sizeConfig{series: 10, agents: 2, days: 1, jitter: 100}
	if long() {
		c.series = 40
	}
	for _, k := range []struct {
		env string
		dst *int
	}{{"SLAWATCH_SIZE_SERIES", &c.series}, {"SLAWATCH_SIZE_AGENTS", &c.agents}, {"SLAWATCH_SIZE_DAYS", &c.days}} {
		if v := os.Getenv(k.env); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				t.Fatalf("%s=%q: want a positive integer", k.env, v)
			}
			*k.dst = n
		}
	}
	if v := os.Getenv("SLAWATCH_SIZE_JITTER"); v != "" {
		j, err := strconv.ParseFloat(v, 64)
		if err != nil || j < 0 {
			t.Fatalf("SLAWATCH_SIZE_JITTER=%q: want microseconds", v)
		}
		c.jitter = j
	}
	c.mix = os.Getenv("SLAWATCH_SIZE_MIX") == "1"
	c.untimed = os.Getenv("SLAWATCH_SIZE_UNTIMED") == "1"
	return c
}

// sizeWorkload generates the records minute by minute: the same seed
// gives the same records, so they can be generated again to check what
// was read back.
type sizeWorkload struct {
	sizeConfig
	gen   *codectest.Gen
	names []string
}

func newSizeWorkload(c sizeConfig) *sizeWorkload {
	w := &sizeWorkload{sizeConfig: c, gen: codectest.NewGen(42, c.series, c.jitter)}
	w.gen.Mix, w.gen.Timed = c.mix, !c.untimed
	for i := range c.series {
		w.names = append(w.names, fmt.Sprintf("cust-%06d-router", i))
	}
	return w
}

// batch returns agent a's records of minute t: every agents-th series.
func (w *sizeWorkload) batch(a int, t int64) []slawatch.SeriesMinute {
	var out []slawatch.SeriesMinute
	for i := a; i < w.series; i += w.agents {
		out = append(out, slawatch.SeriesMinute{Series: w.names[i], M: w.gen.Minute(i, t)})
	}
	return out
}

// TestStorageSize writes steady records through WriteMinutes, compacting
// every hour as the server would, then checkpoints and vacuums the SQLite
// file and reports its size per record. It fails above 8 bytes a record
// with jitter up to 200 µs (see below), and if a record read back differs.
func TestStorageSize(t *testing.T) {
	c := loadSizeConfig(t)
	path := filepath.Join(t.TempDir(), "size.db")
	s := mustOpen(t, path, Options{})
	start := time.Now()
	records := writeWorkload(t, s, newSizeWorkload(c))
	elapsed := time.Since(start)
	for _, q := range []string{`PRAGMA wal_checkpoint(TRUNCATE)`, `VACUUM`, `PRAGMA wal_checkpoint(TRUNCATE)`} {
		if _, err := s.wdb.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	size := fileSize(t, path) + fileSize(t, path+"-wal")
	var chunkBytes int64
	if err := s.db.QueryRow(`SELECT COALESCE(SUM(LENGTH(data)), 0) FROM chunks`).Scan(&chunkBytes); err != nil {
		t.Fatal(err)
	}
	perRecord := float64(size) / float64(records)
	t.Logf("%d series, %d agents, %d days, jitter %.0f µs, mix %v, untimed %v: %d records in %s (%.0f records/s written and compacted)",
		c.series, c.agents, c.days, c.jitter, c.mix, c.untimed, records, elapsed.Round(time.Millisecond), float64(records)/elapsed.Seconds())
	t.Logf("file %d bytes: %.2f bytes/record (chunk data %.2f bytes/record)", size, perRecord, float64(chunkBytes)/float64(records))
	// The file's fixed costs (schema, first pages) are amortised from a
	// million records on; below, only the chunks' encoding is held to 8.
	if c.jitter <= 200 && records >= 1_000_000 && perRecord > 8 {
		t.Errorf("file: %.2f bytes/record, want at most 8", perRecord)
	}
	if c.jitter <= 200 && float64(chunkBytes)/float64(records) > 8 {
		t.Errorf("chunks: %.2f bytes/record, want at most 8", float64(chunkBytes)/float64(records))
	}
	checkWorkload(t, s, newSizeWorkload(c))
}

// writeWorkload writes every minute of the workload and returns the
// number of records.
func writeWorkload(t *testing.T, s *Store, w *sizeWorkload) int {
	ctx := context.Background()
	n := 0
	for m := int64(t0); m < t0+int64(w.days)*1440; m++ {
		for a := range w.agents {
			b := w.batch(a, m)
			if err := s.WriteMinutes(ctx, fmt.Sprint("pop", a), m, b); err != nil {
				t.Fatal(err)
			}
			n += len(b)
		}
		if (m+1)%chunkMinutes == 0 {
			mustCompact(t, s, m+1)
		}
	}
	return n
}

// checkWorkload reads every minute back and compares it with the records
// generated again.
func checkWorkload(t *testing.T, s *Store, w *sizeWorkload) {
	next := int64(t0)
	err := s.ReadMinutes(context.Background(), t0, t0+int64(w.days)*1440, func(m int64, got []slawatch.SeriesMinute) error {
		if m != next {
			return fmt.Errorf("read minute %d, want %d", m, next)
		}
		next++
		want := make([]slawatch.SeriesMinute, w.series)
		for a := range w.agents {
			for k, r := range w.batch(a, m) {
				want[a+k*w.agents] = r
			}
		}
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("minute %d: records differ from those written", m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if end := t0 + int64(w.days)*1440; next != end {
		t.Fatalf("read up to minute %d, want %d", next, end)
	}
}

func fileSize(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
