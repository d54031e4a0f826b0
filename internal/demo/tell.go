package demo

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
)

// tellReady prints the URL, the tokens and what to look at.
func (d *demo) tellReady() {
	i := d.info
	w := d.cfg.Out
	fmt.Fprintf(w, "slawatch demo is running at %s/ (started in %s", i.URL, i.Startup.Round(10*time.Millisecond))
	if i.Records > 0 {
		fmt.Fprintf(w, "; %d minute records of %s back-filled in %s", i.Records, strings.Join(i.Months, " and "), i.Backfill.Round(10*time.Millisecond))
	}
	fmt.Fprintln(w, ")")
	fmt.Fprintf(w, "  operator token:  %s\n", i.OperatorToken)
	fmt.Fprintf(w, "  customer token:  %s  (customer %s)\n", i.CustomerToken, i.Customer)
	fmt.Fprintf(w, "  notices sent:    %s/demo/mail\n", i.URL)
	if d.temp {
		fmt.Fprintf(w, "  data:            %s (removed on Ctrl-C)\n", i.Dir)
	} else {
		fmt.Fprintf(w, "  data:            %s (kept)\n", i.Dir)
	}
	month := d.cfg.Clock.Now().In(demoLocation()).Format("2006-01")
	fmt.Fprintf(w, "try:\n  curl -H 'Authorization: Bearer %s' %s/api/customers/%s/reports/%s\n", i.CustomerToken, i.URL, i.Customer, month)
	fmt.Fprintf(w, "The %s listener (series %s) closes for %s every %s; Ctrl-C stops the demo.\n",
		OutageListener, strings.Join(seriesOf(OutageListener), ", "), d.cfg.OutageFor, d.cfg.OutageEvery)
}

func (d *demo) tellOutage(k int, isDown bool, until time.Time) {
	at := d.cfg.Clock.Now().Format(time.TimeOnly)
	if isDown {
		fmt.Fprintf(d.cfg.Out, "%s outage %d: the %s listener is closed until %s\n", at, k+1, OutageListener, until.Format(time.TimeOnly))
		return
	}
	fmt.Fprintf(d.cfg.Out, "%s outage %d over: the %s listener is open again; the next outage at %s\n", at, k+1, OutageListener, until.Format(time.TimeOnly))
}

func (d *demo) tellMail(m Mail) {
	fmt.Fprintf(d.cfg.Out, "%s mail to %s: %s\n", m.Received.Format(time.TimeOnly), strings.Join(m.To, ", "), m.Subject)
}

// muteHandler drops, while on, the one log line that setting up the
// history makes by design: the server judges the back-filled month
// before the customers have contacts, so that no notice goes out now for
// an outage of last week, and says so for each.
type muteHandler struct {
	next slog.Handler
	on   *atomic.Bool // shared with the handlers WithAttrs and WithGroup make
}

const mutedMsg = "notice undeliverable: no usable contacts"

func newMuteHandler(next slog.Handler) *muteHandler {
	return &muteHandler{next: next, on: new(atomic.Bool)}
}

func (h *muteHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *muteHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.on.Load() && r.Message == mutedMsg {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h *muteHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &muteHandler{h.next.WithAttrs(as), h.on}
}

func (h *muteHandler) WithGroup(name string) slog.Handler {
	return &muteHandler{h.next.WithGroup(name), h.on}
}
