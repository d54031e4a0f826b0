package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"net/netip"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// fakeResolver knows a few names, so that tests need no DNS.
type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if ips, ok := f[host]; ok {
		return ips, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

var loopback = fakeResolver{
	"svc.test":    {netip.MustParseAddr("127.0.0.1")},
	"other.test":  {netip.MustParseAddr("127.0.0.1")},
	"example.com": {netip.MustParseAddr("127.0.0.1")}, // httptest's certificate is for example.com
	"empty.test":  {},
}

// decodeSpec decodes a target's YAML as the agent's config loader does.
func decodeSpec[T any](t *testing.T, text string) T {
	t.Helper()
	var spec T
	dec := yaml.NewDecoder(strings.NewReader(text))
	dec.KnownFields(true)
	if err := dec.Decode(&spec); err != nil {
		t.Fatalf("decode %q: %v", text, err)
	}
	return spec
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// shortCtx gives a probe a deadline short enough for a test that waits
// for it to expire.
func shortCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	t.Cleanup(cancel)
	return ctx
}

// listenTCP listens on loopback until the test ends. Until something
// accepts, connections are established (by the kernel) but never answered.
func listenTCP(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func TestTCPSpecErrors(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"address: db.example:5432", ""},
		{"address: '[2001:db8::1]:443'\ntls: true\ntls_server_name: db.example\ntls_insecure_skip_verify: true", ""},
		{"tls: true", "address: missing"},
		{"address: db.example", `address: "db.example" is not host:port`},
		{"address: ':5432'", `address: ":5432" has no host`},
		{"address: db.example:postgres", `address: "db.example:postgres": port must be a number in 1..65535`},
		{"address: db.example:0", `address: "db.example:0": port must be a number in 1..65535`},
		{"address: db.example:65536", `address: "db.example:65536": port must be a number in 1..65535`},
		{"address: db.example:443\ntls_server_name: db", "tls_server_name: needs tls: true"},
		{"address: db.example:443\ntls_insecure_skip_verify: true", "tls_insecure_skip_verify: needs tls: true"},
	}
	for _, tt := range tests {
		got := errString(decodeSpec[TCPSpec](t, tt.yaml).Validate())
		if got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.yaml, got, tt.want)
		}
	}
}

// An unknown field is the YAML decoder's to reject, thanks to the tags.
func TestTCPSpecUnknownField(t *testing.T) {
	var spec TCPSpec
	dec := yaml.NewDecoder(strings.NewReader("adress: db:1"))
	dec.KnownFields(true)
	if err := dec.Decode(&spec); err == nil || !strings.Contains(err.Error(), "field adress not found") {
		t.Fatalf("got %v, want field adress not found", err)
	}
}

func TestNewTCPResolve(t *testing.T) {
	tests := []struct{ address, want string }{
		{"svc.test:80", ""},
		{"127.0.0.1:80", ""},
		{"[::ffff:127.0.0.1]:80", ""},
		{"nowhere.test:80", "address: resolve nowhere.test: no such host"},
		{"empty.test:80", "address: resolve empty.test: no addresses"},
	}
	for _, tt := range tests {
		p, err := NewTCP(t.Context(), TCPSpec{Address: tt.address}, loopback)
		if got := errString(err); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.address, got, tt.want)
		}
		if err == nil && p.addr.String() != "127.0.0.1:80" {
			t.Errorf("%s: dials %s, want 127.0.0.1:80", tt.address, p.addr)
		}
	}
}

func newTCP(t *testing.T, spec TCPSpec) *TCP {
	t.Helper()
	p, err := NewTCP(t.Context(), spec, loopback)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTCPConnect(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "[::1]:0"} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Logf("skip %s: %v", addr, err)
			continue
		}
		defer ln.Close()
		if err := newTCP(t, TCPSpec{Address: ln.Addr().String()}).Check(t.Context()); err != nil {
			t.Errorf("%s: %v", ln.Addr(), err)
		}
	}
}

func TestTCPRefused(t *testing.T) {
	ln := listenTCP(t)
	addr := ln.Addr().String()
	ln.Close()
	err := newTCP(t, TCPSpec{Address: addr}).Check(t.Context())
	if !errors.Is(err, syscall.ECONNREFUSED) || err.Error() != "connect: connection refused" {
		t.Fatalf("got %v, want connect: connection refused", err)
	}
}

// tlsServer serves TLS with httptest's certificate, valid for example.com
// and 127.0.0.1, and reports the server name each client sent.
func tlsServer(t *testing.T) (addr string, roots *x509.CertPool, sni <-chan string) {
	srv := httptest.NewUnstartedServer(nil)
	names := make(chan string, 100)
	srv.TLS = &tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		names <- h.ServerName
		return nil, nil
	}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	roots = x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	return srv.Listener.Addr().String(), roots, names
}

func TestTCPTLS(t *testing.T) {
	addr, roots, sni := tlsServer(t)
	_, port, _ := net.SplitHostPort(addr)
	tests := []struct {
		spec      TCPSpec
		roots     bool
		want, sni string
	}{
		{TCPSpec{Address: addr, TLS: true, TLSInsecureSkipVerify: true}, false, "", ""},
		{TCPSpec{Address: addr, TLS: true}, true, "", ""}, // verified against the IP SAN, no SNI
		{TCPSpec{Address: "svc.test:" + port, TLS: true, TLSServerName: "example.com"}, true, "", "example.com"},
		{TCPSpec{Address: "svc.test:" + port, TLS: true}, true,
			"tls handshake: tls: failed to verify certificate: x509: certificate is valid for example.com, *.example.com, not svc.test", "svc.test"},
		{TCPSpec{Address: addr, TLS: true}, false,
			"tls handshake: tls: failed to verify certificate: x509: certificate signed by unknown authority", ""},
	}
	for i, tt := range tests {
		p := newTCP(t, tt.spec)
		if tt.roots {
			p.tls.RootCAs = roots
		}
		if got := errString(p.Check(t.Context())); got != tt.want {
			t.Errorf("%d: got %q\nwant %q", i, got, tt.want)
		}
		if got := <-sni; got != tt.sni {
			t.Errorf("%d: server name %q, want %q", i, got, tt.sni)
		}
	}
}

func TestTCPTimeout(t *testing.T) {
	ln := listenTCP(t)
	p := newTCP(t, TCPSpec{Address: ln.Addr().String(), TLS: true})
	err := p.Check(shortCtx(t))
	if !errors.Is(err, ErrTimeout) || err.Error() != "tls handshake: timeout" {
		t.Errorf("silent server: got %v, want tls handshake: timeout", err)
	}
	expired, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	err = p.Check(expired)
	if !errors.Is(err, ErrTimeout) || err.Error() != "connect: timeout" {
		t.Errorf("expired deadline: got %v, want connect: timeout", err)
	}
}

func TestTCPCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := newTCP(t, TCPSpec{Address: listenTCP(t).Addr().String()}).Check(ctx)
	if errors.Is(err, ErrTimeout) || !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestTCPNoLeak(t *testing.T) {
	addr, _, sni := tlsServer(t)
	p := newTCP(t, TCPSpec{Address: addr, TLS: true, TLSInsecureSkipVerify: true})
	checkNoLeak(t, 200, func() error {
		err := p.Check(t.Context())
		<-sni
		return err
	})
}

// Checkers are called from several goroutines at once (a slow target may
// still be answering the previous probe); the race detector watches.
func TestChecksConcurrently(t *testing.T) {
	tcp := newTCP(t, TCPSpec{Address: httpServer(t, false).Listener.Addr().String()})
	web, err := NewHTTP(t.Context(), HTTPSpec{URL: httpServer(t, true).URL + "/ok", TLSInsecureSkipVerify: true, BodyContains: "ok"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dns, err := NewDNS(t.Context(), DNSSpec{Server: dnsServer(t, "udp"), Name: "up.test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, c := range []Checker{tcp, web, dns} {
		for range 8 {
			wg.Go(func() {
				for range 10 {
					if err := c.Check(t.Context()); err != nil {
						t.Error(err)
					}
				}
			})
		}
	}
	wg.Wait()
}

// checkNoLeak runs probe n times (after one to warm up) and fails if
// file descriptors or goroutines do not come back to what they were.
// Closed sockets and finished goroutines go away a little after the probe
// returns, and on the server's side, hence the wait. The garbage collector
// is off meanwhile: its finalizers would close a leaked socket.
func checkNoLeak(t *testing.T, n int, probe func() error) {
	t.Helper()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	if err := probe(); err != nil {
		t.Fatal(err)
	}
	fds, gs := openFDs(t), runtime.NumGoroutine()
	for range n {
		if err := probe(); err != nil {
			t.Fatal(err)
		}
	}
	var nowFDs, nowGs int
	for range 500 {
		nowFDs, nowGs = openFDs(t), runtime.NumGoroutine()
		if nowFDs <= fds && nowGs <= gs {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("after %d probes: %d fds (was %d), %d goroutines (was %d)\n%s", n, nowFDs, fds, nowGs, gs, goroutines())
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count file descriptors: %v", err)
	}
	return len(ents)
}

func goroutines() []byte {
	buf := make([]byte, 1<<16)
	buf = buf[:runtime.Stack(buf, true)]
	return bytes.TrimSpace(buf)
}
