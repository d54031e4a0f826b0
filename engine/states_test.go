package engine_test

import (
	"testing"

	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/report"
)

// finished runs f's month and returns the finished evaluator with its
// report.
func finished(t *testing.T, f *feed, month string) (*engine.Evaluator, *report.Report) {
	t.Helper()
	var ev *engine.Evaluator
	r := f.evalWith(month, func(e *engine.Evaluator) { ev = e })
	return ev, r
}

// boundLevel returns the bound level of service index s, level index k.
func boundLevel(f *feed, s, k int) *contract.Level { return f.b.Services[s].Levels[k] }

func countStates(st []engine.State) map[engine.State]int {
	n := map[engine.State]int{}
	for _, s := range st {
		n[s]++
	}
	return n
}

// The states count as the report does, and the run rule has turned the
// 4 silent minutes of 3 Nov into up.
func TestStatesRuns(t *testing.T) {
	f := scenario(t, iijInternet).month("2026-11", "r1", 2, 5000)
	f.outage("r1", "2026-11-03 10:00", "2026-11-03 10:04", 2, 2, 0) // too short: up
	f.outage("r1", "2026-11-04 10:00", "2026-11-04 10:05", 2, 2, 0) // 5 down
	f.gap("r1", "2026-11-10 00:00", "2026-11-10 01:00")             // 60 unknown
	ev, r := finished(t, f, "2026-11")
	st, ok := ev.States(boundLevel(f, 0, 0))
	if !ok {
		t.Fatal("no states for iij/internet-availability")
	}
	if len(st) != 43200 {
		t.Fatalf("len: got %d, want 43200", len(st))
	}
	l := level(t, r, "acme/tokyo", "iij/internet-availability")
	n := countStates(st)
	if n[engine.StateDown] != *l.DownMinutes || n[engine.StateUnknown] != l.UnknownMinutes ||
		n[engine.StateExcluded] != l.ExcludedMinutes || n[engine.StateUp]+n[engine.StateDown] != l.MeasuredMinutes {
		t.Errorf("counts %v, report down %d unknown %d excluded %d measured %d",
			n, *l.DownMinutes, l.UnknownMinutes, l.ExcludedMinutes, l.MeasuredMinutes)
	}
	// Tokyo is UTC+9: 3 Nov 10:00 JST is minute (2*24 + 10)*60 = 3480.
	for j, want := range map[int]engine.State{3480: engine.StateUp, 3480 + 24*60: engine.StateDown,
		3480 + 24*60 + 5: engine.StateUp, 9 * 24 * 60: engine.StateUnknown} {
		if st[j] != want {
			t.Errorf("minute %d: got %v, want %v", j, st[j], want)
		}
	}
}

// Honoured exclusions are excluded whatever was measured; refused ones
// keep their down minutes.
func TestStatesExclusions(t *testing.T) {
	f := scenario(t, aryHostedFWNotice).month("2026-11", "vm1", 1, 2000)
	f.outage("vm1", "2026-11-03 10:00", "2026-11-03 10:30", 1, 1, 0) // excluded
	f.outage("vm1", "2026-11-04 10:00", "2026-11-04 10:30", 1, 1, 0) // 47h59m: down
	ev, r := finished(t, f, "2026-11")
	st, ok := ev.States(boundLevel(f, 0, 0))
	if !ok {
		t.Fatal("no states")
	}
	l := level(t, r, "acme/fw", "aryaka/hosted-fw-uptime")
	n := countStates(st)
	if n[engine.StateDown] != *l.DownMinutes || n[engine.StateExcluded] != l.ExcludedMinutes {
		t.Errorf("counts %v, report down %d excluded %d", n, *l.DownMinutes, l.ExcludedMinutes)
	}
	if a, b := st[(2*24+10)*60], st[(3*24+10)*60]; a != engine.StateExcluded || b != engine.StateDown {
		t.Errorf("3 Nov 10:00 %v (want excluded), 4 Nov 10:00 %v (want down)", a, b)
	}
}

func TestStatesNotALevel(t *testing.T) {
	f := scenario(t, iijInternet).month("2026-11", "r1", 2, 5000)
	ev, _ := finished(t, f, "2026-11")
	if _, ok := ev.States(&contract.Level{}); ok {
		t.Error("a level of no evaluator has states")
	}
	if got := engine.State(9).String(); got != "invalid" {
		t.Errorf("State(9): %q", got)
	}
}
