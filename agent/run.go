package agent

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/slawatch/slawatch/probe"
)

// sendTick is how often the main loop wakes while it has echoes to send
// or replies to take. A probe goes out within half a tick of its slot
// (±4 ms), either side, together with every other probe due then: at
// 1,000 probes a second, one wake and one system call for eight of them
// rather than eight of each. Replies are read on the same tick. A wake
// is the dearest thing the loop does at small scale (bench/agent-vs-fping.sh:
// about 60-120 µs of the Go runtime's CPU on a virtual machine, where the
// send and the reply of an echo cost a few µs), so the tick is as coarse
// as a promise of ±5 ms allows, with 1 ms for the timer's own lateness
// (Go's netpoller sleeps in whole milliseconds): at 1,000 targets the
// responder saw p99 4.5 ms, max 5.1 ms (10 ms: 5.4 and 9.0 ms).
const sendTick = 8 * time.Millisecond

// Run probes until ctx is done, handing each minute to sink. On the way
// out it stops sending, waits for the replies still due, flushes the last
// (partial) minute and closes the sockets.
func (a *Agent) Run(ctx context.Context, sink Sink) error {
	defer a.Close()
	defer close(a.done)
	for fam, p := range a.pingers {
		if p != nil {
			a.rx[fam] = p.NewReceiver(64)
		}
	}
	st := a.Stats()
	timer := a.clock.NewTimer(0)
	defer timer.Stop()
	for {
		a.takeResults(&st)
		a.poll(&st)
		now := a.now()
		a.sendDue(now, &st)
		a.flushDue(now, sink, &st)
		timer.Reset(time.Duration(a.wake(now) - now))
		st.passes, st.at = st.passes+1, now // after Reset: a test's FakeClock may move on once it sees them
		a.publish(&st)
		select {
		case <-ctx.Done():
			a.drain(sink, &st)
			a.publish(&st)
			a.log.Info("icmp sockets", "receive_buffer_drops", st.RcvbufDrops, "send_stamped", st.SendStamped)
			return nil
		case r := <-a.results:
			a.takeResult(r, &st)
		case <-timer.C():
		case <-a.poke:
		}
	}
}

// takeResults takes every check result already waiting.
func (a *Agent) takeResults(st *Stats) {
	for {
		select {
		case r := <-a.results:
			a.takeResult(r, st)
		default:
			return
		}
	}
}

// poll takes the echo replies waiting in the sockets, and before them
// the kernel's stamps of the requests leaving, so that a round trip runs
// from the device's sending to the socket's receiving: neither the time
// the loop took to send (up to sendChunk requests a system call) nor its
// lateness in reading is in it. It runs before each send: a reply in the
// socket must not find its probe declared lost when the next one goes
// out.
func (a *Agent) poll(st *Stats) {
	drops := uint64(0)
	for _, r := range a.rx {
		if r == nil {
			continue
		}
		var err error
		a.sents, err = r.PollSent(a.sents[:0])
		a.takeSent(a.sents, st)
		if err != nil && !errors.Is(err, net.ErrClosed) {
			a.log.Warn("icmp transmit stamps", "err", err)
		}
		a.reps, err = r.Poll(a.reps[:0])
		a.takeReplies(a.reps, st)
		if err != nil && !errors.Is(err, net.ErrClosed) {
			a.log.Warn("icmp read", "err", err)
		}
		drops += uint64(r.Drops())
	}
	st.RcvbufDrops = drops
}

func (a *Agent) publish(st *Stats) {
	a.mu.Lock()
	a.stats = *st
	a.mu.Unlock()
}

// wake is the clock time of the next thing to do: a send or a flush.
// Sends are gathered on ticks: the loop wakes half a tick before the next
// is due, but not sooner than a tick after now. Replies need no wake of
// their own: they wait in the socket, stamped by the kernel, until the
// next send or flush takes them (at most the target's interval, and never
// more replies than requests sent since).
func (a *Agent) wake(now int64) int64 {
	next := a.flushAt(a.nextFlush)
	for _, l := range a.lanes {
		next = min(next, max(l.due()-int64(sendTick)/2, now+int64(sendTick)))
	}
	return next
}

// flushAt is the clock time at which minute m is flushed: when every
// probe sent in it has timed out.
func (a *Agent) flushAt(m int64) int64 {
	return (m+1)*int64(time.Minute) - a.wall0 + a.maxTO + int64(flushGrace)
}

// sendDue sends every probe due by half a tick after now. A probe belongs to the minute of
// the time it was due, not the moment the loop got to it: a loop running
// a few milliseconds late at :59.99 must not move a probe into the next
// minute, which would give one minute 61 probes and the other 59.
func (a *Agent) sendDue(now int64, st *Stats) {
	for _, l := range a.lanes {
		if n := l.catchUp(now); n > 0 {
			st.Skipped += uint64(n)
			a.log.Warn("scheduler fell behind: probes skipped", "interval", time.Duration(l.iv), "skipped", n, "at", a.clock.Now())
		}
		for due := l.due(); due <= now+int64(sendTick)/2; due = l.due() {
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

// pollEvery is the most echoes sent between two reads of the replies. A
// loop that was starved of CPU for a while sends everything due at once:
// on loopback, or on a short path, the replies of tens of thousands of
// requests would fill the socket's receive buffer before the next read.
const pollEvery = 512

// sendEchoes sends the ICMP requests fire collected and keeps the time
// each left.
func (a *Agent) sendEchoes(st *Stats) {
	for fam, echoes := range a.echoes {
		if len(echoes) == 0 {
			continue
		}
		for len(echoes) > 0 {
			part := echoes[:min(pollEvery, len(echoes))]
			echoes = echoes[len(part):]
			a.pingers[fam].Send(part, func(j int, err error) { a.sendFailed(part[j].Target, err, st) })
			for _, e := range part {
				a.targets[e.Target].pendAt = e.Sent
			}
			a.poll(st)
		}
		a.echoes[fam] = a.echoes[fam][:0]
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

// takeSent moves each pending probe's send time to the kernel's stamp of
// its request leaving. A stamp read after its reply (both arrived between
// the two reads of one poll) finds the probe closed and is ignored: that
// round trip was timed from the loop's own stamp, just before the
// system call.
func (a *Agent) takeSent(sents []probe.Sent, st *Stats) {
	for _, s := range sents {
		if int(s.Target) >= len(a.targets) {
			continue
		}
		if t := &a.targets[s.Target]; t.pending && t.pendSerial == s.Serial && t.dest != nil {
			t.pendAt = s.At
			st.SendStamped++
		}
	}
}

// takeReplies matches echo replies to their probes. A reply to a probe
// already closed (timed out, or a duplicate) or from the wrong address is
// ignored.
func (a *Agent) takeReplies(reps []probe.Reply, st *Stats) {
	for _, r := range reps {
		if int(r.Target) >= len(a.targets) {
			continue
		}
		t := &a.targets[r.Target]
		if !t.pending || t.pendSerial != r.Serial || t.dest == nil || t.dest.Addr != r.From {
			continue
		}
		if a.onRTT != nil {
			a.onRTT(r.Target, r.Serial, t.pendAt, r.At-t.pendAt)
		}
		t.answered(r.At-t.pendAt, st)
	}
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
