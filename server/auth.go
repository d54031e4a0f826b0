package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/slawatch/slawatch/server/auth"
)

type principalKey struct{}

// authenticate resolves the bearer token of r; a missing, unknown or
// ended token is answered 401 here.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (auth.Principal, bool) {
	if p, ok := auth.PrincipalFrom(r.Context()); ok { // the portal, in process
		return p, true
	}
	p, err := auth.Authenticate(r.Context(), s.st, r.Header.Get("Authorization"), s.cfg.Now())
	var no *auth.Refusal
	switch {
	case errors.As(err, &no):
		challenge := `Bearer realm="slawatch"`
		if no.Invalid {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "unauthorized", no.Message)
		return p, false
	case err != nil:
		s.internal(w, r, err)
		return p, false
	}
	return p, true
}

// access wraps a handler with authentication and a check that the token's
// role is among roles; for customer tokens, a {customer} in the path must
// be the token's own. Anything else is 403 (or 404 for another
// customer's data, which a customer must not learn exists).
func (s *Server) access(roles []string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		allowed := false
		for _, role := range roles {
			allowed = allowed || role == p.Role
		}
		if !allowed {
			s.metrics.Denied.Inc()
			writeError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("a %s token may not do this", p.Role))
			return
		}
		if c := r.PathValue("customer"); c != "" && !p.CanSee(c) {
			s.metrics.Denied.Inc()
			writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("customer %q not found", c))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	}
}

func principalOf(r *http.Request) auth.Principal {
	p, _ := r.Context().Value(principalKey{}).(auth.Principal)
	return p
}
