package pdf_test

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/report/pdf"
)

// texts are the awkward strings a report's fields may hold: empty, long
// without spaces, control bytes, invalid UTF-8, scripts the font lacks.
var texts = []string{"", " ", "x", "グローバル株式会社", "¥ – € ≤ ≥ →", "\x00\x01\t\r\n\x7f", "\xff\xfe\xfd", "😀🚀",
	strings.Repeat("a", 5000), strings.Repeat("word ", 2000), "2026-10-11T18:00:00+09:00", "not a time", "-1", "1e309"}

func randText(r *rand.Rand) string { return texts[r.IntN(len(texts))] }

func randBool(r *rand.Rand) *bool {
	switch r.IntN(3) {
	case 0:
		return nil
	case 1:
		b := true
		return &b
	}
	b := false
	return &b
}

func randClaim(r *rand.Rand) *report.ClaimJSON {
	if r.IntN(2) == 0 {
		return nil
	}
	return &report.ClaimJSON{Amount: randText(r), ClaimBy: randText(r), ConfirmBy: randText(r), Invoice: randText(r),
		InvoiceBy: randText(r), Status: randText(r), ClaimID: randText(r), Reason: randText(r)}
}

func randLevel(r *rand.Rand) report.LevelReport {
	l := report.LevelReport{Template: randText(r), Title: randText(r), MeasuredMinutes: r.IntN(50000) - 100,
		UnknownMinutes: r.IntN(100), Availability: json.Number(randText(r)), LatencyMs: json.Number(randText(r)),
		Objective: randText(r), Met: randBool(r), CreditPct: randText(r), Credit: randText(r), CapApplied: r.IntN(2) == 0,
		Claim: randClaim(r), MeanMinutes: json.Number(randText(r))}
	if r.IntN(2) == 0 {
		d := r.IntN(1000) - 10
		l.DownMinutes = &d
		l.Budget = &report.BudgetJSON{Basis: r.IntN(50000), Allowed: r.IntN(10), Used: d, Left: -d}
	}
	for range r.IntN(40) {
		l.Reasons = append(l.Reasons, randText(r))
	}
	for range r.IntN(80) {
		l.Outages = append(l.Outages, report.OutageJSON{Start: randText(r), End: randText(r), Minutes: r.IntN(100) - 5,
			DetectedAt: randText(r), NotifyBy: randText(r)})
	}
	for range r.IntN(30) {
		l.Items = append(l.Items, report.ItemJSON{ID: randText(r), Kind: randText(r), Start: randText(r), Stop: randText(r),
			Deadline: randText(r), Target: randText(r), Met: randBool(r), Credit: randText(r), Claim: randClaim(r),
			Notes: []string{randText(r)}, Excluded: randText(r), Incident: randText(r)})
	}
	return l
}

func randReport(r *rand.Rand) *report.Report {
	rep := &report.Report{Contract: randText(r), Month: randText(r), Timezone: randText(r), Currency: randText(r)}
	if r.IntN(3) == 0 {
		rep.Month, rep.Timezone = "2026-10", "Asia/Tokyo"
	}
	for range r.IntN(3) {
		c := report.CustomerReport{ID: randText(r), Name: randText(r), Credit: randText(r), Levels: r.IntN(5)}
		for range r.IntN(4) {
			s := report.ServiceReport{ID: randText(r), Site: randText(r), Credit: randText(r)}
			for range r.IntN(4) {
				s.Levels = append(s.Levels, randLevel(r))
			}
			c.Services = append(c.Services, s)
		}
		rep.Customers = append(rep.Customers, c)
	}
	for range r.IntN(3) {
		rep.UnmatchedClaims = append(rep.UnmatchedClaims, report.UnmatchedClaim{ID: randText(r), At: randText(r), Reason: randText(r)})
	}
	return rep
}

// randStates gives each level of rep a strip of any length, states out
// of range included.
func randStates(r *rand.Rand, rep *report.Report) map[pdf.LevelKey][]engine.State {
	out := map[pdf.LevelKey][]engine.State{}
	for _, c := range rep.Customers {
		for _, s := range c.Services {
			for _, l := range s.Levels {
				st := make([]engine.State, r.IntN(3)*r.IntN(45000))
				for i := range st {
					st[i] = engine.State(r.IntN(6))
				}
				out[pdf.LevelKey{Customer: c.ID, Service: s.ID, Template: l.Template}] = st
			}
		}
	}
	return out
}

// TestPDFRobust writes random, empty and odd reports: none may panic,
// and each gives a PDF or an error.
func TestPDFRobust(t *testing.T) {
	if err := pdf.Write(io.Discard, nil, pdf.Options{}); err == nil {
		t.Error("nil report: no error")
	}
	for _, rep := range []*report.Report{{}, {Customers: []report.CustomerReport{{}}},
		{Customers: []report.CustomerReport{{Services: []report.ServiceReport{{Levels: []report.LevelReport{{}}}}}}}} {
		if err := pdf.Write(io.Discard, rep, pdf.Options{}); err != nil {
			t.Errorf("empty report: %v", err)
		}
	}
	n := 30
	if !long() { // SLAWATCH_LONG=1: all 30 (CI)
		n = 8
	}
	r := rand.New(rand.NewPCG(14, 3))
	for i := range n {
		rep := randReport(r)
		opts := pdf.Options{States: randStates(r, rep)}
		if i%2 == 0 {
			opts.Now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		}
		if err := pdf.Write(io.Discard, rep, opts); err != nil {
			t.Errorf("report %d: %v", i, err)
		}
	}
}

// FuzzPDF writes a one-level report of the fuzzed strings.
func FuzzPDF(f *testing.F) {
	for _, s := range texts[:9] {
		f.Add(s, s, 3)
	}
	f.Fuzz(func(t *testing.T, a, b string, k int) {
		l := report.LevelReport{Template: a, Title: b, Objective: a, Reasons: []string{a, b}, Credit: b, CreditPct: a,
			Outages: []report.OutageJSON{{Start: a, End: b, DetectedAt: a, Minutes: k}}}
		rep := &report.Report{Month: a, Timezone: b, Currency: a, Customers: []report.CustomerReport{{ID: a, Name: b,
			Services: []report.ServiceReport{{ID: b, Levels: []report.LevelReport{l}}}}}}
		st := make([]engine.State, min(max(k, 0), 50000))
		if err := pdf.Write(io.Discard, rep, pdf.Options{States: map[pdf.LevelKey][]engine.State{{a, b, a}: st}}); err != nil {
			t.Fatal(err)
		}
	})
}
