package notify

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// numberPlaceholder is what a fax gateway template has where the number
// goes.
const numberPlaceholder = "{number}"

// Fax sends a notice as plain-text email to an email-to-fax gateway, one
// message per number, each to the gateway's address for that number.
// Config.Channels makes one Fax per number so that each is retried on its
// own; a Fax with several numbers sends to all of them again on a retry.
type Fax struct {
	Gateway string   // address template, e.g. "{number}@fax.example.net"
	Numbers []string // "+81 3-1234-5678"; spaces and dashes are dropped
	SMTP    SMTP
	From    string
	Now     func() time.Time
}

// Name is "fax:" and the numbers, normalised: "fax:+81312345678".
func (f *Fax) Name() string {
	nums := make([]string, len(f.Numbers))
	for i, s := range f.Numbers {
		nums[i] = normalizeNumber(s)
	}
	return "fax:" + strings.Join(nums, ",")
}

// Send sends n to each number in turn.
func (f *Fax) Send(ctx context.Context, n Notice) error {
	if len(f.Numbers) == 0 {
		return sendError(f.Name(), permanentf("no fax numbers"))
	}
	var errs []error
	perm := true
	for _, num := range f.Numbers {
		if err := f.send(ctx, n, num); err != nil {
			errs = append(errs, err)
			perm = perm && permanent(err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	// Permanent only if no number would take a retry.
	return &SendError{Channel: f.Name(), Permanent: perm, Err: errors.Join(errs...)}
}

func (f *Fax) send(ctx context.Context, n Notice, number string) error {
	addr, err := GatewayAddress(f.Gateway, number)
	if err != nil {
		return &permanentError{err}
	}
	from, to, err := addresses(f.From, []string{addr})
	if err != nil {
		return err
	}
	num := normalizeNumber(number)
	msg, err := compose(n, from, to, "fax"+strings.TrimPrefix(num, "+"), now(f.Now))
	if err != nil {
		return err
	}
	if err := f.SMTP.send(ctx, from.Address, []string{addr}, msg); err != nil {
		return fmt.Errorf("fax %s: %w", num, err)
	}
	return nil
}

// GatewayAddress puts a fax number, normalised, into a gateway template:
// GatewayAddress("{number}@fax.example.net", "+81 3-1234-5678") is
// "+81312345678@fax.example.net".
func GatewayAddress(template, number string) (string, error) {
	if err := checkNumber(number); err != nil {
		return "", err
	}
	if err := checkGateway(template); err != nil {
		return "", err
	}
	return strings.Replace(template, numberPlaceholder, normalizeNumber(number), 1), nil
}

// normalizeNumber drops the spaces, dashes, dots and parentheses people
// write numbers with.
func normalizeNumber(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(" -.()\t", r) {
			return -1
		}
		return r
	}, s)
}

// checkNumber accepts an E.164-like number: an optional "+" and 4 to 15
// digits once spaces and dashes are dropped.
func checkNumber(s string) error {
	num := strings.TrimPrefix(normalizeNumber(s), "+")
	if len(num) < 4 || len(num) > 15 || strings.Trim(num, "0123456789") != "" {
		return fmt.Errorf("%q: not a fax number (an optional + and 4 to 15 digits)", s)
	}
	return nil
}

// checkGateway accepts a template with one {number} that makes a plain
// address.
func checkGateway(t string) error {
	if strings.Count(t, numberPlaceholder) != 1 {
		return fmt.Errorf("%q: must contain %s exactly once", t, numberPlaceholder)
	}
	addr := strings.Replace(t, numberPlaceholder, "+15551234567", 1)
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr || a.Name != "" {
		return fmt.Errorf("%q: not an address template such as \"{number}@fax.example.net\"", t)
	}
	return nil
}
