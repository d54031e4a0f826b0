package deliver

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/ingest"
	"github.com/slawatch/slawatch/internal/backoff"
	"github.com/slawatch/slawatch/internal/clock"
	"github.com/slawatch/slawatch/spool"
)

// Delivery's defaults. Retries pause from RetryMin, doubling after each
// round of temporary failures (every server tried once) up to RetryMax;
// a permanent failure pauses RetryMax; every pause is jittered down by
// up to half (internal/backoff). A POST may take Timeout: a body of
// 1 MiB even over a slow link.
const (
	DefaultRetryMin = 200 * time.Millisecond
	DefaultRetryMax = 30 * time.Second
	DefaultTimeout  = time.Minute
)

// Options shape a Server's retries; zero fields take the defaults.
type Options struct {
	RetryMin, RetryMax time.Duration
	Timeout            time.Duration // of one POST
	Clock              clock.Clock   // the pauses' timers; nil: the real clock
}

// Server delivers the spooled minutes to slawatch servers, a group of
// minutes to a POST, trying again until a server stores them. The URLs
// are replicas of one server: it delivers to one at a time, stays with
// it while it takes the minutes, and moves to the next in turn when it
// fails.
type Server struct {
	clients []*ingest.Client // one per URL, in the order given
	cur     int              // the one delivering
	log     *slog.Logger
	backoff backoff.Backoff
	clock   clock.Clock

	batches     []spool.Batch // the group's minutes in the body
	body        []byte        // the group's body
	minutes     int           // its blocks
	records     int           // its records
	first, last int64         // its first and last minutes

	refused int // records dropped because the server refused their series
}

// NewServer returns a Server of the URLs, all taking the one token.
func NewServer(urls []string, token string, log *slog.Logger, opt Options) *Server {
	if opt.RetryMin <= 0 {
		opt.RetryMin = DefaultRetryMin
	}
	if opt.RetryMax <= 0 {
		opt.RetryMax = DefaultRetryMax
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	s := &Server{log: log, backoff: backoff.Backoff{Base: opt.RetryMin, Max: max(opt.RetryMin, opt.RetryMax)}, clock: clock.Or(opt.Clock)}
	for _, url := range urls {
		s.clients = append(s.clients, &ingest.Client{URL: url, Token: token, Logger: log.With("server", url),
			HTTP: &http.Client{Timeout: opt.Timeout}})
	}
	return s
}

// Refused is the number of records dropped because a server refused
// their series; it is settled once Run has returned.
func (s *Server) Refused() int { return s.refused }

// Reset starts a new group.
func (s *Server) Reset() {
	s.batches, s.body, s.minutes, s.records = s.batches[:0], s.body[:0], 0, 0
}

// Add puts a batch in the group's body and returns the body's size. A
// minute the protocol cannot carry (before 1970, after 9999: a clock far
// off) is logged and left out, since no server would ever take it.
func (s *Server) Add(b spool.Batch) int {
	if b.Minute < 0 || b.Minute > ingest.MaxMinute {
		s.log.Error("minute outside the years 1970 to 9999, not delivered", "minute", b.Minute, "records", len(b.Entries))
		return len(s.body)
	}
	if s.minutes == 0 {
		s.first = b.Minute
	}
	s.batches = append(s.batches, b)
	s.body = ingest.AppendBlock(s.body, b.Minute, b.Entries)
	s.minutes, s.records, s.last = s.minutes+1, s.records+len(b.Entries), b.Minute
	return len(s.body)
}

// Send POSTs the group until a server has stored it, or ctx is done.
// Every failure is logged: a temporary one (no answer, 408, 429, 5xx) at
// WARN, and the next attempt goes at once to the next server, or after
// a growing pause once every server has failed in turn; any other at
// ERROR, and the next server is tried at the longest pause, since the
// failure may be fixed on the server without the agent knowing. Nothing
// is dropped but the records of series the server refuses (see drop):
// the rest goes at once, and a group left empty is done.
func (s *Server) Send(ctx context.Context) error {
	rounds := 0 // of temporary failures, every server tried once
	failed := 0 // temporary failures in a row since the last pause
	for attempt := 1; s.minutes > 0; attempt++ {
		server := s.clients[s.cur].URL
		_, err := s.clients[s.cur].Deliver(ctx, s.body)
		if err == nil {
			if attempt > 1 {
				s.log.Info("delivered after retries", append(s.attrs(server), "attempts", attempt)...)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if refused := ingest.RefusedSeries(err); refused != nil && s.drop(ctx, server, refused) > 0 {
			continue
		}
		pause, level := backoff.Jitter(s.backoff.Max, nil), slog.LevelError
		if ingest.Temporary(err) {
			pause, level, failed = 0, slog.LevelWarn, failed+1
			if failed == len(s.clients) { // a round: every server failed
				rounds, failed = rounds+1, 0
				pause = s.backoff.Next(rounds, nil)
			}
		} else {
			failed = 0 // the pause is the longest
		}
		s.next(ctx, level, attempt, pause, err)
		if err := s.sleep(ctx, pause); err != nil {
			return err
		}
	}
	return nil
}

// next logs a failed attempt and moves to the next server, if there is
// another.
func (s *Server) next(ctx context.Context, level slog.Level, attempt int, pause time.Duration, err error) {
	attrs := append(s.attrs(s.clients[s.cur].URL), "attempt", attempt, "retry_in", pause.Round(time.Millisecond), "err", err)
	if len(s.clients) == 1 {
		s.log.Log(ctx, level, "delivery failed, will retry", attrs...)
		return
	}
	s.cur = (s.cur + 1) % len(s.clients)
	s.log.Log(ctx, level, "delivery failed, moving to the next server", append(attrs, "next_server", s.clients[s.cur].URL)...)
}

func (s *Server) attrs(server string) []any {
	return []any{"server", server, "minutes", s.minutes, "records", s.records, "bytes", len(s.body),
		"first_minute", slawatch.MinuteTime(s.first), "last_minute", slawatch.MinuteTime(s.last)}
}

// sleep waits d on the server's clock, or until ctx is done.
func (s *Server) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := s.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
