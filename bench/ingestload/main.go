// Command ingestload measures how fast `slawatch serve` takes minute
// records: C simulated agents, each with its own agent token, POST
// bodies of package ingest to /api/ingest, minute after minute of N
// series each, for a given time, and it reports the records a second
// acknowledged, the request latencies and the server's evaluation lag
// (slawatch_evaluation_lag_seconds from /metrics). bench/serve-ingest.sh
// drives it; see bench/serve.md.
//
//	ingestload assign -url URL -token OPTOKEN -tokens FILE -series N   assign each agent its series
//	ingestload seed  -url URL -tokens FILE -minute M     one record per agent at minute M
//	ingestload run   -url URL -tokens FILE -from M [-series N] [-duration D] [-body-minutes K] [-every D]
//	ingestload serve -data DIR [-db URL] -listen ADDR -pprof ADDR
//	ingestload pg create URL | pg drop URL
//
// Minutes are historic and every agent delivers them in order, so the
// server judges a minute as soon as the last agent has delivered it.
// The server only judges minutes after the last one each agent had
// delivered when it started (agents heard from in the last day hold
// judging back), which is why the script seeds a minute per agent a day
// back and restarts the server before the run.
//
// The server takes only the series assigned to the agent delivering
// them, so assign names each agent as the one agent of its series
// (POST /api/series, 10,000 a request) before the run.
//
// -every paces each agent at one POST every D, the agents spread evenly
// over D, as agents in steady state deliver once a minute (-every 1m,
// or -every 1s for sixty times that rate); without it every agent sends
// again as soon as it is answered, which measures the most the server
// takes, and latency under that saturation.
//
// serve runs the same server as `slawatch serve` (SQLite in -data, or
// -db) with net/http/pprof on -pprof, to profile it under this load.
// pg create makes a fresh schema in a PostgreSQL database and prints the
// URL that selects it; pg drop drops it.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	_ "net/http/pprof" // the -pprof listener of serve
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/slawatch/slawatch"
	"github.com/slawatch/slawatch/ingest"
	"github.com/slawatch/slawatch/server"
	"github.com/slawatch/slawatch/store"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ingestload seed|run|serve|pg ...")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "assign":
		err = assign(ctx, os.Args[2:])
	case "seed":
		err = seed(ctx, os.Args[2:])
	case "run":
		err = runLoad(ctx, os.Args[2:])
	case "serve":
		err = serve(ctx, os.Args[2:])
	case "pg":
		err = pg(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ingestload:", err)
		os.Exit(1)
	}
}

// pops names the simulated agents' points of presence.
var pops = []string{"tyo", "fra", "sin", "ams", "nyc", "sjc", "lon", "syd", "gru", "jnb", "bom", "icn"}

// agentSim is one simulated agent: its token, client and minute
// variants (records of every series; minute m sends variant m mod len).
type agentSim struct {
	name     string
	client   *ingest.Client
	variants [][]slawatch.SeriesMinute
}

// newAgents makes an agent per token, each with series of its own,
// sorted, as an agent sends them.
func newAgents(url string, tokens []string, series, variants int) []*agentSim {
	tr := &http.Transport{MaxIdleConnsPerHost: len(tokens), MaxConnsPerHost: len(tokens),
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}
	hc := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	var agents []*agentSim
	for i, tok := range tokens {
		pop := fmt.Sprintf("%s%d", pops[i%len(pops)], i/len(pops)+1)
		a := &agentSim{name: pop, client: &ingest.Client{URL: url, Token: tok, HTTP: hc}}
		rng := mrand.New(mrand.NewPCG(uint64(i), 42))
		base := make([]uint32, series)
		for j := range base {
			base[j] = 8000 + rng.Uint32N(20000) // 8 to 28 ms
		}
		for range variants {
			recs := make([]slawatch.SeriesMinute, series)
			for j := range recs {
				recs[j] = slawatch.SeriesMinute{Series: seriesName(pop, j), M: minute(rng, base[j])}
			}
			a.variants = append(a.variants, recs)
		}
		agents = append(agents, a)
	}
	return agents
}

// minute is a minute of 60 probes around base µs: RTTs within ±2 ms,
// now and then one lost, and one series-minute in 1,000 all lost.
func minute(rng *mrand.Rand, base uint32) slawatch.Minute {
	var m slawatch.Minute
	if rng.IntN(1000) == 0 {
		m.Sent = 60
		return m
	}
	for range 60 {
		if rng.IntN(500) == 0 {
			m.AddLost()
			continue
		}
		m.AddReply(base - 2000 + rng.Uint32N(4001))
	}
	return m
}

// body encodes minutes [from, from+n) of agent a.
func (a *agentSim) body(b []byte, from int64, n int) []byte {
	b = b[:0]
	for m := from; m < from+int64(n); m++ {
		b = ingest.AppendBlock(b, m, a.variants[int(m)%len(a.variants)])
	}
	return b
}

func readTokens(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	toks := strings.Fields(string(data))
	if len(toks) == 0 {
		return nil, fmt.Errorf("%s: no tokens", path)
	}
	return toks, nil
}

// seed delivers one record per agent at -minute, so that a restarted
// server judges from the minute after it.
func seed(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	url := fs.String("url", "http://127.0.0.1:8080", "the server's `URL`")
	tokFile := fs.String("tokens", "", "agent tokens, one a line (`FILE`)")
	m := fs.Int64("minute", 0, "the Unix `minute` to seed")
	fs.Parse(args)
	toks, err := readTokens(*tokFile)
	if err != nil {
		return err
	}
	for _, a := range newAgents(*url, toks, 1, 1) {
		if _, err := a.client.Deliver(ctx, a.body(nil, *m, 1)); err != nil {
			return fmt.Errorf("seed %s: %w", a.name, err)
		}
	}
	return nil
}

// assign makes each agent the one agent of its -series series, shared
// series of the provider, 10,000 a request (the server's bound).
func assign(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("assign", flag.ExitOnError)
	url := fs.String("url", "http://127.0.0.1:8080", "the server's `URL`")
	opTok := fs.String("token", "", "an operator `token`")
	tokFile := fs.String("tokens", "", "agent tokens, one a line (`FILE`)")
	series := fs.Int("series", 10000, "series per agent")
	fs.Parse(args)
	toks, err := readTokens(*tokFile)
	if err != nil {
		return err
	}
	type assignment struct {
		Name   string   `json:"name"`
		Agents []string `json:"agents"`
	}
	var batch []assignment
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		body, err := json.Marshal(map[string]any{"series": batch})
		if err != nil {
			return err
		}
		batch = batch[:0]
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(*url, "/")+"/api/series", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+*opTok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
			return fmt.Errorf("assign series: %s: %s", resp.Status, msg)
		}
		return nil
	}
	for i := range toks {
		pop := fmt.Sprintf("%s%d", pops[i%len(pops)], i/len(pops)+1)
		for j := range *series {
			batch = append(batch, assignment{Name: seriesName(pop, j), Agents: []string{"pop-" + pop}})
			if len(batch) == 10000 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// seriesName is the j-th series of the agent at pop.
func seriesName(pop string, j int) string { return fmt.Sprintf("pop-%s-cust-%06d", pop, j) }

// result is what one agent did.
type result struct {
	records, requests, minutes int
	errors                     int
	firstErr                   error
	latencies                  []time.Duration
}

// runLoad runs the agents for -duration and prints the figures.
func runLoad(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	url := fs.String("url", "http://127.0.0.1:8080", "the server's `URL`")
	tokFile := fs.String("tokens", "", "agent tokens, one a line (`FILE`): one simulated agent each")
	series := fs.Int("series", 10000, "series per agent")
	from := fs.Int64("from", 0, "the first Unix `minute` to deliver")
	duration := fs.Duration("duration", 30*time.Second, "how long to deliver")
	bodyMinutes := fs.Int("body-minutes", 1, "minutes per POST (the agent sends 1 in steady state, up to 64 or 1 MiB catching up)")
	every := fs.Duration("every", 0, "each agent POSTs once every `D`, the agents spread over D (0: as fast as answered)")
	fs.Parse(args)
	toks, err := readTokens(*tokFile)
	if err != nil {
		return err
	}
	agents := newAgents(*url, toks, *series, 16)
	before, err := scrape(*url)
	if err != nil {
		return err
	}
	runCtx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	results := make([]result, len(agents))
	start := time.Now()
	var wg sync.WaitGroup
	for i, a := range agents {
		if *every > 0 {
			first := start.Add(*every * time.Duration(i) / time.Duration(len(agents)))
			wg.Go(func() { results[i] = a.deliverPaced(runCtx, *from, *bodyMinutes, first, *every) })
			continue
		}
		wg.Go(func() { results[i] = a.deliver(runCtx, *from, *bodyMinutes) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	time.Sleep(2 * time.Second) // the evaluation judges the last complete minute
	after, err := scrape(*url)
	if err != nil {
		return err
	}
	report(os.Stdout, results, elapsed, *series, *bodyMinutes, before, after)
	return nil
}

// deliver sends minute after minute from from until ctx is done; a
// request cut off by the end of the run is not counted.
func (a *agentSim) deliver(ctx context.Context, from int64, n int) result {
	var r result
	var b []byte
	for m := from; ctx.Err() == nil; {
		b = a.body(b, m, n)
		t := time.Now()
		res, err := a.client.Deliver(ctx, b)
		d := time.Since(t)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			r.errors++
			if r.firstErr == nil {
				r.firstErr = err
			}
			time.Sleep(100 * time.Millisecond)
			continue // the same minutes again, as an agent does
		}
		r.requests++
		r.minutes += res.Minutes
		r.records += res.Records
		r.latencies = append(r.latencies, d)
		m += int64(n)
	}
	return r
}

// deliverPaced sends one POST at start, start+every, ... until ctx is
// done; a POST answered after its next is due delays that one (no burst
// to catch up), and the report counts the latency of every POST.
func (a *agentSim) deliverPaced(ctx context.Context, from int64, n int, start time.Time, every time.Duration) result {
	var r result
	var b []byte
	next := start
	for m := from; ; {
		select {
		case <-ctx.Done():
			return r
		case <-time.After(time.Until(next)):
		}
		b = a.body(b, m, n)
		t := time.Now()
		res, err := a.client.Deliver(ctx, b)
		d := time.Since(t)
		if ctx.Err() != nil {
			return r
		}
		next = next.Add(every)
		if err != nil {
			r.errors++
			if r.firstErr == nil {
				r.firstErr = err
			}
			continue
		}
		r.requests++
		r.minutes += res.Minutes
		r.records += res.Records
		r.latencies = append(r.latencies, d)
		m += int64(n)
	}
}

func report(w io.Writer, results []result, elapsed time.Duration, series, bodyMinutes int, before, after metrics) {
	var all []time.Duration
	var recs, reqs, errs int
	var firstErr error
	for _, r := range results {
		all = append(all, r.latencies...)
		recs, reqs, errs = recs+r.records, reqs+r.requests, errs+r.errors
		if firstErr == nil {
			firstErr = r.firstErr
		}
	}
	slices.Sort(all)
	fmt.Fprintf(w, "agents                 %d (x %d series, %d minute(s) a request)\n", len(results), series, bodyMinutes)
	fmt.Fprintf(w, "duration               %.1f s\n", elapsed.Seconds())
	fmt.Fprintf(w, "requests acknowledged  %d (%.1f/s), errors %d\n", reqs, float64(reqs)/elapsed.Seconds(), errs)
	if firstErr != nil {
		fmt.Fprintf(w, "first error            %v\n", firstErr)
	}
	fmt.Fprintf(w, "records acknowledged   %d\n", recs)
	fmt.Fprintf(w, "records/s              %.0f\n", float64(recs)/elapsed.Seconds())
	fmt.Fprintf(w, "latency p50            %s\n", quantile(all, 0.50))
	fmt.Fprintf(w, "latency p99            %s\n", quantile(all, 0.99))
	fmt.Fprintf(w, "latency max            %s\n", quantile(all, 1))
	fmt.Fprintf(w, "server records counted %.0f (slawatch_ingest_records_total delta)\n", after.get("slawatch_ingest_records_total")-before.get("slawatch_ingest_records_total"))
	lag := after.histogram("slawatch_evaluation_lag_seconds").minus(before.histogram("slawatch_evaluation_lag_seconds"))
	fmt.Fprintf(w, "evaluation lag         %d observations, mean %s, p50 <= %s, p99 <= %s, max <= %s\n",
		int(lag.count), lag.mean(), lag.quantile(0.5), lag.quantile(0.99), lag.quantile(1))
	fmt.Fprintf(w, "evaluation lag buckets %s\n", lag)
	fmt.Fprintf(w, "judged up to           %s, pending minutes %.0f, pending records %.0f, late records %.0f\n",
		time.Unix(int64(after.get("slawatch_judged_minute_timestamp_seconds")), 0).UTC().Format(time.RFC3339),
		after.get("slawatch_pending_minutes"), after.get("slawatch_pending_records"),
		after.get("slawatch_late_records_total")-before.get("slawatch_late_records_total"))
	fmt.Fprintf(w, "server CPU             %.1f s (process_cpu_seconds_total delta), max RSS now %.0f MiB\n",
		after.get("process_cpu_seconds_total")-before.get("process_cpu_seconds_total"), after.get("process_resident_memory_bytes")/(1<<20))
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := min(int(q*float64(len(sorted))), len(sorted)-1)
	return sorted[i].Round(10 * time.Microsecond)
}

// metrics are the samples of a /metrics page, by name with labels.
type metrics map[string]float64

func scrape(url string) (metrics, error) {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	m := metrics{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			m[line[:i]] = v
		}
	}
	return m, sc.Err()
}

func (m metrics) get(name string) float64 { return m[name] }

// histogram is a Prometheus histogram: cumulative counts by upper bound.
type histogram struct {
	les        []float64
	counts     []float64
	count, sum float64
}

func (m metrics) histogram(name string) histogram {
	h := histogram{count: m[name+"_count"], sum: m[name+"_sum"]}
	prefix := name + `_bucket{le="`
	for k, v := range m {
		le, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		b, err := strconv.ParseFloat(strings.TrimSuffix(le, `"}`), 64)
		if err != nil {
			continue
		}
		h.les, h.counts = append(h.les, b), append(h.counts, v)
	}
	idx := make([]int, len(h.les))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case h.les[a] < h.les[b]:
			return -1
		case h.les[a] > h.les[b]:
			return 1
		}
		return 0
	})
	les, counts := make([]float64, len(idx)), make([]float64, len(idx))
	for i, j := range idx {
		les[i], counts[i] = h.les[j], h.counts[j]
	}
	h.les, h.counts = les, counts
	return h
}

// minus is the histogram of the observations after o was taken.
func (h histogram) minus(o histogram) histogram {
	r := histogram{les: h.les, counts: slices.Clone(h.counts), count: h.count - o.count, sum: h.sum - o.sum}
	for i := range r.counts {
		if i < len(o.counts) {
			r.counts[i] -= o.counts[i]
		}
	}
	return r
}

func (h histogram) mean() string {
	if h.count == 0 {
		return "n/a"
	}
	return seconds(h.sum / h.count)
}

// quantile is the upper bound of the bucket that holds quantile q.
func (h histogram) quantile(q float64) string {
	if h.count == 0 {
		return "n/a"
	}
	for i, c := range h.counts {
		if c >= q*h.count {
			return seconds(h.les[i])
		}
	}
	return "+Inf"
}

func (h histogram) String() string {
	var b strings.Builder
	prev := 0.0
	for i, c := range h.counts {
		if c > prev {
			fmt.Fprintf(&b, "<=%s:%.0f ", seconds(h.les[i]), c-prev)
		}
		prev = c
	}
	return strings.TrimSpace(b.String())
}

func seconds(s float64) string {
	if s > 1e300 {
		return "+Inf"
	}
	return time.Duration(s * float64(time.Second)).Round(10 * time.Microsecond).String()
}

// serve runs the server as `slawatch serve` does, with pprof.
func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	data := fs.String("data", "slawatch-data", "data `DIR`")
	db := fs.String("db", "", "database `URL` (default: SQLite in -data)")
	listen := fs.String("listen", "127.0.0.1:8080", "listen on `ADDR`")
	pprofAddr := fs.String("pprof", "127.0.0.1:6060", "net/http/pprof on `ADDR`")
	fs.Parse(args)
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	url := *db
	if url == "" {
		if err := os.MkdirAll(*data, 0o750); err != nil {
			return err
		}
		url = filepath.Join(*data, store.DefaultFile)
	}
	st, err := store.Open(ctx, url, store.Options{Logger: log, RetentionDays: 400})
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := server.New(ctx, server.Config{Store: st, Logger: log, IngestRate: 1e9, IngestBurst: 1e9}) // the store is measured, not the limit
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	go func() {
		if err := http.ListenAndServe(*pprofAddr, nil); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("pprof", "err", err)
		}
	}()
	log.Info("serving", "addr", ln.Addr().String(), "backend", st.Backend(), "pprof", *pprofAddr)
	return srv.ListenAndServe(ctx, ln)
}

// pg creates a fresh schema ("pg create URL" prints the URL that selects
// it) or drops one ("pg drop URL", the URL create printed).
func pg(ctx context.Context, args []string) error {
	if len(args) != 2 || (args[0] != "create" && args[0] != "drop") {
		return errors.New("usage: ingestload pg create|drop URL")
	}
	db, err := sql.Open("pgx", args[1])
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "drop" {
		_, schema, ok := strings.Cut(args[1], "search_path=")
		schema, _, _ = strings.Cut(schema, "&")
		if !ok || !strings.HasPrefix(schema, "slawatch_bench_") {
			return fmt.Errorf("%s: no search_path=slawatch_bench_... to drop", args[1])
		}
		_, err = db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		return err
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "slawatch_bench_" + hex.EncodeToString(b[:])
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return err
	}
	sep := "?"
	if strings.Contains(args[1], "?") {
		sep = "&"
	}
	fmt.Println(args[1] + sep + "search_path=" + schema)
	return nil
}
