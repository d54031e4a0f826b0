package demo

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/agent"
	"github.com/slawatch/slawatch/ingest"
	"github.com/slawatch/slawatch/probe"
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
		deliver(ctx, queue, &ingest.Client{URL: url, Token: token, HTTP: &http.Client{Timeout: 30 * time.Second}}, log)
	}()
	err = a.Run(ctx, sink)
	<-delivered
	return err
}

// deliver sends each minute until the server stores it.
func deliver(ctx context.Context, queue <-chan minuteBatch, c *ingest.Client, log *slog.Logger) {
	for {
		var b minuteBatch
		select {
		case <-ctx.Done():
			return
		case b = <-queue:
		}
		body := ingest.AppendBlock(nil, b.minute, b.recs)
		for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
			_, err := c.Deliver(ctx, body)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
			log.Warn("delivery failed, will retry", "minute", slawatch.MinuteTime(b.minute), "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}
}
