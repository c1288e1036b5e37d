package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runTestCLI(env map[string]string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := testCommand(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestTestCommandBundled(t *testing.T) {
	dir := t.TempDir()
	junit := filepath.Join(dir, "out.xml")
	code, stdout, stderr := runTestCLI(nil, "--tags", "@auth,@discovery", "--format", "junit:"+junit, "--format", "progress")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stderr, "bundled reference server")
	assert.Contains(t, stdout, "PASSED")
	assert.Contains(t, stdout, "auth")
	assert.Contains(t, stdout, "discovery")
	b, err := os.ReadFile(junit)
	require.NoError(t, err)
	assert.Contains(t, string(b), "<testsuites")
}

func TestTestCommandUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--profile", "bogus"}, `unknown profile "bogus"`},
		{[]string{"--concurrency", "0"}, "--concurrency must be at least 1"},
		{[]string{"--token", "x"}, "need --target"},
		{[]string{"--target", "http://127.0.0.1:1/scim", "--admin-url", "http://127.0.0.1:1/admin/v1"}, "--admin-url needs --admin-token"},
		{[]string{"--format", "bogus"}, `unknown format "bogus"`},
		{[]string{"--tags", "(@a)"}, "no parentheses"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--target", "http://127.0.0.1:1/api/rest/scim/v2/3", "--token", "t0ken-t0ken-t0ken"}, "cannot reach the target"},
		{[]string{"--target", "http://127.0.0.1:1/api/rest/scim/v2/3"}, "no token"},
	} {
		code, _, stderr := runTestCLI(nil, c.args...)
		assert.Equal(t, exitUsage, code, "%q: %s", c.args, stderr)
		assert.Contains(t, stderr, c.want, "%q", c.args)
		assert.Equal(t, 1, strings.Count(stderr, "provkit test:"), "%q: one line: %q", c.args, stderr)
	}
}

func TestTestCommandRefusedTokenFromEnv(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer good-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/scim+json")
		_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}`))
	}))
	defer srv.Close()
	code, _, stderr := runTestCLI(map[string]string{targetEnv: srv.URL, tokenEnv: "bad-token"})
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "refused the token")

	// a target that answers every request with an empty list passes the
	// preflight and fails the scenarios: exit 1, with the failures listed
	code, stdout, stderr := runTestCLI(map[string]string{targetEnv: srv.URL, tokenEnv: "good-token"}, "--tags", "@auth")
	assert.Equal(t, exitFail, code, stderr)
	assert.Contains(t, stdout, "Failed (")
	assert.Contains(t, stdout, "FAILED")
	assert.Contains(t, stdout, "no admin API")
}
