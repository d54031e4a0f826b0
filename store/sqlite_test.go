package store

import (
	"os"
	"path/filepath"
	"testing"
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
