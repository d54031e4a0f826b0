package probe

import (
	"bufio"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHTTPSpecErrors(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"url: http://svc.example/health", ""},
		{`url: https://[2001:db8::1]:8443/
method: POST
body: '{"ping":1}'
headers: {Host: vhost.example, Content-Type: application/json}
status: [200, 301]
body_contains: ok
body_not_contains: error
body_regexp: '^ok'
max_body_bytes: 4096
tls_insecure_skip_verify: true
follow_redirects: true`, ""},
		{"method: GET", "url: missing"},
		{"url: ftp://svc.example/", "url: scheme must be http or https"},
		{"url: svc.example/health", "url: scheme must be http or https"},
		{"url: 'http:///health'", "url: no host"},
		{"url: 'http://svc.example:abc/'", `url: invalid port ":abc" after host`},
		{"url: 'http://svc.example:70000/'", `url: port "70000" is not in 1..65535`},
		{"url: http://svc.example/\nmethod: PUT", `method: "PUT" is not GET, HEAD or POST`},
		{"url: http://svc.example/\nmethod: get", `method: "get" is not GET, HEAD or POST`},
		{"url: http://svc.example/\nbody: x", "body: only with method: POST"},
		{"url: http://svc.example/\nheaders: {'X Probe': 1}", `headers: "X Probe" is not a valid header name`},
		{"url: http://svc.example/\nheaders: {X-Probe: \"a\\nb\"}", `headers.X-Probe: "a\nb" is not a valid header value`},
		{"url: http://svc.example/\nstatus: [200, 42]", "status[1]: 42 is not an HTTP status code"},
		{"url: http://svc.example/\nbody_regexp: '('", "body_regexp: error parsing regexp: missing closing ): `(`"},
		{"url: http://svc.example/\nmax_body_bytes: -1", "max_body_bytes: -1 is negative"},
		{"url: http://svc.example/\nmethod: HEAD\nbody_contains: ok", "method: a HEAD response has no body to check"},
	}
	for _, tt := range tests {
		got := errString(decodeSpec[HTTPSpec](t, tt.yaml).Validate())
		if got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.yaml, got, tt.want)
		}
	}
}

func TestNewHTTPResolve(t *testing.T) {
	_, err := NewHTTP(t.Context(), HTTPSpec{URL: "http://nowhere.test/"}, loopback)
	if got, want := errString(err), "url: resolve nowhere.test: no such host"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// httpServer serves the paths the tests probe; tls chooses HTTPS.
func httpServer(t *testing.T, tls bool) *httptest.Server {
	srv := httptest.NewUnstartedServer(testHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

func testHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "all ok") })
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", 302) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", 302) })
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+r.URL.Query().Get("to")+"/ok", 302)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 2000)) })
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		for buf := make([]byte, 64<<10); ; {
			if _, err := w.Write(buf); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s host=%s probe=%s ua=%s body=%s", r.Method, r.Host, r.Header.Get("X-Probe"), r.UserAgent(), body)
	})
	return mux
}

func TestHTTPCheck(t *testing.T) {
	srv := httpServer(t, false)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	base := "http://svc.test:" + port
	tests := []struct {
		spec HTTPSpec
		want string
	}{
		{HTTPSpec{URL: base + "/ok"}, ""},
		{HTTPSpec{URL: base + "/ok", Method: "HEAD"}, ""},
		{HTTPSpec{URL: base + "/ok", BodyContains: "ok", BodyNotContains: "error", BodyRegexp: "^all"}, ""},
		{HTTPSpec{URL: base + "/ok", BodyContains: "fine"}, `body does not contain "fine"`},
		{HTTPSpec{URL: base + "/ok", BodyNotContains: "all"}, `body contains "all"`},
		{HTTPSpec{URL: base + "/ok", BodyRegexp: "^ok"}, `body does not match "^ok"`},
		{HTTPSpec{URL: base + "/fail"}, "status 503 not 2xx"},
		{HTTPSpec{URL: base + "/fail", Status: []int{200}}, "status 503 not in [200]"},
		{HTTPSpec{URL: base + "/fail", Status: []int{500, 503}}, ""},
		{HTTPSpec{URL: base + "/moved"}, "status 302 not 2xx"},
		{HTTPSpec{URL: base + "/moved", Status: []int{302}}, ""},
		{HTTPSpec{URL: base + "/moved", FollowRedirects: true, BodyContains: "all ok"}, ""},
		{HTTPSpec{URL: base + "/loop", FollowRedirects: true}, "wait response: stopped after 10 redirects"},
		{HTTPSpec{URL: base + "/away?to=other.test:" + port, FollowRedirects: true}, ""},
		{HTTPSpec{URL: base + "/away?to=nowhere.test", FollowRedirects: true}, "connect: resolve nowhere.test: no such host"},
		{HTTPSpec{URL: base + "/big", MaxBodyBytes: 2000}, ""},
		{HTTPSpec{URL: base + "/big", MaxBodyBytes: 1999}, "read body: longer than 1999 bytes"},
		{HTTPSpec{URL: base + "/endless"}, "read body: longer than 1048576 bytes"},
		// The Host header and the address dialled both come from the URL,
		// unless a Host header is given.
		{HTTPSpec{URL: base + "/echo", BodyContains: "GET host=svc.test:" + port + " probe= ua=slawatch body="}, ""},
		{HTTPSpec{URL: base + "/echo", Method: "POST", Body: "ping", Headers: map[string]string{"host": "vhost.test", "X-Probe": "1", "User-Agent": "me"},
			BodyContains: "POST host=vhost.test probe=1 ua=me body=ping"}, ""},
	}
	for _, tt := range tests {
		p, err := NewHTTP(t.Context(), tt.spec, loopback)
		if err != nil {
			t.Fatal(err)
		}
		if got := errString(p.Check(t.Context())); got != tt.want {
			t.Errorf("%+v:\n got %s\nwant %s", tt.spec, got, tt.want)
		}
	}
}

// HTTPS verifies the certificate against the URL's host and sends it as
// SNI, though it dials the address resolved at start-up.
func TestHTTPS(t *testing.T) {
	srv := httpServer(t, true)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	tests := []struct {
		spec HTTPSpec
		want string
	}{
		{HTTPSpec{URL: "https://example.com:" + port + "/ok"}, ""},
		{HTTPSpec{URL: "https://svc.test:" + port + "/ok"},
			"tls handshake: tls: failed to verify certificate: x509: certificate is valid for example.com, *.example.com, not svc.test"},
		{HTTPSpec{URL: "https://svc.test:" + port + "/ok", TLSInsecureSkipVerify: true}, ""},
		{HTTPSpec{URL: "http://svc.test:" + port + "/ok"}, "status 400 not 2xx"}, // plain HTTP to an HTTPS port
	}
	for _, tt := range tests {
		p, err := NewHTTP(t.Context(), tt.spec, loopback)
		if err != nil {
			t.Fatal(err)
		}
		p.client.Transport.(*http.Transport).TLSClientConfig.RootCAs = roots
		if got := errString(p.Check(t.Context())); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.spec.URL, got, tt.want)
		}
	}
}

func TestHTTPFailures(t *testing.T) {
	srv := httpServer(t, false)
	closed := listenTCP(t)
	closed.Close()
	hangup := listenTCP(t)
	go func() {
		for {
			c, err := hangup.Accept()
			if err != nil {
				return
			}
			http.ReadRequest(bufio.NewReader(c)) // all of it, or closing resets
			c.Close()
		}
	}()
	tests := []struct {
		url, want string
		timeout   bool
	}{
		{"http://" + closed.Addr().String() + "/", "connect: connection refused", false},
		{"http://" + hangup.Addr().String() + "/", "wait response: EOF", false},
		{"http://" + listenTCP(t).Addr().String() + "/", "wait response: timeout", true},
		{srv.URL + "/stall", "read body: timeout", true},
	}
	for _, tt := range tests {
		p, err := NewHTTP(t.Context(), HTTPSpec{URL: tt.url}, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = p.Check(shortCtx(t))
		if errString(err) != tt.want || errors.Is(err, ErrTimeout) != tt.timeout {
			t.Errorf("%s: got %v, want %s", tt.url, err, tt.want)
		}
	}
}

func TestHTTPNoLeak(t *testing.T) {
	for _, tls := range []bool{false, true} {
		srv := httpServer(t, tls)
		p, err := NewHTTP(t.Context(), HTTPSpec{URL: srv.URL + "/ok", TLSInsecureSkipVerify: true, BodyContains: "ok"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkNoLeak(t, 200, func() error { return p.Check(t.Context()) })
	}
}
