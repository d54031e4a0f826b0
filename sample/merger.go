package sample

import (
	"fmt"
	"io"
	"math"
)

// Merger merges the batches of several Readers by minute, as if their
// files were one: the batches of one minute become one, in which the
// records of one series are merged with slawatch.Minute.Merge. Each file
// must be sorted by time; the files need not be sorted against each other.
type Merger struct {
	readers []*Reader
	heads   []*Batch // each reader's unconsumed batch, nil when it must be read
	done    []bool   // the reader is exhausted
	batch   Batch
	spare   []Record // second buffer for merging records
	err     error
}

// NewMerger returns a Merger of the readers.
func NewMerger(readers ...*Reader) *Merger {
	return &Merger{
		readers: readers,
		heads:   make([]*Batch, len(readers)),
		done:    make([]bool, len(readers)),
	}
}

// Next returns the next minute of all readers, in strictly increasing
// minute order, or io.EOF after the last. The batch is valid until the
// next call, and its records come by ascending series. After an error
// every call returns the same error.
func (m *Merger) Next() (*Batch, error) {
	if m.err != nil {
		return nil, m.err
	}
	b, err := m.next()
	if err != nil {
		m.err = err
		return nil, err
	}
	return b, nil
}

func (m *Merger) next() (*Batch, error) {
	if err := m.fill(); err != nil {
		return nil, err
	}
	minute, ok := m.earliest()
	if !ok {
		return nil, io.EOF
	}
	m.batch = Batch{Minute: minute, Records: m.batch.Records[:0]}
	for i, h := range m.heads {
		if h == nil || h.Minute != minute {
			continue
		}
		if err := m.mergeIn(h, m.readers[i].File()); err != nil {
			return nil, err
		}
		m.heads[i] = nil // read the next batch only now: h is still valid
	}
	return &m.batch, nil
}

// fill reads the next batch of every reader whose batch was consumed.
func (m *Merger) fill() error {
	for i, r := range m.readers {
		if m.heads[i] != nil || m.done[i] {
			continue
		}
		b, err := r.Next()
		if err == io.EOF {
			m.done[i] = true
			continue
		}
		if err != nil {
			return err
		}
		m.heads[i] = b
	}
	return nil
}

// earliest returns the smallest minute among the heads. A linear scan is
// enough: there are a few files and a batch per minute each.
func (m *Merger) earliest() (int64, bool) {
	var minute int64
	found := false
	for _, h := range m.heads {
		if h != nil && (!found || h.Minute < minute) {
			minute, found = h.Minute, true
		}
	}
	return minute, found
}

// mergeIn merges the records of b into m.batch. Both lists are sorted by
// series, so one pass into the spare buffer merges them.
func (m *Merger) mergeIn(b *Batch, file string) error {
	a, out := m.batch.Records, m.spare[:0]
	i, j := 0, 0
	for i < len(a) && j < len(b.Records) {
		x, y := a[i], b.Records[j]
		switch {
		case x.Series < y.Series:
			out, i = append(out, x), i+1
		case x.Series > y.Series:
			out, j = append(out, y), j+1
		default:
			if err := mergeMinute(&x, y, b.Minute, file); err != nil {
				return err
			}
			out, i, j = append(out, x), i+1, j+1
		}
	}
	out = append(append(out, a[i:]...), b.Records[j:]...)
	m.batch.Records, m.spare = out, a
	m.batch.Rows += b.Rows
	return nil
}

// mergeMinute adds y into x, refusing overflows: Minute.Merge checks the
// sums, and the counts are checked here.
func mergeMinute(x *Record, y Record, minute int64, file string) error {
	if uint64(x.Minute.Sent)+uint64(y.Minute.Sent) > math.MaxUint32 || !x.Minute.Merge(y.Minute) {
		return fmt.Errorf("merge %s into minute %s: %w: series %d overflows the minute's counts or round-trip time sums",
			file, minuteText(minute), ErrOverflow, x.Series)
	}
	return nil
}
