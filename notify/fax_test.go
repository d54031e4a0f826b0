package notify

import (
	"bytes"
	"context"
	"net/mail"
	"slices"
	"strings"
	"testing"
)

func TestGatewayAddress(t *testing.T) {
	for _, tc := range []struct {
		template, number, want, err string
	}{
		{"{number}@fax.example.net", "+81 3-1234-5678", "+81312345678@fax.example.net", ""},
		{"{number}@fax.example.net", "03-1234-5678", "0312345678@fax.example.net", ""},
		{"fax+{number}@example.net", "+1 (555) 123.4567", "fax++15551234567@example.net", ""},
		{"fax@example.net", "+81312345678", "", `"fax@example.net": must contain {number} exactly once`},
		{"{number}{number}@x.net", "+81312345678", "", "exactly once"},
		{"{number}", "+81312345678", "", `"{number}": not an address template`},
		{"Fax <{number}@x.net>", "+81312345678", "", "not an address template"},
		{"{number}@fax.example.net", "+81-3-abcd", "", `"+81-3-abcd": not a fax number`},
		{"{number}@fax.example.net", "+", "", "not a fax number"},
		{"{number}@fax.example.net", "123", "", "not a fax number"},
		{"{number}@fax.example.net", "+1234567890123456", "", "not a fax number"},
	} {
		got, err := GatewayAddress(tc.template, tc.number)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("GatewayAddress(%q, %q) = %q, %v; want %q, %q", tc.template, tc.number, got, err, tc.want, tc.err)
		}
	}
}

func TestFaxSend(t *testing.T) {
	ms := startMailServer(t, mailServerOptions{})
	f := &Fax{
		Gateway: "{number}@fax.test",
		Numbers: []string{"+81 3-1234-5678", "06-1234-5678"},
		SMTP:    SMTP{Addr: ms.Addr, StartTLS: StartTLSNever},
		From:    "noc@slawatch.test",
		Now:     sentAt,
	}
	if got := f.Name(); got != "fax:+81312345678,0612345678" {
		t.Errorf("Name() = %q", got)
	}
	n := iijOutage(t)
	if err := f.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	got := ms.Received()
	if len(got) != 2 {
		t.Fatalf("%d transactions, want one per number", len(got))
	}
	subject, body, _ := Render(n)
	for i, want := range []string{"+81312345678@fax.test", "0612345678@fax.test"} {
		if !slices.Equal(got[i].To, []string{want}) {
			t.Errorf("fax %d to %v, want %s", i, got[i].To, want)
		}
		msg := checkMessage(t, got[i].Data, subject, body)
		if to := msg.Header.Get("To"); to != "<"+want+">" {
			t.Errorf("To: %q", to)
		}
	}
	ids := messageIDs(t, got)
	if !slices.Equal(ids, []string{"<inc-42/outage.fax81312345678@slawatch.test>", "<inc-42/outage.fax0612345678@slawatch.test>"}) {
		t.Errorf("Message-IDs %q", ids)
	}
}

func messageIDs(t *testing.T, txs []transaction) []string {
	var ids []string
	for _, tx := range txs {
		msg, err := mail.ReadMessage(bytes.NewReader(tx.Data))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, msg.Header.Get("Message-ID"))
	}
	return ids
}

func TestFaxRejected(t *testing.T) {
	ms := startMailServer(t, mailServerOptions{Reject: []string{"0612345678@fax.test"}})
	f := &Fax{Gateway: "{number}@fax.test", Numbers: []string{"06-1234-5678"},
		SMTP: SMTP{Addr: ms.Addr, StartTLS: StartTLSNever}, From: "noc@slawatch.test"}
	err := f.Send(context.Background(), iijOutage(t))
	if !IsPermanent(err) || !strings.Contains(err.Error(), "fax:0612345678") {
		t.Errorf("got %v, want a permanent failure of fax:0612345678", err)
	}
	f.Numbers = []string{"not-a-number"}
	if err := f.Send(context.Background(), iijOutage(t)); !IsPermanent(err) {
		t.Errorf("bad number: got %v, want permanent", err)
	}
}

// TestFaxMixedFailures: a Fax of two numbers, one refused for good and one
// unreachable for now, is retried.
func TestFaxMixedFailures(t *testing.T) {
	ms := startMailServer(t, mailServerOptions{Reject: []string{"0612345678@fax.test"}})
	f := &Fax{Gateway: "{number}@fax.test", Numbers: []string{"06-1234-5678", "+81312345678"},
		SMTP: SMTP{Addr: ms.Addr, StartTLS: StartTLSNever}, From: "noc@slawatch.test"}
	ms.mu.Lock()
	ms.fail451 = 1
	ms.mu.Unlock()
	err := f.Send(context.Background(), iijOutage(t))
	if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "550") || !strings.Contains(err.Error(), "451") {
		t.Errorf("got %v, want a temporary failure with the 550 and the 451", err)
	}
}
