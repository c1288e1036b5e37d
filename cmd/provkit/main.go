// Command provkit is the SCIM 2.0 / SAML conformance tool. Subcommands:
//
//	provkit test      run the conformance suite (the bundled reference, or --target)
//	provkit serve     run the bundled Keeper-like reference server
//	provkit idp       run the mock SAML identity provider
//	provkit simulate  send an identity provider's SCIM traffic to a target
//	provkit load      replay an IdP's first sync at scale, measure it, check no write was lost
//	provkit clean     list (with --yes, remove) what earlier runs left on a target
//	provkit version   print the version
//	provkit help      show help
//
// Exit status: 0 success, 1 failure at run time, 2 usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = ""

const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// env reads the process environment; tests replace it.
type env func(string) string

type command struct {
	name    string
	summary string
	// run is nil only for help, which run handles itself.
	run func(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int
	// help prints the command's help to w.
	help func(w io.Writer)
}

func commands() []command {
	return []command{
		{name: "serve", summary: "run the bundled reference server (Keeper-like SCIM 2.0 API + admin API)",
			run: runServe, help: serveHelp},
		{name: "version", summary: "print the version", run: runVersion,
			help: func(w io.Writer) { fmt.Fprintln(w, "Usage: provkit version\n\nPrints provkit's version.") }},
		{name: "help", summary: "show help for a command",
			help: func(w io.Writer) { fmt.Fprintln(w, "Usage: provkit help [command]") }},
		{name: "test", summary: "run the conformance suite against a target", run: testCommand, help: testHelp},
		{name: "idp", summary: "run the mock SAML identity provider", run: runIDP, help: idpHelp},
		{name: "simulate", summary: "send an identity provider's SCIM traffic to a target", run: runSimulate, help: simulateHelp},
		{name: "load", summary: "replay an IdP's first sync at scale: throughput, latency, lost writes", run: runLoad, help: loadHelp},
		{name: "clean", summary: "list (or, with --yes, remove) what earlier runs left on a target", run: runClean, help: cleanHelp},
	}
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "provkit: a command is required (run 'provkit help')")
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		return runHelp(rest, stdout, stderr)
	case "-version", "--version":
		name = "version"
	}
	c, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "provkit: unknown command %q (run 'provkit help')\n", name)
		return exitUsage
	}
	return c.run(ctx, rest, getenv, stdout, stderr)
}

func lookup(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func runHelp(args []string, stdout, stderr io.Writer) int {
	switch len(args) {
	case 0:
		usage(stdout)
		return exitOK
	case 1:
		c, ok := lookup(args[0])
		if !ok {
			fmt.Fprintf(stderr, "provkit help: unknown command %q (run 'provkit help')\n", args[0])
			return exitUsage
		}
		c.help(stdout)
		return exitOK
	}
	fmt.Fprintln(stderr, "provkit help: too many arguments (usage: provkit help [command])")
	return exitUsage
}

func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("provkit: SCIM 2.0 / SAML conformance tool with a Keeper-like reference server\n\n")
	b.WriteString("Usage:\n  provkit <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'provkit help <command>' for a command's flags.\n")
	b.WriteString("Exit status: 0 success, 1 failure, 2 usage error.\n")
	_, _ = io.WriteString(w, b.String())
}

// parseFlags parses a subcommand's flags. It prints nothing itself: -h prints
// the command's help to stdout (ok, exit 0), anything wrong is one line on
// stderr (exit 2).
func parseFlags(fs *flag.FlagSet, args []string, help func(io.Writer), stdout, stderr io.Writer) (status int, ok bool) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			help(stdout)
			return exitOK, false
		}
		return usageError(stderr, fs.Name(), "%v", err), false
	}
	if fs.NArg() > 0 {
		return usageError(stderr, fs.Name(), "unexpected argument %q", fs.Arg(0)), false
	}
	return exitOK, true
}

// usageError prints a one-line usage error and returns exitUsage.
func usageError(w io.Writer, cmd, format string, args ...any) int {
	fmt.Fprintf(w, "provkit %s: %s (run 'provkit help %s')\n", cmd, fmt.Sprintf(format, args...), cmd)
	return exitUsage
}

func runVersion(_ context.Context, args []string, _ env, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	if status, ok := parseFlags(fs, args, func(w io.Writer) { fmt.Fprintln(w, "Usage: provkit version") }, stdout, stderr); !ok {
		return status
	}
	fmt.Fprintf(stdout, "provkit %s (commit %s, %s %s/%s)\n", versionString(), commitString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}

// commitString is the VCS revision the binary was built from (with
// "+dirty" when the tree had changes), or "unknown" when the build recorded
// none (go build -buildvcs=false, or a build outside a checkout).
func commitString() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "unknown"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+dirty"
	}
	return rev
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// printFlags lists a command's flags GNU-style, as the docs write them
// ("--target URL"); Go's flag package, which reads "-target" and "--target"
// alike, would print them with one dash.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintln(w, line)
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && !strings.Contains(usage, "default") {
			def = fmt.Sprintf(" (default %q)", f.DefValue)
		}
		fmt.Fprintf(w, "    \t%s%s\n", strings.ReplaceAll(usage, "\n", "\n    \t"), def)
	})
}
