package sample

// IgnoredSeries is a series a Reader left out with IgnoreUnknown: its
// name and the rows it had.
type IgnoredSeries struct {
	Series string
	Rows   int64
}

// IgnoreUnknown makes the Reader leave out the rows of series its lookup
// does not know, rather than fail on the first: each is still read and
// checked, and counted in its Batch's Rows (so that a report's row
// counts still account for every row), but gives no Record; Ignored
// names them. Call it before the first Next.
func (r *Reader) IgnoreUnknown() {
	r.ignoreUnknown = true
	r.ignoredAt = map[string]int{}
}

// Ignored returns the series left out so far and their rows, in the
// order they were first seen.
func (r *Reader) Ignored() []IgnoredSeries { return r.ignored }

// ignoredIndex returns the index of a series in r.ignored, adding it.
func (r *Reader) ignoredIndex(name []byte) int {
	if i, ok := r.ignoredAt[string(name)]; ok {
		return i
	}
	r.ignored = append(r.ignored, IgnoredSeries{Series: string(name)})
	r.ignoredAt[string(name)] = len(r.ignored) - 1
	return len(r.ignored) - 1
}

// ignore counts a row of the series just looked up, which is ignored.
func (r *Reader) ignore() error {
	r.ignored[r.lastIgnored].Rows++
	r.rows++
	return nil
}
