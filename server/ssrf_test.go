package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/server/auth"
)

// A customer cannot point its webhook at the cloud metadata address, a
// loopback or a private service of the provider's network: refused when
// saved, naming the URL, unless the operator's allow list has it.
func TestWebhookDestinationsRefused(t *testing.T) {
	h := newHarness(t, nil, time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC), notify.Config{})
	h.must(http.StatusCreated, "POST", "/api/customers", h.op, Customer{ID: "kaisha"}, nil)
	own := h.token(auth.RoleCustomer, "kaisha", "")
	for _, url := range []string{"http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8080/api/tokens", "http://[::1]/", "http://10.0.0.5/"} {
		c := Customer{ID: "kaisha", Contacts: notify.Contacts{Webhook: &notify.WebhookContact{URL: url, Secret: "0123456789abcdef-secret"}}}
		code, body := h.do("PUT", "/api/customers/kaisha", own, c)
		if code != http.StatusBadRequest || !strings.Contains(string(body), "refused") {
			t.Errorf("a webhook to %s: %d %s; want 400 refused", url, code, body)
		}
	}
	c := Customer{ID: "kaisha", Contacts: notify.Contacts{Webhook: &notify.WebhookContact{URL: "https://hooks.kaisha.example/sla", Secret: "0123456789abcdef-secret"}}}
	h.must(http.StatusOK, "PUT", "/api/customers/kaisha", own, c, nil)
}
