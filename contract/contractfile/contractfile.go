// Package contractfile opens contract files: the file-system adapter of
// package contract, whose parser takes an io.Reader and a name so that
// the domain reads no files itself.
package contractfile

import (
	"io"
	"os"

	"github.com/slawatch/slawatch/contract"
)

// Open reads and parses the contract file at path, at most
// contract.MaxFileSize bytes of it.
func Open(path string) (*contract.Contract, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return contract.Parse(io.LimitReader(f, contract.MaxFileSize+1), path)
}
