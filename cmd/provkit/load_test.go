package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runLoadTest(t *testing.T, hooks loadHooks, environ map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runLoadWith(context.Background(), args, func(k string) string { return environ[k] }, &out, &errb, hooks)
	return code, out.String(), errb.String()
}

// tableRow finds a kind's row of the closing table: count, errors, 429s.
func tableRow(t *testing.T, out, kind string) (count, errs, throttled int) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(kind) + `\s+(\d+)\s+(\d+)\s+(\d+)\s`).FindStringSubmatch(out)
	require.NotNil(t, m, "no %s row in:\n%s", kind, out)
	_, err := fmt.Sscan(m[1]+" "+m[2]+" "+m[3], &count, &errs, &throttled)
	require.NoError(t, err)
	return count, errs, throttled
}

// TestLoadBundledReference: the small version of the done-when. Every kind
// is in the table with the count sent, nothing fails, nothing is lost.
func TestLoadBundledReference(t *testing.T) {
	for _, tc := range []struct {
		shape              string
		users, groups, per int
		members            string // the membership kind and its count
		n, total           int
	}{
		{"entra", 300, 5, 20, "add-members", 15, 300 + 300 + 5 + 5 + 15},
		// smaller: the shapes' differences, not the scale
		{"okta", 100, 4, 10, "replace-members", 4, 100 + 100 + 4 + 4 + 4 + 4},
		{"rfc", 100, 4, 10, "add-members", 8, 100 + 100 + 4 + 4 + 8},
	} {
		t.Run(tc.shape, func(t *testing.T) {
			code, out, errs := runLoadTest(t, loadHooks{progress: 20 * time.Millisecond}, nil, "--users", fmt.Sprint(tc.users), "--groups", fmt.Sprint(tc.groups),
				"--members-per-group", fmt.Sprint(tc.per), "--members-per-patch", "7", "--shape", tc.shape, "--seed", "7")
			require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			for kind, want := range map[string]int{"find-user": tc.users, "create-user": tc.users, "find-group": tc.groups,
				"create-group": tc.groups, tc.members: tc.n, "verify-user": tc.users, "verify-group": tc.groups,
				"delete-user": tc.users, "delete-group": tc.groups} {
				n, e, _ := tableRow(t, out, kind)
				assert.Equal(t, want, n, kind)
				assert.Zero(t, e, kind)
			}
			if tc.shape == "okta" {
				n, _, _ := tableRow(t, out, "push-group")
				assert.Equal(t, tc.groups, n)
			}
			assert.Contains(t, out, fmt.Sprintf("read back %d users and %d groups", tc.users, tc.groups))
			assert.Contains(t, out, "no lost write")
			assert.Contains(t, out, fmt.Sprintf("deleted %d groups and %d users", tc.groups, tc.users))
			assert.Contains(t, out, "OK: no error, no lost write")
			assert.Regexp(t, `provkit load: (users|groups|memberships) \d+/\d+ `, errs, "a progress line")
			assert.Regexp(t, fmt.Sprintf(`(?m)^total\s+%d\s+0\s`, tc.total), out)
		})
	}
}

// TestLoadLostMembershipsFail: a reference whose member add replaces the
// list keeps only each group's last batch; the load itself sees no error,
// the verification sees the lost members and exits 1.
func TestLoadLostMembershipsFail(t *testing.T) {
	code, out, errs := runLoadTest(t, loadHooks{faults: []string{"scim-members-add-replaces"}}, nil,
		"--users", "100", "--groups", "4", "--members-per-group", "20", "--members-per-patch", "5")
	require.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	_, e, _ := tableRow(t, out, "add-members")
	assert.Zero(t, e, "the target acknowledged every PATCH")
	assert.Contains(t, out, "lost writes (4):")
	assert.Regexp(t, `15 of 20 acknowledged members missing`, out)
	assert.Contains(t, out, "FAILED")
}

// loadProxy is the bundled reference behind a proxy whose answers a test
// replaces (for the requests intercept returns true).
func loadProxy(t *testing.T, intercept func(w http.ResponseWriter, r *http.Request, n int64) bool) (target, token string) {
	t.Helper()
	ctx := context.Background()
	ref, err := startBundledReference(ctx, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), 1)
	require.NoError(t, err)
	t.Cleanup(ref.stop)
	up, err := url.Parse("http://" + ref.addr)
	require.NoError(t, err)
	rp := httputil.NewSingleHostReverseProxy(up)
	var n atomic.Int64
	px := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if intercept(w, r, n.Add(1)) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(px.Close)
	ep := ref.seed.Endpoints[0]
	return px.URL + strings.TrimPrefix(ep.SCIMURL, "http://"+ref.addr), ep.Token
}

// TestLoadLostCreateAndErrorSample: a target that answers one user create
// 201 without storing it (a lost write the verification finds), and one
// 500 whose body echoes the token (an error whose sample is redacted).
func TestLoadLostCreateAndErrorSample(t *testing.T) {
	var creates atomic.Int64
	var token string
	target, tok := loadProxy(t, func(w http.ResponseWriter, r *http.Request, _ int64) bool {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/Users") {
			return false
		}
		switch creates.Add(1) {
		case 10:
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"never-stored-1","userName":"x"}`)
			return true
		case 20:
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"boom for %s"}`, token)
			return true
		}
		return false
	})
	token = tok
	code, out, errs := runLoadTest(t, loadHooks{}, map[string]string{targetEnv: target, tokenEnv: tok},
		"--users", "50", "--groups", "2", "--members-per-group", "10")
	require.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	n, e, _ := tableRow(t, out, "create-user")
	assert.Equal(t, 50, n)
	assert.Equal(t, 1, e)
	assert.Regexp(t, `create-user\s+HTTP 500\s+1\s+.*boom for \[redacted\]`, out)
	assert.Contains(t, out, "lost writes")
	assert.Contains(t, out, "(id never-stored-1): created (answered 201) but GET answers 404")
	assert.NotContains(t, out, tok)
	assert.NotContains(t, errs, tok)
}

// TestLoadRetriesThrottled: every seventh request is answered 429 with
// Retry-After: 0 the first time; each is retried, counted, and the load
// ends without error or loss.
func TestLoadRetriesThrottled(t *testing.T) {
	var throttled atomic.Int64
	target, tok := loadProxy(t, func(w http.ResponseWriter, r *http.Request, n int64) bool {
		if n%7 != 0 {
			return false
		}
		throttled.Add(1)
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	})
	code, out, errs := runLoadTest(t, loadHooks{}, map[string]string{targetEnv: target, tokenEnv: tok},
		"--users", "100", "--groups", "3", "--members-per-group", "10", "--rate", "2000")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errs)
	m := regexp.MustCompile(`(?m)^total\s+\d+\s+0\s+(\d+)\s`).FindAllStringSubmatch(out, -1)
	require.Len(t, m, 2, out) // the load's table and the checks' table
	var sum int64
	for _, x := range m {
		var v int64
		fmt.Sscan(x[1], &v)
		sum += v
	}
	assert.Positive(t, sum)
	// The preflight's GET may have met one of them too: it is not retried.
	assert.InDelta(t, throttled.Load(), sum, 1)
	assert.Contains(t, out, "no lost write")
	n, _, _ := tableRow(t, out, "create-user")
	assert.Equal(t, 100, n)
}

func TestLoadUsageErrors(t *testing.T) {
	notSCIM := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>hello</html>")
	}))
	t.Cleanup(notSCIM.Close)
	const tok = "secret-load-token-4711"
	for name, args := range map[string][]string{
		"no users":          {"--users", "0"},
		"unknown shape":     {"--shape", "onelogin"},
		"bad flag":          {"--nope"},
		"argument":          {"extra"},
		"not http":          {"--target", "ftp://x", "--token", tok},
		"target no token":   {"--target", "http://127.0.0.1:1/scim"},
		"token no target":   {"--token", tok},
		"replicas sqlite":   {"--replicas", "3"},
		"database sqlite":   {"--database", "file.db"},
		"database target":   {"--target", "http://127.0.0.1:1/scim", "--token", tok, "--database", "postgres://x@y/z"},
		"too many members":  {"--users", "10", "--members-per-group", "11"},
		"bad run id":        {"--run-id", "Has Space"},
		"unreachable":       {"--target", "http://127.0.0.1:1/scim", "--token", tok},
		"not a SCIM target": {"--target", notSCIM.URL, "--token", tok},
		"zero concurrency":  {"--concurrency", "0"},
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errs := runLoadTest(t, loadHooks{}, nil, args...)
			assert.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", out, errs)
			assert.NotContains(t, out+errs, tok)
			assert.Contains(t, errs, "provkit load:")
		})
	}
}

func TestLoadHelp(t *testing.T) {
	code, out, _ := runCLI("help", "load")
	require.Equal(t, exitOK, code)
	for _, s := range []string{"--users N", "--shape shape", "--concurrency C", "--rate R", "--no-verify", "--keep", "--replicas n", "lost writes"} {
		assert.Contains(t, out, s)
	}
	code, out, _ = runCLI("help")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "  load ")
}
