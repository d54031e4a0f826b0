package slawatch_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The domain is pure (issue 13 item 1): the engine, the catalog and the
// contract, and every non-standard package they depend on, import no file,
// network, database, CSV or compression package. Adapters (sample,
// ticket, contractfile, store, server) produce the domain's values; the
// domain reads nothing itself. Standard packages are not checked one by
// one: fmt itself imports os, so the rule is about our code and our
// libraries, whose direct imports are listed by go list.
func TestDomainIsPure(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to list the packages")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}} {{join .Imports \" \"}}{{end}}",
		"./engine", "./catalog", "./contract").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := []string{"os", "net", "net/http", "database/sql", "encoding/csv", "compress/gzip", "compress/flate", "compress/zlib", "compress/bzip2", "compress/lzw"}
	checked := 0
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		checked++
		for _, imp := range f[1:] {
			if slices.Contains(forbidden, imp) || strings.HasPrefix(imp, "compress/") {
				t.Errorf("%s imports %s: the domain must not read files, networks, databases or CSV", f[0], imp)
			}
		}
	}
	if checked < 3 {
		t.Fatalf("go list listed %d packages, want at least engine, catalog and contract:\n%s", checked, out)
	}
}
