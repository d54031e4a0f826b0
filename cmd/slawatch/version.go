package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is what `slawatch version` prints: the module version (a
// release tag when installed with `go install ...@vX.Y.Z`, "(devel)"
// from a checkout), the commit and its time, and whether the tree had
// changes, as the go command stamped them into the binary.
func version() string {
	v, commit, at, dirty := "(devel)", "unknown", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	out := fmt.Sprintf("slawatch %s, commit %s", v, commit)
	if at != "" {
		out += " of " + at
	}
	if dirty {
		out += " with local changes"
	}
	return out + ", " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
}
