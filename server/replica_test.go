package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/slawatch/slawatch/internal/clock"
	"github.com/slawatch/slawatch/internal/smtptest"
	"github.com/slawatch/slawatch/server/auth"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/store"
	"github.com/slawatch/slawatch/store/storetest"
)

// newReplica starts a server named name on its own connection to the
// PostgreSQL database at url, with short leases.
func newReplica(t *testing.T, url, name string, start time.Time, nc notify.Config) *harness {
	t.Helper()
	st, err := store.Open(context.Background(), url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newTweaked(t, st, start, nc, func(c *Config) {
		c.Replica, c.LeaseTTL, c.FeedEvery = name, 800*time.Millisecond, 50*time.Millisecond
	})
}

// Three servers on one PostgreSQL are one system: a contract uploaded to
// one is judged by all; deliveries spread over two are judged together;
// one replica acts for the customer, and when it is killed during the
// outage another takes over: one notice per outage and channel, one
// recovery, and the same report from every survivor.
func TestReplicasAreOneSystem(t *testing.T) {
	url := storetest.FreshPostgres(t)
	// a slow relay: a send is under way while the other replicas look
	// at the outbox (every second), and only its claim keeps them off it
	ms := smtptest.Start(t, smtptest.Options{Delay: 1500 * time.Millisecond})
	hk := startHook(t, "0123456789abcdef-secret")
	t0 := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC).Unix() / 60
	nc := notify.Config{SMTP: notify.SMTP{Addr: ms.Addr, StartTLS: "never"}, From: "noc@provider.example",
		FaxGateway: "{number}@fax.example.net", WebhookAllow: loopbackHooks}
	var rs []*harness
	for i := range 3 {
		rs = append(rs, newReplica(t, url, fmt.Sprintf("r%d", i), time.Unix(t0*60, 0), nc))
	}
	rs[0].customer("kaisha", notify.Contacts{Email: []string{"noc@kaisha.example"}, Fax: []string{"+81 3-1234-5678"},
		Webhook: &notify.WebhookContact{URL: hk.srv.URL, Secret: "0123456789abcdef-secret"}}, "../examples/iij.yaml")
	agent := rs[0].token(auth.RoleAgent, "", "tyo1")
	for i, h := range rs {
		h.waitFor(fmt.Sprintf("replica %d to load the contract", i), func() bool {
			code, _ := h.do("GET", "/api/customers/kaisha/reports/2026-10", h.op, nil)
			return code == http.StatusOK
		})
	}
	owners := func(hs []*harness) []int {
		var out []int
		for i, h := range hs {
			if h.srv.replicas.Owns("kaisha") {
				out = append(out, i)
			}
		}
		return out
	}
	rs[0].waitFor("one replica to own kaisha", func() bool { return len(owners(rs)) == 1 })

	// silent 00:05..00:10: detected at 00:10, ends at 00:11; the agent's
	// deliveries go to two replicas
	all := minutesOf(t0, t0+20, func(m int64) bool { return m >= t0+5 && m < t0+11 })
	part := func(a, b int64) map[int64][]slawatch.SeriesMinute {
		out := map[int64][]slawatch.SeriesMinute{}
		for m := a; m < b; m++ {
			out[m] = all[m]
		}
		return out
	}
	setClock := func(hs []*harness, at time.Time) {
		for _, h := range hs {
			h.setClock(at)
		}
	}
	setClock(rs, time.Unix((t0+10)*60+20, 0))
	rs[1].deliver(agent, part(t0, t0+5))
	rs[2].deliver(agent, part(t0+5, t0+10))
	for _, h := range rs {
		h.waitJudged(t0 + 10)
	}
	rs[0].waitFor("the outage notice by email, fax and webhook", func() bool {
		return len(ms.Messages()) == 2 && len(hk.notices()) == 1
	})

	// the owner is killed during the outage: its leases are left to
	// expire
	dead := owners(rs)[0]
	rs[dead].srv.replicas.Killed.Store(true)
	rs[dead].stop()
	survivors := slices.Delete(slices.Clone(rs), dead, dead+1)
	setClock(survivors, time.Unix((t0+11)*60, 0))
	survivors[0].deliver(agent, part(t0+10, t0+16))
	setClock(survivors, time.Unix((t0+16)*60+30, 0))
	survivors[1].deliver(agent, part(t0+16, t0+20))
	setClock(survivors, time.Unix((t0+20)*60, 0))
	for _, h := range survivors {
		h.waitJudged(t0 + 20)
	}
	survivors[0].waitFor("a survivor to take kaisha over", func() bool { return len(owners(survivors)) == 1 })
	survivors[0].waitFor("the recovery notices", func() bool { return len(ms.Messages()) == 4 && len(hk.notices()) == 2 })
	survivors[0].waitSettled() // nothing is repeated after that
	if k, w := len(ms.Messages()), len(hk.notices()); k != 4 || w != 2 {
		t.Errorf("%d mails and %d webhooks, want 4 and 2 (outage and recovery: email and fax; webhook)", k, w)
	}
	if r := hk.notices()[1]; r.Kind != notify.KindRecovery || r.End == nil || !r.End.Equal(time.Unix((t0+11)*60, 0)) {
		t.Errorf("recovery notice %+v, want the end at 00:11", r)
	}

	// every survivor answers the same
	var reports [][]byte
	for _, h := range survivors {
		code, body := h.do("GET", "/api/customers/kaisha/reports/2026-10", h.op, nil)
		if code != http.StatusOK {
			t.Fatalf("report: %d %s", code, body)
		}
		reports = append(reports, body)
	}
	if string(reports[0]) != string(reports[1]) {
		t.Errorf("two survivors' reports differ:\n%s\n---\n%s", reports[0], reports[1])
	}
	var outs struct{ Outages []Outage }
	survivors[1].must(http.StatusOK, "GET", "/api/customers/kaisha/outages", survivors[1].op, nil, &outs)
	if len(outs.Outages) != 1 {
		t.Fatalf("outages: %+v, want 1", outs.Outages)
	}
	if o := outs.Outages[0]; o.NotifiedAt == nil || o.Met == nil || !*o.Met || o.End == nil || len(o.Sent) != 3 {
		t.Errorf("outage %+v: want notified, deadline met, ended, sent on 3 channels", o)
	}
}

// A dead replica's customers are taken over once its leases run out on
// the replicas' clock, after LeaseTTL and a quarter at most, and not
// before: the test moves one fake clock for both replicas and their
// stores (the change feed's rows carry the writer's time).
func TestLeasesRunOutOnTheClock(t *testing.T) {
	url := storetest.FreshPostgres(t)
	const ttl = 8 * time.Second
	fake := clock.NewFake(time.Now().Truncate(time.Millisecond))
	start := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC)
	var rs []*harness
	for i := range 2 {
		st, err := store.Open(context.Background(), url, store.Options{Clock: fake})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		h := newTweaked(t, st, start, notify.Config{}, func(c *Config) {
			c.Replica, c.LeaseTTL, c.FeedEvery = fmt.Sprintf("r%d", i), ttl, time.Second
		})
		h.fake = fake // the store's clock is the server's
		rs = append(rs, h)
	}
	rs[0].customer("kaisha", notify.Contacts{}, "../examples/iij.yaml")
	owner := func() int {
		for i, h := range rs {
			if h.srv.replicas.Owns("kaisha") {
				return i
			}
		}
		return -1
	}
	rs[1].advanceUntil("the other replica to load the contract", time.Second, func() bool {
		code, _ := rs[1].do("GET", "/api/customers/kaisha/reports/2026-10", rs[1].op, nil)
		return code == http.StatusOK
	})
	rs[0].advanceUntil("a replica to own kaisha", ttl/4, func() bool { return owner() >= 0 })
	dead := owner()
	survivor := rs[1-dead]
	rs[dead].srv.replicas.Killed.Store(true)
	rs[dead].stop()
	// the dead replica renewed its leases at its last tick, at most a
	// quarter of ttl ago: they hold for three quarters of ttl at least
	killed := fake.Now()
	survivor.tick(ttl / 4)
	survivor.tick(ttl / 4)
	if survivor.srv.replicas.Owns("kaisha") {
		t.Fatalf("kaisha taken over %s after its owner died, before its lease ran out", fake.Now().Sub(killed))
	}
	survivor.advanceUntil("the survivor to take kaisha over", ttl/4, func() bool { return survivor.srv.replicas.Owns("kaisha") })
	// ttl and a quarter, and the step this test sees it late by at most
	if d := fake.Now().Sub(killed); d > ttl+ttl/2 {
		t.Errorf("kaisha taken over %s after its owner died, want at most %s", d, ttl+ttl/4)
	}
}
