package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
)

// TCPSpec is a TCP connect target as agent.yaml gives it.
type TCPSpec struct {
	Address               string `yaml:"address"`                  // host:port; the host is resolved once at start-up
	TLS                   bool   `yaml:"tls"`                      // the TLS handshake must complete too
	TLSServerName         string `yaml:"tls_server_name"`          // name to send (SNI) and verify; the address's host when empty
	TLSInsecureSkipVerify bool   `yaml:"tls_insecure_skip_verify"` // accept any certificate
}

// Validate checks the spec without resolving anything.
func (s TCPSpec) Validate() error {
	if _, _, err := splitAddress(s.Address); err != nil {
		return fmt.Errorf("address: %w", err)
	}
	if !s.TLS && s.TLSServerName != "" {
		return errors.New("tls_server_name: needs tls: true")
	}
	if !s.TLS && s.TLSInsecureSkipVerify {
		return errors.New("tls_insecure_skip_verify: needs tls: true")
	}
	return nil
}

// TCP probes a TCP (or TLS) server: a probe succeeds when the connection
// is established, and the handshake completed if TLS is asked for.
type TCP struct {
	addr netip.AddrPort
	tls  *tls.Config // nil for plain TCP
}

// NewTCP validates spec and resolves its host with r (net.DefaultResolver
// when nil); ctx bounds the lookup.
func NewTCP(ctx context.Context, spec TCPSpec, r Resolver) (*TCP, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	host, port, _ := splitAddress(spec.Address)
	ip, err := Resolve(ctx, r, host)
	if err != nil {
		return nil, fmt.Errorf("address: %w", err)
	}
	t := &TCP{addr: netip.AddrPortFrom(ip, port)}
	if spec.TLS {
		name := spec.TLSServerName
		if name == "" {
			name = host // an IP address here means: verify an IP SAN, send no SNI
		}
		t.tls = &tls.Config{ServerName: name, InsecureSkipVerify: spec.TLSInsecureSkipVerify}
	}
	return t, nil
}

// Check connects, completes the TLS handshake if asked, and closes.
func (t *TCP) Check(ctx context.Context) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", t.addr.String())
	if err != nil {
		return stepError(ctx, "connect", err)
	}
	if t.tls == nil {
		return conn.Close()
	}
	tc := tls.Client(conn, t.tls)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return stepError(ctx, "tls handshake", err)
	}
	tc.Close() // sends close_notify; the server's reaction is not the probe's business
	return nil
}

// splitAddress parses host:port with a numeric port.
func splitAddress(s string) (host string, port uint16, err error) {
	if s == "" {
		return "", 0, errors.New("missing")
	}
	host, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, fmt.Errorf("%q is not host:port", s)
	}
	if host == "" {
		return "", 0, fmt.Errorf("%q has no host", s)
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil || n == 0 {
		return "", 0, fmt.Errorf("%q: port must be a number in 1..65535", s)
	}
	return host, uint16(n), nil
}

// stepError says which step of a probe failed and why, briefly: a
// deadline expiry becomes "step: timeout" wrapping ErrTimeout, a
// cancellation "step: context canceled"; otherwise the cause loses the
// "dial tcp 192.0.2.1:443:" layers Go puts around it, since whoever reads
// the error knows the target.
func stepError(ctx context.Context, step string, err error) error {
	if isTimeout(ctx, err) {
		return fmt.Errorf("%s: %w", step, ErrTimeout)
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("%s: %w", step, context.Canceled) // whatever the I/O error
	}
	var op *net.OpError
	if errors.As(err, &op) {
		err = op.Err
	}
	var sc *os.SyscallError
	if errors.As(err, &sc) {
		err = sc.Err
	}
	return fmt.Errorf("%s: %w", step, err)
}

// isTimeout reports whether err came from the probe's deadline.
func isTimeout(ctx context.Context, err error) bool {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
