package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/slawatch/slawatch/notify"
)

// FuzzServeConfig reads any text as the file serve --config names. It
// never panics; an error names the file first and speaks the tool's
// language, not Go's (no type names, no "yaml: unmarshal errors"); a
// configuration read is valid, and written back as YAML reads the same.
func FuzzServeConfig(f *testing.F) {
	f.Add("notify:\n  smtp:\n    addr: relay.example:587\n    hello: slawatch.example\n    username: noc\n    password: s3cret\n    starttls: always\n    timeout: 10s\n  from: \"slawatch <noc@example.net>\"\n  fax_gateway: \"{number}@fax.example.net\"\n  webhook_allow: 10.1.2.0/24,fd00::/8\n")
	f.Add("notify:\n  smtp: {addr: 127.0.0.1:25, starttls: never}\n  from: noc@example.net\n")
	f.Add("notify:\n  smtp:\n    adr: x\n")
	f.Add("notify:\n  smtp:\n    timeout: soon\n")
	f.Add("notify: [1, 2]\n")
	f.Add("notify:\n  from: a\n  from: b\n")
	f.Add("")
	f.Add("0 0:")                      // a key with a space
	f.Add("notify:\n  \"a\\nb\": 1\n") // a key with a line break
	f.Add("!000000")                   // a tag of the file's own
	f.Fuzz(func(t *testing.T, text string) {
		path := filepath.Join(t.TempDir(), "serve.yaml")
		cfg, err := readConfigText(t, path, text)
		if err != nil {
			checkConfigError(t, path, text, err)
			return
		}
		if err := cfg.Notify.Validate(); err != nil {
			t.Fatalf("%q read, yet invalid: %v", text, err)
		}
		// webhook_allow has no YAML form of its own (MarshalText only):
		// it goes back as the text it reads from.
		allow := cfg.Notify.WebhookAllow
		if back, err := notify.ParseAllow(allow.String()); err != nil || back != allow {
			t.Fatalf("%q: webhook_allow %q reads back as %q, %v", text, allow, back, err)
		}
		cfg.Notify.WebhookAllow = notify.Destinations{}
		out, err := yaml.Marshal(cfg)
		if err != nil {
			t.Fatalf("%q: %+v does not marshal: %v", text, cfg, err)
		}
		again, err := readConfigText(t, path, string(out))
		if err != nil || !reflect.DeepEqual(again, cfg) {
			t.Fatalf("%q read as %+v, written as %q, read back as %+v, %v", text, cfg, out, again, err)
		}
	})
}

func readConfigText(t *testing.T, path, text string) (serverConfig, error) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return readServerConfig(path)
}

// checkConfigError fails unless err names path first and no Go type.
func checkConfigError(t *testing.T, path, text string, err error) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, path+":") {
		t.Fatalf("%q: error %q does not start with the file's name", text, msg)
	}
	for _, goism := range []string{"main.", "notify.", "serverConfig", "time.Duration", "yaml: unmarshal errors", "struct {", "into string", "into int"} {
		if strings.Contains(msg[len(path):], goism) && !strings.Contains(text, goism) { // not quoting the file
			t.Fatalf("%q: error %q says %q", text, msg, goism)
		}
	}
}
