package notify

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// closedAddr is an address on which nothing listens.
func closedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestStartTLS(t *testing.T) {
	plain := startMailServer(t, mailServerOptions{})
	secure := startMailServer(t, mailServerOptions{TLS: true, Users: map[string]string{"notify": "s3cret"}})
	for _, tc := range []struct {
		name     string
		ms       *mailServer
		mode     string
		user     string
		wantTLS  bool
		wantErr  string
		wantPerm bool
	}{
		{name: "never, plain server", ms: plain, mode: StartTLSNever},
		{name: "auto, plain server", ms: plain, mode: StartTLSAuto},
		{name: "default is auto", ms: secure, mode: "", wantTLS: true},
		{name: "auto, TLS server", ms: secure, mode: StartTLSAuto, wantTLS: true},
		{name: "always, TLS server, with auth", ms: secure, mode: StartTLSAlways, user: "notify", wantTLS: true},
		{name: "never, TLS server", ms: secure, mode: StartTLSNever},
		{name: "always, plain server", ms: plain, mode: StartTLSAlways, wantPerm: true,
			wantErr: `starttls is "always" but the server does not offer STARTTLS`},
		{name: "auth refused", ms: secure, mode: StartTLSAlways, user: "intruder",
			wantErr: "535", wantPerm: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(tc.ms.Received())
			e := testEmail(tc.ms, "ops@sample.co.jp")
			e.SMTP.StartTLS, e.SMTP.TLS = tc.mode, tc.ms.TLS
			e.SMTP.Username, e.SMTP.Password = tc.user, "s3cret"
			err := e.Send(context.Background(), iijOutage(t))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || IsPermanent(err) != tc.wantPerm {
					t.Fatalf("got %v, want %q (permanent %v)", err, tc.wantErr, tc.wantPerm)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := tc.ms.Received()[before:]
			if len(got) != 1 || got[0].TLS != tc.wantTLS || got[0].AuthUser != tc.user || got[0].Hello != "slawatch.test" {
				t.Errorf("transactions %+v, want one, TLS %v, user %q", got, tc.wantTLS, tc.user)
			}
		})
	}
}

// TestAuthNeedsTLS: the password is never sent in clear text to a host
// other than this one.
func TestAuthNeedsTLS(t *testing.T) {
	ms := startMailServer(t, mailServerOptions{})
	e := testEmail(ms, "ops@sample.co.jp")
	e.SMTP.Username, e.SMTP.Password = "notify", "s3cret"

	// Loopback may have it, but this plain server offers no AUTH.
	err := e.Send(context.Background(), iijOutage(t))
	if !IsPermanent(err) || !strings.Contains(err.Error(), "offers no AUTH") {
		t.Errorf("loopback: got %v", err)
	}
	// Elsewhere, "never" is refused before connecting (192.0.2.1 is TEST-NET-1).
	e.SMTP.Addr = "192.0.2.1:587"
	err = e.Send(context.Background(), iijOutage(t))
	if !IsPermanent(err) || !strings.Contains(err.Error(), "refusing to send the password in clear text to 192.0.2.1") {
		t.Errorf("remote: got %v", err)
	}
}

func TestJSONTimeout(t *testing.T) {
	for in, want := range map[string]string{
		`{"addr":"a:25","timeout":"45s"}`:      "45s",
		`{"addr":"a:25","timeout":1000000000}`: "1s",
		`{"addr":"a:25"}`:                      "0s",
	} {
		var s SMTP
		if err := s.UnmarshalJSON([]byte(in)); err != nil || s.Timeout.String() != want || s.Addr != "a:25" {
			t.Errorf("%s: %v %+v", in, err, s)
		}
	}
	var s SMTP
	if err := s.UnmarshalJSON([]byte(`{"timeout":"soon"}`)); err == nil {
		t.Error("timeout soon accepted")
	}
}

// TestSMTPSilentServer: a relay that accepts the connection and says
// nothing is given up on when the context ends, as a temporary failure.
func TestSMTPSilentServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	for _, mode := range []string{StartTLSNever, StartTLSAuto} {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		e := &Email{SMTP: SMTP{Addr: ln.Addr().String(), StartTLS: mode}, From: "noc@slawatch.test", To: []string{"ops@sample.co.jp"}}
		err := e.Send(ctx, iijOutage(t))
		cancel()
		if err == nil || IsPermanent(err) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: got %v, want a temporary deadline failure", mode, err)
		}
	}
	select {
	case c := <-accepted:
		c.Close()
	default:
	}
}
