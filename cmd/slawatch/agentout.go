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
	"slices"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract/contractfile"
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
	if len(c.servers) > 0 {
		o.srv = newServerOut(c.servers, c.token, log)
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
	last, end, untimed, err := scanMinuteFile(f, path)
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
	if untimed {
		o.w.ResumeUntimed(last) // a file from before reply timing goes on untimed
	} else {
		o.w.Resume(last)
	}
	o.after = last
	o.log.Info("continuing samples file", "file", path, "last_minute", time.Unix(last*60, 0).UTC())
	return nil
}

// scanMinuteFile finds the last minute of an existing minute-records file
// and the offset just after its last complete line (0 for an empty file),
// and whether it has the header of minute records without reply timing.
func scanMinuteFile(f *os.File, path string) (last, end int64, untimed bool, err error) {
	br := bufio.NewReaderSize(f, 1<<20)
	last = -1 << 62
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, io.EOF) || (err == nil && len(line) == 0) {
			return last, end, untimed, nil // a line without its newline was torn: dropped
		}
		if err != nil {
			return 0, 0, false, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if n == 1 {
			h := string(bytes.TrimRight(line, "\r\n"))
			untimed = h == sample.MinuteHeaderUntimed
			if h != sample.MinuteHeader && !untimed {
				return 0, 0, false, fmt.Errorf("%s:1: not a minute-records samples file; --out appends only to one (header %q)", path, sample.MinuteHeader)
			}
		} else if m, ok := lineMinute(line); ok {
			last = m
		} else {
			return 0, 0, false, fmt.Errorf("%s:%d: field minute: not a minute; --out appends only to a file it wrote", path, n)
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
	ct, err := contractfile.Open(path)
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

// Delivery's retry intervals: from retryMin, doubling after each round
// of temporary failures (every server tried once) up to retryMax; a
// permanent failure waits retryMax.
const (
	retryMin = 200 * time.Millisecond
	retryMax = 30 * time.Second
)

// serverOut delivers the spooled minutes to the --server URLs, a group
// of minutes to a POST, trying again until a server stores them. The
// URLs are replicas of one server: it delivers to one at a time, stays
// with it while it takes the minutes, and moves to the next in turn
// when it fails.
type serverOut struct {
	clients            []*ingest.Client // one per URL, in the order given
	cur                int              // the one delivering
	log                *slog.Logger
	retryMin, retryMax time.Duration

	batches     []spool.Batch // the group's minutes in the body
	body        []byte        // the group's body
	minutes     int           // its blocks
	records     int           // its records
	first, last int64         // its first and last minutes

	refused int // records dropped because the server refused their series
}

func newServerOut(urls []string, token string, log *slog.Logger) *serverOut {
	s := &serverOut{log: log, retryMin: retryMin, retryMax: retryMax}
	for _, url := range urls {
		s.clients = append(s.clients, &ingest.Client{URL: url, Token: token, Logger: log.With("server", url),
			HTTP: &http.Client{Timeout: time.Minute}}) // a POST of 1 MiB even over a slow link
	}
	return s
}

// reset starts a new group.
func (s *serverOut) reset() {
	s.batches, s.body, s.minutes, s.records = s.batches[:0], s.body[:0], 0, 0
}

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
	s.batches = append(s.batches, b)
	s.body = ingest.AppendBlock(s.body, b.Minute, b.Entries)
	s.minutes, s.records, s.last = s.minutes+1, s.records+len(b.Entries), b.Minute
	return len(s.body)
}

// send POSTs the group until a server has stored it, or ctx is done.
// Every failure is logged: a temporary one (no answer, 408, 429, 5xx) at
// WARN, and the next attempt goes at once to the next server, or after
// a growing pause once every server has failed in turn; any other at
// ERROR, and the next server is tried at the longest pause, since the
// failure may be fixed on the server without the agent knowing. Nothing
// is dropped but the records of series the server refuses (see drop):
// the rest goes at once, and a group left empty is done.
func (s *serverOut) send(ctx context.Context) error {
	wait := s.retryMin
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
		pause, level := s.retryMax, slog.LevelError
		if ingest.Temporary(err) {
			pause, level, failed = 0, slog.LevelWarn, failed+1
			if failed == len(s.clients) { // a round: every server failed
				pause, wait, failed = wait, min(2*wait, s.retryMax), 0
			}
		} else {
			failed = 0 // the pause is the longest
		}
		pause = jitter(pause)
		s.next(ctx, level, attempt, pause, err)
		if err := sleep(ctx, pause); err != nil {
			return err
		}
	}
	return nil
}

// next logs a failed attempt and moves to the next server, if there is
// another.
func (s *serverOut) next(ctx context.Context, level slog.Level, attempt int, pause time.Duration, err error) {
	attrs := append(s.attrs(s.clients[s.cur].URL), "attempt", attempt, "retry_in", pause.Round(time.Millisecond), "err", err)
	if len(s.clients) == 1 {
		s.log.Log(ctx, level, "delivery failed, will retry", attrs...)
		return
	}
	s.cur = (s.cur + 1) % len(s.clients)
	s.log.Log(ctx, level, "delivery failed, moving to the next server", append(attrs, "next_server", s.clients[s.cur].URL)...)
}

// maxRefusedLogged bounds the refused series a delivery logs one by one.
const maxRefusedLogged = 10

// drop takes the records of the series the server refused out of the
// group, logs each series at ERROR (the first ten, then a summary line),
// and returns how many records it took
// out. None means the refusal names no series of the body: then it is
// an error like any other, not a reason to send again at once.
func (s *serverOut) drop(ctx context.Context, server string, series []string) int {
	refused := make(map[string]*refusal, len(series))
	for _, name := range series {
		refused[name] = &refusal{}
	}
	old := slices.Clone(s.batches)
	s.reset()
	n := 0
	for _, b := range old {
		kept := make([]slawatch.SeriesMinute, 0, len(b.Entries))
		for _, r := range b.Entries {
			if x := refused[r.Series]; x != nil {
				x.add(b.Minute)
				n++
			} else {
				kept = append(kept, r)
			}
		}
		if len(kept) > 0 {
			b.Entries = kept
			s.add(b)
		}
	}
	logged, more, moreRecords := 0, 0, 0
	for _, name := range series {
		x := refused[name]
		switch {
		case x.records == 0:
		case logged < maxRefusedLogged:
			logged++
			s.log.Log(ctx, slog.LevelError, "series refused by the server, its records not delivered: assign the series to this agent on the server",
				"series", name, "server", server, "records", x.records,
				"first_minute", slawatch.MinuteTime(x.first), "last_minute", slawatch.MinuteTime(x.last))
		default:
			more++
			moreRecords += x.records
		}
	}
	if more > 0 { // like the probes' failures: ten lines and a summary
		s.log.Log(ctx, slog.LevelError, "more series refused by the server, their records not delivered",
			"series", more, "records", moreRecords, "server", server)
	}
	s.refused += n
	return n
}

// refusal counts a refused series' records in a group.
type refusal struct {
	records     int
	first, last int64
}

func (x *refusal) add(m int64) {
	if x.records == 0 {
		x.first = m
	}
	x.records, x.last = x.records+1, m
}

func (s *serverOut) attrs(server string) []any {
	return []any{"server", server, "minutes", s.minutes, "records", s.records, "bytes", len(s.body),
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
