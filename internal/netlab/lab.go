// Package netlab gives tests a network of their own: a fresh network
// namespace joined to the test's (root) namespace by a veth pair, with
// IPv4 and IPv6 addresses on both ends.
//
// A probe's accuracy can only be tested against a path whose behaviour the
// test controls: what answers, what is lost, how late. A lab's namespace is
// that path's far end. The test sets sysctls inside it (for instance to
// switch off the kernel's echo replies) and opens sockets inside it with
// Do, while its probes run in the root namespace as they would in
// production.
//
// Creating namespaces needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and the
// ip command from iproute2; New skips the test when either is missing.
//
// Address plan: every lab owns one /30 of 198.18.0.0/15 (RFC 2544,
// benchmarking) and one /64 of the ULA prefix fd53:6c61:7761::/48. Both are
// chosen from the interface index of the lab's host-side veth, which the
// kernel keeps unique among live interfaces, so labs of parallel tests and
// of parallel test binaries never share a subnet.
package netlab

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
)

// labSeq numbers the labs of this process. It is package state only
// because a name must be unique across every test of the binary, and the
// tests share nothing else.
var labSeq atomic.Uint64

// peerLink is the name of the veth end inside a lab's namespace; the
// namespace is the lab's own, so the name needs no uniqueness.
const peerLink = "lab0"

// A Lab is a network namespace joined to the root namespace by a veth
// pair. The root (host) end has HostAddr and HostAddr6, the end inside the
// namespace (peer) has PeerAddr and PeerAddr6.
type Lab struct {
	name     string // namespace name, as in `ip netns list`
	hostLink string // veth end in the root namespace

	host4, peer4 netip.Addr
	host6, peer6 netip.Addr
}

// New creates a lab and registers its removal with tb.Cleanup. It skips
// the test, saying why, when the machine does not allow creating one, and
// fails it when a lab was created but could not be configured.
func New(tb testing.TB) *Lab {
	tb.Helper()
	if runtime.GOOS != "linux" {
		tb.Skip("netlab: network namespaces are Linux-only")
	}
	if os.Geteuid() != 0 {
		tb.Skip("netlab: network namespaces need root")
	}
	if err := checkIP(); err != nil {
		tb.Skipf("netlab: %v", err)
	}
	sweep()
	pid, seq := os.Getpid(), labSeq.Add(1)
	l := &Lab{
		name:     fmt.Sprintf("%s%d-%d", nsPrefix, pid, seq),
		hostLink: fmt.Sprintf("%s%d-%d", linkPrefix, pid, seq%100000), // IFNAMSIZ: 15 bytes
	}
	if err := ip("netns", "add", l.name); err != nil {
		tb.Skipf("netlab: cannot create a network namespace: %v", err)
	}
	tb.Cleanup(func() {
		if err := l.remove(); err != nil {
			tb.Errorf("netlab: %v", err)
		}
	})
	err := ip("link", "add", l.hostLink, "type", "veth", "peer", "name", peerLink, "netns", l.name)
	if err != nil {
		tb.Skipf("netlab: cannot create a veth pair: %v", err)
	}
	if err := l.configure(); err != nil {
		tb.Fatalf("netlab: lab %s: %v", l.name, err)
	}
	return l
}

// configure gives both ends their addresses and brings the links up.
// IPv6 addresses skip duplicate address detection (nodad) so that they
// are usable at once rather than after a second of tentative state.
func (l *Lab) configure() error {
	iface, err := net.InterfaceByName(l.hostLink)
	if err != nil {
		return fmt.Errorf("host link: %w", err)
	}
	l.host4, l.peer4 = subnet4(iface.Index)
	l.host6, l.peer6 = subnet6(iface.Index)
	steps := [][]string{
		{"addr", "add", l.host4.String() + "/30", "dev", l.hostLink},
		{"addr", "add", l.host6.String() + "/64", "dev", l.hostLink, "nodad"},
		{"link", "set", l.hostLink, "up"},
		{"-n", l.name, "addr", "add", l.peer4.String() + "/30", "dev", peerLink},
		{"-n", l.name, "addr", "add", l.peer6.String() + "/64", "dev", peerLink, "nodad"},
		{"-n", l.name, "link", "set", peerLink, "up"},
		{"-n", l.name, "link", "set", "lo", "up"},
	}
	for _, args := range steps {
		if err := ip(args...); err != nil {
			return err
		}
	}
	return nil
}

// remove deletes the veth pair and the namespace. The host link is
// deleted first and explicitly: a namespace that a socket still holds
// outlives `ip netns del`, and would keep its veth end alive with it.
func (l *Lab) remove() error {
	var errs []error
	if linkExists(l.hostLink) {
		if err := ip("link", "del", l.hostLink); err != nil {
			errs = append(errs, err)
		}
	}
	if err := ip("netns", "del", l.name); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove lab %s: %w", l.name, err)
	}
	return nil
}

// Name returns the namespace's name, for `ip netns exec` and /run/netns.
func (l *Lab) Name() string { return l.name }

// HostLink returns the name of the veth end in the root namespace.
func (l *Lab) HostLink() string { return l.hostLink }

// HostAddr returns the IPv4 address of the root namespace's end.
func (l *Lab) HostAddr() netip.Addr { return l.host4 }

// PeerAddr returns the IPv4 address of the lab namespace's end.
func (l *Lab) PeerAddr() netip.Addr { return l.peer4 }

// HostAddr6 returns the IPv6 address of the root namespace's end.
func (l *Lab) HostAddr6() netip.Addr { return l.host6 }

// PeerAddr6 returns the IPv6 address of the lab namespace's end.
func (l *Lab) PeerAddr6() netip.Addr { return l.peer6 }
