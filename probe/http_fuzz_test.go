package probe

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"
)

// FuzzHTTPResponse has a server answer an HTTP probe with any bytes and
// hang up. Whatever it sends, Check returns before its deadline without
// panicking, and succeeds only when the bytes are an HTTP response (after
// any 1xx) whose status the target accepts and whose body, read to its
// end, is at most max_body_bytes and passes the body checks. The first
// byte picks the method and whether the target lists statuses.
func FuzzHTTPResponse(f *testing.F) {
	f.Add(byte(0), []byte("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nall ok"))
	f.Add(byte(0), []byte("HTTP/1.1 200 OK\r\n\r\nok, then an error"))
	f.Add(byte(1), []byte("HTTP/1.1 301 Moved\r\nLocation: /x\r\nContent-Length: 2\r\n\r\nok"))
	f.Add(byte(2), []byte("HTTP/1.1 204 No Content\r\n\r\n"))
	f.Add(byte(4), []byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"))
	f.Add(byte(0), []byte("HTTP/1.1 200 OK\r\nContent-Length: 9999\r\n\r\nok"))
	f.Add(byte(0), []byte("HTTP/1.0 200\r\n\r\n"+string(bytes.Repeat([]byte("ok"), 200))))
	f.Add(byte(3), []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"))
	f.Fuzz(func(t *testing.T, pick byte, response []byte) {
		addr := serveOnce(t, response)
		spec := HTTPSpec{
			URL:             "http://" + addr + "/health",
			Method:          []string{http.MethodGet, http.MethodPost, http.MethodHead}[int(pick%3)],
			BodyContains:    "ok",
			BodyNotContains: "error",
			MaxBodyBytes:    256,
		}
		if spec.Method == http.MethodPost {
			spec.Body = `{"ping":1}`
		}
		if spec.Method == http.MethodHead {
			spec.BodyContains, spec.BodyNotContains = "", ""
		}
		if pick&4 != 0 {
			spec.Status = []int{200, 301}
		}
		p, err := NewHTTP(t.Context(), spec, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		err = p.Check(ctx)
		if ctx.Err() != nil {
			t.Fatalf("%q: Check ran to its deadline: %v", response, err)
		}
		if err == nil {
			checkAccepted(t, spec, response)
		}
	})
}

// serveOnce listens on loopback for one connection, reads a request from
// it, writes response and closes it.
func serveOnce(t *testing.T, response []byte) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		c.Write(response)
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

// checkAccepted fails unless response is one that spec accepts.
func checkAccepted(t *testing.T, spec HTTPSpec, response []byte) {
	t.Helper()
	req, _ := http.NewRequest(spec.Method, spec.URL, nil)
	r := bufio.NewReader(bytes.NewReader(response))
	resp, err := http.ReadResponse(r, req)
	for err == nil && resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
		resp, err = http.ReadResponse(r, req)
	}
	if err != nil {
		t.Fatalf("%s %q accepted, yet it is not an HTTP response: %v", spec.Method, response, err)
	}
	accepted := resp.StatusCode >= 200 && resp.StatusCode <= 299
	if len(spec.Status) > 0 {
		accepted = slices.Contains(spec.Status, resp.StatusCode)
	}
	if !accepted {
		t.Fatalf("%s %q accepted with status %d, not in %v", spec.Method, response, resp.StatusCode, spec.Status)
	}
	body, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		t.Fatalf("%s %q accepted, yet its body does not read: %v", spec.Method, response, err)
	case int64(len(body)) > spec.MaxBodyBytes:
		t.Fatalf("%s %q accepted with a body of %d bytes, more than %d", spec.Method, response, len(body), spec.MaxBodyBytes)
	case !bytes.Contains(body, []byte(spec.BodyContains)) || (spec.BodyNotContains != "" && bytes.Contains(body, []byte(spec.BodyNotContains))):
		t.Fatalf("%s %q accepted with body %q", spec.Method, response, body)
	}
}

// TestServeOnce: FuzzHTTPResponse's server carries a whole exchange, so
// that its checks of an accepted response are reached.
func TestServeOnce(t *testing.T) {
	for _, tc := range []struct {
		response, want string
	}{
		{"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nall ok", ""},
		{"HTTP/1.1 200 OK\r\n\r\nok, then an error", `body contains "error"`},
	} {
		p, err := NewHTTP(t.Context(), HTTPSpec{URL: "http://" + serveOnce(t, []byte(tc.response)) + "/", BodyContains: "ok", BodyNotContains: "error"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := errString(p.Check(t.Context())); got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.response, got, tc.want)
		}
	}
}
