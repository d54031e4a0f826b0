package deliver

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/clock"
	"github.com/slawatch/slawatch/internal/ingesttest"
	"github.com/slawatch/slawatch/spool"
)

// TestRetryPauses runs Send against a server that answers 503 nine times
// and then stores the body, on a fake clock that the test moves: the
// pauses double from RetryMin up to RetryMax, each between half and all
// of its ceiling, and no test time is spent sleeping.
func TestRetryPauses(t *testing.T) {
	var failures atomic.Int32
	srv := &ingesttest.Server{T: t, Token: "tok"}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failures.Add(1) <= 9 {
			ingesttest.WriteError(w, http.StatusServiceUnavailable, slawatch.EINTERNAL, "store busy")
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	fake := clock.NewFake(time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
	var logs syncBuffer
	s := NewServer([]string{hs.URL}, "tok", slog.New(slog.NewTextHandler(&logs, nil)), Options{Clock: fake})
	s.Add(spool.Batch{Minute: 29_000_000, Entries: []slawatch.SeriesMinute{{Series: "a", M: slawatch.Minute{Sent: 1}}}})
	done := make(chan error, 1)
	go func() { done <- s.Send(context.Background()) }()

	retryIn := regexp.MustCompile(`retry_in=(\S+)`)
	ceilings := []time.Duration{200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000} // ms: doubling, then RetryMax
	for i, c := range ceilings {
		c *= time.Millisecond
		fake.BlockUntil(1) // Send waits on its pause
		m := retryIn.FindAllStringSubmatch(logs.String(), -1)
		if len(m) != i+1 {
			t.Fatalf("after %d pauses, %d failures logged:\n%s", i, len(m), logs.String())
		}
		pause, err := time.ParseDuration(m[i][1])
		if err != nil || pause < c-c/2 || pause > c {
			t.Errorf("pause %d: %s (%v), want within [%s, %s]", i+1, m[i][1], err, c-c/2, c)
		}
		fake.Advance(c) // the ceiling: the log rounds the pause to the millisecond
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := srv.Rows(); len(got) != 1 {
		t.Errorf("stored %q", got)
	}
}
