package engine

import (
	"maps"
	"slices"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/contract"
)

// Clone returns a deep copy of the evaluator's month-to-date state, so
// that the copy can be finished for a month-to-date report (Finish
// changes the state it finishes: it judges the rest of the window as
// unknown and applies the run rules) while e goes on receiving minutes.
// The copy shares only what never changes: the bound contract, its
// templates and the business calendars. It starts with no OnOutage
// callback: finishing it reports no outage twice. The copy and e may be
// used from different goroutines; Clone itself reads e, so it must not
// run while another goroutine feeds e.
func (e *Evaluator) Clone() *Evaluator {
	c := *e // needCur, set up by New, is shared: nothing writes it
	c.onOutage = nil
	c.named = slawatch.Batch{} // AddNamed's scratch space
	c.rec.cur = slices.Clone(e.rec.cur)
	c.rec.stamp = slices.Clone(e.rec.stamp)
	c.in = e.in.clone()
	levels := make(map[*level]*level, len(e.levels))
	rules := map[*rule]*rule{}
	c.levels = make([]*level, len(e.levels))
	for i, lv := range e.levels {
		c.levels[i] = lv.clone(&c, rules)
		levels[lv] = c.levels[i]
	}
	c.slow = remap(e.slow, levels)
	c.fastRules = make([][]*rule, len(e.fastRules))
	for s, rs := range e.fastRules {
		c.fastRules[s] = remap(rs, rules)
	}
	c.fastValues = make([][]*level, len(e.fastValues))
	for s, ls := range e.fastValues {
		c.fastValues[s] = remap(ls, levels)
	}
	c.watches = slices.Clone(e.watches)
	for k := range c.watches {
		w := &c.watches[k]
		w.lv, w.r = levels[w.lv], rules[w.r]
	}
	return &c
}

// remap returns the copies of xs; nil stays nil.
func remap[T any](xs []*T, to map[*T]*T) []*T {
	if xs == nil {
		return nil
	}
	out := make([]*T, len(xs))
	for i, x := range xs {
		out[i] = to[x]
	}
	return out
}

func (lv *level) clone(e *Evaluator, rules map[*rule]*rule) *level {
	c := *lv
	c.e = e
	c.excl = slices.Clone(lv.excl)
	c.found = slices.Clone(lv.found)
	if lv.rules != nil { // minute levels are told apart by rules != nil
		c.rules = make([]*rule, len(lv.rules))
		for i, r := range lv.rules {
			c.rules[i] = r.clone()
			rules[r] = c.rules[i]
		}
	}
	if lv.val != nil {
		c.val = lv.val.clone()
	}
	return &c
}

func (r *rule) clone() *rule {
	c := *r
	c.group = slices.Clone(r.group)
	c.edges = slices.Clone(r.edges)
	if r.raw != nil {
		c.raw = make([][]uint8, len(r.raw))
		for k, a := range r.raw {
			c.raw[k] = slices.Clone(a)
		}
	}
	if r.rings != nil {
		c.rings = make([]*ring, len(r.rings))
		for k, g := range r.rings {
			c.rings[k] = &ring{sum: slices.Clone(g.sum), cnt: slices.Clone(g.cnt), pos: g.pos, tsum: g.tsum, tcnt: g.tcnt}
		}
	}
	return &c
}

func (v *value) clone() *value {
	c := *v
	c.loss.den = slices.Clone(v.loss.den)
	c.loss.num = slices.Clone(v.loss.num)
	c.n = slices.Clone(v.n)
	c.sum = slices.Clone(v.sum)
	return &c
}

// clone copies the inputs' indexes and the claims used; the tickets,
// events and claims themselves are never changed by the engine, and a
// calendar is safe for concurrent use.
func (in inputs) clone() inputs {
	c := in
	c.tickets = cloneIndex(in.tickets)
	c.events = cloneIndex(in.events)
	c.claims = cloneIndex(in.claims)
	c.usedClaims = maps.Clone(in.usedClaims)
	c.calendars = maps.Clone(in.calendars)
	return c
}

func cloneIndex[T any](m map[*contract.BoundService][]*T) map[*contract.BoundService][]*T {
	if m == nil {
		return nil
	}
	out := make(map[*contract.BoundService][]*T, len(m))
	for s, xs := range m {
		out[s] = slices.Clone(xs)
	}
	return out
}
