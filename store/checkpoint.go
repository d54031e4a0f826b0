package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/slawatch/slawatch/internal/clock"
)

// checkpointEvery is how often an SQLite store copies its write-ahead log
// into the database file. A passive checkpoint takes no lock the writers
// or the readers wait for; it copies what no reader still needs, and the
// next writer starts the log again from its beginning once all of it is
// copied. A second's writes are at most tens of megabytes of log.
const checkpointEvery = time.Second

// A checkpointer runs SQLite's checkpoints on a connection of its own, on
// the store's clock, so that no commit pays for one (sqliteDSN turns the
// writers' own off).
type checkpointer struct {
	db     *sql.DB
	log    *slog.Logger
	cancel context.CancelFunc
	done   sync.WaitGroup
	runs   chan struct{} // a test's view: one value a checkpoint run
}

func startCheckpointer(driver, file string, c clock.Clock, log *slog.Logger) (*checkpointer, error) {
	db, err := sql.Open(driver, sqliteDSN(file, true))
	if err != nil {
		return nil, fmt.Errorf("store: sqlite %s: checkpoints: %w", file, err)
	}
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	k := &checkpointer{db: db, log: log, cancel: cancel, runs: make(chan struct{}, 1)}
	ticker := c.NewTicker(checkpointEvery)
	k.done.Go(func() {
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C():
				k.run(ctx, "PASSIVE")
			}
		}
	})
	return k, nil
}

// run runs one checkpoint of the given mode. A failure is logged: the log
// is copied at the next one, and until then only grows.
func (k *checkpointer) run(ctx context.Context, mode string) {
	if _, err := k.db.ExecContext(ctx, "PRAGMA wal_checkpoint("+mode+")"); err != nil && ctx.Err() == nil {
		k.log.Warn("sqlite checkpoint", "mode", mode, "err", err)
	}
	select {
	case k.runs <- struct{}{}:
	default:
	}
}

// stop ends the checkpoints and closes the connection. Close closes it
// last: SQLite copies the whole log into the file, and removes it, when
// the last connection to the file closes.
func (k *checkpointer) stop() error {
	k.cancel()
	k.done.Wait()
	return k.db.Close()
}
