// Package portal is slawatch's web portal: pages for the NOC and for each
// customer, rendered on the server from the API's own answers. A page
// asks the API in process, as the signed-in token, for what it shows: so
// the portal can show nothing the API would refuse that token, and no
// number the JSON report does not hold.
package portal

import (
	"bytes"
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slawatch/slawatch/internal/clock"
	"github.com/slawatch/slawatch/server/auth"
	"github.com/slawatch/slawatch/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// CookieName is the session cookie's name.
const CookieName = "slawatch_session"

// Link is an extra link of the navigation bar (the demo's mailbox).
type Link struct {
	Title string
	URL   string
}

// Config is what the portal needs.
type Config struct {
	Store *store.Store
	// API is the server's API handler; the portal's requests to it carry
	// the session's principal (auth.WithPrincipal) instead of a token.
	API http.Handler
	// Now is the time of the pages (this month, session ends); Clock.Now
	// when nil. Clock bounds how long the overview computes summaries
	// before it leaves the rest to the background; clock.Real when nil.
	Now   func() time.Time
	Clock clock.Clock
	Log   *slog.Logger
	// Secure marks the cookie Secure: set it when users reach the server
	// over HTTPS (directly or through a proxy).
	Secure bool
	Links  []Link
	// SummaryTTL is how long the overview shows a customer's summary
	// before computing it anew (in the background); 30 s if zero.
	SummaryTTL time.Duration
}

// Portal serves the pages.
type Portal struct {
	cfg   Config
	pages map[string]*template.Template
	sums  *summaries
}

// New parses the templates.
func New(cfg Config) (*Portal, error) {
	cfg.Clock = clock.Or(cfg.Clock)
	if cfg.Now == nil {
		cfg.Now = cfg.Clock.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.SummaryTTL == 0 {
		cfg.SummaryTTL = 30 * time.Second
	}
	p := &Portal{cfg: cfg, pages: map[string]*template.Template{}}
	names, err := templateFiles.ReadDir("templates")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if n.Name() == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+n.Name())
		if err != nil {
			return nil, fmt.Errorf("portal: %w", err)
		}
		p.pages[strings.TrimSuffix(n.Name(), ".html")] = t
	}
	p.sums = newSummaries(p)
	return p, nil
}

// Run computes the overview's summaries in the background until ctx is
// done.
func (p *Portal) Run(ctx context.Context) { p.sums.run(ctx) }

// Register adds the portal's routes to mux.
func (p *Portal) Register(mux *http.ServeMux) {
	mux.Handle("GET /static/", p.secure(http.FileServerFS(staticFiles)))
	mux.Handle("GET /{$}", p.secure(p.signedIn(p.home)))
	mux.Handle("GET /login", p.secure(http.HandlerFunc(p.loginPage)))
	mux.Handle("GET /public/{$}", p.secure(http.HandlerFunc(p.publicIndex)))
	mux.Handle("GET /public/{name}", p.secure(http.HandlerFunc(p.publicPage)))
	mux.Handle("POST /login", p.secure(http.HandlerFunc(p.login)))
	mux.Handle("POST /logout", p.secure(p.signedIn(p.logout)))
	mux.Handle("GET /overview", p.secure(p.signedIn(p.overview)))
	mux.Handle("GET /c/{customer}", p.secure(p.signedIn(p.customerPage)))
	mux.Handle("GET /c/{customer}/reports/{month}/credits.csv", p.secure(p.signedIn(p.download("credits.csv"))))
	mux.Handle("GET /c/{customer}/reports/{month}/report.pdf", p.secure(p.signedIn(p.download("report.pdf"))))
	mux.Handle("GET /c/{customer}/series/{series}/latency.svg", p.secure(p.signedIn(p.svg(func(r *http.Request) string {
		return "/series/" + url.PathEscape(r.PathValue("series")) + "/latency.svg"
	}))))
	mux.Handle("GET /c/{customer}/strip.svg", p.secure(p.signedIn(p.svg(func(*http.Request) string { return "/strip.svg" }))))
	for _, f := range forms {
		mux.Handle("POST /c/{customer}/"+f.path, p.secure(p.signedIn(p.form(f))))
	}
}

// secure sets the headers every page carries: no script at all, no
// framing, nothing cached.
func (p *Portal) secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}

// session is a signed-in request's session.
type session struct {
	who  auth.Principal
	csrf string
	id   string
}

type pageFunc func(w http.ResponseWriter, r *http.Request, s *session)

// signedIn resolves the session cookie; without a valid session a page
// goes to the sign-in form, a form post is refused. A POST must carry
// the session's anti-forgery token and, when the browser names one, an
// Origin of this server.
func (p *Portal) signedIn(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie(CookieName)
		id := ""
		if c != nil {
			id = c.Value
		}
		who, csrf, err := auth.Session(r.Context(), p.cfg.Store, id, p.cfg.Now())
		var no *auth.Refusal
		switch {
		case errors.As(err, &no):
			if r.Method != http.MethodGet {
				p.errorPage(w, r, nil, http.StatusUnauthorized, no.Message)
				return
			}
			next := r.URL.RequestURI()
			http.Redirect(w, r, "/login?next="+url.QueryEscape(next)+"&why="+whyCode(no.Message), http.StatusSeeOther)
			return
		case err != nil:
			p.internal(w, r, err)
			return
		}
		s := &session{who: who, csrf: csrf, id: id}
		if r.Method == http.MethodPost {
			if why := p.forged(r, csrf); why != "" {
				p.errorPage(w, r, s, http.StatusForbidden, why)
				return
			}
		}
		fn(w, r, s)
	})
}

// foreignOrigin says why a form post comes from another site, or "".
func foreignOrigin(r *http.Request) string {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return "the form was sent from another site (" + o + ")"
		}
	}
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return "the form was sent from another site"
	}
	return ""
}

// forged says why a form post is not the session's own, or "".
func (p *Portal) forged(r *http.Request, csrf string) string {
	if why := foreignOrigin(r); why != "" {
		return why
	}
	if err := r.ParseForm(); err != nil {
		return "the form cannot be read: " + err.Error()
	}
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(csrf)) != 1 {
		return "the form's anti-forgery token is missing or stale: reload the page and try again"
	}
	return ""
}

func (p *Portal) home(w http.ResponseWriter, r *http.Request, s *session) {
	if s.who.Role == auth.RoleOperator {
		http.Redirect(w, r, "/overview", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/c/"+url.PathEscape(s.who.Customer), http.StatusSeeOther)
}

func (p *Portal) loginPage(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, nil, http.StatusOK, "login", map[string]any{"Next": safeNext(r.URL.Query().Get("next")), "Why": signInWhy[r.URL.Query().Get("why")]})
}

// login signs in with a token pasted in the form.
func (p *Portal) login(w http.ResponseWriter, r *http.Request) {
	if why := foreignOrigin(r); why != "" { // no signing a browser in from another site
		p.errorPage(w, r, nil, http.StatusForbidden, why)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		p.render(w, r, nil, http.StatusBadRequest, "login", map[string]any{"Why": "the form cannot be read"})
		return
	}
	next := safeNext(r.PostFormValue("next"))
	id, _, who, err := auth.OpenSession(r.Context(), p.cfg.Store, strings.TrimSpace(r.PostFormValue("token")), p.cfg.Now())
	var no *auth.Refusal
	switch {
	case errors.As(err, &no):
		p.cfg.Log.Info("portal sign-in refused", "why", no.Message, "remote", r.RemoteAddr)
		p.render(w, r, nil, http.StatusUnauthorized, "login", map[string]any{"Next": next, "Why": "sign-in refused: " + no.Message})
		return
	case err != nil:
		p.internal(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: id, Path: "/", HttpOnly: true, Secure: p.cfg.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(auth.SessionTTL / time.Second)})
	p.cfg.Log.Info("portal sign-in", "role", who.Role, "customer", who.Customer, "token", who.Token)
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signInWhy is what the sign-in form says, by the code its URL carries:
// never text from the URL itself, which anyone can write.
var signInWhy = map[string]string{
	"none":    "Sign in to see this page.",
	"ended":   "The session has ended: sign in again.",
	"expired": "The session has expired: sign in again.",
	"revoked": "The token of this session is revoked or expired: sign in with a valid one.",
}

func whyCode(msg string) string {
	switch {
	case strings.Contains(msg, "revoked"):
		return "revoked"
	case strings.Contains(msg, "expired"):
		return "expired"
	case strings.Contains(msg, "ended"):
		return "ended"
	}
	return "none"
}

// safeNext keeps a redirect target on this server: a path, never
// another host ("//evil", "/\\evil", "/\t/evil": browsers drop tabs and
// line breaks from URLs, and read a backslash as a slash).
func safeNext(s string) string {
	bad := strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' })
	u, err := url.Parse(s)
	if bad || err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") {
		return ""
	}
	return s
}

func (p *Portal) logout(w http.ResponseWriter, r *http.Request, s *session) {
	if err := auth.CloseSession(r.Context(), p.cfg.Store, s.id); err != nil {
		p.internal(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true, Secure: p.cfg.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// apiError is the API's refusal of a portal request.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Message }

// call makes an API request in process as who and decodes its JSON
// answer into out (when not nil).
func (p *Portal) call(ctx context.Context, who auth.Principal, method, path string, body, out any) error {
	raw, _, err := p.callRaw(ctx, who, method, path, body)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("portal: %s %s: %w", method, path, err)
	}
	return nil
}

// callRaw makes an API request in process and returns the answer's body
// and headers; an answer other than 2xx is an *apiError.
func (p *Portal) callRaw(ctx context.Context, who auth.Principal, method, path string, body any) ([]byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(auth.WithPrincipal(ctx, who), method, path, rd)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := &recorder{header: http.Header{}}
	p.cfg.API.ServeHTTP(rec, req)
	if rec.code == 0 {
		rec.code = http.StatusOK
	}
	if rec.code/100 != 2 {
		var e struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal(rec.body.Bytes(), &e)
		if e.Error.Message == "" {
			e.Error.Message = http.StatusText(rec.code)
		}
		return nil, rec.header, &apiError{Status: rec.code, Code: e.Error.Code, Message: e.Error.Message}
	}
	return rec.body.Bytes(), rec.header, nil
}

// recorder keeps an in-process API answer.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// fail answers a page whose API request failed: the API's own status
// and words (404 for another customer's page, as the API answers).
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		p.errorPage(w, r, s, ae.Status, ae.Message)
		return
	}
	p.internal(w, r, err)
}

func (p *Portal) internal(w http.ResponseWriter, r *http.Request, err error) {
	p.cfg.Log.Error("portal page failed", "path", r.URL.Path, "err", err)
	p.errorPage(w, r, nil, http.StatusInternalServerError, "internal error: the server's log has the details")
}

func (p *Portal) errorPage(w http.ResponseWriter, r *http.Request, s *session, status int, msg string) {
	p.render(w, r, s, status, "error", map[string]any{"Status": status, "StatusText": http.StatusText(status), "Message": msg})
}

// view is what every page's layout needs.
type view struct {
	Title   string
	Session *session
	Links   []Link
	Now     time.Time
	Data    any
}

func (v view) CSRF() string {
	if v.Session == nil {
		return ""
	}
	return v.Session.csrf
}

// Me is the signed-in customer's ID ("" for an operator).
func (v view) Me() string {
	if v.Session == nil {
		return ""
	}
	return v.Session.who.Customer
}

func (v view) Operator() bool { return v.Session != nil && v.Session.who.Role == auth.RoleOperator }

func (p *Portal) render(w http.ResponseWriter, r *http.Request, s *session, status int, page string, data any) {
	t := p.pages[page]
	var buf bytes.Buffer
	v := view{Session: s, Links: p.cfg.Links, Now: p.cfg.Now(), Data: data}
	if err := t.Execute(&buf, v); err != nil {
		p.cfg.Log.Error("portal template", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
