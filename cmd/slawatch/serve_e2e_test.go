package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/internal/ingesttest"
	"github.com/slawatch/slawatch/probe"
	"github.com/slawatch/slawatch/store"
)

// TestServeE2E runs the real binary: `slawatch serve` and two `slawatch
// agent --server` processes probing loopback targets, each also writing
// --out. Once both agents have delivered, the server is killed
// (SIGKILL) and kept down for 70 s, across a minute boundary, while the
// agents keep probing and spooling and their deliveries fail and are
// retried; it is restarted on the same data directory, the agents catch
// up, and everything stops gracefully (SIGTERM). The store must then hold
// exactly what the agents measured: every record of every --out file
// once, with the same values, and nothing else.
//
// Minutes are wall-clock minutes and the binary has no faster clock, so
// the test takes about three minutes of real time. bench/serve-outage.sh
// runs it with a longer outage and more agents and targets, through the
// environment: SLAWATCH_E2E_OUTAGE (a duration), SLAWATCH_E2E_AGENTS,
// SLAWATCH_E2E_TARGETS (per agent).
func TestServeE2E(t *testing.T) {
	if testing.Short() || !long() {
		t.Skip("end-to-end test with real processes over about three minutes of wall time: SLAWATCH_LONG=1 runs it")
	}
	outage, nAgents, nTargets := e2eKnobs(t)
	bin := buildSlawatch(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	tcpTarget := listenAcceptClose(t)
	addr := freeAddr(t)
	url := "http://" + addr

	var agents []*e2eAgent
	for i := range nAgents {
		a := &e2eAgent{name: fmt.Sprintf("e2e-%c", 'a'+i)}
		a.token = strings.TrimSpace(runBin(t, bin, "token", "--data", data, "--role", "agent", "--agent", a.name))
		a.config, a.series = writeAgentConfig(t, dir, a.name, i, nTargets, tcpTarget)
		a.out = filepath.Join(dir, a.name+".csv")
		agents = append(agents, a)
	}

	srv := startProc(t, bin, filepath.Join(dir, "serve-1.log"), "serve", "--data", data, "--listen", addr)
	waitHealthy(t, url, srv)
	assignSeries(t, url, data, agents)
	for _, a := range agents {
		a.proc = startProc(t, bin, filepath.Join(dir, a.name+".log"), "agent", "--config", a.config,
			"--server", url, "--token", a.token, "--out", a.out)
	}

	// Every agent has delivered its first minute: kill the server while
	// they keep delivering.
	waitFor(t, "the first deliveries", 100*time.Second, func() (bool, error) {
		return ingestedMinutes(url) >= float64(len(agents)), nil
	}, srv)
	srv.kill(t)
	down := time.Now()
	t.Logf("server killed at %s", down.Format(time.TimeOnly))
	time.Sleep(outage)
	for _, a := range agents {
		if a.proc.exited() {
			t.Fatalf("agent %s exited while the server was down:\n%s", a.name, a.proc.tail())
		}
	}

	srv = startProc(t, bin, filepath.Join(dir, "serve-2.log"), "serve", "--data", data, "--listen", addr)
	restart := time.Now()
	waitHealthy(t, url, srv)
	t.Logf("server restarted at %s after %s down", restart.Format(time.TimeOnly), restart.Sub(down).Round(time.Second))
	catchUp := waitCaughtUp(t, filepath.Join(data, store.DefaultFile), agents, restart, srv)
	t.Logf("agents caught up %s after the restart", catchUp.Round(100*time.Millisecond))

	for _, a := range agents {
		a.proc.stop(t, 30*time.Second)
	}
	srv.stop(t, 60*time.Second)
	for _, a := range agents {
		// the outage was seen: deliveries failed and were retried
		if logs, _ := os.ReadFile(a.proc.log); !strings.Contains(string(logs), "delivered after retries") {
			t.Errorf("agent %s never logged a delivery after retries:\n%s", a.name, a.proc.tail())
		}
		if st := ingesttest.SpoolStats(t, filepath.Join(dir, a.name+"-spool")); st.Pending != 0 {
			t.Errorf("agent %s: %d batches left in its spool", a.name, st.Pending)
		}
	}
	sum := checkStored(t, filepath.Join(data, store.DefaultFile), agents)
	t.Logf("summary: agents=%d targets=%d outage=%s measured=%d stored=%d missing=%d duplicated=%d different=%d unmeasured=%d catch_up=%.1fs",
		nAgents, nTargets, restart.Sub(down).Round(time.Second), sum.measured, sum.stored, sum.missing, sum.duplicated,
		sum.different, sum.unmeasured, catchUp.Seconds())
}

// e2eKnobs reads the outage, the number of agents and the targets of
// each from the environment (see TestServeE2E).
func e2eKnobs(t *testing.T) (outage time.Duration, agents, targets int) {
	outage, agents, targets = 70*time.Second, 2, 50
	var err error
	if v := os.Getenv("SLAWATCH_E2E_OUTAGE"); v != "" {
		if outage, err = time.ParseDuration(v); err != nil || outage < 61*time.Second {
			t.Fatalf("SLAWATCH_E2E_OUTAGE=%s: want a duration over a minute", v)
		}
	}
	if v := os.Getenv("SLAWATCH_E2E_AGENTS"); v != "" {
		if agents, err = strconv.Atoi(v); err != nil || agents < 1 || agents > 26 {
			t.Fatalf("SLAWATCH_E2E_AGENTS=%s: want 1 to 26", v)
		}
	}
	if v := os.Getenv("SLAWATCH_E2E_TARGETS"); v != "" {
		if targets, err = strconv.Atoi(v); err != nil || targets < 1 || targets > 60000 {
			t.Fatalf("SLAWATCH_E2E_TARGETS=%s: want 1 to 60000", v)
		}
	}
	return outage, agents, targets
}

// waitCaughtUp waits until every minute complete at the restart is in
// the --out files (the agents write --out before sending) and every
// --out record is in the store, and returns how long after the restart.
func waitCaughtUp(t *testing.T, db string, agents []*e2eAgent, restart time.Time, srv *proc) time.Duration {
	t.Helper()
	backlog := restart.Add(-3*time.Second).Unix()/60 - 1
	live, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	var at time.Time
	waitFor(t, "the agents to deliver their backlog", 180*time.Second, func() (bool, error) {
		at = time.Now()
		stored, err := storedRows(live)
		if err != nil {
			return false, err
		}
		for _, a := range agents {
			rows := outRecords(t, a.out)
			if lastMinute(rows) < backlog || !subset(rows, stored) {
				return false, nil
			}
		}
		return true, nil
	}, srv)
	return at.Sub(restart)
}

// e2eAgent is one agent process and its files.
type e2eAgent struct {
	name, token, config, out string
	series                   []string
	proc                     *proc
}

// storeSummary counts what checkStored found.
type storeSummary struct {
	measured, stored, missing, duplicated, different, unmeasured int
}

// checkStored compares the store with the agents' --out files, agent by
// agent (each measures series of its own), and looks for an agent-minute
// stored as two different batches.
func checkStored(t *testing.T, db string, agents []*e2eAgent) storeSummary {
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := storedRows(st)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	var sum storeSummary
	mine := 0
	for _, a := range agents {
		s := compareAgent(t, a, stored)
		mine += s.stored
		sum.measured, sum.stored, sum.missing = sum.measured+s.measured, sum.stored+s.stored, sum.missing+s.missing
		sum.different, sum.unmeasured = sum.different+s.different, sum.unmeasured+s.unmeasured
	}
	if mine != len(stored) {
		t.Errorf("%d records stored, %d of them the agents'", len(stored), mine)
		sum.unmeasured += len(stored) - mine
	}
	sum.duplicated = checkStagedOnce(t, db)
	return sum
}

// compareAgent compares one agent's --out file with its records in the
// store.
func compareAgent(t *testing.T, a *e2eAgent, stored map[string]string) storeSummary {
	rows := outRecords(t, a.out)
	mine := map[string]string{}
	for k, v := range stored {
		if strings.HasPrefix(seriesOf(k), a.name+"-") {
			mine[k] = v
		}
	}
	s := storeSummary{measured: len(rows), stored: len(mine)}
	for k, v := range rows {
		switch got, ok := mine[k]; {
		case !ok:
			if s.missing++; s.missing <= 5 {
				t.Errorf("agent %s: measured but not stored: %s", a.name, v)
			}
		case got != v:
			if s.different++; s.different <= 5 {
				t.Errorf("agent %s: stored %s, measured %s", a.name, got, v)
			}
		}
	}
	for k, v := range mine {
		if _, ok := rows[k]; !ok {
			if s.unmeasured++; s.unmeasured <= 5 {
				t.Errorf("agent %s: stored but not measured: %s", a.name, v)
			}
		}
	}
	t.Logf("agent %s: %d records measured over %d minutes, %d stored, %d missing, %d different, %d not measured",
		a.name, len(rows), countMinutes(rows), len(mine), s.missing, s.different, s.unmeasured)
	if len(rows) == 0 {
		t.Errorf("agent %s measured nothing", a.name)
	}
	return s
}

// checkStagedOnce looks in the staging table for an agent-minute stored
// as two different batches, which reading would hide (the first stored
// wins). A schema without that table is reported, not failed.
func checkStagedOnce(t *testing.T, db string) int {
	conn, err := sql.Open("sqlite", "file:"+db+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var rows, dup int
	err = conn.QueryRow(`SELECT COUNT(*), COALESCE(SUM(n > 1), 0) FROM
		(SELECT COUNT(*) AS n FROM staged GROUP BY agent, minute)`).Scan(&rows, &dup)
	if err != nil {
		t.Logf("no check of staged batches: %v", err)
		return 0
	}
	t.Logf("%d agent-minutes staged", rows)
	if dup > 0 {
		t.Errorf("%d agent-minutes stored as more than one batch", dup)
	}
	return dup
}

// storedRows reads every record of the store as a --out row, keyed by
// minute and series.
func storedRows(st *store.Store) (map[string]string, error) {
	rows := map[string]string{}
	err := st.ReadMinutes(context.Background(), 0, math.MaxInt64, func(m int64, recs []slawatch.SeriesMinute) error {
		for _, r := range recs {
			rows[strconv.FormatInt(m, 10)+","+r.Series] = csvRow(m, r)
		}
		return nil
	})
	return rows, err
}

// outRecords reads an agent's --out file, keyed as storedRows keys; a
// record written twice fails the test.
func outRecords(t *testing.T, path string) map[string]string {
	t.Helper()
	rows := map[string]string{}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return rows
	}
	if err != nil {
		t.Fatal(err)
	}
	// the header, the lines, and after the last newline nothing or a
	// line being written
	lines := strings.Split(string(data), "\n")
	if len(lines) < 2 {
		return rows
	}
	for _, line := range lines[1 : len(lines)-1] {
		f := strings.Split(line, ",")
		if len(f) != 10 {
			t.Fatalf("%s: %q: want 10 fields", path, line)
		}
		at, err := time.Parse(time.RFC3339, f[0])
		if err != nil {
			t.Fatalf("%s: %q: %v", path, line, err)
		}
		k := strconv.FormatInt(at.Unix()/60, 10) + "," + f[1]
		if _, dup := rows[k]; dup {
			t.Errorf("%s: %s,%s written twice", path, f[0], f[1])
		}
		rows[k] = line
	}
	return rows
}

func seriesOf(key string) string { _, s, _ := strings.Cut(key, ","); return s }

func minuteOf(key string) int64 {
	m, _, _ := strings.Cut(key, ",")
	n, _ := strconv.ParseInt(m, 10, 64)
	return n
}

func lastMinute(rows map[string]string) int64 {
	last := int64(math.MinInt64)
	for k := range rows {
		last = max(last, minuteOf(k))
	}
	return last
}

func countMinutes(rows map[string]string) int {
	ms := map[int64]bool{}
	for k := range rows {
		ms[minuteOf(k)] = true
	}
	return len(ms)
}

func subset(a, b map[string]string) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// writeAgentConfig writes the agent.yaml of agent number i: n targets
// probed every 500 ms, series named after the agent. Where ICMP is
// allowed, a fifth of them (at most 100) connect to the test's TCP
// listener and the rest ping loopback addresses 127.(i+1).x.y; otherwise
// all connect.
func writeAgentConfig(t *testing.T, dir, name string, i, n int, tcpAddr string) (string, []string) {
	var b strings.Builder
	var series []string
	fmt.Fprintf(&b, "agent: %s\ndefaults: {interval: 500ms, timeout: 400ms}\nspool: {dir: %s}\ntargets:\n",
		name, filepath.Join(dir, name+"-spool"))
	tcp := n
	if p, err := probe.ListenPinger(false, ""); err == nil {
		p.Close()
		tcp = max(min(n/5, 100), 1)
	} else {
		t.Logf("no ICMP here (%v): TCP targets only", err)
	}
	for j := range n {
		if j < tcp {
			fmt.Fprintf(&b, "  - {series: %s-tcp-%05d, tcp: {address: %q}}\n", name, j, tcpAddr)
			series = append(series, fmt.Sprintf("%s-tcp-%05d", name, j))
			continue
		}
		k := j - tcp
		fmt.Fprintf(&b, "  - {series: %s-icmp-%05d, icmp: {host: 127.%d.%d.%d}}\n", name, k, i+1, k/250, k%250+1)
		series = append(series, fmt.Sprintf("%s-icmp-%05d", name, k))
	}
	path := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, series
}

// assignSeries makes a customer per agent, through the API with the
// first operator token, and assigns it the agent's series: an agent
// delivers only series assigned to it.
func assignSeries(t *testing.T, url, data string, agents []*e2eAgent) {
	t.Helper()
	tok, err := os.ReadFile(filepath.Join(data, "operator.token"))
	if err != nil {
		t.Fatal(err)
	}
	post := func(path string, body any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", url+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			out, _ := io.ReadAll(resp.Body)
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, out)
		}
	}
	for _, a := range agents {
		cust := "cust-" + a.name
		post("/api/customers", map[string]string{"id": cust})
		var xs []map[string]any
		for _, name := range a.series {
			xs = append(xs, map[string]any{"name": name, "agents": []string{a.name}})
		}
		post("/api/customers/"+cust+"/series", map[string]any{"series": xs})
	}
}

// buildSlawatch builds the command into a temporary directory, with the
// race detector when the test has it.
func buildSlawatch(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build slawatch with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "slawatch")
	args := []string{"build", "-o", bin}
	if raceEnabled() {
		args = append(args, "-race")
	}
	cmd := exec.Command(gobin, append(args, ".")...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
}

func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// runBin runs the binary to completion and returns its standard output.
func runBin(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("slawatch %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// proc is a process of the binary in a process group of its own, its
// output in a log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

func startProc(t *testing.T, bin, logFile string, args ...string) *proc {
	t.Helper()
	f, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatal(err)
	}
	p := &proc{name: args[0], cmd: cmd, log: logFile, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); f.Close(); close(p.done) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		if t.Failed() {
			t.Logf("%s %s:\n%s", p.name, filepath.Base(logFile), p.tail())
		}
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill kills the process group at once.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T, timeout time.Duration) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("%s did not stop within %s of SIGTERM:\n%s", p.name, timeout, p.tail())
	}
	if p.err != nil {
		t.Errorf("%s: %v after SIGTERM:\n%s", p.name, p.err, p.tail())
	}
}

// tail returns the last lines of the process's log.
func (p *proc) tail() string {
	data, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	return strings.Join(lines[max(0, len(lines)-40):], "\n")
}

// waitFor polls cond every second until it holds; it fails the test at
// the timeout, on cond's error, or when p exits.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() (bool, error), p *proc) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		switch {
		case err != nil:
			t.Fatalf("waiting for %s: %v", what, err)
		case ok:
			return
		case p.exited():
			t.Fatalf("waiting for %s: %s exited: %v\n%s", what, p.name, p.err, p.tail())
		case time.Now().After(deadline):
			t.Fatalf("%s did not happen within %s", what, timeout)
		}
		time.Sleep(time.Second)
	}
}

func waitHealthy(t *testing.T, url string, p *proc) {
	t.Helper()
	waitFor(t, "the server to answer /healthz", 30*time.Second, func() (bool, error) {
		resp, err := http.Get(url + "/healthz")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	}, p)
}

// ingestedMinutes reads slawatch_ingest_minutes_total from /metrics; 0
// when the server does not answer.
func ingestedMinutes(url string) float64 {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "slawatch_ingest_minutes_total "); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return n
		}
	}
	io.Copy(io.Discard, resp.Body)
	return 0
}

// freeAddr returns a loopback address with a port free now, for a server
// that must come back on the same port.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// listenAcceptClose opens a TCP listener that accepts and closes every
// connection, the agents' TCP target.
func listenAcceptClose(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go acceptAndClose(ln)
	return ln.Addr().String()
}
