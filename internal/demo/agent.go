package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/agent"
	"github.com/slawatch/slawatch/deliver"
	"github.com/slawatch/slawatch/probe"
	"github.com/slawatch/slawatch/spool"
)

// agentConfig is the demo agent's configuration: a TCP connect a second
// to each series' listener.
func agentConfig(listeners map[string]*Listener) (*agent.Config, error) {
	cfg := &agent.Config{File: "demo", Agent: AgentName}
	for i, s := range allSeries {
		cfg.Targets = append(cfg.Targets, agent.Target{File: "demo", Line: i + 1, Series: s.Name,
			Interval: agent.Duration{Duration: time.Second}, Timeout: agent.Duration{Duration: time.Second},
			TCP: &probe.TCPSpec{Address: listeners[s.Listener].Addr}})
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("demo: agent: %w", err)
	}
	return cfg, nil
}

// queuedMinutes bounds the minutes waiting for the server: an hour.
const queuedMinutes = 60

type minuteBatch struct {
	minute int64
	recs   []slawatch.SeriesMinute
}

// runAgent probes until ctx is done and delivers every minute to the
// server at url, as `slawatch agent --server` would, but without a spool:
// the server is in the same process, and a minute it could not take is
// sent again until it does or the demo stops.
func runAgent(ctx context.Context, cfg *agent.Config, clock agent.Clock, after int64, url, token string, log *slog.Logger) error {
	a, err := agent.New(ctx, cfg, agent.Options{Clock: clock, Logger: log, After: after})
	if err != nil {
		return fmt.Errorf("demo: agent: %w", err)
	}
	queue := make(chan minuteBatch, queuedMinutes)
	sink := func(m int64, recs []slawatch.SeriesMinute) error {
		select {
		case queue <- minuteBatch{m, append([]slawatch.SeriesMinute(nil), recs...)}:
			return nil
		default:
			return fmt.Errorf("minute %s not delivered: %d minutes already wait for the server", slawatch.MinuteTime(m), queuedMinutes)
		}
	}
	delivered := make(chan struct{})
	go func() {
		defer close(delivered)
		sendMinutes(ctx, queue, deliver.NewServer([]string{url}, token, log,
			deliver.Options{RetryMin: 100 * time.Millisecond, RetryMax: 5 * time.Second, Timeout: 30 * time.Second}))
	}()
	err = a.Run(ctx, sink)
	<-delivered
	return err
}

// sendMinutes sends each minute until the server stores it, with the
// agent's own delivery (package deliver: its retries, backoff and
// logs), on shorter pauses: the server is in the same process.
func sendMinutes(ctx context.Context, queue <-chan minuteBatch, srv *deliver.Server) {
	for {
		var b minuteBatch
		select {
		case <-ctx.Done():
			return
		case b = <-queue:
		}
		srv.Reset()
		srv.Add(spool.Batch{Minute: b.minute, Entries: b.recs})
		if srv.Send(ctx) != nil {
			return // ctx is done
		}
	}
}
