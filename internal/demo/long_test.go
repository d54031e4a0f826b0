package demo

import "os"

// long reports whether SLAWATCH_LONG=1 asks for the long version of the
// tests that have one (the whole demo end to end in real time); CI runs it (.ci/run). By default it is skipped, and its parts are tested apart.
func long() bool { return os.Getenv("SLAWATCH_LONG") == "1" }
