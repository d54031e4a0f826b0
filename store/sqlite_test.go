package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/clock"
)

func TestSQLite(t *testing.T) {
	runSuite(t, func(t *testing.T) string {
		return "sqlite://" + filepath.Join(t.TempDir(), "slawatch.db")
	})
}

// TestSQLitePaths checks the ways of naming the file.
func TestSQLitePaths(t *testing.T) {
	dir := t.TempDir()
	for _, u := range []string{
		filepath.Join(dir, "plain.db"),
		"sqlite://" + filepath.Join(dir, "url.db"),
		"sqlite:" + filepath.Join(dir, "short.db"),
		filepath.Join(dir, "sub", "dir", "new.db"),
		filepath.Join(dir, "odd ?#%name.db"),
	} {
		s := mustOpen(t, u, Options{})
		mustWrite(t, s, "a", t0, rec("x", 1, 0, 1))
	}
	s := mustOpen(t, dir, Options{}) // a directory: DefaultFile in it
	mustWrite(t, s, "a", t0, rec("x", 1, 0, 1))
	for _, f := range []string{"plain.db", "url.db", "short.db", "sub/dir/new.db", "odd ?#%name.db", DefaultFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestSQLiteSettings checks what durability rests on: WAL, and a sync of
// the WAL at every commit.
func TestSQLiteSettings(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "x.db"), Options{})
	var mode string
	var sync, queryOnly int
	if err := s.wdb.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := s.wdb.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || sync != 2 {
		t.Errorf("journal_mode %s, synchronous %d; want wal, 2 (FULL)", mode, sync)
	}
	if err := s.db.QueryRow(`PRAGMA query_only`).Scan(&queryOnly); err != nil || queryOnly != 1 {
		t.Errorf("readers: query_only %d (%v), want 1", queryOnly, err)
	}
}

// TestSQLiteCheckpointsBeside: no commit copies the write-ahead log into
// the database file (the copy and its fsync were the p99 of an
// acknowledgement); the store's checkpointer does, once a checkpointEvery
// on its clock, and Close leaves the log empty.
func TestSQLiteCheckpointsBeside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	fake := clock.NewFake(time.Unix(t0*60, 0).UTC())
	s, err := Open(context.Background(), path, Options{Clock: fake})
	if err != nil {
		t.Fatal(err)
	}
	var autockpt int
	if err := s.wdb.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&autockpt); err != nil || autockpt != 0 {
		t.Fatalf("writer's wal_autocheckpoint %d (%v), want 0", autockpt, err)
	}
	size := func(name string) int64 {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size(path)
	// more than SQLite's automatic checkpoint of 1,000 pages of 4 KiB
	recs := make([]slawatch.SeriesMinute, 2000)
	for m := range int64(60) {
		for i := range recs {
			recs[i] = rec(fmt.Sprintf("series-%05d-with-a-long-name-%d", i, m), 60, 1, uint32(1000+i))
		}
		mustWrite(t, s, "a", t0+m, recs...)
	}
	if wal := size(path + "-wal"); wal < 4<<20 {
		t.Fatalf("log %d bytes: the test wrote less than 1,000 pages", wal)
	}
	if after := size(path); after != before {
		t.Fatalf("database file %d -> %d bytes before any checkpoint: a commit copied the log", before, after)
	}
	fake.Advance(checkpointEvery)
	select {
	case <-s.ckpt.runs:
	case <-time.After(30 * time.Second):
		t.Fatal("no checkpoint 30 s after the clock passed checkpointEvery")
	}
	if after := size(path); after <= before {
		t.Errorf("database file %d -> %d bytes after the checkpoint: the log was not copied", before, after)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() != 0 {
		t.Errorf("log %d bytes after Close, want it copied and gone", fi.Size())
	}
}
