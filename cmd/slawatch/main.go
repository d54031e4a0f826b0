// Command slawatch turns network providers' SLAs into running software:
// it evaluates a month of measurements against the service levels of a
// contract and computes the credit owed.
//
//	slawatch evaluate --contract FILE --month YYYY-MM --samples FILE [--samples FILE]... [--ignore-unknown-series] [--format table|json|credits|pdf]
//	slawatch catalog [show ID]
//	slawatch calendar [--format table|json]
//	slawatch agent --config FILE [--out FILE] [--server URL --token T] [--duration D] [--contract FILE [--month YYYY-MM]]
//	slawatch serve [--listen ADDR] [--data DIR] [--db URL] [--config FILE]
//	slawatch token [create] --role operator|customer|agent [--customer C] [--agent NAME] [--expires WHEN] [--data DIR | --db URL]
//	slawatch token list|revoke ID|rotate ID [--overlap D]
//	slawatch demo [--addr ADDR] [--dir DIR]
//	slawatch version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones even where the system has no zoneinfo: one static binary
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// IO is what a subcommand reads and writes.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Main runs the command line args and returns the exit code: 0 on
// success, 1 when the work failed, 2 on a usage error.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cio := IO{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "evaluate":
		err = (&EvaluateCommand{IO: cio}).Run(ctx, args[1:])
	case "catalog":
		err = (&CatalogCommand{IO: cio}).Run(ctx, args[1:])
	case "calendar":
		err = (&CalendarCommand{IO: cio}).Run(ctx, args[1:])
	case "agent":
		err = (&AgentCommand{IO: cio}).Run(ctx, args[1:])
	case "serve":
		err = (&ServeCommand{IO: cio}).Run(ctx, args[1:])
	case "token":
		err = (&TokenCommand{IO: cio}).Run(ctx, args[1:])
	case "demo":
		err = (&DemoCommand{IO: cio}).Run(ctx, args[1:])
	case "version", "--version":
		fmt.Fprint(stdout, version())
		return 0
	case "help", "-h", "--help":
		if len(args) > 1 && args[0] == "help" { // help COMMAND is COMMAND -h
			return Main(ctx, []string{args[1], "-h"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "slawatch: unknown command %q\n%s", args[0], usage)
		return 2
	}
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "slawatch %s: %v\n", args[0], err)
		return 2
	}
	fmt.Fprintf(stderr, "slawatch %s: %v\n", args[0], err)
	return 1
}

const usage = `usage: slawatch COMMAND [flags]

commands:
  demo       the whole system on loopback, no setup: server, agent, outages, mail (start here)
  evaluate   judge a month of samples against a contract's service levels
  catalog    list the built-in service levels, or show one (catalog show ID)
  calendar   the business-day regions and the years their holidays cover
  agent      probe targets (ICMP, TCP, HTTP, DNS) and write or deliver minute records
  serve      store agents' records, evaluate live, notify outages, answer the API
  token      make, list, revoke or rotate operator, customer and agent tokens
  version    the version and commit this binary was built from

Run 'slawatch COMMAND -h' (or 'slawatch help COMMAND') for what a command does,
its flags and examples.
`

// usageError is a mistake in the command line itself.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return fmt.Sprint(*s) }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
