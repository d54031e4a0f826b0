package probe

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestPingerLoopback pings five loopback addresses (IPv4) and ::1 and
// checks each reply names its target, serial and sender.
func TestPingerLoopback(t *testing.T) {
	for _, tc := range []struct {
		v6    bool
		addrs []string
	}{
		{false, []string{"127.0.0.1", "127.0.0.2", "127.1.2.3", "127.255.0.9", "127.0.0.5"}},
		{true, []string{"::1"}},
	} {
		p, err := ListenPinger(tc.v6, SocketAuto)
		if err != nil {
			t.Skipf("no ICMP here: %v", err)
		}
		defer p.Close()
		var echoes []Echo
		for i, a := range tc.addrs {
			echoes = append(echoes, Echo{Dst: p.NewDest(netip.MustParseAddr(a)), Target: uint32(i), Serial: uint32(100 + i), Payload: DefaultPayloadBytes})
		}
		p.Send(echoes, func(i int, err error) { t.Errorf("send %s: %v", tc.addrs[i], err) })
		got := map[uint32]Reply{}
		r := p.NewReceiver(8)
		deadline := time.Now().Add(5 * time.Second)
		for len(got) < len(tc.addrs) && time.Now().Before(deadline) {
			p.conn.SetReadDeadline(deadline)
			reps, err := r.Read(nil)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			for _, rep := range reps {
				got[rep.Target] = rep
			}
			if _, ok := rxTime(r.in[0].OOB[:r.in[0].NN]); !ok {
				t.Errorf("no kernel receive timestamp (SO_TIMESTAMPNS)")
			}
		}
		for i, a := range tc.addrs {
			rep, ok := got[uint32(i)]
			if !ok {
				t.Errorf("%s: no reply", a)
				continue
			}
			if rep.Serial != uint32(100+i) || rep.From != netip.MustParseAddr(a) {
				t.Errorf("%s: reply %+v, want serial %d from %s", a, rep, 100+i, a)
			}
			if sent := echoes[i].Sent; sent == 0 || rep.At < sent || rep.At > time.Now().UnixNano() {
				t.Errorf("%s: sent at %d, reply at %d: want a reply after its request, before now", a, sent, rep.At)
			}
		}
	}
}

func TestChecksum(t *testing.T) {
	// RFC 1071's example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, so the
	// checksum is its complement 220d.
	if got := checksum([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}); got != 0x220d {
		t.Errorf("checksum = %#04x, want 0x220d", got)
	}
}

// TestRxTime decodes a control message buffer holding another message
// first, then SCM_TIMESTAMPNS, as the kernel lays them out.
func TestRxTime(t *testing.T) {
	cmsg := func(level, typ int32, data []byte) []byte {
		b := make([]byte, unix.CmsgSpace(len(data)))
		if unix.SizeofCmsghdr == 16 {
			binary.NativeEndian.PutUint64(b, uint64(unix.CmsgLen(len(data))))
		} else {
			binary.NativeEndian.PutUint32(b, uint32(unix.CmsgLen(len(data))))
		}
		binary.NativeEndian.PutUint32(b[unix.SizeofCmsghdr-8:], uint32(level))
		binary.NativeEndian.PutUint32(b[unix.SizeofCmsghdr-4:], uint32(typ))
		copy(b[unix.CmsgLen(0):], data)
		return b
	}
	ts := make([]byte, 16)
	binary.NativeEndian.PutUint64(ts, 1_800_000_000)
	binary.NativeEndian.PutUint64(ts[8:], 123_456_789)
	oob := append(cmsg(unix.IPPROTO_IP, 1, []byte{1, 2, 3}), cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, ts)...)
	if at, ok := rxTime(oob); !ok || at != 1_800_000_000_123_456_789 {
		t.Errorf("rxTime = %d, %v; want 1800000000123456789, true", at, ok)
	}
	for _, bad := range [][]byte{nil, oob[:5], cmsg(unix.SOL_SOCKET, 99, ts), oob[:len(oob)-24]} {
		if at, ok := rxTime(bad); ok {
			t.Errorf("rxTime(%x) = %d, want none", bad, at)
		}
	}
}
