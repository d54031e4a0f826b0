package icmpresponder

import (
	"context"
	"net"
	"sync/atomic"
	"time"
)

// queueLen bounds the replies waiting for their delay: 65536 is over
// three seconds at 20,000 requests a second.
const queueLen = 1 << 16

// A delayQueue sends replies when they are due, in the order they were
// pushed, from one goroutine: at high rates a timer or goroutine per reply
// would cost more than the replies. A reply not delayed goes out at once,
// from the pushing goroutine, unless earlier replies still wait.
type delayQueue struct {
	send    func(b []byte, to net.Addr, arrived time.Time)
	drop    func(n uint64) uint64 // counts replies the queue gave up
	queue   chan delayed
	pending atomic.Int64 // pushed and not yet sent or dropped
}

type delayed struct {
	due, arrived time.Time
	b            []byte
	to           net.Addr
}

func newDelayQueue(send func([]byte, net.Addr, time.Time), drop func(uint64) uint64) *delayQueue {
	return &delayQueue{send: send, drop: drop, queue: make(chan delayed, queueLen)}
}

// push sends b to to at now+d, now being when its request arrived. It is called from one goroutine only,
// which makes the check of pending safe: when it reads zero, every
// earlier reply is out and sending at once keeps the order.
func (q *delayQueue) push(now time.Time, d time.Duration, b []byte, to net.Addr) {
	if d <= 0 && q.pending.Load() == 0 {
		q.send(b, to, now)
		return
	}
	q.pending.Add(1)
	select {
	case q.queue <- delayed{due: now.Add(d), arrived: now, b: b, to: to}:
	default:
		q.pending.Add(-1)
		q.drop(1)
	}
}

// run sends queued replies as they fall due, until ctx is done. What is
// left is for discard, once nothing pushes any more.
func (q *delayQueue) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-q.queue:
			if !sleepUntil(ctx, timer, r.due) {
				q.pending.Add(-1)
				q.drop(1)
				return
			}
			q.send(r.b, r.to, r.arrived)
			q.pending.Add(-1)
		}
	}
}

// discard drops the replies still queued.
func (q *delayQueue) discard() {
	for {
		select {
		case <-q.queue:
			q.pending.Add(-1)
			q.drop(1)
		default:
			return
		}
	}
}

// sleepUntil waits for t and reports whether ctx let it.
func sleepUntil(ctx context.Context, timer *time.Timer, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	timer.Reset(d)
	select {
	case <-ctx.Done():
		timer.Stop()
		return false
	case <-timer.C:
		return true
	}
}
