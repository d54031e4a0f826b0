package agent

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/probe"
	"github.com/slawatch/slawatch/sample"
)

// An event of TestMinutesMatchProbeRows: a probe due, or a reply
// arriving, at clock nanoseconds at.
type probeEvent struct {
	at     int64
	target uint32
	serial uint32
	reply  bool
}

// TestMinutesMatchProbeRows feeds the same probes through the agent's
// minute accumulation (fire, takeReplies, flush: the main loop's own
// steps, without sockets) and, written as probe rows, through the samples
// reader, and wants identical minute records, reply timing included.
//
// Three targets at 1 s, 7 s and 30 s from 00:00:17.3 for four minutes;
// each probe is lost (15%), answered late, after its 1 s timeout (5%:
// lost, and an empty rtt_ms in its row), or answered after 20 µs to 900 ms
// with nanosecond precision (the reader rounds half up to the microsecond,
// as the agent does).
func TestMinutesMatchProbeRows(t *testing.T) {
	wall0 := time.Date(2026, 10, 5, 0, 0, 17, 300_000_000, time.UTC).UnixNano()
	ivs := []int64{int64(time.Second), 7 * int64(time.Second), 30 * int64(time.Second)}
	a := &Agent{log: slog.New(slog.NewTextHandler(io.Discard, nil)), targets: make([]target, len(ivs)),
		wall0: wall0, maxTO: int64(time.Second), nextFlush: wall0 / int64(time.Minute)}
	for i := range a.targets {
		tg := &a.targets[i]
		tg.series, tg.timeout, tg.bmin = fmt.Sprintf("s%d", i), int64(time.Second), [2]int64{-1, -1}
		tg.dest = &probe.Dest{Addr: netip.MustParseAddr("192.0.2.1")}
	}
	a.lanes = newLanes(a.targets, ivs, wall0)

	rng := rand.New(rand.NewPCG(1, 2))
	var rows strings.Builder
	rows.WriteString(sample.Header + "\n")
	var events []probeEvent
	end := 4 * int64(time.Minute)
	for _, l := range a.lanes {
		for due := l.due(); due < end; due = l.due() {
			i := l.targets[l.pos]
			l.advance()
			events = append(events, probeEvent{at: due, target: i})
		}
	}
	slices.SortFunc(events, func(x, y probeEvent) int { return int(x.at - y.at) })

	var agentRecs []slawatch.SeriesMinute
	agentMin := map[int64]bool{}
	sink := func(m int64, recs []slawatch.SeriesMinute) error {
		agentMin[m] = true
		for _, r := range recs {
			agentRecs = append(agentRecs, slawatch.SeriesMinute{Series: fmt.Sprintf("%d/%s", m, r.Series), M: r.M})
		}
		return nil
	}
	var st Stats
	for k := 0; k < len(events); k++ {
		e := events[k]
		a.flushDue(e.at, sink, &st)
		if e.reply {
			reps := []probe.Reply{{Target: e.target, Serial: e.serial, From: a.targets[e.target].dest.Addr, At: wall0 + e.at}}
			a.takeReplies(reps, &st)
			continue
		}
		a.fire(e.target, wall0+e.at, &st)
		a.echoes = [2][]probe.Echo{}
		a.targets[e.target].pendAt = wall0 + e.at // sent when due
		rtt := ""
		switch p := rng.Float64(); {
		case p < 0.15: // lost
		case p < 0.20: // late
			events = insertEvent(events, k, probeEvent{at: e.at + int64(time.Second) + rng.Int64N(int64(time.Second)), target: e.target, serial: a.targets[e.target].pendSerial, reply: true})
		default:
			ns := 20_000 + rng.Int64N(900_000_000)
			events = insertEvent(events, k, probeEvent{at: e.at + ns, target: e.target, serial: a.targets[e.target].pendSerial, reply: true})
			rtt = fmt.Sprintf("%d.%06d", ns/1e6, ns%1e6)
		}
		fmt.Fprintf(&rows, "%s,%s,%s\n", time.Unix(0, wall0+e.at).UTC().Format(time.RFC3339Nano), a.targets[e.target].series, rtt)
	}
	for ; a.nextFlush <= (wall0+end)/int64(time.Minute); a.nextFlush++ {
		a.flush(a.nextFlush, sink, &st)
	}

	csvRecs := readProbeRows(t, rows.String(), len(ivs))
	if len(agentRecs) != len(csvRecs) {
		t.Fatalf("agent made %d records, the reader %d", len(agentRecs), len(csvRecs))
	}
	timed := 0
	for i := range agentRecs {
		if agentRecs[i] != csvRecs[i] {
			t.Errorf("record %d: agent %+v, reader %+v", i, agentRecs[i], csvRecs[i])
		}
		if agentRecs[i].M.Timed() {
			timed++
		}
	}
	if timed == 0 || st.Late == 0 || st.Lost == st.Late {
		t.Errorf("the probes do not test much: %d timed records, stats %+v", timed, st)
	}
}

// insertEvent inserts e after position k, keeping events in time order.
func insertEvent(events []probeEvent, k int, e probeEvent) []probeEvent {
	j := k + 1
	for j < len(events) && events[j].at <= e.at {
		j++
	}
	return slices.Insert(events, j, e)
}

// readProbeRows reads probe rows of series s0..s(n-1) into records named
// "minute/series", in the order the agent hands them over.
func readProbeRows(t *testing.T, text string, n int) []slawatch.SeriesMinute {
	t.Helper()
	lookup := func(name []byte) (int32, bool) {
		var i int32
		_, err := fmt.Sscanf(string(name), "s%d", &i)
		return i, err == nil && int(i) < n
	}
	r := sample.NewReader(strings.NewReader(text), "probes.csv", n, lookup)
	var out []slawatch.SeriesMinute
	for {
		b, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range b.Records {
			out = append(out, slawatch.SeriesMinute{Series: fmt.Sprintf("%d/s%d", b.Minute, rec.Series), M: rec.Minute})
		}
	}
}
