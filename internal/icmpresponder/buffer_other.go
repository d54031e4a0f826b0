//go:build !linux

package icmpresponder

import (
	"net"
	"time"
)

// enlargeBuffers sets the buffers to socketBuffer as far as the system
// allows.
func enlargeBuffers(c *net.IPConn) {
	c.SetReadBuffer(socketBuffer)
	c.SetWriteBuffer(socketBuffer)
}

// enableStamps does nothing here: arrival has no stamps to read.
func enableStamps(*net.IPConn) {}

// arrival reports no stamp: the responder reads the clock itself.
func arrival([]byte) (time.Time, bool) { return time.Time{}, false }
