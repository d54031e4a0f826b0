package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"time"

	"github.com/slawatch/slawatch/server/docs"
	"github.com/slawatch/slawatch/server/judge"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/store"
)

// reportMonthsBack is how many closed months a first report is made for
// on request (the portal's month picker shows as many).
const reportMonthsBack = 12

// report returns a customer's report of month: an open month's
// evaluator, finished on a copy with the customer's records; for a closed
// month, the latest revision of its final report (made now, from the
// store, when the month has none yet). rev is the revision (0: the month
// is open).
func (s *Server) report(ctx context.Context, customer, month string) (rep *report.Report, rev int, err error) {
	ev, b, open, err := s.judge.Snapshot(customer, month)
	if err != nil {
		return nil, 0, err
	}
	if _, err := engine.ParseMonth(month, b.Location); err != nil {
		return nil, 0, slawatch.Errorf(slawatch.EINVALID, "%v", err)
	}
	if open {
		ev.SetAsOf(s.cfg.Now()) // month to date: what is not yet due is not missed
		rep, err := docs.Finish(ctx, s.st, customer, b, ev)
		return rep, 0, err
	}
	r, err := s.judge.LatestRevision(ctx, customer, month)
	if err == nil {
		return &r.Report, r.Revision, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, 0, err
	}
	next, _ := s.judge.JudgedOf(customer)
	m, _ := engine.ParseMonth(month, b.Location)
	// a first report is made on request for the months a claim or a
	// revision can still concern, not for any month anyone asks for
	if oldest := s.cfg.Now().In(b.Location).AddDate(0, -reportMonthsBack, 0); m.End.Before(time.Date(oldest.Year(), oldest.Month(), 1, 0, 0, 0, 0, b.Location)) {
		return nil, 0, slawatch.Errorf(slawatch.ENOTFOUND, "no report of %s for %s: the server makes first reports of the %d months before this one only", month, customer, reportMonthsBack)
	}
	if probe, err := engine.New(b, m); err == nil {
		if _, w1 := probe.Window(); w1 > next {
			return nil, 0, slawatch.Errorf(slawatch.ENOTFOUND, "no report of %s for %s: the month has not begun", month, customer)
		}
	}
	r, err = s.judge.ReviseNow(ctx, customer, b, month, "first report of a month this server never judged live")
	if err != nil {
		return nil, 0, err
	}
	return &r.Report, r.Revision, nil
}

func (s *Server) getReport(w http.ResponseWriter, r *http.Request) {
	rep, rev, err := s.report(r.Context(), r.PathValue("customer"), r.PathValue("month"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set(headerRevision, revisionText(rev))
	writeJSON(w, http.StatusOK, rep)
}

// getCredits is a customer's credits CSV of a month, the columns of
// `evaluate --format credits` and report_revision: "live" for an open
// month, else the final report's revision.
func (s *Server) getCredits(w http.ResponseWriter, r *http.Request) {
	rep, rev, err := s.report(r.Context(), r.PathValue("customer"), r.PathValue("month"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set(headerRevision, revisionText(rev))
	writeCSV(w, r.PathValue("customer")+"-"+r.PathValue("month")+"-credits.csv", func(b *bytes.Buffer) error {
		return creditsWithRevision(b, rep, rev, true)
	})
}

// creditsWithRevision writes a report's credits CSV with the
// report_revision column; header says whether to write the header line.
func creditsWithRevision(w *bytes.Buffer, rep *report.Report, rev int, header bool) error {
	var b bytes.Buffer
	if err := report.WriteCredits(&b, rep); err != nil {
		return err
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	for i, row := range rows {
		if i == 0 && !header {
			continue
		}
		v := revisionText(rev)
		if i == 0 {
			v = "report_revision"
		}
		if err := cw.Write(append(row, v)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// allCredits is every customer's credits of a month in one CSV, for
// billing. A customer whose month cannot be reported, for whatever
// reason, is skipped, logged and named in the X-Slawatch-Skipped
// header: one customer never fails the export of the others.
func (s *Server) allCredits(w http.ResponseWriter, r *http.Request) {
	if _, err := time.Parse("2006-01", r.PathValue("month")); err != nil {
		s.fail(w, r, slawatch.Errorf(slawatch.EINVALID, "month %q: want YYYY-MM", r.PathValue("month")))
		return
	}
	contracts, err := s.st.ListDocs(r.Context(), "", docs.KindContract)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var skipped []string
	var out bytes.Buffer
	if err := creditsWithRevision(&out, &report.Report{}, 0, true); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, d := range contracts {
		rep, rev, err := s.report(r.Context(), d.Customer, r.PathValue("month"))
		if err == nil {
			var b bytes.Buffer
			if err = creditsWithRevision(&b, rep, rev, false); err == nil {
				out.Write(b.Bytes())
				continue
			}
		}
		if slawatch.ErrorCode(err) == slawatch.EINTERNAL {
			s.log.Error("credits export: customer skipped", "customer", d.Customer, "month", r.PathValue("month"), "err", err)
		}
		skipped = append(skipped, d.Customer)
	}
	for _, c := range skipped {
		w.Header().Add("X-Slawatch-Skipped", c)
	}
	writeCSV(w, "credits-"+r.PathValue("month")+".csv", func(b *bytes.Buffer) error { _, err := b.Write(out.Bytes()); return err })
}

func writeCSV(w http.ResponseWriter, name string, fn func(*bytes.Buffer) error) {
	var b bytes.Buffer
	if err := fn(&b); err != nil {
		writeError(w, http.StatusInternalServerError, slawatch.EINTERNAL, "internal error")
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(b.Bytes())
}

// recomputeReport recomputes a month from the stored minutes: for an open
// month, the live evaluation is rebuilt; a closed one is evaluated afresh
// and, when its figures changed, gets a new revision of its final report.
func (s *Server) recomputeReport(w http.ResponseWriter, r *http.Request) {
	id, month, ctx := r.PathValue("customer"), r.PathValue("month"), r.Context()
	_, b, open, err := s.judge.Snapshot(id, month)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rep *report.Report
	rev := 0
	if open {
		if err = s.judge.Recompute(ctx, id); err == nil {
			rep, rev, err = s.report(ctx, id, month)
		}
	} else {
		var x judge.Revision
		x, err = s.judge.ReviseNow(ctx, id, b, month, "recompute requested")
		rep, rev = &x.Report, x.Revision
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set(headerRevision, revisionText(rev))
	writeJSON(w, http.StatusOK, rep)
}

// claimStatus is a claim and what became of it: for each credit it
// covers in the months around its submission, claimed, late or rejected.
func (s *Server) claimStatus(w http.ResponseWriter, r *http.Request) {
	id, cid, ctx := r.PathValue("customer"), r.PathValue("id"), r.Context()
	rec, err := docs.Get[record](ctx, s.st, id, docs.KindClaim, cid)
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
		Claim   *report.ClaimJSON `json:"claim"`
	}
	out := struct {
		Claim     record    `json:"claim"`
		Covers    []covered `json:"covers"`
		Unmatched string    `json:"unmatched,omitempty"`
	}{Claim: rec, Covers: []covered{}}
	sub = sub.In(b.Location)
	for _, d := range []int{-1, 0} {
		month := time.Date(sub.Year(), sub.Month()+time.Month(d), 1, 0, 0, 0, 0, b.Location).Format("2006-01")
		rep, _, err := s.report(ctx, id, month)
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
