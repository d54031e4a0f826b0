package portal

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

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
			Paths     []path      `json:"paths"`
			Matrix    *matrix     `json:"-"`
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
	for i := range d.Months {
		d.Months[i].Matrix = matrixOf(d.Months[i].Paths)
	}
	w.Header().Set("Cache-Control", "public, max-age=60")
	p.render(w, r, nil, http.StatusOK, "publicpage", d)
}

// path is one path's figure of a path average.
type path struct {
	Series    string      `json:"series"`
	LatencyMs json.Number `json:"latency_ms"`
	Pings     uint64      `json:"pings"`
}

// matrix lays paths named PREFIX-FROM-TO (IIJ's "bb-tokyo-osaka": hub
// NOC to domestic NOC) out as a table, hubs down and NOCs across.
type matrix struct {
	From, To []string
	Cell     map[string]map[string]*path
}

// matrixOf is nil when a path's name is not of that form: the page lists
// the paths instead.
func matrixOf(ps []path) *matrix {
	if len(ps) == 0 {
		return nil
	}
	m := &matrix{Cell: map[string]map[string]*path{}}
	prefix := ""
	for i := range ps {
		parts := strings.Split(ps[i].Series, "-")
		if len(parts) != 3 || (prefix != "" && parts[0] != prefix) {
			return nil
		}
		prefix = parts[0]
		from, to := parts[1], parts[2]
		if m.Cell[from] == nil {
			m.Cell[from] = map[string]*path{}
			m.From = append(m.From, from)
		}
		if !slices.Contains(m.To, to) {
			m.To = append(m.To, to)
		}
		m.Cell[from][to] = &ps[i]
	}
	return m
}
