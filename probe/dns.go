package probe

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
)

// DNS query types a probe may ask for.
var dnsTypes = map[string]uint16{
	"A": dns.TypeA, "AAAA": dns.TypeAAAA, "CNAME": dns.TypeCNAME,
	"MX": dns.TypeMX, "NS": dns.TypeNS, "PTR": dns.TypePTR,
	"SOA": dns.TypeSOA, "SRV": dns.TypeSRV, "TXT": dns.TypeTXT,
}

// dnsUDPSize is the EDNS0 buffer size offered over UDP: the DNS Flag Day
// 2020 value, large enough for most answers, small enough not to fragment.
const dnsUDPSize = 1232

// DNSSpec is a DNS target as agent.yaml gives it.
type DNSSpec struct {
	Server           string `yaml:"server"`            // ip, ip:port, host or host:port (port 53 when absent); a host is resolved once at start-up
	Name             string `yaml:"name"`              // the name to query; for PTR, an IP address is turned into its reverse name
	Type             string `yaml:"type"`              // A (default), AAAA, CNAME, MX, NS, PTR, SOA, SRV or TXT
	Transport        string `yaml:"transport"`         // udp (default) or tcp
	Rcode            string `yaml:"rcode"`             // expected response code; NOERROR when empty
	AnswerContains   string `yaml:"answer_contains"`   // some answer record's text must contain this
	RecursionDesired *bool  `yaml:"recursion_desired"` // the RD flag; true when absent
}

// Validate checks the spec without resolving anything.
func (s DNSSpec) Validate() error {
	if _, _, err := splitServer(s.Server); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	if _, err := s.question(); err != nil {
		return err
	}
	switch s.Transport {
	case "", "udp", "tcp":
	default:
		return fmt.Errorf("transport: %q is not udp or tcp", s.Transport)
	}
	if _, ok := dns.StringToRcode[strings.ToUpper(s.Rcode)]; s.Rcode != "" && !ok {
		return fmt.Errorf("rcode: %q is not a DNS response code such as NOERROR or NXDOMAIN", s.Rcode)
	}
	return nil
}

// question returns the query's question, checking name and type.
func (s DNSSpec) question() (dns.Question, error) {
	qtype, ok := dnsTypes[strings.ToUpper(cmp.Or(s.Type, "A"))]
	if !ok {
		return dns.Question{}, fmt.Errorf("type: %q is not one of A, AAAA, CNAME, MX, NS, PTR, SOA, SRV, TXT", s.Type)
	}
	name := s.Name
	if name == "" {
		return dns.Question{}, errors.New("name: missing")
	}
	if ip, err := netip.ParseAddr(name); err == nil && qtype == dns.TypePTR {
		name, _ = dns.ReverseAddr(ip.String())
	}
	if _, ok := dns.IsDomainName(name); !ok {
		return dns.Question{}, fmt.Errorf("name: %q is not a domain name", s.Name)
	}
	return dns.Question{Name: dns.Fqdn(name), Qtype: qtype, Qclass: dns.ClassINET}, nil
}

// splitServer parses ip, ip:port, host or host:port, with port 53 when
// absent. A bare IPv6 address needs no brackets.
func splitServer(s string) (host string, port uint16, err error) {
	if s == "" {
		return "", 0, errors.New("missing")
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return s, 53, nil
	}
	if !strings.Contains(s, ":") {
		return s, 53, nil
	}
	return splitAddress(s)
}

// DNS probes a DNS server: a probe succeeds when the server answers the
// query with the expected response code and, if asked, an answer record
// containing the expected text.
type DNS struct {
	server   string // ip:port
	network  string
	question dns.Question
	rd       bool
	rcode    int
	contains string
}

// NewDNS validates spec and resolves the server's host with r
// (net.DefaultResolver when nil); ctx bounds the lookup.
func NewDNS(ctx context.Context, spec DNSSpec, r Resolver) (*DNS, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	host, port, _ := splitServer(spec.Server)
	ip, err := Resolve(ctx, r, host)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	q, _ := spec.question()
	return &DNS{
		server:   netip.AddrPortFrom(ip, port).String(),
		network:  cmp.Or(spec.Transport, "udp"),
		question: q,
		rd:       spec.RecursionDesired == nil || *spec.RecursionDesired,
		rcode:    dns.StringToRcode[strings.ToUpper(cmp.Or(spec.Rcode, "NOERROR"))],
		contains: spec.AnswerContains,
	}, nil
}

// Check sends the query on a new socket and judges the reply.
func (d *DNS) Check(ctx context.Context) error {
	reply, err := d.exchange(ctx, d.query())
	if err != nil {
		return err
	}
	if reply.Rcode != d.rcode {
		return fmt.Errorf("rcode %s, want %s", dns.RcodeToString[reply.Rcode], dns.RcodeToString[d.rcode])
	}
	if d.contains == "" {
		return nil
	}
	for _, rr := range reply.Answer {
		if strings.Contains(rr.String(), d.contains) {
			return nil
		}
	}
	note := ""
	if reply.Truncated {
		note = ", reply truncated: try transport tcp"
	}
	return fmt.Errorf("no answer contains %q (%d answers%s)", d.contains, len(reply.Answer), note)
}

func (d *DNS) query() *dns.Msg {
	m := &dns.Msg{Question: []dns.Question{d.question}}
	m.Id = dns.Id()
	m.RecursionDesired = d.rd
	if d.network == "udp" {
		m.SetEdns0(dnsUDPSize, false)
	}
	return m
}

// exchange sends m and reads the reply. It does not use dns.Client, which
// honours a context's deadline but not its cancellation, and caps every
// exchange at 2 seconds unless told otherwise.
func (d *DNS) exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	var nd net.Dialer
	conn, err := nd.DialContext(ctx, d.network, d.server)
	if err != nil {
		return nil, stepError(ctx, "connect", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // unblocks a read on cancel
	defer stop()
	co := &dns.Conn{Conn: conn, UDPSize: dns.DefaultMsgSize} // room for a server that ignores our size
	if err := co.WriteMsg(m); err != nil {
		return nil, stepError(ctx, "send", err)
	}
	for {
		r, err := co.ReadMsg()
		if err != nil {
			return nil, stepError(ctx, "receive", err)
		}
		// Over UDP anyone may write to our port: skip what is not our reply.
		if r.Id == m.Id && r.Response {
			return r, nil
		}
		if d.network == "tcp" {
			return nil, errors.New("receive: reply does not match the query")
		}
	}
}
