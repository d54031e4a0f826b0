package probe

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

// FuzzICMPParse gives the reply parser any packet, as each of the four
// sockets delivers it (raw or datagram, IPv4 or IPv6): it never panics,
// and it matches a packet only when the packet is an echo reply carrying
// a token (and, on a raw socket, this Pinger's identifier), reading the
// target and serial from the token. A request the Pinger encodes itself,
// answered as an echo reply, always matches with its own target and
// serial.
func FuzzICMPParse(f *testing.F) {
	f.Add(byte(0), []byte{}, uint32(0), uint32(0))
	f.Add(byte(1), []byte{0x45, 0, 0, 40, 0, 0, 0, 0, 64, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1}, uint32(3), uint32(7))
	f.Add(byte(2), []byte{0x4f}, uint32(1), uint32(1<<31))
	f.Add(byte(3), []byte{129, 0, 0, 0, 0x12, 0x34, 0, 1}, uint32(9), uint32(0))
	f.Fuzz(func(t *testing.T, mode byte, pkt []byte, target, serial uint32) {
		p := &Pinger{raw: mode&1 != 0, v6: mode&2 != 0, id: 0x1234}
		from := fuzzFrom(p)
		rep, ok := p.parse(pkt, from)
		if ok {
			checkParsed(t, p, pkt, rep)
		}
		// The Pinger's own request, turned into the reply a host sends.
		echo := &Echo{Target: target, Serial: serial, Payload: DefaultPayloadBytes}
		reply := make([]byte, icmpHeader+echo.Payload)
		p.encode(reply, echo)
		reply[0] = 0
		if p.v6 {
			reply[0] = 129
		}
		if p.raw && !p.v6 {
			hdr := []byte{0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1}
			reply = append(hdr, reply...)
		}
		rep, ok = p.parse(reply, from)
		if !ok || rep.Target != target || rep.Serial != serial || rep.From != netip.MustParseAddr("127.0.0.1") {
			t.Fatalf("%+v's own echo answered: %+v, %v; want target %d serial %d from 127.0.0.1", p, rep, ok, target, serial)
		}
	})
}

// fuzzFrom is the sender address each kind of socket reports.
func fuzzFrom(p *Pinger) net.Addr {
	ip := net.ParseIP("127.0.0.1")
	if p.raw {
		return &net.IPAddr{IP: ip}
	}
	return &net.UDPAddr{IP: ip}
}

// checkParsed checks a packet parse matched against what its bytes say.
func checkParsed(t *testing.T, p *Pinger, pkt []byte, rep Reply) {
	t.Helper()
	b := pkt
	if p.raw && !p.v6 {
		if len(b) < 20 || b[0]>>4 != 4 {
			t.Fatalf("matched %x, which has no IPv4 header", pkt)
		}
		b = b[int(b[0]&0x0f)*4:]
	}
	want := byte(0)
	if p.v6 {
		want = 129
	}
	switch {
	case len(b) < icmpHeader+tokenLen:
		t.Fatalf("matched %x, too short for a token", pkt)
	case b[0] != want || b[1] != 0:
		t.Fatalf("matched %x, type %d code %d, not an echo reply", pkt, b[0], b[1])
	case p.raw && binary.BigEndian.Uint16(b[4:]) != p.id:
		t.Fatalf("raw socket matched %x, another identifier", pkt)
	case binary.BigEndian.Uint32(b[8:]) != tokenMagic:
		t.Fatalf("matched %x, no token", pkt)
	case rep.Target != binary.BigEndian.Uint32(b[12:]) || rep.Serial != binary.BigEndian.Uint32(b[16:]):
		t.Fatalf("%x read as target %d serial %d", pkt, rep.Target, rep.Serial)
	case rep.From != netip.MustParseAddr("127.0.0.1"):
		t.Fatalf("%x from %s, want 127.0.0.1", pkt, rep.From)
	}
}

// FuzzSentStamp feeds the error queue's reader arbitrary packets and
// control messages: it never panics, and a stamp it accepts names the
// token that follows an echo request's type byte in the packet.
func FuzzSentStamp(f *testing.F) {
	pkt := make([]byte, 14+20+icmpHeader+tokenLen)
	pkt[14+20] = 8
	binary.BigEndian.PutUint32(pkt[14+20+8:], tokenMagic)
	ts := make([]byte, 48)
	binary.NativeEndian.PutUint64(ts, 1)
	ee := make([]byte, sizeofSockExtendedErr+16)
	ee[4] = unix.SO_EE_ORIGIN_TIMESTAMPING
	f.Add(pkt, append(cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPING, ts), cmsg(unix.SOL_IP, unix.IP_RECVERR, ee)...))
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, pkt, oob []byte) {
		s, ok := sentStamp(pkt, oob)
		if !ok {
			return
		}
		i := bytes.Index(pkt, tokenMagicBytes)
		if i < icmpHeader || binary.BigEndian.Uint32(pkt[i+4:]) != s.Target || binary.BigEndian.Uint32(pkt[i+8:]) != s.Serial || s.At == 0 {
			t.Fatalf("stamp %+v from packet % x", s, pkt)
		}
	})
}
