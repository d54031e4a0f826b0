package portal

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/slawatch/slawatch/server/auth"
)

// publicIndex lists the pages the operator publishes; no sign-in.
func (p *Portal) publicIndex(w http.ResponseWriter, r *http.Request) {
	var d struct {
		Pages []struct{ Name, Title, Kind string }
	}
	if err := p.call(r.Context(), auth.Principal{}, "GET", "/api/public", nil, &d); err != nil {
		p.fail(w, r, nil, err)
		return
	}
	p.render(w, r, nil, http.StatusOK, "public", d)
}

// publicPage is one public page: a latency page's closed months, or a
// status page's services. The figures are /api/public/{name}'s.
func (p *Portal) publicPage(w http.ResponseWriter, r *http.Request) {
	var d struct {
		Name, Title, Kind, Timezone, Month string
		Months                             []struct {
			Month     string      `json:"month"`
			LatencyMs json.Number `json:"latency_ms"`
			Objective string      `json:"objective"`
			Revision  int         `json:"revision"`
			Met       *bool       `json:"met"`
			Measured  int         `json:"measured_minutes"`
			Unknown   int         `json:"unknown_minutes"`
			Reasons   []string    `json:"reasons"`
		}
		Services []struct {
			Label, State string
			Since        *string `json:"down_since"`
			Outages      []struct{ Start, End string }
		}
	}
	if err := p.call(r.Context(), auth.Principal{}, "GET", "/api/public/"+url.PathEscape(r.PathValue("name")), nil, &d); err != nil {
		p.fail(w, r, nil, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	p.render(w, r, nil, http.StatusOK, "publicpage", d)
}
