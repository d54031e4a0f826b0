package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"

	slawatch "github.com/slawatch/slawatch"
)

// runSuite runs the storage tests against a backend: fresh returns the
// URL of a new, empty database for each test.
func runSuite(t *testing.T, fresh func(t *testing.T) string) {
	tests := []struct {
		name string
		fn   func(t *testing.T, url string)
	}{
		{"MigrateTwice", testMigrateTwice},
		{"DuplicateBatch", testDuplicateBatch},
		{"OverlappingBatches", testOverlappingBatches},
		{"ReadOrder", testReadOrder},
		{"AgentsMerged", testAgentsMerged},
		{"CompactExact", testCompactExact},
		{"StagedV1", testStagedV1},
		{"DuplicateAfterCompact", testDuplicateAfterCompact},
		{"LateRecordAfterCompact", testLateRecordAfterCompact},
		{"Retention", testRetention},
		{"ConcurrentWriters", testConcurrentWriters},
		{"BadInput", testBadInput},
		{"ReadStops", testReadStops},
		{"Reopen", testReopen},
		{"Docs", testDocs},
		{"Tokens", testTokens},
		{"Outbox", testOutbox},
		{"AgentMinutes", testAgentMinutes},
		{"WriteBlocks", testWriteBlocks},
		{"Leases", testLeases},
		{"ChangeFeed", testChangeFeed},
		{"ClaimsAcrossReplicas", testClaimsAcrossReplicas},
		{"UpdateDocAcrossReplicas", testUpdateDocAcrossReplicas},
		{"TokenLifetime", testTokenLifetime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, fresh(t)) })
	}
}

// t0 is the first minute of an hour in October 2026.
const t0 = 29_832_480

func mustOpen(t testing.TB, url string, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func mustWrite(t testing.TB, s *Store, agent string, minute int64, recs ...slawatch.SeriesMinute) {
	t.Helper()
	if err := s.WriteMinutes(context.Background(), agent, minute, recs); err != nil {
		t.Fatal(err)
	}
}

func mustCompact(t testing.TB, s *Store, before int64) CompactStats {
	t.Helper()
	st, err := s.Compact(context.Background(), before)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// rec returns a record of n probes, lost of them lost, the others
// answered in rtt, rtt+1, ... µs.
func rec(series string, n, lost int, rtt uint32) slawatch.SeriesMinute {
	var m slawatch.Minute
	for i := range n {
		if i < lost {
			m.AddLost()
		} else {
			m.AddReply(rtt + uint32(i))
		}
	}
	return slawatch.SeriesMinute{Series: series, M: m}
}

// stored is what ReadMinutes gave for one minute.
type stored struct {
	Minute int64
	Recs   []slawatch.SeriesMinute
}

func readAll(t testing.TB, s *Store, from, to int64) []stored {
	t.Helper()
	var out []stored
	err := s.ReadMinutes(context.Background(), from, to, func(m int64, recs []slawatch.SeriesMinute) error {
		out = append(out, stored{m, recs})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func checkRead(t testing.TB, s *Store, from, to int64, want []stored) {
	t.Helper()
	got := readAll(t, s, from, to)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read [%d, %d):\n got %+v\nwant %+v", from, to, got, want)
	}
	checkBatches(t, s, from, to, want)
}

// model is what a store must hold: per (agent, series, minute) the first
// record written.
type model map[modelKey]slawatch.Minute

type modelKey struct {
	agent, series string
	minute        int64
}

func (md model) write(agent string, minute int64, recs []slawatch.SeriesMinute) {
	for _, r := range recs {
		k := modelKey{agent, r.Series, minute}
		if _, ok := md[k]; !ok {
			md[k] = r.M
		}
	}
}

// want returns what ReadMinutes must give for [from, to).
func (md model) want(from, to int64) []stored {
	byMinute := map[int64]map[string]slawatch.Minute{}
	for k, m := range md {
		if k.minute < from || k.minute >= to {
			continue
		}
		if byMinute[k.minute] == nil {
			byMinute[k.minute] = map[string]slawatch.Minute{}
		}
		acc := byMinute[k.minute][k.series]
		acc.Merge(m)
		byMinute[k.minute][k.series] = acc
	}
	var out []stored
	for minute, series := range byMinute {
		st := stored{Minute: minute}
		for name, m := range series {
			st.Recs = append(st.Recs, slawatch.SeriesMinute{Series: name, M: m})
		}
		slices.SortFunc(st.Recs, func(a, b slawatch.SeriesMinute) int { return cmp.Compare(a.Series, b.Series) })
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b stored) int { return cmp.Compare(a.Minute, b.Minute) })
	return out
}

func testMigrateTwice(t *testing.T, url string) {
	s := mustOpen(t, url, Options{})
	mustWrite(t, s, "a", t0, rec("x", 60, 0, 10_000))
	if err := s.migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	s2 := mustOpen(t, url, Options{})
	var n int
	if err := s2.db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	ms, _ := migrations()
	if n != len(ms) {
		t.Fatalf("schema_migrations has %d rows, want %d", n, len(ms))
	}
	checkRead(t, s2, t0, t0+1, []stored{{t0, []slawatch.SeriesMinute{rec("x", 60, 0, 10_000)}}})
}

func testDuplicateBatch(t *testing.T, url string) {
	s := mustOpen(t, url, Options{})
	batch := []slawatch.SeriesMinute{rec("b", 60, 1, 9_000), rec("a", 60, 0, 10_000)}
	for range 3 {
		mustWrite(t, s, "pop1", t0+7, batch...)
	}
	var n int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM staged`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d staged batches, want 1", n)
	}
	want := []stored{{t0 + 7, []slawatch.SeriesMinute{batch[1], batch[0]}}}
	checkRead(t, s, t0, t0+60, want)
	mustCompact(t, s, t0+60)
	mustWrite(t, s, "pop1", t0+7, batch...)
	checkRead(t, s, t0, t0+60, want)
}

func testOverlappingBatches(t *testing.T, url string) {
	s := mustOpen(t, url, Options{})
	a1, b1 := rec("a", 60, 0, 10_000), rec("b", 60, 0, 11_000)
	b2, c2 := rec("b", 60, 5, 20_000), rec("c", 30, 0, 12_000)
	mustWrite(t, s, "pop1", t0, a1, b1)
	mustWrite(t, s, "pop1", t0, b2, c2)
	// Within one batch, too, the first record of a series wins.
	mustWrite(t, s, "pop1", t0+1, b1, b2)
	want := []stored{
		{t0, []slawatch.SeriesMinute{a1, b1, c2}},
		{t0 + 1, []slawatch.SeriesMinute{b1}},
	}
	checkRead(t, s, t0, t0+60, want)
	mustCompact(t, s, t0+60)
	checkRead(t, s, t0, t0+60, want)
}

func testReadOrder(t *testing.T, url string) {
	s := mustOpen(t, url, Options{})
	md := model{}
	minutes := []int64{t0 + 61, t0 + 5, t0, t0 + 59, t0 - 100, t0 + 3*60 + 1, t0 + 2}
	for i, m := range minutes {
		recs := []slawatch.SeriesMinute{rec(fmt.Sprint("s", i%3), 60, 0, uint32(1000+i)), rec("z", 1, 0, 500)}
		agent := fmt.Sprint("pop", i%2)
		mustWrite(t, s, agent, m, recs...)
		md.write(agent, m, recs)
	}
	check := func() {
		t.Helper()
		for _, r := range [][2]int64{{0, MaxMinute + 1}, {t0, t0 + 60}, {t0 + 2, t0 + 62}, {t0 + 5, t0 + 5}, {t0 + 200, t0 + 100}, {-5, t0 + 1}} {
			checkRead(t, s, r[0], r[1], md.want(r[0], r[1]))
		}
	}
	check()
	mustCompact(t, s, t0+60) // the hours before t0+60 only
	check()
	mustCompact(t, s, MaxMinute)
	check()
}

func testAgentsMerged(t *testing.T, url string) {
	s := mustOpen(t, url, Options{})
	x1, x2 := rec("x", 60, 2, 10_000), rec("x", 30, 0, 8_000)
	mustWrite(t, s, "pop1", t0, x1)
	mustWrite(t, s, "pop2", t0, x2)
	sum := x1
	sum.M.Merge(x2.M)
	want := []stored{{t0, []slawatch.SeriesMinute{sum}}}
	checkRead(t, s, t0, t0+1, want)
	mustCompact(t, s, t0+60)
	checkRead(t, s, t0, t0+1, want)
}

// randomMinute returns a valid record with values anywhere in range, its
// replies timed to random seconds, or (one in three) untimed.
func randomMinute(rng *rand.Rand) slawatch.Minute {
	var m slawatch.Minute
	timed := rng.IntN(3) != 0
	reply := func(rtt uint32) {
		if timed {
			m.AddReplyAt(rtt, rng.IntN(60))
		} else {
			m.AddReply(rtt)
		}
	}
	switch rng.IntN(6) {
	case 0: // nothing answered
		m.Sent = uint32(rng.IntN(5000))
	case 1: // 1,000 probes of up to 60 s: four agents' sum still fits
		for range 1000 {
			reply(uint32(rng.Int64N(slawatch.MaxRTTMicros + 1)))
		}
	case 2:
		reply(uint32(rng.Int64N(slawatch.MaxRTTMicros + 1)))
	default:
		for range rng.IntN(100) {
			if rng.IntN(10) == 0 {
				m.AddLost()
			} else {
				reply(uint32(5000 + rng.IntN(100_000)))
			}
		}
	}
	return m
}

func testCompactExact(t *testing.T, url string) {
	s := mustOpen(t, url, Options{})
	rng := rand.New(rand.NewPCG(7, 7))
	md := model{}
	for i := range 400 {
		minute := t0 + int64(rng.IntN(180))
		agent := fmt.Sprint("pop", rng.IntN(3))
		var recs []slawatch.SeriesMinute
		for j := range 1 + rng.IntN(20) {
			recs = append(recs, slawatch.SeriesMinute{Series: fmt.Sprintf("series-%02d", (i+j)%37), M: randomMinute(rng)})
		}
		mustWrite(t, s, agent, minute, recs...)
		md.write(agent, minute, recs)
	}
	// The largest record an agent can send: 5,000 replies of 60 s.
	var huge slawatch.Minute
	for range 5000 {
		huge.AddReply(slawatch.MaxRTTMicros)
	}
	mustWrite(t, s, "pop9", t0+179, slawatch.SeriesMinute{Series: "huge", M: huge})
	md.write("pop9", t0+179, []slawatch.SeriesMinute{{Series: "huge", M: huge}})
	want := md.want(t0, t0+180)
	checkRead(t, s, t0, t0+180, want)
	if st := mustCompact(t, s, t0+180); st.Chunks == 0 || st.Records != len(md) {
		t.Errorf("compact: %+v, want %d records", st, len(md))
	}
	checkRead(t, s, t0, t0+180, want)
	var n int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM staged`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d staged batches left after compaction (%v)", n, err)
	}
}

func testDuplicateAfterCompact(t *testing.T, url string) {
	s := mustOpen(t, url, Options{})
	x := rec("x", 60, 0, 10_000)
	mustWrite(t, s, "pop1", t0+10, x)
	mustCompact(t, s, t0+60)
	mustWrite(t, s, "pop1", t0+10, rec("x", 60, 60, 0))
	want := []stored{{t0 + 10, []slawatch.SeriesMinute{x}}}
	checkRead(t, s, t0, t0+60, want)
	if st := mustCompact(t, s, t0+60); st.Records != 0 || st.Chunks != 0 || st.Batches != 1 {
		t.Errorf("compacting a duplicate: %+v, want one batch dropped", st)
	}
	checkRead(t, s, t0, t0+60, want)
}

func testLateRecordAfterCompact(t *testing.T, url string) {
	s := mustOpen(t, url, Options{})
	x, y := rec("x", 60, 0, 10_000), rec("y", 60, 3, 12_000)
	mustWrite(t, s, "pop1", t0+10, x)
	mustCompact(t, s, t0+60)
	mustWrite(t, s, "pop1", t0+10, rec("x", 1, 0, 1), y)
	mustWrite(t, s, "pop1", t0+11, y)
	want := []stored{{t0 + 10, []slawatch.SeriesMinute{x, y}}, {t0 + 11, []slawatch.SeriesMinute{y}}}
	checkRead(t, s, t0, t0+60, want)
	if st := mustCompact(t, s, t0+60); st.Records != 2 || st.Chunks != 1 {
		t.Errorf("compacting late records: %+v, want 2 records into 1 chunk", st)
	}
	checkRead(t, s, t0, t0+60, want)
}

func testRetention(t *testing.T, url string) {
	s := mustOpen(t, url, Options{RetentionDays: 2})
	now := int64(t0 + 10*1440)
	x := rec("x", 60, 0, 10_000)
	for _, m := range []int64{now - 3*1440, now - 2*1440 - 61, now - 2*1440 - 1, now - 2*1440, now - 60} {
		mustWrite(t, s, "pop1", m, x)
	}
	mustCompact(t, s, now-1440) // the older four, into four chunks; nothing expires yet
	mustWrite(t, s, "pop1", now-5*1440, x)
	st := mustCompact(t, s, now)
	// The cut is now-2d: the chunks of the hours ending by then go, the one
	// written late for 5 days ago included; the hour starting at the cut
	// stays.
	if st.Expired != 4 {
		t.Errorf("expired %d, want 4", st.Expired)
	}
	checkRead(t, s, 0, MaxMinute+1, []stored{
		{now - 2*1440, []slawatch.SeriesMinute{x}},
		{now - 60, []slawatch.SeriesMinute{x}},
	})
	// A batch arriving for an expired minute goes at the next compaction.
	mustWrite(t, s, "pop1", now-3*1440, x)
	if st := mustCompact(t, s, now); st.Expired != 1 {
		t.Errorf("compact: %+v, want the late batch expired", st)
	}
	checkRead(t, s, 0, now-2*1440, nil)
}

// testConcurrentWriters runs agents delivering (each batch twice, as after
// a lost acknowledgement) while a reader and a compactor run.
func testConcurrentWriters(t *testing.T, url string) {
	s := mustOpen(t, url, Options{})
	const agents, minutes = 4, 90
	var wg sync.WaitGroup
	errs := make(chan error, agents+2)
	models := make([]model, agents)
	for a := range agents {
		models[a] = model{}
		wg.Go(func() { errs <- deliver(s, fmt.Sprint("pop", a), minutes, models[a]) })
	}
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Go(func() { errs <- churn(s, stop) })
	wg.Wait()
	close(stop)
	bg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	md := model{}
	for _, m := range models {
		for k, v := range m {
			md[k] = v
		}
	}
	checkRead(t, s, t0, t0+minutes, md.want(t0, t0+minutes))
	mustCompact(t, s, MaxMinute)
	checkRead(t, s, t0, t0+minutes, md.want(t0, t0+minutes))
}

// deliver writes an agent's minutes, every batch twice, noting them in md.
func deliver(s *Store, agent string, minutes int, md model) error {
	rng := rand.New(rand.NewPCG(uint64(len(agent)), uint64(agent[len(agent)-1])))
	for i := range minutes {
		var recs []slawatch.SeriesMinute
		for j := range 50 {
			recs = append(recs, slawatch.SeriesMinute{Series: fmt.Sprint("s", j), M: randomMinute(rng)})
		}
		for range 2 {
			if err := s.WriteMinutes(context.Background(), agent, t0+int64(i), recs); err != nil {
				return err
			}
		}
		md.write(agent, t0+int64(i), recs)
	}
	return nil
}

// churn reads and compacts until stop is closed.
func churn(s *Store, stop chan struct{}) error {
	ctx := context.Background()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		if err := s.ReadMinutes(ctx, t0, t0+120, func(int64, []slawatch.SeriesMinute) error { return nil }); err != nil {
			return err
		}
		if _, err := s.Compact(ctx, t0+int64(i%120)); err != nil {
			return err
		}
	}
}

func testBadInput(t *testing.T, url string) {
	s := mustOpen(t, url, Options{})
	ok := rec("x", 60, 0, 10_000)
	bad := ok
	bad.M.Received++
	cases := []struct {
		agent  string
		minute int64
		recs   []slawatch.SeriesMinute
	}{
		{"", t0, []slawatch.SeriesMinute{ok}},
		{"pop\n1", t0, []slawatch.SeriesMinute{ok}},
		{"pop1", -1, []slawatch.SeriesMinute{ok}},
		{"pop1", MaxMinute + 1, []slawatch.SeriesMinute{ok}},
		{"pop1", t0, []slawatch.SeriesMinute{ok, {Series: "", M: ok.M}}},
		{"pop1", t0, []slawatch.SeriesMinute{{Series: "a\x00b", M: ok.M}}},
		{"pop1", t0, []slawatch.SeriesMinute{{Series: "\xff", M: ok.M}}},
		{"pop1", t0, []slawatch.SeriesMinute{{Series: string(make([]byte, 257)), M: ok.M}}},
		{"pop1", t0, []slawatch.SeriesMinute{ok, bad}},
		{"pop1", t0, []slawatch.SeriesMinute{{Series: "y", M: slawatch.Minute{Sent: 1, RTTMin: 5}}}},
		{"pop1", t0, []slawatch.SeriesMinute{{Series: "y", M: slawatch.Minute{Sent: 1, Received: 1, RTTSum: 5, RTTSumSq: 24, RTTMin: 5, RTTMax: 5}}}},
	}
	for i, c := range cases {
		err := s.WriteMinutes(context.Background(), c.agent, c.minute, c.recs)
		if slawatch.ErrorCode(err) != slawatch.EINVALID {
			t.Errorf("case %d: got %v, want an %s error", i, err, slawatch.EINVALID)
		}
	}
	checkRead(t, s, 0, MaxMinute+1, nil)
	for _, u := range []string{"mysql://x", ":memory:", ""} {
		if _, err := Open(context.Background(), u, Options{}); slawatch.ErrorCode(err) != slawatch.EINVALID {
			t.Errorf("Open(%q): got %v, want an %s error", u, err, slawatch.EINVALID)
		}
	}
	if _, err := Open(context.Background(), url, Options{RetentionDays: -1}); slawatch.ErrorCode(err) != slawatch.EINVALID {
		t.Errorf("negative retention: got %v", err)
	}
}

func testReadStops(t *testing.T, url string) {
	s := mustOpen(t, url, Options{})
	for i := range int64(3) {
		mustWrite(t, s, "pop1", t0+i*100, rec("x", 1, 0, 5))
	}
	stop := errors.New("enough")
	calls := 0
	err := s.ReadMinutes(context.Background(), t0, t0+1000, func(int64, []slawatch.SeriesMinute) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Errorf("got %v after %d calls, want %v after 1", err, calls, stop)
	}
}

// testReopen compacts through a second store on the same database, whose
// name caches start empty: names must resolve to the ids already stored.
func testReopen(t *testing.T, url string) {
	s1 := mustOpen(t, url, Options{})
	x, y := rec("x", 60, 0, 10_000), rec("y", 60, 1, 11_000)
	mustWrite(t, s1, "pop1", t0, x, y)
	mustCompact(t, s1, t0+60)
	s2 := mustOpen(t, url, Options{})
	mustWrite(t, s2, "pop1", t0+60, y, x)
	mustWrite(t, s2, "pop1", t0+1, x) // late, into the first chunk
	mustCompact(t, s2, t0+120)
	for _, table := range []string{tableAgents, tableSeries} {
		var n int
		if err := s2.db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{tableAgents: 1, tableSeries: 2}[table]; n != want {
			t.Errorf("%s: %d rows, want %d", table, n, want)
		}
	}
	want := []stored{
		{t0, []slawatch.SeriesMinute{x, y}},
		{t0 + 1, []slawatch.SeriesMinute{x}},
		{t0 + 60, []slawatch.SeriesMinute{x, y}},
	}
	checkRead(t, s1, t0, t0+120, want)
	checkRead(t, s2, t0, t0+120, want)
}
