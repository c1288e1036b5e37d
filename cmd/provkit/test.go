package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/provkit/provkit/internal/harness"
	"github.com/provkit/provkit/reports"
	"github.com/provkit/provkit/steps"
)

// Environment variables of provkit test.
const (
	targetEnv           = "PROVKIT_TARGET"
	tokenEnv            = "PROVKIT_TOKEN"
	adminURLEnv         = "PROVKIT_ADMIN_URL"
	targetAdminTokenEnv = "PROVKIT_ADMIN_TOKEN"
	otherTokenEnv       = "PROVKIT_OTHER_TOKEN"
	reportDirEnv        = "PROVKIT_REPORT_DIR"
)

type testFlags struct {
	targetFlags
	adminExec               string
	adminTimeout            time.Duration
	adminManual             bool
	otherTarget, otherToken string
	tags, profile           string
	formats                 stringList
	concurrency             int
	strict                  bool
	verbose                 bool
	expect                  string
	writeExpect             string
	sp                      spFlags
	reportDir               string
}

// testHooks let tests reach into a run: reference faults for the bundled
// server (a run with failures), and the configuration before it runs.
type testHooks struct {
	faults     []string
	configured func(*harness.Config)
	// tty says whether f is a terminal (default: a character device).
	tty func(f *os.File) bool
}

func (h testHooks) isTTY(f *os.File) bool {
	if h.tty != nil {
		return h.tty(f)
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func testFlagSet(f *testFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	f.register(fs, "SCIM base `URL` to test", "the bundled reference server",
		"the target's provkit admin API `URL`, ending in /admin/v1")
	fs.StringVar(&f.adminExec, "admin-exec", "", "admin driver `command` run once per administrator's action, JSON on stdin and stdout (docs/admin-api.md); the admin URL and token reach it as $PROVKIT_ADMIN_URL and $PROVKIT_ADMIN_TOKEN")
	fs.DurationVar(&f.adminTimeout, "admin-timeout", steps.DefaultAdminExecTimeout, "how long one --admin-exec action may take (`duration`)")
	fs.BoolVar(&f.adminManual, "admin-manual", false, "exploratory runs: print each administrator's action and wait for Enter (needs a terminal; refused in CI)")
	fs.StringVar(&f.otherTarget, "other-target", "", "SCIM base `URL` of a node in another enterprise, for the cross-enterprise scenarios (default: one the administrator creates)")
	fs.StringVar(&f.otherToken, "other-token", "", "bearer `token` of --other-target (default: $"+otherTokenEnv+")")
	fs.StringVar(&f.tags, "tags", "", "tag `expression` selecting scenarios (Cucumber's syntax), e.g. '@must and not @large'; godog's '@must && ~@large' works too")
	fs.StringVar(&f.profile, "profile", harness.DefaultProfile, "`profile`: keeper (Keeper's documented behaviour) or rfc7644 (generic SCIM 2.0)")
	fs.Var(&f.formats, "format", "`name[:path]`, repeatable: godog's pretty, progress or events on the console; junit:FILE and cucumber:FILE (provkit's own writers, as --report-dir)")
	fs.IntVar(&f.concurrency, "concurrency", harness.DefaultConcurrency, "scenarios run at once (`N`)")
	fs.StringVar(&f.expect, "expect", "", "known failures `FILE` (docs/harness.md): reported, but they do not fail the run; a new failure does")
	fs.StringVar(&f.writeExpect, "write-expectations", "", "write this run's failures to `FILE`, in --expect's format")
	fs.BoolVar(&f.verbose, "verbose", false, "print every failure's exchanges whole (by default each body is cut to its first lines; the reports keep all)")
	fs.BoolVar(&f.strict, "strict", false, "fail, instead of skip, scenarios needing features ServiceProviderConfig does not advertise, and fail the run when any MUST scenario was skipped")
	addSPFlags(fs, &f.sp)
	fs.StringVar(&f.reportDir, "report-dir", "", "write report.html, junit.xml, cucumber.json and summary.md into `DIR` (default: $"+reportDirEnv+")")
	return fs
}

func testHelp(w io.Writer) {
	fmt.Fprint(w, `Usage: provkit test [flags]

Runs the conformance suite: does the SCIM 2.0 endpoint behave as Keeper
Security documents and as RFC 7643/7644 require?

Without --target it starts the bundled reference server on a throwaway
database and tests that. With --target URL --token T it tests any SCIM base
URL (for Keeper-like servers: .../api/rest/scim/v2/{node_id}). Scenarios that
need an administrator (approving the queue, rotating the token, reading a
user's state, configuring SAML SSO) need one of: the provkit admin API
(--admin-url, --admin-token), an admin driver program (--admin-exec CMD: one
run per action, JSON on stdin and stdout, secrets in its environment), or a
person at the terminal (--admin-manual). Without one they are skipped, saying
why (docs/admin-api.md, "Admin drivers"). --other-target and --other-token
name a node in another enterprise for the cross-enterprise scenarios.

It checks the target and token first, prints a live progress line on
stderr, and closes with a summary by area and the failed scenarios. With
--report-dir it also writes an HTML report (one self-contained file), JUnit
XML, cucumber JSON and a Markdown summary for a pull request comment, with
tokens, cookies and SAML signatures redacted (docs/reports.md).

Against a vendor's SAML SP (--sp-metadata) it first signs one person in
normally; if that fails, it stops before any scenario, with the evidence
(docs/sso.md, "Testing your own service provider").

Exit status: 0 every scenario passed (or was skipped), 1 a scenario failed,
2 usage error, unreachable target, refused token, or a vendor SP that does
not sign in a plain login.

Examples:
  provkit test
  provkit test --target https://scim.example.com/api/rest/scim/v2/42 --token "$TOKEN" --profile keeper
  provkit test --tags '@must and not @large' --format pretty --format junit:out.xml --format cucumber:out.json
  provkit test --target "$URL" --token "$TOKEN" --report-dir provkit-report
  provkit test --target "$URL" --token "$TOKEN" --admin-exec ./examples/admin-driver-keeper/keeper-admin-driver
  provkit test --target "$SCIM_URL" --token "$TOKEN" --tags '@saml or @jit' --sp-metadata https://sp.example/saml/metadata \
    --sp-login-url https://sp.example/saml/login --sp-session-url https://sp.example/api/me --idp-key-file idp.pem

Flags:
`)
	fs := testFlagSet(&testFlags{})
	printFlags(w, fs)
	fmt.Fprintln(w, "\nProfiles:", strings.Join(profileNames(), ", "))
}

func profileNames() []string {
	var n []string
	for p := range harness.Profiles {
		n = append(n, p)
	}
	sort.Strings(n)
	return n
}

// runTest is `provkit test` with the process's context, environment and streams.
func runTest(args []string) int {
	return testCommand(context.Background(), args, os.Getenv, os.Stdout, os.Stderr)
}

// testCommand runs `provkit test`.
func testCommand(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	return testCommandWith(ctx, args, getenv, stdout, stderr, testHooks{})
}

func testCommandWith(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer, hooks testHooks) int {
	var f testFlags
	fs := testFlagSet(&f)
	if status, ok := parseFlags(fs, args, testHelp, stdout, stderr); !ok {
		return status
	}
	if err := f.targetFlags.fromEnv(fs, getenv); err != nil {
		return usageError(stderr, "test", "%v", err)
	}
	if !flagSet(fs, "report-dir") && f.reportDir == "" {
		f.reportDir = getenv(reportDirEnv)
	}
	if _, ok := harness.Profiles[f.profile]; !ok {
		return usageError(stderr, "test", "unknown profile %q (one of: %s)", f.profile, strings.Join(profileNames(), ", "))
	}
	if f.concurrency < 1 {
		return usageError(stderr, "test", "--concurrency must be at least 1")
	}
	if f.adminURL != "" && f.adminToken == "" && f.adminExec == "" {
		return usageError(stderr, "test", "--admin-url needs --admin-token (or $%s)", targetAdminTokenEnv)
	}
	if f.adminExec != "" && f.adminManual {
		return usageError(stderr, "test", "give one of --admin-exec and --admin-manual")
	}
	if f.adminManual && !hooks.isTTY(os.Stdin) {
		return usageError(stderr, "test", "--admin-manual needs a terminal to wait at (standard input is not one): in CI use --admin-url or --admin-exec")
	}
	if f.otherToken == "" {
		f.otherToken = getenv(otherTokenEnv)
	}
	if (f.otherTarget == "") != (f.otherToken == "") {
		return usageError(stderr, "test", "--other-target and --other-token (or $%s) go together", otherTokenEnv)
	}
	if f.adminTimeout <= 0 {
		return usageError(stderr, "test", "--admin-timeout must be positive")
	}
	if err := f.sp.check(fs, f.target); err != nil {
		return usageError(stderr, "test", "%v", err)
	}

	godogFormats, ownFormats, err := splitFormats(f.formats)
	if err != nil {
		return usageError(stderr, "test", "%v", err)
	}
	cfg := harness.Config{
		Profile: f.profile, Tags: f.tags, Formats: godogFormats, Concurrency: f.concurrency, Strict: f.strict, Verbose: f.verbose,
		Output: stdout, Progress: stderr, IdPPersona: f.sp.persona,
	}
	if f.expect != "" {
		e, err := harness.LoadExpectations(f.expect)
		if err != nil {
			return usageError(stderr, "test", "%v", err)
		}
		cfg.Expect = e
	}
	if err := harness.Check(cfg); err != nil {
		return usageError(stderr, "test", "%v", err)
	}
	if f.reportDir != "" {
		// fail before the run, not after it, when the directory cannot be written
		if err := checkDir(f.reportDir); err != nil {
			return usageError(stderr, "test", "--report-dir: %v", err)
		}
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if f.target == "" {
		closeRef, err := startBundled(ctx, &cfg, hooks.faults, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "provkit test: starting the bundled reference server: %v\n", err)
			return exitFail
		}
		defer closeRef()
	} else {
		cfg.Target = steps.Endpoint{URL: strings.TrimRight(f.target, "/"), Token: f.token}
		if f.adminURL != "" {
			cfg.Admin = &steps.Endpoint{URL: strings.TrimRight(f.adminURL, "/"), Token: f.adminToken}
		}
	}
	if f.otherTarget != "" {
		cfg.Other = &steps.Endpoint{URL: strings.TrimRight(f.otherTarget, "/"), Token: f.otherToken}
	}
	switch {
	case f.adminExec != "":
		// the driver is the administrator: the admin API (the bundled one,
		// or --admin-url) reaches it only through its environment
		var env []string
		if cfg.Admin != nil {
			env = append(env, "PROVKIT_ADMIN_URL="+cfg.Admin.URL, targetAdminTokenEnv+"="+cfg.Admin.Token)
		} else if f.adminToken != "" {
			env = append(env, targetAdminTokenEnv+"="+f.adminToken)
		}
		env = append(env, "PROVKIT_TARGET="+cfg.Target.URL)
		cfg.AdminSecrets = append(cfg.AdminSecrets, f.adminToken)
		if cfg.Admin != nil {
			cfg.AdminSecrets = append(cfg.AdminSecrets, cfg.Admin.Token)
		}
		cfg.AdminDriver = &steps.AdminExec{Command: f.adminExec, Env: env, Timeout: f.adminTimeout}
		cfg.Admin = nil
	case f.adminManual:
		cfg.AdminDriver = &steps.AdminManual{In: os.Stdin, Out: stderr}
		cfg.Admin = nil
	}

	if f.sp.metadata != "" {
		sp, stopIdP, err := f.sp.start(ctx, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "provkit test: %v\n", err)
			return exitUsage
		}
		defer stopIdP()
		cfg.SP = sp
	}

	if hooks.configured != nil {
		hooks.configured(&cfg)
	}
	if err := harness.Preflight(ctx, cfg); err != nil {
		fmt.Fprintf(stderr, "provkit test: %v\n", err)
		return exitUsage
	}
	if f.target != "" {
		fmt.Fprintf(stderr, "provkit test: testing %s, profile %s\n", cfg.Target.URL, cfg.Profile)
	}
	res, err := harness.Run(ctx, cfg)
	if err != nil {
		var pe *harness.ProbeError
		if errors.As(err, &pe) {
			fmt.Fprintf(stderr, "provkit test: %v\n", err)
			return exitUsage
		}
		var ue *harness.UsageError
		if errors.As(err, &ue) {
			return usageError(stderr, "test", "%v", err)
		}
		fmt.Fprintf(stderr, "provkit test: %v\n", err)
		return exitFail
	}
	res.Summary(stdout)
	if cfg.Admin == nil && cfg.AdminDriver == nil {
		fmt.Fprintln(stdout, "(no administrator: give --admin-url and --admin-token, --admin-exec or --admin-manual to run the administrator's scenarios)")
	}
	if f.writeExpect != "" {
		if err := writeExpectations(f.writeExpect, res); err != nil {
			fmt.Fprintf(stderr, "provkit test: --write-expectations: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "Wrote %d known failures to %s\n", res.Count(steps.Failed), f.writeExpect)
	}
	for _, of := range ownFormats {
		if err := writeOwnFormat(of, res, cfg); err != nil {
			fmt.Fprintf(stderr, "provkit test: --format %s:%s: %v\n", of.name, of.path, err)
			return exitFail
		}
	}
	if f.reportDir != "" {
		if err := writeReports(f.reportDir, res, cfg, stdout); err != nil {
			fmt.Fprintf(stderr, "provkit test: %v\n", err)
			return exitFail
		}
	}
	if !res.Passed() {
		return exitFail
	}
	return exitOK
}

// startBundled opens the reference server on a throwaway database, serves
// it on a loopback port, seeds the demo and points cfg at it: Acme's node
// is the target, Globex's node the second enterprise.
func startBundled(ctx context.Context, cfg *harness.Config, faults []string, stderr io.Writer) (func(), error) {
	ref, err := startBundledReference(ctx, faults,
		slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError})), 2)
	if err != nil {
		return nil, err
	}
	acme, globex := ref.seed.Endpoints[0], ref.seed.Endpoints[1]
	cfg.Target = steps.Endpoint{URL: acme.SCIMURL, Token: acme.Token}
	cfg.Other = &steps.Endpoint{URL: globex.SCIMURL, Token: globex.Token}
	cfg.Admin = &steps.Endpoint{URL: ref.seed.AdminURL, Token: ref.seed.AdminToken}
	cfg.OwnsTarget = true
	cfg.KeepData = true // the database is thrown away
	fmt.Fprintf(stderr, "provkit test: bundled reference server at %s (throwaway database), profile %s\n", ref.addr, cfg.Profile)
	return ref.stop, nil
}

// checkDir makes the report directory and checks that it can be written.
func checkDir(dir string) error {
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".go") || n == "go.mod") {
				return fmt.Errorf("%s holds source code (%s): give a directory of its own for the reports, e.g. provkit-report", dir, n)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".provkit-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

func writeExpectations(path string, res *harness.Result) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := harness.WriteExpectations(out, res); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// ownFormat is a --format whose file provkit writes itself from the run's
// result (the same writers as --report-dir), not godog: godog's JUnit
// formatter counts skipped scenarios as passed and its cucumber JSON carries
// no exchanges and no redaction.
type ownFormat struct{ name, path string }

// splitFormats separates the --format values godog writes (pretty,
// progress, ...) from junit:FILE and cucumber:FILE, which provkit writes.
func splitFormats(all []string) (godogFormats []string, own []ownFormat, err error) {
	for _, f := range all {
		name, path, hasPath := strings.Cut(f, ":")
		if name != "junit" && name != "cucumber" {
			godogFormats = append(godogFormats, f)
			continue
		}
		if !hasPath || path == "" {
			return nil, nil, fmt.Errorf("--format %s needs a file: --format %s:%s", name, name, map[string]string{"junit": "junit.xml", "cucumber": "cucumber.json"}[name])
		}
		own = append(own, ownFormat{name, path})
	}
	return godogFormats, own, nil
}

// writeOwnFormat writes one junit:FILE or cucumber:FILE report.
func writeOwnFormat(of ownFormat, res *harness.Result, cfg harness.Config) error {
	if dir := filepath.Dir(of.path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	out, err := os.Create(of.path)
	if err != nil {
		return err
	}
	opt := reports.Options{Target: cfg.Target.URL, Version: versionString(), Secrets: runSecrets(cfg)}
	write := reports.JUnit
	if of.name == "cucumber" {
		write = reports.Cucumber
	}
	if err := write(out, res, opt); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func runSecrets(cfg harness.Config) []string {
	secrets := []string{cfg.Target.Token}
	for _, ep := range []*steps.Endpoint{cfg.Admin, cfg.Other} {
		if ep != nil {
			secrets = append(secrets, ep.Token)
		}
	}
	for _, s := range cfg.AdminSecrets {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	return secrets
}

// writeReports writes the four reports of a run into dir, with every token
// the run used redacted, and says where they are.
func writeReports(dir string, res *harness.Result, cfg harness.Config, stdout io.Writer) error {
	secrets := runSecrets(cfg)
	start := time.Now()
	paths, err := reports.Write(dir, res, reports.Options{Target: cfg.Target.URL, Version: versionString(), Secrets: secrets})
	if err != nil {
		return err
	}
	var size int64
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			size += st.Size()
		}
	}
	fmt.Fprintf(stdout, "Reports in %s: %s, %s, %s, %s (%d KiB, written in %s)\n", dir, reports.HTMLFile, reports.JUnitFile,
		reports.CucumberFile, reports.SummaryFile, (size+1023)/1024, time.Since(start).Round(time.Millisecond))
	return nil
}
