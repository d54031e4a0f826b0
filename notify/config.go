package notify

import (
	"net"
	"net/mail"
)

// Config is the server's notification settings: the relay that email and
// fax go through, the sender, the fax gateway, and the non-public
// addresses webhooks may connect to.
type Config struct {
	SMTP       SMTP   `yaml:"smtp" json:"smtp"`
	From       string `yaml:"from" json:"from"`               // "slawatch <noc@example.net>"
	FaxGateway string `yaml:"fax_gateway" json:"fax_gateway"` // "{number}@fax.example.net"; needed only for fax contacts
	// WebhookAllow lists the loopback, private or link-local ranges that
	// customers' webhooks may reach, as ParseAllow reads them
	// ("10.1.2.0/24,fd00::/8"); the zero value allows none. See
	// Destinations.
	WebhookAllow Destinations `yaml:"webhook_allow,omitempty" json:"webhook_allow,omitzero"`
}

// Validate names the first bad field, as in `smtp.addr: "x": not host:port`.
// A Config without a relay (no smtp, from or fax_gateway) is valid: that
// server sends webhooks only, and Channels refuses email and fax contacts.
func (c Config) Validate() error {
	if c.SMTP == (SMTP{}) && c.From == "" && c.FaxGateway == "" {
		return nil
	}
	return c.validateRelay()
}

// validateRelay checks the settings email and fax need.
func (c Config) validateRelay() error {
	host, port, err := net.SplitHostPort(c.SMTP.Addr)
	if err != nil || host == "" || port == "" {
		return invalid("smtp.addr: %q: not host:port", c.SMTP.Addr)
	}
	switch c.SMTP.StartTLS {
	case "", StartTLSAuto, StartTLSAlways, StartTLSNever:
	default:
		return invalid("smtp.starttls: %q: not auto, always or never", c.SMTP.StartTLS)
	}
	if c.SMTP.Timeout < 0 {
		return invalid("smtp.timeout: %s: negative", c.SMTP.Timeout)
	}
	if c.SMTP.Username != "" && c.SMTP.StartTLS == StartTLSNever && !isLoopback(host) {
		return invalid("smtp.starttls: %q would send the password to %s in clear text", StartTLSNever, host)
	}
	if a, err := mail.ParseAddress(c.From); err != nil || a.Address == "" {
		return invalid("from: %q: not an address", c.From)
	}
	if c.FaxGateway != "" {
		if err := checkGateway(c.FaxGateway); err != nil {
			return invalid("fax_gateway: %v", err)
		}
	}
	return nil
}

// Channels returns the channels for one customer's contacts: one Email for
// all the addresses, one Fax per number, and the webhook, in that order.
func (c Config) Channels(ct Contacts) ([]Channel, error) {
	if err := ct.Validate(); err != nil {
		return nil, err
	}
	// the relay matters only to email and fax: a webhook needs none
	if len(ct.Email) > 0 || len(ct.Fax) > 0 {
		if err := c.validateRelay(); err != nil {
			return nil, err
		}
	}
	if len(ct.Fax) > 0 && c.FaxGateway == "" {
		return nil, invalid("contacts.fax: fax numbers given but no fax_gateway is configured")
	}
	var chs []Channel
	if len(ct.Email) > 0 {
		chs = append(chs, &Email{SMTP: c.SMTP, From: c.From, To: ct.Email})
	}
	for _, num := range ct.Fax {
		chs = append(chs, &Fax{Gateway: c.FaxGateway, Numbers: []string{num}, SMTP: c.SMTP, From: c.From})
	}
	if w := ct.Webhook; w != nil {
		chs = append(chs, &Webhook{URL: w.URL, Secret: w.Secret, Allow: c.WebhookAllow})
	}
	return chs, nil
}

// ValidateContacts is Channels' check of ct, and also refuses a webhook
// URL whose host is an IP address that WebhookAllow does not let webhooks
// reach, as in `contacts.webhook.url: "http://169.254.169.254/": destination
// 169.254.169.254 refused: link-local address; ...`. It is for when a
// customer's contacts change. Channels makes the webhook channel even so,
// and its sends fail for good, so that a refused webhook does not stop the
// customer's email and fax.
func (c Config) ValidateContacts(ct Contacts) error {
	if _, err := c.Channels(ct); err != nil {
		return err
	}
	if ct.Webhook == nil {
		return nil
	}
	w := Webhook{URL: ct.Webhook.URL, Allow: c.WebhookAllow}
	if err := w.checkURL(); err != nil {
		return invalid("contacts.webhook.url: %q: %v", ct.Webhook.URL, err)
	}
	return nil
}
