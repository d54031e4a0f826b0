package store

import "os"

// long reports whether SLAWATCH_LONG=1 asks for the long version of the
// tests that have one (the storage size on more series); CI runs it
// (.ci/run). By default the same checks run on less.
func long() bool { return os.Getenv("SLAWATCH_LONG") == "1" }
