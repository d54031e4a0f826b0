package auth

import (
	"context"
	"errors"
	"time"

	"github.com/slawatch/slawatch/store"
)

// SessionTTL is how long a portal session lasts from sign-in.
const SessionTTL = 12 * time.Hour

// OpenSession signs in with token at now: it returns a new session ID
// (for the cookie) and the session's anti-forgery token. Only operator
// and customer tokens may sign in; a refusal is a *Refusal.
func OpenSession(ctx context.Context, st *store.Store, token string, now time.Time) (id, csrf string, p Principal, err error) {
	p, err = Authenticate(ctx, st, "Bearer "+token, now)
	if err != nil {
		return "", "", p, err
	}
	if p.Role != RoleOperator && p.Role != RoleCustomer {
		return "", "", p, &Refusal{Message: "an agent token cannot sign in to the portal", Invalid: true}
	}
	id, csrf = NewToken(), NewToken()
	expires := now.Add(SessionTTL)
	err = st.AddSession(ctx, store.Session{Hash: HashToken(id), Token: HashToken(token), CSRF: csrf, Created: now, Expires: expires})
	return id, csrf, p, err
}

// Session resolves a session ID at now to its principal and its
// anti-forgery token. A session ends at its expiry, at sign-out, and
// when its token is revoked or expires: a *Refusal then.
func Session(ctx context.Context, st *store.Store, id string, now time.Time) (Principal, string, error) {
	if id == "" {
		return Principal{}, "", &Refusal{Message: "not signed in"}
	}
	x, t, err := st.LookupSession(ctx, HashToken(id))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Principal{}, "", &Refusal{Message: "the session has ended: sign in again", Invalid: true}
	case err != nil:
		return Principal{}, "", err
	case !now.Before(x.Expires):
		return Principal{}, "", &Refusal{Message: "the session has expired: sign in again", Invalid: true}
	case !t.Valid(now):
		return Principal{}, "", &Refusal{Message: "the token of this session is revoked or expired", Invalid: true}
	}
	return Principal{Role: t.Role, Customer: t.Customer, Agent: t.Agent, Token: t.ID()}, x.CSRF, nil
}

// CloseSession signs a session out.
func CloseSession(ctx context.Context, st *store.Store, id string) error {
	return st.DeleteSession(ctx, HashToken(id))
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p: a request made in process by the
// portal for a signed-in session acts as p without a bearer token. No
// request from outside can carry it.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal WithPrincipal put in ctx.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok && p.Role != ""
}
