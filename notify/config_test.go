package notify

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func testConfig() Config {
	return Config{
		SMTP:       SMTP{Addr: "smtp.example.net:587", HelloName: "slawatch.example.net", Username: "notify", Password: "pw", StartTLS: StartTLSAlways},
		From:       "slawatch <noc@example.net>",
		FaxGateway: "{number}@fax.example.net",
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"valid", func(*Config) {}, ""},
		{"no fax gateway", func(c *Config) { c.FaxGateway = "" }, ""},
		{"addr", func(c *Config) { c.SMTP.Addr = "smtp.example.net" }, `smtp.addr: "smtp.example.net": not host:port`},
		{"starttls", func(c *Config) { c.SMTP.StartTLS = "yes" }, `smtp.starttls: "yes": not auto, always or never`},
		{"timeout", func(c *Config) { c.SMTP.Timeout = -time.Second }, "smtp.timeout: -1s: negative"},
		{"clear-text password", func(c *Config) { c.SMTP.StartTLS = StartTLSNever },
			`smtp.starttls: "never" would send the password to smtp.example.net in clear text`},
		{"clear-text password to loopback", func(c *Config) { c.SMTP.Addr, c.SMTP.StartTLS = "127.0.0.1:25", StartTLSNever }, ""},
		{"from", func(c *Config) { c.From = "noc" }, `from: "noc": not an address`},
		{"fax gateway", func(c *Config) { c.FaxGateway = "fax.example.net" },
			`fax_gateway: "fax.example.net": must contain {number} exactly once`},
		{"no relay, webhooks only", func(c *Config) { *c = Config{WebhookAllow: mustAllow(t, "10.1.2.0/24")} }, ""},
		{"a relay only in part", func(c *Config) { *c = Config{From: c.From} }, `smtp.addr: "": not host:port`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig()
			tc.edit(&c)
			err := c.Validate()
			if (err == nil) != (tc.want == "") || (err != nil && err.Error() != tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestConfigYAMLAndJSON(t *testing.T) {
	const y = `
smtp: {addr: "smtp.example.net:587", hello: slawatch.example.net, username: notify, password: pw, starttls: always, timeout: 20s}
from: slawatch <noc@example.net>
fax_gateway: "{number}@fax.example.net"
webhook_allow: "10.1.2.0/24, 127.0.0.1"
`
	var fromYAML Config
	dec := yaml.NewDecoder(strings.NewReader(y))
	dec.KnownFields(true)
	if err := dec.Decode(&fromYAML); err != nil {
		t.Fatal(err)
	}
	const j = `{"smtp": {"addr": "smtp.example.net:587", "hello": "slawatch.example.net", "username": "notify",
		"password": "pw", "starttls": "always", "timeout": "20s"},
		"from": "slawatch <noc@example.net>", "fax_gateway": "{number}@fax.example.net",
		"webhook_allow": "10.1.2.0/24,127.0.0.1/32"}`
	var fromJSON Config
	if err := json.Unmarshal([]byte(j), &fromJSON); err != nil {
		t.Fatal(err)
	}
	want := testConfig()
	want.SMTP.Timeout = 20 * time.Second
	want.WebhookAllow = mustAllow(t, "10.1.2.0/24,127.0.0.1/32")
	if fromYAML != want || fromJSON != want {
		t.Errorf("YAML %+v\nJSON %+v\nwant %+v", fromYAML, fromJSON, want)
	}
}

func TestConfigChannels(t *testing.T) {
	c := testConfig()
	chs, err := c.Channels(Contacts{
		Email:   []string{"ops@sample.co.jp", "noc@sample.co.jp"},
		Fax:     []string{"+81 3-1234-5678", "06-1234-5678"},
		Webhook: &WebhookContact{URL: "https://hooks.sample.co.jp/x", Secret: testSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ch := range chs {
		names = append(names, ch.Name())
	}
	want := "email:ops@sample.co.jp,noc@sample.co.jp fax:+81312345678 fax:0612345678 webhook:https://hooks.sample.co.jp/x"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("channels %s\nwant %s", got, want)
	}
	if e := chs[0].(*Email); e.SMTP != c.SMTP || e.From != c.From {
		t.Errorf("email channel %+v", e)
	}

	c.FaxGateway = ""
	_, err = c.Channels(Contacts{Fax: []string{"+81312345678"}})
	if err == nil || err.Error() != "contacts.fax: fax numbers given but no fax_gateway is configured" {
		t.Errorf("fax without gateway: %v", err)
	}
	_, err = c.Channels(Contacts{Email: []string{"x"}})
	if err == nil || !strings.HasPrefix(err.Error(), "contacts.email[0]") {
		t.Errorf("bad contacts: %v", err)
	}
}

// A server without a relay can still send webhooks; email or fax
// contacts then need one.
func TestChannelsWithoutRelay(t *testing.T) {
	var none Config
	chs, err := none.Channels(Contacts{Webhook: &WebhookContact{URL: "https://hooks.example.net/x", Secret: "0123456789abcdef"}})
	if err != nil || len(chs) != 1 || chs[0].Name() != "webhook:https://hooks.example.net/x" {
		t.Errorf("webhook only, no relay: %v, %v", chs, err)
	}
	if _, err := none.Channels(Contacts{Email: []string{"noc@example.net"}}); err == nil || !strings.Contains(err.Error(), "smtp.addr") {
		t.Errorf("email without a relay: %v, want an error naming smtp.addr", err)
	}
}

// ValidateContacts refuses, when the contacts change, a webhook URL whose
// host is an address the operator does not allow; Channels still makes
// the channel, so that the customer's email is not lost with it.
func TestValidateContactsWebhookDestination(t *testing.T) {
	c := testConfig()
	ct := Contacts{Email: []string{"ops@sample.co.jp"}, Webhook: &WebhookContact{URL: "http://169.254.169.254/latest", Secret: testSecret}}
	const want = `contacts.webhook.url: "http://169.254.169.254/latest": destination 169.254.169.254 refused: ` +
		`link-local address; the operator can allow it in the webhook allow list`
	if err := c.ValidateContacts(ct); err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if chs, err := c.Channels(ct); err != nil || len(chs) != 2 {
		t.Errorf("Channels: %v, %v; want the email and the webhook", chs, err)
	}
	for _, u := range []string{"https://hooks.sample.co.jp/x", "http://203.0.113.7/x"} {
		ct.Webhook.URL = u
		if err := c.ValidateContacts(ct); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	c.WebhookAllow = mustAllow(t, "127.0.0.0/8")
	ct.Webhook.URL = "http://127.0.0.1:8080/x"
	if err := c.ValidateContacts(ct); err != nil {
		t.Errorf("allowed loopback: %v", err)
	}
	chs, _ := c.Channels(ct)
	if w := chs[len(chs)-1].(*Webhook); w.Allow != c.WebhookAllow {
		t.Errorf("webhook allows %q, want the config's %q", w.Allow, c.WebhookAllow)
	}
	if err := c.ValidateContacts(Contacts{Email: []string{"x"}}); err == nil || !strings.HasPrefix(err.Error(), "contacts.email[0]") {
		t.Errorf("bad email: %v", err)
	}
}
