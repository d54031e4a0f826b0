package clock_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneClock: the server, the store, the notifiers and the agent's
// delivery read time only through a Clock, so that no test of theirs
// waits for real time. Only Real, in this package, calls the time
// package's clock. (The agent's probing loop has its own agent.Clock,
// whose RealClock is its only reader of real time: a round trip is real
// time by definition.)
func TestOneClock(t *testing.T) {
	banned := map[string]bool{"Now": true, "Since": true, "Until": true, "After": true, "AfterFunc": true,
		"NewTimer": true, "NewTicker": true, "Tick": true, "Sleep": true}
	for _, dir := range []string{"server", "store", "notify", "deliver"} {
		root := filepath.Join("..", "..", dir)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			for _, c := range timeCalls(t, path, banned) {
				t.Errorf("%s: time.%s: take the time from a clock.Clock", c.pos, c.name)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

type call struct {
	pos  token.Position
	name string
}

// timeCalls finds the uses of the banned functions of package time in a
// file, under whatever name it imports the package.
func timeCalls(t *testing.T, path string, banned map[string]bool) []call {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	name := ""
	for _, im := range f.Imports {
		if im.Path.Value == `"time"` {
			name = "time"
			if im.Name != nil {
				name = im.Name.Name
			}
		}
	}
	if name == "" {
		return nil
	}
	var out []call
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && id.Name == name && banned[sel.Sel.Name] {
			out = append(out, call{fset.Position(sel.Pos()), sel.Sel.Name})
		}
		return true
	})
	return out
}
