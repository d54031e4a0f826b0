package slawatch

import (
	"math/rand/v2"
	"testing"
)

// probe is one probe of a minute: the second it was sent, and its RTT
// (lost when rtt < 0).
type probe struct {
	sec int
	rtt int64
}

// fold builds a minute from probes in the order given; timed probes use
// AddReplyAt, the others AddReply.
func fold(t *testing.T, ps []probe, timed bool) Minute {
	t.Helper()
	var m Minute
	for _, p := range ps {
		switch {
		case p.rtt < 0:
			m.AddLost()
		case timed:
			if !m.AddReplyAt(uint32(p.rtt), p.sec) {
				t.Fatalf("AddReplyAt(%d, %d) refused", p.rtt, p.sec)
			}
		default:
			m.AddReply(uint32(p.rtt))
		}
	}
	return m
}

func randomProbes(r *rand.Rand) []probe {
	ps := make([]probe, r.IntN(8))
	for i := range ps {
		ps[i] = probe{sec: r.IntN(60), rtt: -1}
		if r.IntN(3) > 0 {
			ps[i].rtt = int64(r.IntN(100_000))
		}
	}
	return ps
}

func merged(a, b Minute) Minute {
	a.Merge(b)
	return a
}

// TestMinuteFoldAssociative: fold(a, fold(b, c)) == fold(fold(a, b), c),
// and the fold commutes, for timed, untimed and reply-less records mixed.
func TestMinuteFoldAssociative(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		var m [3]Minute
		for j := range m {
			m[j] = fold(t, randomProbes(r), r.IntN(4) > 0)
		}
		left := merged(merged(m[0], m[1]), m[2])
		right := merged(m[0], merged(m[1], m[2]))
		if left != right {
			t.Fatalf("case %d: %+v %+v %+v: (ab)c = %+v, a(bc) = %+v", i, m[0], m[1], m[2], left, right)
		}
		if ab, ba := merged(m[0], m[1]), merged(m[1], m[0]); ab != ba {
			t.Fatalf("case %d: ab = %+v, ba = %+v", i, ab, ba)
		}
	}
}

// TestMinuteSplitFoldsBack: a minute's probes split anywhere, or dealt
// to any number of parts in any order (several agents, several files),
// fold back to the minute folded whole.
func TestMinuteSplitFoldsBack(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 20000 {
		ps := randomProbes(r)
		whole := fold(t, ps, true)
		k := r.IntN(len(ps) + 1)
		if got := merged(fold(t, ps[:k], true), fold(t, ps[k:], true)); got != whole {
			t.Fatalf("case %d: split at %d of %v: %+v, whole %+v", i, k, ps, got, whole)
		}
		parts := make([][]probe, 1+r.IntN(3))
		for _, p := range ps {
			j := r.IntN(len(parts))
			parts[j] = append(parts[j], p)
		}
		var got Minute
		for _, j := range r.Perm(len(parts)) {
			got.Merge(fold(t, parts[j], true))
		}
		if got != whole {
			t.Fatalf("case %d: %v dealt to %v: %+v, whole %+v", i, ps, parts, got, whole)
		}
	}
}

// TestMinuteTiming pins the fields: 1 + the second of the first and the
// last answered probe; nothing for lost probes; untimed replies absorb.
func TestMinuteTiming(t *testing.T) {
	// 30 s pings at :15 and :45: lost, answered.
	m := fold(t, []probe{{15, -1}, {45, 12000}}, true)
	if m.FirstReply != 46 || m.LastReply != 46 || !m.Timed() {
		t.Fatalf("lost :15, reply :45: %+v", m)
	}
	m = fold(t, []probe{{15, -1}, {45, -1}}, true)
	if m.FirstReply != 0 || m.LastReply != 0 || m.Timed() {
		t.Fatalf("all lost: %+v", m)
	}
	m = fold(t, []probe{{0, 1}, {59, 2}}, true)
	if m.FirstReply != 1 || m.LastReply != 60 {
		t.Fatalf(":00 and :59: %+v", m)
	}
	u := fold(t, []probe{{10, 5}}, false)
	if u.Timed() {
		t.Fatalf("untimed: %+v", u)
	}
	if got := merged(m, u); got.Timed() || got.FirstReply != 0 {
		t.Fatalf("timed + untimed replies = %+v, want untimed", got)
	}
	var bad Minute
	if bad.AddReplyAt(1, 60) || bad.AddReplyAt(1, -1) || bad != (Minute{}) {
		t.Fatalf("a second outside 0-59 was taken: %+v", bad)
	}
}
