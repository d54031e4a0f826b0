package sample

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const openText = "time,series,rtt_ms\n2026-10-01T00:00:07Z,web,1\n"

func TestOpenPlain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.csv")
	if err := os.WriteFile(path, []byte(openText), 0o644); err != nil {
		t.Fatal(err)
	}
	checkOpen(t, path)
}

func TestOpenGzip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.csv.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	io.WriteString(zw, openText)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	checkOpen(t, path)
}

func checkOpen(t *testing.T, path string) {
	t.Helper()
	rc, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(NewReader(rc, path, 1, mapLookup("web")))
	if err != nil || len(got) != 1 || got[0].Rows != 1 {
		t.Errorf("got %+v, %v", got, err)
	}
	if err := rc.Close(); err != nil {
		t.Error(err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notGzip := filepath.Join(dir, "plain.csv.gz")
	if err := os.WriteFile(notGzip, []byte(openText), 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		filepath.Join(dir, "missing.csv"): "open samples: open " + filepath.Join(dir, "missing.csv") + ": no such file or directory",
		notGzip:                           "open samples " + notGzip + ": gzip: invalid header",
	} {
		if _, err := Open(path); err == nil || err.Error() != want {
			t.Errorf("Open(%q) = %v, want %s", path, err, want)
		}
	}
}

// TestOpenStdin checks that "-" is standard input and that closing it
// leaves it open; it does not read it.
func TestOpenStdin(t *testing.T) {
	rc, err := Open("-")
	if err != nil {
		t.Fatal(err)
	}
	s, ok := rc.(stdin)
	if !ok || s.Reader != os.Stdin {
		t.Fatalf("Open(\"-\") = %T, want os.Stdin wrapped", rc)
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stdin.Stat(); err != nil && strings.Contains(err.Error(), "closed") {
		t.Errorf("closing \"-\" closed os.Stdin: %v", err)
	}
}
