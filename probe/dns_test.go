package probe

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestDNSSpecErrors(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"server: 192.0.2.53\nname: svc.example", ""},
		{"server: '2001:db8::53'\nname: svc.example.\ntype: aaaa", ""},
		{`server: '[2001:db8::53]:5353'
name: _sip._tcp.example
type: SRV
transport: tcp
rcode: nxdomain
answer_contains: sip.example
recursion_desired: false`, ""},
		{"server: ns.example\nname: 192.0.2.1\ntype: PTR", ""},
		{"name: svc.example", "server: missing"},
		{"server: ns.example:dns\nname: svc.example", `server: "ns.example:dns": port must be a number in 1..65535`},
		{"server: ':53'\nname: svc.example", `server: ":53" has no host`},
		{"server: ns.example", "name: missing"},
		{"server: ns.example\nname: bad..example", `name: "bad..example" is not a domain name`},
		{"server: ns.example\nname: 192.0.2.1", ""}, // an odd but valid name for an A query
		{"server: ns.example\nname: svc.example\ntype: ANY", `type: "ANY" is not one of A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT`},
		{"server: ns.example\nname: svc.example\ntransport: tls", `transport: "tls" is not udp or tcp`},
		{"server: ns.example\nname: svc.example\nrcode: OK", `rcode: "OK" is not a DNS response code such as NOERROR or NXDOMAIN`},
	}
	for _, tt := range tests {
		got := errString(decodeSpec[DNSSpec](t, tt.yaml).Validate())
		if got != tt.want {
			t.Errorf("%q:\n got %s\nwant %s", tt.yaml, got, tt.want)
		}
	}
}

func TestNewDNS(t *testing.T) {
	no := false
	tests := []struct {
		spec         DNSSpec
		server, want string
	}{
		{DNSSpec{Server: "svc.test", Name: "up.test"}, "127.0.0.1:53", ""},
		{DNSSpec{Server: "::1", Name: "up.test"}, "[::1]:53", ""},
		{DNSSpec{Server: "svc.test:5353", Name: "up.test", RecursionDesired: &no}, "127.0.0.1:5353", ""},
		{DNSSpec{Server: "nowhere.test", Name: "up.test"}, "", "server: resolve nowhere.test: no such host"},
	}
	for _, tt := range tests {
		p, err := NewDNS(t.Context(), tt.spec, loopback)
		if got := errString(err); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.spec.Server, got, tt.want)
		}
		if err == nil && (p.server != tt.server || p.rd != (tt.spec.RecursionDesired == nil)) {
			t.Errorf("%s: server %s rd %v, want %s", tt.spec.Server, p.server, p.rd, tt.server)
		}
	}
}

// dnsZone answers as a small authoritative server would.
func dnsZone(w dns.ResponseWriter, q *dns.Msg) {
	m := new(dns.Msg).SetReply(q)
	name := q.Question[0].Name
	rrs := map[string][]string{
		"up.test.":                {"up.test. 60 IN A 192.0.2.1", "up.test. 60 IN AAAA 2001:db8::1", "up.test. 60 IN MX 10 mail.up.test."},
		"1.2.0.192.in-addr.arpa.": {"1.2.0.192.in-addr.arpa. 60 IN PTR up.test."},
		"flags.test.":             {fmt.Sprintf(`flags.test. 60 IN TXT "rd=%v"`, q.RecursionDesired)},
	}
	for i := range 8 { // about 900 bytes: more than fits in 512
		rrs["big.test."] = append(rrs["big.test."], fmt.Sprintf(`big.test. 60 IN TXT "record %d %s"`, i, strings.Repeat("x", 90)))
	}
	switch {
	case name == "broken.test.":
		m.Rcode = dns.RcodeServerFailure
	case rrs[name] == nil:
		m.Rcode = dns.RcodeNameError
	}
	for _, s := range rrs[name] {
		rr, _ := dns.NewRR(s)
		if rr.Header().Rrtype == q.Question[0].Qtype {
			m.Answer = append(m.Answer, rr)
		}
	}
	if w.RemoteAddr().Network() == "udp" {
		m.Truncate(dnsReplySize(q))
	}
	w.WriteMsg(m)
}

func dnsReplySize(q *dns.Msg) int {
	if opt := q.IsEdns0(); opt != nil {
		return int(opt.UDPSize())
	}
	return dns.MinMsgSize
}

// dnsServer serves dnsZone on loopback over network (udp or tcp).
func dnsServer(t *testing.T, network string) string {
	srv := &dns.Server{Handler: dns.HandlerFunc(dnsZone)}
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv.PacketConn = pc
	} else {
		srv.Listener = listenTCP(t)
	}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	if network == "udp" {
		return srv.PacketConn.LocalAddr().String()
	}
	return srv.Listener.Addr().String()
}

func TestDNSCheck(t *testing.T) {
	no := false
	for _, network := range []string{"udp", "tcp"} {
		server := dnsServer(t, network)
		tests := []struct {
			spec DNSSpec
			want string
		}{
			{DNSSpec{Name: "up.test"}, ""},
			{DNSSpec{Name: "up.test", AnswerContains: "192.0.2.1"}, ""},
			{DNSSpec{Name: "up.test", Type: "AAAA", AnswerContains: "2001:db8::1"}, ""},
			{DNSSpec{Name: "up.test.", Type: "MX", AnswerContains: "10 mail.up.test."}, ""},
			{DNSSpec{Name: "192.0.2.1", Type: "PTR", AnswerContains: "up.test."}, ""},
			{DNSSpec{Name: "up.test", AnswerContains: "192.0.2.2"}, `no answer contains "192.0.2.2" (1 answers)`},
			{DNSSpec{Name: "up.test", Type: "TXT", AnswerContains: "x"}, `no answer contains "x" (0 answers)`},
			{DNSSpec{Name: "broken.test"}, "rcode SERVFAIL, want NOERROR"},
			{DNSSpec{Name: "gone.test"}, "rcode NXDOMAIN, want NOERROR"},
			{DNSSpec{Name: "gone.test", Rcode: "NXDOMAIN"}, ""},
			{DNSSpec{Name: "up.test", Rcode: "nxdomain"}, "rcode NOERROR, want NXDOMAIN"},
			{DNSSpec{Name: "flags.test", Type: "TXT", AnswerContains: "rd=true"}, ""},
			{DNSSpec{Name: "flags.test", Type: "TXT", AnswerContains: "rd=false", RecursionDesired: &no}, ""},
			// Over UDP, fits only with the EDNS0 buffer size the query offers.
			{DNSSpec{Name: "big.test", Type: "TXT", AnswerContains: "record 7"}, ""},
		}
		for _, tt := range tests {
			tt.spec.Server, tt.spec.Transport = server, network
			p, err := NewDNS(t.Context(), tt.spec, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := errString(p.Check(t.Context())); got != tt.want {
				t.Errorf("%s %+v:\n got %s\nwant %s", network, tt.spec, got, tt.want)
			}
		}
	}
}

func TestDNSFailures(t *testing.T) {
	silentUDP, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silentUDP.Close()
	closedUDP, _ := net.ListenPacket("udp", "127.0.0.1:0")
	closedUDP.Close()
	closedTCP := listenTCP(t)
	closedTCP.Close()
	tests := []struct {
		transport, server, want string
		timeout                 bool
	}{
		{"udp", silentUDP.LocalAddr().String(), "receive: timeout", true},
		{"tcp", listenTCP(t).Addr().String(), "receive: timeout", true},
		{"udp", closedUDP.LocalAddr().String(), "receive: connection refused", false},
		{"tcp", closedTCP.Addr().String(), "connect: connection refused", false},
	}
	for _, tt := range tests {
		p, err := NewDNS(t.Context(), DNSSpec{Server: tt.server, Name: "up.test", Transport: tt.transport}, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = p.Check(shortCtx(t))
		if errString(err) != tt.want || errors.Is(err, ErrTimeout) != tt.timeout {
			t.Errorf("%s %s: got %v, want %s", tt.transport, tt.server, err, tt.want)
		}
	}
}

func TestDNSNoLeak(t *testing.T) {
	for _, network := range []string{"udp", "tcp"} {
		p, err := NewDNS(t.Context(), DNSSpec{Server: dnsServer(t, network), Name: "up.test", Transport: network}, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkNoLeak(t, 200, func() error { return p.Check(t.Context()) })
	}
}
