package clock

import (
	"slices"
	"sync"
	"time"
)

// Fake is a Clock that stands still until a test moves it. Its timers,
// tickers and delayed calls fire when Advance or Set moves the time past
// them, in the order of their deadlines, each seeing Now at its own
// deadline. A delayed call runs in the goroutine that moved the clock; a
// timer of d <= 0 fires at the next move, even Advance(0).
type Fake struct {
	mu      sync.Mutex
	armed   *sync.Cond // broadcast when a waiter is armed
	now     time.Time
	waiters []*waiter // armed, in no order
	seq     int       // orders waiters of equal deadline by arming
}

// NewFake returns a fake clock reading start.
func NewFake(start time.Time) *Fake {
	f := &Fake{now: start}
	f.armed = sync.NewCond(&f.mu)
	return f
}

// waiter is a fake timer, ticker or delayed call.
type waiter struct {
	f      *Fake
	when   time.Time
	seq    int
	period time.Duration // a ticker's
	c      chan time.Time
	fn     func()
}

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer returns a timer that fires d after now.
func (f *Fake) NewTimer(d time.Duration) Timer {
	w := &waiter{f: f, c: make(chan time.Time, 1)}
	f.arm(w, d, 0)
	return fakeTimer{w}
}

// NewTicker returns a ticker of period d. Like a time.Ticker's, its
// channel holds one tick: ticks a slow reader misses are dropped.
func (f *Fake) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("clock: non-positive interval for NewTicker") // as time.NewTicker
	}
	w := &waiter{f: f, c: make(chan time.Time, 1)}
	f.arm(w, d, d)
	return fakeTicker{w}
}

// AfterFunc calls fn d after now, when the clock is moved past it.
func (f *Fake) AfterFunc(d time.Duration, fn func()) Timer {
	w := &waiter{f: f, fn: fn}
	f.arm(w, d, 0)
	return fakeTimer{w}
}

// Advance moves the clock d forward, firing what falls due on the way.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	target := f.now.Add(d)
	f.mu.Unlock()
	f.Set(target)
}

// Set moves the clock to t, firing what falls due on the way; a t before
// now only sets the time.
func (f *Fake) Set(t time.Time) {
	for {
		f.mu.Lock()
		w := f.next(t)
		if w == nil {
			f.now = t
			f.mu.Unlock()
			return
		}
		f.now = w.when
		if w.period > 0 {
			w.when, w.seq = w.when.Add(w.period), f.seq
			f.seq++
		} else {
			f.remove(w)
		}
		now := f.now
		f.mu.Unlock()
		if w.fn != nil {
			w.fn()
			continue
		}
		select {
		case w.c <- now:
		default:
		}
	}
}

// Waiters returns how many timers, tickers and delayed calls are armed.
func (f *Fake) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.waiters)
}

// Unread returns how many tickers have ticked and not had their channel
// read yet. When it is 0 after a move, every goroutine that loops on a
// ticker of this clock has taken its tick, so it has finished the work
// of the tick before.
func (f *Fake) Unread() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, w := range f.waiters {
		if len(w.c) > 0 {
			n++
		}
	}
	return n
}

// BlockUntil waits until at least n timers, tickers and delayed calls are
// armed: the code under test has reached the point where it waits for
// the clock.
func (f *Fake) BlockUntil(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.waiters) < n {
		f.armed.Wait()
	}
}

// next returns the first waiter due at or before t. The caller holds mu.
func (f *Fake) next(t time.Time) *waiter {
	var first *waiter
	for _, w := range f.waiters {
		if !w.when.After(t) && (first == nil || w.when.Before(first.when) ||
			w.when.Equal(first.when) && w.seq < first.seq) {
			first = w
		}
	}
	return first
}

// arm (re)schedules w d after now, a ticker with period p, and reports
// whether it was armed.
func (f *Fake) arm(w *waiter, d, p time.Duration) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	was := f.remove(w)
	w.when, w.seq, w.period = f.now.Add(d), f.seq, p
	f.seq++
	f.waiters = append(f.waiters, w)
	f.armed.Broadcast()
	return was
}

// remove disarms w and reports whether it was armed. The caller holds mu.
func (f *Fake) remove(w *waiter) bool {
	i := slices.Index(f.waiters, w)
	if i < 0 {
		return false
	}
	f.waiters = slices.Delete(f.waiters, i, i+1)
	return true
}

func (f *Fake) stop(w *waiter) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.remove(w)
}

type fakeTimer struct{ w *waiter }

func (t fakeTimer) C() <-chan time.Time        { return t.w.c }
func (t fakeTimer) Stop() bool                 { return t.w.f.stop(t.w) }
func (t fakeTimer) Reset(d time.Duration) bool { return t.w.f.arm(t.w, d, 0) }

type fakeTicker struct{ w *waiter }

func (t fakeTicker) C() <-chan time.Time   { return t.w.c }
func (t fakeTicker) Stop()                 { t.w.f.stop(t.w) }
func (t fakeTicker) Reset(d time.Duration) { t.w.f.arm(t.w, d, d) }
