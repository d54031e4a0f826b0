package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/slawatch/slawatch/internal/race"
)

// TestEvaluateNoProgressOffTerminal: evaluate's progress line is for a
// terminal only; with standard error a pipe or a file, a month of the
// shipped example (800,000 rows) writes nothing to it.
func TestEvaluateNoProgressOffTerminal(t *testing.T) {
	race.SkipHeavy(t, "a month of Aryaka evaluated")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	piped := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); piped <- b }()
	file, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	// A month of Aryaka takes seconds, many redraws' worth: a pipe by
	// default, a regular file too with SLAWATCH_LONG=1 (internal/progress
	// tests a file on its own).
	stderrs := []*os.File{w}
	if long() {
		stderrs = append(stderrs, file)
	}
	for _, stderr := range stderrs {
		var stdout bytes.Buffer
		cmd := &EvaluateCommand{IO: IO{Stdout: &stdout, Stderr: stderr}}
		err := cmd.Run(context.Background(), []string{"--contract", "../../examples/aryaka.yaml",
			"--samples", "../../examples/aryaka-2026-10.csv.gz", "--month", "2026-10"})
		if err != nil || stdout.Len() == 0 {
			t.Fatalf("%v; %d bytes of report", err, stdout.Len())
		}
	}
	w.Close()
	if b := <-piped; len(b) != 0 {
		t.Errorf("wrote %q to a pipe", b)
	}
	if st, err := file.Stat(); err != nil || st.Size() != 0 {
		t.Errorf("wrote %d bytes to a file (%v)", st.Size(), err)
	}
}
