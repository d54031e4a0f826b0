package demo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// maxMails bounds the messages the mailbox keeps: a demo left running
// for a week sends a few thousand notices, and the oldest go first.
const maxMails = 1000

// maxMailBytes bounds one message the relay accepts.
const maxMailBytes = 1 << 20

// Mail is one message the demo's SMTP server accepted.
type Mail struct {
	Received time.Time `json:"received"`
	From     string    `json:"from"`
	To       []string  `json:"to"`
	Subject  string    `json:"subject"`
	Body     string    `json:"body"`
	// Header holds the headers a reader of notices looks for
	// (Message-ID, X-Slawatch-Notice-Id, Date).
	Header map[string]string `json:"header,omitempty"`
}

// Mailbox is the demo's in-process SMTP server: the server's notices
// (email and, through the fax gateway, fax) go to it, and it keeps them
// in memory for /demo/mail.
type Mailbox struct {
	Addr string // host:port it listens on

	log  *slog.Logger
	now  func() time.Time
	srv  *smtp.Server
	done chan error

	mu     sync.Mutex
	mails  []Mail
	onMail func(Mail) // called with each message kept, when set
}

// StartMailbox listens on 127.0.0.1:0 and accepts every message. now
// stamps the messages (the demo's clock).
func StartMailbox(log *slog.Logger, now func() time.Time, onMail func(Mail)) (*Mailbox, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: mail server: %w", err)
	}
	mb := &Mailbox{Addr: ln.Addr().String(), log: log, now: now, done: make(chan error, 1), onMail: onMail}
	mb.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{mb: mb}, nil }))
	mb.srv.Domain = "mail.demo.invalid"
	mb.srv.MaxMessageBytes = maxMailBytes
	mb.srv.ReadTimeout, mb.srv.WriteTimeout = time.Minute, time.Minute
	go func() { mb.done <- mb.srv.Serve(ln) }()
	return mb, nil
}

// Close stops the server; messages in flight are cut off.
func (mb *Mailbox) Close() error {
	mb.srv.Close()
	err := <-mb.done
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Mails returns the messages kept, newest first.
func (mb *Mailbox) Mails() []Mail {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	out := slices.Clone(mb.mails)
	slices.Reverse(out)
	return out
}

func (mb *Mailbox) keep(from string, to []string, data []byte) {
	m := parseMail(data)
	m.Received, m.From, m.To = mb.now(), from, to
	mb.mu.Lock()
	mb.mails = append(mb.mails, m)
	if len(mb.mails) > maxMails {
		mb.mails = slices.Delete(mb.mails, 0, len(mb.mails)-maxMails)
	}
	mb.mu.Unlock()
	mb.log.Info("mail", "to", strings.Join(to, ","), "subject", m.Subject)
	if mb.onMail != nil {
		mb.onMail(m)
	}
}

// parseMail reads the subject, a few headers and the text body of a
// message; what does not parse is kept as it came.
func parseMail(data []byte) Mail {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return Mail{Subject: "(unreadable message)", Body: string(data)}
	}
	body, _ := io.ReadAll(msg.Body)
	subject := msg.Header.Get("Subject")
	if s, err := new(mime.WordDecoder).DecodeHeader(subject); err == nil {
		subject = s
	}
	m := Mail{Subject: subject, Body: string(body), Header: map[string]string{}}
	for _, k := range []string{"Date", "Message-Id", "X-Slawatch-Notice-Id"} {
		if v := msg.Header.Get(k); v != "" {
			m.Header[k] = v
		}
	}
	return m
}

type session struct {
	mb   *Mailbox
	from string
	to   []string
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error { x.from = from; return nil }

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.mb.keep(x.from, slices.Clone(x.to), b)
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

// mailPage is /demo/mail: the messages, newest first, readable without
// JavaScript. It refreshes itself every 10 seconds.
var mailPage = template.Must(template.New("mail").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="10">
<title>slawatch demo: mail</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:1rem auto;max-width:60rem;padding:0 1rem;color:#222}
article{border:1px solid #ccc;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
h1{font-size:1.4rem} h2{font-size:1.05rem;margin:.3rem 0}
.meta{color:#555;font-size:.85rem} pre{white-space:pre-wrap;font-size:.85rem;background:#f6f6f6;padding:.5rem}
</style></head><body>
<h1>Mail the demo's notices sent</h1>
<p><a href="/">Portal</a> · <a href="/demo/mail.json">JSON</a> ·
{{len .}} message{{if ne (len .) 1}}s{{end}}, newest first. The demo's SMTP server keeps them in memory
(email notices, and fax notices sent through the fax gateway).</p>
{{range .}}<article>
<h2>{{.Subject}}</h2>
<div class="meta">received {{.Received.Format "2006-01-02 15:04:05 MST"}} · from {{.From}} · to {{range $i, $t := .To}}{{if $i}}, {{end}}{{$t}}{{end}}</div>
<pre>{{.Body}}</pre>
</article>{{else}}<p>No mail yet: the first outage is detected a few minutes after the demo starts.</p>{{end}}
</body></html>
`))

// Handler serves /demo/mail and /demo/mail.json in front of next.
func (mb *Mailbox) Handler(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /demo/mail", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := mailPage.Execute(w, mb.Mails()); err != nil {
			mb.log.Error("mail page", "err", err)
		}
	})
	mux.HandleFunc("GET /demo/mail.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Mails []Mail `json:"mails"`
		}{mb.Mails()}); err != nil {
			mb.log.Error("mail page", "err", err)
		}
	})
	mux.Handle("/", next)
	return mux
}
