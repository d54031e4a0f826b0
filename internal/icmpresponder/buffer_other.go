//go:build !linux

package icmpresponder

import "net"

// enlargeBuffers sets the buffers to socketBuffer as far as the system
// allows.
func enlargeBuffers(c *net.IPConn) {
	c.SetReadBuffer(socketBuffer)
	c.SetWriteBuffer(socketBuffer)
}
