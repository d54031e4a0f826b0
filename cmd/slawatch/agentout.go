package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/ingest"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/sample"
	"github.com/slawatch/slawatch/spool"
)

// outputs are where the agent command puts minute records: the --out
// file, the in-process evaluator of --contract and the --server.
type outputs struct {
	log   *slog.Logger
	after int64 // minutes up to this one are already in the file

	file *os.File
	w    *sample.MinuteWriter

	ev   *engine.Evaluator
	evAt int64 // the last minute given to the evaluator

	srv   *serverOut
	group []spool.Batch // the batches being delivered
}

func (c *AgentCommand) outputs(log *slog.Logger) (*outputs, error) {
	o := &outputs{log: log, after: -1 << 62, evAt: -1 << 62}
	if c.server != "" {
		o.srv = newServerOut(c.server, c.token, log)
	}
	if c.out != "" {
		if err := o.openFile(c.out); err != nil {
			return nil, err
		}
	}
	if c.contract != "" {
		if err := o.openEvaluator(c.contract, c.month); err != nil {
			o.close()
			return nil, err
		}
	}
	return o, nil
}

// openFile opens the --out file. An existing file of minute records is
// continued: a torn last line (a crash mid-write) is cut off, and the
// agent does not write minutes the file already holds.
func (o *outputs) openFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	o.file = f
	o.w = sample.NewMinuteWriter(f)
	last, end, err := scanMinuteFile(f, path)
	if err != nil {
		return err
	}
	if end == 0 {
		return nil
	}
	if err := f.Truncate(end); err != nil {
		return err
	}
	if _, err := f.Seek(end, io.SeekStart); err != nil {
		return err
	}
	o.w.Resume(last)
	o.after = last
	o.log.Info("continuing samples file", "file", path, "last_minute", time.Unix(last*60, 0).UTC())
	return nil
}

// scanMinuteFile finds the last minute of an existing minute-records file
// and the offset just after its last complete line (0 for an empty file).
func scanMinuteFile(f *os.File, path string) (last, end int64, err error) {
	br := bufio.NewReaderSize(f, 1<<20)
	last = -1 << 62
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, io.EOF) || (err == nil && len(line) == 0) {
			return last, end, nil // a line without its newline was torn: dropped
		}
		if err != nil {
			return 0, 0, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if n == 1 {
			if string(bytes.TrimRight(line, "\r\n")) != sample.MinuteHeader {
				return 0, 0, fmt.Errorf("%s:1: not a minute-records samples file; --out appends only to one (header %q)", path, sample.MinuteHeader)
			}
		} else if m, ok := lineMinute(line); ok {
			last = m
		} else {
			return 0, 0, fmt.Errorf("%s:%d: field minute: not a minute; --out appends only to a file it wrote", path, n)
		}
		end += int64(len(line))
	}
}

func lineMinute(line []byte) (int64, bool) {
	field, _, ok := bytes.Cut(line, []byte{','})
	if !ok {
		return 0, false
	}
	t, err := time.Parse(time.RFC3339, string(field))
	if err != nil {
		return 0, false
	}
	return t.Unix() / 60, true
}

// openEvaluator prepares the in-process evaluation of --contract.
func (o *outputs) openEvaluator(path, month string) error {
	cat, err := catalog.Builtin()
	if err != nil {
		return err
	}
	ct, err := contract.Open(path)
	if err != nil {
		return err
	}
	b, err := ct.Bind(cat)
	if err != nil {
		return err
	}
	if month == "" {
		month = time.Now().In(b.Location).Format("2006-01")
	}
	m, err := engine.ParseMonth(month, b.Location)
	if err != nil {
		return usagef("--month: %v", err)
	}
	o.ev, err = engine.New(b, m)
	return err
}

// any reports whether there is an output at all.
func (o *outputs) any() bool { return o.w != nil || o.ev != nil || o.srv != nil }

// write puts one minute into every output. It is the agent's Sink when
// there is no spool, and the spool consumer's step otherwise.
func (o *outputs) write(m int64, recs []slawatch.SeriesMinute) error {
	if m <= o.after {
		return nil
	}
	if o.w != nil {
		if err := o.writeFile(m, recs); err != nil {
			return err
		}
	}
	if o.ev != nil && m > o.evAt {
		o.evAt = m
		return o.ev.AddNamed(m, recs)
	}
	return nil
}

func (o *outputs) writeFile(m int64, recs []slawatch.SeriesMinute) error {
	for _, r := range recs {
		if err := o.w.WriteMinute(m, r.Series, r.M); err != nil {
			return err
		}
	}
	if err := o.w.Flush(); err != nil {
		return err
	}
	return o.file.Sync()
}

// deliver is the spool's consumer: it takes batches in order, writes
// each to the file and the evaluator, sends them to the server in groups,
// and acknowledges a group only once every output holds it durably.
func (o *outputs) deliver(ctx context.Context, sp *spool.Spool) error {
	for {
		group, err := o.take(ctx, sp)
		if err != nil {
			return err
		}
		for _, b := range group {
			if err := o.write(b.Minute, b.Entries); err != nil {
				o.log.Error("write minute", "minute", slawatch.MinuteTime(b.Minute), "err", err)
				return err
			}
		}
		if o.srv != nil {
			if err := o.srv.send(ctx); err != nil {
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
func (o *outputs) take(ctx context.Context, sp *spool.Spool) ([]spool.Batch, error) {
	b, err := sp.Next(ctx)
	if err != nil {
		return nil, err
	}
	o.group = append(o.group[:0], b)
	if o.srv == nil {
		return o.group, nil
	}
	o.srv.reset()
	// Next with a done context returns a batch already spooled, if any,
	// without waiting for one.
	now, cancel := context.WithCancel(context.Background())
	cancel()
	for size := o.srv.add(b); len(o.group) < ingest.BodyMinutes && size < ingest.BodyBytes; {
		b, err := sp.Next(now)
		if errors.Is(err, context.Canceled) {
			break // nothing more spooled yet
		}
		if err != nil {
			return nil, err
		}
		o.group = append(o.group, b)
		size = o.srv.add(b)
	}
	return o.group, nil
}

// finish prints the in-process evaluation.
func (o *outputs) finish(w io.Writer) error {
	if o.ev == nil {
		return nil
	}
	rep, err := o.ev.Finish()
	if err != nil {
		return err
	}
	return report.WriteTable(w, rep)
}

func (o *outputs) close() {
	if o.file != nil {
		o.file.Close()
	}
}

// drain waits, after the agent has stopped, until the consumer has
// delivered every pending batch, for at most ten seconds; what is left
// stays in the spool for the next run.
func (o *outputs) drain(sp *spool.Spool) {
	deadline := time.Now().Add(10 * time.Second)
	for sp.Stats().Pending > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := sp.Stats().Pending; n > 0 {
		o.log.Warn("batches left in the spool for the next run", "batches", n)
	}
}

// Delivery's retry intervals: from retryMin, doubling after each
// temporary failure up to retryMax; a permanent failure waits retryMax.
const (
	retryMin = 200 * time.Millisecond
	retryMax = 30 * time.Second
)

// serverOut delivers the spooled minutes to the --server, a group of
// minutes to a POST, trying again until the server stores them.
type serverOut struct {
	client             *ingest.Client
	log                *slog.Logger
	retryMin, retryMax time.Duration

	body        []byte // the group's body
	minutes     int    // its blocks
	records     int    // its records
	first, last int64  // its first and last minutes
}

func newServerOut(url, token string, log *slog.Logger) *serverOut {
	log = log.With("server", url)
	return &serverOut{
		client: &ingest.Client{URL: url, Token: token, Logger: log,
			HTTP: &http.Client{Timeout: time.Minute}}, // a POST of 1 MiB even over a slow link
		log: log, retryMin: retryMin, retryMax: retryMax,
	}
}

// reset starts a new group.
func (s *serverOut) reset() { s.body, s.minutes, s.records = s.body[:0], 0, 0 }

// add puts a batch in the group's body and returns the body's size. A
// minute the protocol cannot carry (before 1970, after 9999: a clock far
// off) is logged and left out, since no server would ever take it.
func (s *serverOut) add(b spool.Batch) int {
	if b.Minute < 0 || b.Minute > ingest.MaxMinute {
		s.log.Error("minute outside the years 1970 to 9999, not delivered", "minute", b.Minute, "records", len(b.Entries))
		return len(s.body)
	}
	if s.minutes == 0 {
		s.first = b.Minute
	}
	s.body = ingest.AppendBlock(s.body, b.Minute, b.Entries)
	s.minutes, s.records, s.last = s.minutes+1, s.records+len(b.Entries), b.Minute
	return len(s.body)
}

// send POSTs the group until the server has stored it, or ctx is done.
// Every failure is logged: a temporary one (no answer, 408, 429, 5xx) at
// WARN and retried after a growing pause; any other at ERROR and retried
// at the longest pause, since it may be fixed on the server without the
// agent knowing. Nothing is dropped.
func (s *serverOut) send(ctx context.Context) error {
	if s.minutes == 0 {
		return nil
	}
	wait := s.retryMin
	for attempt := 1; ; attempt++ {
		_, err := s.client.Deliver(ctx, s.body)
		if err == nil {
			if attempt > 1 {
				s.log.Info("delivered after retries", append(s.attrs(), "attempts", attempt)...)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		pause, level := s.retryMax, slog.LevelError
		if ingest.Temporary(err) {
			pause, level, wait = wait, slog.LevelWarn, min(2*wait, s.retryMax)
		}
		pause = jitter(pause)
		s.log.Log(ctx, level, "delivery failed, will retry",
			append(s.attrs(), "attempt", attempt, "retry_in", pause.Round(time.Millisecond), "err", err)...)
		if err := sleep(ctx, pause); err != nil {
			return err
		}
	}
}

func (s *serverOut) attrs() []any {
	return []any{"minutes", s.minutes, "records", s.records, "bytes", len(s.body),
		"first_minute", slawatch.MinuteTime(s.first), "last_minute", slawatch.MinuteTime(s.last)}
}

// jitter returns a pause between d/2 and d, so that agents cut off
// together do not all come back at the same instant.
func jitter(d time.Duration) time.Duration { return d/2 + rand.N(d/2+1) }

// sleep waits d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
