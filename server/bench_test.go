package server

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/server/auth"

	"github.com/slawatch/slawatch"

	"github.com/slawatch/slawatch/notify"
)

// BenchmarkDetectionToNotification measures, per outage, the time from
// the delivery that completes the fifth silent minute of an IIJ Internet
// line (the rule fires as that minute is judged) to the notice arriving
// at a real SMTP server over TCP and at a webhook: judging, the incident,
// the outbox and the sends. The goal is under 2 seconds.
func BenchmarkDetectionToNotification(b *testing.B) {
	ms := startMailServer(b, 0)
	hk := startHook(b, "0123456789abcdef-secret")
	t0 := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC).Unix() / 60
	h := newHarness(b, nil, time.Unix(t0*60, 0), notify.Config{SMTP: notify.SMTP{Addr: ms.Addr, StartTLS: "never"}, From: "noc@provider.example", WebhookAllow: loopbackHooks})
	h.customer("kaisha", notify.Contacts{Email: []string{"noc@kaisha.example"},
		Webhook: &notify.WebhookContact{URL: hk.srv.URL, Secret: "0123456789abcdef-secret"}}, "../examples/iij.yaml")
	agent := h.token(auth.RoleAgent, "", "tyo1")
	m := t0
	send := func(n int, down bool) {
		minutes := minutesOf(m, m+int64(n), func(int64) bool { return down })
		h.setClock(time.Unix((m+int64(n))*60, 0))
		h.deliver(agent, minutes)
		m += int64(n)
	}
	send(5, false)
	var total time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		send(4, true) // four silent minutes: not yet an outage
		h.waitJudged(m)
		b.StartTimer()
		start := time.Now()
		send(1, true) // the fifth: the rule fires
		h.waitFor("the notice", func() bool { return len(ms.Messages()) == 2*i+1 && len(hk.notices()) == 2*i+1 })
		total += time.Since(start)
		b.StopTimer()
		send(1, false) // recovery
		h.waitFor("the recovery notice", func() bool { return len(ms.Messages()) == 2*i+2 && len(hk.notices()) == 2*i+2 })
		send(3, false)
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/notice")
}

// BenchmarkLiveEvaluation measures the live evaluation under load with
// contracts loaded: 50 customers, each with 40 IIJ Internet lines judged
// by two levels (availability and outage notification): 2,000 series.
// Each iteration delivers one minute of all 2,000 records in one POST and
// waits until every evaluator has judged it: the figure per record is the
// ingest-to-judged cost, and the evaluation lag metric's count and sum
// give the lag.
func BenchmarkLiveEvaluation(b *testing.B) {
	const customers, lines = 50, 40
	t0 := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC).Unix() / 60
	h := newHarness(b, nil, time.Unix(t0*60, 0), notify.Config{})
	dir := b.TempDir()
	var names []string
	for c := range customers {
		id := fmt.Sprintf("cust%03d", c)
		var y strings.Builder
		fmt.Fprintf(&y, "timezone: Asia/Tokyo\ncurrency: JPY\ncustomers:\n  - id: %s\n    services:\n", id)
		for l := range lines {
			series := fmt.Sprintf("%s-router-%02d", id, l)
			names = append(names, series)
			fmt.Fprintf(&y, "      - id: line%02d\n        levels: [iij/internet-availability, iij/outage-notification]\n"+
				"        inputs: {router: %s, targets: %s}\n        params: {responsibility_type: \"1\", connection: internet}\n", l, series, series)
		}
		f := filepath.Join(dir, id+".yaml")
		if err := os.WriteFile(f, []byte(y.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		h.customer(id, notify.Contacts{}, f)
	}
	slices.Sort(names)
	agent := h.token(auth.RoleAgent, "", "tyo1")
	recs := make([]slawatch.SeriesMinute, len(names))
	for i, n := range names {
		recs[i] = up(n)
	}
	m := t0
	b.ResetTimer()
	for range b.N {
		h.setClock(time.Unix((m+1)*60, 0))
		h.deliver(agent, map[int64][]slawatch.SeriesMinute{m: recs})
		m++
		for h.srv.judge.Judged() < m {
			h.srv.judge.Kick()
			time.Sleep(50 * time.Microsecond)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
	b.ReportMetric(float64(b.N*len(recs))/b.Elapsed().Seconds(), "records/s")
}
