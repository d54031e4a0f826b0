package icmpresponder

import (
	"net"

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
