package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/slawatch/slawatch/server/docs"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/store"
)

// listSeries lists a customer's series (with the shared series its
// contract binds), or under /api/series the provider's shared series.
func (s *Server) listSeries(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customer")
	xs := s.eval.seriesOf(id)
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
	if err := s.eval.setSeries(ctx, xs, nil); err != nil {
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
	if binders := s.eval.binders(name); len(binders) > 0 {
		s.fail(w, r, slawatch.Errorf(slawatch.ECONFLICT, "series %q: the contracts of %s bind it; upload contracts without it first", name, docs.ListSome(binders, 10)))
		return
	}
	if err := s.st.DeleteDoc(ctx, "", docs.KindSeries, name); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.eval.setSeries(ctx, nil, []string{name}); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// checkBinds refuses a contract of customer that binds series which are
// not the customer's.
func (e *evaluation) checkBinds(customer string, series []string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var bad []string
	for _, name := range series {
		if x := e.owners[name]; x == nil || x.Customer != customer && x.Customer != "" {
			bad = append(bad, fmt.Sprintf("%q", name))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return slawatch.Errorf(slawatch.EINVALID, "contract of %s: inputs: series %s %s not assigned to customer %s; assign them first (PUT /api/customers/%s/series/{name} with the agents that measure them)",
		customer, docs.ListSome(bad, 10), docs.IsAre(len(bad)), customer, customer)
}

// refused returns the series of recs that agent may not deliver.
func (e *evaluation) refused(agent string, blocks []store.Block) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var bad []string
	seen := map[string]bool{}
	for _, b := range blocks {
		for _, r := range b.Records {
			if x := e.owners[r.Series]; (x == nil || !slices.Contains(x.Agents, agent)) && !seen[r.Series] {
				seen[r.Series] = true
				bad = append(bad, r.Series)
			}
		}
	}
	slices.Sort(bad)
	return bad
}

// seriesJSON renders an assignment for the API.
func seriesJSON(x *Series) Series {
	out := *x
	out.Agents = nonNil(slices.Clone(x.Agents))
	return out
}

// binders lists the customers whose contracts bind a series.
func (e *evaluation) binders(series string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, c := range e.route[series] {
		out = append(out, c.id)
	}
	slices.Sort(out)
	return out
}
