package agent

import (
	"context"
	"sync"
	"time"
)

// A Clock tells the time and makes timers. The agent reads time only
// through its Clock, so a test can run it faster than real time.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
	// WithTimeout is context.WithTimeout with d on this clock: a TCP,
	// HTTP or DNS probe's deadline.
	WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc)
}

// A Timer is the part of time.Timer the agent uses.
type Timer interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

// RealClock is the system clock.
type RealClock struct{}

// Now returns time.Now(), with its monotonic reading.
func (RealClock) Now() time.Time { return time.Now() }

// NewTimer returns a time.Timer.
func (RealClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

// WithTimeout is context.WithTimeout.
func (RealClock) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time   { return t.t.C }
func (t realTimer) Reset(d time.Duration) { t.t.Reset(d) }
func (t realTimer) Stop()                 { t.t.Stop() }

// ScaledClock runs Scale times faster than real time, starting at Epoch
// when it is made. Packets still take real time, and round trips are
// measured in real time: a probe's 1 s timeout is still 1 s of round trip,
// though its minute is flushed after 1/Scale s. Tests and demos use it to
// watch a six-minute outage in six seconds, with real sockets and a real
// responder; tests that must not depend on the machine's load use
// FakeClock.
type ScaledClock struct {
	epoch time.Time
	start time.Time
	scale time.Duration
}

// NewScaledClock returns a clock reading epoch now and advancing scale
// times faster than real time.
func NewScaledClock(epoch time.Time, scale int) *ScaledClock {
	return &ScaledClock{epoch: epoch.Round(0), start: time.Now(), scale: time.Duration(scale)}
}

// Now returns the scaled time.
func (c *ScaledClock) Now() time.Time { return c.epoch.Add(time.Since(c.start) * c.scale) }

// NewTimer returns a real timer of d divided by the scale.
func (c *ScaledClock) NewTimer(d time.Duration) Timer {
	return scaledTimer{realTimer{time.NewTimer(d / c.scale)}, c.scale}
}

// WithTimeout sets a real deadline of d divided by the scale.
func (c *ScaledClock) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d/c.scale)
}

type scaledTimer struct {
	realTimer
	scale time.Duration
}

func (t scaledTimer) Reset(d time.Duration) { t.t.Reset(d / t.scale) }

// FakeClock is a clock that moves only when told (Advance). Timers fire
// and WithTimeout contexts end as Advance passes their deadlines. A test
// drives the agent's schedule with it exactly, whatever the machine's
// load, while packets go on taking real time.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers map[*fakeTimer]struct{}
	ctxs   map[*fakeDeadline]struct{}
	fired  time.Time // the last time a timer fired
}

type fakeTimer struct {
	c     *FakeClock
	ch    chan time.Time
	at    time.Time
	armed bool
}

type fakeDeadline struct {
	at     time.Time
	cancel context.CancelFunc
}

// NewFakeClock returns a clock reading now until advanced.
func NewFakeClock(now time.Time) *FakeClock {
	return &FakeClock{now: now, timers: map[*fakeTimer]struct{}{}, ctxs: map[*fakeDeadline]struct{}{}}
}

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d, firing the timers and ending the
// contexts whose deadlines it reaches.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for t := range c.timers {
		t.fireIfDue()
	}
	for dl := range c.ctxs {
		if !c.now.Before(dl.at) {
			dl.cancel()
			delete(c.ctxs, dl)
		}
	}
}

// NewTimer returns a timer firing when the clock reaches now+d.
func (c *FakeClock) NewTimer(d time.Duration) Timer {
	t := &fakeTimer{c: c, ch: make(chan time.Time, 1)}
	t.Reset(d)
	return t
}

// WithTimeout returns a context cancelled when the clock reaches now+d.
// It carries no deadline of its own: a real socket would read one as real
// time.
func (c *FakeClock) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	c.mu.Lock()
	dl := &fakeDeadline{at: c.now.Add(d), cancel: cancel}
	c.ctxs[dl] = struct{}{}
	if d <= 0 {
		cancel()
	}
	c.mu.Unlock()
	return ctx, func() {
		c.mu.Lock()
		delete(c.ctxs, dl)
		c.mu.Unlock()
		cancel()
	}
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

// Reset rearms the timer, dropping a firing not yet received, as
// time.Timer does since Go 1.23.
func (t *fakeTimer) Reset(d time.Duration) {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	select {
	case <-t.ch:
	default:
	}
	t.at, t.armed = t.c.now.Add(d), true
	t.c.timers[t] = struct{}{}
	t.fireIfDue()
}

func (t *fakeTimer) Stop() {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	t.armed = false
	delete(t.c.timers, t)
}

// fireIfDue sends on the channel when the deadline is reached; c.mu is
// held.
func (t *fakeTimer) fireIfDue() {
	if t.armed && !t.c.now.Before(t.at) {
		t.armed = false
		delete(t.c.timers, t)
		t.c.fired = t.c.now
		t.ch <- t.c.now // never blocks: the channel was drained when armed
	}
}

// lastFired is the clock time at which a timer last fired.
func (c *FakeClock) lastFired() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fired
}
