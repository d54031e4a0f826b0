package demo

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/store"
)

// History makes up the demo's past: a minute record per series for every
// minute of [From, To), as the demo's agent would have measured it (a TCP
// connect a second): round trips that rise in office hours, a probe lost
// now and then, an hour of congestion on the long path each week, and a
// few outages a month. Every minute depends only on the seed, the series
// and the minute, so the same seed makes the same history whatever the
// range, and a test can compute what the server must find.
type History struct {
	From, To int64 // Unix minutes
	Seed     uint64
	Loc      *time.Location // office hours are local (the contracts' zone)
}

// PastOutage is a stretch of whole minutes in the history when some of
// the listeners answered nothing.
type PastOutage struct {
	Listeners  []string
	Start, End int64 // Unix minutes, [Start, End)
}

// outageKinds are the history's outages, one of each a month: the tokyo
// listener (IIJ's Internet access and Aryaka's tunnel), both DC lines
// (IIJ's DC connection), the Singapore path (PrivateCore uptime), and the
// primary DC line alone, which the secondary covers (no DC outage).
var outageKinds = []struct {
	listeners []string
	min, max  int64 // length in minutes
}{
	{[]string{OutageListener}, 12, 26},
	{[]string{"dc-primary", "dc-secondary"}, 4, 9},
	{[]string{"singapore"}, 6, 15},
	{[]string{"dc-primary"}, 25, 45},
}

// Outages returns the history's outages, in order of start. Each month
// the range covers for more than two days gets one of each kind, at
// random times at least an hour inside the range.
func (h History) Outages() []PastOutage {
	var out []PastOutage
	first := time.Unix(h.From*60, 0).In(h.Loc)
	for m := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, h.Loc); m.Unix()/60 < h.To; m = m.AddDate(0, 1, 0) {
		lo := max(h.From, m.Unix()/60) + 60
		hi := min(h.To, m.AddDate(0, 1, 0).Unix()/60) - 120
		if hi-lo < 2*24*60 {
			continue
		}
		rng := rand.New(rand.NewPCG(h.Seed, uint64(m.Unix())))
		for _, k := range outageKinds {
			start := lo + rng.Int64N(hi-lo)
			out = append(out, PastOutage{Listeners: k.listeners, Start: start, End: start + k.min + rng.Int64N(k.max-k.min+1)})
		}
	}
	slices.SortStableFunc(out, func(a, b PastOutage) int { return cmp.Compare(a.Start, b.Start) })
	return out
}

// Minute returns the records of minute m.
func (h History) Minute(m int64, outages []PastOutage, recs []slawatch.SeriesMinute) []slawatch.SeriesMinute {
	recs = recs[:0]
	local := time.Unix(m*60, 0).In(h.Loc)
	busy := busyness(local)
	for i, s := range allSeries {
		rng := rand.New(rand.NewPCG(h.Seed^uint64(i+1)*0x9e3779b97f4a7c15, uint64(m)))
		recs = append(recs, slawatch.SeriesMinute{Series: s.Name, M: h.minute(s, m, busy, down(outages, s.Listener, m), rng)})
	}
	return recs
}

// minute makes one series' minute: 60 probes, each lost or answered.
func (h History) minute(s series, m int64, busy float64, isDown bool, rng *rand.Rand) slawatch.Minute {
	var rec slawatch.Minute
	lost := 0
	switch {
	case isDown:
		lost = 60
	case rng.Float64() < 0.003: // a lost probe or three, now and then
		lost = 1 + rng.IntN(3)
	case s.Listener == "singapore" && congested(m):
		lost = 1 + rng.IntN(3) // 2% to 5%, give or take
	}
	mean := s.BaseRTT + s.DayRTT*busy
	for range 60 - lost {
		// right-skewed, as round trips are: queueing adds, nothing subtracts
		rtt := mean + s.Noise*(rng.ExpFloat64()-1)
		rec.AddReply(uint32(max(50, rtt)))
	}
	for range lost {
		rec.AddLost()
	}
	return rec
}

// busyness is 0 at night and up to 1 in the afternoon of a working day.
func busyness(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	b := math.Max(0, math.Sin(math.Pi*(h-7)/15)) // 07:00 to 22:00, peak at 14:30
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		b *= 0.3
	}
	return b
}

// congested: the long path loses a few percent on Wednesdays, 20:00 to
// 21:00 UTC.
func congested(m int64) bool {
	t := time.Unix(m*60, 0).UTC()
	return t.Weekday() == time.Wednesday && t.Hour() == 20
}

func down(outages []PastOutage, listener string, m int64) bool {
	for _, o := range outages {
		if m >= o.Start && m < o.End {
			if slices.Contains(o.Listeners, listener) {
				return true
			}
		}
	}
	return false
}

// blocksPerWrite: a day of minutes a transaction.
const blocksPerWrite = 24 * 60

// Write stores the history through st as the demo's agent, then compacts
// it, and returns how many records it wrote.
func (h History) Write(ctx context.Context, st *store.Store) (int, error) {
	outages := h.Outages()
	blocks := make([]store.Block, 0, blocksPerWrite)
	n := 0
	flush := func() error {
		if err := st.WriteBlocks(ctx, AgentName, blocks); err != nil {
			return fmt.Errorf("demo: back-fill: %w", err)
		}
		blocks = blocks[:0]
		return nil
	}
	for m := h.From; m < h.To; m++ {
		recs := h.Minute(m, outages, make([]slawatch.SeriesMinute, 0, len(allSeries)))
		blocks = append(blocks, store.Block{Minute: m, Records: recs})
		n += len(recs)
		if len(blocks) == blocksPerWrite {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if len(blocks) > 0 {
		if err := flush(); err != nil {
			return n, err
		}
	}
	// the server compacts hours two hours old; the history is all older
	if _, err := st.Compact(ctx, h.To-120); err != nil {
		return n, fmt.Errorf("demo: back-fill: compact: %w", err)
	}
	return n, nil
}
