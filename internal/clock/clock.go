// Package clock is the time of slawatch's server side: the time of day,
// timers, tickers and delayed calls, behind one small interface. The
// server, the store and the notifiers read time only through a Clock, so
// that a test of retries, backoff, debouncing or deadlines moves a Fake
// forward instead of sleeping.
package clock

import "time"

// A Clock tells the time and makes timers.
type Clock interface {
	Now() time.Time
	// NewTimer, NewTicker and AfterFunc are their time package namesakes
	// on this clock.
	NewTimer(d time.Duration) Timer
	NewTicker(d time.Duration) Ticker
	AfterFunc(d time.Duration, f func()) Timer
}

// A Timer is the part of time.Timer slawatch uses. A timer of AfterFunc
// has a nil C.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
	Reset(d time.Duration) bool
}

// A Ticker is the part of time.Ticker slawatch uses.
type Ticker interface {
	C() <-chan time.Time
	Stop()
	Reset(d time.Duration)
}

// Real is the system's clock.
type Real struct{}

// Or returns c, or Real when c is nil: the default of a Config's Clock.
func Or(c Clock) Clock {
	if c == nil {
		return Real{}
	}
	return c
}

// Since is time.Since on c.
func Since(c Clock, t time.Time) time.Duration { return c.Now().Sub(t) }

// Now returns time.Now(), with its monotonic reading.
func (Real) Now() time.Time { return time.Now() }

// NewTimer returns a time.Timer.
func (Real) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

// NewTicker returns a time.Ticker.
func (Real) NewTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

// AfterFunc is time.AfterFunc.
func (Real) AfterFunc(d time.Duration, f func()) Timer { return realTimer{time.AfterFunc(d, f)} }

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time        { return t.t.C }
func (t realTimer) Stop() bool                 { return t.t.Stop() }
func (t realTimer) Reset(d time.Duration) bool { return t.t.Reset(d) }

type realTicker struct{ t *time.Ticker }

func (t realTicker) C() <-chan time.Time   { return t.t.C }
func (t realTicker) Stop()                 { t.t.Stop() }
func (t realTicker) Reset(d time.Duration) { t.t.Reset(d) }
