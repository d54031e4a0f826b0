package icmpresponder

import (
	"net"
	"sync"
	"time"
)

// fakeConn stands in for the raw socket: tests push datagrams into in and
// read what the responder wrote from sent.
type fakeConn struct {
	in     chan []byte
	closed chan struct{}
	once   sync.Once

	mu   sync.Mutex
	sent []write
}

type write struct {
	at time.Time
	b  []byte
	to net.Addr
}

var fakePeer = &net.IPAddr{IP: net.IPv4(192, 0, 2, 7)}

func newFakeConn() *fakeConn {
	return &fakeConn{in: make(chan []byte, 1024), closed: make(chan struct{})}
}

func (c *fakeConn) ReadFrom(b []byte) (int, net.Addr, error) {
	select {
	case p := <-c.in:
		return copy(b, p), fakePeer, nil
	case <-c.closed:
		return 0, nil, net.ErrClosed
	}
}

func (c *fakeConn) WriteTo(b []byte, to net.Addr) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, write{at: time.Now(), b: append([]byte(nil), b...), to: to})
	return len(b), nil
}

func (c *fakeConn) writes() []write {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]write(nil), c.sent...)
}

func (c *fakeConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

func (c *fakeConn) LocalAddr() net.Addr                { return &net.IPAddr{IP: net.IPv4zero} }
func (c *fakeConn) SetDeadline(t time.Time) error      { return nil }
func (c *fakeConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *fakeConn) SetWriteDeadline(t time.Time) error { return nil }

// discardConn is a fakeConn that forgets what is written.
type discardConn struct{ *fakeConn }

func newFakeConnDiscard() discardConn { return discardConn{newFakeConn()} }

func (discardConn) WriteTo(b []byte, _ net.Addr) (int, error) { return len(b), nil }
