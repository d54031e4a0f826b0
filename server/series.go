package server

import (
	"context"
	"net/http"

	"github.com/slawatch/slawatch/server/docs"

	"github.com/slawatch/slawatch"
)

// listSeries lists a customer's series (with the shared series its
// contract binds), or under /api/series the provider's shared series.
func (s *Server) listSeries(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customer")
	xs := s.judge.SeriesOf(id)
	writeJSON(w, http.StatusOK, map[string]any{"series": nonNil(xs)})
}

// putSeries assigns one series to the customer and names its agents; the
// body's name, when given, must be the path's.
func (s *Server) putSeries(w http.ResponseWriter, r *http.Request) {
	var x Series
	if err := readJSON(w, r, &x); err != nil {
		s.fail(w, r, err)
		return
	}
	name := r.PathValue("series")
	if x.Name != "" && x.Name != name {
		s.fail(w, r, slawatch.Errorf(slawatch.EINVALID, "name %q: differs from the path's %q", x.Name, name))
		return
	}
	x.Name = name
	xs, err := s.assignSeries(r.Context(), r.PathValue("customer"), []Series{x})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, xs[0])
}

// postSeries assigns several series to the customer at once:
// {"series": [{"name": ..., "agents": [...]}, ...]}; all or none.
func (s *Server) postSeries(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Series []Series `json:"series"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	xs, err := s.assignSeries(r.Context(), r.PathValue("customer"), req.Series)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"series": nonNil(xs)})
}

// maxSeriesPerRequest bounds one bulk assignment.
const maxSeriesPerRequest = 10_000

// assignSeries checks and stores series assignments of a customer. A
// series of another customer is refused: it must be deleted there first.
func (s *Server) assignSeries(ctx context.Context, customer string, xs []Series) ([]Series, error) {
	if customer != "" {
		if _, err := s.st.GetDoc(ctx, customer, docs.KindCustomer, customer); err != nil {
			return nil, err
		}
	}
	if len(xs) > maxSeriesPerRequest {
		return nil, slawatch.Errorf(slawatch.EINVALID, "series: more than %d in one request", maxSeriesPerRequest)
	}
	names := map[string]bool{}
	for i := range xs {
		x := &xs[i]
		if x.Customer != "" && x.Customer != customer {
			return nil, slawatch.Errorf(slawatch.EINVALID, "series[%d]: customer %q: differs from the path's %q", i, x.Customer, customer)
		}
		x.Customer = customer
		if x.Agents == nil {
			x.Agents = []string{}
		}
		if err := x.Check(); err != nil {
			return nil, slawatch.Errorf(slawatch.EINVALID, "series[%d]: %v", i, err)
		}
		if names[x.Name] {
			return nil, slawatch.Errorf(slawatch.EINVALID, "series[%d]: %q listed twice", i, x.Name)
		}
		names[x.Name] = true
		if old, err := docs.Get[Series](ctx, s.st, "", docs.KindSeries, x.Name); err == nil && old.Customer != customer {
			return nil, slawatch.Errorf(slawatch.ECONFLICT, "series %q belongs to customer %q; delete it there first", x.Name, old.Customer)
		}
	}
	for _, x := range xs {
		if err := docs.Put(ctx, s.st, "", docs.KindSeries, x.Name, x); err != nil {
			return nil, err
		}
	}
	if err := s.judge.SetSeries(ctx, xs, nil); err != nil {
		return nil, err
	}
	return xs, nil
}

// deleteSeries takes a series from its customer; one the customer's
// contract binds is refused.
func (s *Server) deleteSeries(w http.ResponseWriter, r *http.Request) {
	id, name, ctx := r.PathValue("customer"), r.PathValue("series"), r.Context()
	x, err := docs.Get[Series](ctx, s.st, "", docs.KindSeries, name)
	if err != nil || x.Customer != id {
		s.fail(w, r, slawatch.Errorf(slawatch.ENOTFOUND, "series %q of customer %q not found", name, id))
		return
	}
	if binders := s.judge.Binders(name); len(binders) > 0 {
		s.fail(w, r, slawatch.Errorf(slawatch.ECONFLICT, "series %q: the contracts of %s bind it; upload contracts without it first", name, docs.ListSome(binders, 10)))
		return
	}
	if err := s.st.DeleteDoc(ctx, "", docs.KindSeries, name); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.judge.SetSeries(ctx, nil, []string{name}); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
