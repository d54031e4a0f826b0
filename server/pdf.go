package server

import (
	"bytes"
	"context"
	"net/http"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/graph"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/report/pdf"
	"github.com/slawatch/slawatch/server/docs"
)

// getReportPDF is a customer's monthly report as a PDF (docs/pdf.md): the
// report getReport answers, rendered by report/pdf, as an attachment
// named CUSTOMER-MONTH-report.pdf. An open month also gets each level's
// availability strip, from the very evaluator its figures come from; a
// closed month's final report is stored without minute states, so its
// PDF has none. Every month gets the latency graph of each series its
// services are measured by (at most pdf.MaxGraphs), from the store.
func (s *Server) getReportPDF(w http.ResponseWriter, r *http.Request) {
	customer, month := r.PathValue("customer"), r.PathValue("month")
	rep, rev, b, states, err := s.reportWithStates(r, customer, month)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	opts := pdf.Options{Customer: customer, Now: s.cfg.Now(), States: states}
	if b != nil {
		opts.Graphs = pdf.GraphsOf(b)
		if opts.Latency, err = s.latencyOf(r.Context(), b, month, pdf.GraphSeries(b, opts.Graphs, customer)); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	var buf bytes.Buffer
	if err := pdf.Write(&buf, rep, opts); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set(headerRevision, revisionText(rev))
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+customer+"-"+month+`-report.pdf"`)
	w.Write(buf.Bytes())
}

// reportWithStates is s.report, with the customer's bound contract and
// the minute states of an open month.
func (s *Server) reportWithStates(r *http.Request, customer, month string) (*report.Report, int, *contract.Bound, map[pdf.LevelKey][]engine.State, error) {
	ev, b, open, err := s.judge.Snapshot(customer, month)
	if err != nil {
		return nil, 0, nil, nil, err
	}
	if !open {
		rep, rev, err := s.report(r.Context(), customer, month)
		return rep, rev, b, nil, err
	}
	if _, err := engine.ParseMonth(month, b.Location); err != nil {
		return nil, 0, nil, nil, slawatch.Errorf(slawatch.EINVALID, "%v", err)
	}
	rep, err := docs.Finish(r.Context(), s.st, customer, b, ev)
	if err != nil {
		return nil, 0, nil, nil, err
	}
	return rep, 0, b, pdf.StatesOf(b, ev), nil
}

// latencyOf reads the month's records of the series named, in one pass
// over the store, as getLatencySVG reads one: every series gets an entry,
// empty when nothing of it is stored.
func (s *Server) latencyOf(ctx context.Context, b *contract.Bound, month string, series []string) (map[string][]graph.Point, error) {
	m, err := engine.ParseMonth(month, b.Location)
	if err != nil || len(series) == 0 {
		return nil, nil // the report said what is wrong with the month
	}
	out := make(map[string][]graph.Point, len(series))
	want := make(map[string]bool, len(series)) // read by keep only: the store may call it while fn appends
	for _, name := range series {
		out[name], want[name] = nil, true
	}
	from, to := m.Start.Unix()/60, m.End.Unix()/60
	if now := s.cfg.Now().Unix() / 60; now < to {
		to = max(from, now) // no minute after now is stored
	}
	keep := func(_, name string) bool { return want[name] }
	err = s.st.ReadMinutesOf(ctx, from, to, keep, func(minute int64, recs []slawatch.SeriesMinute) error {
		for _, rec := range recs {
			if pts, ok := out[rec.Series]; ok {
				out[rec.Series] = append(pts, graph.Point{Minute: minute, M: rec.M})
			}
		}
		return nil
	})
	return out, err
}
