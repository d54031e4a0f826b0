// Package probe measures paths: ICMP echo, TCP connect, HTTP(S) and DNS.
//
// Every kind has one file (icmp.go, tcp.go, http.go, dns.go) holding a Spec,
// the target's configuration as it appears in agent.yaml, and what probes
// it. TCP, HTTP and DNS probes are Checkers: one call, one probe, the
// deadline in the context, run on a goroutine of their own by the agent's
// scheduler. ICMP is different because it must scale to 100,000 targets at
// one probe a second: one Pinger per address family shares one socket among
// all ICMP targets, and the scheduler drives it directly.
//
// The round-trip time of a probe is measured by the caller, around Check
// (or from send to matched reply for ICMP), on the monotonic clock.
package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// A Checker performs one probe of one target. It returns nil when the probe
// succeeded and an error saying why not otherwise; a probe that ran out of
// time returns an error wrapping ErrTimeout. Check must honour ctx's
// deadline and must be safe to call from several goroutines at once (a
// slow target may still be answering the previous probe).
type Checker interface {
	Check(ctx context.Context) error
}

// ErrTimeout is wrapped by the error of a probe that got no answer in time.
var ErrTimeout = errors.New("timeout")

// A Resolver looks up the addresses of a host name. *net.Resolver is one;
// tests pass a fake so that they need no DNS.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Resolve returns host's address, taking the first the resolver
// gives (the system's preference order, RFC 6724). An IP address is
// returned as it is.
func Resolve(ctx context.Context, r Resolver, host string) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap(), nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			err = errors.New(dnsErr.Err) // DNSError repeats "lookup host"
		}
		return netip.Addr{}, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(ips) == 0 {
		return netip.Addr{}, fmt.Errorf("resolve %s: no addresses", host)
	}
	return ips[0].Unmap(), nil
}
