package server

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/store"
)

// report returns a customer's report of month: the open or recently
// closed month's evaluator, finished on a copy with the customer's
// records; for an older month, the final report stored when it closed
// (or by the last recompute).
func (s *Server) report(ctx context.Context, customer, month string) (*engine.Report, error) {
	ev, b, err := s.eval.snapshot(customer, month)
	if err != nil {
		return nil, err
	}
	if _, err := engine.ParseMonth(month, b.Location); err != nil {
		return nil, slawatch.Errorf(slawatch.EINVALID, "%v", err)
	}
	if ev != nil {
		return s.finish(ctx, customer, b, ev)
	}
	rep, err := getDoc[engine.Report](ctx, s.st, customer, kindReport, month)
	if errors.Is(err, store.ErrNotFound) {
		return nil, slawatch.Errorf(slawatch.ENOTFOUND, "no report of %s for %s: the month is not open and was never closed here; POST .../reports/%s/recompute to compute it from the stored minutes", month, customer, month)
	}
	return &rep, err
}

func (s *Server) getReport(w http.ResponseWriter, r *http.Request) {
	rep, err := s.report(r.Context(), r.PathValue("customer"), r.PathValue("month"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) getCredits(w http.ResponseWriter, r *http.Request) {
	rep, err := s.report(r.Context(), r.PathValue("customer"), r.PathValue("month"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeCSV(w, r.PathValue("customer")+"-"+r.PathValue("month")+"-credits.csv", func(b *bytes.Buffer) error {
		return report.WriteCredits(b, rep)
	})
}

// allCredits is every customer's credits of a month in one CSV, for
// billing. A customer whose month cannot be reported is skipped and named
// in the X-Slawatch-Skipped header.
func (s *Server) allCredits(w http.ResponseWriter, r *http.Request) {
	if _, err := time.Parse("2006-01", r.PathValue("month")); err != nil {
		s.fail(w, r, slawatch.Errorf(slawatch.EINVALID, "month %q: want YYYY-MM", r.PathValue("month")))
		return
	}
	docs, err := s.st.ListDocs(r.Context(), "", kindContract)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var skipped []string
	var out bytes.Buffer
	for _, d := range docs {
		rep, err := s.report(r.Context(), d.Customer, r.PathValue("month"))
		if err != nil {
			if slawatch.ErrorCode(err) == slawatch.EINTERNAL {
				s.fail(w, r, err)
				return
			}
			skipped = append(skipped, d.Customer)
			continue
		}
		var b bytes.Buffer
		if err := report.WriteCredits(&b, rep); err != nil {
			s.fail(w, r, err)
			return
		}
		rows := b.Bytes()
		if out.Len() > 0 { // one header
			rows = rows[bytes.IndexByte(rows, '\n')+1:]
		}
		out.Write(rows)
	}
	if out.Len() == 0 {
		report.WriteCredits(&out, &engine.Report{})
	}
	for _, c := range skipped {
		w.Header().Add("X-Slawatch-Skipped", c)
	}
	writeCSV(w, "credits-"+r.PathValue("month")+".csv", func(b *bytes.Buffer) error { _, err := b.Write(out.Bytes()); return err })
}

func writeCSV(w http.ResponseWriter, name string, fn func(*bytes.Buffer) error) {
	var b bytes.Buffer
	if err := fn(&b); err != nil {
		writeError(w, http.StatusInternalServerError, slawatch.EINTERNAL, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(b.Bytes())
}

// recomputeReport recomputes a month from the stored minutes: for an open
// month, the live evaluation is rebuilt; for a closed one, the month is
// evaluated afresh and its final report replaced.
func (s *Server) recomputeReport(w http.ResponseWriter, r *http.Request) {
	id, month, ctx := r.PathValue("customer"), r.PathValue("month"), r.Context()
	ev, _, err := s.eval.snapshot(id, month)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rep *engine.Report
	if ev != nil {
		if err = s.eval.recompute(ctx, id); err == nil {
			rep, err = s.report(ctx, id, month)
		}
	} else {
		rep, err = s.rescan(ctx, id, month)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// rescan evaluates a month afresh from the store and stores its report.
// It reads only minutes already judged: a month still open is the live
// evaluation's.
func (s *Server) rescan(ctx context.Context, id, month string) (*engine.Report, error) {
	bd, err := s.bound(ctx, id)
	if err != nil {
		return nil, err
	}
	m, err := engine.ParseMonth(month, bd.Location)
	if err != nil {
		return nil, slawatch.Errorf(slawatch.EINVALID, "%v", err)
	}
	ev, err := engine.New(bd, m)
	if err != nil {
		return nil, err
	}
	w0, w1 := ev.Window()
	if next := s.eval.judged(); w1 > next {
		return nil, slawatch.Errorf(slawatch.ECONFLICT, "%s is not over yet (judged until %s)", month, fmtMinute(next, bd.Location))
	}
	s.metrics.recomputes.Inc()
	err = s.st.ReadMinutes(ctx, w0, w1, func(minute int64, recs []slawatch.SeriesMinute) error {
		return ev.AddNamed(minute, recs)
	})
	if err != nil {
		return nil, err
	}
	rep, err := s.finish(ctx, id, bd, ev)
	if err != nil {
		return nil, err
	}
	return rep, putDoc(ctx, s.st, id, kindReport, month, rep)
}

// claimStatus is a claim and what became of it: for each credit it
// covers in the months around its submission, claimed, late or rejected.
func (s *Server) claimStatus(w http.ResponseWriter, r *http.Request) {
	id, cid, ctx := r.PathValue("customer"), r.PathValue("id"), r.Context()
	rec, err := getDoc[record](ctx, s.st, id, kindClaim, cid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := s.bound(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sub, err := slawatch.ParseTime(rec["submitted"], b.Location)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type covered struct {
		Month   string            `json:"month"`
		Service string            `json:"service"`
		Level   string            `json:"level"`
		Item    string            `json:"item,omitempty"`
		Credit  string            `json:"credit"`
		Claim   *engine.ClaimJSON `json:"claim"`
	}
	out := struct {
		Claim     record    `json:"claim"`
		Covers    []covered `json:"covers"`
		Unmatched string    `json:"unmatched,omitempty"`
	}{Claim: rec, Covers: []covered{}}
	sub = sub.In(b.Location)
	for _, d := range []int{-1, 0} {
		month := time.Date(sub.Year(), sub.Month()+time.Month(d), 1, 0, 0, 0, 0, b.Location).Format("2006-01")
		rep, err := s.report(ctx, id, month)
		if err != nil {
			continue // a month without data covers nothing
		}
		for _, u := range rep.UnmatchedClaims {
			if u.ID == cid {
				out.Unmatched = u.Reason
			}
		}
		for _, c := range rep.Customers {
			for _, sv := range c.Services {
				for _, l := range sv.Levels {
					if l.Claim != nil && l.Claim.ClaimID == cid {
						out.Covers = append(out.Covers, covered{Month: month, Service: sv.ID, Level: l.Template, Credit: l.Credit, Claim: l.Claim})
					}
					for _, it := range l.Items {
						if it.Claim != nil && it.Claim.ClaimID == cid {
							out.Covers = append(out.Covers, covered{Month: month, Service: sv.ID, Level: l.Template, Item: it.ID, Credit: it.Credit, Claim: it.Claim})
						}
					}
				}
			}
		}
	}
	if len(out.Covers) > 0 {
		out.Unmatched = ""
	}
	writeJSON(w, http.StatusOK, out)
}
