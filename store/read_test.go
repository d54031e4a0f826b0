package store

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	slawatch "github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/store/storetest"
)

// TestReadFiltered: ReadMinutesOf drops what keep refuses before agents
// are summed, and ReadAgentMinutes gives each agent's records apart,
// staged and compacted alike.
func TestReadFiltered(t *testing.T) {
	for name, url := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "s.db") },
		"postgres": func(t *testing.T) string { return storetest.FreshPostgres(t) },
	} {
		t.Run(name, func(t *testing.T) {
			s := mustOpen(t, url(t), Options{})
			x1, x2, y := rec("x", 60, 2, 10_000), rec("x", 30, 0, 8_000), rec("y", 10, 1, 5_000)
			mustWrite(t, s, "pop1", t0, x1, y)
			mustWrite(t, s, "pop2", t0, x2)
			mustWrite(t, s, "pop2", t0, rec("x", 99, 0, 1)) // a later copy: the first stored wins
			onlyPop1X := func(agent, series string) bool { return agent == "pop1" || series != "x" }
			for _, compacted := range []bool{false, true} {
				if compacted {
					mustCompact(t, s, t0+60)
				}
				var got []slawatch.SeriesMinute
				err := s.ReadMinutesOf(context.Background(), t0, t0+1, onlyPop1X, func(m int64, recs []slawatch.SeriesMinute) error {
					got = append(got, recs...)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if want := []slawatch.SeriesMinute{x1, y}; !reflect.DeepEqual(got, want) {
					t.Errorf("compacted %v: ReadMinutesOf = %v, want %v", compacted, got, want)
				}
				byAgent := map[string][]slawatch.SeriesMinute{}
				err = s.ReadAgentMinutes(context.Background(), t0, t0+1, nil, func(m int64, a string, recs []slawatch.SeriesMinute) error {
					byAgent[a] = append(byAgent[a], recs...)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				want := map[string][]slawatch.SeriesMinute{"pop1": {x1, y}, "pop2": {x2}}
				if !reflect.DeepEqual(byAgent, want) {
					t.Errorf("compacted %v: ReadAgentMinutes = %v, want %v", compacted, byAgent, want)
				}
			}
		})
	}
}
