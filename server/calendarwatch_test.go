package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/calendar"
	"github.com/slawatch/slawatch/notify"
)

// lockedBuffer is a log sink the server's goroutines may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// take returns what was logged since the last take.
func (l *lockedBuffer) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

// The server watches the holiday coverage of the regions its contracts
// use: /metrics has each region's end and whether it is within 60 days,
// and the log warns from 60 days before the end, once a day.
func TestCalendarCoverageWatch(t *testing.T) {
	in, _ := calendar.CoverageOf("IN")
	jp, _ := calendar.CoverageOf("JP")
	// IN's tables end with 2027 when written: its coverage ends at
	// 2028-01-01T00:00:00Z = 1830297600; 60 days before is 2027-11-02
	// 00:00 UTC (29 days of November from the 2nd, 31 of December). JP
	// ends 2033-01-01 = 1988150400. The test follows the tables as they
	// grow: the clock is set from IN's end.
	inEnd := in.End(time.UTC)
	warnFrom := inEnd.AddDate(0, 0, -60)
	logs := &lockedBuffer{}
	h := newTweaked(t, nil, warnFrom.Add(-time.Second), notify.Config{}, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	for id, region := range map[string]string{"delhi": "IN", "tokyo": "JP"} {
		h.must(http.StatusCreated, "POST", "/api/customers", h.op, Customer{ID: id}, nil)
		y := "timezone: UTC\ncurrency: USD\ncustomers:\n  - id: " + id +
			"\n    services:\n      - id: dps\n        levels: [ntt/acl-standard]\n        params: {region: " + region + "}\n"
		h.must(http.StatusOK, "PUT", "/api/customers/"+id+"/contract", h.op, y, nil)
	}
	w := &calendarWatch{s: h.srv, warned: map[string]time.Time{}}

	// One second before the window: the gauges (once Run has registered
	// them), and no warning.
	h.waitFor("calendar gauges", func() bool { return len(h.calendarGauges()) == 4 })
	gauges := h.calendarGauges()
	want := map[string]float64{
		`slawatch_calendar_covered_until_seconds{region="IN"}`: float64(inEnd.Unix()),
		`slawatch_calendar_coverage_ending{region="IN"}`:       0,
		`slawatch_calendar_covered_until_seconds{region="JP"}`: float64(jp.End(time.UTC).Unix()),
		`slawatch_calendar_coverage_ending{region="JP"}`:       0,
	}
	checkGauges(t, gauges, want)
	logs.take()
	w.warn()
	if l := logs.take(); strings.Contains(l, "calendar holidays run out") {
		t.Errorf("warned a second early: %s", l)
	}

	// From 60 days before the end: IN is ending, JP is not; one warning
	// naming the region, the last year, the days left and the customer.
	h.setClock(warnFrom)
	want[`slawatch_calendar_coverage_ending{region="IN"}`] = 1
	checkGauges(t, h.calendarGauges(), want)
	w.warn()
	l := logs.take()
	for _, s := range []string{"level=WARN", "region=IN", "last_year=" + strconv.Itoa(in.Last), "days_left=60", "customers=delhi"} {
		if !strings.Contains(l, s) {
			t.Errorf("warning lacks %q: %s", s, l)
		}
	}
	if strings.Contains(l, "region=JP") {
		t.Errorf("warned about JP: %s", l)
	}
	// Not again the same day; again the next, with a day less.
	h.setClock(warnFrom.Add(23 * time.Hour))
	if w.warn(); strings.Contains(logs.take(), "region=IN") {
		t.Error("warned twice within a day")
	}
	h.setClock(warnFrom.Add(24 * time.Hour))
	if w.warn(); !strings.Contains(logs.take(), "days_left=59") {
		t.Error("no warning the next day")
	}
}

// calendarGauges returns the calendar lines of /metrics by series.
func (h *harness) calendarGauges() map[string]float64 {
	h.t.Helper()
	code, body := h.do("GET", "/metrics", "", nil)
	if code != http.StatusOK {
		h.t.Fatalf("/metrics: %d", code)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		name, v, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(name, "slawatch_calendar_") {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			h.t.Fatalf("%q: %v", line, err)
		}
		out[name] = f
	}
	return out
}

func checkGauges(t *testing.T, got, want map[string]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("calendar gauges %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}
