package report_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/slawatch/slawatch/internal/race"

	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract/contractfile"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/sample"
	"github.com/slawatch/slawatch/ticket"
)

var update = flag.Bool("update", false, "rewrite the golden renderings in testdata/golden")

// goldenMonths are the shipped example months, each with every input
// file it has: together they reach every kind of level, item, claim and
// cap the engine reports.
var goldenMonths = []struct{ name, contract, samples, prefix string }{
	{"aryaka-2026-10", "aryaka.yaml", "aryaka-2026-10.csv.gz", "aryaka"},
	{"iij-2026-10", "iij.yaml", "iij-2026-10.csv.gz", ""},
	{"ntt-2026-10", "ntt.yaml", "", "ntt"},
}

// The renderings of the engine's result (the JSON of evaluate --format
// json, the table, the credits CSV) are byte for byte those written
// before the engine's result became typed (issue 13 item 2): the golden
// files in testdata/golden were made by the code of that time and are
// never regenerated but on purpose (-update).
func TestGoldenRenderings(t *testing.T) {
	race.SkipHeavy(t, "the three example months evaluated")
	for _, m := range goldenMonths {
		t.Run(m.name, func(t *testing.T) {
			rep := evaluateExample(t, m.contract, m.samples, m.prefix)
			var js bytes.Buffer
			enc := json.NewEncoder(&js)
			enc.SetIndent("", "  ")
			doc := report.JSON(rep)
			if err := enc.Encode(doc); err != nil {
				t.Fatal(err)
			}
			var table, credits bytes.Buffer
			if err := report.WriteTable(&table, doc); err != nil {
				t.Fatal(err)
			}
			if err := report.WriteCredits(&credits, doc); err != nil {
				t.Fatal(err)
			}
			golden(t, m.name+".json", js.Bytes())
			golden(t, m.name+".txt", table.Bytes())
			golden(t, m.name+".csv", credits.Bytes())
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		lo := max(i-200, 0)
		t.Errorf("%s differs from the golden at byte %d:\n got ...%s\nwant ...%s", name, i,
			got[lo:min(i+200, len(got))], want[lo:min(i+200, len(want))])
	}
}

// evaluateExample evaluates one shipped example month as evaluate does.
func evaluateExample(t *testing.T, contractFile, samples, prefix string) *engine.Report {
	t.Helper()
	dir := filepath.Join("..", "examples")
	cat, err := catalog.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	ct, err := contractfile.Open(filepath.Join(dir, contractFile))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ct.Bind(cat)
	if err != nil {
		t.Fatal(err)
	}
	month, err := engine.ParseMonth("2026-10", b.Location)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := engine.New(b, month)
	if err != nil {
		t.Fatal(err)
	}
	if prefix != "" {
		p := filepath.Join(dir, prefix)
		tk, err := ticket.OpenTickets(p+"-tickets.csv", b.Location)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := ticket.OpenEvents(p+"-events.csv", b.Location)
		if err != nil {
			t.Fatal(err)
		}
		cl, err := ticket.OpenClaims(p+"-claims.csv", b.Location)
		if err != nil {
			t.Fatal(err)
		}
		if err := ev.SetRecords(tk, evs, cl); err != nil {
			t.Fatal(err)
		}
	}
	if samples != "" {
		f, err := os.Open(filepath.Join(dir, samples))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		m := sample.NewMerger(sample.NewReader(zr, samples, len(b.Series), b.Lookup))
		for {
			bt, err := m.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := ev.Add(bt); err != nil {
				t.Fatal(err)
			}
		}
	}
	rep, err := ev.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
