package notify

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// FuzzMessage: whatever the names in a notice, the email parses, has its
// headers once each, and its subject and body decode to what Render said.
func FuzzMessage(f *testing.F) {
	f.Add("inc-42/outage", "株式会社サンプル商事", "tokyo-hq")
	f.Add("a", "x\r\nBcc: victim@example.net", "=?UTF-8?b?AA==?=")
	f.Add("..", strings.Repeat("長い名前", 40), "")
	f.Fuzz(func(t *testing.T, id, name, site string) {
		n := iijOutage(t)
		n.ID, n.CustomerName, n.Sites[0].Site = id, name, site
		from, _ := mail.ParseAddress("noc@slawatch.test")
		to, _ := mail.ParseAddress("ops@sample.co.jp")
		data, err := compose(n, from, []*mail.Address{to}, "", sentAt())
		if err != nil {
			return // not a sendable notice: Render said so
		}
		msg, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		subject, body, _ := Render(n)
		if got, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil || got != subject {
			t.Errorf("subject %q (%v), want %q", got, err, subject)
		}
		for k, v := range msg.Header {
			if len(v) != 1 {
				t.Errorf("header %s %d times", k, len(v))
			}
		}
		if len(msg.Header) != 10 {
			t.Errorf("%d headers", len(msg.Header))
		}
		decoded, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.ReplaceAll(string(decoded), "\r\n", "\n"); got != strings.ReplaceAll(body, "\r\n", "\n") {
			t.Errorf("body differs")
		}
		if !strings.HasPrefix(msg.Header.Get("Message-ID"), "<") || strings.ContainsAny(msg.Header.Get("Message-ID"), " \t") {
			t.Errorf("Message-ID %q", msg.Header.Get("Message-ID"))
		}
	})
}

// FuzzVerifySignature: only the signature slawatch made verifies.
func FuzzVerifySignature(f *testing.F) {
	f.Add("secret-0123456789", "1791937200", []byte(`{"id":"x"}`), "sha256=00")
	f.Fuzz(func(t *testing.T, secret, ts string, body []byte, sig string) {
		now := time.Unix(1791937200, 0)
		good := Signature(secret, ts, body)
		err := VerifySignature(secret, ts, body, good, now, time.Hour)
		if ts == "1791937200" && err != nil {
			t.Errorf("own signature: %v", err)
		}
		if sig != good && VerifySignature(secret, ts, body, sig, now, time.Hour) == nil {
			t.Errorf("%q verifies, only %q should", sig, good)
		}
	})
}

// FuzzGatewayAddress: an accepted number and template make a plain address
// holding the number's digits.
func FuzzGatewayAddress(f *testing.F) {
	f.Add("{number}@fax.example.net", "+81 3-1234-5678")
	f.Add("{number}", "1234")
	f.Fuzz(func(t *testing.T, template, number string) {
		addr, err := GatewayAddress(template, number)
		if err != nil {
			return
		}
		a, err := mail.ParseAddress(addr)
		if err != nil || a.Address != addr {
			t.Errorf("%q from %q and %q does not parse as itself: %v", addr, template, number, err)
		}
		if !strings.Contains(addr, strings.TrimPrefix(normalizeNumber(number), "+")) {
			t.Errorf("%q lacks the number %q", addr, number)
		}
	})
}

// FuzzParseAllow: a list that parses reads back the same from its
// canonical text, and its every prefix allows its own address.
func FuzzParseAllow(f *testing.F) {
	f.Add("127.0.0.0/8,10.1.2.0/24")
	f.Add("::ffff:10.0.0.0/104, fd00::1")
	f.Add("0.0.0.0/0,::/0")
	f.Add("10.0.0.0/33,,x")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseAllow(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "webhook allow list: ") {
				t.Errorf("error %q", err)
			}
			return
		}
		again, err := ParseAllow(d.String())
		if err != nil || again != d {
			t.Fatalf("%q: canonical %q reads back as %q, %v", s, d, again, err)
		}
		for _, p := range d.Prefixes() {
			if err := d.Check(p.Addr()); err != nil {
				t.Errorf("%q: %s refused: %v", s, p.Addr(), err)
			}
		}
		if strings.Count(d.String(), ",")+1 != len(d.Prefixes()) && d.String() != "" {
			t.Errorf("%q: %d prefixes in %q", s, len(d.Prefixes()), d)
		}
	})
}
