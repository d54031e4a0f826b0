package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/server/auth"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/smtptest"
	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/store"
)

// hook is a webhook receiver that checks every signature.
type hook struct {
	t      testing.TB
	secret string
	mu     sync.Mutex
	got    []notify.Notice
	srv    *httptest.Server
}

func startHook(t testing.TB, secret string) *hook {
	k := &hook{t: t, secret: secret}
	k.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := notify.VerifySignature(secret, r.Header.Get(notify.HeaderTimestamp), body,
			r.Header.Get(notify.HeaderSignature), time.Now(), time.Minute)
		if err != nil {
			t.Errorf("webhook signature: %v", err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var n notify.Notice
		if err := json.Unmarshal(body, &n); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		k.mu.Lock()
		k.got = append(k.got, n)
		k.mu.Unlock()
	}))
	t.Cleanup(k.srv.Close)
	return k
}

func (k *hook) notices() []notify.Notice {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]notify.Notice(nil), k.got...)
}

// up and silent are a minute of 60 pings every second, answered or not.
func up(series string) slawatch.SeriesMinute {
	var m slawatch.Minute
	for range 60 {
		m.AddReply(20_000)
	}
	return slawatch.SeriesMinute{Series: series, M: m}
}

func silent(series string) slawatch.SeriesMinute {
	var m slawatch.Minute
	for range 60 {
		m.AddLost()
	}
	return slawatch.SeriesMinute{Series: series, M: m}
}

// minutesOf builds minutes [from, to) of the IIJ example's Internet
// router, silent in the minutes down says.
func minutesOf(from, to int64, down func(int64) bool) map[int64][]slawatch.SeriesMinute {
	out := map[int64][]slawatch.SeriesMinute{}
	for m := from; m < to; m++ {
		r := up("kaisha-router")
		if down(m) {
			r = silent("kaisha-router")
		}
		out[m] = []slawatch.SeriesMinute{r, up("kaisha-dc-primary"), up("kaisha-dc-secondary")}
	}
	return out
}

// An outage found live is notified once by email (a real SMTP exchange)
// and once by signed webhook, within its deadline, and once more on
// recovery; a restart in the middle of the outage repeats and drops
// nothing; the notice is the customer-notified event the notification
// level judges.
func TestOutageNotified(t *testing.T) { backends(t, testOutageNotified) }

func testOutageNotified(t *testing.T, st *store.Store) {
	ms := startMailServer(t, 1) // the first attempt is refused 451: retried
	hk := startHook(t, "0123456789abcdef-secret")
	t0 := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC).Unix() / 60
	// retries as a relay would see them (the fake clock costs no time)
	const base = 10 * time.Second
	h := newFakeClocked(t, st, time.Unix(t0*60, 0), notify.Config{SMTP: notify.SMTP{Addr: ms.Addr, StartTLS: "never"},
		From: "noc@provider.example", FaxGateway: "{number}@fax.example.net", WebhookAllow: loopbackHooks},
		func(c *Config) { c.RetryBase, c.RetryMax = base, 4*base })
	// IIJ's SLA requires the notice by fax: only the fax judges the level,
	// email and webhook are extra
	h.customer("kaisha", notify.Contacts{Email: []string{"noc@kaisha.example"}, Fax: []string{"+81 3-1234-5678"},
		Webhook: &notify.WebhookContact{URL: hk.srv.URL, Secret: "0123456789abcdef-secret"}}, "../examples/iij.yaml")
	agent := h.token(auth.RoleAgent, "", "tyo1")
	h.own("kaisha")

	// silent 00:05..00:10 (six minutes): the fifth silent minute is
	// 00:09, so the outage is detected at its end, 00:10; it ends at 00:11
	down := func(m int64) bool { return m >= t0+5 && m < t0+11 }
	all := minutesOf(t0, t0+20, down)
	part := func(a, b int64) map[int64][]slawatch.SeriesMinute {
		out := map[int64][]slawatch.SeriesMinute{}
		for m := a; m < b; m++ {
			out[m] = all[m]
		}
		return out
	}
	h.setClock(time.Unix((t0+10)*60+20, 0)) // 20 s after the detection
	h.deliver(agent, part(t0, t0+10))
	h.waitJudged(t0 + 10)
	// records judging took for late (it may judge the minutes by the
	// grace before they arrive) are applied a tick later
	h.settle("kaisha")
	// the relay refuses the first mail: it is retried after the first
	// backoff, half to all of RetryBase on the server's clock, which
	// stands still until the test moves it
	refused := h.waitRetry()
	wait := refused.NextAt.Sub(h.fake.Now())
	if wait < base/2 || wait > base {
		t.Fatalf("refused send %s retried in %s, want %s to %s", refused.Channel, wait, base/2, base)
	}
	// the notifier looks at the outbox every second: not at the refused
	// send before its time
	for range int(base/2/time.Second) - 1 {
		h.tick(time.Second)
	}
	if sends, _ := h.st.Sends(context.Background(), "kaisha"); !slices.ContainsFunc(sends, func(x store.Send) bool {
		return x.ID == refused.ID && x.State == store.Pending && x.Attempts == 1
	}) {
		t.Fatalf("the refused send was tried again before its backoff of %s: %+v", wait, sends)
	}
	h.advanceUntil("the outage notice by email, fax and webhook", time.Second, func() bool {
		return len(ms.Messages()) == 2 && len(hk.notices()) == 1
	})
	n := hk.notices()[0]
	if n.Kind != notify.KindOutage || !n.Start.Equal(time.Unix((t0+5)*60, 0)) || !n.Detected.Equal(time.Unix((t0+10)*60, 0)) {
		t.Errorf("outage notice: kind %s, start %s, detected %s; want outage from 00:05, detected 00:10", n.Kind, n.Start, n.Detected)
	}
	if !n.Deadline.Equal(time.Unix((t0+40)*60, 0)) {
		t.Errorf("deadline %s, want 00:40 (30 min after detection)", n.Deadline)
	}
	var tos []string
	for _, m := range ms.Messages() {
		tos = append(tos, m.To...)
		if !strings.Contains(m.Data, "internet-tokyo") {
			t.Errorf("mail to %v:\n%s", m.To, m.Data)
		}
	}
	if slices.Sort(tos); !slices.Equal(tos, []string{"+81312345678@fax.example.net", "noc@kaisha.example"}) {
		t.Errorf("mails to %v, want the NOC and the fax gateway", tos)
	}

	// a crash in the middle of the outage: the rebuilt evaluation finds
	// the outage again, and the server knows it was notified
	// the clock moves no faster than the agent delivers: no minute is
	// judged by the grace before its records arrive
	h.restart()
	h.waitJudged(t0 + 10)
	h.setClock(time.Unix((t0+11)*60, 0))
	h.deliver(agent, part(t0+10, t0+16))
	h.setClock(time.Unix((t0+16)*60+30, 0))
	h.deliver(agent, part(t0+16, t0+20))
	h.setClock(time.Unix((t0+20)*60, 0))
	h.waitJudged(t0 + 20)
	// on PostgreSQL the restarted server took kaisha over: its months are
	// rebuilt at judging's next tick, a second on the server's clock
	h.advanceUntil("the recovery notices", time.Second, func() bool { return len(ms.Messages()) == 4 && len(hk.notices()) == 2 })
	h.waitSettled() // nothing is repeated after that
	if k, w := len(ms.Messages()), len(hk.notices()); k != 4 || w != 2 {
		t.Errorf("%d mails and %d webhooks, want 4 and 2 (outage, recovery; email and fax)", k, w)
	}
	if r := hk.notices()[1]; r.Kind != notify.KindRecovery || r.End == nil || !r.End.Equal(time.Unix((t0+11)*60, 0)) {
		t.Errorf("recovery notice %+v, want the end at 00:11", r)
	}

	var outs struct{ Outages []Outage }
	h.must(http.StatusOK, "GET", "/api/customers/kaisha/outages", h.op, nil, &outs)
	if len(outs.Outages) != 1 {
		t.Fatalf("outages: %+v, want 1", outs.Outages)
	}
	o := outs.Outages[0]
	if o.NotifiedAt == nil || o.Met == nil || !*o.Met || o.End == nil || o.Via != "fax" || len(o.Sent) != 3 {
		t.Errorf("outage %+v: want notified by fax, deadline met, ended, sent on 3 channels", o)
	}
	// the notification level judges the notice sent
	var rep struct {
		Customers []struct {
			Services []struct {
				ID     string
				Levels []struct {
					Template string
					Met      *bool
					Items    []struct {
						Met      *bool
						Deadline string
					}
				}
			}
		}
	}
	h.must(http.StatusOK, "GET", "/api/customers/kaisha/reports/2026-10", h.op, nil, &rep)
	found := false
	for _, s := range rep.Customers[0].Services {
		for _, l := range s.Levels {
			if s.ID == "internet-tokyo" && l.Template == "iij/outage-notification" {
				found = true
				if len(l.Items) != 1 || l.Items[0].Met == nil || !*l.Items[0].Met || l.Met == nil || !*l.Met {
					_, raw := h.do("GET", "/api/customers/kaisha/reports/2026-10", h.op, nil)
					t.Errorf("outage-notification level: %+v; want one item, met\n%s", l, raw)
				}
			}
		}
	}
	if !found {
		t.Error("no iij/outage-notification level for internet-tokyo in the report")
	}
	_ = context.Background
}

// A server stopped while a notice is under way lets the send finish:
// the relay has taken the message but not yet said 250 when the stop
// comes, and a send cut off there would be made again after the
// restart, a second notice for one outage.
func TestStopDrainsSends(t *testing.T) { backends(t, testStopDrainsSends) }

func testStopDrainsSends(t *testing.T, st *store.Store) {
	ms := smtptest.Start(t, smtptest.Options{Answer: 700 * time.Millisecond})
	t0 := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC).Unix() / 60
	h := newFakeClocked(t, st, time.Unix(t0*60, 0), notify.Config{SMTP: notify.SMTP{Addr: ms.Addr, StartTLS: "never"},
		From: "noc@provider.example"}, nil)
	h.customer("kaisha", notify.Contacts{Email: []string{"noc@kaisha.example"}}, "../examples/iij.yaml")
	agent := h.token(auth.RoleAgent, "", "tyo1")
	h.own("kaisha")
	// silent from 00:05: the outage is detected at 00:10
	h.setClock(time.Unix((t0+10)*60+20, 0))
	h.deliver(agent, minutesOf(t0, t0+10, func(m int64) bool { return m >= t0+5 }))
	h.settle("kaisha")
	h.waitFor("the relay to take the outage notice", func() bool { return len(ms.Messages()) == 1 })
	h.restart() // before the relay's 250
	h.waitFor("the send to be recorded as sent", func() bool {
		sends, err := st.Sends(context.Background(), "kaisha")
		return err == nil && len(sends) == 1 && sends[0].State == store.Sent
	})
	// a send cut off by the stop would have been left pending, then made
	// again by the restarted server and recorded as sent only after the
	// relay took it a second time; a sent send is never claimed again
	if k := len(ms.Messages()); k != 1 {
		t.Errorf("%d mails, want 1: the send cut off by the stop was made again", k)
	}
}

// A stopping server waits for the sends under way for 15 s (drainFor)
// at most, on its clock: a relay that keeps the message and does not
// answer is cut off then, and the send is left pending, free at once
// for the next server or replica rather than when its claim ends.
func TestStopCutsOffTheDrain(t *testing.T) {
	ms := smtptest.Start(t, smtptest.Options{Answer: time.Hour})
	t0 := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC).Unix() / 60
	h := newFakeClocked(t, nil, time.Unix(t0*60, 0), notify.Config{SMTP: notify.SMTP{Addr: ms.Addr, StartTLS: "never"},
		From: "noc@provider.example"}, nil)
	h.customer("kaisha", notify.Contacts{Email: []string{"noc@kaisha.example"}}, "../examples/iij.yaml")
	agent := h.token(auth.RoleAgent, "", "tyo1")
	h.setClock(time.Unix((t0+10)*60+20, 0))
	h.deliver(agent, minutesOf(t0, t0+10, func(m int64) bool { return m >= t0+5 }))
	h.settle("kaisha")
	h.waitFor("the relay to take the outage notice", func() bool { return len(ms.Messages()) == 1 })
	stopAt := h.fake.Now()
	stopped := make(chan struct{})
	go func() { h.stop(); close(stopped) }()
	h.advanceUntil("the server to stop", time.Second, func() bool {
		select {
		case <-stopped:
			return true
		default:
			return false
		}
	})
	if d := h.fake.Now().Sub(stopAt); d < 15*time.Second {
		t.Errorf("stopped %s after the stop began, want the drain's 15 s", d)
	}
	sends, err := h.st.Sends(context.Background(), "kaisha")
	if err != nil || len(sends) != 1 || sends[0].State != store.Pending || sends[0].Attempts != 0 || sends[0].NextAt.After(h.fake.Now()) {
		t.Errorf("sends %+v, %v; want the one cut off pending, not counted as an attempt, due now", sends, err)
	}
}
