package pdf_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/internal/race"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/graph"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/report/pdf"
)

// TestPDFLatency: the PDF of each example month with data holds the
// latency graph of every series its levels use, titled "SERIES · MONTH",
// with the threshold line's label where a level has one.
func TestPDFLatency(t *testing.T) {
	race.SkipHeavy(t, "two example months evaluated for their graphs")
	for _, x := range []example{aryaka, iij} {
		t.Run(x.name, func(t *testing.T) {
			rep, opts := shared(t, x, evaluateOpts)
			if len(opts.Latency) == 0 {
				t.Fatal("no series to graph")
			}
			var b bytes.Buffer
			if err := pdf.Write(&b, rep, opts); err != nil {
				t.Fatal(err)
			}
			text := pdftotext(t, b.Bytes())
			for name, pts := range opts.Latency {
				if len(pts) == 0 {
					t.Errorf("series %s: no records collected", name)
				}
				if !strings.Contains(text, name+" · 2026-10") {
					t.Errorf("no graph titled %q", name+" · 2026-10")
				}
			}
			if !strings.Contains(text, "-minute buckets") {
				t.Errorf("no graph legend")
			}
		})
	}
}

// manySeries is a one-customer report whose service is measured by n
// series, each with a day of records.
func manySeries(n int) (*report.Report, pdf.Options) {
	rep := &report.Report{Month: "2026-10", Timezone: "Europe/Berlin", Customers: []report.CustomerReport{{ID: "c",
		Services: []report.ServiceReport{{ID: "s", Levels: []report.LevelReport{{Template: "t"}}}}}}}
	opts := pdf.Options{Graphs: map[pdf.ServiceKey][]pdf.SeriesGraph{}, Latency: map[string][]graph.Point{}}
	m0 := slawatch.UnixMinute(time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC))
	for i := range n {
		name := fmt.Sprintf("path-%02d", i)
		opts.Graphs[pdf.ServiceKey{Customer: "c", Service: "s"}] = append(opts.Graphs[pdf.ServiceKey{Customer: "c", Service: "s"}],
			pdf.SeriesGraph{Series: name, Threshold: 35 * time.Millisecond})
		var pts []graph.Point
		for j := range int64(1440) {
			pts = append(pts, graph.Point{Minute: m0 + j, M: slawatch.Minute{Sent: 10, Received: 9, RTTSum: 9 * 20000, RTTMin: 15000, RTTMax: 30000}})
		}
		opts.Latency[name] = pts
	}
	return rep, opts
}

// TestPDFLatencyLimit: a PDF draws at most 24 graphs and names the
// series it left out.
func TestPDFLatencyLimit(t *testing.T) {
	rep, opts := manySeries(pdf.MaxGraphs + 2)
	var b bytes.Buffer
	if err := pdf.Write(&b, rep, opts); err != nil {
		t.Fatal(err)
	}
	text := pdftotext(t, b.Bytes())
	if !strings.Contains(text, "path-23 · 2026-10") || strings.Contains(text, "path-24 · 2026-10") {
		t.Errorf("want graphs of path-00 to path-23 only")
	}
	if !strings.Contains(text, "at most 24") || !strings.Contains(text, "path-24, path-25") {
		t.Errorf("no note of the series left out:\n%s", text)
	}
	if !strings.Contains(text, "threshold 35 ms") {
		t.Errorf("no threshold label")
	}
}

// randPoints are records of any shape: minutes inside and outside the
// month, repeated, replies above probes, minimum above maximum.
func randPoints(r *rand.Rand) []graph.Point {
	m0 := slawatch.UnixMinute(time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC))
	pts := make([]graph.Point, r.IntN(3)*r.IntN(50000))
	for i := range pts {
		pts[i] = graph.Point{Minute: m0 + r.Int64N(46000), M: slawatch.Minute{
			Sent: uint32(r.IntN(70)), Received: uint32(r.IntN(70)), RTTSum: r.Uint64(),
			RTTMin: r.Uint32(), RTTMax: r.Uint32() >> r.IntN(32)}}
	}
	return pts
}

// TestPDFLatencyRobust: random records, thresholds and zones never make
// the PDF panic or fail.
func TestPDFLatencyRobust(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 4))
	zones := []string{"Europe/Berlin", "Asia/Tokyo", "UTC", "", "Nowhere/Else"}
	n := 12
	if !long() { // SLAWATCH_LONG=1: all 12 (CI)
		n = 5 // each zone once
	}
	for i := range n {
		rep, opts := manySeries(1 + r.IntN(4))
		rep.Timezone = zones[i%len(zones)]
		for k, gs := range opts.Graphs {
			for j := range gs {
				gs[j].Threshold = time.Duration(r.Int64N(1 << 40))
				opts.Latency[gs[j].Series] = randPoints(r)
			}
			opts.Graphs[k] = gs
		}
		if err := pdf.Write(io.Discard, rep, opts); err != nil {
			t.Errorf("report %d: %v", i, err)
		}
	}
}
