package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Webhook request headers.
const (
	HeaderNoticeID  = "X-Slawatch-Notice-Id"
	HeaderTimestamp = "X-Slawatch-Timestamp"
	HeaderSignature = "X-Slawatch-Signature"
)

// DefaultWebhookTimeout bounds a webhook request when Client is nil.
const DefaultWebhookTimeout = 30 * time.Second

// Errors of VerifySignature.
var (
	ErrBadSignature   = errors.New("signature does not match")
	ErrStaleTimestamp = errors.New("timestamp outside the tolerance")
)

// Webhook POSTs a notice as JSON, signed with HMAC-SHA256 over the
// timestamp and the body (see VerifySignature). Redirects are not followed.
//
// The customer chooses the URL, so a Webhook connects only to public
// addresses and those in Allow (see Destinations), checked on each address
// it connects to; it never goes through a proxy from the environment,
// where the guard would see only the proxy's address. A URL whose host is
// a refused IP address fails at once, without a connection. Whatever the
// destination answers, the error says it in slawatch's words: the status
// code, never the body or other bytes of the answer.
type Webhook struct {
	URL    string
	Secret string
	Allow  Destinations // non-public ranges the operator allows; none if zero
	// Client, when set, is used as it is: its transport decides where to
	// connect, and only the check of a literal IP in URL applies. nil: a
	// guarded client with DefaultWebhookTimeout that follows no redirects.
	Client *http.Client
	Now    func() time.Time // the timestamp; the system's clock if nil
}

// Name is "webhook:" and the URL without its query, which may hold a token.
func (w *Webhook) Name() string {
	u, err := url.Parse(w.URL)
	if err != nil {
		return "webhook:?"
	}
	return "webhook:" + u.Scheme + "://" + u.Host + u.Path
}

// Send POSTs n. Any 2xx is success.
func (w *Webhook) Send(ctx context.Context, n Notice) error {
	if err := n.check(); err != nil {
		return sendError(w.Name(), &permanentError{err})
	}
	return sendError(w.Name(), w.post(ctx, n))
}

func (w *Webhook) post(ctx context.Context, n Notice) error {
	if err := w.checkURL(); err != nil {
		return err
	}
	body, err := json.Marshal(n)
	if err != nil {
		return &permanentError{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return &permanentError{err}
	}
	ts := strconv.FormatInt(now(w.Now).Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "slawatch-notify")
	req.Header.Set(HeaderNoticeID, n.ID)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Signature(w.Secret, ts, body))
	resp, err := w.client().Do(req)
	if err != nil {
		return requestError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return nil
	}
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return &HTTPError{StatusCode: resp.StatusCode, Body: strings.TrimSpace(string(snippet))}
}

// checkURL refuses a URL whose host is an IP address the guard refuses,
// before any connection; a name is checked once resolved, at connect.
func (w *Webhook) checkURL() error {
	u, err := url.Parse(w.URL)
	if err != nil {
		return &permanentError{err}
	}
	a, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		return nil // a name, not an address
	}
	return w.Allow.Check(a)
}

func (w *Webhook) client() *http.Client {
	if w.Client != nil {
		return w.Client
	}
	return &http.Client{
		Transport: w.Allow.transport(),
		Timeout:   DefaultWebhookTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// transport connects only where d allows, and never through a proxy. It
// keeps no idle connection: the server makes a Webhook for each send, and
// a pool per send would only leak.
func (d Destinations) transport() *http.Transport {
	dialer := &net.Dialer{Timeout: DefaultWebhookTimeout, Control: d.control}
	return &http.Transport{
		Proxy:                  nil, // the guard must see the destination's address, not a proxy's
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		DisableKeepAlives:      true,
	}
}

// Signature is the X-Slawatch-Signature of a body sent at timestamp (unix
// seconds, as sent in X-Slawatch-Timestamp): "sha256=" and the hex
// HMAC-SHA256, keyed with the secret, of timestamp + "." + body.
func Signature(secret, timestamp string, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(timestamp))
	h.Write([]byte("."))
	h.Write(body)
	return h.Sum(nil)
}

// VerifySignature is for receivers of webhooks: it checks that signature
// (the X-Slawatch-Signature header) is the one slawatch makes of timestamp
// (X-Slawatch-Timestamp) and the raw body with secret, comparing in constant
// time, and that timestamp is within tolerance of now, either way, so that a
// captured request cannot be replayed later. Deduplicate retries by the
// X-Slawatch-Notice-Id header.
func VerifySignature(secret string, timestamp string, body []byte, signature string, now time.Time, tolerance time.Duration) error {
	hexSig, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return fmt.Errorf("%w: not of the form sha256=<hex>", ErrBadSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return fmt.Errorf("%w: not of the form sha256=<hex>", ErrBadSignature)
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not unix seconds", ErrStaleTimestamp, timestamp)
	}
	if !hmac.Equal(got, mac(secret, timestamp, body)) {
		return ErrBadSignature
	}
	sent := time.Unix(sec, 0)
	if d := now.Sub(sent); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: sent at %s, now %s, tolerance %s",
			ErrStaleTimestamp, sent.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), tolerance)
	}
	return nil
}
