package probe

import (
	"net/netip"
	"testing"
	"time"
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
