package agent

import (
	"context"
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
// when it is made. Packets still take real time: a probe's round trip of
// 50 µs reads as 3 ms at Scale 60. Tests use it to watch a six-minute
// outage in six seconds, with real sockets and a real responder.
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
