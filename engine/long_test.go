package engine_test

import "os"

// long reports whether SLAWATCH_LONG=1 asks for the long version of the
// tests that have one (every cut of the clone checks, both places for the
// records); CI runs it (.ci/run). By default the same checks run on less.
func long() bool { return os.Getenv("SLAWATCH_LONG") == "1" }

// iters is n random cases with SLAWATCH_LONG=1 and a fifth of them by
// default, for the property tests whose every case is a month.
func iters(n int) int {
	if long() {
		return n
	}
	return n / 5
}
