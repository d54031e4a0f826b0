// Package auth is who may call the server: tokens (made, stored as
// hashes, expiring, revoked) and the principal a request's bearer token
// names. What each role may do to which route is the API's.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
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

// Principal is who a request's token belongs to.
type Principal struct {
	Role     string
	Customer string // customer tokens
	Agent    string // agent tokens: the name its records are stored under
	Token    string // the token's ID
}

// CanSee reports whether p may read and change customer c's data.
func (p Principal) CanSee(c string) bool {
	return p.Role == RoleOperator || (p.Role == RoleCustomer && p.Customer == c)
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
// revoked, and returns it; the token itself is not kept. It is created
// at the time of the store's clock.
func CreateToken(ctx context.Context, st *store.Store, role, customer, agent, name string) (string, error) {
	return NewTokenFor(ctx, st, store.Token{Role: role, Customer: customer, Agent: agent, Name: name, Created: st.Clock().Now()})
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

// Refusal is why a request is not authenticated: the answer is 401 with
// Message, and Invalid says the token was given but is not (or no
// longer) valid.
type Refusal struct {
	Message string
	Invalid bool
}

func (r *Refusal) Error() string { return r.Message }

// Authenticate resolves an Authorization header at now: a *Refusal when
// there is no valid bearer token, another error when the store fails.
// The scheme is case-insensitive (RFC 9110 11.1).
func Authenticate(ctx context.Context, st *store.Store, header string, now time.Time) (Principal, error) {
	scheme, tok, ok := strings.Cut(header, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return Principal{}, &Refusal{Message: "missing bearer token"}
	}
	t, err := st.LookupToken(ctx, HashToken(tok))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, &Refusal{Message: "unknown token", Invalid: true}
	}
	if err != nil {
		return Principal{}, err
	}
	if !t.Valid(now) {
		why := "token revoked at " + t.Revoked.UTC().Format(time.RFC3339)
		if t.Revoked.IsZero() {
			why = "token expired at " + t.Expires.UTC().Format(time.RFC3339)
		}
		return Principal{}, &Refusal{Message: why, Invalid: true}
	}
	return Principal{Role: t.Role, Customer: t.Customer, Agent: t.Agent, Token: t.ID()}, nil
}
