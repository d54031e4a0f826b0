package notify

import (
	"fmt"
	"net/netip"
	"strings"
	"syscall"
)

// Destinations is the operator's exception to the webhook guard: the
// address ranges a webhook may connect to although they are not public.
//
// A customer chooses its webhook's URL; without the guard it could have
// slawatch POST to services that only the server can reach. So by default
// (the zero Destinations) a webhook connects to public unicast addresses
// only, and refuses:
//
//   - loopback: 127.0.0.0/8, ::1
//   - private: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7 (which
//     holds AWS's fd00:ec2::254), fec0::/10, 64:ff9b:1::/48
//   - link-local: 169.254.0.0/16 (cloud metadata at 169.254.169.254), fe80::/10
//   - shared (CGNAT): 100.64.0.0/10
//   - unspecified or "this network": 0.0.0.0/8, ::
//   - reserved: 192.0.0.0/24, 198.18.0.0/15, 240.0.0.0/4 (and so
//     255.255.255.255)
//   - multicast: 224.0.0.0/4, ff00::/8
//
// and the same IPv4 addresses written as IPv4-mapped IPv6
// (::ffff:127.0.0.1) or through NAT64 (64:ff9b::/96).
//
// The check is made on the address each connection is made to, after
// name resolution, so that a name that resolves to a refused address, or
// starts to (DNS rebinding), is refused too.
//
// Build one with ParseAllow. Destinations implements encoding.TextMarshaler
// and encoding.TextUnmarshaler with ParseAllow's syntax, so that
// flag.TextVar and the YAML and JSON decoders take the same text. It is
// comparable, so that Config stays comparable: that is why it keeps the
// ranges as their canonical text rather than as a slice.
type Destinations struct {
	allow string // canonical prefixes, comma-separated; "" allows none
}

// ParseAllow parses a comma-separated list of CIDR prefixes or single
// addresses, as in "127.0.0.0/8,10.1.2.0/24,fd00::1": the ranges a webhook
// may connect to although they are not public. "" allows none;
// "0.0.0.0/0,::/0" allows every address. The error names the first bad
// entry.
func ParseAllow(s string) (Destinations, error) {
	if strings.TrimSpace(s) == "" {
		return Destinations{}, nil
	}
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		p, ok := parsePrefix(f)
		if !ok {
			return Destinations{}, fmt.Errorf("webhook allow list: %q: not an IP address or CIDR prefix such as 10.1.2.0/24", f)
		}
		out = append(out, p.String())
	}
	return Destinations{allow: strings.Join(out, ",")}, nil
}

// parsePrefix reads "10.1.2.0/24" or "10.1.2.3", keeping IPv4 ranges
// written in IPv4-mapped form as IPv4, since Check sees mapped addresses
// as the IPv4 addresses they are.
func parsePrefix(s string) (netip.Prefix, bool) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, false
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}

// String is the canonical form of the list, which ParseAllow reads back.
func (d Destinations) String() string { return d.allow }

// MarshalText is String.
func (d Destinations) MarshalText() ([]byte, error) { return []byte(d.allow), nil }

// UnmarshalText is ParseAllow.
func (d *Destinations) UnmarshalText(text []byte) error {
	p, err := ParseAllow(string(text))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// Prefixes are the allowed ranges, IPv4 ones as IPv4.
func (d Destinations) Prefixes() []netip.Prefix {
	if d.allow == "" {
		return nil
	}
	var ps []netip.Prefix
	for f := range strings.SplitSeq(d.allow, ",") {
		if p, err := netip.ParsePrefix(f); err == nil { // always: ParseAllow wrote it
			ps = append(ps, p)
		}
	}
	return ps
}

// Check returns nil if a webhook may connect to addr: a public address,
// or one in an allowed range. Otherwise it returns a *RefusedError.
func (d Destinations) Check(addr netip.Addr) error {
	addr = addr.WithZone("").Unmap()
	checked := embeddedIPv4(addr)
	what := nonPublic(checked)
	if what == "" {
		return nil
	}
	for _, p := range d.Prefixes() {
		if p.Contains(addr) || p.Contains(checked) {
			return nil
		}
	}
	return &RefusedError{Addr: addr, What: what}
}

// control is a net.Dialer's Control: it checks the address a socket is
// about to connect to, whatever name it was resolved from.
func (d Destinations) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return permanentf("webhook: refusing to connect to %q: not an IP address and port", address)
	}
	return d.Check(ap.Addr())
}

// RefusedError is a webhook destination that the guard refused (see
// Destinations). It is permanent: the same URL would be refused again.
// Its message names the address and its kind, and nothing the destination
// could have said: no connection was made.
type RefusedError struct {
	Addr netip.Addr
	What string // "loopback", "private", "link-local"...
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("destination %s refused: %s address; the operator can allow it in the webhook allow list", e.Addr, e.What)
}

// nonPublicRanges are the ranges Destinations refuses by default, with the
// word the refusal uses. Read-only.
var nonPublicRanges = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("fc00::/7"), "private"},
	{netip.MustParsePrefix("fec0::/10"), "private"},      // site-local, deprecated but routable on some networks
	{netip.MustParsePrefix("64:ff9b:1::/48"), "private"}, // local-use NAT64
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (CGNAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"}, // holds Oracle Cloud's metadata, 192.0.0.192
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// nonPublic names the kind of a refused address, or is "" for a public one.
func nonPublic(a netip.Addr) string {
	if !a.IsValid() {
		return "invalid"
	}
	for _, r := range nonPublicRanges {
		if r.prefix.Contains(a) {
			return r.what
		}
	}
	return ""
}

// nat64 is the well-known NAT64 prefix (RFC 6052): a gateway connects
// 64:ff9b::a9fe:a9fe to 169.254.169.254.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// embeddedIPv4 is the IPv4 address a NAT64 address reaches, or a itself.
func embeddedIPv4(a netip.Addr) netip.Addr {
	if !nat64.Contains(a) {
		return a
	}
	b := a.As16()
	return netip.AddrFrom4([4]byte(b[12:]))
}
