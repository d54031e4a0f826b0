package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	slawatch "github.com/slawatch/slawatch"
)

// createPrivate creates the SQLite file, readable by its owner only,
// when it does not exist, and makes its write-ahead log and shared
// memory files, which hold the same data, private too when they do.
// The database holds tokens' hashes, webhook secrets and every
// customer's records.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// lockFile takes an exclusive lock on path (created, 0600) that lasts
// until the returned function is called or the process ends, and writes
// the process ID into it. Another process holding it is an error naming
// that process.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		holder := "another process"
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n]))); err == nil {
			holder = "process " + strconv.Itoa(pid)
		}
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, slawatch.Errorf(slawatch.ECONFLICT, "store: %s already serves this SQLite database (%s is locked): with SQLite one server runs at a time; several replicas need PostgreSQL",
				holder, path)
		}
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
