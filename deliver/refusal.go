package deliver

import (
	"context"
	"log/slog"
	"slices"

	"github.com/slawatch/slawatch"
)

// maxRefusedLogged bounds the refused series a delivery logs one by one.
const maxRefusedLogged = 10

// drop takes the records of the series the server refused out of the
// group, logs each series at ERROR (the first ten, then a summary line),
// and returns how many records it took out. None means the refusal
// names no series of the body: then it is an error like any other, not
// a reason to send again at once.
func (s *Server) drop(ctx context.Context, server string, series []string) int {
	refused := make(map[string]*refusal, len(series))
	for _, name := range series {
		refused[name] = &refusal{}
	}
	n := s.regroup(refused)
	logged, more, moreRecords := 0, 0, 0
	for _, name := range series {
		x := refused[name]
		switch {
		case x.records == 0:
		case logged < maxRefusedLogged:
			logged++
			s.log.Log(ctx, slog.LevelError, "series refused by the server, its records not delivered: assign the series to this agent on the server",
				"series", name, "server", server, "records", x.records,
				"first_minute", slawatch.MinuteTime(x.first), "last_minute", slawatch.MinuteTime(x.last))
		default:
			more++
			moreRecords += x.records
		}
	}
	if more > 0 { // like the probes' failures: ten lines and a summary
		s.log.Log(ctx, slog.LevelError, "more series refused by the server, their records not delivered",
			"series", more, "records", moreRecords, "server", server)
	}
	s.refused += n
	return n
}

// regroup builds the group again without the records of the refused
// series, counting them in refused, and returns how many it left out.
func (s *Server) regroup(refused map[string]*refusal) int {
	old := slices.Clone(s.batches)
	s.Reset()
	n := 0
	for _, b := range old {
		kept := make([]slawatch.SeriesMinute, 0, len(b.Entries))
		for _, r := range b.Entries {
			if x := refused[r.Series]; x != nil {
				x.add(b.Minute)
				n++
			} else {
				kept = append(kept, r)
			}
		}
		if len(kept) > 0 {
			b.Entries = kept
			s.Add(b)
		}
	}
	return n
}

// refusal counts a refused series' records in a group.
type refusal struct {
	records     int
	first, last int64
}

func (x *refusal) add(m int64) {
	if x.records == 0 {
		x.first = m
	}
	x.records, x.last = x.records+1, m
}
