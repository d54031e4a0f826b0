package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/internal/smtptest"
	"github.com/slawatch/slawatch/store/storetest"
)

// TestReplicasE2E runs three `slawatch serve` processes on one
// PostgreSQL database and two agents, each given all three URLs in
// another order. The agents probe a TCP target on the IIJ data-centre
// line; the test closes the target, so that both lines fall silent, and
// waits for the outage notice (email and fax, through a real SMTP
// server). It then kills the replica acting for the customer with
// SIGKILL, opens the target again, and waits for the recovery notice,
// which a survivor must send after taking the customer over. In the end
// every notice went once on each channel, within its deadline, and both
// survivors give the same report.
//
// Minutes are wall-clock minutes: the outage needs three whole silent
// minutes, so the test takes about seven minutes of real time (it runs
// beside the other end-to-end test). bench/replicas.sh runs it with more
// agents: SLAWATCH_E2E_REPLICA_AGENTS.
func TestReplicasE2E(t *testing.T) {
	if testing.Short() || !long() {
		t.Skip("end-to-end test with real processes over about seven minutes of wall time: SLAWATCH_LONG=1 runs it")
	}
	t.Parallel()
	nAgents := 2
	if v := os.Getenv("SLAWATCH_E2E_REPLICA_AGENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 26 {
			t.Fatalf("SLAWATCH_E2E_REPLICA_AGENTS=%q: want 1 to 26", v)
		}
		nAgents = n
	}
	db := storetest.FreshPostgres(t)
	bin := buildSlawatch(t)
	dir := t.TempDir()
	smtpd := smtptest.Start(t, smtptest.Options{})
	target := newSwitchTarget(t)

	key := filepath.Join(dir, "secret.key")
	os.WriteFile(key, []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
	cfg := filepath.Join(dir, "serve.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("notify:\n  smtp: {addr: %q, starttls: never}\n  from: noc@provider.example\n  fax_gateway: \"{number}@fax.example.net\"\n", smtpd.Addr)), 0o644)

	type replica struct {
		name, url string
		p         *proc
	}
	var rs []*replica
	for i := range 3 {
		r := &replica{name: fmt.Sprintf("r%d", i)}
		addr := freeAddr(t)
		r.url = "http://" + addr
		r.p = startProc(t, bin, filepath.Join(dir, r.name+".log"), "serve", "--db", db, "--data", filepath.Join(dir, r.name),
			"--listen", addr, "--replica", r.name, "--lease-ttl", "6s", "--grace", "20s", "--config", cfg, "--secret-key-file", key)
		rs = append(rs, r)
	}
	for _, r := range rs {
		waitHealthy(t, r.url, r.p)
	}
	op := strings.TrimSpace(runBin(t, bin, "token", "--db", db, "--role", "operator", "--name", "e2e"))
	api := func(r *replica, method, path string, body any, out any) int {
		t.Helper()
		var rd io.Reader
		switch b := body.(type) {
		case nil:
		case string:
			rd = strings.NewReader(b)
		default:
			j, _ := json.Marshal(b)
			rd = strings.NewReader(string(j))
		}
		req, _ := http.NewRequest(method, r.url+path, rd)
		req.Header.Set("Authorization", "Bearer "+op)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatalf("%s %s: %v in %s", method, path, err, b)
			}
		}
		if resp.StatusCode/100 != 2 && out != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return resp.StatusCode
	}

	// the customer, through r0: the DC connection, its two lines
	// measured by the agents
	var lines []string
	var agents []*e2eAgent
	for i := range nAgents {
		a := &e2eAgent{name: fmt.Sprintf("dc-%c", 'a'+i)}
		a.series = []string{a.name + "-line"}
		lines = append(lines, a.series[0])
		a.token = strings.TrimSpace(runBin(t, bin, "token", "--db", db, "--role", "agent", "--agent", a.name))
		a.config = filepath.Join(dir, a.name+".yaml")
		os.WriteFile(a.config, []byte(fmt.Sprintf("agent: %s\ndefaults: {interval: 500ms, timeout: 400ms}\nspool: {dir: %s}\ntargets:\n  - {series: %s, tcp: {address: %q}}\n",
			a.name, filepath.Join(dir, a.name+"-spool"), a.series[0], target.addr)), 0o644)
		agents = append(agents, a)
	}
	var out map[string]any
	api(rs[0], "POST", "/api/customers", map[string]any{"id": "kaisha",
		"contacts": map[string]any{"email": []string{"noc@kaisha.example"}, "fax": []string{"+81 3-1234-5678"}}}, &out)
	var xs []map[string]any
	for i, a := range agents {
		xs = append(xs, map[string]any{"name": lines[i], "agents": []string{a.name}})
	}
	api(rs[0], "POST", "/api/customers/kaisha/series", map[string]any{"series": xs}, &out)
	quoted, _ := json.Marshal(lines)
	contract := fmt.Sprintf(`timezone: UTC
currency: JPY
customers:
  - id: kaisha
    services:
      - id: dc
        site: tokyo-dc
        levels: [iij/dc-availability, iij/outage-notification]
        inputs: {lines: %s, targets: %s}
        params: {connection: dc}
`, quoted, quoted)
	api(rs[0], "PUT", "/api/customers/kaisha/contract", contract, &out)
	month := time.Now().UTC().Format("2006-01")
	report := "/api/customers/kaisha/reports/" + month
	for _, r := range rs {
		waitFor(t, r.name+" to load the contract from the change feed", 30*time.Second, func() (bool, error) {
			return api(r, "GET", report, nil, nil) == http.StatusOK, nil
		}, r.p)
	}

	// the agents, each with every URL, in another order
	for i, a := range agents {
		urls := []string{rs[i%3].url, rs[(i+1)%3].url, rs[(i+2)%3].url}
		a.proc = startProc(t, bin, filepath.Join(dir, a.name+".log"), "agent", "--config", a.config,
			"--server", strings.Join(urls, ","), "--token", a.token)
	}
	owner := func() (*replica, error) {
		var found *replica
		for _, r := range rs {
			if r.p.exited() {
				continue
			}
			var st struct {
				Owned int `json:"owned_customers"`
			}
			if api(r, "GET", "/api/replicas", nil, &st) != http.StatusOK {
				return nil, fmt.Errorf("%s: no answer", r.name)
			}
			if st.Owned == 1 {
				if found != nil {
					return nil, fmt.Errorf("both %s and %s act for the customer", found.name, r.name)
				}
				found = r
			}
		}
		return found, nil
	}
	waitFor(t, "one replica to act for the customer", 30*time.Second, func() (bool, error) {
		r, err := owner()
		return r != nil, err
	}, rs[0].p)
	// a whole minute up first, then silence
	start := time.Now()
	waitFor(t, "a minute judged up", 3*time.Minute, func() (bool, error) {
		return time.Since(start) > time.Duration(60-time.Now().Second())*time.Second+20*time.Second, nil
	}, rs[0].p)
	target.set(false)
	silent := time.Now()
	waitFor(t, "the outage notice by email and fax", 6*time.Minute, func() (bool, error) {
		return len(byKind(smtpd, "outage")) >= 2, nil
	}, rs[0].p)
	notifiedAfter := time.Since(silent).Round(time.Second)
	t.Logf("outage notified %s after the target closed", notifiedAfter)

	// kill -9 the replica acting for the customer, during the outage
	dead, err := owner()
	if err != nil || dead == nil {
		t.Fatalf("owner: %v", err)
	}
	dead.p.kill(t)
	killed := time.Now()
	t.Logf("killed %s", dead.name)
	target.set(true)
	var survivors []*replica
	for _, r := range rs {
		if r != dead {
			survivors = append(survivors, r)
		}
	}
	waitFor(t, "a survivor to take the customer over", 60*time.Second, func() (bool, error) {
		r, err := owner()
		return r != nil, err
	}, survivors[0].p)
	takeover := time.Since(killed).Round(time.Second)
	t.Logf("taken over %s after the kill", takeover)
	waitFor(t, "the recovery notice by email and fax", 4*time.Minute, func() (bool, error) {
		return len(byKind(smtpd, "recovery")) >= 2, nil
	}, survivors[0].p)
	time.Sleep(10 * time.Second) // a repeat would come by now

	// once per notice and channel
	msgs := allSunk(smtpd)
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.id+" to "+m.to]++
	}
	dups := 0
	for k, n := range seen {
		if n != 1 {
			dups += n - 1
			t.Errorf("%s: delivered %d times", k, n)
		}
	}
	if len(byKind(smtpd, "outage")) != 2 || len(byKind(smtpd, "recovery")) != 2 {
		t.Errorf("outage mails %d, recovery mails %d; want 2 and 2 (email and fax)", len(byKind(smtpd, "outage")), len(byKind(smtpd, "recovery")))
	}
	var outs struct {
		Outages []struct {
			NotifiedAt *time.Time `json:"notified_at"`
			Met        *bool      `json:"deadline_met"`
			End        *time.Time `json:"end"`
		}
	}
	api(survivors[1], "GET", "/api/customers/kaisha/outages", nil, &outs)
	if len(outs.Outages) != 1 || outs.Outages[0].NotifiedAt == nil || outs.Outages[0].Met == nil || !*outs.Outages[0].Met || outs.Outages[0].End == nil {
		t.Errorf("outages: %+v; want one, notified within its deadline, ended", outs.Outages)
	}
	// the same report from each survivor, once both judged the same minutes
	var last [2]string
	waitFor(t, "the survivors to give the same report", 90*time.Second, func() (bool, error) {
		for i, r := range survivors {
			var v any
			api(r, "GET", report, nil, &v)
			b, _ := json.Marshal(v)
			last[i] = string(b)
		}
		return last[0] == last[1], nil
	}, survivors[0].p)
	met := len(outs.Outages) == 1 && outs.Outages[0].Met != nil && *outs.Outages[0].Met
	t.Logf("summary: replicas=3 agents=%d killed=%s outage_mails=%d recovery_mails=%d duplicates=%d notified_after=%s takeover=%s deadline_met=%t same_report=%t",
		nAgents, dead.name, len(byKind(smtpd, "outage")), len(byKind(smtpd, "recovery")), dups, notifiedAfter, takeover, met, last[0] == last[1])
	for _, a := range agents {
		a.proc.stop(t, 30*time.Second)
	}
	for _, r := range survivors {
		r.p.stop(t, 30*time.Second)
	}
}

// switchTarget is a TCP target the test opens and closes: open, it
// accepts and closes every connection; closed, connections are refused.
type switchTarget struct {
	t    *testing.T
	addr string
	mu   sync.Mutex
	ln   net.Listener
}

func newSwitchTarget(t *testing.T) *switchTarget {
	s := &switchTarget{t: t, addr: freeAddr(t)}
	s.set(true)
	t.Cleanup(func() { s.set(false) })
	return s
}

func (s *switchTarget) set(open bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !open {
		if s.ln != nil {
			s.ln.Close()
			s.ln = nil
		}
		return
	}
	if s.ln != nil {
		return
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatalf("reopen the target on %s: %v", s.addr, err)
	}
	s.ln = ln
	go acceptAndClose(ln)
}

// sunk is a message's recipient, as the test counts them: one notice
// on one channel.
type sunk struct{ id, to, kind string }

// byKind returns the recipients of the notices of a kind (outage or
// recovery) the server accepted.
func byKind(ms *smtptest.Server, kind string) []sunk {
	var out []sunk
	for _, m := range allSunk(ms) {
		if m.kind == kind {
			out = append(out, m)
		}
	}
	return out
}

func allSunk(ms *smtptest.Server) []sunk {
	var out []sunk
	for _, m := range ms.Messages() {
		kind := "outage"
		if strings.HasSuffix(m.Header.Get("X-Slawatch-Notice-Id"), "/recovery") {
			kind = "recovery"
		}
		for _, to := range m.To {
			out = append(out, sunk{id: m.Header.Get("Message-Id"), to: to, kind: kind})
		}
	}
	return out
}
