//go:build linux

package icmpresponder_test

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"

	"github.com/slawatch/slawatch/internal/icmpresponder"
	"github.com/slawatch/slawatch/internal/netlab"
)

// A family is one address family's side of the tests.
type family struct {
	name      string
	network   string // for Listen and icmp.ListenPacket
	wildcard  string
	proto     int
	req, rep  icmp.Type
	echoOff   string // sysctl that silences the kernel's replies
	peer      func(*netlab.Lab) netip.Addr
	setFilter func(net.PacketConn) error
}

var families = []family{
	{
		name: "IPv4", network: "ip4:icmp", wildcard: "0.0.0.0", proto: 1,
		req: ipv4.ICMPTypeEcho, rep: ipv4.ICMPTypeEchoReply,
		echoOff: "net.ipv4.icmp_echo_ignore_all",
		peer:    (*netlab.Lab).PeerAddr,
		setFilter: func(c net.PacketConn) error {
			var f ipv4.ICMPFilter
			f.SetAll(true)
			f.Accept(ipv4.ICMPTypeEchoReply)
			return ipv4.NewPacketConn(c).SetICMPFilter(&f)
		},
	},
	{
		name: "IPv6", network: "ip6:ipv6-icmp", wildcard: "::", proto: 58,
		req: ipv6.ICMPTypeEchoRequest, rep: ipv6.ICMPTypeEchoReply,
		echoOff: "net.ipv6.icmp.echo_ignore_all",
		peer:    (*netlab.Lab).PeerAddr6,
		setFilter: func(c net.PacketConn) error {
			var f ipv6.ICMPFilter
			f.SetAll(true)
			f.Accept(ipv6.ICMPTypeEchoReply)
			return ipv6.NewPacketConn(c).SetICMPFilter(&f)
		},
	},
}

// forEachFamily runs test for IPv4 and IPv6 in parallel subtests.
func forEachFamily(t *testing.T, test func(t *testing.T, fam family)) {
	t.Parallel()
	for _, fam := range families {
		t.Run(fam.name, func(t *testing.T) {
			t.Parallel()
			test(t, fam)
		})
	}
}

// silentLab returns a lab whose kernel does not answer pings of fam.
func silentLab(t testing.TB, fam family) *netlab.Lab {
	t.Helper()
	l := netlab.New(t)
	if err := l.Sysctl(fam.echoOff, "1"); err != nil {
		t.Skipf("cannot silence the kernel: %v", err)
	}
	return l
}

// serve starts a responder inside the lab, stopped at cleanup.
func serve(t testing.TB, l *netlab.Lab, fam family) *icmpresponder.Responder {
	t.Helper()
	var r *icmpresponder.Responder
	err := l.Do(func() (err error) {
		r, err = icmpresponder.Listen(fam.network, fam.wildcard)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return r
}

func TestNothingAnswersWithoutResponder(t *testing.T) {
	forEachFamily(t, func(t *testing.T, fam family) {
		l := silentLab(t, fam)
		p := newPinger(t, fam, fam.peer(l))
		for seq := range 3 {
			p.send(t, seq, nil)
		}
		if got := p.collect(3, 300*time.Millisecond); len(got) != 0 {
			t.Errorf("%d replies with the kernel silenced and no responder", len(got))
		}
	})
}

func TestEcho(t *testing.T) {
	forEachFamily(t, func(t *testing.T, fam family) {
		l := silentLab(t, fam)
		r := serve(t, l, fam)
		p := newPinger(t, fam, fam.peer(l))
		for seq := range 10 {
			p.send(t, seq, []byte(fmt.Sprintf("payload %d", seq)))
		}
		got := p.collect(10, 10*time.Second)
		if len(got) != 10 {
			t.Fatalf("%d replies to 10 requests; responder %+v", len(got), r.Stats())
		}
		for _, g := range got {
			if want := fmt.Sprintf("payload %d", g.seq); string(g.data) != want {
				t.Errorf("seq %d: payload %q, want %q", g.seq, g.data, want)
			}
		}
		waitStats(t, r, icmpresponder.Stats{Requests: 10, Replied: 10})
	})
}

func TestLossQuarter(t *testing.T) {
	forEachFamily(t, func(t *testing.T, fam family) {
		l := silentLab(t, fam)
		r := serve(t, l, fam)
		r.SetLoss(0.25)
		p := newPinger(t, fam, fam.peer(l))
		const n = 400
		for seq := range n {
			p.send(t, seq, nil)
			if seq%32 == 31 { // let the responder keep up: no socket overflows
				waitRequests(t, r, uint64(seq+1))
			}
		}
		waitRequests(t, r, n)
		got := p.collect(n*3/4, 10*time.Second)
		waitStats(t, r, icmpresponder.Stats{Requests: n, Replied: 300, Dropped: 100})
		if len(got) != 300 {
			t.Errorf("%d replies, want 300", len(got))
		}
	})
}

func TestDelayIsALowerBound(t *testing.T) {
	forEachFamily(t, func(t *testing.T, fam family) {
		l := silentLab(t, fam)
		r := serve(t, l, fam)
		const delay = 20 * time.Millisecond
		r.SetDelay(delay)
		p := newPinger(t, fam, fam.peer(l))
		for seq := range 20 {
			p.send(t, seq, nil)
			time.Sleep(2 * time.Millisecond)
		}
		got := p.collect(20, 10*time.Second)
		if len(got) != 20 {
			t.Errorf("%d replies of 20; responder %+v", len(got), r.Stats())
		}
		lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
		for _, g := range got {
			if g.rtt < delay {
				t.Errorf("seq %d: rtt %v below the delay of %v", g.seq, g.rtt, delay)
			}
			lo, hi = min(lo, g.rtt), max(hi, g.rtt)
		}
		t.Logf("rtt from %v to %v", lo, hi) // no upper bound asserted: the machine may be busy
	})
}

// waitStats waits for the responder's counters to read want: a reply can
// reach the pinger before the responder has counted it.
func waitStats(t testing.TB, r *icmpresponder.Responder, want icmpresponder.Stats) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); r.Stats() != want; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("stats %+v, want %+v", r.Stats(), want)
			return
		}
	}
}

func waitRequests(t testing.TB, r *icmpresponder.Responder, n uint64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); r.Stats().Requests < n; time.Sleep(100 * time.Microsecond) {
		if time.Now().After(deadline) {
			t.Fatalf("responder saw %d requests, want %d", r.Stats().Requests, n)
		}
	}
}

// A pinger sends echo requests from the root namespace and collects the
// replies from dst to its identifier.
type pinger struct {
	conn *net.IPConn
	fam  family
	dst  netip.Addr
	id   int

	mu    sync.Mutex
	sent  map[int]time.Time
	pongs chan pong
}

type pong struct {
	seq  int
	rtt  time.Duration
	data []byte
}

var pingerSeq atomic.Uint32

func newPinger(t testing.TB, fam family, dst netip.Addr) *pinger {
	t.Helper()
	pc, err := net.ListenPacket(fam.network, fam.wildcard)
	if err != nil {
		t.Fatal(err)
	}
	c := pc.(*net.IPConn)
	if err := fam.setFilter(c); err != nil {
		t.Fatal(err)
	}
	// The default buffer holds 256 replies; the benchmark has more in flight.
	if raw, err := c.SyscallConn(); err == nil {
		raw.Control(func(fd uintptr) {
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 4<<20)
		})
	}
	p := &pinger{
		conn: c, fam: fam, dst: dst,
		id:    int(uint32(os.Getpid())*31+pingerSeq.Add(1)) & 0xffff,
		sent:  make(map[int]time.Time),
		pongs: make(chan pong, 1<<16),
	}
	var wg sync.WaitGroup
	wg.Go(p.receive)
	t.Cleanup(func() {
		c.Close()
		wg.Wait()
	})
	return p
}

func (p *pinger) send(t testing.TB, seq int, data []byte) {
	t.Helper()
	m := icmp.Message{Type: p.fam.req, Body: &icmp.Echo{ID: p.id, Seq: seq, Data: data}}
	b, err := m.Marshal(nil)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.sent[seq] = time.Now()
	p.mu.Unlock()
	if _, err := p.conn.WriteTo(b, &net.IPAddr{IP: p.dst.AsSlice()}); err != nil {
		t.Fatal(err)
	}
}

// receive turns replies to this pinger into pongs until the socket closes.
func (p *pinger) receive() {
	buf := make([]byte, 1<<16)
	for {
		n, from, err := p.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		now := time.Now()
		m, err := icmp.ParseMessage(p.fam.proto, buf[:n])
		if err != nil || m.Type != p.fam.rep {
			continue
		}
		echo, ok := m.Body.(*icmp.Echo)
		src, _ := netip.AddrFromSlice(from.(*net.IPAddr).IP)
		if !ok || echo.ID != p.id || src.Unmap() != p.dst {
			continue
		}
		p.mu.Lock()
		at, ok := p.sent[echo.Seq]
		p.mu.Unlock()
		if ok {
			p.pongs <- pong{seq: echo.Seq, rtt: now.Sub(at), data: echo.Data}
		}
	}
}

// collect returns the pongs that arrive until there are n or timeout
// passes.
func (p *pinger) collect(n int, timeout time.Duration) []pong {
	var got []pong
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for len(got) < n {
		select {
		case g := <-p.pongs:
			got = append(got, g)
		case <-timer.C:
			return got
		}
	}
	return got
}

// TestReplyFuncTimesTheHold: the ReplyFunc is told of every reply, with
// its payload, the kernel's stamp of its request's arrival and the time
// it was sent: at least the delay apart, the arrival before the send, and
// the arrival no later than the responder's own reading of the clock
// after the request (the DropFunc's time is the same kernel stamp).
func TestReplyFuncTimesTheHold(t *testing.T) {
	forEachFamily(t, func(t *testing.T, fam family) {
		l := silentLab(t, fam)
		r := serve(t, l, fam)
		const delay = 5 * time.Millisecond
		r.SetDelay(delay)
		type hold struct {
			arrived, sent time.Time
			payload       string
		}
		var mu sync.Mutex
		var holds []hold
		var dropTimes []time.Time
		r.SetReplyFunc(func(arrived, sent time.Time, payload []byte) {
			mu.Lock()
			holds = append(holds, hold{arrived, sent, string(payload)})
			mu.Unlock()
		})
		r.SetDropFunc(func(now time.Time, _, _ int, _ []byte) bool {
			mu.Lock()
			dropTimes = append(dropTimes, now)
			mu.Unlock()
			return false
		})
		p := newPinger(t, fam, fam.peer(l))
		for seq := range 10 {
			p.send(t, seq, []byte(fmt.Sprintf("hold %d", seq)))
		}
		if got := p.collect(10, 10*time.Second); len(got) != 10 {
			t.Fatalf("%d replies of 10; responder %+v", len(got), r.Stats())
		}
		waitStats(t, r, icmpresponder.Stats{Requests: 10, Replied: 10})
		mu.Lock()
		defer mu.Unlock()
		if len(holds) != 10 || len(dropTimes) != 10 {
			t.Fatalf("told of %d replies and %d requests, want 10 of each", len(holds), len(dropTimes))
		}
		for i, h := range holds {
			if want := fmt.Sprintf("hold %d", i); h.payload != want {
				t.Errorf("reply %d: payload %q, want %q", i, h.payload, want)
			}
			if h.sent.Sub(h.arrived) < delay {
				t.Errorf("reply %d: sent %v after its request arrived, less than the delay of %v", i, h.sent.Sub(h.arrived), delay)
			}
			if !h.arrived.Equal(dropTimes[i]) {
				t.Errorf("reply %d: arrival %v, but the DropFunc was given %v", i, h.arrived, dropTimes[i])
			}
		}
	})
}
