package netlab

import (
	"net/netip"
	"testing"
)

func TestSubnet4(t *testing.T) {
	tests := []struct {
		slot       int
		host, peer string
	}{
		{0, "198.18.0.1", "198.18.0.2"},
		{1, "198.18.0.5", "198.18.0.6"},
		{64, "198.18.1.1", "198.18.1.2"},
		{1<<15 - 1, "198.19.255.253", "198.19.255.254"},
		{1 << 15, "198.18.0.1", "198.18.0.2"}, // wraps inside the /15
	}
	for _, tt := range tests {
		host, peer := subnet4(tt.slot)
		if host != netip.MustParseAddr(tt.host) || peer != netip.MustParseAddr(tt.peer) {
			t.Errorf("subnet4(%d) = %s, %s; want %s, %s", tt.slot, host, peer, tt.host, tt.peer)
		}
	}
}

func TestSubnet6(t *testing.T) {
	tests := []struct {
		slot       int
		host, peer string
	}{
		{0, "fd53:6c61:7761::1", "fd53:6c61:7761::2"},
		{7, "fd53:6c61:7761:7::1", "fd53:6c61:7761:7::2"},
		{0x1234, "fd53:6c61:7761:1234::1", "fd53:6c61:7761:1234::2"},
		{0x10001, "fd53:6c61:7761:1::1", "fd53:6c61:7761:1::2"},
	}
	for _, tt := range tests {
		host, peer := subnet6(tt.slot)
		if host != netip.MustParseAddr(tt.host) || peer != netip.MustParseAddr(tt.peer) {
			t.Errorf("subnet6(%d) = %s, %s; want %s, %s", tt.slot, host, peer, tt.host, tt.peer)
		}
	}
}
