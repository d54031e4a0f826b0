package notify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// message is one RFC 5322 plain-text message.
type message struct {
	From      *mail.Address
	To        []*mail.Address
	Subject   string
	Date      time.Time
	MessageID string // without the angle brackets
	NoticeID  string
	Body      string // lines end in "\n"
}

// bytes writes the message with CRLF line ends: headers folded below 78
// columns, the subject RFC 2047-encoded when it is not ASCII, the body
// quoted-printable so that it passes any relay as 7-bit text.
func (m message) bytes() []byte {
	var b bytes.Buffer
	to := make([]string, len(m.To))
	for i, a := range m.To {
		to[i] = a.String()
	}
	header(&b, "Date", m.Date.Format(time.RFC1123Z))
	header(&b, "From", m.From.String())
	header(&b, "To", strings.Join(to, ", "))
	header(&b, "Subject", mime.BEncoding.Encode("UTF-8", m.Subject))
	header(&b, "Message-ID", "<"+m.MessageID+">")
	header(&b, "MIME-Version", "1.0")
	header(&b, "Content-Type", "text/plain; charset=UTF-8")
	header(&b, "Content-Transfer-Encoding", "quoted-printable")
	header(&b, "Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies
	header(&b, "X-Slawatch-Notice-Id", m.NoticeID)
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(m.Body)) // writes to a bytes.Buffer do not fail
	qp.Close()
	return b.Bytes()
}

// header writes "Name: value", folded at spaces so that lines stay within
// 78 columns where the value allows. Encoded words and addresses are
// separated by spaces, and unfolding restores them exactly.
func header(b *bytes.Buffer, name, value string) {
	line := name + ":"
	for _, w := range strings.Split(value, " ") {
		if len(line)+1+len(w) > 76 && strings.TrimSpace(line) != name+":" {
			b.WriteString(line + "\r\n")
			line = ""
		}
		line += " " + w
	}
	b.WriteString(line + "\r\n")
}

// messageID derives a Message-ID from the notice ID and a suffix (a fax
// number), so that a retried send carries the same one and the receiver can
// drop the duplicate. An ID that is not a dot-atom (RFC 5322) is hashed.
func messageID(noticeID, suffix, domain string) string {
	left := noticeID
	if suffix != "" {
		left += "." + suffix
	}
	if !isDotAtom(left) {
		sum := sha256.Sum256([]byte(left))
		left = "slawatch." + hex.EncodeToString(sum[:16])
	}
	return left + "@" + domain
}

func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && !strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", rune(c)) {
			return false
		}
	}
	return true
}

// domainOf is the domain of an address, for the Message-ID.
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i+1 < len(addr) {
		return addr[i+1:]
	}
	return "slawatch.invalid"
}
