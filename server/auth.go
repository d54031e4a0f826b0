package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slawatch/slawatch/server/docs"

	"github.com/slawatch/slawatch/store"
)

// Roles of a token.
const (
	RoleOperator = "operator" // everything
	RoleCustomer = "customer" // its own customer's data only
	RoleAgent    = "agent"    // delivers minute records only
)

// principal is who a request's token belongs to.
type principal struct {
	role     string
	customer string // customer tokens
	agent    string // agent tokens: the name its records are stored under
	token    string // the token's ID
}

// canSee reports whether p may read and change customer c's data.
func (p principal) canSee(c string) bool {
	return p.role == RoleOperator || (p.role == RoleCustomer && p.customer == c)
}

// NewToken returns a new random token: "sw_" and 32 random bytes.
func NewToken() string {
	var b [32]byte
	rand.Read(b[:])
	return "sw_" + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken is how a token is stored: the hex SHA-256 of it. A token has
// 256 random bits, so an unsalted fast hash is as good as a slow one.
func HashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// CreateToken makes and stores a token for role, valid until it is
// revoked, and returns it; the token itself is not kept.
func CreateToken(ctx context.Context, st *store.Store, role, customer, agent, name string) (string, error) {
	return NewTokenFor(ctx, st, store.Token{Role: role, Customer: customer, Agent: agent, Name: name, Created: time.Now()})
}

// NewTokenFor makes and stores a token with t's role, customer, agent,
// name, creation and expiry times (Hash is made here) and returns it.
// A customer token's customer must exist.
func NewTokenFor(ctx context.Context, st *store.Store, t store.Token) (string, error) {
	role, customer, agent := t.Role, t.Customer, t.Agent
	switch {
	case role == RoleCustomer && customer == "":
		return "", errors.New("a customer token needs a customer")
	case role == RoleAgent && agent == "":
		return "", errors.New("an agent token needs an agent name")
	case role != RoleOperator && role != RoleCustomer && role != RoleAgent:
		return "", fmt.Errorf("role %q: want operator, customer or agent", role)
	case role == RoleOperator && (customer != "" || agent != ""):
		return "", errors.New("an operator token names no customer and no agent")
	case role == RoleCustomer && agent != "" || role == RoleAgent && customer != "":
		return "", fmt.Errorf("a %s token names a customer or an agent, not both", role)
	case !t.Expires.IsZero() && !t.Expires.After(t.Created):
		return "", fmt.Errorf("expires %s: not after the token's creation, %s", t.Expires.UTC().Format(time.RFC3339), t.Created.UTC().Format(time.RFC3339))
	case len(t.Name) > 200:
		return "", errors.New("name: longer than 200 bytes")
	}
	if role == RoleAgent {
		if why := docs.CheckID(agent); why != "" {
			return "", fmt.Errorf("agent name %q: %s", agent, why)
		}
	}
	if role == RoleCustomer {
		if _, err := st.GetDoc(ctx, customer, docs.KindCustomer, customer); errors.Is(err, store.ErrNotFound) {
			return "", fmt.Errorf("customer %q is not a customer: create it first (POST /api/customers)", customer)
		} else if err != nil {
			return "", err
		}
	}
	tok := NewToken()
	t.Hash = HashToken(tok)
	return tok, st.AddToken(ctx, t)
}

type principalKey struct{}

// authenticate resolves the bearer token of r; a missing or unknown
// token is answered 401 here.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (principal, bool) {
	// the scheme is case-insensitive (RFC 9110 11.1)
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="slawatch"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "missing bearer token")
		return principal{}, false
	}
	t, err := s.st.LookupToken(r.Context(), HashToken(tok))
	if errors.Is(err, store.ErrNotFound) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="slawatch", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "unknown token")
		return principal{}, false
	}
	if err != nil {
		s.internal(w, r, err)
		return principal{}, false
	}
	if now := s.cfg.Now(); !t.Valid(now) {
		why := "token revoked at " + t.Revoked.UTC().Format(time.RFC3339)
		if t.Revoked.IsZero() {
			why = "token expired at " + t.Expires.UTC().Format(time.RFC3339)
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="slawatch", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", why)
		return principal{}, false
	}
	return principal{role: t.Role, customer: t.Customer, agent: t.Agent, token: t.ID()}, true
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
			allowed = allowed || role == p.role
		}
		if !allowed {
			s.metrics.Denied.Inc()
			writeError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("a %s token may not do this", p.role))
			return
		}
		if c := r.PathValue("customer"); c != "" && !p.canSee(c) {
			s.metrics.Denied.Inc()
			writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("customer %q not found", c))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	}
}

func principalOf(r *http.Request) principal {
	p, _ := r.Context().Value(principalKey{}).(principal)
	return p
}
