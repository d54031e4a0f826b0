package main

import "os"

// long reports whether SLAWATCH_LONG=1 asks for the long version of the
// tests that have one (the end-to-end runs of real processes over minutes of wall time, and the evaluations of the shipped example months through the command); CI runs it (.ci/run). By default they are skipped: the engine's, report's and server's tests check the same figures below the command.
func long() bool { return os.Getenv("SLAWATCH_LONG") == "1" }
