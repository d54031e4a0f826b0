package main

import (
	"runtime"
	"strings"
	"testing"
)

// `slawatch version` names the binary's version, commit and Go.
func TestVersion(t *testing.T) {
	code, out, _ := run(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "slawatch ") || !strings.Contains(out, "commit ") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("version: exit %d, %q", code, out)
	}
}
