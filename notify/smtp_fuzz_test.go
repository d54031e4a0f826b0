package notify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzMessage is what the fuzzed relay is given to send.
const fuzzMessage = "Subject: outage\r\n\r\nfirst line\r\n.a line with a dot\r\n"

// FuzzSMTPReplies has a relay answer the SMTP client with any replies
// (the next one to each command; see converse), under each STARTTLS
// policy, with and without a username, on this host and on another.
// Whatever the replies, the send ends (no panic, no hang); it succeeds
// only if the relay said 354 to DATA and received the message,
// dot-stuffed, with its end; under "always" it never succeeds (the
// fuzzed relay cannot complete a TLS handshake); the password never goes
// in clear text to a relay on another host; and a failure is permanent
// only when slawatch says so itself or the relay gave a 5xx.
func FuzzSMTPReplies(f *testing.F) {
	ok := relayGreeting + relayEHLO + relayRest
	f.Add(byte(0), []byte(ok))                                                         // never
	f.Add(byte(1), []byte(relayGreeting+relayEHLO+relayEHLO+relayRest))                // auto, no STARTTLS offered: EHLO twice
	f.Add(byte(4), []byte(relayGreeting+relayEHLO+relayAuth+relayRest))                // never, a username, loopback
	f.Add(byte(5), []byte("220 x\r\n250-x\r\n250 STARTTLS\r\n220 go\r\n\x16\x03\x01")) // auto, STARTTLS, no handshake
	f.Add(byte(8), []byte("220-x\r\n220 y\r\n250 x\r\n250 ok\r\n421 closing\r\n"))
	f.Add(byte(14), []byte(relayGreeting+relayEHLO+relayAuth+relayRest))
	f.Fuzz(func(t *testing.T, policy byte, replies []byte) {
		s := fuzzRelay(policy)
		start := time.Now()
		sent, err := converse(s, replies)
		if d := time.Since(start); d >= s.Timeout {
			t.Fatalf("%+v: %q took %v, the timeout: the client waited on a relay that had hung up", s, replies, d)
		}
		if err == nil {
			checkSent(t, s, replies, sent)
		}
		secret := base64.StdEncoding.EncodeToString([]byte("\x00" + s.Username + "\x00" + s.Password))
		if s.Username != "" && !strings.HasPrefix(s.Addr, "127.") && bytes.Contains(sent, []byte(secret)) {
			t.Fatalf("%+v: password sent in clear text to a remote relay: %q", s, sent)
		}
		if permanent(err) && !errors.As(err, new(*permanentError)) && !has5xx(replies) {
			t.Fatalf("%+v: %v is permanent, yet the relay gave no 5xx: %q", s, err, replies)
		}
	})
}

// A relay's replies to a transaction that succeeds, one recipient refused.
const (
	relayGreeting = "220 relay.example ESMTP\r\n"
	relayEHLO     = "250-relay.example\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n"
	relayAuth     = "235 2.7.0 ok\r\n"
	relayRest     = "250 sender ok\r\n250 rcpt ok\r\n550 no such user\r\n354 go on\r\n250 queued\r\n221 bye\r\n"
)

// TestConverse: the fuzz target's pipe carries a whole transaction, so
// that its checks of a send that succeeds are reached.
func TestConverse(t *testing.T) {
	for _, tc := range []struct {
		policy  byte
		replies string
	}{{0, relayGreeting + relayEHLO + relayRest}, {1, relayGreeting + relayEHLO + relayEHLO + relayRest}, {4, relayGreeting + relayEHLO + relayAuth + relayRest}} {
		s := fuzzRelay(tc.policy)
		sent, err := converse(s, []byte(tc.replies))
		if err == nil || !IsPermanent(err) || !strings.Contains(err.Error(), "gone@kaisha.example") {
			t.Errorf("%+v: %v, want the second recipient refused", s, err)
		}
		checkSent(t, s, []byte(tc.replies), sent)
	}
}

// fuzzRelay picks the configuration from policy's bits: the STARTTLS
// policy (bits 0-1: never, auto, always, unset), a username (bit 2), a
// remote relay (bit 3).
func fuzzRelay(policy byte) *SMTP {
	s := &SMTP{Addr: "127.0.0.1:25", HelloName: "slawatch.test", StartTLS: []string{StartTLSNever, StartTLSAuto, StartTLSAlways, ""}[policy&3], Timeout: 10 * time.Second}
	if policy&4 != 0 {
		s.Username, s.Password = "notify", "s3cret"
	}
	if policy&8 != 0 {
		s.Addr = "relay.example:25"
	}
	return s
}

// converse runs one transaction with a relay that gives the next of
// replies to each command it reads (and its first as the greeting),
// takes a message after a 354, sends what is left raw once it has
// answered STARTTLS (where a TLS server would begin its handshake), and
// hangs up when it has nothing left to say. It returns what the client
// sent.
func converse(s *SMTP, replies []byte) ([]byte, error) {
	client, relay := net.Pipe()
	var sent bytes.Buffer
	lines := make(chan string, 1024) // far more than a client sends
	done := make(chan struct{})
	go func() {
		defer close(lines)
		r := bufio.NewReader(io.TeeReader(relay, &sent))
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			lines <- l
		}
	}()
	go func() {
		defer close(done)
		answer(relay, splitReplies(replies), lines)
		relay.Close()
	}()
	err := s.transact(context.Background(), client, "noc@provider.example", []string{"ops@kaisha.example", "gone@kaisha.example"}, []byte(fuzzMessage))
	client.Close()
	<-done
	for range lines { // the reader has ended: sent is complete
	}
	return sent.Bytes(), err
}

// answer is the relay's side of converse.
func answer(relay net.Conn, replies [][]byte, lines <-chan string) {
	next := func() []byte {
		if len(replies) == 0 {
			return nil
		}
		r := replies[0]
		replies = replies[1:]
		return r
	}
	// Having said its last reply, the relay hangs up: a reply cut off
	// (no line end, or a continued line last) would otherwise leave the
	// client waiting for the rest until its timeout.
	if _, err := relay.Write(next()); err != nil || len(replies) == 0 {
		return
	}
	inData := false
	for l := range lines {
		cmd := strings.ToUpper(strings.TrimSpace(l))
		if inData && cmd != "." {
			continue
		}
		inData = false
		r := next()
		if _, err := relay.Write(r); err != nil || len(replies) == 0 {
			return
		}
		switch {
		case cmd == "DATA" && bytes.HasPrefix(r, []byte("354")):
			inData = true
		case cmd == "STARTTLS":
			relay.Write(bytes.Join(replies, nil))
			return
		}
	}
}

// splitReplies splits a relay's output into replies where
// net/textproto, which reads them for both clients, ends them: a reply
// whose first line continues ("250-") runs to a line with the same code
// that does not ("250 "); lines between with another code or none are
// part of it, and a first line that continues with a code that is not
// one runs to the end.
func splitReplies(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n := replyLen(b)
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

func replyLen(b []byte) int {
	first, n := nextLine(b)
	code, more, _ := codeLine(first)
	for more && n < len(b) {
		l, m := nextLine(b[n:])
		n += m
		if c, cont, ok := codeLine(l); ok && c == code {
			more = cont
		}
	}
	return n
}

func nextLine(b []byte) ([]byte, int) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, len(b)
	}
	return b[:i], i + 1
}

// codeLine parses a reply line as textproto's parseCodeLine does: a line
// of four bytes or more whose fourth is a space or, when the reply
// continues, a hyphen; ok when it starts with a code of 100 to 999.
func codeLine(l []byte) (code int, continued, ok bool) {
	l = bytes.TrimSuffix(l, []byte("\r"))
	if len(l) < 4 || (l[3] != ' ' && l[3] != '-') {
		return 0, false, false
	}
	code, err := strconv.Atoi(string(l[:3]))
	return code, l[3] == '-', err == nil && code >= 100
}

func checkSent(t *testing.T, s *SMTP, replies, sent []byte) {
	t.Helper()
	data := bytes.Index(sent, []byte("DATA\r\n"))
	switch {
	case s.StartTLS == StartTLSAlways:
		t.Fatalf("%+v: sent without TLS: %q", s, sent)
	case !bytes.Contains(replies, []byte("354")):
		t.Fatalf("%+v: sent, yet the relay never said 354: %q", s, replies)
	case data < 0 || !bytes.Contains(sent[data:], []byte("first line\r\n..a line with a dot\r\n.\r\n")):
		t.Fatalf("%+v: sent, yet the relay did not receive the message: %q", s, sent)
	}
}

// has5xx reports whether some reply line starts with a 5xx code.
func has5xx(replies []byte) bool {
	for _, line := range bytes.Split(replies, []byte("\n")) {
		if len(line) >= 3 && line[0] == '5' && isDigit(line[1]) && isDigit(line[2]) {
			return true
		}
	}
	return false
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
