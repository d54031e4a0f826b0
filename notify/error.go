package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"syscall"

	"github.com/emersion/go-smtp"
)

// SendError is a send that failed on one channel. Permanent says that
// sending the same notice the same way again will fail the same way: the
// address is refused, the webhook rejects the request, the configuration is
// wrong. Anything else (a 4xx SMTP reply, a network error, a timeout, a
// webhook 5xx, 408 or 429) is temporary.
type SendError struct {
	Channel   string
	Permanent bool
	Err       error
}

func (e *SendError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	return fmt.Sprintf("%s: %s failure: %v", e.Channel, kind, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// HTTPError is a webhook's reply other than 2xx. Its message is the status
// code and Go's name for it, never anything the destination sent: the
// customer chooses the URL and reads the message (the outbox's
// last_error), and an answer shown back would let it read what slawatch
// can reach and it cannot.
type HTTPError struct {
	StatusCode int
	// Body is the start of the answer's body, for the operator's log only:
	// Error leaves it out, and it must never be shown to a customer.
	Body string
}

func (e *HTTPError) Error() string {
	return strings.TrimSpace(fmt.Sprintf("webhook answered %d %s", e.StatusCode, http.StatusText(e.StatusCode)))
}

// requestFailure is a webhook request that got no HTTP answer: no
// connection, no answer in time, a TLS failure, or bytes that are not
// HTTP. Its message is slawatch's summary, because the transport's own
// can quote the destination (`malformed HTTP response "SSH-2.0-..."`), a
// certificate's names, the operator's resolver or the URL's query. err is
// the transport's error, for errors.Is and As and the operator's log only.
type requestFailure struct {
	msg string
	err error
}

func (e *requestFailure) Error() string { return e.msg }
func (e *requestFailure) Unwrap() error { return e.err }

func requestError(err error) error {
	return &requestFailure{msg: describeRequest(err), err: err}
}

// describeRequest says what went wrong with a request in words that hold
// nothing the destination chose but its address.
func describeRequest(err error) string {
	var (
		refused *RefusedError
		dns     *net.DNSError
		op      *net.OpError
		errno   syscall.Errno
	)
	switch {
	case errors.As(err, &refused):
		return refused.Error()
	case errors.Is(err, context.Canceled):
		return "request canceled"
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return "no answer in time"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return fmt.Sprintf("lookup %s: no such host", dns.Name)
		}
		return fmt.Sprintf("lookup %s failed", dns.Name)
	case isTLS(err):
		return describeTLS(err)
	case errors.As(err, &op) && errors.As(err, &errno) && op.Addr != nil:
		return fmt.Sprintf("%s %s %s: %s", op.Op, op.Net, op.Addr, errno) // not op.Source: the server's own address
	case errors.As(err, &errno):
		return errno.Error()
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the server closed the connection without an answer"
	}
	return "no valid HTTP answer"
}

func isTLS(err error) bool {
	return errors.As(err, new(*tls.CertificateVerificationError)) ||
		errors.As(err, new(tls.RecordHeaderError)) || isTLSAlert(err)
}

// isTLSAlert: crypto/tls reports an alert from the server as an OpError
// "remote error" (its alert type is unexported); tls.AlertError is QUIC's.
func isTLSAlert(err error) bool {
	op, ok := errors.AsType[*net.OpError](err)
	return ok && op.Op == "remote error" || errors.As(err, new(tls.AlertError))
}

// describeTLS leaves out the certificate's names, which the destination
// chose: only the host asked for is named.
func describeTLS(err error) string {
	var host x509.HostnameError
	switch {
	case errors.As(err, &host):
		return "TLS certificate not valid for " + host.Host
	case errors.As(err, new(x509.UnknownAuthorityError)):
		return "TLS certificate signed by an unknown authority"
	case errors.As(err, new(tls.RecordHeaderError)):
		return "the server does not speak TLS"
	case isTLSAlert(err):
		return "the server refused the TLS handshake"
	}
	return "TLS certificate not valid"
}

func isTimeout(err error) bool {
	ne, ok := errors.AsType[net.Error](err)
	return ok && ne.Timeout()
}

// IsPermanent reports whether err, returned by a Channel's Send, means that
// retrying cannot help. Errors it does not recognise are temporary: a
// notice with a deadline is better retried than dropped.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	if se, ok := errors.AsType[*SendError](err); ok {
		return se.Permanent
	}
	return permanent(err)
}

// permanent classifies a cause.
func permanent(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if _, ok := errors.AsType[*permanentError](err); ok {
		return true
	}
	if _, ok := errors.AsType[*RefusedError](err); ok {
		return true
	}
	if e, ok := errors.AsType[*smtp.SMTPError](err); ok {
		return e.Code/100 == 5
	}
	if e, ok := errors.AsType[*textproto.Error](err); ok {
		return e.Code/100 == 5
	}
	if e, ok := errors.AsType[*HTTPError](err); ok {
		return httpPermanent(e.StatusCode)
	}
	return false
}

// httpPermanent: a 4xx is the receiver refusing this request, except a
// request timeout (408) and rate limiting (429), which pass; a 3xx means
// the URL is not the endpoint (slawatch does not follow redirects, which
// would turn the POST into a GET).
func httpPermanent(code int) bool {
	switch {
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		return false
	case code >= 300 && code < 500:
		return true
	}
	return false
}

// permanentError marks a failure of slawatch's own making, such as a notice
// that does not render or a server without the STARTTLS the configuration
// demands: retrying will not change it.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanentf(format string, args ...any) error {
	return &permanentError{fmt.Errorf(format, args...)}
}

// sendError wraps a send's failure with its channel and class.
func sendError(channel string, err error) error {
	if err == nil {
		return nil
	}
	return &SendError{Channel: channel, Permanent: permanent(err), Err: err}
}
