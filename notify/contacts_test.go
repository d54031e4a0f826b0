package notify

import (
	"testing"

	"github.com/slawatch/slawatch"
)

func TestContactsValidate(t *testing.T) {
	hook := func(url, secret string) *WebhookContact { return &WebhookContact{URL: url, Secret: secret} }
	for _, tc := range []struct {
		name string
		c    Contacts
		want string
	}{
		{"empty", Contacts{}, ""},
		{"all", Contacts{
			Email:   []string{"ops@sample.co.jp", "山田 太郎 <taro@sample.co.jp>"},
			Fax:     []string{"+81 3-1234-5678"},
			Webhook: hook("https://hooks.sample.co.jp/slawatch", testSecret),
		}, ""},
		{"email", Contacts{Email: []string{"ops@sample.co.jp", "x"}}, `contacts.email[1]: "x": not an address`},
		{"email header injection", Contacts{Email: []string{"a@b.jp\r\nBcc: c@d.jp"}}, `contacts.email[0]: "a@b.jp\r\nBcc: c@d.jp": not an address`},
		{"fax", Contacts{Fax: []string{"03-1234-5678", "call me"}}, `contacts.fax[1]: "call me": not a fax number (an optional + and 4 to 15 digits)`},
		{"webhook scheme", Contacts{Webhook: hook("ftp://x.jp/", testSecret)}, `contacts.webhook.url: "ftp://x.jp/": not an http or https URL`},
		{"webhook host", Contacts{Webhook: hook("https:///path", testSecret)}, `contacts.webhook.url: "https:///path": not an http or https URL`},
		{"webhook secret", Contacts{Webhook: hook("http://x.jp/", "short")}, "contacts.webhook.secret: shorter than 16 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
			if slawatch.ErrorCode(err) != slawatch.EINVALID {
				t.Errorf("code %s, want %s", slawatch.ErrorCode(err), slawatch.EINVALID)
			}
		})
	}
}
