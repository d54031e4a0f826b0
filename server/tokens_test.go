package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/server/auth"

	"github.com/slawatch/slawatch/notify"
)

// Tokens are listed (never shown again), expire, are revoked and
// rotated — the first operator token too — and the last valid operator
// token cannot be revoked.
func TestTokenLifecycle(t *testing.T) {
	start := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC)
	h := newHarness(t, nil, start, notify.Config{})
	h.must(http.StatusCreated, "POST", "/api/customers", h.op, Customer{ID: "kaisha"}, nil)
	get := func(tok string) (int, string) {
		code, body := h.do("GET", "/api/customers", tok, nil)
		return code, string(body)
	}

	// bad requests name what is wrong
	for _, c := range []struct {
		body map[string]string
		want string
	}{
		{map[string]string{"role": "customer", "customer": "nobody"}, "not a customer"},
		{map[string]string{"role": "operator", "customer": "kaisha"}, "no customer"},
		{map[string]string{"role": "agent", "agent": "a1", "customer": "kaisha"}, "not both"},
		{map[string]string{"role": "customer", "customer": "kaisha", "expires": "tomorrow"}, "RFC 3339"},
		{map[string]string{"role": "customer", "customer": "kaisha", "expires": "2026-10-09T00:00:00Z"}, "not after"},
	} {
		if code, body := h.do("POST", "/api/tokens", h.op, c.body); code != http.StatusBadRequest || !strings.Contains(string(body), c.want) {
			t.Errorf("POST /api/tokens %v: %d %s; want 400 naming %q", c.body, code, body, c.want)
		}
	}

	var made struct {
		Token string
		TokenInfo
	}
	h.must(http.StatusCreated, "POST", "/api/tokens", h.op,
		map[string]string{"role": "customer", "customer": "kaisha", "name": "portal", "expires": "2026-10-11T00:00:00Z"}, &made)
	if code, _ := get(made.Token); code != http.StatusOK {
		t.Fatalf("a new customer token: %d", code)
	}
	var list struct{ Tokens []TokenInfo }
	h.must(http.StatusOK, "GET", "/api/tokens", h.op, nil, &list)
	if len(list.Tokens) != 2 {
		t.Fatalf("tokens: %+v, want the operator's and the customer's", list.Tokens)
	}
	_, raw := h.do("GET", "/api/tokens", h.op, nil)
	if strings.Contains(string(raw), made.Token) || strings.Contains(string(raw), auth.HashToken(made.Token)) {
		t.Error("the token list shows a token or its whole hash")
	}
	// the customer token expires by the server's clock
	h.setClock(start.Add(24 * time.Hour))
	if code, body := get(made.Token); code != http.StatusUnauthorized || !strings.Contains(body, "expired at 2026-10-11T00:00:00Z") {
		t.Errorf("an expired token: %d %s", code, body)
	}

	// an agent token rotated with an overlap: both work until it ends
	var agent, rotated struct {
		Token    string
		Replaces string
		TokenInfo
	}
	h.must(http.StatusCreated, "POST", "/api/tokens", h.op, map[string]string{"role": "agent", "agent": "tyo1"}, &agent)
	h.must(http.StatusCreated, "POST", "/api/tokens/"+agent.ID+"/rotate", h.op, map[string]string{"overlap": "1h"}, &rotated)
	if rotated.Replaces != agent.ID || rotated.Agent != "tyo1" || rotated.Role != auth.RoleAgent || rotated.Token == agent.Token {
		t.Errorf("rotation: %+v", rotated)
	}
	ingestCode := func(tok string) int {
		code, _ := h.do("GET", "/api/customers", tok, nil) // an agent may not: 403 once authenticated
		return code
	}
	if ingestCode(agent.Token) != http.StatusForbidden || ingestCode(rotated.Token) != http.StatusForbidden {
		t.Error("during the overlap, old and new agent tokens must both authenticate")
	}
	h.setClock(start.Add(25*time.Hour + time.Second))
	if ingestCode(agent.Token) != http.StatusUnauthorized || ingestCode(rotated.Token) != http.StatusForbidden {
		t.Error("after the overlap, the old agent token must be refused and the new one authenticate")
	}

	// the last valid operator token cannot be revoked; rotated, the old
	// one stops at once
	h.must(http.StatusOK, "GET", "/api/tokens", h.op, nil, &list)
	var opID string
	for _, x := range list.Tokens {
		if x.Role == auth.RoleOperator {
			opID = x.ID
		}
	}
	if code, body := h.do("DELETE", "/api/tokens/"+opID, h.op, nil); code != http.StatusConflict || !strings.Contains(string(body), "last valid operator token") {
		t.Errorf("revoking the last operator token: %d %s", code, body)
	}
	var op struct{ Token string }
	h.must(http.StatusCreated, "POST", "/api/tokens/"+opID+"/rotate", h.op, nil, &op)
	if code, body := get(h.op); code != http.StatusUnauthorized || !strings.Contains(body, "revoked") {
		t.Errorf("the rotated operator token: %d %s", code, body)
	}
	h.op = op.Token
	if code, _ := get(h.op); code != http.StatusOK {
		t.Errorf("the new operator token: %d", code)
	}
	// revoking: the agent's new token stops at once
	var revoked TokenInfo
	h.must(http.StatusOK, "DELETE", "/api/tokens/"+rotated.ID, h.op, nil, &revoked)
	if revoked.Valid || revoked.Revoked == nil || ingestCode(rotated.Token) != http.StatusUnauthorized {
		t.Errorf("a revoked token: %+v", revoked)
	}
	if code, _ := h.do("DELETE", "/api/tokens/0123456789abcdef", h.op, nil); code != http.StatusNotFound {
		t.Errorf("revoking an unknown token: %d", code)
	}
	if code, _ := h.do("POST", "/api/tokens/"+rotated.ID+"/rotate", h.op, nil); code != http.StatusConflict {
		t.Errorf("rotating a revoked token: %d", code)
	}
}
