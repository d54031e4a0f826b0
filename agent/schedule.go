package agent

import "sort"

// A lane sends to every target of one interval, spread evenly over the
// interval: target j of n is due at offset (2j+1)·interval/(2n) into each
// round, so a thousand targets at 1 s are due one per millisecond, never
// in a burst at the top of the second, and none exactly on a minute
// boundary. (The main loop sends them in batches, each probe within half
// a sendTick of its slot: ±4 ms.)
// Rounds are aligned to the wall clock (a 30 s lane's rounds start at :00
// and :30), so the same target is probed at the same second every minute.
type lane struct {
	iv      int64    // interval, nanoseconds
	targets []uint32 // indexes into Agent.targets
	base    int64    // clock nanoseconds at which round 0 starts
	round   int64
	pos     int
}

// newLanes groups targets by interval. wall0 is the wall-clock time, in
// Unix nanoseconds, at clock time 0.
func newLanes(ts []target, ivs []int64, wall0 int64) []*lane {
	byIv := map[int64]*lane{}
	var lanes []*lane
	for i := range ts {
		l := byIv[ivs[i]]
		if l == nil {
			l = &lane{iv: ivs[i]}
			byIv[ivs[i]] = l
			lanes = append(lanes, l)
		}
		l.targets = append(l.targets, uint32(i))
	}
	sort.Slice(lanes, func(i, j int) bool { return lanes[i].iv < lanes[j].iv })
	for _, l := range lanes {
		l.start(wall0)
	}
	return lanes
}

// start aligns round 0 to the wall-clock interval grid at or before the
// start, and skips the targets whose turn in it has passed.
func (l *lane) start(wall0 int64) {
	l.base = -(wall0 % l.iv)
	for l.pos < len(l.targets) && l.due() < 0 {
		l.pos++
	}
	if l.pos == len(l.targets) {
		l.pos, l.round = 0, 1
	}
}

// due is when the lane's next target is due.
func (l *lane) due() int64 {
	n := int64(len(l.targets))
	return l.base + l.round*l.iv + (2*int64(l.pos)+1)*l.iv/(2*n)
}

// advance moves to the next target.
func (l *lane) advance() {
	l.pos++
	if l.pos == len(l.targets) {
		l.pos = 0
		l.round++
	}
}

// catchUp skips whole rounds when the lane is more than an interval
// behind (the process was stopped, or starved of CPU), so it does not send
// a burst of stale probes; it returns the number of probes skipped.
func (l *lane) catchUp(now int64) int64 {
	behind := now - l.due()
	if behind <= l.iv {
		return 0
	}
	rounds := behind / l.iv
	l.round += rounds
	return rounds * int64(len(l.targets))
}
