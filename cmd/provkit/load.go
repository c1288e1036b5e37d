package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/provkit/provkit/internal/harness"
	"github.com/provkit/provkit/internal/scimclient"
	idpsync "github.com/provkit/provkit/mockidp/sync"
	"github.com/provkit/provkit/mockidp/sync/load"
	"github.com/provkit/provkit/reference"
	"github.com/provkit/provkit/reference/store/sqlstore"
	"github.com/provkit/provkit/steps"
)

type loadFlags struct {
	target, token                       string
	users, groups, membersPerGroup      int
	membersPerPatch, concurrency, retry int
	rate                                float64
	shape, runID, domain, database      string
	seed                                uint64
	replicas                            int
	noVerify, keep, noLookups           bool
}

func loadFlagSet(f *loadFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.StringVar(&f.target, "target", "", "SCIM base `URL` to load (default: $"+targetEnv+"; none: a fresh bundled reference server)")
	fs.StringVar(&f.token, "token", "", "bearer `token` of the target (default: $"+tokenEnv+")")
	fs.IntVar(&f.users, "users", 1000, "`N` users to create")
	fs.IntVar(&f.groups, "groups", 10, "`M` groups to create")
	fs.IntVar(&f.membersPerGroup, "members-per-group", -1, "`K` members of each group (default: users/groups, every user in about one group)")
	fs.IntVar(&f.membersPerPatch, "members-per-patch", 100, "at most `B` members per membership PATCH where the shape splits them (entra, rfc; okta sends one replace per group); 0: all in one")
	fs.StringVar(&f.shape, "shape", "entra", "request `shape`: "+strings.Join(idpsync.ShapeKeys, ", ")+" (docs/load.md)")
	fs.IntVar(&f.concurrency, "concurrency", 8, "`C` requests in flight")
	fs.Float64Var(&f.rate, "rate", 0, "at most `R` requests per second over all of them (default: no cap)")
	fs.Uint64Var(&f.seed, "seed", 1, "`seed` of the synthetic directory (names, memberships)")
	fs.StringVar(&f.runID, "run-id", "", "the run's `id`: everything is named pk<id>-1... (default: random)")
	fs.StringVar(&f.domain, "domain", "example.com", "the users' mail `domain`")
	fs.IntVar(&f.retry, "max-retries", 8, "at most `n` retries of a request answered 429 (or 503 with Retry-After)")
	fs.BoolVar(&f.noLookups, "no-lookups", false, "skip the IdP's look-up (GET with a filter) before each create")
	fs.BoolVar(&f.noVerify, "no-verify", false, "skip reading the directory back after the load (and the clean-up)")
	fs.BoolVar(&f.keep, "keep", false, "leave what the load created on the target (default: delete it after the verification)")
	fs.StringVar(&f.database, "database", "", "without --target: the bundled reference's database, a PostgreSQL `URL` holding no directory yet (default: $"+dbEnv+", else a throwaway SQLite database)")
	fs.IntVar(&f.replicas, "replicas", 1, "without --target: `n` bundled reference replicas on --database (PostgreSQL), requests spread round-robin")
	return fs
}

func loadHelp(w io.Writer) {
	fmt.Fprint(w, `Usage: provkit load [--target URL --token T] [flags]

Replays an identity provider's first sync against a SCIM endpoint: N users,
M groups, then their memberships, in Entra ID's, Okta's or the plain
RFC 7644 request shape (the shapes provkit simulate sends), with C requests
in flight and at most R requests per second. It shows a progress line on
stderr, then prints a table on stdout: per kind of request the count, the
errors, the 429s waited out, throughput, p50, p99 and max latency, a total
line, and every error by status with its first answer (tokens redacted).

Then it reads back every user and group it created and compares them with
what the target acknowledged: a user or group that is gone, a member an
acknowledged PATCH added that the group does not list, a user whose
userName, active or emails differ, are lost writes. Last it deletes what it
created (--keep leaves it; on Keeper a deleted user is locked, not removed).

Everything it creates carries the run's scope, as provkit test's resources
do (users pk<run>-1.u000001@example.com, groups "pk<run>-1 Load 001"), so
provkit clean finds what an interrupted run left behind. The directory is
the same for the same --seed, --users, --groups and --members-per-group.

Without --target it starts a fresh bundled reference server and loads its
demo node Acme / Engineering: on a throwaway SQLite database, or with
--database postgres://... on PostgreSQL (an empty database; the URL may come
from $`+dbEnv+`), with --replicas n servers on it and the requests spread
over them round-robin.

Exit status: 0 no error and no lost write, 1 errors, lost writes or
leftovers, 2 usage error, unreachable target, not a SCIM endpoint, refused
token.

Examples:
  provkit load --users 100000 --groups 100
  provkit load --database postgres://postgres@127.0.0.1:5432/pkload --replicas 3 --users 100000 --groups 100
  PROVKIT_TOKEN=... provkit load --target https://scim.example.com/scim/v2 --shape okta --rate 50

Flags:
`)
	printFlags(w, loadFlagSet(&loadFlags{}))
}

// loadHooks let tests reach into a run: reference faults for the bundled
// server, how often the progress line is written.
type loadHooks struct {
	faults   []string
	progress time.Duration
}

func runLoad(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	return runLoadWith(ctx, args, getenv, stdout, stderr, loadHooks{})
}

func runLoadWith(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer, hooks loadHooks) int {
	var f loadFlags
	fs := loadFlagSet(&f)
	if status, ok := parseFlags(fs, args, loadHelp, stdout, stderr); !ok {
		return status
	}
	if !flagSet(fs, "target") && f.target == "" {
		f.target = getenv(targetEnv)
	}
	if !flagSet(fs, "token") && f.token == "" {
		f.token = getenv(tokenEnv)
	}
	if !flagSet(fs, "database") {
		f.database = getenv(dbEnv)
	}
	bad := func(format string, args ...any) int {
		return usageError(stderr, "load", "%s", scimclient.Redact(fmt.Sprintf(format, args...), f.token))
	}
	switch {
	case flagSet(fs, "target") && strings.TrimSpace(f.target) == "":
		return bad("--target is empty (an unset CI variable?): give the SCIM base URL, or leave --target out to use the bundled reference")
	case f.target == "" && flagSet(fs, "token"):
		return bad("--token needs --target")
	case f.target != "" && f.token == "":
		return bad("--target needs --token (or $%s)", tokenEnv)
	case f.target != "" && (flagSet(fs, "database") || flagSet(fs, "replicas")):
		return bad("--database and --replicas are for the bundled reference: they do not apply with --target")
	case f.replicas < 1 || f.replicas > 16:
		return bad("--replicas must be between 1 and 16")
	case f.replicas > 1 && !reference.IsShared(f.database):
		return bad("--replicas %d needs --database postgres://... (replicas share one PostgreSQL database)", f.replicas)
	case f.database != "" && !reference.IsShared(f.database):
		return bad("--database must be a PostgreSQL URL (without it: a throwaway SQLite database)")
	case f.concurrency < 1:
		return bad("--concurrency must be at least 1")
	case f.membersPerPatch < 0:
		return bad("--members-per-patch must not be negative")
	case f.retry < 0 || f.retry > 100:
		return bad("--max-retries must be between 0 and 100")
	}
	if f.target != "" {
		if u, err := url.Parse(f.target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("--target must be an http(s) URL, got %q", f.target)
		}
	}
	if f.runID == "" {
		f.runID = randomRunID()
	}
	cfg := load.Config{Token: f.token, Shape: f.shape, Users: f.users, Groups: f.groups, MembersPerGroup: f.membersPerGroup,
		MembersPerPatch: f.membersPerPatch, Lookups: !f.noLookups, Concurrency: f.concurrency, Rate: f.rate, Seed: f.seed,
		RunID: f.runID, Domain: f.domain, MaxRetries: f.retry, URLs: []string{"http://placeholder"}}
	if _, err := load.New(cfg); err != nil { // the flags, before anything starts
		return bad("%v", err)
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if f.target == "" {
		rs, err := startReplicas(ctx, f.database, f.replicas, hooks.faults, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			fmt.Fprintf(stderr, "provkit load: starting the bundled reference server: %v\n", err)
			return exitFail
		}
		defer rs.stop()
		cfg.URLs, cfg.Token = rs.urls, rs.token
		db := "a throwaway SQLite database"
		if f.database != "" {
			db = sqlstore.Redact(f.database)
		}
		fmt.Fprintf(stderr, "provkit load: loading a fresh bundled reference server (%d replica(s) on %s): %s\n", len(rs.urls), db, strings.Join(rs.urls, ", "))
	} else {
		cfg.URLs = []string{strings.TrimRight(f.target, "/")}
		// Stop before the first request when the URL is not a SCIM
		// endpoint or refuses the token.
		pre := harness.Config{Profile: "rfc7644", Target: steps.Endpoint{URL: cfg.URLs[0], Token: cfg.Token}}
		if err := harness.Preflight(ctx, pre); err != nil {
			fmt.Fprintf(stderr, "provkit load: %v\n", scimclient.Redact(err.Error(), cfg.Token))
			return exitUsage
		}
	}
	run, err := load.New(cfg)
	if err != nil {
		return bad("%v", err)
	}
	res := run.Result()
	members := "no memberships"
	if f.groups > 0 {
		k := f.membersPerGroup
		if k < 0 {
			k = max(1, f.users/f.groups)
		}
		members = fmt.Sprintf("%d members each", k)
	}
	rate := "no rate cap"
	if f.rate > 0 {
		rate = fmt.Sprintf("at most %g requests/s", f.rate)
	}
	fmt.Fprintf(stdout, "provkit load: %s shape, %d users, %d groups (%s), concurrency %d, %s, scope %s, %d target URL(s)\n",
		res.Shape, f.users, f.groups, members, f.concurrency, rate, run.Scope(), len(cfg.URLs))

	stopProgress := startProgress(stderr, run, hooks.progress)
	err = run.Load(ctx)
	stopProgress()
	res = run.Result()
	fmt.Fprintln(stdout)
	res.WriteTable(stdout)
	status := exitOK
	if err != nil {
		fmt.Fprintf(stdout, "\nInterrupted: the table holds what was sent; nothing verified or removed (provkit clean finds names starting with %s)\n", run.Scope())
		return exitFail
	}
	if res.Errors() > 0 {
		status = exitFail
	}
	if !f.noVerify {
		stopProgress = startProgress(stderr, run, hooks.progress)
		v := run.Verify(ctx)
		stopProgress()
		fmt.Fprintln(stdout)
		v.Write(stdout)
		if !v.OK() {
			status = exitFail
		}
		if !f.keep && ctx.Err() == nil {
			stopProgress = startProgress(stderr, run, hooks.progress)
			c := run.Clean(ctx)
			stopProgress()
			fmt.Fprintf(stdout, "Clean-up (%s): deleted %d groups and %d users", c.Duration.Round(10*time.Millisecond), c.Groups, c.Users)
			if len(c.Failed) > 0 {
				status = exitFail
				fmt.Fprintf(stdout, "; %d could not be removed:\n", len(c.Failed))
				for i, x := range c.Failed {
					if i == 20 {
						fmt.Fprintf(stdout, "  … %d more (provkit clean finds names starting with %s)\n", len(c.Failed)-20, run.Scope())
						break
					}
					fmt.Fprintf(stdout, "  %s\n", x)
				}
			} else {
				fmt.Fprintln(stdout, " (DELETE answered 2xx or 404; on Keeper a deleted user is locked, not removed)")
			}
		}
		fmt.Fprintln(stdout, "\nVerification and clean-up requests:")
		run.Checks().WriteTable(stdout)
	}
	if status == exitOK {
		fmt.Fprintln(stdout, "\nOK: no error, no lost write")
	} else {
		fmt.Fprintln(stdout, "\nFAILED: see the errors and lost writes above")
	}
	return status
}

// randomRunID is 6 random lower-case letters and digits, as steps name a run.
func randomRunID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// startProgress writes the run's progress to w until the returned func is
// called: on a terminal one line rewritten four times a second, else a
// line every 10 s (every, when set, overrides both).
func startProgress(w io.Writer, run *load.Run, every time.Duration) func() {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb" {
			tty = true
		}
	}
	if every == 0 {
		every = 10 * time.Second
		if tty {
			every = 250 * time.Millisecond
		}
	}
	// NO_COLOR: no escape sequence; the line is cleared with spaces instead.
	clear := "\x1b[K"
	if os.Getenv("NO_COLOR") != "" {
		clear = ""
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		last := 0
		for {
			select {
			case <-done:
				if tty && last > 0 {
					fmt.Fprintf(w, "\r%s\r", strings.Repeat(" ", last))
				}
				return
			case now := <-t.C:
				line := run.Snapshot().Line(now)
				if tty {
					pad := ""
					if clear == "" && len(line) < last {
						pad = strings.Repeat(" ", last-len(line))
					}
					fmt.Fprintf(w, "\r%s%s%s", line, pad, clear)
					last = len(line)
				} else {
					fmt.Fprintf(w, "provkit load: %s\n", line)
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
