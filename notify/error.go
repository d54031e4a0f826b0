package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"

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

// HTTPError is a webhook's reply other than 2xx. Body holds the start of the
// response body, for the log.
type HTTPError struct {
	StatusCode int
	Body       string
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("webhook answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
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
