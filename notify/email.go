package notify

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"github.com/slawatch/slawatch/internal/clock"
)

// Email sends a notice as one plain-text email to all of To.
type Email struct {
	SMTP SMTP
	From string           // "noc@example.net" or "slawatch <noc@example.net>"
	To   []string         // one transaction, one message, every address in To:
	Now  func() time.Time // the Date header; the system's clock if nil
}

// Name is "email:" and the recipients.
func (e *Email) Name() string { return "email:" + strings.Join(e.To, ",") }

// Send renders n and sends it. A recipient the server refuses for good
// does not keep the notice from the others; the send then fails
// permanently, naming the refused.
func (e *Email) Send(ctx context.Context, n Notice) error {
	from, to, err := addresses(e.From, e.To)
	if err != nil {
		return sendError(e.Name(), err)
	}
	msg, err := compose(n, from, to, "", now(e.Now))
	if err != nil {
		return sendError(e.Name(), err)
	}
	return sendError(e.Name(), e.SMTP.send(ctx, from.Address, envelope(to), msg))
}

// compose renders n as a message from from to to; suffix tells apart the
// Message-IDs of the copies of one notice sent separately (per fax number).
func compose(n Notice, from *mail.Address, to []*mail.Address, suffix string, now time.Time) ([]byte, error) {
	subject, body, err := Render(n)
	if err != nil {
		return nil, permanentf("render: %w", err)
	}
	loc, _ := n.location() // Render has loaded it
	m := message{
		From:      from,
		To:        to,
		Subject:   subject,
		Date:      now.In(loc),
		MessageID: messageID(n.ID, suffix, domainOf(from.Address)),
		NoticeID:  n.ID,
		Body:      body,
	}
	return m.bytes(), nil
}

// addresses parses the sender and the recipients.
func addresses(from string, to []string) (*mail.Address, []*mail.Address, error) {
	f, err := mail.ParseAddress(from)
	if err != nil {
		return nil, nil, permanentf("from %q: %w", from, err)
	}
	if len(to) == 0 {
		return nil, nil, permanentf("no recipients")
	}
	rcpts := make([]*mail.Address, len(to))
	for i, s := range to {
		if rcpts[i], err = mail.ParseAddress(s); err != nil {
			return nil, nil, permanentf("to %q: %w", s, err)
		}
	}
	return f, rcpts, nil
}

func envelope(to []*mail.Address) []string {
	s := make([]string, len(to))
	for i, a := range to {
		s[i] = a.Address
	}
	return s
}

// now is f's time, or the system's when f is nil.
func now(f func() time.Time) time.Time {
	if f != nil {
		return f()
	}
	return clock.Real{}.Now()
}
