package store

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	slawatch "github.com/slawatch/slawatch"
)

// Two replicas race for a free lease: one wins. The holder renews it;
// once it expires another takes it over, and the old holder's renewal
// no longer returns it.
func testLeases(t *testing.T, url string) {
	ctx := context.Background()
	a, b := mustOpen(t, url, Options{}), mustOpen(t, url, Options{})
	now := time.UnixMilli(1_790_000_000_000)
	var wins sync.Map
	var wg sync.WaitGroup
	for i, s := range []*Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := []string{"r1", "r2", "r1", "r2"}[i]
			ok, err := s.Acquire(ctx, "customer/kaisha", owner, now, now.Add(20*time.Second))
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Store(owner, true)
			}
		}()
	}
	wg.Wait()
	n := 0
	holder := ""
	wins.Range(func(k, _ any) bool { n++; holder = k.(string); return true })
	if n != 1 {
		t.Fatalf("%d replicas hold one lease", n)
	}
	other := map[string]string{"r1": "r2", "r2": "r1"}[holder]
	if ok, _ := b.Acquire(ctx, "customer/kaisha", other, now.Add(19*time.Second), now.Add(40*time.Second)); ok {
		t.Error("a live lease was taken over")
	}
	got, err := a.Renew(ctx, holder, "customer/", now.Add(30*time.Second))
	if err != nil || !slices.Equal(got, []string{"customer/kaisha"}) {
		t.Errorf("Renew = %v, %v", got, err)
	}
	if ok, _ := b.Acquire(ctx, "customer/kaisha", other, now.Add(25*time.Second), now.Add(50*time.Second)); ok {
		t.Error("a renewed lease was taken over before its new end")
	}
	if ok, err := b.Acquire(ctx, "customer/kaisha", other, now.Add(31*time.Second), now.Add(51*time.Second)); !ok || err != nil {
		t.Fatalf("an expired lease was not taken over: %v", err)
	}
	if got, _ := a.Renew(ctx, holder, "customer/", now.Add(60*time.Second)); len(got) != 0 {
		t.Errorf("the old holder renewed %v after a takeover", got)
	}
	live, err := a.Leases(ctx, "customer/", now.Add(40*time.Second))
	if err != nil || len(live) != 1 || live["customer/kaisha"] != other {
		t.Errorf("Leases = %v, %v; want kaisha held by %s", live, err, other)
	}
	if live, _ := a.Leases(ctx, "customer/", now.Add(52*time.Second)); len(live) != 0 {
		t.Errorf("Leases after expiry = %v", live)
	}
	// release: only the holder's release counts
	a.Release(ctx, "customer/kaisha", holder)
	if live, _ := a.Leases(ctx, "customer/", now.Add(40*time.Second)); len(live) != 1 {
		t.Error("a release by a replica that does not hold the lease freed it")
	}
	b.Release(ctx, "customer/kaisha", other)
	if ok, _ := a.Acquire(ctx, "customer/kaisha", holder, now.Add(41*time.Second), now.Add(61*time.Second)); !ok {
		t.Error("a released lease could not be taken")
	}
	// a prefix is a prefix, not a pattern
	a.Acquire(ctx, "customer_x", "r1", now, now.Add(time.Hour))
	if live, _ := a.Leases(ctx, "customer/", now); live["customer_x"] != "" {
		t.Error("Leases matched the prefix as a LIKE pattern")
	}
}

// Every document written, updated or deleted and every delivery of
// minutes goes into the feed, under the writer's name, once the store
// records changes; nothing before.
func testChangeFeed(t *testing.T, url string) {
	ctx := context.Background()
	a, b := mustOpen(t, url, Options{}), mustOpen(t, url, Options{})
	start := time.Now().Add(-time.Second)
	if err := a.PutDoc(ctx, Doc{Customer: "kaisha", Kind: "contract", ID: "current", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	a.RecordChanges("r1")
	b.RecordChanges("r2")
	if err := a.PutDoc(ctx, Doc{Customer: "kaisha", Kind: "contract", ID: "current", Body: []byte(`{"a":1}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddDoc(ctx, Doc{Customer: "kaisha", Kind: "ticket", ID: "T1", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if ok, _ := b.AddDoc(ctx, Doc{Customer: "kaisha", Kind: "ticket", ID: "T1", Body: []byte(`{}`)}); ok {
		t.Fatal("AddDoc stored a second ticket T1")
	}
	if err := b.UpdateDoc(ctx, "kaisha", "ticket", "T1", func(b []byte) ([]byte, error) { return []byte(`{"x":2}`), nil }); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteDoc(ctx, "kaisha", "ticket", "T1"); err != nil {
		t.Fatal(err)
	}
	if err := b.WriteBlocks(ctx, "tyo1", []Block{{Minute: t0 + 3, Records: []slawatch.SeriesMinute{rec("x", 1, 0, 1)}}, {Minute: t0, Records: []slawatch.SeriesMinute{rec("x", 1, 0, 1)}}}); err != nil {
		t.Fatal(err)
	}
	cs, err := a.Changes(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, strings.Join([]string{c.Origin, c.Kind, c.Customer, c.ID, c.Agent}, " ")+
			map[bool]string{true: " " + itoa(c.Lo-t0) + "-" + itoa(c.Hi-t0)}[c.Kind == KindMinutes])
	}
	want := []string{
		"r1 contract kaisha current ",
		"r2 ticket kaisha T1 ",
		"r2 ticket kaisha T1 ", // the update; the refused AddDoc adds nothing
		"r1 ticket kaisha T1 ",
		"r2 minutes   tyo1 0-3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("feed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if err := a.PruneChanges(ctx, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if cs, _ := a.Changes(ctx, start); len(cs) != 0 {
		t.Errorf("after pruning, %d changes", len(cs))
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// Two replicas claiming the same outbox at once each get their own
// sends: every send is claimed once. A send whose claim expired (its
// replica died) is claimed again.
func testClaimsAcrossReplicas(t *testing.T, url string) {
	ctx := context.Background()
	a, b := mustOpen(t, url, Options{}), mustOpen(t, url, Options{})
	now := time.UnixMilli(1_790_000_000_000)
	var sends []Send
	for i := range 200 {
		id := "n" + itoa(int64(i))
		sends = append(sends, Send{ID: id, Customer: "c", Notice: []byte(`{}`), Channel: "email", NextAt: now})
	}
	if _, err := a.Enqueue(ctx, sends); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := []*Store{a, b}[i%2]
			for {
				got, err := s.Claim(ctx, "r"+itoa(int64(i%2)), now, time.Minute, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, x := range got {
					claimed[x.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimed) != 200 {
		t.Errorf("%d of 200 sends claimed", len(claimed))
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("send %s claimed %d times", id, n)
		}
	}
	if got, _ := b.Claim(ctx, "r1", now.Add(59*time.Second), time.Minute, 500); len(got) != 0 {
		t.Errorf("%d sends claimed again before their claims expired", len(got))
	}
	if got, _ := b.Claim(ctx, "r1", now.Add(61*time.Second), time.Minute, 500); len(got) != 200 {
		t.Errorf("%d of 200 sends claimed again once their claims expired", len(got))
	}
	// a replica shutting down gives its claim up: due again at once; the
	// claim of another is left alone
	if err := a.Unclaim(ctx, "n7", "r0", now.Add(62*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Claim(ctx, "r0", now.Add(62*time.Second), time.Minute, 500); len(got) != 0 {
		t.Errorf("another replica's unclaim freed %d sends", len(got))
	}
	if err := a.Unclaim(ctx, "n7", "r1", now.Add(62*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Claim(ctx, "r2", now.Add(62*time.Second), time.Minute, 500); len(got) != 1 || got[0].ID != "n7" {
		t.Errorf("after its owner's unclaim: %+v, want n7 claimable", got)
	}
}

// Read-modify-write of one document from two replicas at once loses no
// update.
func testUpdateDocAcrossReplicas(t *testing.T, url string) {
	ctx := context.Background()
	a, b := mustOpen(t, url, Options{}), mustOpen(t, url, Options{})
	if err := a.PutDoc(ctx, Doc{Customer: "c", Kind: "outage", ID: "o", Body: []byte(`{"n":0}`)}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := []*Store{a, b}[i%2].UpdateDoc(ctx, "c", "outage", "o", func(body []byte) ([]byte, error) {
				var v struct{ N int }
				if err := json.Unmarshal(body, &v); err != nil {
					return nil, err
				}
				v.N++
				return json.Marshal(map[string]int{"n": v.N})
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	d, err := a.GetDoc(ctx, "c", "outage", "o")
	if err != nil || string(d.Body) != `{"n":40}` {
		t.Errorf("after 40 concurrent increments: %s, %v", d.Body, err)
	}
	if err := a.UpdateDoc(ctx, "c", "outage", "absent", func(b []byte) ([]byte, error) { return b, nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateDoc of an absent document: %v, want ErrNotFound", err)
	}
	boom := errors.New("boom")
	if err := a.UpdateDoc(ctx, "c", "outage", "o", func([]byte) ([]byte, error) { return []byte(`{}`), boom }); !errors.Is(err, boom) {
		t.Errorf("UpdateDoc whose function fails: %v", err)
	}
	if d, _ := a.GetDoc(ctx, "c", "outage", "o"); string(d.Body) != `{"n":40}` {
		t.Errorf("a failed update changed the document: %s", d.Body)
	}
}

// Tokens expire and are revoked; lists show them with their IDs.
func testTokenLifetime(t *testing.T, url string) {
	ctx := context.Background()
	s := mustOpen(t, url, Options{})
	now := time.Unix(1_790_000_000, 0)
	short := Token{Hash: strings.Repeat("a", 64), Role: "operator", Name: "short", Created: now, Expires: now.Add(time.Hour)}
	long := Token{Hash: strings.Repeat("b", 64), Role: "operator", Name: "long", Created: now.Add(time.Second)}
	for _, tok := range []Token{short, long} {
		if err := s.AddToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := s.LookupToken(ctx, short.Hash)
	if !got.Valid(now) || got.Valid(now.Add(time.Hour)) || !got.Expires.Equal(short.Expires) {
		t.Errorf("a token expiring in an hour: %+v", got)
	}
	if n, _ := s.CountTokens(ctx, "operator", now.Add(2*time.Hour)); n != 1 {
		t.Errorf("valid operator tokens after an expiry: %d, want 1", n)
	}
	r, err := s.RevokeToken(ctx, long.ID(), now.Add(time.Minute))
	if err != nil || r.Name != "long" || !r.Revoked.Equal(now.Add(time.Minute)) {
		t.Fatalf("RevokeToken = %+v, %v", r, err)
	}
	if r, _ := s.RevokeToken(ctx, long.ID(), now.Add(time.Hour)); !r.Revoked.Equal(now.Add(time.Minute)) {
		t.Errorf("revoking again moved the revocation to %s", r.Revoked)
	}
	if got, _ := s.LookupToken(ctx, long.Hash); got.Valid(now.Add(2 * time.Minute)) {
		t.Error("a revoked token is valid")
	}
	for _, id := range []string{"", "bbbb", strings.Repeat("c", TokenIDLen)} {
		if _, err := s.RevokeToken(ctx, id, now); !errors.Is(err, ErrNotFound) {
			t.Errorf("RevokeToken(%q): %v, want ErrNotFound", id, err)
		}
	}
	all, err := s.Tokens(ctx)
	if err != nil || len(all) != 2 || all[0].Name != "short" || all[1].ID() != strings.Repeat("b", TokenIDLen) {
		t.Errorf("Tokens = %+v, %v", all, err)
	}
}

// A server holds its SQLite file alone: a second Exclusive open fails
// naming the holder, a plain open (`slawatch token`) works, and the lock
// goes with Close. The files are the owner's only.
func TestSQLiteExclusive(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "slawatch.db")
	first, err := Open(context.Background(), path, Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), path, Options{Exclusive: true})
	if err == nil || !strings.Contains(err.Error(), "process "+itoa(int64(os.Getpid()))) || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Errorf("a second server on one SQLite file: %v", err)
	}
	plain := mustOpen(t, path, Options{})
	if err := plain.PutDoc(context.Background(), Doc{Customer: "c", Kind: "k", ID: "i", Body: []byte(`{}`)}); err != nil {
		t.Errorf("a tool beside the server: %v", err)
	}
	for _, f := range []string{path, path + "-wal", path + ".lock"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m&0o077 != 0 {
			t.Errorf("%s: mode %v, want no access for group and others", filepath.Base(f), m)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(context.Background(), path, Options{Exclusive: true})
	if err != nil {
		t.Fatalf("after the first server closed: %v", err)
	}
	again.Close()
}
