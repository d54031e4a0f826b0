// Package demo is `slawatch demo`: the whole system in one process, on
// loopback, with nothing to install or configure. It opens an embedded
// SQLite database in a directory of its own, back-fills a month and more
// of made-up but plausible history through the store, starts the server
// with an SMTP server of its own as the notification relay, starts TCP
// listeners and an agent that probes them every second with real TCP
// connects, and closes one listener for a few minutes every so often, so
// that real outages are detected, judged and notified. The mail the
// server sends is kept in memory and shown at /demo/mail.
//
// Nothing here is a shortcut through the server: the demo sets itself up
// through the API, its agent delivers over HTTP to /api/ingest, and the
// history goes through store.WriteBlocks as any agent's records would.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/slawatch/slawatch/agent"
	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/server"
	"github.com/slawatch/slawatch/server/auth"
	"github.com/slawatch/slawatch/server/portal"
	"github.com/slawatch/slawatch/store"
)

// Config is the demo's configuration. Zero fields take the defaults noted.
type Config struct {
	// Dir keeps the data (the database, tokens, contracts); "" makes a
	// temporary directory, removed when the demo stops.
	Dir string
	// Addr is where the server listens (default 127.0.0.1:8080); when it
	// is taken, a free port on the same host.
	Addr string
	// OutageEvery and OutageFor: the outage listener closes for OutageFor
	// every OutageEvery (default 10 and 6 minutes: long enough for IIJ's
	// 5 silent minutes), the first time OutageLead after the start
	// (default 1 minute).
	OutageEvery, OutageFor, OutageLead time.Duration
	// Seed makes the history (default 1).
	Seed uint64
	// Clock is the agent's, the server's and the schedule's clock
	// (agent.RealClock when nil); tests run it faster.
	Clock agent.Clock
	// Logger takes the server's and the agent's logs (discarded when nil).
	Logger *slog.Logger
	// Out is where the demo tells its user what it does (discarded when nil).
	Out io.Writer
	// Ready, when set, is called once the demo serves.
	Ready func(Info)
}

// Info is what the demo prints when it is ready.
type Info struct {
	URL           string
	Dir           string
	OperatorToken string
	Customer      string // the customer CustomerToken names
	CustomerToken string
	Months        []string // the back-filled months, "YYYY-MM"
	Records       int      // back-filled minute records
	Backfill      time.Duration
	Startup       time.Duration // from Run to serving, back-fill included
}

// DefaultAddr is where the demo listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8080"

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.OutageEvery <= 0 {
		c.OutageEvery = 10 * time.Minute
	}
	if c.OutageFor <= 0 {
		c.OutageFor = 6 * time.Minute
	}
	if c.OutageLead <= 0 {
		c.OutageLead = time.Minute
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Clock == nil {
		c.Clock = agent.RealClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Out == nil {
		c.Out = io.Discard
	}
	return c
}

// Validate checks the outage schedule.
func (c Config) Validate() error {
	if c.OutageEvery < 0 || c.OutageFor < 0 || c.OutageLead < 0 {
		return fmt.Errorf("outage-every %s, outage-for %s: want positive durations", c.OutageEvery, c.OutageFor)
	}
	c = c.withDefaults()
	if c.OutageFor >= c.OutageEvery {
		return fmt.Errorf("outage-for %s: want less than outage-every %s (the listener must come back between outages)", c.OutageFor, c.OutageEvery)
	}
	return nil
}

// Run runs the demo until ctx is done, then stops everything it started
// and removes the directory it made.
func Run(ctx context.Context, cfg Config) (err error) {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg = cfg.withDefaults()
	d := &demo{cfg: cfg, t0: time.Now(), log: cfg.Logger}
	defer func() { err = errors.Join(err, d.close()) }()
	if err := d.start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // Ctrl-C while starting: not a failure
		}
		return err
	}
	<-ctx.Done()
	fmt.Fprintln(cfg.Out, "stopping")
	return nil
}

// demo is one run: what it started, to be stopped in reverse order.
type demo struct {
	cfg   Config
	t0    time.Time
	log   *slog.Logger
	mute  *muteHandler
	dir   string
	temp  bool
	mail  *Mailbox
	lns   map[string]*Listener
	st    *store.Store
	info  Info
	stops []func() error // in reverse order of start
}

func (d *demo) start(ctx context.Context) error {
	if err := d.makeDir(); err != nil {
		return err
	}
	var err error
	if d.mail, err = StartMailbox(d.log, d.cfg.Clock.Now, d.tellMail); err != nil {
		return err
	}
	d.stops = append(d.stops, d.mail.Close)
	if err := d.listen(); err != nil {
		return err
	}
	if d.st, err = store.Open(ctx, filepath.Join(d.dir, store.DefaultFile), store.Options{Logger: d.log, Exclusive: true}); err != nil {
		return err
	}
	d.stops = append(d.stops, d.st.Close)
	fresh, after, err := d.prepareStore(ctx)
	if err != nil {
		return err
	}
	a, err := d.serve(ctx)
	if err != nil {
		return err
	}
	if err := d.setUp(ctx, a, fresh); err != nil {
		return err
	}
	if err := d.startProbing(ctx, a, after); err != nil {
		return err
	}
	d.info.Startup = time.Since(d.t0)
	d.tellReady()
	if d.cfg.Ready != nil {
		d.cfg.Ready(d.info)
	}
	return nil
}

// close stops what start started, last first, and removes a temporary
// directory.
func (d *demo) close() error {
	var errs []error
	for i := len(d.stops) - 1; i >= 0; i-- {
		errs = append(errs, d.stops[i]())
	}
	if d.temp {
		errs = append(errs, os.RemoveAll(d.dir))
	}
	return errors.Join(errs...)
}

func (d *demo) makeDir() error {
	if d.cfg.Dir == "" {
		dir, err := os.MkdirTemp("", "slawatch-demo-")
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		d.dir, d.temp = dir, true
	} else {
		if err := os.MkdirAll(d.cfg.Dir, 0o750); err != nil {
			return fmt.Errorf("demo: --dir: %w", err)
		}
		d.dir = d.cfg.Dir
	}
	d.info.Dir = d.dir
	return nil
}

func (d *demo) listen() error {
	d.lns = map[string]*Listener{}
	d.stops = append(d.stops, func() error {
		for _, l := range d.lns {
			l.Close()
		}
		return nil
	})
	for _, name := range listenerNames() {
		l, err := Listen(name)
		if err != nil {
			return err
		}
		d.lns[name] = l
	}
	return nil
}

// prepareStore back-fills a fresh database and makes its operator token;
// a database kept from an earlier run (--dir) keeps its history, and its
// gap since shows as unknown. after is the last minute already stored.
func (d *demo) prepareStore(ctx context.Context) (fresh bool, after int64, err error) {
	latest, err := d.st.AgentMinutes(ctx)
	if err != nil {
		return false, 0, err
	}
	if last, ok := latest[AgentName]; ok {
		tok, err := os.ReadFile(filepath.Join(d.dir, "operator.token"))
		if err != nil {
			return false, 0, fmt.Errorf("demo: --dir %s holds an earlier demo but not its operator token: %w", d.dir, err)
		}
		d.info.OperatorToken = strings.TrimSpace(string(tok))
		return false, last, nil
	}
	now := d.cfg.Clock.Now().Unix() / 60
	h := d.history(now)
	t := time.Now()
	if d.info.Records, err = h.Write(ctx, d.st); err != nil {
		return false, 0, err
	}
	d.info.Backfill = time.Since(t)
	for m := time.Unix(h.From*60, 0).In(h.Loc); m.Unix()/60 < h.To; m = m.AddDate(0, 1, 0) {
		d.info.Months = append(d.info.Months, m.Format("2006-01"))
	}
	tok, err := auth.CreateToken(ctx, d.st, auth.RoleOperator, "", "", "demo operator")
	if err != nil {
		return false, 0, err
	}
	d.info.OperatorToken = tok
	return true, now - 1, d.writeFile("operator.token", tok+"\n")
}

// history is the back-fill: from the start of the month before the
// current one (in the contracts' zone) to the minute before now.
func (d *demo) history(now int64) History {
	loc := demoLocation()
	t := time.Unix(now*60, 0).In(loc)
	from := time.Date(t.Year(), t.Month()-1, 1, 0, 0, 0, 0, loc)
	return History{From: from.Unix() / 60, To: now, Seed: d.cfg.Seed, Loc: loc}
}

// demoLocation is the contracts' time zone.
func demoLocation() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil { // no zoneinfo and no time/tzdata: the offset is enough
		return time.FixedZone("JST", 9*3600)
	}
	return loc
}

func (d *demo) writeFile(name, content string) error {
	if err := os.WriteFile(filepath.Join(d.dir, name), []byte(content), 0o600); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// serve starts the server with the mailbox as its relay, and /demo/mail
// in front of its handler.
func (d *demo) serve(ctx context.Context) (*api, error) {
	d.mute = newMuteHandler(d.log.Handler())
	d.mute.on.Store(true)
	srv, err := server.New(ctx, server.Config{Store: d.st, Logger: slog.New(d.mute), Now: d.cfg.Clock.Now,
		Notify: notify.Config{SMTP: notify.SMTP{Addr: d.mail.Addr, StartTLS: notify.StartTLSNever},
			From: "slawatch demo <noc@demo.invalid>", FaxGateway: "{number}@fax.demo.invalid"},
		PortalLinks: []portal.Link{{Title: "Demo mail", URL: "/demo/mail"}}})
	if err != nil {
		return nil, err
	}
	ln, err := listenAddr(d.cfg.Addr)
	if err != nil {
		return nil, err
	}
	d.info.URL = "http://" + ln.Addr().String()
	d.stops = append(d.stops, serveHTTP(srv, ln, d.mail.Handler(srv.Handler()), d.log))
	return &api{url: d.info.URL, token: d.info.OperatorToken, hc: &http.Client{Timeout: time.Minute}}, nil
}

// listenAddr listens on addr, or on a free port of its host when addr's
// port is taken.
func listenAddr(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	host, _, serr := net.SplitHostPort(addr)
	if serr != nil {
		return nil, fmt.Errorf("demo: --addr %q: %w", addr, serr)
	}
	ln, err2 := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err2 != nil {
		return nil, fmt.Errorf("demo: --addr %q: %w", addr, errors.Join(err, err2))
	}
	return ln, nil
}

// serveHTTP serves h on ln and runs the server's background work; the
// function it returns stops both, letting requests in flight finish.
func serveHTTP(srv *server.Server, ln net.Listener, h http.Handler, log *slog.Logger) func() error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	bg, stopBG := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); srv.Run(bg) }()
	served := make(chan error, 1)
	go func() { defer wg.Done(); served <- hs.Serve(ln) }()
	return func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := hs.Shutdown(sctx)
		stopBG()
		wg.Wait()
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		return err
	}
}

// setUp makes the customers, series, contracts and tokens of a fresh
// demo, and settles its history; a kept one reads its tokens back.
func (d *demo) setUp(ctx context.Context, a *api, fresh bool) error {
	defer d.mute.on.Store(false)
	d.info.Customer = customers[0].ID
	if !fresh {
		return d.readTokens()
	}
	t, err := a.setup(ctx)
	if err != nil {
		return err
	}
	d.info.CustomerToken = t.Customer
	for _, c := range customers {
		yaml, err := contractYAML(c)
		if err != nil {
			return err
		}
		if err := d.writeFile(c.ID+".yaml", string(yaml)); err != nil {
			return err
		}
	}
	for name, tok := range map[string]string{"agent.token": t.Agent, d.info.Customer + ".token": t.Customer} {
		if err := d.writeFile(name, tok+"\n"); err != nil {
			return err
		}
	}
	h := d.history(d.cfg.Clock.Now().Unix() / 60)
	monthStart := time.Unix(h.To*60, 0).In(h.Loc)
	monthStart = time.Date(monthStart.Year(), monthStart.Month(), 1, 0, 0, 0, 0, h.Loc)
	return a.history(ctx, h.Outages(), monthStart.Unix()/60, h.Loc, time.Minute)
}

func (d *demo) readTokens() error {
	for _, f := range []struct {
		name string
		dst  *string
	}{{d.info.Customer + ".token", &d.info.CustomerToken}} {
		b, err := os.ReadFile(filepath.Join(d.dir, f.name))
		if err != nil {
			return fmt.Errorf("demo: --dir %s: %w", d.dir, err)
		}
		*f.dst = strings.TrimSpace(string(b))
	}
	return nil
}

// startProbing starts the agent and the outage schedule.
func (d *demo) startProbing(ctx context.Context, a *api, after int64) error {
	tok, err := os.ReadFile(filepath.Join(d.dir, "agent.token"))
	if err != nil {
		return fmt.Errorf("demo: the agent's token: %w", err)
	}
	cfg, err := agentConfig(d.lns)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	d.stops = append(d.stops, func() error { cancel(); wg.Wait(); return nil })
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := runAgent(ctx, cfg, d.cfg.Clock, after, a.url, strings.TrimSpace(string(tok)), d.log); err != nil {
			d.log.Error("agent", "err", err)
		}
	}()
	sched := Schedule{Start: d.cfg.Clock.Now(), Lead: d.cfg.OutageLead, Every: d.cfg.OutageEvery, For: d.cfg.OutageFor}
	go func() {
		defer wg.Done()
		if err := sched.run(ctx, d.cfg.Clock, d.lns[OutageListener], d.tellOutage); err != nil {
			d.log.Error("outage schedule", "err", err)
		}
	}()
	return nil
}
