// Package notify sends one notice of an outage, or of its recovery, to a
// customer on one channel: email over SMTP, fax through an email-to-fax
// gateway, or a signed webhook. The server keeps the outbox, decides when
// to send and retries; this package renders the notice, sends it once per
// call, and says whether a failure is worth retrying (IsPermanent, Backoff).
//
// Every send carries the notice's ID so that a receiver can recognise a
// retried send: the Message-ID of an email or fax, and the
// X-Slawatch-Notice-Id header of a webhook.
//
// A customer chooses its webhook's URL, so a webhook connects only to
// public addresses unless the operator allows more (Destinations,
// Config.WebhookAllow), and no error shows what a destination answered
// beyond its HTTP status.
package notify

import (
	"context"
	"fmt"
	"time"
)

// Kinds of notice.
const (
	KindOutage   = "outage"
	KindRecovery = "recovery"
	// KindTest is a test notice: sent on request (the portal's "send a
	// test notice") to check that a customer's contacts receive notices.
	// It tells of no outage.
	KindTest = "test"
)

// Notice is one notice to one customer about one incident. The server stores
// it in its outbox as JSON, so the field names are part of that format.
type Notice struct {
	ID           string     `json:"id"` // idempotency key, e.g. "inc-42/outage"
	Kind         string     `json:"kind"`
	Customer     string     `json:"customer"`
	CustomerName string     `json:"customer_name"`
	Incident     string     `json:"incident"`
	Sites        []Site     `json:"sites"`
	Start        time.Time  `json:"start"`         // the outage's first minute
	Detected     time.Time  `json:"detected"`      // when the outage was detected
	End          *time.Time `json:"end,omitempty"` // recovery: service back
	Deadline     time.Time  `json:"deadline"`      // notify by
	Timezone     string     `json:"timezone"`      // IANA zone the times are shown in; "" is UTC
}

// Site is one site and service affected by an incident.
type Site struct {
	Service string     `json:"service"`
	Site    string     `json:"site"`
	Level   string     `json:"level"` // the service level's template, e.g. "iij/outage-notification"
	Start   time.Time  `json:"start"`
	End     *time.Time `json:"end,omitempty"`
}

// Channel sends a notice to one destination. Send either delivers the
// notice or returns an error for which IsPermanent says whether to retry;
// sending the same notice again after a success is the receiver's to
// deduplicate, by the notice ID.
type Channel interface {
	Name() string
	Send(ctx context.Context, n Notice) error
}

// maxIDLen bounds a notice ID, which goes into mail headers.
const maxIDLen = 200

// check reports what makes n impossible to send.
func (n *Notice) check() error {
	if n.ID == "" {
		return fmt.Errorf("notice has no id")
	}
	if len(n.ID) > maxIDLen {
		return fmt.Errorf("notice id is longer than %d bytes", maxIDLen)
	}
	for _, r := range n.ID {
		if r <= ' ' || r >= 0x7f {
			return fmt.Errorf("notice id %q: only printable ASCII without spaces", n.ID)
		}
	}
	switch n.Kind {
	case KindOutage, KindTest:
	case KindRecovery:
		if n.End == nil {
			return fmt.Errorf("notice %s: recovery without an end", n.ID)
		}
		if n.End.Before(n.Start) {
			return fmt.Errorf("notice %s: ends before it starts", n.ID)
		}
	default:
		return fmt.Errorf("notice %s: kind %q is not %q, %q or %q", n.ID, n.Kind, KindOutage, KindRecovery, KindTest)
	}
	if n.Start.IsZero() {
		return fmt.Errorf("notice %s: no start time", n.ID)
	}
	return nil
}

// location is the notice's time zone.
func (n *Notice) location() (*time.Location, error) {
	loc, err := time.LoadLocation(n.Timezone)
	if err != nil {
		return nil, fmt.Errorf("notice %s: timezone: %w", n.ID, err)
	}
	return loc, nil
}
