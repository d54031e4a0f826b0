package server

import (
	"net/http"

	"github.com/slawatch/slawatch/server/docs"
)

// postTestNotice queues a test notice to the customer's contacts (at most
// one a minute): the way to check a fax number or webhook before an
// outage needs them.
func (s *Server) postTestNotice(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customer")
	c, err := docs.Get[Customer](r.Context(), s.st, id, docs.KindCustomer, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tz := "UTC"
	if b, err := s.bound(r.Context(), id); err == nil {
		tz = b.Timezone
	}
	nid, chans, err := s.notices.Test(r.Context(), id, c.Name, tz, c.Contacts)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"notice": nid, "channels": chans})
}
