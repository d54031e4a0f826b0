package server

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/server/auth"

	"github.com/slawatch/slawatch/notify"
)

// Every authenticated route refuses a request without a token (401), an
// agent token (403, but for delivering), a customer token for an
// operator's route (403) and a customer token for another customer's data
// (404, as if it did not exist); and lets a customer token reach its own.
func TestAccess(t *testing.T) {
	h := newHarness(t, nil, time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC), notify.Config{})
	h.customer("kaisha", notify.Contacts{}, "../examples/iij.yaml")
	h.customer("other", notify.Contacts{}, "../examples/iij-other.yaml")
	own := h.token(auth.RoleCustomer, "kaisha", "")
	agent := h.token(auth.RoleAgent, "", "tyo1")
	if len(h.srv.routeRoles) < 25 {
		t.Fatalf("only %d routes", len(h.srv.routeRoles))
	}
	for _, rr := range h.srv.routeRoles {
		method, path, _ := strings.Cut(rr.pattern, " ")
		fill := func(customer string) string {
			return strings.NewReplacer("{customer}", customer, "{id}", "x1", "{month}", "2026-10").Replace(path)
		}
		operatorOnly := !slices.Contains(rr.roles, auth.RoleCustomer)
		t.Run(rr.pattern, func(t *testing.T) {
			if code, body := h.do(method, fill("kaisha"), "", nil); code != http.StatusUnauthorized {
				t.Errorf("no token: %d %s", code, body)
			}
			if code, body := h.do(method, fill("kaisha"), "sw_not-a-token", nil); code != http.StatusUnauthorized {
				t.Errorf("unknown token: %d %s", code, body)
			}
			if rr.pattern == "POST /api/ingest" {
				for _, tok := range []string{own, h.op} {
					if code, _ := h.do(method, path, tok, nil); code != http.StatusForbidden {
						t.Errorf("a non-agent token may deliver: %d", code)
					}
				}
				return
			}
			if code, body := h.do(method, fill("kaisha"), agent, nil); code != http.StatusForbidden {
				t.Errorf("agent token: %d %s", code, body)
			}
			if operatorOnly {
				if code, body := h.do(method, fill("kaisha"), own, nil); code != http.StatusForbidden {
					t.Errorf("customer token on an operator's route: %d %s", code, body)
				}
				return
			}
			if strings.Contains(path, "{customer}") {
				code, body := h.do(method, fill("other"), own, nil)
				if code != http.StatusNotFound || !strings.Contains(string(body), `customer \"other\" not found`) {
					t.Errorf("another customer's data: %d %s", code, body)
				}
			}
			code, body := h.do(method, fill("kaisha"), own, nil)
			if code == http.StatusUnauthorized || code == http.StatusForbidden || strings.Contains(string(body), `customer \"kaisha\" not found`) {
				t.Errorf("own data: %d %s", code, body)
			}
		})
	}
	// the customer list shows a customer itself only
	var list struct{ Customers []Customer }
	h.must(http.StatusOK, "GET", "/api/customers", own, nil, &list)
	if len(list.Customers) != 1 || list.Customers[0].ID != "kaisha" {
		t.Errorf("a customer's list: %+v", list.Customers)
	}
	h.must(http.StatusOK, "GET", "/api/customers", h.op, nil, &list)
	if len(list.Customers) != 2 {
		t.Errorf("the operator's list: %+v", list.Customers)
	}
	// tokens are stored hashed: the database does not hold the token
	if _, err := h.st.LookupToken(t.Context(), own); err == nil {
		t.Error("a token is stored as it is")
	}
	if _, err := h.st.LookupToken(t.Context(), auth.HashToken(own)); err != nil {
		t.Error(err)
	}
}
