package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/slawatch/slawatch/server/auth"
	"github.com/slawatch/slawatch/server/portal"

	"github.com/slawatch/slawatch/server/docs"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/clock"
	"github.com/slawatch/slawatch/store"
)

// Body limits.
const (
	maxJSONBody   = 1 << 20  // API requests
	maxIngestBody = 32 << 20 // a delivery of minute records
)

// routes is the server's whole HTTP surface: the API, which
// docs/server.md and /api/openapi.json describe, and the portal's pages
// (docs/portal.md), which ask the API for everything they show. Error codes are slawatch's (invalid,
// not_found, conflict, internal) and the HTTP layer's own: unauthorized,
// forbidden, too_large, unsupported_media_type, unavailable.
func (s *Server) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	op := []string{auth.RoleOperator}
	oc := []string{auth.RoleOperator, auth.RoleCustomer}
	h := func(pattern string, roles []string, fn http.HandlerFunc) {
		s.routeRoles = append(s.routeRoles, routeRoles{pattern, roles})
		mux.Handle(pattern, s.instrument(pattern, s.access(roles, fn)))
	}
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /metrics", s.metrics.Handler())
	mux.HandleFunc("GET /api/openapi.json", serveOpenAPI)
	mux.HandleFunc("GET /api/public", s.listPublic)       // what the operator publishes: no token
	mux.HandleFunc("GET /api/public/{name}", s.getPublic) // one public page's figures: no token
	h("POST /api/ingest", []string{auth.RoleAgent}, s.ingest)
	h("GET /api/tokens", op, s.listTokens)
	h("POST /api/tokens", op, s.createToken)
	h("DELETE /api/tokens/{id}", op, s.revokeToken)
	h("POST /api/tokens/{id}/rotate", op, s.rotateToken)
	h("GET /api/replicas", op, s.getReplicas)
	h("GET /api/publications", op, s.getPublications)
	h("PUT /api/publications", op, s.putPublications)
	h("GET /api/customers", oc, s.listCustomers)
	h("POST /api/customers", op, s.createCustomer)
	h("GET /api/customers/{customer}", oc, s.getCustomer)
	h("PUT /api/customers/{customer}", oc, s.putCustomer)
	h("GET /api/customers/{customer}/series", oc, s.listSeries)
	h("GET /api/customers/{customer}/series/{series}/latency.svg", oc, s.getLatencySVG)
	h("GET /api/customers/{customer}/strip.svg", oc, s.getStripSVG)
	h("POST /api/customers/{customer}/series", op, s.postSeries)
	h("PUT /api/customers/{customer}/series/{series}", op, s.putSeries)
	h("DELETE /api/customers/{customer}/series/{series}", op, s.deleteSeries)
	h("GET /api/series", op, s.listSeries)
	h("POST /api/series", op, s.postSeries)
	h("PUT /api/series/{series}", op, s.putSeries)
	h("DELETE /api/series/{series}", op, s.deleteSeries)
	h("GET /api/customers/{customer}/contract", oc, s.getContract)
	h("PUT /api/customers/{customer}/contract", op, s.putContract)
	h("GET /api/customers/{customer}/services", oc, s.listServices)
	h("GET /api/customers/{customer}/maintenance", oc, s.listExclusions(true))
	h("POST /api/customers/{customer}/maintenance", op, s.addExclusion(true))
	h("GET /api/customers/{customer}/exclusions", oc, s.listExclusions(false))
	h("POST /api/customers/{customer}/exclusions", op, s.addExclusion(false))
	h("DELETE /api/customers/{customer}/exclusions/{id}", op, s.deleteExclusion)
	for _, k := range []recordKind{docs.TicketKind, docs.EventKind, docs.ClaimKind} {
		base := "/api/customers/{customer}/" + k.Doc + "s"
		h("GET "+base, oc, s.listRecords(k))
		h("GET "+base+"/{id}", oc, s.getRecord(k))
	}
	h("POST /api/customers/{customer}/tickets", oc, s.addRecord(docs.TicketKind))
	h("POST /api/customers/{customer}/events", op, s.addRecord(docs.EventKind)) // what the provider did: its to record
	h("POST /api/customers/{customer}/claims", oc, s.addRecord(docs.ClaimKind))
	h("POST /api/customers/{customer}/tickets/{id}/respond", op, s.recordTime(docs.TicketKind, "responded"))
	h("POST /api/customers/{customer}/tickets/{id}/resolve", op, s.recordTime(docs.TicketKind, "resolved"))
	h("POST /api/customers/{customer}/claims/{id}/confirm", op, s.recordTime(docs.ClaimKind, "confirmed"))
	h("GET /api/customers/{customer}/claims/{id}/status", oc, s.claimStatus)
	h("GET /api/customers/{customer}/outages", oc, s.listOutages)
	h("GET /api/customers/{customer}/notices", oc, s.listNotices)
	h("POST /api/customers/{customer}/test-notice", oc, s.postTestNotice)
	h("GET /api/customers/{customer}/reports/{month}", oc, s.getReport)
	h("GET /api/customers/{customer}/reports/{month}/credits.csv", oc, s.getCredits)
	h("GET /api/customers/{customer}/reports/{month}/report.pdf", oc, s.getReportPDF)
	h("GET /api/customers/{customer}/reports/{month}/revisions", oc, s.listRevisions)
	h("GET /api/customers/{customer}/reports/{month}/revisions/{rev}", oc, s.getRevision)
	h("POST /api/customers/{customer}/reports/{month}/recompute", op, s.recomputeReport)
	h("GET /api/reports/{month}/credits.csv", op, s.allCredits)
	api := jsonErrors(mux)
	p, err := portal.New(portal.Config{Store: s.st, API: api, Now: s.cfg.Now, Clock: s.cfg.Clock, Log: s.log, Secure: s.cfg.CookieSecure, Links: s.cfg.PortalLinks})
	if err != nil {
		return nil, err
	}
	p.Register(mux)
	s.portal = p
	return api, nil
}

// jsonErrors answers the mux's own 404 and 405 as JSON errors, like
// every other error of the API.
func jsonErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &statusOnly{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		switch rec.code {
		case http.StatusMethodNotAllowed:
			writeError(w, rec.code, "method_not_allowed", fmt.Sprintf("%s %s: method not allowed (allowed: %s)", r.Method, r.URL.Path, rec.header.Get("Allow")))
		case http.StatusNotFound, 0:
			writeError(w, http.StatusNotFound, slawatch.ENOTFOUND, fmt.Sprintf("%s: no such route; /api/openapi.json lists them", r.URL.Path))
		default:
			writeError(w, rec.code, "error", http.StatusText(rec.code))
		}
	})
}

// statusOnly keeps the status and headers a handler writes, and drops
// its body.
type statusOnly struct {
	header http.Header
	code   int
}

func (s *statusOnly) Header() http.Header { return s.header }
func (s *statusOnly) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
}
func (s *statusOnly) Write(b []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	return len(b), nil
}

// routeRoles is an authenticated route and the roles that may call it.
type routeRoles struct {
	pattern string
	roles   []string
}

// instrument times a route.
func (s *Server) instrument(route string, h http.Handler) http.Handler {
	obs := s.metrics.RequestDuration.WithLabelValues(route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := s.cfg.Clock.Now()
		h.ServeHTTP(w, r)
		obs.Observe(clock.Since(s.cfg.Clock, t).Seconds())
	})
}

// statusOf maps an error code to its HTTP status.
var statusOf = map[string]int{
	slawatch.EINVALID:  http.StatusBadRequest,
	slawatch.ENOTFOUND: http.StatusNotFound,
	slawatch.ECONFLICT: http.StatusConflict,
	slawatch.EINTERNAL: http.StatusInternalServerError,
}

// fail answers err: its code's status and message, or 500 with the
// details only in the log. It returns the status.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) int {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body larger than %d bytes", mbe.Limit))
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, slawatch.ENOTFOUND, "not found")
		return http.StatusNotFound
	case slawatch.ErrorCode(err) != slawatch.EINTERNAL:
		code := statusOf[slawatch.ErrorCode(err)]
		writeError(w, code, slawatch.ErrorCode(err), err.Error())
		return code
	}
	s.internal(w, r, err)
	return http.StatusInternalServerError
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, slawatch.EINTERNAL, "internal error")
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// readJSON decodes a request body of at most maxJSONBody bytes strictly:
// unknown fields and trailing data are errors naming what is wrong.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r, maxJSONBody)
	if err != nil {
		return err
	}
	return decodeJSON(body, v)
}

// decodeJSON decodes one JSON object strictly: null, an array or a
// scalar is refused like a malformed body.
func decodeJSON(body []byte, v any) error {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] != '{' {
		return slawatch.Errorf(slawatch.EINVALID, "request body: want a JSON object, not %s", jsonKind(t[0]))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return slawatch.Errorf(slawatch.EINVALID, "request body: empty; want a JSON object")
		case errors.As(err, &te):
			return slawatch.Errorf(slawatch.EINVALID, "request body: field %q: want %s, not %s", te.Field, te.Type, te.Value)
		}
		return slawatch.Errorf(slawatch.EINVALID, "request body: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return slawatch.Errorf(slawatch.EINVALID, "request body: data after the JSON object")
	}
	return nil
}

// jsonKind names the JSON value that starts with c.
func jsonKind(c byte) string {
	switch c {
	case 'n':
		return "null"
	case '[':
		return "an array"
	case '"':
		return "a string"
	}
	return "a scalar"
}

// readBody reads a raw request body of at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
}
