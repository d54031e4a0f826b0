package icmpresponder

import (
	"encoding/binary"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// enlargeBuffers sets the buffers to socketBuffer, past rmem_max and
// wmem_max if the process may (CAP_NET_ADMIN), else as far as they allow.
func enlargeBuffers(c *net.IPConn) {
	if raw, err := c.SyscallConn(); err == nil {
		var forced bool
		raw.Control(func(fd uintptr) {
			forced = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, socketBuffer) == nil &&
				unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, socketBuffer) == nil
		})
		if forced {
			return
		}
	}
	c.SetReadBuffer(socketBuffer)
	c.SetWriteBuffer(socketBuffer)
}

// enableStamps asks the kernel to stamp each request's arrival
// (SO_TIMESTAMPNS), which arrival reads.
func enableStamps(c *net.IPConn) {
	if raw, err := c.SyscallConn(); err == nil {
		raw.Control(func(fd uintptr) { _ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1) })
	}
}

// arrival reads the SO_TIMESTAMPNS stamp from a packet's control
// messages.
func arrival(oob []byte) (time.Time, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Time{}, false
	}
	for _, m := range msgs {
		if m.Header.Level != unix.SOL_SOCKET || m.Header.Type != unix.SCM_TIMESTAMPNS {
			continue
		}
		switch d := m.Data; len(d) { // struct timespec of native words
		case 16:
			return time.Unix(int64(binary.NativeEndian.Uint64(d)), int64(binary.NativeEndian.Uint64(d[8:]))), true
		case 8:
			return time.Unix(int64(int32(binary.NativeEndian.Uint32(d))), int64(int32(binary.NativeEndian.Uint32(d[4:])))), true
		}
	}
	return time.Time{}, false
}
