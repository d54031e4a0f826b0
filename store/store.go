// Package store keeps the minute records agents deliver to the server, in
// an embedded SQLite file by default or in PostgreSQL, with the same
// schema and migrations on both.
//
// Writes are idempotent by (agent, series, minute): a record delivered
// again, alone or in an overlapping batch, never counts twice, and the
// first value stored wins. WriteMinutes is durable when it returns. A
// batch is staged as one row as it arrives; Compact later transposes
// closed hours into one chunk per agent and hour in which a steady
// record takes about 7 bytes, and applies the retention. ReadMinutes
// returns records by minute, whichever form they are in.
//
// docs/storage.md describes the schema, the chunk encoding and the
// measured size and speed.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	slawatch "github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/clock"
)

// Options configure a Store. The zero value is valid.
type Options struct {
	// Logger receives the store's logs; nil discards them.
	Logger *slog.Logger
	// RetentionDays, when positive, makes Compact delete records more
	// than this many days older than its horizon. Zero keeps everything.
	RetentionDays int
	// Exclusive, with SQLite, takes a lock on the database file that
	// another process opening it Exclusive is refused: a server keeps the
	// file to itself (other tools, such as `slawatch token`, may still
	// open it). PostgreSQL ignores it: replicas share a database.
	Exclusive bool
	// Clock stamps documents, tokens and the change feed; clock.Real
	// when nil. A server on the store takes the same clock.
	Clock clock.Clock
}

// Clock is the store's clock (Options.Clock).
func (s *Store) Clock() clock.Clock { return clock.Or(s.opts.Clock) }

// now is the time of the store's clock.
func (s *Store) now() time.Time { return s.Clock().Now() }

// Store is a database of minute records. Its methods may be called from
// any number of goroutines.
type Store struct {
	dialect dialect
	db      *sql.DB // reads; and writes, on PostgreSQL
	wdb     *sql.DB // writes: on SQLite, one connection
	log     *slog.Logger
	opts    Options
	names   *names
	// replica names this server in the change feed; "" records none
	replica string
	unlock  func()        // releases an SQLite file locked by Options.Exclusive
	split   split         // how a large delivery is cut up: defaultSplit
	ckpt    *checkpointer // SQLite: copies the log into the file beside the writers
}

// Open opens the database at url, creating it (an SQLite file and its
// directory) when absent, and applies the migrations it lacks.
//
// url is "postgres://..." (or "postgresql://...") for PostgreSQL, and
// otherwise an SQLite file: "sqlite:///var/lib/slawatch/slawatch.db", or a
// plain path. A path naming a directory means DefaultFile in it.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.RetentionDays < 0 {
		return nil, slawatch.Errorf(slawatch.EINVALID, "store: retention %d days: negative", opts.RetentionDays)
	}
	s := &Store{log: opts.Logger, opts: opts, names: newNames(), split: defaultSplit}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var err error
	switch {
	case isPostgres(url):
		err = s.openPostgres(url)
	case strings.Contains(url, "://") && !strings.HasPrefix(url, "sqlite:"):
		scheme, _, _ := strings.Cut(url, "://")
		err = slawatch.Errorf(slawatch.EINVALID, "store: database URL scheme %q: want postgres, sqlite or a file path", scheme)
	default:
		err = s.openSQLite(sqlitePath(url))
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) openPostgres(url string) error {
	s.dialect = postgresDialect
	db, err := sql.Open(s.dialect.driver, url)
	if err != nil {
		return fmt.Errorf("store: open postgres: %w", err)
	}
	// Every agent's delivery holds a connection for one insert; keep
	// them open rather than reconnecting (database/sql keeps 2 idle).
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	s.db, s.wdb = db, db
	return nil
}

func (s *Store) openSQLite(path string) error {
	s.dialect = sqliteDialect
	if path == "" || path == ":memory:" {
		return slawatch.Errorf(slawatch.EINVALID, "store: sqlite: %q: need a file path", path)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, DefaultFile)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("store: sqlite: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("store: sqlite: %w", err)
	}
	if err := createPrivate(abs); err != nil {
		return fmt.Errorf("store: sqlite: %w", err)
	}
	if s.opts.Exclusive {
		if s.unlock, err = lockFile(abs + ".lock"); err != nil {
			return err
		}
	}
	// One writing connection: SQLite has one writer at a time anyway, and
	// queueing in database/sql is cheaper than retrying on SQLITE_BUSY.
	// Readers have their own pool and, with WAL, never wait for it.
	if s.wdb, err = sql.Open(s.dialect.driver, sqliteDSN(abs, true)); err != nil {
		s.release()
		return fmt.Errorf("store: sqlite %s: %w", abs, err)
	}
	s.wdb.SetMaxOpenConns(1)
	if s.db, err = sql.Open(s.dialect.driver, sqliteDSN(abs, false)); err != nil {
		s.wdb.Close()
		s.release()
		return fmt.Errorf("store: sqlite %s: %w", abs, err)
	}
	s.db.SetMaxOpenConns(4)
	s.db.SetMaxIdleConns(4)
	if s.ckpt, err = startCheckpointer(s.dialect.driver, abs, s.Clock(), s.log); err != nil {
		s.db.Close()
		s.wdb.Close()
		s.release()
		return err
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.wdb != s.db {
		err = errors.Join(err, s.wdb.Close())
	}
	if s.ckpt != nil {
		err = errors.Join(err, s.ckpt.stop())
	}
	s.release()
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

func (s *Store) release() {
	if s.unlock != nil {
		s.unlock()
		s.unlock = nil
	}
}

// Backend returns "sqlite" or "postgres".
func (s *Store) Backend() string { return s.dialect.name }
