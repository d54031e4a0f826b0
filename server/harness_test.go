package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/slawatch/slawatch/internal/clock"
	"github.com/slawatch/slawatch/internal/smtptest"
	"github.com/slawatch/slawatch/server/auth"

	"github.com/slawatch/slawatch/server/docs"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/ingest"
	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/store"
	"github.com/slawatch/slawatch/store/storetest"
)

// backends runs fn against a fresh SQLite store and a fresh PostgreSQL
// schema.
func backends(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	for _, b := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "slawatch.db") }},
		{"postgres", func(t *testing.T) string { return storetest.FreshPostgres(t) }},
	} {
		t.Run(b.name, func(t *testing.T) {
			st, err := store.Open(context.Background(), b.url(t), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			fn(t, st)
		})
	}
}

// harness is a server on a fresh SQLite store (or the given one), with
// a clock the test moves, served over a real socket.
type harness struct {
	t      testing.TB
	st     *store.Store
	srv    *Server
	ts     *httptest.Server
	now    atomic.Int64 // unix nanoseconds
	op     string       // an operator token
	cancel context.CancelFunc
	done   chan struct{}
	notify notify.Config
	tweak  func(*Config) // changes the server's configuration, when set
	// fake, when set, is the server's Clock (see newFakeClocked)
	fake *clock.Fake
}

func newHarness(t testing.TB, st *store.Store, start time.Time, nc notify.Config) *harness {
	t.Helper()
	return newTweaked(t, st, start, nc, nil)
}

// newTweaked is newHarness with tweak changing the server's
// configuration.
func newTweaked(t testing.TB, st *store.Store, start time.Time, nc notify.Config, tweak func(*Config)) *harness {
	t.Helper()
	if st == nil {
		var err error
		st, err = store.Open(context.Background(), filepath.Join(t.TempDir(), "slawatch.db"), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
	}
	h := &harness{t: t, st: st, notify: nc, tweak: tweak}
	h.now.Store(start.UnixNano())
	h.start()
	tok, err := auth.CreateToken(context.Background(), st, auth.RoleOperator, "", "", "test")
	if err != nil {
		t.Fatal(err)
	}
	h.op = tok
	return h
}

// newFakeClocked is newHarness with a fake Clock for the server, h.fake,
// standing at the real time now until the test moves it: the notifier's
// retries and backoff, judging's tick and the delays before recomputing
// wait for the test, never for time. The time judged is the harness's
// clock, as in any harness. tweak, when not nil, changes the rest of the
// configuration.
func newFakeClocked(t testing.TB, st *store.Store, start time.Time, nc notify.Config, tweak func(*Config)) *harness {
	t.Helper()
	fake := clock.NewFake(time.Now().Truncate(time.Millisecond))
	h := newTweaked(t, st, start, nc, func(c *Config) {
		if tweak != nil {
			tweak(c)
		}
		c.Clock = fake
	})
	h.fake = fake
	return h
}

// advanceUntil moves the fake clock step at a time until cond holds: the
// server's goroutines react to each move in their own time, so the test
// waits for what they do, never for an exact schedule.
func (h *harness) advanceUntil(what string, step time.Duration, cond func() bool) {
	h.t.Helper()
	h.waitFor(what, func() bool {
		if cond() {
			return true
		}
		h.fake.Advance(step)
		return false
	})
}

// waitSettled waits until no send in the outbox is pending: every
// notice is sent or failed for good. Nothing more goes out after that,
// however long the test would wait: a send is claimed only while
// pending, by one replica at a time, and settled after its channel
// answered.
func (h *harness) waitSettled() {
	h.t.Helper()
	h.waitFor("the outbox to settle", func() bool {
		n, err := h.st.CountSends(context.Background(), store.Pending)
		return err == nil && n == 0
	})
}

// start (re)starts the server on the harness's store.
func (h *harness) start() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg := Config{Store: h.st, Notify: h.notify, Now: h.clock, Logger: testLogger(h.t), RetryBase: 50 * time.Millisecond,
		RetryMax: 200 * time.Millisecond, RecomputeDelay: 20 * time.Millisecond, SecretKey: testSecretKey,
		IngestRate: 1e6, IngestBurst: 1e6} // TestIngestRatePerAgent tests the limit
	if h.tweak != nil {
		h.tweak(&cfg)
	}
	srv, err := New(ctx, cfg)
	if err != nil {
		h.t.Fatal(err)
	}
	h.srv, h.cancel, h.done = srv, cancel, make(chan struct{})
	go func() { srv.Run(ctx); close(h.done) }()
	h.ts = httptest.NewServer(srv.Handler())
	h.t.Cleanup(h.stop)
}

// stop stops the server as a crash would leave it: nothing is flushed
// beyond what the store already has.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.ts.Close()
	h.cancel()
	<-h.done
	h.cancel = nil
}

func (h *harness) restart() {
	h.stop()
	h.start()
}

func (h *harness) clock() time.Time { return time.Unix(0, h.now.Load()) }

func (h *harness) setClock(t time.Time) { h.now.Store(t.UnixNano()) }

// do sends a request with a token and returns the status and body. A
// body that is []byte or string is sent as it is, anything else as JSON.
func (h *harness) do(method, path, token string, body any) (int, []byte) {
	h.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = bytes.NewReader([]byte(b))
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.ts.URL+path, r)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, out
}

// must sends a request that must answer want, and decodes the answer
// into v when v is not nil.
func (h *harness) must(want int, method, path, token string, body, v any) {
	h.t.Helper()
	code, out := h.do(method, path, token, body)
	if code != want {
		h.t.Fatalf("%s %s: %d %s; want %d", method, path, code, out, want)
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			h.t.Fatalf("%s %s: %v in %s", method, path, err, out)
		}
	}
}

// customer creates a customer with contacts and uploads its contract.
func (h *harness) customer(id string, contacts notify.Contacts, contractFile string) {
	h.t.Helper()
	h.must(http.StatusCreated, "POST", "/api/customers", h.op, Customer{ID: id, Name: id + " Inc.", Contacts: contacts}, nil)
	y, err := os.ReadFile(contractFile)
	if err != nil {
		h.t.Fatal(err)
	}
	h.assign(id, y, testAgents...)
	h.must(http.StatusOK, "PUT", "/api/customers/"+id+"/contract", h.op, y, nil)
}

// testSecretKey seals the harness's webhook secrets.
var testSecretKey = []byte("0123456789abcdef0123456789abcdef")

// testAgents are the agents the harness's customers' series are
// assigned to.
var testAgents = []string{"tyo1", "osa1", "pop-osa"}

// assign assigns every series the contract YAML binds to the customer,
// measured by agents.
func (h *harness) assign(id string, contractYAML []byte, agents ...string) {
	h.t.Helper()
	h.assignShared(id, contractYAML, agents, agents)
}

// assignShared assigns the contract's own series to agents and the
// provider's shared ones (the IIJ backbone's) to core.
func (h *harness) assignShared(id string, contractYAML []byte, agents, core []string) {
	h.t.Helper()
	b, err := docs.Bind(h.srv.cat, id, contractYAML, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	var own, shared []Series
	for _, name := range b.Series {
		if strings.HasPrefix(name, "bb-") { // the IIJ backbone: the provider's own
			shared = append(shared, Series{Name: name, Agents: core})
		} else {
			own = append(own, Series{Name: name, Agents: agents})
		}
	}
	h.must(http.StatusOK, "POST", "/api/customers/"+id+"/series", h.op, map[string]any{"series": own}, nil)
	h.must(http.StatusOK, "POST", "/api/series", h.op, map[string]any{"series": shared}, nil)
}

func (h *harness) token(role, customer, agent string) string {
	h.t.Helper()
	var out struct{ Token string }
	h.must(http.StatusCreated, "POST", "/api/tokens", h.op, map[string]string{"role": role, "customer": customer, "agent": agent}, &out)
	return out.Token
}

// deliver sends minutes as an agent would, with the agent's token.
func (h *harness) deliver(token string, minutes map[int64][]slawatch.SeriesMinute) {
	h.t.Helper()
	keys := make([]int64, 0, len(minutes))
	for m := range minutes {
		keys = append(keys, m)
	}
	slices.Sort(keys)
	for i := 0; i < len(keys); i += 64 {
		var body []byte
		for _, m := range keys[i:min(i+64, len(keys))] {
			body = ingest.AppendBlock(body, m, minutes[m])
		}
		c := ingest.Client{URL: h.ts.URL, Token: token, HTTP: h.ts.Client()}
		if _, err := c.Deliver(context.Background(), body); err != nil {
			h.t.Fatal(err)
		}
	}
}

// waitJudged waits until the server has judged every minute before m.
func (h *harness) waitJudged(m int64) {
	h.t.Helper()
	h.waitFor("minutes judged", func() bool {
		h.srv.judge.Kick()
		return h.srv.judge.Judged() >= m
	})
}

// waitFor polls cond for up to 20 s (a bound for a hung test, not a
// timing requirement).
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startMailServer starts a real SMTP server that answers 451 to the
// first fail messages.
func startMailServer(t testing.TB, fail int) *smtptest.Server {
	return smtptest.Start(t, smtptest.Options{Fail451: fail})
}

// testLogger logs to the test's log when -v is given.
func testLogger(t testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return nil
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// loopbackHooks lets the tests' webhook receivers on 127.0.0.1 be
// reached: a server refuses loopback destinations unless the operator
// allows them.
var loopbackHooks, _ = notify.ParseAllow("127.0.0.0/8")

// waitRetry waits for a send that failed and waits for its next attempt,
// and returns it.
func (h *harness) waitRetry() store.Send {
	h.t.Helper()
	var x store.Send
	h.waitFor("a send to wait for its retry", func() bool {
		sends, err := h.st.Sends(context.Background(), "")
		for _, s := range sends {
			if err == nil && s.State == store.Pending && s.Attempts > 0 {
				x = s
				return true
			}
		}
		return false
	})
	return x
}

// own moves the fake clock until the server has taken customer over
// (at once without replicas, on SQLite): a replica takes the customers
// it is given at its leases' renewal, a quarter of LeaseTTL apart, and
// rebuilds their months at judging's next tick, a second later.
func (h *harness) own(customer string) {
	h.t.Helper()
	if h.st.Backend() != "postgres" {
		return
	}
	before := counterValue(h.t, h.srv.metrics.Recomputes)
	h.advanceUntil("the lease on "+customer, h.srv.cfg.LeaseTTL/4, func() bool { return h.srv.replicas.Owns(customer) })
	h.advanceUntil("the takeover of "+customer, time.Second, func() bool {
		return counterValue(h.t, h.srv.metrics.Recomputes) > before && h.srv.judge.Settled(customer)
	})
}

// settle moves the fake clock a judging tick at a time until customer's
// late records are applied (see Judge.Settled).
func (h *harness) settle(customer string) {
	h.t.Helper()
	h.advanceUntil(customer+"'s late records applied", time.Second, func() bool { return h.srv.judge.Settled(customer) })
}

// counterValue reads a Prometheus counter.
func counterValue(t testing.TB, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// tick moves the fake clock d and waits until every ticker's tick is
// taken: whatever the server did at the tick before is done.
func (h *harness) tick(d time.Duration) {
	h.t.Helper()
	h.fake.Advance(d)
	h.waitFor("the server to take its ticks", func() bool { return h.fake.Unread() == 0 })
}
