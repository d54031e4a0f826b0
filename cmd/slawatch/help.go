package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// help is what a subcommand's -h prints: how it is called, what it does,
// each flag, and examples.
type help struct {
	usage    string   // the synopsis, after "usage: "
	about    string   // what the command does, a paragraph
	examples []string // command lines, each with a comment line above it when it starts with "#"
}

// newFlagSet returns a flag set that prints nothing itself: parseFlags
// prints the help on -h, and Main prints any other error once.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args into fs. -h and --help print h to stdout and
// return flag.ErrHelp (exit 0); a bad flag is a usage error that points
// to -h; and so is a positional argument, which Go's flag package would
// otherwise take as the end of the flags, leaving the flags after it
// unread.
func parseFlags(fs *flag.FlagSet, h help, args []string, stdout io.Writer) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			h.write(stdout, fs)
			return err
		}
		return usagef("%v (slawatch %s -h lists the flags)", err, fs.Name())
	}
	if fs.NArg() > 0 {
		return positionalError(fs)
	}
	return nil
}

// positionalError names the first positional argument and says what
// became of the flags after it.
func positionalError(fs *flag.FlagSet) error {
	msg := fmt.Sprintf("unexpected argument %q: every input is given by a flag", fs.Arg(0))
	if fs.Name() == "evaluate" {
		msg = fmt.Sprintf("unexpected argument %q: give each samples file with --samples FILE", fs.Arg(0))
	}
	for _, a := range fs.Args()[1:] {
		if strings.HasPrefix(a, "-") {
			msg += fmt.Sprintf("; the flags after it (%s…) were not read", a)
			break
		}
	}
	return usagef("%s (slawatch %s -h)", msg, fs.Name())
}

// write prints the help: usage, about, every flag with its default, and
// the examples.
func (h help) write(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: %s\n\n%s\n", h.usage, wrap(h.about, 76, ""))
	fmt.Fprintln(w, "\nflags:")
	writeFlags(w, fs)
	if len(h.examples) > 0 {
		fmt.Fprintln(w, "\nexamples:")
		for _, e := range h.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}

// writeFlags lists the flags as --name ARG, then the text indented, as
// flag.PrintDefaults does but with the double dash the docs use.
func writeFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		arg, text := flag.UnquoteUsage(f)
		if name, ok := argNames[arg]; ok {
			arg = name // a type, not a name the usage chose
		}
		line := "  --" + f.Name
		if arg != "" {
			line += " " + arg
		}
		if d := f.DefValue; d != "" && d != "0" && d != "false" && d != "0s" && d != "[]" {
			text += fmt.Sprintf(" (default %s)", d)
		}
		fmt.Fprintf(w, "%s\n%s\n", line, wrap(text, 72, "      "))
	})
}

// argNames name the argument of a flag whose usage names none, in
// place of the Go type flag.UnquoteUsage gives.
var argNames = map[string]string{"string": "VALUE", "duration": "D", "int": "N", "uint": "N", "int64": "N", "uint64": "N", "float": "N", "value": "VALUE"}

// wrap breaks text into lines of at most width bytes, each starting
// with indent; a line break in text starts a new line.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	for i, para := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		n := 0
		for j, word := range strings.Fields(para) {
			switch {
			case j == 0:
				b.WriteString(indent)
				n = len(indent)
			case n+1+len(word) > width+len(indent):
				b.WriteString("\n" + indent)
				n = len(indent)
			default:
				b.WriteByte(' ')
				n++
			}
			b.WriteString(word)
			n += len(word)
		}
	}
	return b.String()
}
