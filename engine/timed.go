package engine

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/calendar"

	"github.com/shopspring/decimal"
)

// Item is one ticket or event a timed level judged: when it started
// and stopped, its deadline, whether it met it and what it earned.
type Item struct {
	ID, Kind       string
	Start, Stop    time.Time // in the item's own zone; Stop zero: not yet
	Target         string
	Deadline       time.Time // zero: none
	Elapsed        *decimal.Decimal
	Met            *bool
	Excluded       string
	Incident       string
	CreditPct      *big.Rat
	Credit, PreCap *decimal.Decimal // owed, after the level's limit and the caps; before them, when they reduced it
	Cap            string           // what reduced it
	Claim          *Claim
	Notes          []string
}

// judged is one item of a timed level before its credit.
type judged struct {
	id, kind, cause string
	start, stop     time.Time      // stop zero: has not happened
	detected        time.Time      // notifications: when the outage was detected
	zone            *time.Location // the ticket's or event's zone, its times print in; nil: the contract's
	deadline        time.Time
	target          string
	met             *bool
	over            time.Duration // beyond the deadline
	lateDays        int           // delivery: business days beyond the commitment
	excluded        string
	merged          string // the item its incident is credited at
	fee             *decimal.Decimal
	completed       time.Time // when the request it concerns completed (claim windows)
	notes           []string
}

// counts reports whether the item is a miss the credit rules count.
func (j *judged) counts() bool {
	return j.met != nil && !*j.met && j.excluded == "" && j.merged == ""
}

// timed is the month's result of a timed level before credits.
type timed struct {
	items []judged
	met   *bool
	// Level-wide figures, where the measure has them.
	avail       *big.Rat
	outageSecs  int64 // outage-total: the month's counted outage; outage-minutes: B
	lastOutage  time.Time
	meanMinutes *decimal.Decimal
	// undetermined: the month cannot be judged from what was given.
	undetermined bool
	gaps         []calendarGap // years the calendar lacks, and the items needing them
}

// finishTimed judges a timed level's month.
func (lv *level) finishTimed(rep *LevelReport) (*timed, error) {
	tm := lv.l.Template.Timer
	var (
		t   *timed
		err error
	)
	switch tm.Measure {
	case "response":
		t, err = lv.responses()
	case "resolution":
		t, err = lv.resolutions()
	case "failover":
		t = lv.failovers()
	case "delivery":
		t, err = lv.deliveries()
	case "outage-total":
		t = lv.outageTotal()
	case "outage-minutes":
		t = lv.outageMinutes(rep)
	case "notification":
		t = lv.notifications(rep)
	}
	if err != nil {
		return nil, err
	}
	lv.markItems(t)
	t.gapReasons(rep)
	slices.SortStableFunc(t.items, func(a, b judged) int { return a.start.Compare(b.start) })
	return t, nil
}

// verdict sets the month's verdict from the items, once incidents are
// merged: met while no more items missed than the objective allows.
func (lv *level) verdict(t *timed) {
	if t.met != nil || t.undetermined || !lv.given() || lv.l.Template.Timer.Measure == "outage-minutes" {
		return
	}
	n := 0
	for _, j := range t.items {
		if j.counts() {
			n++
		}
	}
	t.met = ptr(n <= lv.l.Template.Objective.MissesAllowed)
}

// given reports whether the file the level reads was given.
func (lv *level) given() bool {
	if lv.l.Template.Timer.TicketMeasure() {
		return lv.e.in.ticketsGiven
	}
	return lv.e.in.eventsGiven
}

// markItems applies exclusions to the items. Measures that sum durations
// take excluded minutes out instead.
func (lv *level) markItems(t *timed) {
	m := lv.l.Template.Timer.Measure
	windows := m != "outage-total" && m != "outage-minutes"
	for i := range t.items {
		j := &t.items[i]
		if j.excluded == "" && windows {
			j.excluded, j.notes = lv.itemExclusion(j.id, j.span(), j.notes)
		}
	}
}

// span is the interval an exclusion window must touch to cover the item.
func (j *judged) span() span {
	end := j.stop
	if end.IsZero() || (!j.deadline.IsZero() && j.deadline.After(end)) {
		end = j.deadline
	}
	if end.Before(j.start) {
		end = j.start
	}
	return span{j.start.Unix(), end.Unix() + 1}
}

// itemExclusion returns why an item is excluded: an honoured exclusion
// names it or its window touches it. Exclusions the provider does not
// honour are noted.
func (lv *level) itemExclusion(id string, sp span, notes []string) (string, []string) {
	for _, x := range lv.l.Exclusions {
		named := slices.Contains(x.Items, id)
		if !named && (x.Start.IsZero() || !sp.overlaps(spanOf(x.Start, x.End))) {
			continue
		}
		what := fmt.Sprintf("%s %q", x.Kind, x.Reason)
		if !x.Applies {
			notes = append(notes, fmt.Sprintf("not excluded: %s: %s", what, x.Why))
			continue
		}
		return what, notes
	}
	return "", notes
}

// exclusionSpans returns the honoured exclusion windows.
func (lv *level) exclusionSpans() spanSet {
	var s []span
	for _, x := range lv.l.Exclusions {
		if x.Applies && !x.Start.IsZero() {
			s = append(s, spanOf(x.Start, x.End))
		}
	}
	return union(s)
}

// explicitlyExcluded returns the reason an honoured exclusion names the item.
func (lv *level) explicitlyExcluded(id string) string {
	for _, x := range lv.l.Exclusions {
		if x.Applies && slices.Contains(x.Items, id) {
			return fmt.Sprintf("%s %q", x.Kind, x.Reason)
		}
	}
	return ""
}

func (lv *level) monthSpan() span { return span{lv.e.m0 * 60, lv.e.m1 * 60} }

func (lv *level) inMonth(t time.Time) bool {
	return !t.Before(lv.e.month.Start) && t.Before(lv.e.month.End)
}

// tickets returns the service's tickets of the kinds the level reads
// for which keep holds.
func (lv *level) tickets(keep func(*slawatch.Ticket) bool) []*slawatch.Ticket {
	var out []*slawatch.Ticket
	for _, k := range lv.e.in.tickets[lv.l.Service] {
		if slices.Contains(lv.l.Template.Timer.Kinds, k.Kind) && keep(k) {
			out = append(out, k)
		}
	}
	return out
}

// openedInMonth keeps the tickets opened in the month.
func (lv *level) openedInMonth(k *slawatch.Ticket) bool { return lv.inMonth(k.Opened) }

// touchesMonth keeps the tickets open at some time in the month; one not
// yet resolved is open to the month's end.
func (lv *level) touchesMonth(k *slawatch.Ticket) bool {
	return spanOf(k.Opened, firstSet(k.Resolved, lv.e.month.End)).overlaps(lv.monthSpan())
}

// events returns the service's events of kind.
func (lv *level) events(kind string) []*slawatch.Event {
	var out []*slawatch.Event
	for _, ev := range lv.e.in.events[lv.l.Service] {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	slices.SortStableFunc(out, func(a, b *slawatch.Event) int { return a.Start.Compare(b.Start) })
	return out
}

// responses times tickets from opening to response against their deadlines.
func (lv *level) responses() (*timed, error) {
	t := &timed{}
	for _, k := range lv.tickets(lv.openedInMonth) {
		j := judged{id: k.ID, kind: k.Kind, cause: k.Cause, start: k.Opened, stop: k.Responded, fee: k.Fee, zone: k.Zone}
		j.completed = firstSet(k.Resolved, k.Responded, k.Opened)
		dl, target, note, err := lv.deadline(k)
		if t.noHolidayData(&j, "deadline", err) {
			t.items = append(t.items, j)
			continue
		}
		if err != nil {
			return nil, err
		}
		j.target, j.deadline = target, dl
		switch {
		case dl.IsZero():
			j.notes = append(j.notes, note)
		case k.Responded.IsZero() && lv.notYetDue(&j, dl):
		case k.Responded.IsZero():
			j.met = ptr(false)
			j.notes = append(j.notes, "no response recorded")
		default:
			j.met = ptr(!k.Responded.After(dl))
			j.over = k.Responded.Sub(dl)
		}
		if note != "" && !dl.IsZero() {
			j.notes = append(j.notes, note)
		}
		t.items = append(t.items, j)
	}
	return t, nil
}

// deadline returns when a ticket's response is due, and the target in
// words; a zero time when the ticket has no target, with why.
func (lv *level) deadline(k *slawatch.Ticket) (time.Time, string, string, error) {
	tm := lv.l.Template.Timer
	switch {
	case tm.Minutes > 0:
		return k.Opened.Add(time.Duration(tm.Minutes) * time.Minute), fmt.Sprintf("%d min", tm.Minutes), "", nil
	case tm.TargetParam != "":
		n := lv.l.Numbers[tm.TargetParam].Num().Int64()
		return k.Opened.Add(time.Duration(n) * time.Minute), fmt.Sprintf("%d min (%s)", n, tm.TargetParam), "", nil
	case tm.MinutesBy != nil:
		return lv.channelDeadline(k)
	}
	region := lv.l.Enums["region"]
	cal, err := lv.e.calendar(region, k.Zone)
	if err != nil {
		return time.Time{}, "", "", err
	}
	dl, err := cal.AddBusinessDays(k.Opened, tm.BusinessDays)
	if err != nil {
		return time.Time{}, "", "", fieldErr(k.Pos, "opened", lv.l.Template.ID, err)
	}
	target := fmt.Sprintf("%d business day (%s, %s)", tm.BusinessDays, region, k.Zone)
	return dl, target, skipped(cal, k.Opened, dl), nil
}

// channelDeadline is the deadline by the ticket's channel and the plan.
func (lv *level) channelDeadline(k *slawatch.Ticket) (time.Time, string, string, error) {
	tm := lv.l.Template.Timer
	n, ok := tm.MinutesBy.Values[k.Channel]
	if !ok {
		return time.Time{}, "", fmt.Sprintf("channel %s has no response-time target", k.Channel), nil
	}
	if cp := tm.ChannelPlans; cp != nil {
		plan := lv.l.Enums[cp.Param]
		if plans, limited := cp.Values[k.Channel]; limited && !slices.Contains(plans, plan) {
			return time.Time{}, "", fmt.Sprintf("channel %s is offered on %s %s only; this service's %s is %s: no target",
				k.Channel, cp.Param, strings.Join(plans, ", "), cp.Param, plan), nil
		}
	}
	return k.Opened.Add(time.Duration(n) * time.Minute), fmt.Sprintf("%d min (%s)", n, k.Channel), "", nil
}

// skipped names the closed days between from's date and to's date.
func skipped(cal *calendar.Calendar, from, to time.Time) string {
	var days []string
	loc := to.Location()
	y, m, d := from.In(loc).Date()
	for day := time.Date(y, m, d+1, 12, 0, 0, 0, loc); day.Before(to); day = day.AddDate(0, 0, 1) {
		if ok, err := cal.IsBusinessDay(day); err != nil || ok {
			continue
		}
		name, isHoliday, _ := cal.Holiday(day)
		if !isHoliday {
			name = day.Weekday().String()
		}
		days = append(days, day.Format("2006-01-02")+" "+name)
	}
	if len(days) == 0 {
		return ""
	}
	return "not business days: " + strings.Join(days, "; ")
}

// resolutions times last-mile faults from opening to resolution against
// the target of their location class.
func (lv *level) resolutions() (*timed, error) {
	t := &timed{}
	var sum time.Duration
	n := 0
	for _, k := range lv.tickets(lv.openedInMonth) {
		j := judged{id: k.ID, kind: k.Kind, cause: k.Cause, start: k.Opened, stop: k.Resolved, completed: k.Resolved, zone: k.Zone}
		h, ok := lv.l.Template.Timer.HoursBy.Values[k.LocationClass]
		switch {
		case !ok:
			j.notes = append(j.notes, fmt.Sprintf("location class %s: reasonable effort, no target", k.LocationClass))
		case k.Resolved.IsZero():
			j.notes = append(j.notes, "not resolved yet: judged once resolved")
		default:
			j.target = fmt.Sprintf("%d h (class %s)", h, k.LocationClass)
			j.deadline = k.Opened.Add(time.Duration(h) * time.Hour)
			j.over = k.Resolved.Sub(j.deadline)
			j.met = ptr(j.over <= 0)
		}
		if !k.Resolved.IsZero() {
			sum += k.Resolved.Sub(k.Opened)
			n++
		}
		t.items = append(t.items, j)
	}
	if n > 0 {
		t.meanMinutes = number(big.NewRat(int64(sum/time.Second), int64(n)*60), 2)
	}
	return t, nil
}

// failovers times each failover from the active unit's failure to the
// standby taking over.
func (lv *level) failovers() *timed {
	t := &timed{}
	n := lv.l.Template.Timer.Minutes
	for _, ev := range lv.events("failover") {
		if !lv.inMonth(ev.Start) {
			continue
		}
		j := judged{id: ev.ID, kind: ev.Kind, cause: ev.Cause, start: ev.Start, stop: ev.End, completed: ev.End, zone: ev.Zone,
			target: fmt.Sprintf("%d min", n), deadline: ev.Start.Add(time.Duration(n) * time.Minute)}
		j.met = ptr(!ev.End.After(j.deadline))
		j.over = ev.End.Sub(j.deadline)
		t.items = append(t.items, j)
	}
	return t
}

// deliveries counts business days from order acceptance to ready for
// service; an order is judged in the month it became ready.
func (lv *level) deliveries() (*timed, error) {
	t := &timed{}
	commit := int(lv.l.Numbers[lv.l.Template.Timer.TargetParam].Num().Int64())
	region := lv.l.Enums["region"]
	for _, ev := range lv.events("delivery") {
		pending := ev.End.IsZero()
		if (pending && !ev.Start.Before(lv.e.month.End)) || (!pending && !lv.inMonth(ev.End)) {
			continue
		}
		cal, err := lv.e.calendar(region, ev.Zone)
		if err != nil {
			return nil, err
		}
		j := judged{id: ev.ID, kind: ev.Kind, cause: ev.Cause, start: ev.Start, stop: ev.End, completed: ev.End, zone: ev.Zone,
			target: fmt.Sprintf("%d business days (%s)", commit, region)}
		due, err := cal.AddBusinessDays(ev.Start, commit)
		if pending && (dueAfter(cal, err, lv.e.month.End) || err == nil && !due.Before(lv.e.month.End)) {
			continue // not yet due
		}
		if t.noHolidayData(&j, "deadline", err) {
			t.items = append(t.items, j)
			continue
		}
		if err != nil {
			return nil, fieldErr(ev.Pos, "start", lv.l.Template.ID, err)
		}
		j.deadline = due
		if pending && lv.notYetDue(&j, due) {
			t.items = append(t.items, j)
			continue
		}
		if pending {
			j.met = ptr(false)
			j.notes = append(j.notes, "not ready for service yet; the credit is set by the business days late once it is")
			t.items = append(t.items, j)
			continue
		}
		days, err := cal.BusinessDaysBetween(ev.Start, ev.End)
		if t.noHolidayData(&j, "business days", err) {
			t.items = append(t.items, j)
			continue
		}
		if err != nil {
			return nil, fieldErr(ev.Pos, "end", lv.l.Template.ID, err)
		}
		j.lateDays = days - commit
		j.met = ptr(j.lateDays <= 0)
		j.notes = append(j.notes, fmt.Sprintf("%d business days from acceptance to ready for service", days))
		t.items = append(t.items, j)
	}
	return t, nil
}

// outageTotal sums the platform outages over the month. Reports that
// overlap or touch are one outage: they are merged first, then excluded
// minutes are taken out, and a stretch left lasting more than the level's
// minimum counts ("more than 15 consecutive minutes" is about the outage,
// however many reports describe it). Common minutes count once.
func (lv *level) outageTotal() *timed {
	t := &timed{}
	excl := lv.exclusionSpans()
	longer := int64(lv.l.Template.Timer.LongerThan) * 60
	type report struct {
		j  judged
		sp span
	}
	var reports []report
	var spans []span
	for _, ev := range lv.events("platform-outage") {
		sp := spanOf(ev.Start, ev.End)
		if !sp.overlaps(lv.monthSpan()) {
			continue
		}
		j := judged{id: ev.ID, kind: ev.Kind, cause: ev.Cause, start: ev.Start, stop: ev.End, completed: ev.End, zone: ev.Zone,
			target: fmt.Sprintf("not more than %d consecutive min", lv.l.Template.Timer.LongerThan)}
		if j.excluded = lv.explicitlyExcluded(ev.ID); j.excluded == "" {
			spans = append(spans, sp)
		}
		reports = append(reports, report{j, sp})
	}
	merged := union(spans)
	var long spanSet
	for _, st := range merged.minus(excl) {
		if st.len() > longer {
			long = append(long, st)
		}
	}
	for _, r := range reports {
		j := r.j
		if j.excluded != "" {
			t.items = append(t.items, j)
			continue
		}
		var outage span // the merged outage this report is part of
		for _, m := range merged {
			if m.a <= r.sp.a && r.sp.b <= m.b {
				outage = m
			}
		}
		left := spanSet{outage}.minus(excl)
		if outage != r.sp {
			j.notes = append(j.notes, fmt.Sprintf("one outage with the reports it overlaps or touches: %s to %s",
				fmtTime(time.Unix(outage.a, 0).In(lv.e.b.Location)), fmtTime(time.Unix(outage.b, 0).In(lv.e.b.Location))))
		}
		j.notes = append(j.notes, fmt.Sprintf("%s minutes after exclusions, in %d stretches", minutes(left.total()), len(left)))
		var mine spanSet
		for _, st := range long {
			if st.overlaps(r.sp) {
				mine = append(mine, st)
			}
		}
		j.met = ptr(len(mine) == 0)
		if len(mine) > 0 {
			t.lastOutage = maxTime(t.lastOutage, time.Unix(outage.b, 0))
			j.notes = append(j.notes, fmt.Sprintf("a Platform Outage: %s minutes of it counted in the month", minutes(mine.within(lv.monthSpan()).total())))
		}
		t.items = append(t.items, j)
	}
	t.outageSecs = long.within(lv.monthSpan()).total()
	return t
}

// outageMinutes computes P = (A - B) / A x 100 from fault tickets: B is
// the time from notice to resolution, less failovers and exclusions.
func (lv *level) outageMinutes(rep *LevelReport) *timed {
	t := &timed{}
	month := lv.monthSpan()
	excl := lv.exclusionSpans()
	var faults, cut []span
	for _, k := range lv.tickets(lv.touchesMonth) {
		j := judged{id: k.ID, kind: k.Kind, cause: k.Cause, start: k.Opened, stop: k.Resolved, completed: k.Resolved, zone: k.Zone}
		if j.excluded = lv.explicitlyExcluded(k.ID); j.excluded == "" {
			if k.Resolved.IsZero() {
				j.notes = append(j.notes, "still open: counted to the month's end")
			}
			faults = append(faults, spanOf(k.Opened, firstSet(k.Resolved, lv.e.month.End)))
		}
		t.items = append(t.items, j)
	}
	for _, ev := range lv.events("failover") {
		cut = append(cut, spanOf(ev.Start, ev.End))
	}
	b := union(faults).minus(union(append(cut, excl...))).within(month)
	a := month.len() - excl.within(month).total()
	rep.ExcludedMinutes = int(excl.within(month).total() / 60)
	t.outageSecs = b.total()
	if a > 0 && lv.given() {
		t.avail = big.NewRat((a-t.outageSecs)*100, a)
	}
	return t
}

// notifications judges each outage detected in the month by the notice
// that followed it.
func (lv *level) notifications(rep *LevelReport) *timed {
	t := &timed{}
	if lv.rules != nil {
		lv.finishMinutes(rep)
	}
	n := time.Duration(lv.l.Template.Objective.NotifyWithinMinutes) * time.Minute
	dets := lv.detections(rep)
	switch {
	case len(dets) == 0 && lv.rules != nil && rep.MeasuredMinutes == 0:
		t.undetermined = true
		rep.Reasons = append(rep.Reasons, "no minute of the month was measured and no outage-detected event given: nothing to judge")
		return t
	case len(dets) == 0:
		t.met = ptr(true)
		rep.Reasons = append(rep.Reasons, "no outage detected: nothing to notify")
		lv.strayNotices(rep, nil, lv.events("customer-notified"), nil)
		return t
	case !lv.e.in.eventsGiven:
		t.undetermined = true
		rep.Reasons = append(rep.Reasons, fmt.Sprintf(
			"%d outages detected; whether each notice came within %d minutes of detection needs customer-notified events (--events), not supplied",
			len(dets), int(n/time.Minute)))
		return t
	}
	notices := lv.events("customer-notified")
	slices.SortStableFunc(dets, func(a, b judged) int { return a.start.Compare(b.start) })
	match, of := matchNotices(dets, notices)
	lv.strayNotices(rep, dets, notices, of)
	for k, d := range dets {
		d.deadline = d.detected.Add(n)
		d.target = fmt.Sprintf("%d min after detection %s", int(n/time.Minute), fmtTime(d.detected))
		i := match[k]
		switch {
		case i < 0 && lv.notYetDue(&d, d.deadline):
		case i < 0:
			d.met = ptr(false)
			d.notes = append(d.notes, "no notice recorded")
		default:
			d.stop = notices[i].Start
			d.met = ptr(!d.stop.After(d.deadline))
			d.over = d.stop.Sub(d.deadline)
			d.notes = append(d.notes, "notice "+notices[i].ID)
		}
		for u, nt := range notices {
			if of[u] == k && u != i {
				d.notes = append(d.notes, "later notice "+nt.ID+": an update of this outage's notice")
			}
		}
		d.completed = d.detected
		t.items = append(t.items, d)
	}
	return t
}

// detections returns the outages detected in the month: the service's
// outage-detected events, or else those the minute rule found.
func (lv *level) detections(rep *LevelReport) []judged {
	var out []judged
	for _, ev := range lv.events("outage-detected") {
		if lv.inMonth(ev.Start) {
			out = append(out, judged{id: ev.ID, kind: ev.Kind, cause: ev.Cause, start: ev.Start, detected: ev.Start, zone: ev.Zone})
		}
	}
	if len(out) > 0 {
		rep.Reasons = append(rep.Reasons, fmt.Sprintf("%d outage-detected events replace the %d outages found in the samples", len(out), len(rep.Outages)))
		return out
	}
	for _, f := range lv.found {
		start, det := time.Unix(f.start, 0).In(lv.e.b.Location), time.Unix(f.detected, 0).In(lv.e.b.Location)
		if lv.inMonth(det) {
			out = append(out, judged{id: "outage " + fmtTime(start), kind: "outage-detected", start: start, detected: det})
		}
	}
	return out
}

// matchNotices pairs detections with notices: first the notices whose
// ref names a detection, then each other notice, in time order, with the
// latest detection not yet notified whose outage began at or before it
// (a second notice of one outage is an update, not its notice). It
// returns, per detection, its notice's index (-1: none) and, per notice,
// the detection it answers or updates (-1: none).
func matchNotices(dets []judged, notices []*slawatch.Event) (match, of []int) {
	match, of = make([]int, len(dets)), make([]int, len(notices))
	for i := range match {
		match[i] = -1
	}
	for k := range of {
		of[k] = -1
	}
	for k, nt := range notices {
		for i, d := range dets {
			if nt.Ref != "" && nt.Ref == d.id {
				if match[i] < 0 {
					match[i] = k
				}
				of[k] = i
				break
			}
		}
	}
	for k, nt := range notices {
		if of[k] >= 0 || nt.Ref != "" {
			continue
		}
		for i := len(dets) - 1; i >= 0; i-- {
			if !dets[i].start.After(nt.Start) {
				if match[i] < 0 {
					match[i] = k
				}
				of[k] = i
				break
			}
		}
	}
	return match, of
}

// strayNotices reports the month's notices that answer no outage the
// level judged: one naming an outage that is none of them, or one sent
// before any of them began. A notice is never dropped silently.
func (lv *level) strayNotices(rep *LevelReport, dets []judged, notices []*slawatch.Event, of []int) {
	for k, nt := range notices {
		if (of != nil && of[k] >= 0) || !lv.inMonth(nt.Start) {
			continue
		}
		why := "none began before it"
		if nt.Ref != "" {
			why = fmt.Sprintf("it names %s, which is none of them", nt.Ref)
		}
		if len(dets) == 0 {
			why = "none was detected"
		}
		rep.Reasons = append(rep.Reasons, fmt.Sprintf("notice %s (%s) matches no outage detected in the month: %s",
			nt.ID, fmtIn(nt.Start, cmp.Or(nt.Zone, lv.e.b.Location)), why))
	}
}

// items converts judged items for the report. An item's times print in
// its zone (else loc, the contract's) with the offset in force at each.
// Elapsed runs from the item's start, or for a notice from the outage's
// detection: the time the SLA gives the notice runs from there.
func itemsJSON(items []judged, loc *time.Location) []Item {
	out := make([]Item, len(items))
	for i, j := range items {
		z := cmp.Or(j.zone, loc)
		x := Item{ID: j.id, Kind: j.kind, Start: inZone(j.start, z), Stop: inZone(j.stop, z), Target: j.target,
			Deadline: inZone(j.deadline, z), Met: j.met, Excluded: j.excluded, Incident: j.cause, Notes: j.notes}
		if !j.stop.IsZero() {
			from := firstSet(j.detected, j.start)
			x.Elapsed = minutes(int64(j.stop.Sub(from) / time.Second))
		}
		out[i] = x
	}
	return out
}

// minutes is seconds as minutes: whole when they are, else to two
// decimals.
func minutes(secs int64) *decimal.Decimal {
	r := big.NewRat(secs, 60)
	if r.IsInt() {
		d := decimal.NewFromBigInt(r.Num(), 0)
		return &d
	}
	return number(r, 2)
}

// fixed prints a figure with every decimal it was rounded to.
func fixed(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return d.StringFixed(max(-d.Exponent(), 0))
}

// inZone is t in the zone loc (t itself when it is zero or loc nil).
func inZone(t time.Time, loc *time.Location) time.Time {
	if t.IsZero() || loc == nil {
		return t
	}
	return t.In(loc)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// fmtIn prints t in RFC 3339 in the zone loc, with the offset in force
// there at t: a deadline computed from a ticket's "+02:00" across the
// night the clocks go back prints as "02:10+01:00", not as "03:10+02:00",
// a wall time that zone never showed.
func fmtIn(t time.Time, loc *time.Location) string {
	if t.IsZero() || loc == nil {
		return fmtTime(t)
	}
	return fmtTime(t.In(loc))
}

// fmtAt prints t in the contract's zone.
func (e *Evaluator) fmtAt(t time.Time) string { return fmtIn(t, e.b.Location) }

// wallClock prints t as a wall clock time, "2006-01-02 15:04", with its
// offset ("01:10-05:00") when that wall time happens twice in t's zone,
// in the hour repeated when the clocks go back: two instants must never
// print alike.
func wallClock(t time.Time) string {
	if repeated(t) {
		return t.Format("2006-01-02 15:04-07:00")
	}
	return t.Format("2006-01-02 15:04")
}

// repeated reports whether another instant has t's wall time in t's zone:
// one offset by the change between t's offset and the offset some hours
// before or after it.
func repeated(t time.Time) bool {
	_, off := t.Zone()
	wall := t.Format("2006-01-02 15:04:05")
	for _, d := range []time.Duration{-3 * time.Hour, 3 * time.Hour} {
		_, other := t.Add(d).Zone()
		if other == off {
			continue
		}
		if u := t.Add(time.Duration(off-other) * time.Second); u.Format("2006-01-02 15:04:05") == wall {
			return true
		}
	}
	return false
}

func firstSet(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
