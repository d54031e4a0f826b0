package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slawatch/slawatch/server/auth"

	"go.yaml.in/yaml/v3"

	"github.com/slawatch/slawatch/internal/yamlerr"

	"github.com/slawatch/slawatch/notify"
	"github.com/slawatch/slawatch/server"
	"github.com/slawatch/slawatch/store"
)

// ServeCommand runs the server.
type ServeCommand struct {
	IO
	listen       string
	data         string
	db           string
	config       string
	retention    int
	grace        time.Duration
	reviseMonths int
	replica      string
	leaseTTL     time.Duration
	keyFile      string
	webhookAllow notify.Destinations
	ingestRate   float64
	logLevel     string
	logFormat    string
	cookieSecure bool
}

// serverConfig is the file --config names: how notices go out.
type serverConfig struct {
	Notify notify.Config `yaml:"notify"`
}

var serveHelp = help{
	usage: "slawatch serve [--listen ADDR] [--data DIR | --db URL] [--config FILE] [flags]",
	about: "The long-running system: stores the minute records agents deliver, evaluates every customer's " +
		"service levels month to date, detects outages and notifies them (email, webhook, fax), answers the " +
		"JSON API under /api/ and serves the portal at /. On first start it writes an operator token to " +
		"DATA/operator.token. See docs/server.md.",
	examples: []string{
		"# SQLite in ./slawatch-data, on 127.0.0.1:8080",
		"slawatch serve",
		"# PostgreSQL, notices through a relay",
		"slawatch serve --listen :8080 --db postgres://slawatch@db.example.net/slawatch --config server.yaml",
		"# one of two replicas on one PostgreSQL database, behind an HTTPS proxy, logs as JSON",
		"slawatch serve --db postgres://slawatch@db.example.net/slawatch --replica sw-fra1 --secret-key-file /etc/slawatch/secret.key \\",
		"    --cookie-secure --log-format json",
	},
}

// Run parses the flags and serves until interrupted.
func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	fs := c.flags()
	if err := parseFlags(fs, serveHelp, args, c.Stdout); err != nil {
		return err
	}
	if c.ingestRate <= 0 {
		return usagef("--ingest-rate %g: want a positive number of deliveries a second", c.ingestRate)
	}
	log, err := newLogger(c.Stderr, c.logLevel, c.logFormat)
	if err != nil {
		return err
	}
	var cfg serverConfig
	if c.config != "" {
		if cfg, err = readServerConfig(c.config); err != nil {
			return err
		}
	}
	st, err := openStore(ctx, c.data, c.db, store.Options{Logger: log, RetentionDays: c.retention, Exclusive: true})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := c.firstToken(ctx, st, log); err != nil {
		return err
	}
	if c.webhookAllow.String() != "" {
		cfg.Notify.WebhookAllow = c.webhookAllow
	}
	key, err := c.secretKey(log)
	if err != nil {
		return err
	}
	scfg := server.Config{Store: st, Notify: cfg.Notify, Logger: log, Grace: c.grace, ReviseMonths: c.reviseMonths,
		Replica: c.replica, LeaseTTL: c.leaseTTL, SecretKey: key, CookieSecure: c.cookieSecure,
		IngestRate: c.ingestRate, IngestBurst: max(1, int(5*c.ingestRate))}
	if c.retention > 0 {
		scfg.MaxPast = time.Duration(c.retention) * 24 * time.Hour // older minutes would be deleted at once
	}
	srv, err := server.New(ctx, scfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return err
	}
	log.Info("serving", "addr", ln.Addr().String(), "backend", st.Backend(), "replica", srv.ReplicaID())
	return srv.ListenAndServe(ctx, ln)
}

// flags defines the flags of serve into c.
func (c *ServeCommand) flags() *flag.FlagSet {
	fs := newFlagSet("serve")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8080", "listen on `ADDR`, host:port (an empty host: every interface), e.g. --listen :8080")
	fs.StringVar(&c.data, "data", "slawatch-data", "data `DIR`: the SQLite database, the secret key and the first operator token, e.g. /var/lib/slawatch")
	fs.StringVar(&c.db, "db", "", "database `URL` of PostgreSQL, for replicas or a database kept elsewhere (default: SQLite in --data), e.g. postgres://slawatch@db.example.net/slawatch")
	fs.StringVar(&c.config, "config", "", "server configuration `FILE` (YAML: notify: smtp, from, fax_gateway; docs/server.md), e.g. server.yaml")
	fs.IntVar(&c.retention, "retention-days", 400, "keep minute records this many `DAYS` (0: forever), e.g. 800 to keep two years for disputes")
	fs.DurationVar(&c.grace, "grace", 90*time.Second, "judge a customer's minute at the latest this long (`D`) after its end, whatever its agents do, e.g. 5m for agents behind a slow link")
	fs.IntVar(&c.reviseMonths, "revise-months", 1, "apply late data to a closed month until this many `MONTHS` after its end (a new revision of its final report), e.g. 0 to freeze a month once closed")
	fs.Float64Var(&c.ingestRate, "ingest-rate", 20, "deliveries a second (`N`) each agent may make (bursts of 5 seconds' worth); more are answered 429 and sent again later, e.g. 100 for agents catching up on a long spool")
	fs.TextVar(&c.webhookAllow, "webhook-allow", notify.Destinations{}, "let customers' webhooks reach these loopback, private or link-local `CIDRs` (comma-separated; default none, as notify.webhook_allow in --config), e.g. 10.0.0.0/8,192.168.7.0/24")
	fs.StringVar(&c.keyFile, "secret-key-file", "", "`FILE` of the key that seals webhook secrets in the database (64 hex digits; default DATA/secret.key, made on first start; replicas need the same), e.g. /etc/slawatch/secret.key")
	fs.StringVar(&c.replica, "replica", "", "this server's `NAME` among replicas sharing a PostgreSQL database (default: host, PID and a random part), e.g. sw-fra1")
	fs.DurationVar(&c.leaseTTL, "lease-ttl", 20*time.Second, "replicas: a dead replica's customers are taken over after this long (`D`, and a quarter more), e.g. 1m")
	fs.BoolVar(&c.cookieSecure, "cookie-secure", false, "mark the portal's session cookie Secure: browsers reach the server over HTTPS (directly or through a proxy), e.g. behind nginx terminating TLS")
	fs.StringVar(&c.logLevel, "log-level", "info", "`LEVEL` of the logs: debug, info, warn or error, e.g. --log-level debug")
	fs.StringVar(&c.logFormat, "log-format", "text", "`FORMAT` of the logs: text (for people) or json (one object a line, for a log collector), e.g. --log-format json")
	return fs
}

func newLogger(w interface{ Write([]byte) (int, error) }, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("--log-format %q: want text or json", format)
}

func readServerConfig(path string) (serverConfig, error) {
	var cfg serverConfig
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return cfg, yamlerr.Wrap(path, err, &cfg)
	}
	if err := cfg.Notify.Validate(); err != nil {
		return cfg, fmt.Errorf("%s: notify: %w", path, err)
	}
	return cfg, nil
}

// openStore opens --db, or the SQLite file in --data.
// A server opens SQLite exclusively: a second server on the same file is
// refused (several replicas need PostgreSQL).
func openStore(ctx context.Context, data, db string, opts store.Options) (*store.Store, error) {
	if db == "" {
		if err := os.MkdirAll(data, 0o750); err != nil {
			return nil, err
		}
		db = filepath.Join(data, store.DefaultFile)
	}
	return store.Open(ctx, db, opts)
}

// secretKey reads the key that seals webhook secrets: --secret-key-file,
// or DATA/secret.key, made (0600, 32 random bytes in hex) when absent.
func (c *ServeCommand) secretKey(log *slog.Logger) ([]byte, error) {
	path := c.keyFile
	if path == "" {
		path = filepath.Join(c.data, "secret.key")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(c.data, 0o750); err != nil {
				return nil, err
			}
			key := make([]byte, 32)
			rand.Read(key)
			if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
				return nil, err
			}
			log.Info("made the key that seals webhook secrets; replicas need a copy (--secret-key-file)", "file", path)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--secret-key-file: %w", err)
	}
	key, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%s: want 64 hex digits (32 bytes), one line", path)
	}
	return key, nil
}

// firstToken makes an operator token on the first start and writes it to
// operator.token in the data directory (mode 0600), so that a new server
// can be used at once.
func (c *ServeCommand) firstToken(ctx context.Context, st *store.Store, log *slog.Logger) error {
	n, err := st.CountTokens(ctx, auth.RoleOperator, time.Now())
	if err != nil || n > 0 {
		return err
	}
	if all, err := st.Tokens(ctx); err != nil {
		return err
	} else if len(all) > 0 {
		log.Warn("no valid operator token left (all revoked or expired): making a new first operator token")
	}
	if err := os.MkdirAll(c.data, 0o750); err != nil {
		return err
	}
	tok, err := auth.CreateToken(ctx, st, auth.RoleOperator, "", "", "first operator")
	if err != nil {
		return err
	}
	path := filepath.Join(c.data, "operator.token")
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return err
	}
	log.Info("created the first operator token", "file", path)
	return nil
}
