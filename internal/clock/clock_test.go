package clock_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slawatch/slawatch/internal/clock"
)

var epoch = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func TestFakeTimer(t *testing.T) {
	f := clock.NewFake(epoch)
	tm := f.NewTimer(time.Minute)
	f.Advance(59 * time.Second)
	select {
	case <-tm.C():
		t.Fatal("fired 1 s early")
	default:
	}
	f.Advance(time.Second)
	if got := <-tm.C(); !got.Equal(epoch.Add(time.Minute)) {
		t.Errorf("fired at %v, want %v", got, epoch.Add(time.Minute))
	}
	if tm.Stop() {
		t.Error("Stop of a fired timer reported it armed")
	}
	if tm.Reset(time.Second) {
		t.Error("Reset of a fired timer reported it armed")
	}
	if !tm.Stop() {
		t.Error("Stop of an armed timer reported it not armed")
	}
	f.Advance(time.Hour)
	select {
	case <-tm.C():
		t.Fatal("a stopped timer fired")
	default:
	}
	if f.Waiters() != 0 {
		t.Errorf("%d waiters, want 0", f.Waiters())
	}
}

// TestFakeOrder: one move fires what falls due in the order of the
// deadlines, each seeing Now at its own; a ticker ticks every period on
// the way, and its channel holds one tick.
func TestFakeOrder(t *testing.T) {
	f := clock.NewFake(epoch)
	var got []string
	at := func(name string) func() {
		return func() { got = append(got, name+"@"+f.Now().Sub(epoch).String()) }
	}
	f.AfterFunc(3*time.Second, at("c"))
	f.AfterFunc(time.Second, at("a"))
	f.AfterFunc(2*time.Second, at("b"))
	tk := f.NewTicker(time.Second)
	defer tk.Stop()
	f.Advance(10 * time.Second)
	if want := "a@1s b@2s c@3s"; strings.Join(got, " ") != want {
		t.Errorf("fired %q, want %q", strings.Join(got, " "), want)
	}
	if tick := <-tk.C(); !tick.Equal(epoch.Add(time.Second)) {
		t.Errorf("the ticker's kept tick is %v, want the first (later ones dropped)", tick)
	}
	f.Advance(time.Second)
	if tick := <-tk.C(); !tick.Equal(epoch.Add(11 * time.Second)) {
		t.Errorf("tick at %v, want %v", tick, epoch.Add(11*time.Second))
	}
	if !f.Now().Equal(epoch.Add(11 * time.Second)) {
		t.Errorf("now %v", f.Now())
	}
}

// TestFakeRearm: a delayed call that arms another within the move fires
// it in the same move when it falls due before the move's end: a retry
// loop runs to the end of a long Advance.
func TestFakeRearm(t *testing.T) {
	f := clock.NewFake(epoch)
	var n atomic.Int32
	var retry func()
	retry = func() {
		if n.Add(1) < 5 {
			f.AfterFunc(time.Minute, retry)
		}
	}
	f.AfterFunc(time.Minute, retry)
	f.Advance(time.Hour)
	if n.Load() != 5 {
		t.Errorf("%d calls, want 5", n.Load())
	}
}

func TestFakeBlockUntil(t *testing.T) {
	f := clock.NewFake(epoch)
	done := make(chan struct{})
	go func() {
		<-f.NewTimer(time.Second).C()
		close(done)
	}()
	f.BlockUntil(1)
	f.Advance(time.Second)
	<-done
}

func TestFakeUnread(t *testing.T) {
	f := clock.NewFake(epoch)
	tk := f.NewTicker(time.Second)
	defer tk.Stop()
	if f.Unread() != 0 {
		t.Fatal("unread before any tick")
	}
	f.Advance(3 * time.Second)
	if f.Unread() != 1 {
		t.Fatalf("%d unread, want 1 (the ticker's one kept tick)", f.Unread())
	}
	<-tk.C()
	if f.Unread() != 0 {
		t.Fatalf("%d unread after the read, want 0", f.Unread())
	}
}
