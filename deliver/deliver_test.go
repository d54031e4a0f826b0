package deliver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/ingest"
	"github.com/slawatch/slawatch/internal/clock"
	"github.com/slawatch/slawatch/internal/ingesttest"
	"github.com/slawatch/slawatch/spool"
)

// The tests of the spool's consumer against test servers. None measures
// time: each waits for what it expects with a deadline far beyond need,
// so that they pass on a loaded machine.

// fillSpool appends n minutes of k series each and returns the rows.
func fillSpool(t *testing.T, sp *spool.Spool, n, k int) []string {
	t.Helper()
	var rows []string
	for i := range n {
		m := int64(29_000_000 + i)
		recs := make([]slawatch.SeriesMinute, k)
		for j := range recs {
			recs[j] = slawatch.SeriesMinute{Series: fmt.Sprintf("cust-%05d", j),
				M: slawatch.Minute{Sent: 60, Received: 59, RTTSum: uint64(59 * (1000 + i + j)), RTTSumSq: 1 << 40, RTTMin: 1000, RTTMax: uint32(2000 + i)}}
			rows = append(rows, ingesttest.Row(m, recs[j]))
		}
		if _, err := sp.Append(m, recs); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(rows)
	return rows
}

// appendMinutes spools n minutes from first, of the series given, and
// returns their rows.
func appendMinutes(t *testing.T, sp *spool.Spool, first int64, n int, series ...string) []string {
	t.Helper()
	var rows []string
	for m := first; m < first+int64(n); m++ {
		recs := make([]slawatch.SeriesMinute, len(series))
		for j, s := range series {
			recs[j] = slawatch.SeriesMinute{Series: s, M: slawatch.Minute{Sent: 60, Received: 58, RTTSum: uint64(58 * (1000 + m%100)),
				RTTSumSq: 1 << 40, RTTMin: 900, RTTMax: uint32(2000 + j)}}
			rows = append(rows, ingesttest.Row(m, recs[j]))
		}
		if _, err := sp.Append(m, recs); err != nil {
			t.Fatal(err)
		}
	}
	return rows
}

func openTestSpool(t *testing.T) *spool.Spool {
	t.Helper()
	sp, err := spool.Open(t.TempDir(), spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sp.Close() })
	return sp
}

// startDelivery runs the spool's consumer with only a server output, of
// short retry pauses (from retryMin, up to 20 ms), until the test ends.
func startDelivery(t *testing.T, sp *spool.Spool, urls []string, retryMin time.Duration, log *slog.Logger) *Outputs {
	t.Helper()
	o := &Outputs{Log: log, Server: NewServer(urls, "tok", log, Options{RetryMin: retryMin, RetryMax: max(retryMin, 20*time.Millisecond)})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx, sp) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("deliver: %v", err)
		}
	})
	return o
}

// waitDelivered waits until the spool holds nothing unacknowledged.
func waitDelivered(t *testing.T, sp *spool.Spool, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for sp.Stats().Pending > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d batches still pending after 30 s", what, sp.Stats().Pending)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func sorted(rows ...[]string) []string {
	all := slices.Concat(rows...)
	slices.Sort(all)
	return all
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutines and the
// test's.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// A backlog goes out in bodies of at most 64 minutes, in order, each
// minute once, and a refused body (400) is retried, logged as an error,
// until the server takes it.
func TestDeliverBacklog(t *testing.T) {
	sp := openTestSpool(t)
	want := fillSpool(t, sp, 150, 3)
	srv := &ingesttest.Server{T: t, Token: "tok", Fail: map[int]string{1: "400", 2: "503"}}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	var logs syncBuffer
	startDelivery(t, sp, []string{hs.URL}, time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	waitDelivered(t, sp, "backlog")

	if got := srv.Rows(); !slices.Equal(got, want) {
		t.Errorf("stored %d rows, want %d", len(got), len(want))
	}
	bodies, _ := srv.Bodies()
	var lens []int
	var all []int64
	for _, b := range bodies {
		lens, all = append(lens, len(b)), append(all, b...)
	}
	if !slices.Equal(lens, []int{64, 64, 22}) || !slices.IsSorted(all) {
		t.Errorf("bodies of %v minutes, minutes sorted %v", lens, slices.IsSorted(all))
	}
	l := logs.String()
	if !strings.Contains(l, `level=ERROR msg="delivery failed, will retry"`) || !strings.Contains(l, "no such agent") ||
		!strings.Contains(l, `level=WARN msg="delivery failed, will retry"`) || !strings.Contains(l, "store busy") {
		t.Errorf("logs:\n%s", l)
	}
}

// Large minutes go out about a MiB at a time: a body stops at the first
// minute that takes it past ingest.BodyBytes.
func TestDeliverBodyBytes(t *testing.T) {
	sp := openTestSpool(t)
	want := fillSpool(t, sp, 6, 20_000) // about 300 KiB a minute
	srv := &ingesttest.Server{T: t, Token: "tok"}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	startDelivery(t, sp, []string{hs.URL}, time.Millisecond, slog.New(slog.DiscardHandler))
	waitDelivered(t, sp, "body bytes")

	if got := srv.Rows(); !slices.Equal(got, want) {
		t.Errorf("stored %d rows, want %d", len(got), len(want))
	}
	bodies, sizes := srv.Bodies()
	t.Logf("bodies of %v bytes", sizes)
	minute := sizes[len(sizes)-1] / len(bodies[len(bodies)-1])
	for i, size := range sizes {
		if size > ingest.BodyBytes+minute+minute/10 || (i < len(sizes)-1 && size < ingest.BodyBytes) {
			t.Errorf("body %d: %d bytes, %d minutes of about %d bytes", i, size, len(bodies[i]), minute)
		}
	}
}

// Stopped while the server fails, delivery returns at once and leaves
// every minute in the spool for the next run.
func TestDeliverStopKeepsSpool(t *testing.T) {
	dir := t.TempDir()
	sp, err := spool.Open(dir, spool.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	fillSpool(t, sp, 5, 2)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		ingesttest.WriteError(w, http.StatusServiceUnavailable, slawatch.EINTERNAL, "down")
	}))
	defer hs.Close()
	log := slog.New(slog.DiscardHandler)
	o := &Outputs{Log: log, Server: NewServer([]string{hs.URL}, "tok", log, Options{})}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := o.Run(ctx, sp); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deliver: %v", err)
	}
	sp.Close()
	if st := ingesttest.SpoolStats(t, dir); st.Pending != 5 {
		t.Errorf("%d batches pending after the stop, want 5", st.Pending)
	}
}

// TestDrainOnClock: Drain looks at the spool on its clock and gives up
// DrainTimeout after it began, leaving the batches (and a warning) for the
// next run; once the consumer has delivered everything, it returns at its
// next look. A fake clock is moved: no test time is spent waiting.
func TestDrainOnClock(t *testing.T) {
	// drain starts Drain on a spool of n pending minutes, on a fake clock,
	// and waits for it to look for the first time.
	drain := func(t *testing.T, n int) (*spool.Spool, *clock.Fake, *syncBuffer, chan struct{}) {
		sp := openTestSpool(t)
		fillSpool(t, sp, n, 1)
		fake := clock.NewFake(time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
		logs := &syncBuffer{}
		o := &Outputs{Log: slog.New(slog.NewTextHandler(logs, nil)), Clock: fake}
		done := make(chan struct{})
		go func() { o.Drain(sp); close(done) }()
		fake.BlockUntil(1)
		return sp, fake, logs, done
	}
	t.Run("deadline", func(t *testing.T) {
		sp, fake, logs, done := drain(t, 2)
		fake.Advance(DrainTimeout - drainPoll)
		fake.BlockUntil(1)
		select {
		case <-done:
			t.Fatalf("Drain returned %v after it began, before DrainTimeout (%v)", DrainTimeout-drainPoll, DrainTimeout)
		default:
		}
		fake.Advance(drainPoll)
		<-done
		if got := logs.String(); !strings.Contains(got, "batches left in the spool for the next run") || !strings.Contains(got, "batches=2") {
			t.Errorf("log %q: want the 2 batches left named", got)
		}
		if n := sp.Stats().Pending; n != 2 {
			t.Errorf("%d batches pending after the drain, want the 2 still there", n)
		}
	})
	t.Run("delivered", func(t *testing.T) {
		sp, fake, logs, done := drain(t, 1)
		b, err := sp.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if err := sp.Ack(b.Seq); err != nil {
			t.Fatal(err)
		}
		fake.Advance(drainPoll)
		<-done
		if got := logs.String(); got != "" {
			t.Errorf("log %q after a full delivery, want nothing", got)
		}
	})
}
