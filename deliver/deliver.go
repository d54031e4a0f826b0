// Package deliver takes the probing agent's minute records from its
// spool to where they go: a minute-records samples file (File), an
// evaluator in the same process (Evaluator), and slawatch servers over
// HTTP with failover and retries (Server). Outputs.Run is the spool's
// consumer: a batch leaves the spool only once every output holds it.
//
// cmd/slawatch wires it from the agent command's flags; the defaults
// of delivery are this package's (DefaultRetryMin, DefaultRetryMax,
// DefaultTimeout, DrainTimeout).
package deliver

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/ingest"
	"github.com/slawatch/slawatch/internal/clock"
	"github.com/slawatch/slawatch/sample"
	"github.com/slawatch/slawatch/spool"
)

// Evaluator judges minutes in process: *engine.Evaluator.
type Evaluator interface {
	AddNamed(minute int64, recs []slawatch.SeriesMinute) error
}

// Outputs are where the agent's minutes go. Any of them may be nil.
type Outputs struct {
	Log    *slog.Logger
	File   *File       // the samples file (--out)
	Eval   Evaluator   // the in-process evaluator (--contract)
	Server *Server     // the servers (--server)
	Clock  clock.Clock // Drain's deadline and pauses; nil: the real clock

	evAny bool
	evAt  int64         // the last minute given to the evaluator
	group []spool.Batch // the batches being delivered
}

// Any reports whether there is an output at all.
func (o *Outputs) Any() bool { return o.File != nil || o.Eval != nil || o.Server != nil }

// After is the last minute the outputs already hold: the file's last
// minute when it was continued, sample.NoMinute otherwise.
func (o *Outputs) After() int64 {
	if o.File == nil {
		return sample.NoMinute
	}
	return o.File.After()
}

// Write puts one minute into the file and the evaluator. It is the
// agent's Sink when there is no spool, and Run's step otherwise.
// Minutes the file already held are skipped.
func (o *Outputs) Write(m int64, recs []slawatch.SeriesMinute) error {
	if m <= o.After() {
		return nil
	}
	if o.File != nil {
		if err := o.File.Write(m, recs); err != nil {
			return err
		}
	}
	if o.Eval != nil && (!o.evAny || m > o.evAt) {
		o.evAny, o.evAt = true, m
		return o.Eval.AddNamed(m, recs)
	}
	return nil
}

// Run is the spool's consumer: it takes batches in order, writes each
// to the file and the evaluator, sends them to the server in groups,
// and acknowledges a group only once every output holds it durably. It
// returns when ctx is done or an output fails for good.
func (o *Outputs) Run(ctx context.Context, sp *spool.Spool) error {
	for {
		group, err := o.take(ctx, sp)
		if err != nil {
			return err
		}
		for _, b := range group {
			if err := o.Write(b.Minute, b.Entries); err != nil {
				o.Log.Error("write minute", "minute", slawatch.MinuteTime(b.Minute), "err", err)
				return err
			}
		}
		if o.Server != nil {
			if err := o.Server.Send(ctx); err != nil {
				return err
			}
		}
		if err := sp.Ack(group[len(group)-1].Seq); err != nil {
			return err
		}
	}
}

// take waits for the next batch. With a server it adds the batches
// already spooled after it, up to a body's worth: ingest.BodyMinutes
// minutes, or the first minute that takes the body past ingest.BodyBytes.
func (o *Outputs) take(ctx context.Context, sp *spool.Spool) ([]spool.Batch, error) {
	b, err := sp.Next(ctx)
	if err != nil {
		return nil, err
	}
	o.group = append(o.group[:0], b)
	if o.Server == nil {
		return o.group, nil
	}
	o.Server.Reset()
	// Next with a done context returns a batch already spooled, if any,
	// without waiting for one.
	now, cancel := context.WithCancel(context.Background())
	cancel()
	for size := o.Server.Add(b); len(o.group) < ingest.BodyMinutes && size < ingest.BodyBytes; {
		b, err := sp.Next(now)
		if errors.Is(err, context.Canceled) {
			break // nothing more spooled yet
		}
		if err != nil {
			return nil, err
		}
		o.group = append(o.group, b)
		size = o.Server.Add(b)
	}
	return o.group, nil
}

// DrainTimeout bounds Drain; drainPoll is how often it looks.
const (
	DrainTimeout = 10 * time.Second
	drainPoll    = 10 * time.Millisecond
)

// Drain waits, after the agent has stopped, until the consumer has
// delivered every pending batch, for at most DrainTimeout; what is left
// stays in the spool for the next run.
func (o *Outputs) Drain(sp *spool.Spool) {
	c := clock.Or(o.Clock)
	deadline := c.Now().Add(DrainTimeout)
	t := c.NewTimer(drainPoll)
	defer t.Stop()
	for sp.Stats().Pending > 0 && c.Now().Before(deadline) {
		<-t.C()
		t.Reset(drainPoll)
	}
	if n := sp.Stats().Pending; n > 0 {
		o.Log.Warn("batches left in the spool for the next run", "batches", n)
	}
}
