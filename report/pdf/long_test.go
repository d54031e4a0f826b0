package pdf_test

import (
	"os"
	"sync"
	"testing"

	"github.com/slawatch/slawatch/report/pdf"
)

// long reports whether SLAWATCH_LONG=1 asks for the long version of the
// random tests (more reports); CI runs it (.ci/run). By default the same
// checks run on fewer.
func long() bool { return os.Getenv("SLAWATCH_LONG") == "1" }

// evaluations holds each example's evaluation, made once for all the
// tests that use it (under the race detector a month of Aryaka takes tens
// of seconds); they only read it.
var evaluations sync.Map // example name → evaluation[R]

type evaluation[R any] struct {
	rep  R
	opts pdf.Options
}

// shared is evaluate(tb, x), evaluated once per example.
func shared[R any](tb testing.TB, x example, evaluate func(testing.TB, example) (R, pdf.Options)) (R, pdf.Options) {
	tb.Helper()
	if e, ok := evaluations.Load(x.name); ok {
		e := e.(evaluation[R])
		return e.rep, e.opts
	}
	rep, opts := evaluate(tb, x)
	evaluations.Store(x.name, evaluation[R]{rep, opts})
	return rep, opts
}
