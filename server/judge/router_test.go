package judge

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/server/docs"
	"github.com/slawatch/slawatch/server/metrics"
	"github.com/slawatch/slawatch/store"
)

// TestRebuildExact: a rebuild (the store's numbered hours, customers fed
// on several goroutines, a run of records or copies) judges each
// customer exactly as feeding it alone, minute by minute and by name,
// from ReadMinutesOf does, and finds the same outages in the same order.
// Customers a and b share a provider's series measured by two agents
// (summed), c has a series no agent of its own measures, and the last
// hours are staged, not compacted.
func TestRebuildExact(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cat, err := catalog.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	own := map[string][]string{"a": {"a-1", "a-2", "shared"}, "b": {"shared", "b-1"}, "c": {"c-1", "c-2", "c-3"}}
	for id, series := range own {
		putContract(t, st, id, series)
	}
	assign := []docs.Series{{Name: "a-1", Customer: "a", Agents: []string{"pop1"}}, {Name: "a-2", Customer: "a", Agents: []string{"pop2"}},
		{Name: "shared", Agents: []string{"pop1", "pop2"}}, {Name: "b-1", Customer: "b", Agents: []string{"pop2"}},
		{Name: "c-1", Customer: "c", Agents: []string{"pop1"}}, {Name: "c-2", Customer: "c", Agents: []string{"pop1"}},
		{Name: "c-3", Customer: "c", Agents: []string{"pop9"}}}
	for _, x := range assign {
		if err := docs.Put(ctx, st, "", docs.KindSeries, x.Name, x); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Unix() / 60
	const hours = 8
	writeMinutes(t, st, t0, hours*60)
	if _, err := st.Compact(ctx, t0+5*60); err != nil {
		t.Fatal(err)
	}
	now := time.Unix((t0+hours*60)*60, 0)
	j := New(Config{Store: st, Catalog: cat, Metrics: metrics.New(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return now }, Grace: 5 * time.Minute, ReviseMonths: 2, RecomputeDelay: time.Minute,
		Owner: owns{}, Found: func([]Found) {}})
	if err := j.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, f := range j.found {
		found = append(found, fmt.Sprintf("%s %s %d-%d", f.Customer, f.Outage.Service.Service.ID, f.Outage.Start, f.Outage.End))
	}
	var want []minuteOutage
	for _, id := range []string{"a", "b", "c"} {
		got, _, _, err := j.Snapshot(id, "2026-11")
		if err != nil || got == nil {
			t.Fatalf("%s: no November (%v)", id, err)
		}
		ref, outages := alone(t, j, st, cat, id, t0, j.customers[id].next)
		if g, w := finish(t, st, id, got), finish(t, st, id, ref); g != w {
			t.Errorf("customer %s: rebuilt\n%s\nwant\n%s", id, g, w)
		}
		want = append(want, outages...)
	}
	if len(want) == 0 {
		t.Fatal("no outage found: the test finds none to order")
	}
	// one goroutine feeding minute by minute, customer by customer,
	// finds them in the order of the minute fed, then of the customer
	slices.SortStableFunc(want, func(x, y minuteOutage) int { return cmp.Compare(x.minute, y.minute) })
	var wantS []string
	for _, o := range want {
		wantS = append(wantS, o.s)
	}
	if !reflect.DeepEqual(found, wantS) {
		t.Errorf("outages found\n%q\nwant\n%q", found, wantS)
	}
}

// minuteOutage is an outage found while minute was fed.
type minuteOutage struct {
	minute int64
	s      string
}

type owns struct{}

func (owns) Owns(string) bool { return true }

func putContract(t *testing.T, st *store.Store, id string, series []string) {
	var y strings.Builder
	fmt.Fprintf(&y, "timezone: UTC\ncurrency: USD\ncustomers:\n  - id: %s\n    services:\n", id)
	for _, s := range series {
		fmt.Fprintf(&y, "      - id: svc-%s\n        levels: [aryaka/privatecore-uptime, aryaka/tunnel-down-notify]\n"+
			"        inputs: {path: %s, tunnels: [%s]}\n        params: {remote_sites: 1, loss_threshold: \"50\"}\n        fees: {mrc: \"1000\"}\n", s, s, s)
	}
	if err := st.PutDoc(context.Background(), store.Doc{Customer: id, Kind: docs.KindContract, ID: "current", Body: []byte(y.String())}); err != nil {
		t.Fatal(err)
	}
}

// writeMinutes stores n minutes from t0: pop1 and pop2 each measure their
// series and the shared one, pop9 c-3; each series is silent a few
// minutes at a time of its own, so that outages start and end.
func writeMinutes(t *testing.T, st *store.Store, t0 int64, n int) {
	measured := map[string][]string{"pop1": {"a-1", "shared", "c-1", "c-2"}, "pop2": {"a-2", "shared", "b-1"}, "pop9": {"c-3"}}
	for agent, series := range measured {
		var blocks []store.Block
		for m := range int64(n) {
			b := store.Block{Minute: t0 + m}
			for k, s := range series {
				var rec slawatch.Minute
				silent := (m+int64(7*k+len(agent)))%97 < 6
				for p := range 60 {
					if silent || p == int(m)%60 {
						rec.AddLost()
					} else {
						rec.AddReplyAt(uint32(10_000+100*k+p), p)
					}
				}
				b.Records = append(b.Records, slawatch.SeriesMinute{Series: s, M: rec})
			}
			blocks = append(blocks, b)
		}
		if err := st.WriteBlocks(context.Background(), agent, blocks); err != nil {
			t.Fatal(err)
		}
	}
}

// alone judges customer id's November until next as one evaluator fed
// named minutes from ReadMinutesOf, and lists the outages it finds.
func alone(t *testing.T, j *Judge, st *store.Store, cat *catalog.Catalog, id string, t0, next int64) (*engine.Evaluator, []minuteOutage) {
	b, err := docs.LoadBound(context.Background(), st, cat, id)
	if err != nil {
		t.Fatal(err)
	}
	m, err := engine.ParseMonth("2026-11", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := engine.New(b, m)
	if err != nil {
		t.Fatal(err)
	}
	var outages []minuteOutage
	var feeding int64
	ev.OnOutage(func(o engine.Outage) {
		outages = append(outages, minuteOutage{feeding, fmt.Sprintf("%s %s %d-%d", id, o.Service.Service.ID, o.Start, o.End)})
	})
	keep := func(agent, series string) bool { return j.counts(agent, series) }
	err = st.ReadMinutesOf(context.Background(), t0, next, keep, func(minute int64, recs []slawatch.SeriesMinute) error {
		var mine []slawatch.SeriesMinute
		for _, r := range recs {
			if _, ok := b.Lookup([]byte(r.Series)); ok {
				mine = append(mine, r)
			}
		}
		if len(mine) == 0 {
			return nil
		}
		feeding = minute
		return ev.AddNamed(minute, mine)
	})
	if err != nil {
		t.Fatal(err)
	}
	return ev, outages
}

func finish(t *testing.T, st *store.Store, id string, ev *engine.Evaluator) string {
	b, err := docs.LoadBound(context.Background(), st, catalogOf(t), id)
	if err != nil {
		t.Fatal(err)
	}
	r, err := docs.Finish(context.Background(), st, id, b, ev)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func catalogOf(t *testing.T) *catalog.Catalog {
	cat, err := catalog.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}
