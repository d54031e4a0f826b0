package agent

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/slawatch/slawatch/probe"
)

// Run probes until ctx is done, handing each minute to sink. On the way
// out it stops sending, waits for the replies still due, flushes the last
// (partial) minute and closes the sockets.
func (a *Agent) Run(ctx context.Context, sink Sink) error {
	defer a.Close()
	defer close(a.done)
	readerCtx, stopReaders := context.WithCancel(context.Background())
	defer stopReaders()
	a.startReaders(readerCtx)
	st := a.Stats()
	timer := a.clock.NewTimer(0)
	defer timer.Stop()
	for {
		a.takePending(&st)
		now := a.now()
		a.sendDue(now, &st)
		a.flushDue(now, sink, &st)
		timer.Reset(time.Duration(a.wake() - now))
		st.passes, st.at = st.passes+1, now // after Reset: a test's FakeClock may move on once it sees them
		a.publish(&st)
		select {
		case <-ctx.Done():
			a.drain(sink, &st)
			a.publish(&st)
			return nil
		case b := <-a.replies:
			a.takeReplies(b, &st)
		case r := <-a.results:
			a.takeResult(r, &st)
		case <-timer.C():
		}
	}
}

// takePending takes every reply and result already waiting. It runs
// before each send: a reply read in time but not yet taken would
// otherwise find its probe declared lost when the next one goes out.
func (a *Agent) takePending(st *Stats) {
	for {
		select {
		case b := <-a.replies:
			a.takeReplies(b, st)
		case r := <-a.results:
			a.takeResult(r, st)
		default:
			return
		}
	}
}

func (a *Agent) publish(st *Stats) {
	a.mu.Lock()
	a.stats = *st
	a.mu.Unlock()
}

// wake is the clock time of the next thing to do: a send or a flush.
func (a *Agent) wake() int64 {
	next := a.flushAt(a.nextFlush)
	for _, l := range a.lanes {
		next = min(next, l.due())
	}
	return next
}

// flushAt is the clock time at which minute m is flushed: when every
// probe sent in it has timed out.
func (a *Agent) flushAt(m int64) int64 {
	return (m+1)*int64(time.Minute) - a.wall0 + a.maxTO + int64(flushGrace)
}

// sendDue sends every probe due by now. A probe belongs to the minute of
// the time it was due, not the moment the loop got to it: a loop running
// a few milliseconds late at :59.99 must not move a probe into the next
// minute, which would give one minute 61 probes and the other 59.
func (a *Agent) sendDue(now int64, st *Stats) {
	for _, l := range a.lanes {
		if n := l.catchUp(now); n > 0 {
			st.Skipped += uint64(n)
			a.log.Warn("scheduler fell behind: probes skipped", "interval", time.Duration(l.iv), "skipped", n, "at", a.clock.Now())
		}
		for due := l.due(); due <= now; due = l.due() {
			a.fire(l.targets[l.pos], a.wall0+due, st)
			l.advance()
		}
	}
	a.sendEchoes(st)
}

// fire starts one probe of target i, due at Unix nanoseconds due. A
// probe still pending from the previous turn has outlived its timeout
// (timeouts never exceed the interval): it is lost.
func (a *Agent) fire(i uint32, due int64, st *Stats) {
	t := &a.targets[i]
	if t.pending {
		t.lost(st)
	}
	serial := t.open(due)
	st.Sent++
	if t.dest != nil {
		fam := 0
		if t.v6 {
			fam = 1
		}
		a.echoes[fam] = append(a.echoes[fam], probe.Echo{Dst: t.dest, Target: i, Serial: serial, Payload: int(t.payload)})
		return
	}
	a.running.Add(1)
	go a.runCheck(t.check, i, serial, t.timeout)
}

// sendEchoes sends the ICMP requests fire collected and keeps the time
// each left.
func (a *Agent) sendEchoes(st *Stats) {
	for fam, echoes := range a.echoes {
		if len(echoes) == 0 {
			continue
		}
		a.pingers[fam].Send(echoes, func(j int, err error) { a.sendFailed(echoes[j].Target, err, st) })
		for _, e := range echoes {
			a.targets[e.Target].pendAt = e.Sent
		}
		a.echoes[fam] = echoes[:0]
	}
}

// sendFailed handles an echo the kernel refused. A local shortage
// (buffers, memory) says nothing about the path: the probe is taken back
// as not sent. Anything else (no route, unreachable) is the path's
// failure: the probe is lost.
func (a *Agent) sendFailed(i uint32, err error, st *Stats) {
	t := &a.targets[i]
	t.fail(err)
	st.Errors++
	if errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM) || errors.Is(err, syscall.EAGAIN) {
		t.pending = false
		st.Sent--
		return
	}
	t.lost(st)
}

// runCheck runs one TCP, HTTP or DNS probe and reports its result, timed
// in real time like an echo's round trip.
func (a *Agent) runCheck(c probe.Checker, i, serial uint32, timeout int64) {
	defer a.running.Done()
	ctx, cancel := a.clock.WithTimeout(context.Background(), time.Duration(timeout))
	start := time.Now()
	err := c.Check(ctx)
	rtt := time.Since(start)
	cancel()
	select {
	case a.results <- checkResult{target: i, serial: serial, rtt: int64(rtt), err: err}:
	case <-a.done:
	}
}

// takeReplies matches echo replies to their probes. A reply to a probe
// already closed (timed out, or a duplicate) or from the wrong address is
// ignored.
func (a *Agent) takeReplies(b replyBatch, st *Stats) {
	for _, r := range *b.reps {
		if int(r.Target) >= len(a.targets) {
			continue
		}
		t := &a.targets[r.Target]
		if !t.pending || t.pendSerial != r.Serial || t.dest == nil || t.dest.Addr != r.From {
			continue
		}
		t.answered(r.At-t.pendAt, st)
	}
	*b.reps = (*b.reps)[:0]
	a.pool.Put(b.reps)
}

func (a *Agent) takeResult(r checkResult, st *Stats) {
	t := &a.targets[r.target]
	if !t.pending || t.pendSerial != r.serial {
		return
	}
	if r.err != nil {
		t.fail(r.err)
		t.lost(st)
		return
	}
	t.answered(r.rtt, st)
}

// startReaders starts one goroutine per ICMP socket.
func (a *Agent) startReaders(ctx context.Context) {
	for _, p := range a.pingers {
		if p == nil {
			continue
		}
		a.running.Add(1)
		go a.read(ctx, p)
	}
}

// read hands batches of replies to the main loop until the socket closes.
func (a *Agent) read(ctx context.Context, p *probe.Pinger) {
	defer a.running.Done()
	r := p.NewReceiver(64)
	for {
		reps := a.pool.Get().(*[]probe.Reply)
		var err error
		*reps, err = r.Read((*reps)[:0])
		if err != nil {
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return
			}
			a.log.Warn("icmp read", "err", err)
			continue
		}
		if len(*reps) == 0 {
			a.pool.Put(reps)
			continue
		}
		select {
		case a.replies <- replyBatch{reps: reps}:
		case <-ctx.Done():
			return
		}
	}
}
