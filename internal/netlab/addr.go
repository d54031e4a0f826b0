package netlab

import "net/netip"

// The lab address plan. Both ranges are reserved for exactly this kind of
// use and are not routed on the Internet: 198.18.0.0/15 for network
// benchmarking (RFC 2544), fd53:6c61:7761::/48 a unique local prefix
// (RFC 4193) whose global ID spells "Slaw".
var (
	prefix4 = netip.MustParsePrefix("198.18.0.0/15")
	prefix6 = netip.MustParsePrefix("fd53:6c61:7761::/48")
)

// subnet4 returns the host and peer addresses of the /30 numbered slot:
// .1 and .2 of the slot's four addresses. The /15 holds 32768 slots.
func subnet4(slot int) (host, peer netip.Addr) {
	b := prefix4.Addr().As4()
	off := uint32(slot%(1<<15)) * 4
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v += off
	base := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	return base.Next(), base.Next().Next()
}

// subnet6 returns ::1 and ::2 of the /64 numbered slot, the slot being the
// 16-bit subnet ID below the /48.
func subnet6(slot int) (host, peer netip.Addr) {
	b := prefix6.Addr().As16()
	b[6], b[7] = byte(slot>>8), byte(slot)
	b[15] = 1
	host = netip.AddrFrom16(b)
	return host, host.Next()
}
