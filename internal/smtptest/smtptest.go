// Package smtptest is a real SMTP server on 127.0.0.1 for tests: it
// keeps every message it accepts, and can refuse the first ones with
// 451 or take its time over each.
package smtptest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/mail"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Options shape the server's answers.
type Options struct {
	Fail451 int           // the DATA of the first Fail451 messages is answered 451
	Delay   time.Duration // how long each message takes to accept
	// Answer is how long the server waits between keeping a message and
	// answering 250: a client cut off meanwhile has delivered a message
	// it was not told of.
	Answer time.Duration
}

// Server is a running server; it stops when the test ends.
type Server struct {
	Addr string
	mu   sync.Mutex
	opts Options
	msgs []Message
}

// Message is one message accepted.
type Message struct {
	To     []string
	Data   string
	Header mail.Header // nil when the data does not parse as a message
}

// Start starts a server on 127.0.0.1:0.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{opts: o}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "mx.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		ln.Close()
		if err := <-done; err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			t.Errorf("smtp server: %v", err)
		}
	})
	return s
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

type session struct {
	s  *Server
	to []string
}

func (x *session) Mail(string, *smtp.MailOptions) error { return nil }

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	time.Sleep(x.s.opts.Delay)
	if err := x.s.keep(x.to, b); err != nil {
		return err
	}
	time.Sleep(x.s.opts.Answer)
	return nil
}

// keep keeps a message, or refuses it while Fail451 says so.
func (s *Server) keep(to []string, b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.Fail451 > 0 {
		s.opts.Fail451--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m := Message{To: to, Data: string(b)}
	if pm, err := mail.ReadMessage(bytes.NewReader(b)); err == nil {
		m.Header = pm.Header
	}
	s.msgs = append(s.msgs, m)
	return nil
}

func (x *session) Reset()        { x.to = nil }
func (x *session) Logout() error { return nil }
