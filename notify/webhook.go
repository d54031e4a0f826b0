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
	"net/http"
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
type Webhook struct {
	URL    string
	Secret string
	Client *http.Client     // nil: a client with DefaultWebhookTimeout, no redirects
	Now    func() time.Time // the timestamp; time.Now if nil
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
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode/100 == 2 {
		return nil
	}
	return &HTTPError{StatusCode: resp.StatusCode, Body: strings.TrimSpace(string(snippet))}
}

func (w *Webhook) client() *http.Client {
	if w.Client != nil {
		return w.Client
	}
	return &http.Client{
		Timeout: DefaultWebhookTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
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
