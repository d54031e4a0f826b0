package icmpresponder

import (
	"fmt"
	"net"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// A family holds what differs between ICMP for IPv4 and ICMPv6.
type family struct {
	proto          int // IANA protocol number, for icmp.ParseMessage
	request, reply icmp.Type
}

var (
	icmp4 = family{proto: 1, request: ipv4.ICMPTypeEcho, reply: ipv4.ICMPTypeEchoReply}
	icmp6 = family{proto: 58, request: ipv6.ICMPTypeEchoRequest, reply: ipv6.ICMPTypeEchoReply}
)

func familyOf(network string) (family, error) {
	switch network {
	case "ip4:icmp", "ip4:1":
		return icmp4, nil
	case "ip6:ipv6-icmp", "ip6:58":
		return icmp6, nil
	}
	return family{}, fmt.Errorf("icmpresponder: network %q: want ip4:icmp or ip6:ipv6-icmp", network)
}

// acceptOnlyRequests sets the socket's ICMP filter so that the kernel
// passes it echo requests only, not every ICMP message (ICMPv6 carries
// neighbour discovery, for one).
func (f family) acceptOnlyRequests(c net.PacketConn) error {
	if f.proto == icmp4.proto {
		var filter ipv4.ICMPFilter
		filter.SetAll(true)
		filter.Accept(ipv4.ICMPTypeEcho)
		return ipv4.NewPacketConn(c).SetICMPFilter(&filter)
	}
	var filter ipv6.ICMPFilter
	filter.SetAll(true)
	filter.Accept(ipv6.ICMPTypeEchoRequest)
	return ipv6.NewPacketConn(c).SetICMPFilter(&filter)
}

// parseRequest returns b's echo body if b is an echo request.
func (f family) parseRequest(b []byte) (*icmp.Echo, bool) {
	m, err := icmp.ParseMessage(f.proto, b)
	if err != nil || m.Type != f.request || m.Code != 0 {
		return nil, false
	}
	echo, ok := m.Body.(*icmp.Echo)
	return echo, ok
}

// marshalReply returns the echo reply to echo. For IPv4 it carries the
// checksum; for ICMPv6 the kernel computes it, over the pseudo-header it
// alone knows.
func (f family) marshalReply(echo *icmp.Echo) ([]byte, error) {
	m := icmp.Message{Type: f.reply, Body: echo}
	return m.Marshal(nil)
}
