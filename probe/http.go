package probe

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/net/http/httpguts"
)

// DefaultMaxBodyBytes is the longest response body an HTTP probe reads
// when its target gives no max_body_bytes: 1 MiB.
const DefaultMaxBodyBytes = 1 << 20

// HTTPSpec is an HTTP(S) target as agent.yaml gives it.
type HTTPSpec struct {
	URL                   string            `yaml:"url"`                      // http:// or https://; the host is resolved once at start-up
	Method                string            `yaml:"method"`                   // GET (default), HEAD or POST
	Body                  string            `yaml:"body"`                     // request body, POST only
	Headers               map[string]string `yaml:"headers"`                  // request headers; Host sets the Host header
	Status                []int             `yaml:"status"`                   // accepted status codes; any 2xx when empty
	BodyContains          string            `yaml:"body_contains"`            // the body must contain this
	BodyNotContains       string            `yaml:"body_not_contains"`        // the body must not contain this
	BodyRegexp            string            `yaml:"body_regexp"`              // the body must match this (RE2 syntax)
	MaxBodyBytes          int64             `yaml:"max_body_bytes"`           // a longer body fails; DefaultMaxBodyBytes when 0
	TLSInsecureSkipVerify bool              `yaml:"tls_insecure_skip_verify"` // accept any certificate
	FollowRedirects       bool              `yaml:"follow_redirects"`         // else a 3xx is judged against status
}

// Validate checks the spec without resolving anything.
func (s HTTPSpec) Validate() error {
	if _, err := parseHTTPURL(s.URL); err != nil {
		return fmt.Errorf("url: %w", err)
	}
	if err := s.validateRequest(); err != nil {
		return err
	}
	for i, c := range s.Status {
		if c < 100 || c > 599 {
			return fmt.Errorf("status[%d]: %d is not an HTTP status code", i, c)
		}
	}
	if _, err := regexp.Compile(s.BodyRegexp); err != nil {
		return fmt.Errorf("body_regexp: %w", err)
	}
	if s.MaxBodyBytes < 0 {
		return fmt.Errorf("max_body_bytes: %d is negative", s.MaxBodyBytes)
	}
	if s.Method == http.MethodHead && s.BodyContains+s.BodyNotContains+s.BodyRegexp != "" {
		return errors.New("method: a HEAD response has no body to check")
	}
	return nil
}

func (s HTTPSpec) validateRequest() error {
	switch s.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		return fmt.Errorf("method: %q is not GET, HEAD or POST", s.Method)
	}
	if s.Body != "" && s.Method != http.MethodPost {
		return errors.New("body: only with method: POST")
	}
	for _, k := range slices.Sorted(maps.Keys(s.Headers)) { // the same error every time
		v := s.Headers[k]
		if !httpguts.ValidHeaderFieldName(k) {
			return fmt.Errorf("headers: %q is not a valid header name", k)
		}
		if !httpguts.ValidHeaderFieldValue(v) {
			return fmt.Errorf("headers.%s: %q is not a valid header value", k, v)
		}
	}
	return nil
}

// parseHTTPURL parses an absolute http or https URL with a host.
func parseHTTPURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("missing")
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.Unwrap(err) // url.Error would repeat the URL
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errors.New("scheme must be http or https")
	}
	if u.Hostname() == "" {
		return nil, errors.New("no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.ParseUint(p, 10, 16); err != nil || n == 0 {
			return nil, fmt.Errorf("port %q is not in 1..65535", p)
		}
	}
	return u, nil
}

// HTTP probes an HTTP(S) server: a probe succeeds when the response's
// status is accepted and its body passes the checks. Every probe opens a
// fresh connection (and TLS session) and closes it, so each measures the
// whole exchange.
type HTTP struct {
	url         string
	method      string
	body        string
	header      http.Header
	host        string // Host header override, or ""
	status      []int
	contains    []byte
	notContains []byte
	re          *regexp.Regexp
	maxBody     int64
	client      *http.Client
}

// NewHTTP validates spec and resolves the URL's host with r
// (net.DefaultResolver when nil); ctx bounds the lookup.
func NewHTTP(ctx context.Context, spec HTTPSpec, r Resolver) (*HTTP, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	u, _ := parseHTTPURL(spec.URL)
	ip, err := Resolve(ctx, r, u.Hostname())
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	h := &HTTP{
		url:         spec.URL,
		method:      cmp.Or(spec.Method, http.MethodGet),
		body:        spec.Body,
		header:      http.Header{"User-Agent": {"slawatch"}},
		status:      spec.Status,
		contains:    []byte(spec.BodyContains),
		notContains: []byte(spec.BodyNotContains),
		maxBody:     spec.MaxBodyBytes,
	}
	if spec.BodyRegexp != "" {
		h.re = regexp.MustCompile(spec.BodyRegexp) // Validate compiled it
	}
	if h.maxBody == 0 {
		h.maxBody = DefaultMaxBodyBytes
	}
	h.setHeaders(spec.Headers)
	h.client = newHTTPClient(spec, &dialer{host: u.Hostname(), ip: ip, r: r})
	return h, nil
}

func (h *HTTP) setHeaders(hs map[string]string) {
	for k, v := range hs {
		if http.CanonicalHeaderKey(k) == "Host" {
			h.host = v // net/http ignores a Host in the header map
			continue
		}
		h.header.Set(k, v)
	}
}

func newHTTPClient(spec HTTPSpec, d *dialer) *http.Client {
	tr := &http.Transport{
		DialContext:       d.dial,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: spec.TLSInsecureSkipVerify},
		DisableKeepAlives: true, // a fresh connection per probe; none left idle
	}
	c := &http.Client{Transport: tr}
	if !spec.FollowRedirects {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

// dialer connects to the address resolved at start-up for the URL's host,
// whatever the port (http://host redirecting to https://host keeps it),
// while the Transport takes the Host header and SNI from the URL. Hosts
// met by following redirects are resolved when met.
type dialer struct {
	host string
	ip   netip.Addr
	r    Resolver
}

func (d *dialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ip := d.ip
	if !strings.EqualFold(host, d.host) {
		if ip, err = Resolve(ctx, d.r, host); err != nil {
			return nil, err
		}
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
}

// Check sends one request on a new connection and judges the response.
func (h *HTTP) Check(ctx context.Context) error {
	var step atomic.Value
	step.Store("connect")
	req, err := h.request(httptrace.WithClientTrace(ctx, stepTrace(&step)))
	if err != nil {
		return err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return stepError(ctx, step.Load().(string), errors.Unwrap(err)) // drop url.Error's "Get URL:"
	}
	defer resp.Body.Close()
	if err := h.judgeStatus(resp.StatusCode); err != nil {
		return err
	}
	body, err := readBody(resp.Body, h.maxBody)
	if err != nil {
		return stepError(ctx, "read body", err)
	}
	return h.judgeBody(body)
}

// stepTrace records the step an HTTP exchange has reached, so that an
// error can say where it stopped.
func stepTrace(step *atomic.Value) *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn:           func(string) { step.Store("connect") }, // again for each redirect
		TLSHandshakeStart: func() { step.Store("tls handshake") },
		GotConn:           func(httptrace.GotConnInfo) { step.Store("send request") },
		WroteRequest:      func(httptrace.WroteRequestInfo) { step.Store("wait response") },
	}
}

func (h *HTTP) request(ctx context.Context) (*http.Request, error) {
	var body io.Reader
	if h.body != "" {
		body = strings.NewReader(h.body)
	}
	req, err := http.NewRequestWithContext(ctx, h.method, h.url, body)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	req.Header = h.header.Clone()
	if h.host != "" {
		req.Host = h.host
	}
	return req, nil
}

// readBody reads at most max bytes; a longer body is an error rather than
// a probe that reads on until its deadline.
func readBody(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("longer than %d bytes", max)
	}
	return b, nil
}

func (h *HTTP) judgeStatus(code int) error {
	if len(h.status) == 0 {
		if code < 200 || code > 299 {
			return fmt.Errorf("status %d not 2xx", code)
		}
		return nil
	}
	for _, c := range h.status {
		if c == code {
			return nil
		}
	}
	return fmt.Errorf("status %d not in %v", code, h.status)
}

func (h *HTTP) judgeBody(b []byte) error {
	if len(h.contains) > 0 && !bytes.Contains(b, h.contains) {
		return fmt.Errorf("body does not contain %q", h.contains)
	}
	if len(h.notContains) > 0 && bytes.Contains(b, h.notContains) {
		return fmt.Errorf("body contains %q", h.notContains)
	}
	if h.re != nil && !h.re.Match(b) {
		return fmt.Errorf("body does not match %q", h.re)
	}
	return nil
}
