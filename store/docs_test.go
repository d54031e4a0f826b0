package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	slawatch "github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/clock"
)

func testDocs(t *testing.T, url string) {
	ctx := context.Background()
	s := mustOpen(t, url, Options{})
	put := func(d Doc) {
		t.Helper()
		if err := s.PutDoc(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	put(Doc{Customer: "a", Kind: "ticket", ID: "T2", Body: []byte(`{"n":2}`)})
	put(Doc{Customer: "a", Kind: "ticket", ID: "T1", Body: []byte(`{"n":1}`)})
	put(Doc{Customer: "b", Kind: "ticket", ID: "T1", Body: []byte(`{"n":3}`)})
	put(Doc{Customer: "a", Kind: "ticket", ID: "T1", Body: []byte(`{"n":4}`)}) // replaces
	got, err := s.ListDocs(ctx, "a", "ticket")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "T1" || string(got[0].Body) != `{"n":4}` || got[1].ID != "T2" {
		t.Errorf("ListDocs(a) = %+v", got)
	}
	all, err := s.ListDocs(ctx, "", "ticket")
	if err != nil || len(all) != 3 {
		t.Errorf("ListDocs(all) = %d docs, %v; want 3", len(all), err)
	}
	added, err := s.AddDoc(ctx, Doc{Customer: "a", Kind: "ticket", ID: "T1", Body: []byte(`{"n":5}`)})
	if err != nil || added {
		t.Errorf("AddDoc of an existing doc = %v, %v; want false", added, err)
	}
	if d, err := s.GetDoc(ctx, "a", "ticket", "T1"); err != nil || string(d.Body) != `{"n":4}` {
		t.Errorf("GetDoc = %s, %v; want the first body kept", d.Body, err)
	}
	if err := s.DeleteDoc(ctx, "a", "ticket", "T1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetDoc(ctx, "a", "ticket", "T1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetDoc after delete: %v, want ErrNotFound", err)
	}
	// values that would break an unparameterised query are stored as they are
	odd := `x'); DROP TABLE docs; --`
	put(Doc{Customer: odd, Kind: "ticket", ID: odd, Body: []byte(`{}`)})
	if _, err := s.GetDoc(ctx, odd, "ticket", odd); err != nil {
		t.Error(err)
	}
}

func testTokens(t *testing.T, url string) {
	ctx := context.Background()
	s := mustOpen(t, url, Options{})
	tok := Token{Hash: "ab12000000000000ffff", Role: "customer", Customer: "kaisha", Name: "portal", Created: time.Unix(1_790_000_000, 0)}
	if err := s.AddToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := s.AddToken(ctx, tok); err == nil {
		t.Error("a second token with the same hash was stored")
	}
	got, err := s.LookupToken(ctx, "ab12000000000000ffff")
	if err != nil || got != tok {
		t.Errorf("LookupToken = %+v, %v; want %+v", got, err, tok)
	}
	if _, err := s.LookupToken(ctx, "ab13"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown token: %v, want ErrNotFound", err)
	}
	if n, err := s.CountTokens(ctx, "customer", tok.Created); n != 1 || err != nil {
		t.Errorf("CountTokens = %d, %v", n, err)
	}
}

func testOutbox(t *testing.T, url string) {
	ctx := context.Background()
	s := mustOpen(t, url, Options{})
	now := time.UnixMilli(1_790_000_000_000)
	sends := []Send{
		{ID: "n1/email", Customer: "a", Notice: []byte(`{"id":"n1"}`), Channel: "email", NextAt: now},
		{ID: "n1/webhook", Customer: "a", Notice: []byte(`{"id":"n1"}`), Channel: "webhook", NextAt: now.Add(time.Second)},
	}
	if n, err := s.Enqueue(ctx, sends); n != 2 || err != nil {
		t.Fatalf("Enqueue = %d, %v", n, err)
	}
	if n, err := s.Enqueue(ctx, sends); n != 0 || err != nil {
		t.Fatalf("Enqueue again = %d, %v; want 0 new", n, err)
	}
	due, err := s.Claim(ctx, "r1", now, time.Minute, 10)
	if err != nil || len(due) != 1 || due[0].ID != "n1/email" {
		t.Fatalf("Claim = %+v, %v", due, err)
	}
	if again, err := s.Claim(ctx, "r2", now, time.Minute, 10); err != nil || len(again) != 0 {
		t.Fatalf("Claim of a claimed send = %+v, %v; want none", again, err)
	}
	if err := s.Settle(ctx, "n1/email", Pending, now.Add(time.Minute), "451 try later"); err != nil {
		t.Fatal(err)
	}
	if err := s.Settle(ctx, "n1/webhook", Sent, now.Add(2*time.Second), ""); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.Claim(ctx, "r1", now.Add(30*time.Second), time.Minute, 10); len(due) != 0 {
		t.Errorf("Claim before the retry time = %+v", due)
	}
	all, err := s.Sends(ctx, "a")
	if err != nil || len(all) != 2 {
		t.Fatalf("Sends = %+v, %v", all, err)
	}
	if e := all[0]; e.Attempts != 1 || e.Error != "451 try later" || !e.NextAt.Equal(now.Add(time.Minute)) {
		t.Errorf("retried send = %+v", e)
	}
	if w := all[1]; w.State != Sent || !w.SentAt.Equal(now.Add(2*time.Second)) {
		t.Errorf("sent send = %+v", w)
	}
	if n, _ := s.CountSends(ctx, Pending); n != 1 {
		t.Errorf("pending = %d, want 1", n)
	}
}

func testAgentMinutes(t *testing.T, url string) {
	s := mustOpen(t, url, Options{})
	mustWrite(t, s, "a", t0+5, rec("x", 1, 0, 1))
	mustWrite(t, s, "a", t0+7, rec("x", 1, 0, 1))
	mustWrite(t, s, "b", t0+70, rec("y", 1, 0, 1))
	mustCompact(t, s, t0+60) // a's hour becomes a chunk: its last minute is t0+59
	got, err := s.AgentMinutes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["a"] != t0+59 || got["b"] != t0+70 {
		t.Errorf("AgentMinutes = %v; want a: %d, b: %d", got, t0+59, t0+70)
	}
}

// WriteBlocks stores many minutes at once, idempotently, and refuses a
// delivery with one bad block whole.
func testWriteBlocks(t *testing.T, url string) {
	ctx := context.Background()
	s := mustOpen(t, url, Options{})
	blocks := []Block{
		{Minute: t0, Records: []slawatch.SeriesMinute{rec("x", 2, 1, 10), rec("y", 1, 0, 5)}},
		{Minute: t0 + 1, Records: []slawatch.SeriesMinute{rec("x", 2, 0, 10)}},
		{Minute: t0 + 2},
	}
	for range 2 { // the second time is a resend: nothing changes
		if err := s.WriteBlocks(ctx, "a", blocks); err != nil {
			t.Fatal(err)
		}
	}
	bad := []Block{{Minute: t0 + 3, Records: []slawatch.SeriesMinute{rec("x", 1, 0, 1)}}, {Minute: -1}}
	if err := s.WriteBlocks(ctx, "a", bad); slawatch.ErrorCode(err) != slawatch.EINVALID {
		t.Errorf("a bad block: %v, want EINVALID", err)
	}
	n := 0
	err := s.ReadMinutes(ctx, t0, t0+10, func(m int64, recs []slawatch.SeriesMinute) error {
		n += len(recs)
		if m == t0+3 {
			t.Errorf("minute %d of a refused delivery was stored", m)
		}
		return nil
	})
	if err != nil || n != 3 {
		t.Errorf("read %d records (%v), want 3", n, err)
	}
}

// TestDocsClock: documents and the change feed are stamped by the
// store's clock.
func TestDocsClock(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fake := clock.NewFake(at)
	s := mustOpen(t, filepath.Join(t.TempDir(), "clock.db"), Options{Clock: fake})
	s.RecordChanges("r1")
	if err := s.PutDoc(ctx, Doc{Customer: "a", Kind: "ticket", ID: "T1", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	fake.Advance(time.Minute)
	if err := s.UpdateDoc(ctx, "a", "ticket", "T1", func(b []byte) ([]byte, error) { return b, nil }); err != nil {
		t.Fatal(err)
	}
	if d, err := s.GetDoc(ctx, "a", "ticket", "T1"); err != nil || !d.Updated.Equal(at.Add(time.Minute)) {
		t.Errorf("updated %v, %v; want %v", d.Updated, err, at.Add(time.Minute))
	}
	cs, err := s.Changes(ctx, at)
	if err != nil || len(cs) != 2 || !cs[0].At.Equal(at) || !cs[1].At.Equal(at.Add(time.Minute)) {
		t.Errorf("changes %+v, %v; want two, at %v and a minute later", cs, err, at)
	}
}
