package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	idpsync "github.com/provkit/provkit/mockidp/sync"
	"github.com/provkit/provkit/reference"
)

func runSim(t *testing.T, environ map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"simulate"}, args...), func(k string) string { return environ[k] }, &out, &errb)
	return code, out.String(), errb.String()
}

// TestSimulateEveryIdPAgainstTheBundledReference: the done-when of issue 5.
func TestSimulateEveryIdPAgainstTheBundledReference(t *testing.T) {
	for _, idp := range idpsync.Names() {
		t.Run(idp, func(t *testing.T) {
			t.Parallel()
			code, out, errs := runSim(t, nil, idp)
			require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			assert.Contains(t, out, "=== resulting state of")
			assert.Contains(t, out, "invited")
			assert.Contains(t, out, "OK: the identity provider would log no provisioning error")
			if idp != "google" {
				assert.Contains(t, out, "Memberships waiting for approval")
				assert.Contains(t, out, "pending")
			}
		})
	}
}

func TestSimulateOnePhaseOnTheBundledReference(t *testing.T) {
	code, out, errs := runSim(t, nil, "entra", "--phase", "deprovision")
	require.Equal(t, exitOK, code, "%s\n%s", out, errs)
	assert.Contains(t, out, "connect, sync, update sent first, not shown")
	assert.Contains(t, out, `"value": "False"`)
	assert.Contains(t, out, "locked    1: edsger.dijkstra@acme.example")
}

// TestSimulateNeverPrintsTokens sends to a reference whose tokens the test
// knows, with the admin API, and records: no token in any output or file.
func TestSimulateNeverPrintsTokens(t *testing.T) {
	ctx := context.Background()
	srv, err := reference.Open(ctx, reference.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	info, err := srv.SeedDemo(ctx, hs.URL)
	require.NoError(t, err)
	ep := info.Endpoints[0]
	rec := filepath.Join(t.TempDir(), "okta.jsonl")
	environ := map[string]string{targetEnv: ep.SCIMURL, tokenEnv: ep.Token, adminURLEnv: info.AdminURL, targetAdminTokenEnv: info.AdminToken}
	code, out, errs := runSim(t, environ, "okta", "--record", rec)
	require.Equal(t, exitOK, code, "%s\n%s", out, errs)
	assert.Contains(t, out, "Bearer [redacted]")
	assert.Contains(t, out, "Memberships waiting for approval (2)")
	for _, secret := range []string{ep.Token, info.AdminToken} {
		assert.NotContains(t, out, secret)
		assert.NotContains(t, errs, secret)
	}
	b, err := os.ReadFile(rec)
	require.NoError(t, err)
	assert.NotContains(t, string(b), ep.Token)
	fi, err := os.Stat(rec)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// replaying to the same target: Keeper links the same node's users
	// again (201, same id), so the statuses match; no token is printed
	code, out, _ = runSim(t, environ, "replay", rec)
	assert.Equal(t, exitOK, code)
	assert.NotContains(t, out, ep.Token)
	assert.NotContains(t, out, info.AdminToken)

	// replaying to a fresh bundled reference: every answer as recorded
	code, out, errs = runSim(t, nil, "replay", rec)
	require.Equal(t, exitOK, code, "%s\n%s", out, errs)
	assert.Contains(t, out, "Replaying")
}

func TestSimulateRefusedAndUnreachable(t *testing.T) {
	ctx := context.Background()
	srv, err := reference.Open(ctx, reference.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	var scimRequests atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/scim/") {
			scimRequests.Add(1)
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	info, err := srv.SeedDemo(ctx, hs.URL)
	require.NoError(t, err)

	code, _, errs := runSim(t, nil, "google", "--target", info.Endpoints[0].SCIMURL, "--token", "wrong-token-0123456789")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "refused the token")
	assert.NotContains(t, errs, "wrong-token-0123456789")
	assert.Equal(t, int32(1), scimRequests.Load(), "a refused token stops the flow at the first request")

	// A URL that answers a web page is not a SCIM endpoint: nothing is sent to it.
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html>Sign in</html>")
	}))
	t.Cleanup(page.Close)
	code, _, errs = runSim(t, nil, "google", "--target", page.URL+"/scim/v2", "--token", "secret-token-0123456789")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "is not a SCIM endpoint")

	code, _, errs = runSim(t, nil, "google", "--target", "http://127.0.0.1:1/scim", "--token", "secret-token-0123456789")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errs, "cannot reach")
	assert.NotContains(t, errs, "secret-token-0123456789")
}

func TestSimulateUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("users: [{email: nobody}]\n"), 0o600))
	junk := filepath.Join(dir, "junk.jsonl")
	require.NoError(t, os.WriteFile(junk, []byte("not json\n"), 0o600))
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "an identity provider is required"},
		{[]string{"--phase", "sync"}, "the identity provider comes first"},
		{[]string{"azure"}, `unknown identity provider "azure"`},
		{[]string{"okta", "--phase", "later"}, `unknown phase "later"`},
		{[]string{"okta", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"okta", "extra"}, `unexpected argument "extra"`},
		{[]string{"okta", "--token", "t"}, "--token and --admin-url need --target"},
		{[]string{"okta", "--target", "http://x.example/scim"}, "--target needs --token"},
		{[]string{"okta", "--target", "ftp://x", "--token", "t"}, "--target must be an http(s) URL"},
		{[]string{"okta", "--directory", filepath.Join(dir, "missing.yaml")}, "no such file"},
		{[]string{"okta", "--directory", bad}, "is not an address"},
		{[]string{"replay"}, "replay needs the recording"},
		{[]string{"replay", filepath.Join(dir, "missing.jsonl")}, "no such file"},
		{[]string{"replay", junk}, "line 1"},
		{[]string{"replay", junk, "--phase", "sync"}, "do not apply"},
	} {
		code, out, errs := runSim(t, nil, c.args...)
		assert.Equal(t, exitUsage, code, "%q", c.args)
		assert.Empty(t, out, "%q", c.args)
		assert.Equal(t, 1, strings.Count(errs, "\n"), "%q: one line: %q", c.args, errs)
		assert.Contains(t, errs, c.want, "%q", c.args)
	}
	code, out, _ := runSim(t, nil, "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "Usage: provkit simulate <idp>")
	code, out, _ = runSim(t, nil, "okta", "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "-directory")
	var help bytes.Buffer
	assert.Equal(t, exitOK, run(context.Background(), []string{"help", "simulate"}, func(string) string { return "" }, &help, &help))
	assert.Contains(t, help.String(), "jumpcloud")
}

func TestSimulateReplayReportsDifferences(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "g.jsonl")
	code, _, errs := runSim(t, nil, "google", "--phase", "connect", "--record", rec)
	require.Equal(t, exitOK, code, errs)
	b, err := os.ReadFile(rec)
	require.NoError(t, err)
	require.Contains(t, string(b), `"status":200`)
	require.NoError(t, os.WriteFile(rec, bytes.Replace(b, []byte(`"status":200`), []byte(`"status":201`), 1), 0o600))
	code, out, _ := runSim(t, nil, "replay", rec)
	assert.Equal(t, exitFail, code)
	assert.Contains(t, out, "recorded 201, replayed 200")
}
