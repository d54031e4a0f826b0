package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	slawatch "github.com/slawatch/slawatch"
)

// checkBatches checks that ReadBatches reads what ReadMinutes read (want)
// of [from, to): of every series, numbered in the order of their ids, of
// their names and in a shuffled order, and of every other series.
func checkBatches(t testing.TB, s *Store, from, to int64, want []stored) {
	t.Helper()
	var names []string
	for _, st := range want {
		for _, r := range st.Recs {
			names = append(names, r.Series)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	shuffled := slices.Clone(names)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	var odd []string
	for i := 0; i < len(shuffled); i += 2 {
		odd = append(odd, shuffled[i])
	}
	// numbered in the order of the series table, as most hours are
	// streamed; the other orders make the hours be decoded whole
	var byID []string
	rows, err := s.db.QueryContext(context.Background(), `SELECT name FROM series ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(names, name) {
			byID = append(byID, name)
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	for _, series := range [][]string{byID, names, shuffled, odd} {
		got := readBatches(t, s, from, to, series)
		if w := only(want, series); !reflect.DeepEqual(got, w) {
			t.Fatalf("ReadBatches [%d, %d) of %q:\n got %+v\nwant %+v", from, to, series, got, w)
		}
	}
}

// readBatches reads with ReadBatches and names the records again, sorted
// by name as ReadMinutes sorts them.
func readBatches(t testing.TB, s *Store, from, to int64, series []string) []stored {
	t.Helper()
	var out []stored
	err := s.ReadBatches(context.Background(), from, to, series, nil, func(b *slawatch.Batch) error {
		if int(b.Rows) != len(b.Records) {
			t.Errorf("minute %d: %d rows, %d records", b.Minute, b.Rows, len(b.Records))
		}
		if !slices.IsSortedFunc(b.Records, func(x, y slawatch.Record) int { return int(x.Series - y.Series) }) {
			t.Errorf("minute %d: records not by number", b.Minute)
		}
		st := stored{Minute: b.Minute}
		for _, r := range b.Records {
			st.Recs = append(st.Recs, slawatch.SeriesMinute{Series: series[r.Series], M: r.Minute})
		}
		slices.SortFunc(st.Recs, func(x, y slawatch.SeriesMinute) int { return strings.Compare(x.Series, y.Series) })
		out = append(out, st)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// only is want of the named series, without the minutes left empty.
func only(want []stored, series []string) []stored {
	var out []stored
	for _, st := range want {
		var recs []slawatch.SeriesMinute
		for _, r := range st.Recs {
			if slices.Contains(series, r.Series) {
				recs = append(recs, r)
			}
		}
		if len(recs) > 0 {
			out = append(out, stored{st.Minute, recs})
		}
	}
	return out
}

// TestReadBatchesFiltered: ReadBatches drops what keep refuses before
// agents are summed, staged and compacted alike, and reads across the
// hours of a month in order.
func TestReadBatchesFiltered(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	x1, x2, y := rec("x", 60, 2, 10_000), rec("x", 30, 0, 8_000), rec("y", 10, 1, 5_000)
	for h := int64(0); h < 30; h++ {
		mustWrite(t, s, "pop1", t0+h*60, x1, y)
		mustWrite(t, s, "pop2", t0+h*60, x2)
		mustWrite(t, s, "pop2", t0+h*60, rec("x", 99, 0, 1)) // a later copy: the first stored wins
	}
	onlyPop1X := func(agent, series string) bool { return agent == "pop1" || series != "x" }
	for _, compacted := range []bool{false, true} {
		if compacted {
			mustCompact(t, s, t0+20*60)
		}
		var got []stored
		err := s.ReadBatches(context.Background(), t0, t0+30*60, []string{"y", "x"}, onlyPop1X, func(b *slawatch.Batch) error {
			st := stored{Minute: b.Minute}
			for _, r := range b.Records {
				st.Recs = append(st.Recs, slawatch.SeriesMinute{Series: []string{"y", "x"}[r.Series], M: r.Minute})
			}
			got = append(got, st)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var want []stored
		for h := int64(0); h < 30; h++ {
			want = append(want, stored{t0 + h*60, []slawatch.SeriesMinute{y, x1}})
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("compacted %v: ReadBatches = %v, want %v", compacted, got, want)
		}
		checkBatches(t, s, t0, t0+30*60, readAll(t, s, t0, t0+30*60))
	}
}

// TestReadBatchesStops: an error from fn stops the reading, in whichever
// hour, and is returned; the decoding goroutines end.
func TestReadBatchesStops(t *testing.T) {
	s := mustOpen(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	for m := int64(0); m < 5*60; m += 7 {
		mustWrite(t, s, "pop1", t0+m, rec("x", 60, 0, 10_000))
	}
	mustCompact(t, s, t0+3*60)
	stop := errors.New("stop")
	for _, after := range []int{1, 9, 20, 43} {
		calls := 0
		err := s.ReadBatches(context.Background(), t0, t0+5*60, []string{"x"}, nil, func(*slawatch.Batch) error {
			calls++
			if calls == after {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || calls != after {
			t.Errorf("stop after %d: err %v after %d calls", after, err, calls)
		}
	}
}
