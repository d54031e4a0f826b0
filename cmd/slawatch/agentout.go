package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/catalog"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/sample"
	"github.com/slawatch/slawatch/spool"
)

// outputs are where the agent command puts minute records: the --out
// file and the in-process evaluator of --contract.
type outputs struct {
	log   *slog.Logger
	after int64 // minutes up to this one are already in the file

	file *os.File
	w    *sample.MinuteWriter

	ev   *engine.Evaluator
	evAt int64 // the last minute given to the evaluator
}

func (c *AgentCommand) outputs(log *slog.Logger) (*outputs, error) {
	o := &outputs{log: log, after: -1 << 62, evAt: -1 << 62}
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
func (o *outputs) any() bool { return o.w != nil || o.ev != nil }

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

// deliver is the spool's consumer: each batch goes to the outputs and is
// acknowledged only once written (and fsynced).
func (o *outputs) deliver(ctx context.Context, sp *spool.Spool) error {
	for {
		b, err := sp.Next(ctx)
		if err != nil {
			return err
		}
		if err := o.write(b.Minute, b.Entries); err != nil {
			o.log.Error("write minute", "minute", time.Unix(b.Minute*60, 0).UTC(), "err", err)
			return err
		}
		if err := sp.Ack(b.Seq); err != nil {
			return err
		}
	}
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
