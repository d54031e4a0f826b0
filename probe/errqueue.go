package probe

import (
	"errors"
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// errQueue reads a socket's error queue, where the kernel puts its
// transmit stamps, with recvmmsg(2) itself. x/net's ReadBatch cannot: it
// fails a batch at its first message without a source address, and no
// stamp has one; one recvmsg a stamp would add a system call for every
// probe of a busy agent. The one use of unsafe is the system call's
// argument, the conversion rule 4 of package unsafe allows; the headers
// point at the buffers through typed pointers.
type errQueue struct {
	rc   syscall.RawConn
	hs   []mmsghdr
	iovs []unix.Iovec
	buf  []byte // errLen bytes of packet, then errOOBLen of control messages, a message
}

// mmsghdr is struct mmsghdr: the message and the length received. Go
// pads it as C does (to 64 bytes on 64-bit Linux).
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

func newErrQueue(conn net.PacketConn, batch int) *errQueue {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	q := &errQueue{rc: rc, hs: make([]mmsghdr, batch), iovs: make([]unix.Iovec, batch), buf: make([]byte, batch*(errLen+errOOBLen))}
	for i := range q.hs {
		b := q.buf[i*(errLen+errOOBLen):]
		q.iovs[i].Base = &b[0]
		q.iovs[i].SetLen(errLen)
		q.hs[i].hdr = unix.Msghdr{Iov: &q.iovs[i], Iovlen: 1, Control: &b[errLen]}
	}
	return q
}

// read reads up to a batch of messages, without blocking: EAGAIN when
// there are none.
func (q *errQueue) read() (int, error) {
	for i := range q.hs { // what the kernel wrote back last time
		q.hs[i].hdr.SetControllen(errOOBLen)
		q.hs[i].hdr.Flags, q.hs[i].n = 0, 0
	}
	var n uintptr
	var errno syscall.Errno
	err := q.rc.Read(func(fd uintptr) bool {
		n, _, errno = unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&q.hs[0])), uintptr(len(q.hs)),
			unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT, 0, 0)
		return true // never wait: the caller polls
	})
	if err != nil {
		return 0, unwrapOp(err)
	}
	if errno != 0 {
		return 0, errno
	}
	if int(n) > len(q.hs) {
		return 0, errors.New("recvmmsg: more messages than asked for")
	}
	return int(n), nil
}

// message returns message i of the last read: the packet and the control
// messages.
func (q *errQueue) message(i int) (pkt, oob []byte) {
	b := q.buf[i*(errLen+errOOBLen):]
	h := &q.hs[i]
	return b[:min(int(h.n), errLen)], b[errLen : errLen+min(int(h.hdr.Controllen), errOOBLen)]
}
