package probe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"golang.org/x/net/bpf"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// ICMP echo defaults and limits.
const (
	// DefaultPayloadBytes is the echo payload size when a target gives none:
	// 64 bytes, as in the Aryaka measurements.
	DefaultPayloadBytes = 64
	// MinPayloadBytes leaves room for the token that matches a reply to
	// its probe (magic, target, serial).
	MinPayloadBytes = tokenLen
	// MaxPayloadBytes keeps an echo within one Ethernet frame.
	MaxPayloadBytes = 1400

	tokenLen   = 12
	tokenMagic = 0x534c4157 // "SLAW"
	icmpHeader = 8
)

// ICMPSpec is an ICMP echo target as agent.yaml gives it.
type ICMPSpec struct {
	Host         string `yaml:"host"`          // IPv4 or IPv6 address, or a name resolved once at start-up
	PayloadBytes int    `yaml:"payload_bytes"` // echo payload size; DefaultPayloadBytes when 0
}

// Validate checks the spec without resolving anything.
func (s ICMPSpec) Validate() error {
	if s.Host == "" {
		return errors.New("host: missing")
	}
	if s.PayloadBytes != 0 && (s.PayloadBytes < MinPayloadBytes || s.PayloadBytes > MaxPayloadBytes) {
		return fmt.Errorf("payload_bytes: %d is outside %d..%d", s.PayloadBytes, MinPayloadBytes, MaxPayloadBytes)
	}
	return nil
}

// Echo is one echo request to send: the destination and what identifies
// the probe in the reply's payload.
type Echo struct {
	Dst     *Dest
	Target  uint32 // the scheduler's index of the target
	Serial  uint32 // the probe's serial number within its target
	Payload int    // payload size in bytes
	Sent    int64  // set by Send: when the request left, Unix nanoseconds
}

// A Dest is a destination address prepared once, so that sending does not
// allocate.
type Dest struct {
	Addr netip.Addr
	sa   net.Addr
}

// Reply is a matched echo reply: which target and probe it answers,
// where it came from, and when it arrived: Unix nanoseconds, stamped by
// the kernel as the packet reached the socket (SO_TIMESTAMPNS), so a
// reader late to wake does not lengthen the round trip; by the reader
// when the kernel gave no stamp.
type Reply struct {
	Target uint32
	Serial uint32
	From   netip.Addr
	At     int64
}

// A Pinger sends echo requests and reads echo replies for one address
// family over one socket shared by every ICMP target of that family.
//
// It opens a raw socket when the process may (CAP_NET_RAW), and otherwise
// an unprivileged datagram ICMP socket, which Linux allows to the groups in
// net.ipv4.ping_group_range. On a datagram socket the kernel sets the echo
// identifier itself and delivers only replies to it; on a raw socket the
// Pinger uses its own identifier and filters replies by it. Either way a
// reply is matched by the token in its payload, so sequence numbers may
// wrap freely.
type Pinger struct {
	v6   bool
	raw  bool
	tx   bool // the kernel stamps each request as it leaves (SendStamps)
	id   uint16
	pc4  *ipv4.PacketConn
	pc6  *ipv6.PacketConn
	conn net.PacketConn
	buf  []byte
	out  []ipv4.Message
	seq  uint16
}

// Socket modes for ListenPinger.
const (
	SocketAuto     = ""         // raw when permitted, else datagram
	SocketRaw      = "raw"      // raw only
	SocketDatagram = "datagram" // unprivileged datagram only
)

// ListenPinger opens the socket for IPv4 (v6 false) or IPv6, in the given
// mode (SocketAuto, SocketRaw or SocketDatagram).
func ListenPinger(v6 bool, mode string) (*Pinger, error) {
	fd, raw, err := openICMP(v6, mode)
	if err != nil {
		return nil, err
	}
	tx := txStamps(fd)
	f := os.NewFile(uintptr(fd), "icmp")
	conn, err := net.FilePacketConn(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("icmp socket: %w", err)
	}
	p := &Pinger{v6: v6, raw: raw, tx: tx, id: uint16(os.Getpid()), conn: conn}
	if v6 {
		p.pc6 = ipv6.NewPacketConn(conn)
	} else {
		p.pc4 = ipv4.NewPacketConn(conn)
	}
	if err := errors.Join(p.filterEchoReplies(), p.filterIdentifier()); err != nil {
		conn.Close()
		return nil, err
	}
	return p, nil
}

// openICMP opens a non-blocking ICMP socket: raw when permitted, else
// datagram. The error names the sysctl to change when neither is allowed.
func openICMP(v6 bool, mode string) (fd int, raw bool, err error) {
	family, proto := unix.AF_INET, unix.IPPROTO_ICMP
	if v6 {
		family, proto = unix.AF_INET6, unix.IPPROTO_ICMPV6
	}
	const flags = unix.SOCK_NONBLOCK | unix.SOCK_CLOEXEC
	rawErr := errors.New("not tried")
	if mode != SocketDatagram {
		fd, rawErr = unix.Socket(family, unix.SOCK_RAW|flags, proto)
		if rawErr == nil {
			setOptions(fd)
			return fd, true, nil
		}
	}
	dgramErr := errors.New("not tried")
	if mode != SocketRaw {
		fd, dgramErr = unix.Socket(family, unix.SOCK_DGRAM|flags, proto)
	}
	if dgramErr == nil {
		setOptions(fd)
		return fd, false, nil
	}
	return -1, false, fmt.Errorf("no permission for ICMP: raw socket: %v; datagram socket: %v "+
		"(run as root, grant CAP_NET_RAW, or add the agent's group to net.ipv4.ping_group_range)", rawErr, dgramErr)
}

// setOptions asks for a 32 MiB receive buffer and an 8 MiB send buffer:
// replies wait in the socket until the agent's next tick, and the buffer
// must hold them through a starved moment of a loaded machine (a loopback
// reply takes about 1 KiB of buffer: 32 MiB hold a third of a second at
// 100,000 a second; 8 MiB lost 7% there). The forced variant needs
// CAP_NET_ADMIN; without it the kernel's rmem_max caps the plain request,
// which is still the best available. It also asks for receive timestamps
// (SO_TIMESTAMPNS; without them, on an old kernel, the reader stamps
// replies itself) and for the count of packets the full buffer dropped
// (SO_RXQ_OVFL), so that loss there is told from loss on the path.
func setOptions(fd int) {
	for _, opt := range [][3]int{{unix.SO_RCVBUFFORCE, unix.SO_RCVBUF, 32 << 20}, {unix.SO_SNDBUFFORCE, unix.SO_SNDBUF, 8 << 20}} {
		if unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt[0], opt[2]) != nil {
			_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt[1], opt[2])
		}
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RXQ_OVFL, 1)
}

// Transmit timestamps (Documentation/networking/timestamping.rst):
// SOF_TIMESTAMPING_TX_SOFTWARE has the kernel stamp each request as the
// network device takes it, and queue the stamp, with the packet, on the
// socket's error queue; SOF_TIMESTAMPING_SOFTWARE reports it. The packet
// comes back (no OPT_TSONLY) because its token says which probe left
// then: counting requests instead (OPT_ID) would go wrong on the first
// send the kernel refuses. optRxFilter (Linux 6.12; x/sys/unix does not
// name it yet) keeps these flags from adding a second stamp to every
// reply, which SO_TIMESTAMPNS already stamps.
const (
	txStampFlags = unix.SOF_TIMESTAMPING_TX_SOFTWARE | unix.SOF_TIMESTAMPING_SOFTWARE
	optRxFilter  = 1 << 17 // SOF_TIMESTAMPING_OPT_RX_FILTER
	tstampSnd    = 0       // SCM_TSTAMP_SND: ee_info of a device's transmit stamp

	sizeofSockExtendedErr = 16 // struct sock_extended_err: errno, origin, type, code, pad, info, data
)

// txStamps asks for transmit timestamps and reports whether the kernel
// will give them: with the receive filter, or, on a kernel before 6.12,
// without it.
func txStamps(fd int) bool {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPING, txStampFlags|optRxFilter) == nil ||
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPING, txStampFlags) == nil
}

// filterEchoReplies makes a raw socket deliver only echo replies, so the
// agent is not woken by every other ICMP message the host receives
// (including its own requests when it pings loopback).
func (p *Pinger) filterEchoReplies() error {
	if !p.raw {
		return nil
	}
	if p.v6 {
		var f ipv6.ICMPFilter
		f.SetAll(true)
		f.Accept(ipv6.ICMPTypeEchoReply)
		return p.pc6.SetICMPFilter(&f)
	}
	var f ipv4.ICMPFilter
	f.SetAll(true)
	f.Accept(ipv4.ICMPTypeEchoReply)
	return p.pc4.SetICMPFilter(&f)
}

// filterIdentifier attaches a socket filter passing only echo replies
// carrying this Pinger's identifier. Without it, a raw socket wakes the
// agent for every echo reply the host receives: another program pinging
// flat out on the same host would take the agent's CPU.
func (p *Pinger) filterIdentifier() error {
	if !p.raw {
		return nil
	}
	reply := uint32(0)
	var prog []bpf.Instruction
	if p.v6 {
		reply = 129
		prog = append(prog, bpf.LoadConstant{Dst: bpf.RegX, Val: 0})
	} else { // skip the IPv4 header: X = 4 * IHL
		prog = append(prog, bpf.LoadMemShift{Off: 0})
	}
	prog = append(prog,
		bpf.LoadIndirect{Off: 0, Size: 1},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: reply, SkipTrue: 3},
		bpf.LoadIndirect{Off: 4, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: uint32(p.id), SkipTrue: 1},
		bpf.RetConstant{Val: 1 << 16},
		bpf.RetConstant{Val: 0},
	)
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return err
	}
	if p.v6 {
		return p.pc6.SetBPF(raw)
	}
	return p.pc4.SetBPF(raw)
}

// SendStamps reports whether the kernel stamps each request as it leaves
// (Receiver.PollSent reads the stamps). Without them a request's Sent,
// the time just before its system call, is its only send time.
func (p *Pinger) SendStamps() bool { return p.tx }

// StopSendStamps turns the kernel's transmit stamps off, before the
// first NewReceiver: each request is then timed from just before its
// system call. The stamps cost the kernel a copy of each request on the
// error queue, and the reader a read of it.
func (p *Pinger) StopSendStamps() {
	if !p.tx {
		return
	}
	if sc, ok := p.conn.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			rc.Control(func(fd uintptr) { _ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPING, 0) })
		}
	}
	p.tx = false
}

// Privileged reports whether the Pinger uses a raw socket.
func (p *Pinger) Privileged() bool { return p.raw }

// Close closes the socket; a blocked Read returns an error.
func (p *Pinger) Close() error { return p.conn.Close() }

// NewDest prepares a destination of this Pinger's family.
func (p *Pinger) NewDest(a netip.Addr) *Dest {
	ip := net.IP(a.AsSlice())
	if p.raw {
		return &Dest{Addr: a, sa: &net.IPAddr{IP: ip, Zone: a.Zone()}}
	}
	return &Dest{Addr: a, sa: &net.UDPAddr{IP: ip, Zone: a.Zone()}}
}

// sendChunk is the most requests sent by one system call. Each request
// is stamped with the time before its call, which may be that much early:
// a call takes 1 to 5 µs a request (on loopback it also runs the kernel's
// echo reply), so a round trip is at most 16 × 5 µs too long. Stamps
// spread over the call would be closer on average, but could put a request
// after its own reply. Calls of 16 rather than of a thousand cost little.
const sendChunk = 16

// Send sends the echo requests in few system calls and sets each one's
// Sent. A request that fails is reported to fail with its index; the
// others are still sent.
func (p *Pinger) Send(echoes []Echo, fail func(i int, err error)) {
	p.build(echoes)
	for i := 0; i < len(p.out); {
		at := time.Now().UnixNano()
		n, err := p.writeBatch(p.out[i:min(i+sendChunk, len(p.out))])
		for k := i; k < i+n; k++ {
			echoes[k].Sent = at
		}
		i += n
		if err == nil && n == 0 {
			err = errors.New("sendmmsg sent nothing")
		}
		if err != nil && i < len(p.out) {
			fail(i, unwrapOp(err))
			i++
		}
	}
}

func (p *Pinger) writeBatch(ms []ipv4.Message) (int, error) {
	if p.v6 {
		return p.pc6.WriteBatch(ms, 0)
	}
	return p.pc4.WriteBatch(ms, 0)
}

// build lays the echo requests out in p.buf and points p.out at them.
func (p *Pinger) build(echoes []Echo) {
	size := 0
	for i := range echoes {
		size += icmpHeader + echoes[i].Payload
	}
	if cap(p.buf) < size {
		p.buf = make([]byte, size)
	}
	buf := p.buf[:size]
	p.out = p.out[:0]
	for i := range echoes {
		e := &echoes[i]
		pkt := buf[:icmpHeader+e.Payload]
		buf = buf[len(pkt):]
		p.seq++
		p.encode(pkt, e)
		p.out = append(p.out, ipv4.Message{Buffers: [][]byte{pkt}, Addr: e.Dst.sa})
	}
}

// encode writes an echo request: header, token, zero padding.
func (p *Pinger) encode(pkt []byte, e *Echo) {
	typ := byte(8) // ICMPv4 echo request
	if p.v6 {
		typ = 128
	}
	pkt[0], pkt[1], pkt[2], pkt[3] = typ, 0, 0, 0
	binary.BigEndian.PutUint16(pkt[4:], p.id)
	binary.BigEndian.PutUint16(pkt[6:], p.seq)
	binary.BigEndian.PutUint32(pkt[8:], tokenMagic)
	binary.BigEndian.PutUint32(pkt[12:], e.Target)
	binary.BigEndian.PutUint32(pkt[16:], e.Serial)
	clear(pkt[icmpHeader+tokenLen:])
	if !p.v6 { // the kernel computes ICMPv6 checksums, and those of datagram sockets
		binary.BigEndian.PutUint16(pkt[2:], checksum(pkt))
	}
}

// checksum is the Internet checksum (RFC 1071).
func checksum(b []byte) uint16 {
	var s uint32
	for ; len(b) >= 2; b = b[2:] {
		s += uint32(b[0])<<8 | uint32(b[1])
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// A Receiver reads echo replies from a Pinger. It is used by one
// goroutine at a time.
type Receiver struct {
	p     *Pinger
	in    []ipv4.Message
	buf   []byte
	drops uint32
	errq  *errQueue // the reader of transmit stamps, when the Pinger has them
}

// oobLen holds the control messages asked for: a timestamp, a drop count,
// the transmit stamps' struct scm_timestamping (three timespecs, on a
// kernel that adds it to replies too), and room for one more.
var oobLen = 2*unix.CmsgSpace(16) + unix.CmsgSpace(48) + unix.CmsgSpace(4)

// A transmit stamp comes back with the request as it left: its link and
// IP headers, the ICMP header and the token (errLen holds IPv6 with
// extension headers too), a struct scm_timestamping and the struct
// sock_extended_err of IP_RECVERR, followed by an address (errOOBLen).
var (
	errLen    = 256
	errOOBLen = unix.CmsgSpace(48) + unix.CmsgSpace(sizeofSockExtendedErr+unix.SizeofSockaddrInet6) + unix.CmsgSpace(16)
)

// tokenMagicBytes is tokenMagic as it is sent, to look for in a packet.
var tokenMagicBytes = binary.BigEndian.AppendUint32(nil, tokenMagic)

// Sent is the kernel's stamp of an echo request leaving: Unix
// nanoseconds, taken as the network device took the packet.
type Sent struct {
	Target uint32
	Serial uint32
	At     int64
}

// NewReceiver prepares to read up to batch replies per system call.
func (p *Pinger) NewReceiver(batch int) *Receiver {
	const mtu = 1500
	r := &Receiver{p: p, in: make([]ipv4.Message, batch), buf: make([]byte, batch*(mtu+oobLen))}
	for i := range r.in {
		b := r.buf[i*(mtu+oobLen):]
		r.in[i].Buffers = [][]byte{b[:mtu]}
		r.in[i].OOB = b[mtu : mtu+oobLen]
	}
	if p.tx {
		r.errq = newErrQueue(p.conn, batch)
	}
	return r
}

// PollSent appends the transmit stamps waiting in the socket's error
// queue to out, without blocking; without SendStamps it has none. Read
// them before the replies: a reply then finds its request's stamp taken.
func (r *Receiver) PollSent(out []Sent) ([]Sent, error) {
	for r.errq != nil {
		n, err := r.errq.read()
		if errors.Is(err, unix.EAGAIN) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		for i := range n {
			if st, ok := sentStamp(r.errq.message(i)); ok {
				out = append(out, st)
			}
		}
		if n < len(r.errq.hs) {
			return out, nil
		}
	}
	return out, nil
}

// sentStamp reads one message of the error queue: a device's transmit
// stamp of one of this agent's requests, or nothing. The request is
// found by its token rather than at an offset, which depends on the
// device's link header and on the IP header's options.
func sentStamp(pkt, oob []byte) (Sent, bool) {
	c := controls(oob)
	if !c.hasTx || !c.txSnd {
		return Sent{}, false
	}
	i := bytes.Index(pkt, tokenMagicBytes)
	if i < icmpHeader || len(pkt) < i+tokenLen || (pkt[i-icmpHeader] != 8 && pkt[i-icmpHeader] != 128) {
		return Sent{}, false
	}
	return Sent{Target: binary.BigEndian.Uint32(pkt[i+4:]), Serial: binary.BigEndian.Uint32(pkt[i+8:]), At: c.txAt}, true
}

// Read blocks until at least one packet arrives, then appends the echo
// replies that answer this agent's probes to out. Other packets (another
// program's pings, a reply to a different identifier) are dropped.
// With SendStamps, PollSent must be called too (or StopSendStamps before):
// the error queue's stamps share the socket's receive buffer, and unread
// ones would leave replies no room.
func (r *Receiver) Read(out []Reply) ([]Reply, error) {
	out, _, err := r.readBatch(out, 0)
	return out, err
}

// Poll appends every reply waiting in the socket to out, without
// blocking: the agent's loop takes its replies on its own tick, their
// arrival times being the kernel's.
func (r *Receiver) Poll(out []Reply) ([]Reply, error) {
	for {
		var n int
		var err error
		out, n, err = r.readBatch(out, unix.MSG_DONTWAIT)
		if errors.Is(err, unix.EAGAIN) {
			return out, nil
		}
		if err != nil || n < len(r.in) {
			return out, err
		}
	}
}

// Drops is the number of packets the socket's full receive buffer has
// dropped, as the kernel last told (SO_RXQ_OVFL, with a packet read).
func (r *Receiver) Drops() uint32 { return r.drops }

// readBatch reads one batch of packets: the replies among them appended
// to out, and the number of packets.
func (r *Receiver) readBatch(out []Reply, flags int) ([]Reply, int, error) {
	var n int
	var err error
	if r.p.v6 {
		n, err = r.p.pc6.ReadBatch(r.in, flags)
	} else {
		n, err = r.p.pc4.ReadBatch(r.in, flags)
	}
	if err != nil {
		return out, 0, unwrapOp(err)
	}
	now := time.Now().UnixNano()
	for i := range r.in[:n] {
		m := &r.in[i]
		c := controls(m.OOB[:m.NN])
		if c.hasDrops {
			r.drops = c.drops
		}
		if rep, ok := r.p.parse(m.Buffers[0][:m.N], m.Addr); ok {
			rep.At = now
			if c.hasAt {
				rep.At = c.at
			}
			out = append(out, rep)
		}
	}
	return out, n, nil
}

// control is what a packet's control messages tell.
type control struct {
	at       int64  // SO_TIMESTAMPNS: Unix nanoseconds
	drops    uint32 // SO_RXQ_OVFL: the socket's drops so far
	txAt     int64  // SCM_TIMESTAMPING's software stamp: Unix nanoseconds
	hasAt    bool
	hasDrops bool
	hasTx    bool
	txSnd    bool // IP_RECVERR or IPV6_RECVERR says it is a device's transmit stamp
}

// controls reads a packet's control messages: the SO_TIMESTAMPNS stamp,
// a struct timespec of two native words (seconds, nanoseconds), the
// SO_RXQ_OVFL count, a native uint32, and, on the error queue, the
// SCM_TIMESTAMPING stamps (the first timespec of three is software's) and
// the struct sock_extended_err saying what they are.
func controls(oob []byte) control {
	var c control
	for len(oob) >= unix.SizeofCmsghdr {
		n := cmsgLen(oob)
		if n < unix.SizeofCmsghdr || n > len(oob) {
			return c
		}
		level := int32(binary.NativeEndian.Uint32(oob[unix.SizeofCmsghdr-8:]))
		typ := int32(binary.NativeEndian.Uint32(oob[unix.SizeofCmsghdr-4:]))
		data := oob[unix.CmsgLen(0):n]
		switch {
		case level == unix.SOL_IP && typ == unix.IP_RECVERR, level == unix.SOL_IPV6 && typ == unix.IPV6_RECVERR:
			c.txSnd = len(data) >= sizeofSockExtendedErr && data[4] == unix.SO_EE_ORIGIN_TIMESTAMPING &&
				binary.NativeEndian.Uint32(data[8:]) == tstampSnd
		case level != unix.SOL_SOCKET:
		case typ == unix.SCM_TIMESTAMPING && len(data) >= 16:
			c.txAt, c.hasTx = timespec(data[:16])
			c.hasTx = c.hasTx && c.txAt != 0
		case typ == unix.SCM_TIMESTAMPNS:
			c.at, c.hasAt = timespec(data)
		case typ == unix.SO_RXQ_OVFL && len(data) == 4:
			c.drops, c.hasDrops = binary.NativeEndian.Uint32(data), true
		}
		oob = oob[min(len(oob), unix.CmsgSpace(n-unix.CmsgLen(0))):]
	}
	return c
}

// cmsgLen reads a control message header's length, a native word.
func cmsgLen(b []byte) int {
	if unix.SizeofCmsghdr == 16 {
		return int(binary.NativeEndian.Uint64(b))
	}
	return int(binary.NativeEndian.Uint32(b))
}

// timespec decodes a struct timespec of 64- or 32-bit words.
func timespec(b []byte) (int64, bool) {
	switch len(b) {
	case 16:
		return int64(binary.NativeEndian.Uint64(b))*1e9 + int64(binary.NativeEndian.Uint64(b[8:])), true
	case 8:
		return int64(int32(binary.NativeEndian.Uint32(b)))*1e9 + int64(int32(binary.NativeEndian.Uint32(b[4:]))), true
	}
	return 0, false
}

// parse matches one received packet to a probe.
func (p *Pinger) parse(b []byte, from net.Addr) (Reply, bool) {
	if p.raw && !p.v6 { // raw IPv4 sockets deliver the IP header too
		if len(b) < 20 || b[0]>>4 != 4 {
			return Reply{}, false
		}
		hl := int(b[0]&0x0f) * 4
		if len(b) < hl {
			return Reply{}, false
		}
		b = b[hl:]
	}
	want := byte(0)
	if p.v6 {
		want = 129
	}
	if len(b) < icmpHeader+tokenLen || b[0] != want || b[1] != 0 {
		return Reply{}, false
	}
	if p.raw && binary.BigEndian.Uint16(b[4:]) != p.id {
		return Reply{}, false
	}
	if binary.BigEndian.Uint32(b[8:]) != tokenMagic {
		return Reply{}, false
	}
	return Reply{
		Target: binary.BigEndian.Uint32(b[12:]),
		Serial: binary.BigEndian.Uint32(b[16:]),
		From:   addrOf(from),
	}, true
}

func addrOf(a net.Addr) netip.Addr {
	var ip net.IP
	switch a := a.(type) {
	case *net.IPAddr:
		ip = a.IP
	case *net.UDPAddr:
		ip = a.IP
	}
	addr, _ := netip.AddrFromSlice(ip)
	return addr.Unmap()
}

// unwrapOp strips net.OpError so a per-target log line reads
// "network is unreachable", not the socket's whole description.
func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Err
	}
	return err
}
