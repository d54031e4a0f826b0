package sample

import "os"

// long reports whether SLAWATCH_LONG=1 asks for the long version of the
// tests that have one (200,000 random times against the reference parser); CI runs it (.ci/run). By default 20,000.
func long() bool { return os.Getenv("SLAWATCH_LONG") == "1" }
