package icmpresponder

import (
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

// serveFake starts a responder on a fake socket and stops it at cleanup.
func serveFake(t *testing.T) (*Responder, *fakeConn) {
	t.Helper()
	c := newFakeConn()
	r := newResponder(c, icmp4)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return r, c
}

func request(t testing.TB, typ icmp.Type, id, seq int, data string) []byte {
	t.Helper()
	m := icmp.Message{Type: typ, Body: &icmp.Echo{ID: id, Seq: seq, Data: []byte(data)}}
	b, err := m.Marshal(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitFor polls cond: the responder works on its own goroutines.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestReplyCarriesIDSeqAndPayload(t *testing.T) {
	r, c := serveFake(t)
	c.in <- request(t, ipv4.ICMPTypeEcho, 0xbeef, 7, "payload")
	waitFor(t, "a reply", func() bool { return len(c.writes()) == 1 })
	w := c.writes()[0]
	if w.to != fakePeer {
		t.Errorf("reply to %v, want %v", w.to, fakePeer)
	}
	want := request(t, ipv4.ICMPTypeEchoReply, 0xbeef, 7, "payload")
	if string(w.b) != string(want) {
		t.Errorf("reply % x, want % x", w.b, want)
	}
	if s := r.Stats(); s != (Stats{Requests: 1, Replied: 1}) {
		t.Errorf("stats %+v", s)
	}
}

func TestOnlyEchoRequestsCount(t *testing.T) {
	r, c := serveFake(t)
	c.in <- request(t, ipv4.ICMPTypeEchoReply, 1, 1, "")
	c.in <- []byte{8, 0}
	c.in <- request(t, ipv4.ICMPTypeEcho, 1, 2, "")
	waitFor(t, "a reply", func() bool { return r.Stats().Replied == 1 })
	if s := r.Stats(); s.Requests != 1 {
		t.Errorf("%d requests counted, want 1", s.Requests)
	}
}

func TestDelayKeepsOrder(t *testing.T) {
	r, c := serveFake(t)
	const delay = 30 * time.Millisecond
	r.SetDelay(delay)
	start := time.Now()
	for seq := range 20 {
		if seq == 10 {
			// Later replies are not delayed but must wait for earlier ones.
			waitFor(t, "10 requests", func() bool { return r.Stats().Requests == 10 })
			r.SetDelay(0)
		}
		c.in <- request(t, ipv4.ICMPTypeEcho, 1, seq, "")
	}
	waitFor(t, "20 replies", func() bool { return len(c.writes()) == 20 })
	for i, w := range c.writes() {
		m, _ := icmp.ParseMessage(1, w.b)
		if seq := m.Body.(*icmp.Echo).Seq; seq != i {
			t.Errorf("reply %d has seq %d", i, seq)
		}
		if gap := w.at.Sub(start); gap < delay {
			t.Errorf("reply %d after %v, before the delay of %v", i, gap, delay)
		}
	}
}

func TestSilentAndDropFunc(t *testing.T) {
	r, c := serveFake(t)
	r.SetSilent(true)
	c.in <- request(t, ipv4.ICMPTypeEcho, 1, 0, "")
	waitFor(t, "the first request", func() bool { return r.Stats().Requests == 1 })
	r.SetSilent(false)
	r.SetDropFunc(func(_ time.Time, id, seq int, payload []byte) bool {
		return seq%2 == 1 || string(payload) == "drop me"
	})
	for seq := 1; seq <= 6; seq++ {
		c.in <- request(t, ipv4.ICMPTypeEcho, 1, seq, "")
	}
	c.in <- request(t, ipv4.ICMPTypeEcho, 1, 8, "drop me")
	waitFor(t, "8 requests", func() bool { return r.Stats().Requests == 8 })
	r.SetDropFunc(nil)
	c.in <- request(t, ipv4.ICMPTypeEcho, 1, 9, "drop me")
	waitFor(t, "4 replies", func() bool { return r.Stats().Replied == 4 })
	var seqs []int
	for _, w := range c.writes() {
		m, _ := icmp.ParseMessage(1, w.b)
		seqs = append(seqs, m.Body.(*icmp.Echo).Seq)
	}
	if fmt.Sprint(seqs) != "[2 4 6 9]" {
		t.Errorf("replied to %v, want [2 4 6 9]", seqs)
	}
	if s := r.Stats(); s.Dropped != 5 {
		t.Errorf("%d dropped, want 5", s.Dropped)
	}
}

func TestStopDropsQueuedReplies(t *testing.T) {
	c := newFakeConn()
	r := newResponder(c, icmp4)
	r.SetDelay(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx) }()
	for seq := range 5 {
		c.in <- request(t, ipv4.ICMPTypeEcho, 1, seq, "")
	}
	waitFor(t, "5 requests", func() bool { return r.Stats().Requests == 5 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if s := r.Stats(); s != (Stats{Requests: 5, Dropped: 5}) {
		t.Errorf("stats %+v, want 5 requests all dropped", s)
	}
	if err := r.Serve(context.Background()); err == nil {
		t.Error("second Serve returned nil")
	}
}

// BenchmarkHandle measures the responder's own cost per request, without
// the kernel.
func BenchmarkHandle(b *testing.B) {
	r := newResponder(newFakeConnDiscard(), icmp4)
	req := request(b, ipv4.ICMPTypeEcho, 1, 1, "0123456789abcdef0123456789abcdef")
	b.ReportAllocs()
	for b.Loop() {
		r.handle(time.Now(), req, fakePeer)
	}
}
