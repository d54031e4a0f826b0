package pdf_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract/contractfile"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/graph"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/report/pdf"
	"github.com/slawatch/slawatch/sample"
	"github.com/slawatch/slawatch/ticket"
)

// example is a shipped example month, evaluated as `slawatch evaluate`
// does.
type example struct {
	name                    string
	contract, samples       string
	tickets, events, claims string
}

var (
	aryaka = example{name: "aryaka", contract: "aryaka.yaml", samples: "aryaka-2026-10.csv.gz",
		tickets: "aryaka-tickets.csv", events: "aryaka-events.csv", claims: "aryaka-claims.csv"}
	iij = example{name: "iij", contract: "iij.yaml", samples: "iij-2026-10.csv.gz"}
	ntt = example{name: "ntt", contract: "ntt.yaml", tickets: "ntt-tickets.csv", events: "ntt-events.csv", claims: "ntt-claims.csv"}
)

var now = time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

// evaluateOpts returns the example's report and the options that draw
// its strips and latency graphs, the records collected as they are fed.
func evaluateOpts(tb testing.TB, x example) (*report.Report, pdf.Options) {
	tb.Helper()
	dir := filepath.Join("..", "..", "examples")
	cat, err := catalog.Builtin()
	if err != nil {
		tb.Fatal(err)
	}
	ct, err := contractfile.Open(filepath.Join(dir, x.contract))
	if err != nil {
		tb.Fatal(err)
	}
	b, err := ct.Bind(cat)
	if err != nil {
		tb.Fatal(err)
	}
	month, err := engine.ParseMonth("2026-10", b.Location)
	if err != nil {
		tb.Fatal(err)
	}
	ev, err := engine.New(b, month)
	if err != nil {
		tb.Fatal(err)
	}
	if x.tickets != "" {
		tk, err1 := ticket.OpenTickets(filepath.Join(dir, x.tickets), b.Location)
		evs, err2 := ticket.OpenEvents(filepath.Join(dir, x.events), b.Location)
		cl, err3 := ticket.OpenClaims(filepath.Join(dir, x.claims), b.Location)
		if err := errors.Join(err1, err2, err3); err != nil {
			tb.Fatal(err)
		}
		if err := ev.SetRecords(tk, evs, cl); err != nil {
			tb.Fatal(err)
		}
	}
	var readers []*sample.Reader
	if x.samples != "" {
		f, err := sample.Open(filepath.Join(dir, x.samples))
		if err != nil {
			tb.Fatal(err)
		}
		defer f.Close()
		readers = append(readers, sample.NewReader(f, x.samples, len(b.Series), b.Lookup))
	}
	graphs := pdf.GraphsOf(b)
	latency := map[string][]graph.Point{}
	for _, name := range pdf.GraphSeries(b, graphs, "") {
		latency[name] = nil
	}
	m := sample.NewMerger(readers...)
	for {
		batch, err := m.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range batch.Records {
			if pts, ok := latency[b.Series[r.Series]]; ok {
				latency[b.Series[r.Series]] = append(pts, graph.Point{Minute: batch.Minute, M: r.Minute})
			}
		}
		if err := ev.Add(batch); err != nil {
			tb.Fatal(err)
		}
	}
	res, err := ev.Finish()
	if err != nil {
		tb.Fatal(err)
	}
	rep := report.JSON(res)
	// the JSON the API returns, read back: the PDF is checked against it
	js, err := json.Marshal(rep)
	if err != nil {
		tb.Fatal(err)
	}
	var back report.Report
	if err := json.Unmarshal(js, &back); err != nil {
		tb.Fatal(err)
	}
	return &back, pdf.Options{Now: now, States: pdf.StatesOf(b, ev), Graphs: graphs, Latency: latency}
}

// pdftotext returns the PDF's text laid out as on the page.
func pdftotext(t *testing.T, doc []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("SLAWATCH_REQUIRE_CHROMIUM") == "1" {
			t.Fatal("SLAWATCH_REQUIRE_CHROMIUM=1 and no pdftotext on this machine (apt-get install poppler-utils)")
		}
		t.Skip("pdftotext not found (apt-get install poppler-utils): the PDF's text is not checked")
	}
	in := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(in, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// wall is a report time as the PDF prints it: the wall clock, with
// seconds if any, and the offset when it is not the month start's.
func wall(t *testing.T, rep *report.Report, s string) string {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	loc, err := time.LoadLocation(rep.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	start, _ := time.ParseInLocation("2006-01", rep.Month, loc)
	layout := "2006-01-02 15:04"
	if tm.Second() != 0 {
		layout += ":05"
	}
	if tm.Format("-07:00") != start.Format("-07:00") {
		layout += " -07:00"
	}
	return tm.Format(layout)
}

// TestPDFFigures checks that the text of each level's section holds
// every figure of that level in the JSON report, that the summary's
// credit column holds only the JSON's credits, and the customer total.
func TestPDFFigures(t *testing.T) {
	for _, x := range []example{aryaka, iij, ntt} {
		t.Run(x.name, func(t *testing.T) {
			rep, opts := shared(t, x, evaluateOpts)
			var b bytes.Buffer
			if err := pdf.Write(&b, rep, opts); err != nil {
				t.Fatal(err)
			}
			text := pdftotext(t, b.Bytes())
			for _, c := range rep.Customers {
				checkCustomer(t, text, rep, &c)
			}
			if !strings.Contains(text, "generated at 2026-11-02 09:30:00 +00:00") || !strings.Contains(text, "page 1 of ") {
				t.Errorf("no footer with the time generated and the page numbers")
			}
		})
	}
}

func checkCustomer(t *testing.T, text string, rep *report.Report, c *report.CustomerReport) {
	t.Helper()
	if want := "Credit total: " + c.Credit + " " + rep.Currency; !strings.Contains(text, want) {
		t.Errorf("customer %s: no %q", c.ID, want)
	}
	credits := map[string]bool{c.Credit: true}
	for _, s := range c.Services {
		credits[s.Credit] = true
		for i := range s.Levels {
			l := &s.Levels[i]
			credits[l.Credit] = true
			sec := section(t, text, s.ID+" · "+l.Template)
			for _, want := range levelFigures(t, rep, l) {
				if !strings.Contains(sec, want) {
					t.Errorf("%s/%s %s: section lacks %q", c.ID, s.ID, l.Template, want)
				}
			}
		}
	}
	checkCreditColumn(t, text, credits)
}

// levelFigures are the strings a level's section must contain.
func levelFigures(t *testing.T, rep *report.Report, l *report.LevelReport) []string {
	want := []string{l.Objective, pct(l.CreditPct) + " · " + l.Credit + " ",
		"measured " + itoa(l.MeasuredMinutes) + ", unknown " + itoa(l.UnknownMinutes) + ", excluded " + itoa(l.ExcludedMinutes)}
	if l.DownMinutes != nil {
		want = append(want, "down "+itoa(*l.DownMinutes))
	}
	for _, v := range []json.Number{l.Availability, l.LossPct} {
		if v != "" {
			want = append(want, string(v)+"%")
		}
	}
	for _, v := range []json.Number{l.LatencyMs, l.JitterMs} {
		if v != "" {
			want = append(want, string(v)+" ms")
		}
	}
	if l.Claim != nil {
		want = append(want, "credit "+l.Claim.Amount+" ", "claim by "+wall(t, rep, l.Claim.ClaimBy))
		if l.Claim.PreCap != "" {
			want = append(want, l.Claim.PreCap+" "+rep.Currency+" before")
		}
	}
	for _, o := range l.Outages {
		want = append(want, wall(t, rep, o.Start), wall(t, rep, o.End), wall(t, rep, o.DetectedAt))
		if o.NotifyBy != "" {
			want = append(want, wall(t, rep, o.NotifyBy))
		}
	}
	if l.PreCap != "" {
		want = append(want, l.PreCap+" "+rep.Currency+" before")
	}
	for _, it := range l.Items {
		want = append(want, it.ID, wall(t, rep, it.Start))
		if it.Credit != "" {
			want = append(want, pct(it.CreditPct)+" · "+it.Credit)
		}
		if it.Claim != nil {
			want = append(want, "claim by "+wall(t, rep, it.Claim.ClaimBy))
		}
	}
	for _, r := range l.Reasons {
		// a reason may wrap: its first words are on the first line
		want = append(want, firstWords(r, 4))
	}
	return want
}

// section returns the text from the heading to the next level heading.
func section(t *testing.T, text, heading string) string {
	t.Helper()
	i := strings.Index(text, heading)
	if i < 0 {
		t.Errorf("no section %q", heading)
		return ""
	}
	rest := text[i+len(heading):]
	if j := levelHeading.FindStringIndex(rest); j != nil {
		rest = rest[:j[0]]
	}
	return rest
}

var levelHeading = regexp.MustCompile(`(?m)^\s*\S+ · [a-z0-9-]+/[a-z0-9-]+\s*$`)

// checkCreditColumn reads the summary table's last column, the level's
// credit after caps: each must be a credit of the JSON report.
func checkCreditColumn(t *testing.T, text string, credits map[string]bool) {
	t.Helper()
	start := strings.Index(text, "credit (")
	end := strings.Index(text, "Exclusions")
	if e2 := levelHeading.FindStringIndex(text[max(start, 0):]); e2 != nil && (end < 0 || start+e2[0] < end) {
		end = start + e2[0]
	}
	if start < 0 || end < start {
		t.Fatalf("no summary table")
	}
	n := 0
	number := regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	for _, line := range strings.Split(text[start:end], "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 3 || !number.MatchString(f[len(f)-1]) {
			continue
		}
		n++
		if !credits[f[len(f)-1]] {
			t.Errorf("credit column: %s is no credit of the JSON report (line %q)", f[len(f)-1], line)
		}
	}
	if n == 0 {
		t.Errorf("credit column: no figure read")
	}
}

// pct is a percentage as the PDF prints it: "10 %", or a word as it is.
func pct(s string) string {
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return s
	}
	return s + " %"
}

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	return strings.Join(f[:min(n, len(f))], " ")
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestPDFDeterministic: the same report and time give the same bytes.
func TestPDFDeterministic(t *testing.T) {
	rep, opts := shared(t, aryaka, evaluateOpts)
	var a, b bytes.Buffer
	if err := pdf.Write(&a, rep, opts); err != nil {
		t.Fatal(err)
	}
	if err := pdf.Write(&b, rep, opts); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("two writes differ (%d and %d bytes)", a.Len(), b.Len())
	}
	if !bytes.HasPrefix(a.Bytes(), []byte("%PDF-")) {
		t.Errorf("not a PDF: %q", a.Bytes()[:min(a.Len(), 16)])
	}
}

// TestPDFCustomer: Options.Customer selects one; an unknown one is an
// error naming it.
func TestPDFCustomer(t *testing.T) {
	rep := &report.Report{Month: "2026-10", Customers: []report.CustomerReport{{ID: "a", Credit: "1"}, {ID: "b", Credit: "2"}}}
	var b bytes.Buffer
	if err := pdf.Write(&b, rep, pdf.Options{Customer: "b"}); err != nil {
		t.Fatal(err)
	}
	text := pdftotext(t, b.Bytes())
	if !strings.Contains(text, "Credit total: 2") || strings.Contains(text, "Credit total: 1") {
		t.Errorf("customer b's PDF:\n%s", text)
	}
	err := pdf.Write(io.Discard, rep, pdf.Options{Customer: "c"})
	if err == nil || !strings.Contains(err.Error(), `no customer "c"`) {
		t.Errorf("unknown customer: %v", err)
	}
}

func BenchmarkPDF(b *testing.B) {
	rep, opts := evaluateOpts(b, aryaka)
	var n int
	for b.Loop() {
		var w bytes.Buffer
		if err := pdf.Write(&w, rep, opts); err != nil {
			b.Fatal(err)
		}
		n = w.Len()
	}
	b.ReportMetric(float64(n), "bytes")
}
