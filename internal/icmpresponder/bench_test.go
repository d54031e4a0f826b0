//go:build linux

package icmpresponder_test

import (
	"testing"
	"time"
)

// BenchmarkServe measures requests answered per second over a lab's veth
// pair, the pinger in the root namespace keeping a window of requests in
// flight. The target is at least 20,000 req/s. With a delay the window
// must cover rate × round trip (Little's law), and the round trip is the
// delay plus up to a millisecond: Go's timers sleep in whole milliseconds
// when nothing else wakes the runtime.
func BenchmarkServe(b *testing.B) {
	cases := []struct {
		delay  time.Duration
		window int
	}{
		{0, 64},
		{time.Millisecond, 1024},
	}
	for _, fam := range families {
		for _, c := range cases {
			b.Run(fam.name+"/delay="+c.delay.String(), func(b *testing.B) {
				benchmarkServe(b, fam, c.delay, c.window)
			})
		}
	}
}

func benchmarkServe(b *testing.B, fam family, delay time.Duration, window int) {
	l := silentLab(b, fam)
	r := serve(b, l, fam)
	r.SetDelay(delay)
	p := newPinger(b, fam, fam.peer(l))
	payload := make([]byte, 56) // ping(8)'s default
	stall := time.NewTimer(5 * time.Second)
	defer stall.Stop()
	b.ResetTimer()
	for sent, got := 0, 0; got < b.N; got++ {
		for ; sent < b.N && sent-got < window; sent++ {
			p.send(b, sent&0xffff, payload)
		}
		stall.Reset(5 * time.Second)
		select {
		case <-p.pongs:
		case <-stall.C:
			b.Fatalf("no reply for 5 s: %d sent, %d answered; responder %+v", sent, got, r.Stats())
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
