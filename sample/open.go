package sample

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Open opens a samples file for a Reader: "-" is standard input, which
// closing leaves open for the rest of the program; a name ending in .gz is
// decompressed; any other name is read as it is.
func Open(path string) (io.ReadCloser, error) {
	if path == "-" {
		return stdin{os.Stdin}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open samples: %w", err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return f, nil
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open samples %s: %w", path, err)
	}
	return &gzipFile{Reader: zr, file: f}, nil
}

// stdin is standard input with a Close that does nothing.
type stdin struct{ io.Reader }

func (stdin) Close() error { return nil }

// gzipFile closes both the decompressor and the file under it.
type gzipFile struct {
	*gzip.Reader
	file *os.File
}

func (g *gzipFile) Close() error {
	return errors.Join(g.Reader.Close(), g.file.Close())
}
