package server

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/server/docs"
	"github.com/slawatch/slawatch/server/judge"
)

// listRevisions lists a month's revisions without their reports.
func (s *Server) listRevisions(w http.ResponseWriter, r *http.Request) {
	id, month := r.PathValue("customer"), r.PathValue("month")
	revs, err := docs.List[judge.Revision](r.Context(), s.st, id, docs.KindRevision)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := []judge.RevisionInfo{}
	for _, d := range revs {
		if d.Month == month {
			items = append(items, d.RevisionInfo)
		}
	}
	slices.SortFunc(items, func(a, b judge.RevisionInfo) int { return a.Revision - b.Revision })
	writeJSON(w, http.StatusOK, map[string]any{"revisions": items})
}

// getRevision answers one revision's report.
func (s *Server) getRevision(w http.ResponseWriter, r *http.Request) {
	id, month := r.PathValue("customer"), r.PathValue("month")
	n, err := strconv.Atoi(r.PathValue("rev"))
	if err != nil || n < 1 {
		s.fail(w, r, slawatch.Errorf(slawatch.EINVALID, "revision %q: want a number from 1", r.PathValue("rev")))
		return
	}
	x, err := docs.Get[judge.Revision](r.Context(), s.st, id, docs.KindRevision, judge.RevisionID(month, n))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set(headerRevision, strconv.Itoa(x.Revision))
	writeJSON(w, http.StatusOK, x.Report)
}

// headerRevision names the revision of a closed month's report; an open
// month's report has "live".
const headerRevision = "X-Slawatch-Report-Revision"

func revisionText(n int) string {
	if n == 0 {
		return "live"
	}
	return strconv.Itoa(n)
}
