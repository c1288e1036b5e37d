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
	reportDirEnv        = "PROVKIT_REPORT_DIR"
)

type testFlags struct {
	targetFlags
	tags, profile string
	formats       stringList
	concurrency   int
	strict        bool
	sp            spFlags
	reportDir     string
}

// testHooks let tests reach into a run: reference faults for the bundled
// server (a run with failures), and the configuration before it runs.
type testHooks struct {
	faults     []string
	configured func(*harness.Config)
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func testFlagSet(f *testFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	f.register(fs, "SCIM base `URL` to test", "the bundled reference server",
		"the target's provkit admin API `URL`, ending in /admin/v1")
	fs.StringVar(&f.tags, "tags", "", "godog tag `expression` selecting scenarios, e.g. '@must && ~@large' (&& and, ',' or, ~ not)")
	fs.StringVar(&f.profile, "profile", harness.DefaultProfile, "`profile`: keeper (Keeper's documented behaviour) or rfc7644 (generic SCIM 2.0)")
	fs.Var(&f.formats, "format", "godog formatter `name[:path]`, repeatable: pretty, progress, junit:out.xml, cucumber:out.json, ...")
	fs.IntVar(&f.concurrency, "concurrency", harness.DefaultConcurrency, "scenarios run at once (`N`)")
	fs.BoolVar(&f.strict, "strict", false, "fail, instead of skip, scenarios needing features ServiceProviderConfig does not advertise")
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
user's state) use the provkit admin API given by --admin-url and
--admin-token (docs/admin-api.md); without it they are skipped, saying why.

It checks the target and token first, prints a live progress line on
stderr, and closes with a summary by area and the failed scenarios. With
--report-dir it also writes an HTML report (one self-contained file), JUnit
XML, cucumber JSON and a Markdown summary for a pull request comment, with
tokens, cookies and SAML signatures redacted (docs/reports.md).

Exit status: 0 every scenario passed (or was skipped), 1 a scenario failed,
2 usage error, unreachable target or refused token.

Examples:
  provkit test
  provkit test --target https://scim.example.com/api/rest/scim/v2/42 --token "$TOKEN" --profile keeper
  provkit test --tags '@must && ~@large' --format pretty --format junit:out.xml --format cucumber:out.json
  provkit test --target "$URL" --token "$TOKEN" --report-dir reports
  provkit test --target "$SCIM_URL" --token "$TOKEN" --tags '@saml,@jit' --sp-metadata https://sp.example/saml/metadata \
    --sp-login-url https://sp.example/saml/login --sp-session-url https://sp.example/api/me --idp-key-file idp.pem

Flags:
`)
	fs := testFlagSet(&testFlags{})
	fs.SetOutput(w)
	fs.PrintDefaults()
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
	if f.adminURL != "" && f.adminToken == "" {
		return usageError(stderr, "test", "--admin-url needs --admin-token (or $%s)", targetAdminTokenEnv)
	}
	if err := f.sp.check(fs, f.target); err != nil {
		return usageError(stderr, "test", "%v", err)
	}

	cfg := harness.Config{
		Profile: f.profile, Tags: f.tags, Formats: f.formats, Concurrency: f.concurrency, Strict: f.strict,
		Output: stdout, Progress: stderr, IdPPersona: f.sp.persona,
	}
	if err := harness.Check(cfg); err != nil {
		return usageError(stderr, "test", "%v", err)
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

	if f.sp.metadata != "" {
		sp, stopIdP, err := f.sp.start(ctx, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "provkit test: %v\n", err)
			return exitUsage
		}
		defer stopIdP()
		cfg.SP = sp
	}

	if f.reportDir != "" {
		// fail before the run, not after it, when the directory cannot be written
		if err := checkDir(f.reportDir); err != nil {
			return usageError(stderr, "test", "--report-dir: %v", err)
		}
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
		var ue *harness.UsageError
		if errors.As(err, &ue) {
			return usageError(stderr, "test", "%v", err)
		}
		fmt.Fprintf(stderr, "provkit test: %v\n", err)
		return exitFail
	}
	res.Summary(stdout)
	if cfg.Admin == nil {
		fmt.Fprintln(stdout, "(no admin API: give --admin-url and --admin-token to run the administrator's scenarios)")
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

// writeReports writes the four reports of a run into dir, with every token
// the run used redacted, and says where they are.
func writeReports(dir string, res *harness.Result, cfg harness.Config, stdout io.Writer) error {
	secrets := []string{cfg.Target.Token}
	for _, ep := range []*steps.Endpoint{cfg.Admin, cfg.Other} {
		if ep != nil {
			secrets = append(secrets, ep.Token)
		}
	}
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
