// Package race tells a test whether the race detector is on, so that a
// test of one goroutine's arithmetic over a month of records, which the
// race detector makes ten times slower and can find nothing in, runs
// once without it rather than in every run of go test -race.
package race

import (
	"os"
	"testing"
)

// SkipHeavy skips tb when the race detector is on, unless SLAWATCH_LONG=1
// asks for everything. Without -race the test always runs: CI's second
// step (SLAWATCH_LONG=1 go test ./..., .ci/run) runs it, and so does a
// plain go test ./...
func SkipHeavy(tb testing.TB, what string) {
	tb.Helper()
	if Enabled && os.Getenv("SLAWATCH_LONG") != "1" {
		tb.Skipf("%s, on one goroutine: under -race only with SLAWATCH_LONG=1; go test without -race runs it", what)
	}
}
