package server

import (
	"testing"
	"time"

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
	h := newHarness(b, nil, time.Unix(t0*60, 0), notify.Config{SMTP: notify.SMTP{Addr: ms.addr, StartTLS: "never"}, From: "noc@provider.example"})
	h.customer("kaisha", notify.Contacts{Email: []string{"noc@kaisha.example"},
		Webhook: &notify.WebhookContact{URL: hk.srv.URL, Secret: "0123456789abcdef-secret"}}, "../examples/iij.yaml")
	agent := h.token(RoleAgent, "", "tyo1")
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
		h.waitFor("the notice", func() bool { return len(ms.messages()) == 2*i+1 && len(hk.notices()) == 2*i+1 })
		total += time.Since(start)
		b.StopTimer()
		send(1, false) // recovery
		h.waitFor("the recovery notice", func() bool { return len(ms.messages()) == 2*i+2 && len(hk.notices()) == 2*i+2 })
		send(3, false)
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/notice")
}
