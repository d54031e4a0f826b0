package notify

import (
	"net/mail"
	"net/url"

	"github.com/slawatch/slawatch"
)

// MinSecretLen is the shortest webhook secret accepted: 128 bits.
const MinSecretLen = 16

// Contacts is where one customer's notices go, as given in advance (the
// IIJ fax number, the Aryaka email addresses). The server stores it as
// JSON.
type Contacts struct {
	Email   []string        `json:"email,omitempty"`
	Fax     []string        `json:"fax,omitempty"`
	Webhook *WebhookContact `json:"webhook,omitempty"`
}

// WebhookContact is a customer's webhook endpoint and shared secret.
type WebhookContact struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
}

// Validate names the first bad field, as in
// `contacts.email[1]: "x": not an address`. The error is a slawatch.Error
// with code EINVALID, for the API to return as it is.
func (c Contacts) Validate() error {
	if len(c.Email) > MaxEmails {
		return invalid("contacts.email: %d addresses, at most %d", len(c.Email), MaxEmails)
	}
	if len(c.Fax) > MaxFaxes {
		return invalid("contacts.fax: %d numbers, at most %d", len(c.Fax), MaxFaxes)
	}
	for i, s := range c.Email {
		if a, err := mail.ParseAddress(s); err != nil || a.Address == "" {
			return invalid("contacts.email[%d]: %q: not an address", i, s)
		}
	}
	for i, s := range c.Fax {
		if err := checkNumber(s); err != nil {
			return invalid("contacts.fax[%d]: %v", i, err)
		}
	}
	if c.Webhook != nil {
		return c.Webhook.validate()
	}
	return nil
}

func (w *WebhookContact) validate() error {
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid("contacts.webhook.url: %q: not an http or https URL", w.URL)
	}
	if len(w.Secret) < MinSecretLen {
		return invalid("contacts.webhook.secret: shorter than %d bytes", MinSecretLen)
	}
	return nil
}

// MaxEmails and MaxFaxes bound a customer's contacts: every notice goes
// to each, through the provider's relay, and a customer sets its own.
const (
	MaxEmails = 10
	MaxFaxes  = 5
)

// IsEmpty reports whether c names nowhere to send a notice.
func (c Contacts) IsEmpty() bool {
	return len(c.Email) == 0 && len(c.Fax) == 0 && c.Webhook == nil
}

func invalid(format string, args ...any) error {
	return slawatch.Errorf(slawatch.EINVALID, format, args...)
}
