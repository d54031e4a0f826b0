// Package icmpresponder answers ICMP echo requests from userspace, losing
// and delaying replies as a test tells it to.
//
// It is the far end of a probe's accuracy test: run inside a netlab
// namespace whose kernel no longer answers pings
// (net.ipv4.icmp_echo_ignore_all=1, net.ipv6.icmp.echo_ignore_all=1), it
// makes the path's loss and latency exact and known, which no real
// network is. Loss is deterministic (SetLoss drops exactly floor(n*share)
// of any first n requests), so tests assert counts, not rates.
//
// A Responder reads every echo request that reaches its raw socket: bound
// to the wildcard address it answers for every address of the namespace.
// If the kernel still answers too, the requester gets two replies. Its
// counters see only what the kernel delivered to the socket; Listen asks
// for a 4 MiB receive buffer so that bursts are not lost before that.
package icmpresponder

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/icmp"
)

// A DropFunc decides whether to drop an echo request, given the time it
// was read and its identifier, sequence number and payload. The payload is
// only valid during the call. It is called from one goroutine at a time.
type DropFunc func(now time.Time, id, seq int, payload []byte) bool

// A ReplyFunc is told of each reply sent: when its request arrived (the
// kernel's receive stamp where the socket gives one, else when it was
// read), the time just before the reply was handed to the socket, and the
// echo payload, valid only during the call. A test takes the responder's
// own lateness out of a round trip with it. It is called from the
// goroutine that sends the reply.
type ReplyFunc func(arrived, sent time.Time, payload []byte)

// Stats counts a responder's work. Every request is eventually replied,
// dropped or failed; until then it is waiting in the delay queue.
type Stats struct {
	Requests uint64 // echo requests read
	Replied  uint64 // echo replies sent
	Dropped  uint64 // requests left unanswered on purpose, or on a full delay queue or a stop
	Failed   uint64 // replies the socket refused to send
}

// A Responder answers echo requests read from one raw ICMP socket. Its
// settings may be changed at any time, also while it serves.
type Responder struct {
	conn net.PacketConn
	fam  family

	silent atomic.Bool
	delay  atomic.Int64 // time.Duration
	drop   atomic.Pointer[DropFunc]
	reply  atomic.Pointer[ReplyFunc]
	loss   loss

	delayed *delayQueue
	serving atomic.Bool

	requests, replied, dropped, failed atomic.Uint64
}

// Listen opens a raw ICMP socket, network being "ip4:icmp" or
// "ip6:ipv6-icmp", on addr ("0.0.0.0", "::" or one local address). It
// needs root or CAP_NET_RAW in the socket's namespace.
func Listen(network, addr string) (*Responder, error) {
	fam, err := familyOf(network)
	if err != nil {
		return nil, err
	}
	c, err := net.ListenPacket(network, addr)
	if err != nil {
		return nil, fmt.Errorf("icmpresponder: listen %s %s: %w", network, addr, err)
	}
	if err := fam.acceptOnlyRequests(c); err != nil {
		c.Close()
		return nil, fmt.Errorf("icmpresponder: icmp filter: %w", err)
	}
	if ipc, ok := c.(*net.IPConn); ok {
		enlargeBuffers(ipc)
		enableStamps(ipc)
	}
	return newResponder(c, fam), nil
}

// socketBuffer is the receive and send buffer Listen asks for. A raw
// socket's default (rmem_default, 208 KiB) holds only 256 echo requests,
// so a burst of a pinger at full speed would be lost in the kernel
// before the responder could count it.
const socketBuffer = 4 << 20

func newResponder(c net.PacketConn, fam family) *Responder {
	r := &Responder{conn: c, fam: fam}
	r.delayed = newDelayQueue(r.write, r.dropped.Add)
	return r
}

// Addr returns the socket's local address.
func (r *Responder) Addr() net.Addr { return r.conn.LocalAddr() }

// Close closes the socket, which ends Serve.
func (r *Responder) Close() error { return r.conn.Close() }

// Serve answers requests until ctx is done or the responder is closed,
// then closes it and returns nil. Replies still waiting for their delay
// are dropped. It returns an error if reading fails otherwise, and may be
// called only once.
func (r *Responder) Serve(ctx context.Context) error {
	if !r.serving.CompareAndSwap(false, true) {
		return errors.New("icmpresponder: Serve called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { r.conn.Close() })
	defer stop()
	var wg sync.WaitGroup
	wg.Go(func() { r.delayed.run(ctx) })
	err := r.receive()
	r.conn.Close()
	cancel()
	wg.Wait()
	r.delayed.discard()
	return err
}

// receive reads and answers requests until the socket is closed. A
// request's time is the kernel's stamp of its arrival where the socket
// gives one (a raw socket on Linux), so that neither the delay nor a
// DropFunc's reading of the time includes the responder's lateness in
// reading it.
func (r *Responder) receive() error {
	buf := make([]byte, 1<<16)
	ipc, _ := r.conn.(*net.IPConn)
	oob := make([]byte, 128)
	for {
		var n, oobn int
		var from net.Addr
		var err error
		if ipc != nil {
			var a *net.IPAddr
			n, oobn, _, a, err = ipc.ReadMsgIP(buf, oob)
			if a != nil {
				from = a
			}
		} else {
			n, from, err = r.conn.ReadFrom(buf)
		}
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("icmpresponder: read: %w", err)
		}
		now, ok := arrival(oob[:oobn])
		if !ok {
			now = time.Now()
		}
		b := buf[:n]
		if ipc != nil && r.fam.proto == icmp4.proto {
			b = stripIPv4Header(b) // ReadFrom strips it; ReadMsgIP does not
		}
		r.handle(now, b, from)
	}
}

// handle answers one datagram, if it is an echo request and not dropped.
func (r *Responder) handle(now time.Time, b []byte, from net.Addr) {
	echo, ok := r.fam.parseRequest(b)
	if !ok {
		return
	}
	r.requests.Add(1)
	if r.drops(now, echo) {
		r.dropped.Add(1)
		return
	}
	reply, err := r.fam.marshalReply(echo)
	if err != nil {
		r.failed.Add(1)
		return
	}
	r.delayed.push(now, time.Duration(r.delay.Load()), reply, from)
}

// drops applies the settings in order: silence, the drop func, the loss
// share. Requests dropped by the first two do not count towards the loss.
func (r *Responder) drops(now time.Time, echo *icmp.Echo) bool {
	if r.silent.Load() {
		return true
	}
	if f := r.drop.Load(); f != nil && (*f)(now, echo.ID, echo.Seq, echo.Data) {
		return true
	}
	return r.loss.drop()
}

// stripIPv4Header returns the payload of an IPv4 packet, as
// net.IPConn's ReadFrom does.
func stripIPv4Header(b []byte) []byte {
	if len(b) < 20 || b[0]>>4 != 4 {
		return b
	}
	hl := int(b[0]&0x0f) * 4
	if hl < 20 || hl > len(b) {
		return b
	}
	return b[hl:]
}

// write sends one reply to a request that arrived at arrived and counts
// the outcome.
func (r *Responder) write(b []byte, to net.Addr, arrived time.Time) {
	sent := time.Now()
	if _, err := r.conn.WriteTo(b, to); err != nil {
		r.failed.Add(1)
		return
	}
	r.replied.Add(1)
	if f := r.reply.Load(); f != nil && len(b) >= 8 {
		(*f)(arrived, sent, b[8:]) // the payload follows the ICMP header
	}
}

// SetLoss makes the responder drop the share (0 to 1) of the requests
// that follow, deterministically: of the first n requests after the call,
// exactly floor(n*share) are dropped, for every n. The share is taken as
// the simplest fraction within 1e-12 of it, so SetLoss(0.29) drops 29 of
// every 100 and SetLoss(1.0/3) one of every 3. Values outside 0 to 1 are
// clamped.
func (r *Responder) SetLoss(share float64) { r.loss.set(share) }

// SetDelay delays every later reply by d. Replies leave in the order their
// requests came: after a decrease, a reply still waits for those before it.
func (r *Responder) SetDelay(d time.Duration) { r.delay.Store(int64(d)) }

// SetSilent makes the responder drop every request while silent is true.
func (r *Responder) SetSilent(silent bool) { r.silent.Store(silent) }

// SetDropFunc installs f to drop chosen requests; nil removes it.
func (r *Responder) SetDropFunc(f DropFunc) {
	if f == nil {
		r.drop.Store(nil)
		return
	}
	r.drop.Store(&f)
}

// SetReplyFunc installs f to be told of every reply sent; nil removes it.
func (r *Responder) SetReplyFunc(f ReplyFunc) {
	if f == nil {
		r.reply.Store(nil)
		return
	}
	r.reply.Store(&f)
}

// Stats returns the counters so far.
func (r *Responder) Stats() Stats {
	return Stats{
		Requests: r.requests.Load(),
		Replied:  r.replied.Load(),
		Dropped:  r.dropped.Load(),
		Failed:   r.failed.Load(),
	}
}
