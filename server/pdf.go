package server

import (
	"bytes"
	"net/http"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/report/pdf"
	"github.com/slawatch/slawatch/server/docs"
)

// getReportPDF is a customer's monthly report as a PDF (docs/pdf.md): the
// report getReport answers, rendered by report/pdf, as an attachment
// named CUSTOMER-MONTH-report.pdf. An open month also gets each level's
// availability strip, from the very evaluator its figures come from; a
// closed month's final report is stored without minute states, so its
// PDF has none.
func (s *Server) getReportPDF(w http.ResponseWriter, r *http.Request) {
	customer, month := r.PathValue("customer"), r.PathValue("month")
	rep, rev, states, err := s.reportWithStates(r, customer, month)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := pdf.Write(&b, rep, pdf.Options{Customer: customer, Now: s.cfg.Now(), States: states}); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set(headerRevision, revisionText(rev))
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+customer+"-"+month+`-report.pdf"`)
	w.Write(b.Bytes())
}

// reportWithStates is s.report, with the minute states of an open month.
func (s *Server) reportWithStates(r *http.Request, customer, month string) (*engine.Report, int, map[pdf.LevelKey][]engine.State, error) {
	ev, b, open, err := s.judge.Snapshot(customer, month)
	if err != nil {
		return nil, 0, nil, err
	}
	if !open {
		rep, rev, err := s.report(r.Context(), customer, month)
		return rep, rev, nil, err
	}
	if _, err := engine.ParseMonth(month, b.Location); err != nil {
		return nil, 0, nil, slawatch.Errorf(slawatch.EINVALID, "%v", err)
	}
	rep, err := docs.Finish(r.Context(), s.st, customer, b, ev)
	if err != nil {
		return nil, 0, nil, err
	}
	return rep, 0, pdf.StatesOf(b, ev), nil
}
