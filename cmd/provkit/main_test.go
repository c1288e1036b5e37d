package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/reference"
)

// binary builds provkit once per test run.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "provkit-bin-")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "provkit")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin, err := binary()
	require.NoError(t, err)
	return bin
}

// syncBuffer is a bytes.Buffer safe for a subprocess writer and a test reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type proc struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	done           chan error
}

func startServe(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, append([]string{"serve"}, args...)...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	require.NoError(t, p.cmd.Start())
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitInfo waits for the info file to appear with a new admin token.
func waitInfo(t *testing.T, p *proc, path, notToken string) reference.Info {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			t.Fatalf("serve exited early: %v\nstdout:\n%s\nstderr:\n%s", err, p.stdout, p.stderr)
		default:
		}
		data, err := os.ReadFile(path)
		if err == nil {
			var info reference.Info
			require.NoError(t, json.Unmarshal(data, &info), "the info file is written atomically")
			if info.AdminToken != notToken {
				return info
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no info file after 60s\nstdout:\n%s\nstderr:\n%s", p.stdout, p.stderr)
	return reference.Info{}
}

func stop(t *testing.T, p *proc) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.done:
		require.NoError(t, err, "clean exit 0 on SIGTERM\nstderr:\n%s", p.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop within 30s after SIGTERM\nstderr:\n%s", p.stderr)
	}
	assert.Contains(t, p.stderr.String(), "provkit serve: stopped")
}

func adminGet(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(res.Body)
	require.NoError(t, err)
	return res.StatusCode, buf.Bytes()
}

func TestServeSubprocess(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "provkit.db")
	infoPath := filepath.Join(dir, "info.json")
	noEnv := []string{"PROVKIT_ADMIN_TOKEN="}

	// First start: empty database, demo seeded, generated admin token.
	p := startServe(t, bin, noEnv, "--addr", "127.0.0.1:0", "--db", db, "--info-file", infoPath)
	info := waitInfo(t, p, infoPath, "")
	fi, err := os.Stat(infoPath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	require.Len(t, info.Endpoints, 2)
	assert.Equal(t, "Acme", info.Endpoints[0].Enterprise)
	assert.NotEmpty(t, info.Endpoints[0].Token)
	assert.Len(t, info.AdminToken, 43)

	status, body := adminGet(t, info.AdminURL+"/enterprises", info.AdminToken)
	require.Equal(t, http.StatusOK, status, "%s", body)
	var list struct {
		Enterprises []struct{ Name string } `json:"enterprises"`
	}
	require.NoError(t, json.Unmarshal(body, &list))
	require.Len(t, list.Enterprises, 2)
	assert.Equal(t, "Acme", list.Enterprises[0].Name)
	status, _ = adminGet(t, info.AdminURL+"/enterprises", "wrong-token-0123456789")
	assert.Equal(t, http.StatusUnauthorized, status)

	out := p.stdout.String()
	assert.Contains(t, out, info.AdminURL)
	assert.Contains(t, out, info.AdminToken)
	for _, ep := range info.Endpoints {
		assert.Contains(t, out, ep.SCIMURL)
		assert.Contains(t, out, ep.Token)
	}
	assert.Contains(t, out, "curl ")
	stop(t, p)

	// Second start: same database, admin token from the environment; no
	// reseed, and the SCIM tokens still valid are carried over.
	const fixed = "env-admin-token-0123456789"
	p = startServe(t, bin, []string{"PROVKIT_ADMIN_TOKEN=" + fixed}, "--addr", "127.0.0.1:0", "--db", db, "--info-file", infoPath)
	info2 := waitInfo(t, p, infoPath, info.AdminToken)
	assert.Equal(t, fixed, info2.AdminToken)
	require.Len(t, info2.Endpoints, 2)
	for i := range info2.Endpoints {
		assert.Equal(t, info.Endpoints[i].NodeID, info2.Endpoints[i].NodeID)
		assert.Equal(t, info.Endpoints[i].Token, info2.Endpoints[i].Token)
	}
	assert.NotContains(t, p.stdout.String(), fixed, "a token given by the environment is not echoed")
	status, body = adminGet(t, info2.AdminURL+"/enterprises", fixed)
	require.Equal(t, http.StatusOK, status)
	require.NoError(t, json.Unmarshal(body, &list))
	assert.Len(t, list.Enterprises, 2, "no reseed")
	status, _ = adminGet(t, info2.AdminURL+"/enterprises", info.AdminToken)
	assert.Equal(t, http.StatusUnauthorized, status, "the first run's admin token is gone")
	stop(t, p)
}

func TestServeUsageErrorSubprocess(t *testing.T) {
	bin := buildBinary(t)
	cmd := exec.Command(bin, "serve", "--no-such-flag")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "err: %v", err)
	assert.Equal(t, 2, ee.ExitCode())
	assert.Empty(t, stdout.String())
	msg := stderr.String()
	assert.Equal(t, 1, strings.Count(msg, "\n"), "one line: %q", msg)
	assert.Contains(t, msg, "provkit serve: flag provided but not defined: -no-such-flag")
}

func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestUsage(t *testing.T) {
	oneLineErrors := []struct {
		args []string
		want string
	}{
		{nil, "a command is required"},
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"serve", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"serve", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "--addr"}, "flag needs an argument: -addr"},
		{[]string{"serve", "--db", ""}, "--db must not be empty"},
		{[]string{"version", "x"}, `unexpected argument "x"`},
		{[]string{"help", "bogus"}, `unknown command "bogus"`},
		{[]string{"help", "a", "b"}, "too many arguments"},
		{[]string{"test", "--profile", "bogus"}, `provkit test: unknown profile "bogus"`},
		{[]string{"idp", "--target", "x"}, "provkit idp: flag provided but not defined: -target"},
		{[]string{"simulate"}, "provkit simulate: an identity provider is required"},
	}
	for _, c := range oneLineErrors {
		code, stdout, stderr := runCLI(c.args...)
		assert.Equal(t, exitUsage, code, "%q", c.args)
		assert.Empty(t, stdout, "%q", c.args)
		assert.Equal(t, 1, strings.Count(stderr, "\n"), "%q: one line: %q", c.args, stderr)
		assert.Contains(t, stderr, c.want, "%q", c.args)
	}

	code, stdout, stderr := runCLI("help")
	assert.Equal(t, exitOK, code)
	assert.Empty(t, stderr)
	for _, s := range []string{"serve", "version", "test", "idp", "simulate"} {
		assert.Contains(t, stdout, s)
	}
	assert.NotContains(t, stdout, "Not available")
	for _, args := range [][]string{{"help", "serve"}, {"serve", "-h"}, {"serve", "--help"}} {
		code, stdout, _ = runCLI(args...)
		assert.Equal(t, exitOK, code, "%q", args)
		assert.Contains(t, stdout, "Usage: provkit serve", "%q", args)
		assert.Contains(t, stdout, "-admin-token", "%q", args)
		assert.Contains(t, stdout, "PROVKIT_ADMIN_TOKEN", "%q", args)
	}
	code, stdout, _ = runCLI("help", "test")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "Usage: provkit test")
	code, stdout, _ = runCLI("version")
	assert.Equal(t, exitOK, code)
	assert.True(t, strings.HasPrefix(stdout, "provkit "), stdout)
}

// TestVersionNamesCommit: a binary built from a checkout names its commit
// and Go version (from the build info), so a CI log says what was tested.
func TestVersionNamesCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the binary")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skip("not a git checkout: ", err)
	}
	if fi, err := os.Stat("../../.git"); err != nil || !fi.IsDir() {
		t.Skip("the go command stamps the commit only in a plain clone, not a git worktree")
	}
	bin := filepath.Join(t.TempDir(), "provkit")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOFLAGS=")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	out, err = exec.Command(bin, "version").Output()
	require.NoError(t, err)
	assert.Contains(t, string(out), "commit "+strings.TrimSpace(string(head))[:12])
	assert.Contains(t, string(out), runtime.Version())
}
