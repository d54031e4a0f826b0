package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvaluatePDF: --format pdf --out FILE writes the monthly report; a
// redirected standard output takes it too; a terminal does not.
func TestEvaluatePDF(t *testing.T) {
	if !long() {
		t.Skip("three evaluations of a month of IIJ: SLAWATCH_LONG=1 runs it (report/pdf's tests check the PDF)")
	}
	args := []string{"evaluate", "--contract", "../../examples/iij.yaml", "--samples", "../../examples/iij-2026-10.csv.gz", "--month", "2026-10", "--format", "pdf"}
	out := filepath.Join(t.TempDir(), "iij.pdf")
	if code, _, stderr := run(t, "", append(args, "--out", out)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(b), "%PDF-") {
		t.Fatalf("--out %s: %v %q", out, err, b[:min(len(b), 8)])
	}
	if code, stdout, stderr := run(t, "", args...); code != 0 || !strings.HasPrefix(stdout, "%PDF-") {
		t.Errorf("to a buffer: exit %d: %s", code, stderr)
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		var errb strings.Builder
		c := &EvaluateCommand{IO: IO{Stdout: tty, Stderr: &errb}}
		if err := c.Run(t.Context(), args[1:]); err == nil || !strings.Contains(err.Error(), "--out FILE") {
			t.Errorf("to a terminal: %v", err)
		}
	}
	if code, _, stderr := run(t, "", append(args, "--out", filepath.Join(t.TempDir(), "no", "such.pdf"))...); code != 1 || !strings.Contains(stderr, "--out") {
		t.Errorf("--out in a missing directory: exit %d: %s", code, stderr)
	}
}
