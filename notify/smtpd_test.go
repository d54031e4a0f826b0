package notify

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// mailServer is a real SMTP server on 127.0.0.1:0 that records every
// transaction. It answers 451 to the DATA of the first Fail451 messages and
// 550 to the recipients in Reject.
type mailServer struct {
	Addr string
	TLS  *tls.Config // the client's side: trusts the server's certificate

	mu       sync.Mutex
	fail451  int
	reject   map[string]bool
	users    map[string]string
	received []transaction
}

// transaction is one transaction as the server saw it.
type transaction struct {
	From     string
	To       []string
	Data     []byte
	Reply    int    // 250, or the error code the server gave to DATA
	Hello    string // the client's EHLO name
	TLS      bool
	AuthUser string
}

type mailServerOptions struct {
	Fail451 int
	Reject  []string
	TLS     bool              // offer STARTTLS
	Users   map[string]string // AUTH PLAIN users and passwords
}

func startMailServer(t *testing.T, o mailServerOptions) *mailServer {
	t.Helper()
	ms := &mailServer{fail451: o.Fail451, reject: map[string]bool{}, users: o.Users}
	for _, r := range o.Reject {
		ms.reject[r] = true
	}
	srv := smtp.NewServer(smtp.BackendFunc(ms.newSession))
	srv.Domain = "mx.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	if o.TLS {
		srv.TLSConfig, ms.TLS = testTLS(t)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms.Addr = ln.Addr().String()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		ln.Close() // in case Serve had not registered it when Close ran
		if err := <-done; err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			t.Errorf("smtp server: %v", err)
		}
	})
	return ms
}

// testTLS borrows httptest's certificate for 127.0.0.1: the server's
// configuration and a client configuration that trusts it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	hs := httptest.NewTLSServer(http.NotFoundHandler())
	defer hs.Close()
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	return &tls.Config{Certificates: hs.TLS.Certificates}, &tls.Config{RootCAs: pool}
}

func (ms *mailServer) Received() []transaction {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]transaction(nil), ms.received...)
}

func (ms *mailServer) newSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	return &mailSession{ms: ms, env: transaction{Hello: c.Hostname(), TLS: isTLS}}, nil
}

type mailSession struct {
	ms  *mailServer
	env transaction
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if want, ok := s.ms.users[user]; !ok || want != pass {
			return smtp.ErrAuthFailed
		}
		s.env.AuthUser = user
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	s.env.From = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.ms.reject[to] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.env.To = append(s.env.To, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	env := s.env
	env.Data, env.Reply = data, 250
	s.ms.mu.Lock()
	defer s.ms.mu.Unlock()
	if s.ms.fail451 > 0 {
		s.ms.fail451--
		env.Reply = 451
	}
	s.ms.received = append(s.ms.received, env)
	if env.Reply == 451 {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	return nil
}

func (s *mailSession) Reset() {
	s.env = transaction{Hello: s.env.Hello, TLS: s.env.TLS, AuthUser: s.env.AuthUser}
}

func (s *mailSession) Logout() error { return nil }
