package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/server/auth"
)

// An agent delivering in a loop is answered 429 once past its rate,
// storing nothing, until its bucket refills on the server's clock;
// another agent is not held back by it.
func TestIngestRatePerAgent(t *testing.T) {
	start := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC)
	h := newFakeClocked(t, nil, start, notify.Config{}, func(c *Config) { c.IngestRate, c.IngestBurst = 0.001, 3 })
	h.customer("kaisha", notify.Contacts{}, "../examples/iij.yaml")
	loud, quiet := h.token(auth.RoleAgent, "", "tyo1"), h.token(auth.RoleAgent, "", "osa1")
	m := slawatch.UnixMinute(start) - 10
	one := func(i int64) map[int64][]slawatch.SeriesMinute {
		return map[int64][]slawatch.SeriesMinute{m + i: {up("kaisha-router")}}
	}
	for i := range int64(3) {
		if code, body := h.deliverCode(loud, one(i)); code != http.StatusOK {
			t.Fatalf("delivery %d within the burst: %d %s", i, code, body)
		}
	}
	code, body := h.deliverCode(loud, one(3))
	if code != http.StatusTooManyRequests || !strings.Contains(body, "agent tyo1") || !strings.Contains(body, "nothing of this delivery was stored") {
		t.Errorf("past the burst: %d %s; want 429 naming the agent", code, body)
	}
	if code, body := h.deliverCode(quiet, one(3)); code != http.StatusOK {
		t.Errorf("another agent: %d %s", code, body)
	}
	// one delivery a thousand seconds: 999 s are not enough, 1000 are
	h.fake.Advance(999 * time.Second)
	if code, _ := h.deliverCode(loud, one(3)); code != http.StatusTooManyRequests {
		t.Errorf("999 s after the burst: %d, want 429", code)
	}
	h.fake.Advance(time.Second)
	if code, body := h.deliverCode(loud, one(3)); code != http.StatusOK {
		t.Errorf("1000 s after the burst: %d %s, want 200", code, body)
	}
}
