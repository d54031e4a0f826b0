package agent

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
)

// TestAccuracyAtScale measures, on the real clock, how close the agent
// keeps to its schedule and how exact its round trips are when it probes
// SLAWATCH_ACCURACY_TARGETS targets once a second for
// SLAWATCH_ACCURACY_SECONDS (20 when unset; SLAWATCH_ACCURACY_SEND_STAMPS
// sets icmp_send_stamps, true or false) across a veth pair to the
// project's responder, which delays every reply by 10 ms. It is a
// measurement, not a unit test (bench/agent-accuracy.sh runs it): it
// asserts only that nothing is lost, and logs
//
//   - the send-time error: the kernel's stamp of each request's arrival
//     at the responder less the request's slot in the schedule (so it
//     includes the path, a few µs), p50, p99 and max of every request;
//   - the RTT error of every probe: the agent's round trip less the time
//     the responder held the request (from the kernel's stamp of its
//     arrival to just before the reply's system call), so that what is
//     left is the agent's own error and the path's two crossings of the
//     veth pair; p50, p99 and max;
//   - the minute records' round trips less the 10 ms delay (which
//     includes the responder's lateness in answering), p50, p99 and max
//     over target-minutes, of the minute's mean and of its max.
func TestAccuracyAtScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("SLAWATCH_ACCURACY_TARGETS"))
	if n <= 0 {
		t.Skip("a measurement: set SLAWATCH_ACCURACY_TARGETS (bench/agent-accuracy.sh)")
	}
	secs, _ := strconv.Atoi(os.Getenv("SLAWATCH_ACCURACY_SECONDS"))
	if secs <= 0 {
		secs = 20
	}
	const delay = 10 * time.Millisecond
	lab, rs := farEnd(t)
	var mu sync.Mutex
	var sendErr []int64
	holds, rtts := map[uint64]int64{}, map[uint64]int64{} // by target<<32 | serial
	var leaveErr []int64                                  // the agent's send time less the slot
	rs[0].SetDelay(delay)
	rs[0].SetReplyFunc(func(arrived, sent time.Time, payload []byte) {
		if len(payload) >= 12 {
			k := uint64(binary.BigEndian.Uint32(payload[4:]))<<32 | uint64(binary.BigEndian.Uint32(payload[8:]))
			mu.Lock()
			holds[k] = int64(sent.Sub(arrived))
			mu.Unlock()
		}
	})
	rs[0].SetDropFunc(func(now time.Time, _, _ int, payload []byte) bool {
		if len(payload) >= 8 {
			e := offSlot(now.UnixNano(), binary.BigEndian.Uint32(payload[4:]), n)
			mu.Lock()
			sendErr = append(sendErr, e)
			mu.Unlock()
		}
		return false
	})
	var b strings.Builder
	b.WriteString("defaults: {interval: 1s, timeout: 1s}\ntargets:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {series: t%d, icmp: {host: %s}}\n", i, lab.PeerAddr())
	}
	cfg := mustConfig(t, b.String())
	if v := os.Getenv("SLAWATCH_ACCURACY_SEND_STAMPS"); v != "" { // true or false: icmp_send_stamps
		stamps := v == "true"
		cfg.ICMPSendStamps = &stamps
	}
	a, err := New(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a.onRTT = func(target, serial uint32, sent, rtt int64) {
		e := offSlot(sent, target, n)
		mu.Lock()
		rtts[uint64(target)<<32|uint64(serial)] = rtt
		leaveErr = append(leaveErr, e)
		mu.Unlock()
	}
	var meanErr, maxErr []int64
	sink := func(_ int64, recs []slawatch.SeriesMinute) error {
		for _, r := range recs {
			if r.M.Received > 0 {
				meanErr = append(meanErr, int64(r.M.RTTSum/uint64(r.M.Received))*1000-int64(delay))
				maxErr = append(maxErr, int64(r.M.RTTMax)*1000-int64(delay))
			}
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs)*time.Second)
	defer cancel()
	if err := a.Run(ctx, sink); err != nil {
		t.Fatal(err)
	}
	st := a.Stats()
	t.Logf("%d targets at 1 s for %d s: sent %d (%d stamped by the kernel), lost %d (late %d, receive buffer drops %d), skipped %d", n, secs, st.Sent, st.SendStamped, st.Lost, st.Late, st.RcvbufDrops, st.Skipped)
	mu.Lock()
	t.Logf("send-time error at the agent (the kernel's stamp of the request leaving, less its slot; answered probes): %s", quantiles(leaveErr))
	t.Logf("send-time error at the responder (its kernel's stamp of the request's arrival, less its slot): %s", quantiles(sendErr))
	var rttErr []int64
	for k, rtt := range rtts {
		if h, ok := holds[k]; ok {
			rttErr = append(rttErr, rtt-h)
		}
	}
	t.Logf("RTT error of each probe (its round trip less the responder's hold): %s", quantiles(rttErr))
	mu.Unlock()
	t.Logf("RTT error, mean of a target-minute less 10 ms: %s", quantiles(meanErr))
	t.Logf("RTT error, max of a target-minute less 10 ms: %s", quantiles(maxErr))
	if st.Lost != 0 {
		t.Errorf("%d probes lost", st.Lost)
	}
}

// offSlot is how far Unix nanoseconds at are from target j's slot of n
// at 1 s, (2j+1)·1s/(2n) into each second: at less the slot, modulo 1 s,
// in -0.5 s .. 0.5 s.
func offSlot(at int64, j uint32, n int) int64 {
	slot := (2*int64(j) + 1) * int64(time.Second) / int64(2*n)
	e := (at-slot)%int64(time.Second) + int64(time.Second)
	return (e+int64(time.Second)/2)%int64(time.Second) - int64(time.Second)/2
}

// quantiles formats min, p1, p50, p99 and max of signed nanosecond
// figures.
func quantiles(v []int64) string {
	if len(v) == 0 {
		return "none"
	}
	slices.Sort(v)
	at := func(q float64) time.Duration { return time.Duration(v[int(q*float64(len(v)-1))]) }
	return fmt.Sprintf("min %v, p1 %v, p50 %v, p99 %v, max %v (%d)", time.Duration(v[0]), at(0.01), at(0.5), at(0.99), time.Duration(v[len(v)-1]), len(v))
}
