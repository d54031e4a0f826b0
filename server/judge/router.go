package judge

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/slawatch/slawatch"
)

// router splits the hours a rebuild reads from the store by customer and
// judges the customers on several goroutines: they share nothing, so
// each is judged exactly as alone, and an hour of one customer is judged
// at once, its evaluators' state staying in the cache.
//
// The store numbers the series by their place in names, which lists the
// customers' series in the order of their contracts, customer by
// customer (by id). A customer that shares none of its series is then a
// run of numbers, lo to lo+len-1 in contract order: its records are a
// run of each minute's, fed to it as they are. The records of the others
// are copied to them: to[n] is where series n goes, a customer and the
// series' index in its contract.
type router struct {
	names []string
	to    [][]routeTo
	copy  bool       // some customer is fed copies
	custs []*route   // by id, the order of their numbers
	parts [][]*route // consecutive customers, judged one part at a time
}

type routeTo struct {
	rt  *route
	idx int32
}

// route is how one customer is fed: a run of numbers, or copies.
type route struct {
	c      *custEval
	rank   int  // its place in custs
	run    bool // fed the run [lo, hi) of each minute's records
	lo, hi int32
	// the hour being fed: a run's span of each minute's records, or the
	// copies of each minute's
	spans  [][2]int
	copies [][]slawatch.Record
}

// newRouter numbers the series cs bind and splits cs into parts of about
// as many series.
func newRouter(cs []*custEval) *router {
	cs = slices.SortedFunc(slices.Values(cs), func(a, b *custEval) int { return strings.Compare(a.id, b.id) })
	r := &router{}
	number := map[string]int32{}
	for rank, c := range cs {
		rt := &route{c: c, rank: rank}
		r.custs = append(r.custs, rt)
		for idx, name := range c.bound.Series {
			n, ok := number[name]
			if !ok {
				n = int32(len(r.names))
				number[name] = n
				r.names, r.to = append(r.names, name), append(r.to, nil)
			}
			r.to[n] = append(r.to[n], routeTo{rt, int32(idx)})
		}
	}
	for _, rt := range r.custs {
		series := rt.c.bound.Series
		if rt.run = len(series) > 0; rt.run {
			rt.lo = number[series[0]]
			rt.hi = rt.lo + int32(len(series))
		}
		for idx, name := range series {
			n := number[name]
			rt.run = rt.run && n == rt.lo+int32(idx) && len(r.to[n]) == 1
		}
		if rt.run {
			for n := rt.lo; n < rt.hi; n++ {
				r.to[n] = nil
			}
		}
		r.copy = r.copy || !rt.run
	}
	r.split(runtime.GOMAXPROCS(0))
	return r
}

// split cuts custs into pieces of consecutive customers with about as
// many series each, four a goroutine: the goroutines take the next piece
// as they finish one, so that none waits long for the others at the end
// of an hour.
func (r *router) split(n int) {
	total := 0
	for _, rt := range r.custs {
		total += len(rt.c.bound.Series)
	}
	n *= 4
	at, sum := 0, 0
	for i, rt := range r.custs {
		sum += len(rt.c.bound.Series)
		if sum*n >= total*(len(r.parts)+1) || i == len(r.custs)-1 {
			r.parts = append(r.parts, r.custs[at:i+1])
			at = i + 1
		}
	}
}

// feed judges an hour of stored minutes: each customer is fed the
// minutes it has not judged live (before its next) that hold its
// records. The runs are all found before any is fed, since feeding
// changes them. The caller holds mu.
func (r *router) feed(e *Judge, bs []slawatch.Batch) error {
	r.copyOut(bs)
	r.each(func(part []*route) { locate(part, bs) })
	errs := make([][]error, len(r.custs))
	r.each(func(part []*route) {
		for _, rt := range part {
			errs[rt.rank] = e.feedHour(rt, bs)
		}
	})
	r.collectFound(e)
	return errors.Join(slices.Concat(errs...)...)
}

// each calls fn with every part, on GOMAXPROCS goroutines that take the
// next part as they finish one, and returns once all are done.
func (r *router) each(fn func(part []*route)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(r.parts)) {
		wg.Go(func() {
			for p := next.Add(1) - 1; p < int64(len(r.parts)); p = next.Add(1) - 1 {
				fn(r.parts[p])
			}
		})
	}
	wg.Wait()
}

// locate finds the runs of part's customers in each minute of the hour.
func locate(part []*route, bs []slawatch.Batch) {
	var first *route // the part's first run: the others follow it
	for _, rt := range part {
		rt.spans = slices.Grow(rt.spans[:0], len(bs))[:len(bs)]
		if first == nil && rt.run {
			first = rt
		}
	}
	if first == nil {
		return
	}
	for k := range bs {
		// the runs come in increasing numbers, as the records do
		recs := bs[k].Records
		at, _ := slices.BinarySearchFunc(recs, first.lo, func(x slawatch.Record, lo int32) int { return cmp.Compare(x.Series, lo) })
		for _, rt := range part {
			if !rt.run {
				continue
			}
			for at < len(recs) && recs[at].Series < rt.lo {
				at++
			}
			end := at
			for end < len(recs) && recs[end].Series < rt.hi {
				end++
			}
			rt.spans[k] = [2]int{at, end}
			at = end
		}
	}
}

// copyOut copies each minute's records of the customers not fed a run
// to theirs.
func (r *router) copyOut(bs []slawatch.Batch) {
	if !r.copy {
		return
	}
	for _, rt := range r.custs {
		if rt.run {
			continue
		}
		for len(rt.copies) < len(bs) {
			rt.copies = append(rt.copies, nil)
		}
		for k := range bs {
			rt.copies[k] = rt.copies[k][:0]
		}
	}
	for k := range bs {
		b := &bs[k]
		for _, rec := range b.Records {
			for _, to := range r.to[rec.Series] {
				if rt := to.rt; b.Minute < rt.c.next {
					rt.copies[k] = append(rt.copies[k], slawatch.Record{Series: to.idx, Minute: rec.Minute})
				}
			}
		}
	}
}

// feedHour feeds one customer its records of an hour's minutes.
func (e *Judge) feedHour(rt *route, bs []slawatch.Batch) []error {
	var errs []error
	c := rt.c
	for k := range bs {
		t := bs[k].Minute
		if t >= c.next {
			break
		}
		var recs []slawatch.Record
		if rt.run {
			recs = bs[k].Records[rt.spans[k][0]:rt.spans[k][1]]
			for i := range recs {
				recs[i].Series -= rt.lo // numbers to indexes: the batch is ours to change
			}
		} else {
			recs = rt.copies[k]
		}
		if len(recs) > 0 {
			if err := e.feedBatch(c, t, recs); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errs
}

// foundAt is an outage found while a rebuild fed minute.
type foundAt struct {
	minute int64
	f      Found
}

// collectFound puts the outages the customers found in the hour in the
// order of one goroutine feeding minute by minute, customer by customer.
func (r *router) collectFound(e *Judge) {
	type ranked struct {
		rank int
		foundAt
	}
	var all []ranked
	for _, rt := range r.custs {
		for _, f := range rt.c.found {
			all = append(all, ranked{rt.rank, f})
		}
		rt.c.found = rt.c.found[:0]
	}
	slices.SortStableFunc(all, func(a, b ranked) int { return cmp.Or(cmp.Compare(a.minute, b.minute), cmp.Compare(a.rank, b.rank)) })
	for _, f := range all {
		e.found = append(e.found, f.f)
	}
}

// feedBatch gives minute t's records of c, by contract index, to c's
// months whose window holds t, as feed1 gives named records.
func (e *Judge) feedBatch(c *custEval, t int64, recs []slawatch.Record) error {
	byIndex := func(x, y slawatch.Record) int { return cmp.Compare(x.Series, y.Series) }
	if !slices.IsSortedFunc(recs, byIndex) {
		slices.SortFunc(recs, byIndex)
	}
	c.feeding = t
	b := &slawatch.Batch{Minute: t, Records: recs, Rows: int64(len(recs))}
	var errs []error
	for _, m := range c.months {
		if t >= m.w0 && t < m.w1 && t >= m.ev.Next() {
			if err := m.ev.Add(b); err != nil {
				errs = append(errs, fmt.Errorf("customer %s %s: %w", c.id, m.month.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}
