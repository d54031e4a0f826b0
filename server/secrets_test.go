package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/server/docs"

	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/store"
)

// A webhook secret is stored sealed, shown as "(set)", kept when "(set)"
// is sent back, and opened for signing (TestOutageNotified checks the
// signatures); one stored in clear before is sealed at start; a server
// with another key says so instead of signing with garbage.
func TestWebhookSecretsSealed(t *testing.T) {
	const secret = "a-webhook-secret-of-some-length"
	h := newHarness(t, nil, time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC), notify.Config{})
	c := Customer{ID: "kaisha", Contacts: notify.Contacts{Webhook: &notify.WebhookContact{URL: "https://hooks.kaisha.example/sla", Secret: secret}}}
	h.must(http.StatusCreated, "POST", "/api/customers", h.op, c, nil)
	stored := func(id string) string {
		d, err := h.st.GetDoc(context.Background(), id, docs.KindCustomer, id)
		if err != nil {
			t.Fatal(err)
		}
		return string(d.Body)
	}
	if b := stored("kaisha"); strings.Contains(b, secret) || !strings.Contains(b, docs.SealedPrefix) {
		t.Errorf("stored customer: %s; want the secret sealed", b)
	}
	var got Customer
	h.must(http.StatusOK, "GET", "/api/customers/kaisha", h.op, nil, &got)
	if got.Contacts.Webhook.Secret != secretShown {
		t.Errorf("GET shows the secret as %q", got.Contacts.Webhook.Secret)
	}
	h.must(http.StatusOK, "PUT", "/api/customers/kaisha", h.op, got, nil)
	if c, err := h.srv.secrets.CustomerWithSecrets(context.Background(), h.st, "kaisha"); err != nil || c.Contacts.Webhook.Secret != secret {
		t.Errorf("after a round trip the secret opens to %q, %v", c.Contacts.Webhook.Secret, err)
	}

	// a secret stored in clear (an older version) is sealed at start
	legacy := `{"id":"old","contacts":{"webhook":{"url":"https://hooks.old.example/","secret":"` + secret + `"}}}`
	if err := h.st.PutDoc(context.Background(), store.Doc{Customer: "old", Kind: docs.KindCustomer, ID: "old", Body: []byte(legacy)}); err != nil {
		t.Fatal(err)
	}
	h.restart()
	if b := stored("old"); strings.Contains(b, secret) {
		t.Errorf("after a restart the legacy secret is still in clear: %s", b)
	}
	if c, err := h.srv.secrets.CustomerWithSecrets(context.Background(), h.st, "old"); err != nil || c.Contacts.Webhook.Secret != secret {
		t.Errorf("the legacy secret opens to %q, %v", c.Contacts.Webhook.Secret, err)
	}

	// another key cannot open it, and says why
	other, _ := docs.NewSealer([]byte("another-key-another-key-another!"))
	if _, err := other.Open(sealedValue(t, stored("kaisha"))); err == nil || !strings.Contains(err.Error(), "same --secret-key-file") {
		t.Errorf("opening with another key: %v", err)
	}
}

// sealedValue finds the sealed secret in a stored customer.
func sealedValue(t *testing.T, body string) string {
	i := strings.Index(body, docs.SealedPrefix)
	if i < 0 {
		t.Fatalf("no sealed value in %s", body)
	}
	j := strings.IndexByte(body[i:], '"')
	return body[i : i+j]
}
