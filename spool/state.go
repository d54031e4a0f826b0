package spool

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The state file holds what the segments cannot: the acknowledged
// position, and a floor for the next sequence number for when the
// segments that would show it are gone. Layout: magic, ack, next (uint64
// little-endian), CRC32C of the preceding 24 bytes.
const (
	stateFile = "state"
	stateSize = 28
)

var stateMagic = []byte("SLWSACK1")

// errBadState is a state file that does not hold a state: Open logs it
// and starts from nothing acknowledged, so batches are delivered twice
// rather than lost.
var errBadState = errors.New("bad state file")

type state struct {
	ack  uint64 // every batch up to ack is acknowledged
	next uint64 // the next sequence number is at least this
}

func (st state) encode() []byte {
	b := make([]byte, 0, stateSize)
	b = append(b, stateMagic...)
	b = binary.LittleEndian.AppendUint64(b, st.ack)
	b = binary.LittleEndian.AppendUint64(b, st.next)
	return binary.LittleEndian.AppendUint32(b, crc32c(b))
}

// readState reads dir's state file: the zero state if there is none, and
// an error wrapping errBadState if its content is not a state.
func readState(dir string) (state, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return state{}, nil
	}
	if err != nil {
		return state{}, fmt.Errorf("read spool state: %w", err)
	}
	if len(b) != stateSize || !bytes.HasPrefix(b, stateMagic) ||
		binary.LittleEndian.Uint32(b[24:]) != crc32c(b[:24]) {
		return state{}, fmt.Errorf("%s: %w", filepath.Join(dir, stateFile), errBadState)
	}
	st := state{ack: binary.LittleEndian.Uint64(b[8:]), next: binary.LittleEndian.Uint64(b[16:])}
	if st.ack > maxSeq || st.next > maxSeq+1 {
		return state{}, fmt.Errorf("%s: %w", filepath.Join(dir, stateFile), errBadState)
	}
	return st, nil
}

// writeState replaces dir's state file atomically: a crash leaves either
// the old state or the new one. With sync, the new one is durable when
// writeState returns.
func writeState(dir string, st state, sync bool) error {
	tmp := filepath.Join(dir, stateFile+".tmp")
	if err := writeFile(tmp, st.encode(), sync); err != nil {
		return fmt.Errorf("write spool state: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, stateFile)); err != nil {
		return fmt.Errorf("write spool state: %w", err)
	}
	if !sync {
		return nil
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write spool state: %w", err)
	}
	return nil
}

func writeFile(path string, b []byte, sync bool) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil && sync {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
