package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// junitStatuses reads a JUnit report into scenario -> passed|failed|skipped.
func junitStatuses(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc struct {
		Suites []struct {
			Cases []struct {
				Class   string    `xml:"classname,attr"`
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(b, &doc))
	out := map[string]string{}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			st := "passed"
			if c.Failure != nil {
				st = "failed"
			} else if c.Skipped != nil {
				st = "skipped"
			}
			out[c.Class+" / "+c.Name] = st
		}
	}
	return out
}

// buildReferenceDriver builds examples/admin-driver-reference.
func buildReferenceDriver(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "admin-driver")
	cmd := exec.Command("go", "build", "-o", bin, "./examples/admin-driver-reference")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// TestAdminExecReferenceDriver runs the whole keeper profile twice against
// the bundled reference: with its admin API, and with the shipped reference
// driver through the exec contract only. Every scenario passes both times,
// none skipped.
func TestAdminExecReferenceDriver(t *testing.T) {
	if testing.Short() {
		t.Skip("two whole keeper runs")
	}
	if runtime.GOOS == "windows" {
		t.Skip("the exec transport runs /bin/sh")
	}
	driver := buildReferenceDriver(t)
	dir := t.TempDir()
	var needs []string
	run := func(name string, extra ...string) map[string]string {
		junit := filepath.Join(dir, name+".xml")
		args := append([]string{"--profile", "keeper", "--concurrency", "4", "--format", "junit:" + junit}, extra...)
		code, stdout, stderr := runTestCLI(nil, args...)
		require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
		assert.Contains(t, stdout, "0 failed, 0 skipped")
		// the summary counts the scenarios needing each admin action
		m := regexp.MustCompile(`(?s)\nAdministrator: (\d+) of (\d+) scenarios needed one; scenarios per admin action:\n(.*?)\n\n`).FindStringSubmatch(stdout)
		require.NotNil(t, m, "no Administrator section in:\n%s", stdout)
		for _, a := range []string{"approve_queue", "get_user", "get_team", "configure_sso", "target_node", "create_enterprise"} {
			assert.Regexp(t, `\b`+a+` [1-9]\d*\b`, m[3], "scenarios needing %s", a)
		}
		needs = append(needs, m[0])
		return junitStatuses(t, junit)
	}
	viaURL := run("url")
	viaExec := run("exec", "--admin-exec", driver)
	require.NotEmpty(t, viaURL)
	assert.Equal(t, viaURL, viaExec)
	assert.Equal(t, needs[0], needs[1], "the same scenarios need the same actions through either transport")
	t.Log(needs[1])
	n := 0
	for _, st := range viaExec {
		if st == "passed" {
			n++
		}
	}
	t.Logf("%d scenarios, %d passed with --admin-exec", len(viaExec), n)
	assert.Equal(t, len(viaExec), n)
}

// TestLockSeenOverSCIM: a lock shows over SCIM as active false, so the
// deprovisioning scenarios of the identity providers run, and judge, with no
// administrator at all; a server that ignores active fails them.
func TestLockSeenOverSCIM(t *testing.T) {
	tags := "@idp-deprovision-locks or @idp-test-connection or @idp-lifecycle"
	info := seededReference(t)
	code, stdout, stderr := runTestCLI(nil, "--target", info.Endpoints[0].SCIMURL, "--token", info.Endpoints[0].Token, "--tags", tags)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	passed, failed, skipped := totals(t, stdout)
	assert.GreaterOrEqual(t, passed, 12)
	assert.Zero(t, failed+skipped)
	assert.NotContains(t, stdout, "Administrator:", "no admin action was needed")

	info = seededReference(t, "scim-ignore-active")
	code, stdout, stderr = runTestCLI(nil, "--target", info.Endpoints[0].SCIMURL, "--token", info.Endpoints[0].Token, "--tags", tags)
	require.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "Entra ID deprovisions Alice, who is locked")
}

// TestAdminExecUnsupportedSkips: a driver that supports nothing skips the
// administrator's scenarios with its reason; they count as skipped.
func TestAdminExecUnsupportedSkips(t *testing.T) {
	drv := filepath.Join(t.TempDir(), "drv")
	require.NoError(t, os.WriteFile(drv, []byte("#!/bin/sh\ncat >/dev/null\necho '{\"unsupported\": \"no console here\"}'\n"), 0o755))
	code, stdout, stderr := runTestCLI(nil, "--tags", "@approval", "--admin-exec", drv)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "no console here")
	assert.Regexp(t, `PASSED: 0 passed, 0 failed, \d+ skipped`, stdout)
}

func TestAdminManualRefusedWithoutTTY(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := testCommandWith(context.Background(), []string{"--admin-manual"}, func(string) string { return "" }, &stdout, &stderr,
		testHooks{tty: func(*os.File) bool { return false }})
	assert.Equal(t, exitUsage, code)
	assert.True(t, strings.Contains(stderr.String(), "--admin-manual needs a terminal"), stderr.String())
}

// TestOtherTarget: the cross-enterprise scenarios use --other-target when
// given, with no administrator at all (two seeded nodes in two enterprises).
func TestOtherTarget(t *testing.T) {
	info := seededReference(t)
	acme, globex := info.Endpoints[0], info.Endpoints[1]
	code, stdout, stderr := runTestCLI(nil, "--target", acme.SCIMURL, "--token", acme.Token,
		"--other-target", globex.SCIMURL, "--other-token", globex.Token, "--tags", "@needs-other-node and not @needs-admin and not @needs-sp and not @own-node and not @own-enterprise")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Regexp(t, `PASSED: [1-9]\d* passed, 0 failed, 0 skipped`, stdout)
	assert.NotContains(t, stdout, globex.Token)
	t.Log(stdout[strings.LastIndex(stdout, "PASSED"):])

	code, _, stderr = runTestCLI(nil, "--target", acme.SCIMURL, "--token", acme.Token, "--other-target", globex.SCIMURL)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--other-target and --other-token")
}
