package engine

import (
	"slices"
	"time"
)

// span is a half-open interval of time [a, b), in Unix seconds.
type span struct{ a, b int64 }

func spanOf(start, end time.Time) span { return span{start.Unix(), end.Unix()} }

func (s span) len() int64 { return max(s.b-s.a, 0) }

func (s span) clip(o span) span { return span{max(s.a, o.a), min(s.b, o.b)} }

func (s span) overlaps(o span) bool { return s.a < o.b && o.a < s.b }

// spanSet is a set of disjoint spans, sorted.
type spanSet []span

// union returns the spans merged into a sorted disjoint set.
func union(spans []span) spanSet {
	in := slices.Clone(spans)
	slices.SortFunc(in, func(x, y span) int { return int(min(max(x.a-y.a, -1), 1)) })
	var out spanSet
	for _, s := range in {
		if s.len() == 0 {
			continue
		}
		if n := len(out); n > 0 && s.a <= out[n-1].b {
			out[n-1].b = max(out[n-1].b, s.b)
			continue
		}
		out = append(out, s)
	}
	return out
}

// minus returns the parts of set not covered by cut.
func (set spanSet) minus(cut spanSet) spanSet {
	var out spanSet
	for _, s := range set {
		for _, c := range cut {
			if c.b <= s.a || c.a >= s.b {
				continue
			}
			if c.a > s.a {
				out = append(out, span{s.a, c.a})
			}
			s.a = max(s.a, c.b)
		}
		if s.len() > 0 {
			out = append(out, s)
		}
	}
	return out
}

// within returns the parts of set inside w.
func (set spanSet) within(w span) spanSet {
	var out spanSet
	for _, s := range set {
		if c := s.clip(w); c.len() > 0 {
			out = append(out, c)
		}
	}
	return out
}

func (set spanSet) total() int64 {
	var n int64
	for _, s := range set {
		n += s.len()
	}
	return n
}
