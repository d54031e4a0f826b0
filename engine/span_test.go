package engine

import (
	"slices"
	"testing"
)

func TestSpanSet(t *testing.T) {
	u := union([]span{{50, 60}, {0, 10}, {5, 20}, {20, 30}, {40, 40}})
	if want := (spanSet{{0, 30}, {50, 60}}); !slices.Equal(u, want) {
		t.Fatalf("union = %v, want %v", u, want)
	}
	m := u.minus(spanSet{{-5, 2}, {10, 12}, {25, 55}})
	if want := (spanSet{{2, 10}, {12, 25}, {55, 60}}); !slices.Equal(m, want) {
		t.Fatalf("minus = %v, want %v", m, want)
	}
	if w := m.within(span{8, 57}); !slices.Equal(w, spanSet{{8, 10}, {12, 25}, {55, 57}}) || w.total() != 17 {
		t.Fatalf("within = %v (total %d)", w, w.total())
	}
}
