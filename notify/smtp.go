package notify

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/slawatch/slawatch/internal/clock"
)

// STARTTLS policies.
const (
	StartTLSAuto   = "auto"   // upgrade when the server offers it (the default)
	StartTLSAlways = "always" // fail unless the server offers it
	StartTLSNever  = "never"  // stay in plain text
)

// DefaultSMTPTimeout bounds connecting and each command when SMTP.Timeout
// is zero.
const DefaultSMTPTimeout = 30 * time.Second

// SMTP is the relay that email and fax notices go through.
type SMTP struct {
	Addr      string        `yaml:"addr" json:"addr"`   // host:port
	HelloName string        `yaml:"hello" json:"hello"` // EHLO name; "localhost" if empty
	Username  string        `yaml:"username" json:"username,omitempty"`
	Password  string        `yaml:"password" json:"password,omitempty"`
	StartTLS  string        `yaml:"starttls" json:"starttls"` // auto (""), always or never
	TLS       *tls.Config   `yaml:"-" json:"-"`               // nil: system roots, server name from Addr
	Timeout   time.Duration `yaml:"timeout" json:"timeout"`   // per connect and command; 30s if zero
}

// UnmarshalJSON reads the timeout as a duration string ("30s") as well as
// nanoseconds, so that a JSON configuration reads like the YAML one.
func (s *SMTP) UnmarshalJSON(b []byte) error {
	type plain SMTP
	var v struct {
		*plain
		Timeout json.RawMessage `json:"timeout"`
	}
	v.plain = (*plain)(s)
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if len(v.Timeout) == 0 || string(v.Timeout) == "null" {
		return nil
	}
	var str string
	if json.Unmarshal(v.Timeout, &str) == nil {
		d, err := time.ParseDuration(str)
		if err != nil {
			return fmt.Errorf("smtp.timeout: %q is not a duration such as \"30s\"", str)
		}
		s.Timeout = d
		return nil
	}
	return json.Unmarshal(v.Timeout, (*int64)(&s.Timeout))
}

func (s *SMTP) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultSMTPTimeout
}

func (s *SMTP) helloName() string {
	if s.HelloName != "" {
		return s.HelloName
	}
	return "localhost"
}

// send delivers msg to rcpts in one transaction. Once the server has
// accepted the message, nothing that follows (QUIT) can fail the send:
// failing it would send the notice twice.
func (s *SMTP) send(ctx context.Context, from string, rcpts []string, msg []byte) error {
	if s.StartTLS == StartTLSNever {
		if err := s.clearTextAuth(); err != nil {
			return fmt.Errorf("smtp %s: %w", s.Addr, err)
		}
	}
	conn, err := (&net.Dialer{Timeout: s.timeout()}).DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", s.Addr, err)
	}
	defer conn.Close()
	// Closing the connection is how a cancelled context interrupts a
	// command that is waiting for the server.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	err = s.transact(ctx, conn, from, rcpts, msg)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	if err != nil {
		return fmt.Errorf("smtp %s: %w", s.Addr, err)
	}
	return nil
}

func (s *SMTP) transact(ctx context.Context, conn net.Conn, from string, rcpts []string, msg []byte) error {
	c, secure, err := s.client(ctx, conn)
	if err != nil {
		return err
	}
	c.CommandTimeout, c.SubmissionTimeout = s.timeout(), s.timeout()
	if err := c.Hello(s.helloName()); err != nil {
		return err
	}
	if err := s.auth(c, secure); err != nil {
		return err
	}
	refused, err := mailTo(c, from, rcpts, msg)
	if err != nil {
		return err
	}
	c.Quit() // the message is accepted; see send
	if refused != nil {
		return &permanentError{refused}
	}
	return nil
}

// mailTo sends msg to the recipients that the server accepts. A recipient
// refused for good (5xx) does not keep the notice from the others: mailTo
// sends to the rest and returns the refusals apart from the send's error.
func mailTo(c *smtp.Client, from string, rcpts []string, msg []byte) (refused, err error) {
	var opts *smtp.MailOptions
	if !isASCII(from) || !isASCII(strings.Join(rcpts, "")) {
		opts = &smtp.MailOptions{UTF8: true}
	}
	if err := c.Mail(from, opts); err != nil {
		return nil, err
	}
	var refusals []error
	for _, to := range rcpts {
		err := c.Rcpt(to, nil)
		if err != nil && !permanent(err) {
			return nil, fmt.Errorf("rcpt %s: %w", to, err)
		}
		if err != nil {
			refusals = append(refusals, fmt.Errorf("rcpt %s: %w", to, err))
		}
	}
	if len(refusals) == len(rcpts) {
		return nil, errors.Join(refusals...)
	}
	w, err := c.Data()
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(msg); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return errors.Join(refusals...), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// client applies the STARTTLS policy and returns go-smtp's client on the
// resulting connection, and whether that connection is encrypted.
func (s *SMTP) client(ctx context.Context, conn net.Conn) (*smtp.Client, bool, error) {
	if s.StartTLS == StartTLSNever {
		return smtp.NewClient(conn), false, nil
	}
	conn, secure, err := s.startTLS(ctx, conn)
	if err != nil {
		return nil, false, err
	}
	return smtp.NewClient(conn), secure, nil
}

func (s *SMTP) auth(c *smtp.Client, secure bool) error {
	if s.Username == "" {
		return nil
	}
	if !secure {
		if err := s.clearTextAuth(); err != nil {
			return err
		}
	}
	if ok, _ := c.Extension("AUTH"); !ok {
		return permanentf("a username is configured but the server offers no AUTH")
	}
	if err := c.Auth(sasl.NewPlainClient("", s.Username, s.Password)); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	return nil
}

// clearTextAuth refuses to send the password unencrypted to anywhere but
// this host.
func (s *SMTP) clearTextAuth() error {
	host, _, _ := net.SplitHostPort(s.Addr)
	if s.Username == "" || isLoopback(host) {
		return nil
	}
	return permanentf("refusing to send the password in clear text to %s: the connection is not encrypted", host)
}

// startTLS speaks the plain-text start of RFC 3207 itself (greeting, EHLO,
// STARTTLS, handshake), because go-smtp's client can only upgrade before
// it has been told the EHLO name. It returns a connection that replays a
// greeting for go-smtp's client to read, which then says EHLO again, as
// RFC 3207 requires after the handshake. Under "auto", a server that does
// not offer STARTTLS leaves the connection plain.
func (s *SMTP) startTLS(ctx context.Context, conn net.Conn) (net.Conn, bool, error) {
	// a socket's deadline is on the system's clock, whatever the caller's
	conn.SetDeadline(clock.Real{}.Now().Add(s.timeout()))
	defer conn.SetDeadline(time.Time{})
	tp := textproto.NewConn(conn)
	if _, _, err := tp.ReadResponse(220); err != nil {
		return nil, false, smtpError(err)
	}
	ext, err := ehlo(tp, s.helloName())
	if err != nil {
		return nil, false, err
	}
	if !ext["STARTTLS"] {
		if s.StartTLS == StartTLSAlways {
			return nil, false, permanentf("starttls is %q but the server does not offer STARTTLS", StartTLSAlways)
		}
		return replay(conn), false, nil
	}
	if err := tp.PrintfLine("STARTTLS"); err != nil {
		return nil, false, err
	}
	if _, _, err := tp.ReadResponse(220); err != nil {
		return nil, false, fmt.Errorf("starttls: %w", smtpError(err))
	}
	tc := tls.Client(conn, s.tlsConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, false, fmt.Errorf("starttls: %w", err)
	}
	return replay(tc), true, nil
}

// ehlo says EHLO and returns the extensions the server offers.
func ehlo(tp *textproto.Conn, name string) (map[string]bool, error) {
	if err := tp.PrintfLine("EHLO %s", name); err != nil {
		return nil, err
	}
	_, msg, err := tp.ReadResponse(250)
	if err != nil {
		return nil, fmt.Errorf("ehlo: %w", smtpError(err))
	}
	ext := make(map[string]bool)
	lines := strings.Split(msg, "\n")
	for _, l := range lines[1:] {
		if f := strings.Fields(l); len(f) > 0 {
			ext[strings.ToUpper(f[0])] = true
		}
	}
	return ext, nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	cfg := s.TLS
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg = cfg.Clone()
		cfg.ServerName, _, _ = net.SplitHostPort(s.Addr)
	}
	return cfg
}

// replay returns conn reading a greeting first: the server sent its own
// before the upgrade, and go-smtp's client insists on reading one.
func replay(conn net.Conn) net.Conn {
	return &replayConn{Conn: conn, r: io.MultiReader(strings.NewReader("220 resumed\r\n"), conn)}
}

type replayConn struct {
	net.Conn
	r io.Reader
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// smtpError turns a textproto reply error into go-smtp's, so that replies
// are classified the same whichever client read them.
func smtpError(err error) error {
	if e, ok := errors.AsType[*textproto.Error](err); ok {
		return &smtp.SMTPError{Code: e.Code, Message: e.Msg}
	}
	return err
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
