package notify

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestParseAllow(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{"", "", ""},
		{"  ", "", ""},
		{"127.0.0.0/8", "127.0.0.0/8", ""},
		{"127.0.0.0/8, 10.1.2.0/24", "127.0.0.0/8,10.1.2.0/24", ""},
		{"10.1.2.3/24", "10.1.2.0/24", ""}, // masked
		{"10.1.2.3", "10.1.2.3/32", ""},
		{"fd00::1", "fd00::1/128", ""},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8", ""}, // IPv4-mapped: kept as IPv4
		{"::ffff:10.1.2.3", "10.1.2.3/32", ""},
		{"0.0.0.0/0,::/0", "0.0.0.0/0,::/0", ""},
		{"10.0.0.0/33", "", `webhook allow list: "10.0.0.0/33": not an IP address or CIDR prefix such as 10.1.2.0/24`},
		{"127.0.0.0/8,,10.0.0.0/8", "", `webhook allow list: "": not an IP address or CIDR prefix such as 10.1.2.0/24`},
		{"127.0.0.0/8,localhost", "", `webhook allow list: "localhost": not an IP address or CIDR prefix such as 10.1.2.0/24`},
		{"fe80::1%eth0", "", `webhook allow list: "fe80::1%eth0": not an IP address or CIDR prefix such as 10.1.2.0/24`},
	} {
		d, err := ParseAllow(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseAllow(%q): %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || d.String() != tc.want {
			t.Errorf("ParseAllow(%q) = %q, %v; want %q", tc.in, d, err, tc.want)
		}
	}
}

func TestDestinationsCheck(t *testing.T) {
	none := Destinations{}
	lo := mustAllow(t, "127.0.0.0/8")
	for _, tc := range []struct {
		addr  string
		allow Destinations
		what  string // "" if allowed
	}{
		{"203.0.113.7", none, ""}, // documentation range, but public to the guard
		{"8.8.8.8", none, ""},
		{"2001:4860:4860::8888", none, ""},
		{"127.0.0.1", none, "loopback"},
		{"127.255.0.9", none, "loopback"},
		{"::1", none, "loopback"},
		{"::ffff:127.0.0.1", none, "loopback"},
		{"10.0.0.1", none, "private"},
		{"172.16.0.1", none, "private"},
		{"172.31.255.255", none, "private"},
		{"172.32.0.1", none, ""},
		{"192.168.1.1", none, "private"},
		{"fd00:ec2::254", none, "private"},
		{"169.254.169.254", none, "link-local"},
		{"::ffff:169.254.169.254", none, "link-local"},
		{"64:ff9b::a9fe:a9fe", none, "link-local"}, // NAT64 to 169.254.169.254
		{"64:ff9b::808:808", none, ""},             // NAT64 to 8.8.8.8
		{"fe80::1", none, "link-local"},
		{"fe80::1%eth0", none, "link-local"},
		{"100.64.0.1", none, "shared (CGNAT)"},
		{"100.100.100.200", none, "shared (CGNAT)"},
		{"0.0.0.0", none, "unspecified"},
		{"::", none, "unspecified"},
		{"192.0.0.192", none, "reserved"},
		{"255.255.255.255", none, "reserved"},
		{"224.0.0.1", none, "multicast"},
		{"ff02::1", none, "multicast"},
		{"127.0.0.1", lo, ""},
		{"::ffff:127.0.0.1", lo, ""},
		{"::1", lo, "loopback"}, // 127.0.0.0/8 is IPv4 only
		{"10.0.0.1", lo, "private"},
		{"10.1.2.3", mustAllow(t, "10.1.2.0/24"), ""},
		{"10.1.3.3", mustAllow(t, "10.1.2.0/24"), "private"},
		{"169.254.169.254", mustAllow(t, "0.0.0.0/0,::/0"), ""},
	} {
		err := tc.allow.Check(netip.MustParseAddr(tc.addr))
		re, _ := errors.AsType[*RefusedError](err)
		switch {
		case tc.what == "" && err != nil:
			t.Errorf("%s allowing %q: %v, want allowed", tc.addr, tc.allow, err)
		case tc.what != "" && (re == nil || re.What != tc.what):
			t.Errorf("%s allowing %q: %v, want refused as %s", tc.addr, tc.allow, err, tc.what)
		}
	}
}

// silentHook is a receiver for tests that expect it to get no request.
func silentHook(t *testing.T) (*hook, *httptest.Server) {
	h := &hook{}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

func assertNoRequest(t *testing.T, h *hook) {
	t.Helper()
	if header, _ := h.last(); header != nil {
		t.Errorf("the receiver got a request: %v", header)
	}
}

// A URL whose host is a refused address fails for good, before any
// connection, with a message that names the address.
func TestWebhookRefusesLiteralAddress(t *testing.T) {
	h, srv := silentHook(t)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	for _, tc := range []struct{ url, addr, what string }{
		{srv.URL + "/hook", "127.0.0.1", "loopback"},
		{"http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"},
		{"http://[::1]:" + port + "/", "::1", "loopback"},
		{"https://10.0.0.1/hook", "10.0.0.1", "private"},
		{"http://[::ffff:127.0.0.1]:" + port + "/", "127.0.0.1", "loopback"},
		{"http://0.0.0.0:" + port + "/", "0.0.0.0", "unspecified"},
	} {
		w := &Webhook{URL: tc.url, Secret: testSecret}
		err := w.Send(context.Background(), iijOutage(t))
		want := w.Name() + ": permanent failure: destination " + tc.addr + " refused: " + tc.what +
			" address; the operator can allow it in the webhook allow list"
		if err == nil || err.Error() != want || !IsPermanent(err) {
			t.Errorf("%s: %v\nwant %s", tc.url, err, want)
		}
	}
	assertNoRequest(t, h)
}

// A name is checked on the address it resolves to, when connecting.
func TestWebhookRefusesAtConnect(t *testing.T) {
	h, srv := silentHook(t)
	u, _ := url.Parse(srv.URL)
	w := &Webhook{URL: "http://localhost:" + u.Port() + "/hook", Secret: testSecret}
	err := w.Send(context.Background(), iijOutage(t))
	re, ok := errors.AsType[*RefusedError](err)
	if !ok || re.What != "loopback" || !IsPermanent(err) {
		t.Fatalf("%v, want a permanent refusal of a loopback address", err)
	}
	if !strings.HasSuffix(err.Error(), ": permanent failure: "+re.Error()) {
		t.Errorf("message %q", err)
	}
	assertNoRequest(t, h)
}

func TestWebhookAllowed(t *testing.T) {
	h, srv := silentHook(t)
	u, _ := url.Parse(srv.URL)
	for _, url := range []string{srv.URL + "/hook", "http://localhost:" + u.Port() + "/hook"} {
		w := &Webhook{URL: url, Secret: testSecret, Allow: mustAllow(t, "127.0.0.0/8")}
		if err := w.Send(context.Background(), iijOutage(t)); err != nil {
			t.Errorf("%s: %v", url, err)
		}
	}
	if header, _ := h.last(); header.Get(HeaderNoticeID) != "inc-42/outage" {
		t.Errorf("the receiver got %v", header)
	}
}

// The guarded client ignores HTTP_PROXY: through a proxy the guard would
// see the proxy's address.
func TestWebhookNoProxy(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://192.0.2.1:3128")
	t.Setenv("HTTPS_PROXY", "http://192.0.2.1:3128")
	tr, ok := (&Webhook{}).client().Transport.(*http.Transport)
	if !ok || tr.Proxy != nil {
		t.Errorf("transport %#v, want one without a proxy", tr)
	}
}

// What the receiver answers never comes back in the error, which the
// customer reads: only the status code.
func TestWebhookHidesBody(t *testing.T) {
	const secret = "ami-id=i-0123456789 aws_secret=wJalrXUtnFEMI"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, secret, http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	w := &Webhook{URL: srv.URL + "/?token=tok-in-query", Secret: testSecret, Allow: mustAllow(t, "127.0.0.1")}
	err := w.Send(context.Background(), iijOutage(t))
	if want := w.Name() + ": temporary failure: webhook answered 500 Internal Server Error"; err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if he, ok := errors.AsType[*HTTPError](err); !ok || he.Body != secret {
		t.Errorf("HTTPError %+v: want the body kept for the operator's log", he)
	}
}

// Nor do the bytes of an answer that is not HTTP (a service's banner),
// which Go's transport quotes in its error, nor the URL's query.
func TestWebhookHidesNonHTTPAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if req, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
			io.Copy(io.Discard, req.Body)
		}
		io.WriteString(c, "SSH-2.0-OpenSSH_9.6 internal-banner\r\n")
	}()
	w := &Webhook{URL: "http://" + ln.Addr().String() + "/?token=tok-in-query", Secret: testSecret, Allow: mustAllow(t, "127.0.0.1")}
	err = w.Send(context.Background(), iijOutage(t))
	if want := w.Name() + ": temporary failure: no valid HTTP answer"; err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if !strings.Contains(errors.Unwrap(errors.Unwrap(err)).Error(), "internal-banner") {
		t.Errorf("the cause %v should keep the transport's error for the operator", errors.Unwrap(errors.Unwrap(err)))
	}
}
