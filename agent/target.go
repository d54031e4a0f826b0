package agent

import (
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/probe"
)

// target is one series' probing state. It is kept small (about 200
// bytes) because a regional ISP probes 100,000 customer routers from one
// agent; only the main loop touches it.
type target struct {
	series  string
	dest    *probe.Dest   // ICMP: the prepared address
	check   probe.Checker // the other kinds
	v6      bool
	payload uint16
	timeout int64 // nanoseconds

	serial     uint32
	pending    bool   // a probe is out and neither answered nor lost
	pendSerial uint32 // its serial
	pendAt     int64  // when it left, Unix nanoseconds (ICMP)
	pendMin    int64  // the wall-clock minute it was scheduled in
	pendSec    uint8  // and the second of that minute (0-59)

	// Minute buckets, indexed by minute&1: the minute being probed and
	// the one before, still open for replies until it is flushed.
	bucket [2]slawatch.Minute
	bmin   [2]int64

	errs    uint32 // probe errors since the last flush
	lastErr error
}

// open marks a probe scheduled at Unix nanoseconds due: it belongs to the
// minute and second of due, as a probe row's time does in a samples file
// (sample.Reader), so both produce the same minute records for the same
// probes.
func (t *target) open(due int64) uint32 {
	t.serial++
	sec := slawatch.FloorDiv(due, int64(time.Second))
	m := slawatch.FloorDiv(sec, 60)
	t.pending, t.pendSerial = true, t.serial
	t.pendMin, t.pendSec = m, uint8(sec-60*m)
	return t.serial
}

// lost closes the pending probe as lost in its minute.
func (t *target) lost(s *Stats) {
	t.pending = false
	t.slot(t.pendMin, s).AddLost()
	s.Lost++
}

// answered closes the pending probe with a reply after rtt nanoseconds:
// in time it counts its round trip, late it counts as lost. The round
// trip is real time whatever the agent's Clock: packets do not run faster
// for a test.
func (t *target) answered(rtt int64, s *Stats) {
	if rtt < 0 || rtt > t.timeout {
		s.Late++
		t.lost(s)
		return
	}
	t.pending = false
	us := (rtt + 500) / int64(time.Microsecond)
	if !t.slot(t.pendMin, s).AddReplyAt(uint32(us), int(t.pendSec)) {
		s.Overflow++
		return
	}
	s.Replies++
}

// slot returns minute m's bucket, reclaiming it if it still holds a
// minute that was never flushed (the wall clock stepped back or forward).
func (t *target) slot(m int64, s *Stats) *slawatch.Minute {
	i := m & 1
	if t.bmin[i] != m {
		if t.bucket[i].Sent > 0 {
			s.Discarded++
		}
		t.bucket[i], t.bmin[i] = slawatch.Minute{}, m
	}
	return &t.bucket[i]
}

// take returns and clears minute m's bucket.
func (t *target) take(m int64) (slawatch.Minute, bool) {
	i := m & 1
	if t.bmin[i] != m || t.bucket[i].Sent == 0 {
		return slawatch.Minute{}, false
	}
	rec := t.bucket[i]
	t.bucket[i] = slawatch.Minute{}
	return rec, true
}

// fail records a probe error for the minute's log summary.
func (t *target) fail(err error) {
	t.errs++
	t.lastErr = err
}

// Stats counts what the agent did since it started.
type Stats struct {
	Targets   int
	Sent      uint64 // probes sent
	Replies   uint64 // answered in time
	Lost      uint64 // not answered in time (including late)
	Late      uint64 // answered after the timeout: counted lost
	Errors    uint64 // ICMP sends the kernel refused (check failures are Lost)
	Skipped   uint64 // probes not sent because the scheduler fell more than an interval behind
	Overflow  uint64 // replies a minute record could not hold
	Discarded uint64 // buckets reclaimed unflushed after a wall-clock step
	Minutes   uint64 // minute batches handed to the sink
	Records   uint64 // minute records handed to the sink
	SinkErrs  uint64 // batches the sink refused
	// RcvbufDrops counts the packets the ICMP sockets' full receive
	// buffers dropped (SO_RXQ_OVFL): replies lost in this host, not on
	// the path. Their probes are among Lost.
	RcvbufDrops uint64
	// SendStamped counts the ICMP probes whose send time is the kernel's
	// stamp of the request leaving the device (SO_TIMESTAMPING); the
	// others' is the time just before the system call that sent them.
	SendStamped uint64

	// the main loop's passes and the clock time of the last: tests wait
	// for them
	passes uint64
	at     int64
}
