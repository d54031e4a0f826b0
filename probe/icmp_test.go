package probe

import (
	"encoding/binary"
	"net/netip"
	"slices"
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
			if !controls(r.in[0].OOB[:r.in[0].NN]).hasAt {
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

// cmsg lays out one control message as the kernel does.
func cmsg(level, typ int32, data []byte) []byte {
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

// TestControls decodes a control message buffer holding another message
// first, then SCM_TIMESTAMPNS and SO_RXQ_OVFL, as the kernel lays them
// out.
func TestControls(t *testing.T) {
	ts := make([]byte, 16)
	binary.NativeEndian.PutUint64(ts, 1_800_000_000)
	binary.NativeEndian.PutUint64(ts[8:], 123_456_789)
	drops := binary.NativeEndian.AppendUint32(nil, 7)
	oob := append(cmsg(unix.IPPROTO_IP, 1, []byte{1, 2, 3}), cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, ts)...)
	oob = append(oob, cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, drops)...)
	if c := controls(oob); c != (control{at: 1_800_000_000_123_456_789, drops: 7, hasAt: true, hasDrops: true}) {
		t.Errorf("controls = %+v, want the stamp 1800000000123456789 and 7 drops", c)
	}
	short := len(oob) - unix.CmsgSpace(4) - 24 // the stamp's header cut short
	for _, bad := range [][]byte{nil, oob[:5], cmsg(unix.SOL_SOCKET, 99, ts), oob[:short]} {
		if c := controls(bad); c.hasAt || c.hasDrops {
			t.Errorf("controls(%x) = %+v, want nothing", bad, c)
		}
	}
}

// TestPingerPoll takes the replies of five loopback pings without
// blocking: Poll returns at once, with what has arrived.
func TestPingerPoll(t *testing.T) {
	p, err := ListenPinger(false, SocketAuto)
	if err != nil {
		t.Skipf("no ICMP here: %v", err)
	}
	defer p.Close()
	r := p.NewReceiver(2) // smaller than the replies: Poll reads batch after batch
	if reps, err := r.Poll(nil); err != nil || len(reps) != 0 {
		t.Fatalf("Poll of an empty socket = %v, %v; want nothing at once", reps, err)
	}
	var echoes []Echo
	for i := range 5 {
		echoes = append(echoes, Echo{Dst: p.NewDest(netip.AddrFrom4([4]byte{127, 0, 0, byte(1 + i)})), Target: uint32(i), Payload: DefaultPayloadBytes})
	}
	p.Send(echoes, func(i int, err error) { t.Errorf("send %d: %v", i, err) })
	var reps []Reply
	for deadline := time.Now().Add(5 * time.Second); len(reps) < 5 && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if reps, err = r.Poll(reps); err != nil {
			t.Fatal(err)
		}
	}
	if len(reps) != 5 || r.Drops() != 0 {
		t.Errorf("polled %d replies, %d dropped; want 5, none dropped", len(reps), r.Drops())
	}
}

// TestPingerSendStamps: on loopback the kernel stamps each request as the
// device takes it (SO_TIMESTAMPING, error queue), and PollSent names each
// stamp's probe by its token: every request of both families, each
// stamped after the time taken before its system call and before its
// reply arrived.
func TestPingerSendStamps(t *testing.T) {
	for _, tc := range []struct {
		v6    bool
		addrs []string
	}{
		{false, []string{"127.0.0.1", "127.0.0.2", "127.1.2.3", "127.0.0.5", "127.0.0.6"}},
		{true, []string{"::1", "::1"}},
	} {
		p, err := ListenPinger(tc.v6, SocketAuto)
		if err != nil {
			t.Skipf("no ICMP here: %v", err)
		}
		defer p.Close()
		if !p.SendStamps() {
			t.Skipf("this kernel gives no transmit timestamps")
		}
		var echoes []Echo
		for i, a := range tc.addrs {
			echoes = append(echoes, Echo{Dst: p.NewDest(netip.MustParseAddr(a)), Target: uint32(i), Serial: uint32(7 + i), Payload: DefaultPayloadBytes})
		}
		p.Send(echoes, func(i int, err error) { t.Errorf("send %s: %v", tc.addrs[i], err) })
		r := p.NewReceiver(2) // fewer than the stamps: PollSent reads batch after batch
		var sents []Sent
		var reps []Reply
		for deadline := time.Now().Add(5 * time.Second); (len(sents) < len(echoes) || len(reps) < len(echoes)) && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			if sents, err = r.PollSent(sents); err != nil {
				t.Fatal(err)
			}
			if reps, err = r.Poll(reps); err != nil {
				t.Fatal(err)
			}
		}
		if len(sents) != len(echoes) || len(reps) != len(echoes) {
			t.Fatalf("v6=%v: %d stamps and %d replies, want %d of each", tc.v6, len(sents), len(reps), len(echoes))
		}
		replyAt := map[uint32]int64{}
		for _, rep := range reps {
			replyAt[rep.Target] = rep.At
		}
		for _, s := range sents {
			if int(s.Target) >= len(echoes) || s.Serial != echoes[s.Target].Serial {
				t.Errorf("stamp %+v names no probe sent", s)
				continue
			}
			if e := echoes[s.Target]; s.At < e.Sent || s.At > replyAt[s.Target] {
				t.Errorf("%s: stamped at %d; want after %d (before the system call) and before the reply at %d", tc.addrs[s.Target], s.At, e.Sent, replyAt[s.Target])
			}
		}
	}
}

// TestSentStamp: an error-queue message is a send stamp only when it says
// so (origin SO_EE_ORIGIN_TIMESTAMPING, SCM_TSTAMP_SND) and carries one of
// this agent's echo requests; the token is found past any link header.
func TestSentStamp(t *testing.T) {
	pkt := make([]byte, 14+20+icmpHeader+tokenLen) // Ethernet, IPv4, ICMP, token
	icmp := pkt[14+20:]
	icmp[0] = 8
	binary.BigEndian.PutUint32(icmp[8:], tokenMagic)
	binary.BigEndian.PutUint32(icmp[12:], 41)
	binary.BigEndian.PutUint32(icmp[16:], 9)
	oob := func(origin byte, info uint32, sec int64) []byte {
		ts := make([]byte, 48)
		if sec != 0 { // else all zero: a hardware stamp alone, say
			binary.NativeEndian.PutUint64(ts, uint64(sec))
			binary.NativeEndian.PutUint64(ts[8:], 5)
		}
		ee := make([]byte, sizeofSockExtendedErr+unix.SizeofSockaddrInet4)
		binary.NativeEndian.PutUint32(ee, uint32(unix.ENOMSG))
		ee[4] = origin
		binary.NativeEndian.PutUint32(ee[8:], info)
		return append(cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPING, ts), cmsg(unix.SOL_IP, unix.IP_RECVERR, ee)...)
	}
	if s, ok := sentStamp(pkt, oob(unix.SO_EE_ORIGIN_TIMESTAMPING, tstampSnd, 3)); !ok || s != (Sent{Target: 41, Serial: 9, At: 3_000_000_005}) {
		t.Errorf("send stamp = %+v, %v; want target 41 serial 9 at 3 s + 5 ns", s, ok)
	}
	for name, o := range map[string][]byte{
		"scheduler's stamp":   oob(unix.SO_EE_ORIGIN_TIMESTAMPING, 1, 3),
		"an ICMP error":       oob(2, 0, 3),
		"no software stamp":   oob(unix.SO_EE_ORIGIN_TIMESTAMPING, tstampSnd, 0),
		"no control messages": nil,
	} {
		if s, ok := sentStamp(pkt, o); ok {
			t.Errorf("%s: read as a send stamp %+v", name, s)
		}
	}
	reply := slices.Clone(pkt)
	reply[14+20] = 0 // an echo reply, not a request
	if s, ok := sentStamp(reply, oob(unix.SO_EE_ORIGIN_TIMESTAMPING, tstampSnd, 3)); ok {
		t.Errorf("a reply's packet read as a send stamp %+v", s)
	}
}
