package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slawatch/slawatch/server/auth"

	"github.com/slawatch/slawatch/store"
)

// TokenCommand makes, lists, revokes and rotates tokens, on the server's
// database directly (the API does the same over HTTP: /api/tokens).
type TokenCommand struct{ IO }

const tokenUsage = `usage:
  slawatch token [create] --role operator|customer|agent [--customer C] [--agent NAME] [--name NOTE] [--expires WHEN]
  slawatch token list
  slawatch token revoke ID
  slawatch token rotate ID [--expires WHEN] [--overlap D]
each with [--data DIR | --db URL]. WHEN is an RFC 3339 time or a duration from now (720h).`

const tokenExamples = `
examples:
  # an operator token, on the server's SQLite in ./slawatch-data
  slawatch token --role operator --name "NOC shift"
  # a customer's portal token, for 30 days
  slawatch token create --role customer --customer globex --expires 720h
  # an agent's token, on PostgreSQL
  slawatch token create --role agent --agent pop-fra1 --db postgres://slawatch@db.example.net/slawatch
  # every token, with its ID, role and expiry
  slawatch token list --data /var/lib/slawatch
  # a new token for 9a9d8429928a3a4a; the old one works an hour more
  slawatch token rotate 9a9d8429928a3a4a --overlap 1h
  # stop a token now
  slawatch token revoke 9a9d8429928a3a4a
`

// Run does what the first argument says; flags alone make a token.
func (c *TokenCommand) Run(ctx context.Context, args []string) error {
	verb := "create"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		verb, args = args[0], args[1:]
	}
	var t tokenFlags
	fs, ok := t.flagSet(verb)
	if !ok {
		return usagef("token %q: want create, list, revoke or rotate\n%s", verb, tokenUsage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(c.Stdout, "%s\n\nflags of token %s:\n", tokenUsage, verb)
			writeFlags(c.Stdout, fs)
			fmt.Fprint(c.Stdout, tokenExamples)
			return err
		}
		return usagef("%v (slawatch token %s -h lists the flags)", err, verb)
	}
	want := map[string]int{"create": 0, "list": 0, "revoke": 1, "rotate": 1}[verb]
	if fs.NArg() != want {
		return usagef("token %s takes %d argument(s), got %q\n%s", verb, want, fs.Args(), tokenUsage)
	}
	st, err := openStore(ctx, t.data, t.db, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	switch verb {
	case "list":
		return c.list(ctx, st, now)
	case "revoke":
		return c.revoke(ctx, st, fs.Arg(0), now)
	case "rotate":
		return c.rotate(ctx, st, fs.Arg(0), t.expires, t.overlap, t.data, now)
	}
	exp, err := parseWhen(t.expires, now)
	if err != nil {
		return usagef("--expires: %v", err)
	}
	tok, err := auth.NewTokenFor(ctx, st, store.Token{Role: t.role, Customer: t.customer, Agent: t.agent, Name: t.name,
		Created: now, Expires: exp})
	if err != nil {
		return usagef("%v", err)
	}
	fmt.Fprintln(c.Stdout, tok)
	return nil
}

// tokenFlags are the flags of the token subcommands.
type tokenFlags struct {
	data, db                             string
	role, customer, agent, name, expires string
	overlap                              string
}

// flagSet defines the flags of token verb into t; false for a verb
// there is none of.
func (t *tokenFlags) flagSet(verb string) (*flag.FlagSet, bool) {
	fs := newFlagSet("token " + verb)
	fs.StringVar(&t.data, "data", "slawatch-data", "data `DIR` of the server, as its --data, e.g. /var/lib/slawatch")
	fs.StringVar(&t.db, "db", "", "database `URL`, as the server's --db (default: SQLite in --data), e.g. postgres://slawatch@db.example.net/slawatch")
	switch verb {
	case "create":
		fs.StringVar(&t.role, "role", "", "the `ROLE`: operator (everything), customer (its own reports and settings) or agent (delivers records), e.g. --role agent")
		fs.StringVar(&t.customer, "customer", "", "the customer `ID` a customer token is for (it must exist), e.g. globex")
		fs.StringVar(&t.agent, "agent", "", "the `NAME` an agent token delivers as, e.g. pop-fra1")
		fs.StringVar(&t.name, "name", "", "a `NOTE` naming the token's holder, shown by token list, e.g. \"NOC shift\"")
		fs.StringVar(&t.expires, "expires", "", "`WHEN` the token stops working: an RFC 3339 time or a duration from now, e.g. 720h (default: never)")
	case "rotate":
		fs.StringVar(&t.expires, "expires", "", "`WHEN` the new token stops working, e.g. 2027-01-01T00:00:00Z (default: never)")
		fs.StringVar(&t.overlap, "overlap", "0s", "how long (`D`) the old token keeps working, so that its holder can switch, e.g. 1h")
	case "list", "revoke":
	default:
		return nil, false
	}
	return fs, true
}

// parseWhen reads an RFC 3339 time or a duration from now; "" is never.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return time.Time{}, fmt.Errorf("%q: want an RFC 3339 time (2027-01-01T00:00:00Z) or a positive duration (720h)", s)
	}
	return now.Add(d), nil
}

func (c *TokenCommand) list(ctx context.Context, st *store.Store, now time.Time) error {
	ts, err := st.Tokens(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tROLE\tCUSTOMER\tAGENT\tNAME\tCREATED\tEXPIRES\tSTATE")
	for _, t := range ts {
		state := "valid"
		switch {
		case !t.Revoked.IsZero():
			state = "revoked " + t.Revoked.UTC().Format(time.RFC3339)
		case !t.Valid(now):
			state = "expired"
		}
		exp := "never"
		if !t.Expires.IsZero() {
			exp = t.Expires.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID(), t.Role, dash(t.Customer), dash(t.Agent), dash(t.Name),
			t.Created.UTC().Format(time.RFC3339), exp, state)
	}
	return w.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (c *TokenCommand) revoke(ctx context.Context, st *store.Store, id string, now time.Time) error {
	t, err := st.RevokeToken(ctx, id, now)
	if errors.Is(err, store.ErrNotFound) {
		return usagef("token %q not found: 'slawatch token list' shows the IDs", id)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "revoked %s (%s %s) at %s\n", t.ID(), t.Role, t.Name, t.Revoked.UTC().Format(time.RFC3339))
	return nil
}

// rotate makes a new token like the one id names and ends the old one;
// when the data directory's operator.token holds the old token (the
// first operator token), the new one replaces it there.
func (c *TokenCommand) rotate(ctx context.Context, st *store.Store, id, expires, overlap, data string, now time.Time) error {
	exp, err := parseWhen(expires, now)
	if err != nil {
		return usagef("--expires: %v", err)
	}
	ov, err := time.ParseDuration(overlap)
	if err != nil || ov < 0 {
		return usagef("--overlap %q: want a duration such as 1h", overlap)
	}
	ts, err := st.Tokens(ctx)
	if err != nil {
		return err
	}
	var old *store.Token
	for i := range ts {
		if ts[i].ID() == id {
			old = &ts[i]
		}
	}
	if old == nil {
		return usagef("token %q not found: 'slawatch token list' shows the IDs", id)
	}
	if !old.Valid(now) {
		return usagef("token %s is no longer valid: make a new one instead", id)
	}
	tok, err := auth.NewTokenFor(ctx, st, store.Token{Role: old.Role, Customer: old.Customer, Agent: old.Agent,
		Name: old.Name, Created: now, Expires: exp})
	if err != nil {
		return usagef("%v", err)
	}
	if ov == 0 {
		_, err = st.RevokeToken(ctx, id, now)
	} else if old.Expires.IsZero() || old.Expires.After(now.Add(ov)) {
		err = st.ExpireToken(ctx, id, now.Add(ov))
	}
	if err != nil {
		return fmt.Errorf("the new token is made, but the old one %s is not ended: %w", id, err)
	}
	path := filepath.Join(data, "operator.token")
	if b, err := os.ReadFile(path); err == nil && auth.HashToken(strings.TrimSpace(string(b))) == old.Hash {
		if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
			return fmt.Errorf("the new token is made but %s still holds the old one: %w", path, err)
		}
		fmt.Fprintf(c.Stderr, "slawatch: %s now holds the new token\n", path)
	}
	fmt.Fprintln(c.Stdout, tok)
	return nil
}
