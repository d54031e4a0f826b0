package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/server/auth"

	"github.com/slawatch/slawatch/server/docs"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/store"
	"github.com/slawatch/slawatch/ticket"
)

// expected evaluates minutes as `slawatch evaluate` does: the contract
// file, one evaluator, the minutes in order, then Finish.
func expected(t *testing.T, h *harness, customer, file, month string, minutes map[int64][]slawatch.SeriesMinute, events []ticket.Event) []byte {
	t.Helper()
	y, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	b, err := docs.Bind(h.srv.cat, customer, y, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := engine.ParseMonth(month, b.Location)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := engine.New(b, m)
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]int64, 0, len(minutes))
	for k := range minutes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := ev.AddNamed(k, minutes[k]); err != nil {
			t.Fatal(err)
		}
	}
	if err := ev.SetRecords(nil, events, nil); err != nil {
		t.Fatal(err)
	}
	res, err := ev.Finish()
	if err != nil {
		t.Fatal(err)
	}
	res.Contract = "contract of " + customer
	out, err := json.MarshalIndent(report.JSON(res), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameJSON(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v in %s", what, err, got)
	}
	json.Unmarshal(want, &w)
	gj, _ := json.MarshalIndent(g, "", "  ")
	wj, _ := json.MarshalIndent(w, "", "  ")
	if !bytes.Equal(gj, wj) {
		gl, wl := strings.Split(string(gj), "\n"), strings.Split(string(wj), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs from evaluate at line %d:\n got: %s\nwant: %s", what, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs from evaluate in length: %d lines, want %d", what, len(gl), len(wl))
	}
}

// The live month-to-date report equals evaluate's on the same minutes:
// with two agents measuring one series (their records summed), a record
// delivered twice, and records arriving late (after their minute was
// judged), which makes the server recompute; and after the month closes.
func TestReportMatchesEvaluate(t *testing.T) { backends(t, testReportMatchesEvaluate) }

func testReportMatchesEvaluate(t *testing.T, st *store.Store) {
	t0 := time.Date(2026, 10, 31, 20, 0, 0, 0, time.UTC).Unix() / 60 // 05:00 on 1 November in Tokyo
	_ = t0
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).Unix() / 60 // 09:00 on 1 October in Tokyo
	h := newHarness(t, st, time.Unix(start*60, 0), notify.Config{})
	h.customer("kaisha", notify.Contacts{}, "../examples/iij.yaml")
	a1, a2 := h.token(auth.RoleAgent, "", "tyo1"), h.token(auth.RoleAgent, "", "osa1")

	// three hours: the router silent 10:00-10:07 (an outage), the DC's
	// primary line lossy; a second agent measures the secondary line too
	all := map[int64][]slawatch.SeriesMinute{} // what evaluate sees: both agents' records summed
	d1 := map[int64][]slawatch.SeriesMinute{}
	d2 := map[int64][]slawatch.SeriesMinute{}
	for m := start; m < start+180; m++ {
		r := up("kaisha-router")
		if m >= start+60 && m < start+68 {
			r = silent("kaisha-router")
		}
		p := up("kaisha-dc-primary")
		if m%7 == 0 {
			p.M = slawatch.Minute{}
			for i := range 60 {
				if i < 20 {
					p.M.AddLost()
				} else {
					p.M.AddReply(30_000 + uint32(i))
				}
			}
		}
		s1, s2 := up("kaisha-dc-secondary"), up("kaisha-dc-secondary")
		s2.M.AddLost()
		d1[m] = []slawatch.SeriesMinute{r, p, s1}
		d2[m] = []slawatch.SeriesMinute{s2}
		sum := s1
		sum.M.Merge(s2.M)
		all[m] = []slawatch.SeriesMinute{r, p, sum}
	}
	half := func(d map[int64][]slawatch.SeriesMinute, a, b int64) map[int64][]slawatch.SeriesMinute {
		out := map[int64][]slawatch.SeriesMinute{}
		for m := a; m < b; m++ {
			out[m] = d[m]
		}
		return out
	}
	h.setClock(time.Unix((start+180)*60, 0))
	h.deliver(a1, half(d1, start, start+120))
	h.deliver(a2, half(d2, start, start+120))
	h.deliver(a1, half(d1, start+100, start+120)) // a resend: stored once
	h.waitJudged(start + 120)
	// the second agent's minute 130 arrives first: 120-129 are judged
	// without it, its records of those minutes are late
	h.deliver(a1, half(d1, start+120, start+180))
	h.deliver(a2, half(d2, start+130, start+180))
	h.waitJudged(start + 180)
	h.deliver(a2, half(d2, start+120, start+130))
	h.waitFor("the recompute after late data", func() bool {
		return h.srv.judge.Settled("kaisha")
	})
	// the outage is stored by the incidents' goroutine; until then the
	// notification level has no events to judge
	h.waitFor("the outage", func() bool {
		os, err := h.srv.outages(context.Background(), "kaisha")
		return err == nil && len(os) > 0
	})
	want := expected(t, h, "kaisha", "../examples/iij.yaml", "2026-10", all, []ticket.Event{})
	// not an empty comparison: the router's 8 silent minutes are an outage
	// (5 or more), 10:00-10:08 Tokyo, 180 minutes measured
	for _, s := range []string{`"start": "2026-10-01T10:00:00+09:00"`, `"minutes": 8`, `"measured_minutes": 180`, `"rows_in_month": 540`} {
		if !strings.Contains(string(want), s) {
			t.Fatalf("evaluate's report lacks %s:\n%s", s, want)
		}
	}
	_, got := h.do("GET", "/api/customers/kaisha/reports/2026-10", h.op, nil)
	sameJSON(t, "the live report", got, want)

	// an explicit recompute gives the same numbers
	_, got = h.do("POST", "/api/customers/kaisha/reports/2026-10/recompute", h.op, nil)
	sameJSON(t, "the recomputed report", got, want)

	// the month closes when judging passes its window: its report stays
	h.setClock(time.Unix(t0*60+3600, 0))
	h.deliver(a1, map[int64][]slawatch.SeriesMinute{t0 + 30: {up("kaisha-router")}})
	h.deliver(a2, map[int64][]slawatch.SeriesMinute{t0 + 30: {up("kaisha-dc-secondary")}})
	h.waitJudged(t0 + 31)
	code, got := h.do("GET", "/api/customers/kaisha/reports/2026-10", h.op, nil)
	if code != http.StatusOK {
		t.Fatalf("closed month: %d %s", code, got)
	}
	sameJSON(t, "the closed month's report", got, want)
	// and the final report was stored when it closed
	if _, err := h.st.GetDoc(context.Background(), "kaisha", docs.KindReport, "2026-10"); err != nil {
		t.Errorf("final report: %v", err)
	}
}
