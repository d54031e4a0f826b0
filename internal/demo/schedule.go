package demo

import (
	"context"
	"time"

	"github.com/slawatch/slawatch/agent"
)

// Schedule is when the outage listener is closed: for For, every Every,
// the first time Lead after the start, so that a newcomer sees the
// services up first.
type Schedule struct {
	Start            time.Time
	Lead, Every, For time.Duration
}

// Window returns the k-th outage, k from 0.
func (s Schedule) Window(k int) (down, up time.Time) {
	down = s.Start.Add(s.Lead + time.Duration(k)*s.Every)
	return down, down.Add(s.For)
}

// At returns the outage under way at t, or the next one.
func (s Schedule) At(t time.Time) (k int, down, up time.Time) {
	if d := t.Sub(s.Start) - s.Lead; d > 0 {
		k = int(d / s.Every)
	}
	for {
		if down, up = s.Window(k); up.After(t) {
			return k, down, up
		}
		k++
	}
}

// run closes and opens l on the schedule, on clock, until ctx is done;
// each change is told to note.
func (s Schedule) run(ctx context.Context, clock agent.Clock, l *Listener, note func(k int, isDown bool, until time.Time)) error {
	timer := clock.NewTimer(0)
	defer timer.Stop()
	for {
		now := clock.Now()
		k, down, up := s.At(now)
		switch inside := !now.Before(down); {
		case inside && l.IsUp():
			l.Down()
			note(k, true, up)
		case !inside && !l.IsUp():
			if err := l.Up(); err != nil {
				return err
			}
			note(k, false, down)
		}
		next := down
		if !now.Before(down) {
			next = up
		}
		timer.Reset(max(next.Sub(now), time.Millisecond))
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C():
		}
	}
}
