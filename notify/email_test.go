package notify

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"
)

// sentAt is the clock of every test send: 09:20 JST, three minutes after
// the detection.
func sentAt() time.Time { return time.Date(2026, 10, 14, 0, 20, 0, 0, time.UTC) }

func testEmail(ms *mailServer, to ...string) *Email {
	return &Email{
		SMTP: SMTP{Addr: ms.Addr, HelloName: "slawatch.test", StartTLS: StartTLSNever, Timeout: 10 * time.Second},
		From: "slawatch NOC <noc@slawatch.test>",
		To:   to,
		Now:  sentAt,
	}
}

func TestEmailSend(t *testing.T) {
	ms := startMailServer(t, mailServerOptions{})
	n := iijOutage(t)
	e := testEmail(ms, "ops@sample.co.jp", "山田 太郎 <taro@sample.co.jp>")
	if err := e.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	got := ms.Received()
	if len(got) != 1 {
		t.Fatalf("%d transactions, want 1", len(got))
	}
	tx := got[0]
	if tx.From != "noc@slawatch.test" || !slices.Equal(tx.To, []string{"ops@sample.co.jp", "taro@sample.co.jp"}) {
		t.Errorf("envelope from %q to %q", tx.From, tx.To)
	}
	if tx.Hello != "slawatch.test" {
		t.Errorf("EHLO %q, want slawatch.test", tx.Hello)
	}
	subject, body, _ := Render(n)
	checkMessage(t, tx.Data, subject, body)
	msg, _ := mail.ReadMessage(bytes.NewReader(tx.Data))
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 2 || to[1].Name != "山田 太郎" || to[1].Address != "taro@sample.co.jp" {
		t.Errorf("To: %v (%v)", to, err)
	}
	if from, _ := msg.Header.AddressList("From"); len(from) != 1 || from[0].Name != "slawatch NOC" {
		t.Errorf("From: %v", from)
	}
}

// checkMessage parses an RFC 5322 message and checks its headers and body
// against the rendered notice.
func checkMessage(t *testing.T, data []byte, subject, body string) *mail.Message {
	t.Helper()
	for i, line := range strings.Split(string(data), "\r\n") {
		if len(line) > 78 && !strings.HasPrefix(line, "Subject: =?") {
			t.Errorf("line %d is %d bytes: %q", i+1, len(line), line)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	raw := h.Get("Subject")
	if !strings.HasPrefix(raw, "=?UTF-8?b?") {
		t.Errorf("Subject %q is not RFC 2047-encoded", raw)
	}
	if got, err := new(mime.WordDecoder).DecodeHeader(raw); err != nil || got != subject {
		t.Errorf("Subject decodes to %q (%v), want %q", got, err, subject)
	}
	if d, err := h.Date(); err != nil || !d.Equal(sentAt()) || !strings.HasSuffix(h.Get("Date"), "+0900") {
		t.Errorf("Date %q: %v", h.Get("Date"), err)
	}
	for k, want := range map[string]string{
		"Content-Type":              "text/plain; charset=UTF-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"Mime-Version":              "1.0",
		"Auto-Submitted":            "auto-generated",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	decoded, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ReplaceAll(string(decoded), "\r\n", "\n"); got != body {
		t.Errorf("body:\n%s\nwant:\n%s", got, body)
	}
	for _, s := range []string{"tokyo-hq", "osaka-branch", "2026-10-14T09:12:00+09:00", "inc-42"} {
		if !strings.Contains(string(decoded), s) {
			t.Errorf("body lacks %q", s)
		}
	}
	return msg
}

// TestEmailRetry: the relay says 451 twice; each is temporary, and the
// third send goes through with the same Message-ID as the two refused.
func TestEmailRetry(t *testing.T) {
	ms := startMailServer(t, mailServerOptions{Fail451: 2})
	e := testEmail(ms, "ops@sample.co.jp")
	for i := range 2 {
		err := e.Send(context.Background(), iijOutage(t))
		if err == nil || IsPermanent(err) || !strings.Contains(err.Error(), "451") {
			t.Fatalf("send %d: %v, want a temporary 451", i+1, err)
		}
	}
	if err := e.Send(context.Background(), iijOutage(t)); err != nil {
		t.Fatal(err)
	}
	got := ms.Received()
	if len(got) != 3 || got[2].Reply != 250 {
		t.Fatalf("transactions %+v", got)
	}
	ids := map[string]bool{}
	for _, tx := range got {
		msg, err := mail.ReadMessage(bytes.NewReader(tx.Data))
		if err != nil {
			t.Fatal(err)
		}
		ids[msg.Header.Get("Message-ID")] = true
	}
	if len(ids) != 1 || !ids["<inc-42/outage@slawatch.test>"] {
		t.Errorf("Message-IDs %v, want one, <inc-42/outage@slawatch.test>", ids)
	}
}

func TestEmailRejected(t *testing.T) {
	ms := startMailServer(t, mailServerOptions{Reject: []string{"gone@sample.co.jp"}})

	t.Run("the only recipient", func(t *testing.T) {
		err := testEmail(ms, "gone@sample.co.jp").Send(context.Background(), iijOutage(t))
		if !IsPermanent(err) || !strings.Contains(err.Error(), "550") {
			t.Fatalf("%v, want a permanent 550", err)
		}
		if n := len(ms.Received()); n != 0 {
			t.Errorf("%d messages sent", n)
		}
	})
	t.Run("one of two", func(t *testing.T) {
		err := testEmail(ms, "gone@sample.co.jp", "ops@sample.co.jp").Send(context.Background(), iijOutage(t))
		if !IsPermanent(err) || !strings.Contains(err.Error(), "gone@sample.co.jp") {
			t.Fatalf("%v, want a permanent failure naming gone@", err)
		}
		got := ms.Received()
		if len(got) != 1 || !slices.Equal(got[0].To, []string{"ops@sample.co.jp"}) {
			t.Errorf("transactions %+v, want one to ops@", got)
		}
	})
}

func TestEmailBadNotice(t *testing.T) {
	ms := startMailServer(t, mailServerOptions{})
	n := iijOutage(t)
	n.Kind = "maybe"
	err := testEmail(ms, "ops@sample.co.jp").Send(context.Background(), n)
	if !IsPermanent(err) {
		t.Errorf("%v, want permanent", err)
	}
}

func TestEmailConnectionRefused(t *testing.T) {
	ms := startMailServer(t, mailServerOptions{})
	e := testEmail(ms, "ops@sample.co.jp")
	e.SMTP.Addr = closedAddr(t)
	err := e.Send(context.Background(), iijOutage(t))
	if err == nil || IsPermanent(err) {
		t.Errorf("%v, want a temporary failure", err)
	}
}

func TestEmailCancelled(t *testing.T) {
	ms := startMailServer(t, mailServerOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := testEmail(ms, "ops@sample.co.jp").Send(ctx, iijOutage(t))
	if err == nil || IsPermanent(err) {
		t.Errorf("%v, want a temporary failure", err)
	}
}
