package netlab_test

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"github.com/slawatch/slawatch/internal/netlab"
)

func TestLabAddresses(t *testing.T) {
	t.Parallel()
	l := netlab.New(t)
	v4 := netip.MustParsePrefix("198.18.0.0/15")
	v6 := netip.MustParsePrefix("fd53:6c61:7761::/48")
	for _, a := range []netip.Addr{l.HostAddr(), l.PeerAddr()} {
		if !a.Is4() || !v4.Contains(a) {
			t.Errorf("IPv4 address %s not in %s", a, v4)
		}
	}
	for _, a := range []netip.Addr{l.HostAddr6(), l.PeerAddr6()} {
		if !a.Is6() || !v6.Contains(a) {
			t.Errorf("IPv6 address %s not in %s", a, v6)
		}
	}
	if p, _ := l.HostAddr().Prefix(30); !p.Contains(l.PeerAddr()) {
		t.Errorf("host %s and peer %s not in one /30", l.HostAddr(), l.PeerAddr())
	}
	if p, _ := l.HostAddr6().Prefix(64); !p.Contains(l.PeerAddr6()) {
		t.Errorf("host %s and peer %s not in one /64", l.HostAddr6(), l.PeerAddr6())
	}
}

func TestLabsDoNotShareSubnets(t *testing.T) {
	t.Parallel()
	a, b := netlab.New(t), netlab.New(t)
	if a.Name() == b.Name() || a.HostLink() == b.HostLink() {
		t.Errorf("names repeat: %s/%s and %s/%s", a.Name(), a.HostLink(), b.Name(), b.HostLink())
	}
	pa, _ := a.HostAddr().Prefix(30)
	if pa.Contains(b.HostAddr()) {
		t.Errorf("labs share %s", pa)
	}
	pa6, _ := a.HostAddr6().Prefix(64)
	if pa6.Contains(b.HostAddr6()) {
		t.Errorf("labs share %s", pa6)
	}
	for _, l := range []*netlab.Lab{a, b} {
		if err := ping(l.PeerAddr(), 5*time.Second); err != nil {
			t.Errorf("lab %s: %v", l.Name(), err)
		}
	}
}

func TestPingPeer(t *testing.T) {
	t.Parallel()
	l := netlab.New(t)
	for _, dst := range []netip.Addr{l.PeerAddr(), l.PeerAddr6()} {
		if err := ping(dst, 5*time.Second); err != nil {
			t.Errorf("ping %s: %v", dst, err)
		}
	}
}

func TestDoSocketStaysInLab(t *testing.T) {
	t.Parallel()
	l := netlab.New(t)
	var ln net.Listener
	err := l.Do(func() error {
		if _, err := net.InterfaceByName("lab0"); err != nil {
			return fmt.Errorf("not inside the lab: %w", err)
		}
		var err error
		ln, err = net.Listen("tcp", netip.AddrPortFrom(l.PeerAddr(), 0).String())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Write([]byte("hello"))
			c.Close()
		}
	}()
	c, err := net.DialTimeout("tcp", ln.Addr().String(), 2*time.Second)
	if err != nil {
		t.Fatalf("dial the lab from the root namespace: %v", err)
	}
	defer c.Close()
	buf := make([]byte, 5)
	if _, err := c.Read(buf); err != nil || string(buf) != "hello" {
		t.Errorf("read %q, %v", buf, err)
	}
}

func TestDoReturnsErrorAndRepanics(t *testing.T) {
	t.Parallel()
	l := netlab.New(t)
	want := errors.New("from fn")
	if err := l.Do(func() error { return want }); !errors.Is(err, want) {
		t.Errorf("Do returned %v, want %v", err, want)
	}
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want boom", r)
			}
		}()
		l.Do(func() error { panic("boom") })
	}()
	if err := l.Do(func() error { return nil }); err != nil {
		t.Errorf("Do after a panic: %v", err)
	}
}

func TestSysctl(t *testing.T) {
	t.Parallel()
	l := netlab.New(t)
	root, err := os.ReadFile("/proc/sys/net/ipv4/icmp_echo_ignore_all")
	if err != nil {
		t.Fatal(err)
	}
	sets := []struct{ key, value, readback string }{
		{"net.ipv4.icmp_echo_ignore_all", "1", "1"},
		{"net.ipv6.icmp.echo_ignore_all", "1", "1"},
		{"net.ipv4.ping_group_range", "0 2147483647", "0\t2147483647"},
	}
	for _, s := range sets {
		if err := l.Sysctl(s.key, s.value); err != nil {
			t.Fatal(err)
		}
		got, err := l.ReadSysctl(s.key)
		if err != nil || got != s.readback {
			t.Errorf("%s reads %q, %v; want %q", s.key, got, err, s.readback)
		}
	}
	after, _ := os.ReadFile("/proc/sys/net/ipv4/icmp_echo_ignore_all")
	if string(after) != string(root) {
		t.Errorf("root namespace's icmp_echo_ignore_all changed from %q to %q", root, after)
	}
	for _, dst := range []netip.Addr{l.PeerAddr(), l.PeerAddr6()} {
		if err := ping(dst, 300*time.Millisecond); err == nil {
			t.Errorf("%s answered with echo_ignore_all=1", dst)
		}
	}
}

func TestSysctlUnknownKey(t *testing.T) {
	t.Parallel()
	l := netlab.New(t)
	if err := l.Sysctl("net.ipv4.no_such_key", "1"); err == nil {
		t.Error("no error for an unknown key")
	}
}

func TestCleanupRemovesLab(t *testing.T) {
	var name, link string
	t.Run("lab", func(t *testing.T) {
		l := netlab.New(t)
		name, link = l.Name(), l.HostLink()
	})
	if name == "" {
		t.Skip("no lab was created")
	}
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), name) {
		t.Errorf("namespace %s still listed:\n%s", name, out)
	}
	if exec.Command("ip", "link", "show", "dev", link).Run() == nil {
		t.Errorf("link %s still exists", link)
	}
}

var pingID atomic.Uint32

// ping sends one echo request from the root namespace and waits for its
// reply: the kernel of the lab namespace answers unless told not to.
func ping(dst netip.Addr, timeout time.Duration) error {
	network, laddr, proto := "ip4:icmp", "0.0.0.0", 1
	var req, rep icmp.Type = ipv4.ICMPTypeEcho, ipv4.ICMPTypeEchoReply
	if dst.Is6() {
		network, laddr, proto = "ip6:ipv6-icmp", "::", 58
		req, rep = ipv6.ICMPTypeEchoRequest, ipv6.ICMPTypeEchoReply
	}
	c, err := icmp.ListenPacket(network, laddr)
	if err != nil {
		return err
	}
	defer c.Close()
	id := int(uint32(os.Getpid())^pingID.Add(1)) & 0xffff
	msg := icmp.Message{Type: req, Body: &icmp.Echo{ID: id, Seq: 1, Data: []byte("netlab")}}
	b, err := msg.Marshal(nil)
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(b, &net.IPAddr{IP: dst.AsSlice()}); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 1500)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			return err
		}
		m, err := icmp.ParseMessage(proto, buf[:n])
		if err != nil || m.Type != rep {
			continue
		}
		echo, ok := m.Body.(*icmp.Echo)
		src, _ := netip.AddrFromSlice(from.(*net.IPAddr).IP)
		if ok && echo.ID == id && echo.Seq == 1 && src.Unmap() == dst {
			return nil
		}
	}
}
