package engine

import (
	"fmt"
	"math/big"
)

// incidentItem is one missed item of an incident, where it was judged.
type incidentItem struct {
	lv     *level
	idx    int
	amount *big.Rat
	order  int
}

// mergeIncidents makes, for providers that count failures with one cause
// as one incident, every incident credited once: the missed items of one
// customer and one level that share a cause are one incident, credited at
// the item that would earn the most (then the earliest, then the
// contract's order); the others are marked merged and count neither as
// misses nor for credit.
func (e *Evaluator) mergeIncidents(results map[*level]*result) {
	groups := map[string][]incidentItem{}
	var keys []string
	for order, lv := range e.levels {
		tm := results[lv].tm
		if tm == nil || !lv.l.Template.Provider.IncidentMerge {
			continue
		}
		for i := range tm.items {
			j := &tm.items[i]
			if j.cause == "" || !j.counts() {
				continue
			}
			k := lv.l.Service.Customer.ID + "\x00" + lv.l.Template.ID + "\x00" + j.cause
			if groups[k] == nil {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], incidentItem{lv, i, lv.itemAmount(j), order})
		}
	}
	for _, k := range keys {
		e.creditOnce(results, groups[k])
	}
}

// creditOnce keeps the incident's best item and merges the others into it.
func (e *Evaluator) creditOnce(results map[*level]*result, items []incidentItem) {
	item := func(x incidentItem) *judged { return &results[x.lv].tm.items[x.idx] }
	best := items[0]
	for _, x := range items[1:] {
		c := x.amount.Cmp(best.amount)
		if c > 0 || (c == 0 && item(x).start.Before(item(best).start)) {
			best = x
		}
	}
	b := item(best)
	where := best.lv.l.Service.Customer.ID + "/" + best.lv.l.Service.Service.ID
	for _, x := range items {
		if x == best {
			continue
		}
		j := item(x)
		j.merged = b.id
		j.notes = append(j.notes, fmt.Sprintf("cause %s: one incident with %s at %s, credited there", j.cause, b.id, where))
	}
}
