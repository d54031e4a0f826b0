package judge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/slawatch/slawatch/report"
	"github.com/slawatch/slawatch/server/docs"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/contract"
	"github.com/slawatch/slawatch/engine"
	"github.com/slawatch/slawatch/store"
)

// Revision is one version of a closed month's final report. The first is
// made when the month closes; late data (within ReviseMonths of the
// month's end), changed tickets, events or claims, and a requested
// recompute make a new one when the figures change. Every revision is
// kept: billing needs the trail.
type Revision struct {
	RevisionInfo
	Report report.Report `json:"report"`
}

// RevisionInfo is what a revision says of itself, as listed.
type RevisionInfo struct {
	Month    string    `json:"month"`
	Revision int       `json:"revision"`
	At       time.Time `json:"at"`
	Reason   string    `json:"reason"`
	// Changes name what differs from the previous revision, one line a
	// figure: "internet-tokyo.levels.iij/availability.down_minutes: 0 -> 30".
	Changes []string `json:"changes"`
}

// Document kinds of revisions: the latest under the month, every one
// under month/NNNN.

// RevisionID is the document ID of revision n of month.
func RevisionID(month string, n int) string { return fmt.Sprintf("%s/%04d", month, n) }

// revisable reports whether a closed month still takes late data: until
// ReviseMonths after its end (the claim windows of the seed SLAs end
// within a month of the month's end).
func (e *Judge) revisable(b *contract.Bound, month string, now time.Time) bool {
	m, err := time.ParseInLocation("2006-01", month, b.Location)
	if err != nil {
		return false
	}
	return now.Before(m.AddDate(0, 1+e.cfg.ReviseMonths, 0))
}

// LatestRevision returns the latest revision of a month's final report.
func (e *Judge) LatestRevision(ctx context.Context, customer, month string) (Revision, error) {
	r, err := docs.Get[Revision](ctx, e.st, customer, docs.KindReport, month)
	if err == nil && r.Revision == 0 {
		// a final report stored before revisions: revision 1
		rep, err := docs.Get[report.Report](ctx, e.st, customer, docs.KindReport, month)
		return Revision{RevisionInfo{Month: month, Revision: 1, Reason: "month closed"}, rep}, err
	}
	return r, err
}

// revise stores ev's report as a new revision of month when its figures
// differ from the latest one (or there is none), and returns the latest.
func (e *Judge) revise(ctx context.Context, customer string, b *contract.Bound, month string, ev *engine.Evaluator, why string) (Revision, error) {
	rep, err := docs.Finish(ctx, e.st, customer, b, ev)
	if err != nil {
		return Revision{}, err
	}
	prev, err := e.LatestRevision(ctx, customer, month)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Revision{}, err
	}
	r := Revision{RevisionInfo{Month: month, Revision: prev.Revision + 1, At: e.cfg.Now().UTC(), Reason: why}, *rep}
	if prev.Revision > 0 {
		r.Changes = reportChanges(&prev.Report, rep)
		if len(r.Changes) == 0 {
			return prev, nil
		}
	}
	r.Changes = nonNil(r.Changes)
	if err := docs.Put(ctx, e.st, customer, docs.KindRevision, RevisionID(month, r.Revision), r); err != nil {
		return Revision{}, err
	}
	if err := docs.Put(ctx, e.st, customer, docs.KindReport, month, r); err != nil {
		return Revision{}, err
	}
	e.metrics.Revisions.Inc()
	e.log.Info("final report revised", "customer", customer, "month", month, "revision", r.Revision, "reason", why,
		"changes", len(r.Changes))
	return r, nil
}

// reviseMonth makes a revision of a closed month: from the evaluator
// kept in memory when only records changed, or afresh from the store.
func (e *Judge) reviseMonth(ctx context.Context, customer, month string, rescan bool, why string) error {
	ev, b, open, err := e.Snapshot(customer, month)
	if err != nil || open {
		return err // an open month is the live evaluation's
	}
	if ev != nil && !rescan {
		_, err = e.revise(ctx, customer, b, month, ev, why)
		return err
	}
	_, err = e.ReviseNow(ctx, customer, b, month, why)
	return err
}

// ReviseNow evaluates a closed month afresh from the store, keeps the
// evaluator for later reports, and revises the final report.
func (e *Judge) ReviseNow(ctx context.Context, customer string, b *contract.Bound, month string, why string) (Revision, error) {
	m, err := engine.ParseMonth(month, b.Location)
	if err != nil {
		return Revision{}, slawatch.Errorf(slawatch.EINVALID, "%v", err)
	}
	ev, err := engine.New(b, m)
	if err != nil {
		return Revision{}, err
	}
	w0, w1 := ev.Window()
	if next, _ := e.JudgedOf(customer); w1 > next {
		return Revision{}, slawatch.Errorf(slawatch.ECONFLICT, "%s is not over yet (judged until %s)", month, docs.FmtMinute(next, b.Location))
	}
	e.metrics.Recomputes.Inc()
	keep := e.readKeep(b, customer)
	// the store numbers the records by their index in the contract
	err = e.st.ReadBatches(ctx, w0, w1, b.Series, keep, ev.Add)
	if err != nil {
		return Revision{}, err
	}
	e.keepClosedMonth(customer, month, ev.Clone(), m)
	return e.revise(ctx, customer, b, month, ev, why)
}

// reportChanges lists the figures of the customers' services and levels
// that differ between two reports, as "path: old -> new".
func reportChanges(old, cur *report.Report) []string {
	a, b := flatten(old), flatten(cur)
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		if a[k] != b[k] {
			out = append(out, fmt.Sprintf("%s: %s -> %s", k, orNone(a[k]), orNone(b[k])))
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// flatten maps a report's JSON to path -> scalar, the path naming each
// element of an array by its id (or template) where it has one.
func flatten(r *report.Report) map[string]string {
	var v any
	b, _ := json.Marshal(r)
	json.Unmarshal(b, &v)
	out := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(join(path, k), e)
			}
		case []any:
			for i, e := range x {
				walk(join(path, elemName(e, i)), e)
			}
		case nil:
		default:
			out[path] = fmt.Sprint(x)
		}
	}
	walk("", v)
	return out
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// elemName names an array element by its id or template, else its index.
func elemName(e any, i int) string {
	if m, ok := e.(map[string]any); ok {
		for _, k := range []string{"id", "template"} {
			if s, ok := m[k].(string); ok && s != "" {
				return s
			}
		}
	}
	return strconv.Itoa(i)
}
