// Package provkit_test runs provkit's conformance suite in-process against
// the bundled reference server (TestConformance, honouring godog's flags),
// proves that each rule's scenarios catch a server that breaks the rule
// (the fault matrix, matrix_test.go and faults_test.go), and checks the
// suite's options: no admin API, unadvertised features, the preflight.
package provkit_test

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/internal/harness"
	"github.com/provkit/provkit/internal/scimclient"
	"github.com/provkit/provkit/reference"
	"github.com/provkit/provkit/steps"
)

// godog's own flags (-godog.tags, -godog.format, -godog.concurrency, ...)
// and provkit's (-provkit.profile, -provkit.strict) for TestConformance.
var (
	godogOpts = godog.Options{Format: "progress", Concurrency: harness.DefaultConcurrency}
	profile   = flag.String("provkit.profile", harness.DefaultProfile, "conformance profile: keeper or rfc7644")
	strict    = flag.Bool("provkit.strict", false, "fail scenarios needing features ServiceProviderConfig does not advertise")
)

func init() { godog.BindFlags("godog.", flag.CommandLine, &godogOpts) }

// target is a running in-process reference server seen over HTTP.
type target struct {
	cfg harness.Config
	srv *httptest.Server
}

// startReference opens the bundled reference on a throwaway database behind
// a loopback HTTP server, seeds the demo and returns a harness
// configuration for it: Acme's Engineering endpoint is the target, Globex's
// Sales endpoint the other node. wrap, if given, stands between the
// harness and the server (wire faults).
func startReference(t testing.TB, faults []string, wrap func(http.Handler) http.Handler) *target {
	t.Helper()
	return startReferenceDB(t, "", faults, wrap)
}

// startReferenceDB is startReference on the database db (a PostgreSQL URL,
// say; "" is a throwaway SQLite database).
func startReferenceDB(t testing.TB, db string, faults []string, wrap func(http.Handler) http.Handler) *target {
	t.Helper()
	var h http.Handler
	var seed func(base string) reference.Info
	if db == "" {
		h, seed = openReference(t, faults)
	} else {
		srv, err := reference.Open(context.Background(), reference.Config{DB: db, Faults: faults})
		require.NoError(t, err)
		t.Cleanup(func() { _ = srv.Close() })
		h = srv.Handler()
		seed = func(base string) reference.Info {
			info, err := srv.SeedDemo(context.Background(), base)
			require.NoError(t, err)
			return info
		}
	}
	if wrap != nil {
		h = wrap(h)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	info := seed(hs.URL)
	require.Len(t, info.Endpoints, 2)
	acme, globex := info.Endpoints[0], info.Endpoints[1]
	return &target{srv: hs, cfg: harness.Config{
		Target:     steps.Endpoint{URL: acme.SCIMURL, Token: acme.Token},
		Admin:      &steps.Endpoint{URL: info.AdminURL, Token: info.AdminToken},
		Other:      &steps.Endpoint{URL: globex.SCIMURL, Token: globex.Token},
		OwnsTarget: true,
		KeepData:   true, // a throwaway database: TestConformance turns cleanup on to exercise it
		HTTP:       hs.Client(),
	}}
}

// TestConformance runs the whole suite against the bundled reference. It
// honours godog's flags, e.g.
//
//	go test -run TestConformance -godog.tags=@filter -godog.format=pretty
func TestConformance(t *testing.T) {
	tg := startReference(t, nil, nil)
	cfg := tg.cfg
	cfg.Profile = *profile
	cfg.Strict = *strict
	cfg.Tags = godogOpts.Tags
	cfg.Concurrency = godogOpts.Concurrency
	cfg.Randomize = godogOpts.Randomize
	cfg.StopOnFailure = godogOpts.StopOnFailure
	cfg.NoColors = godogOpts.NoColors
	if formatSet() {
		cfg.Formats = strings.Split(godogOpts.Format, ",")
		cfg.Output = os.Stdout
	}
	cfg.TestingT = t
	cfg.KeepData = false // remove what the scenarios create, as against a vendor's endpoint
	res, err := harness.Run(context.Background(), cfg)
	require.NoError(t, err)
	var sum bytes.Buffer
	res.Summary(&sum)
	t.Log(sum.String())
	require.True(t, res.Passed(), "the suite failed against the bundled reference")
	if cfg.Tags == "" {
		// the suite removed what it created in the target's node
		c := &scimclient.Client{BaseURL: cfg.Target.URL, Token: cfg.Target.Token, HTTP: cfg.HTTP}
		for _, res := range []string{"/Users", "/Groups"} {
			ex, err := c.Do(context.Background(), scimclient.Request{Method: http.MethodGet, Path: res, Query: url.Values{"count": {"0"}}})
			require.NoError(t, err)
			require.Zero(t, ex.Get("totalResults").Int(), "%s left behind in the target's node", res)
		}
	}
}

func formatSet() bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "godog.format" })
	return set
}

// TestExternalSuiteExample: the documented example module
// (examples/external-suite) runs its own feature file with steps.Register
// against a reference endpoint, and passes; against a reference whose
// filter is broken, it fails.
func TestExternalSuiteExample(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds another module")
	}
	for _, c := range []struct {
		faults []string
		pass   bool
	}{{nil, true}, {[]string{"scim-ignore-filter"}, false}} {
		tg := startReference(t, c.faults, nil)
		cmd := exec.Command("go", "test", "-count=1", "./...")
		cmd.Dir = "examples/external-suite"
		cmd.Env = append(os.Environ(), "PROVKIT_TARGET="+tg.cfg.Target.URL, "PROVKIT_TOKEN="+tg.cfg.Target.Token, "GOFLAGS=-buildvcs=false")
		out, err := cmd.CombinedOutput()
		if c.pass {
			require.NoError(t, err, "%s", out)
			require.Contains(t, string(out), "ok ")
		} else {
			require.Error(t, err, "%s", out)
			require.Contains(t, string(out), "a scenario failed")
		}
	}
}
