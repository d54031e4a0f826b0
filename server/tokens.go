package server

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/slawatch/slawatch/server/auth"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/store"
)

// TokenInfo is a token as the API lists it: never the token itself,
// which is shown once, when it is made.
type TokenInfo struct {
	ID       string     `json:"id"`
	Role     string     `json:"role"`
	Customer string     `json:"customer,omitempty"`
	Agent    string     `json:"agent,omitempty"`
	Name     string     `json:"name,omitempty"`
	Created  time.Time  `json:"created"`
	Expires  *time.Time `json:"expires,omitempty"`
	Revoked  *time.Time `json:"revoked,omitempty"`
	Valid    bool       `json:"valid"`
}

// NewTokenInfo describes t at now.
func NewTokenInfo(t store.Token, now time.Time) TokenInfo {
	info := TokenInfo{ID: t.ID(), Role: t.Role, Customer: t.Customer, Agent: t.Agent, Name: t.Name,
		Created: t.Created.UTC(), Valid: t.Valid(now)}
	if !t.Expires.IsZero() {
		e := t.Expires.UTC()
		info.Expires = &e
	}
	if !t.Revoked.IsZero() {
		r := t.Revoked.UTC()
		info.Revoked = &r
	}
	return info
}

// tokenRequest is the body of POST /api/tokens and of a rotation.
type tokenRequest struct {
	Role     string `json:"role"`
	Customer string `json:"customer"`
	Agent    string `json:"agent"`
	Name     string `json:"name"`
	// Expires is an RFC 3339 time; empty: never.
	Expires string `json:"expires"`
	// Overlap, on rotation: the old token stays valid this long (a Go
	// duration, "1h"), so that its holder can switch; empty: revoked at
	// once.
	Overlap string `json:"overlap"`
}

func (q tokenRequest) expires() (time.Time, error) {
	if q.Expires == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, q.Expires)
	if err != nil {
		return t, slawatch.Errorf(slawatch.EINVALID, "expires %q: want an RFC 3339 time such as 2027-01-01T00:00:00Z", q.Expires)
	}
	return t, nil
}

// createToken makes an operator, customer or agent token; the token is
// in the answer only.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Overlap != "" {
		s.fail(w, r, slawatch.Errorf(slawatch.EINVALID, "overlap: only for a rotation (POST /api/tokens/{id}/rotate)"))
		return
	}
	exp, err := req.expires()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.issue(w, r, store.Token{Role: req.Role, Customer: req.Customer, Agent: req.Agent, Name: req.Name,
		Created: s.cfg.Now(), Expires: exp}, http.StatusCreated)
}

// issue makes and stores a token like t and answers it with its info.
func (s *Server) issue(w http.ResponseWriter, r *http.Request, t store.Token, status int) {
	tok, err := auth.NewTokenFor(r.Context(), s.st, t)
	if err != nil {
		s.fail(w, r, slawatch.Errorf(slawatch.EINVALID, "%v", err))
		return
	}
	t.Hash = auth.HashToken(tok)
	info := NewTokenInfo(t, s.cfg.Now())
	writeJSON(w, status, struct {
		Token string `json:"token"`
		TokenInfo
	}{tok, info})
}

// listTokens lists every token, revoked and expired ones too.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.st.Tokens(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.cfg.Now()
	out := make([]TokenInfo, len(ts))
	for i, t := range ts {
		out[i] = NewTokenInfo(t, now)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

// findToken returns the token {id} names.
func (s *Server) findToken(r *http.Request) (store.Token, error) {
	id := r.PathValue("id")
	ts, err := s.st.Tokens(r.Context())
	if err != nil {
		return store.Token{}, err
	}
	for _, t := range ts {
		if t.ID() == id {
			return t, nil
		}
	}
	return store.Token{}, slawatch.Errorf(slawatch.ENOTFOUND, "token %q not found (GET /api/tokens lists their IDs)", id)
}

// revokeToken revokes a token at once. The last valid operator token is
// kept: revoking it would lock every operator out.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	t, err := s.findToken(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.cfg.Now()
	if t.Role == auth.RoleOperator && t.Valid(now) {
		if n, err := s.st.CountTokens(r.Context(), auth.RoleOperator, now); err != nil || n <= 1 {
			if err == nil {
				err = slawatch.Errorf(slawatch.ECONFLICT, "token %s is the last valid operator token: make another first (or rotate it: POST /api/tokens/%s/rotate)", t.ID(), t.ID())
			}
			s.fail(w, r, err)
			return
		}
	}
	t, err = s.st.RevokeToken(r.Context(), t.ID(), now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("token revoked", "id", t.ID(), "role", t.Role, "customer", t.Customer, "agent", t.Agent, "by", principalOf(r).Token)
	writeJSON(w, http.StatusOK, NewTokenInfo(t, now))
}

// rotateToken makes a new token with the role, customer, agent and name
// of {id} and revokes the old one, at once or after the overlap asked
// for. The first operator token is rotated like any other.
func (s *Server) rotateToken(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if r.ContentLength != 0 {
		if err := readJSON(w, r, &req); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if req.Role != "" || req.Customer != "" || req.Agent != "" || req.Name != "" {
		s.fail(w, r, slawatch.Errorf(slawatch.EINVALID, "a rotation keeps the token's role, customer, agent and name: give only expires and overlap"))
		return
	}
	exp, err := req.expires()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var overlap time.Duration
	if req.Overlap != "" {
		if overlap, err = time.ParseDuration(req.Overlap); err != nil || overlap < 0 || overlap > 30*24*time.Hour {
			s.fail(w, r, slawatch.Errorf(slawatch.EINVALID, "overlap %q: want a duration from 0 to 720h, such as 1h", req.Overlap))
			return
		}
	}
	old, err := s.findToken(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.cfg.Now()
	if !old.Valid(now) {
		s.fail(w, r, slawatch.Errorf(slawatch.ECONFLICT, "token %s is no longer valid: make a new one instead", old.ID()))
		return
	}
	next := store.Token{Role: old.Role, Customer: old.Customer, Agent: old.Agent, Name: old.Name, Created: now, Expires: exp}
	tok, err := auth.NewTokenFor(r.Context(), s.st, next)
	if err != nil {
		s.fail(w, r, slawatch.Errorf(slawatch.EINVALID, "%v", err))
		return
	}
	if err := s.retire(r, old, now, overlap); err != nil {
		s.fail(w, r, err)
		return
	}
	next.Hash = auth.HashToken(tok)
	s.log.Info("token rotated", "old", old.ID(), "new", next.ID(), "role", old.Role, "overlap", overlap)
	writeJSON(w, http.StatusCreated, struct {
		Token string `json:"token"`
		TokenInfo
		Replaces string `json:"replaces"`
	}{tok, NewTokenInfo(next, now), old.ID()})
}

// retire ends old: revoked now, or expiring after overlap.
func (s *Server) retire(r *http.Request, old store.Token, now time.Time, overlap time.Duration) error {
	if overlap == 0 {
		_, err := s.st.RevokeToken(r.Context(), old.ID(), now)
		return err
	}
	end := now.Add(overlap)
	if !old.Expires.IsZero() && old.Expires.Before(end) {
		return nil
	}
	err := s.st.ExpireToken(r.Context(), old.ID(), end)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("token %s vanished during its rotation", old.ID())
	}
	return err
}
