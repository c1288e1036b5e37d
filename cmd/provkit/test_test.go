package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/internal/chromium"
	"github.com/provkit/provkit/internal/harness"
	"github.com/provkit/provkit/reference"
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
		{[]string{"--tags", "(@a)"}, "unknown tag @a"},
		{[]string{"--tags", "@filtr"}, "unknown tag @filtr; did you mean @filter?"},
		{[]string{"--tags", "@filter && "}, "empty term"},
		{[]string{"--tags", ","}, "empty term"},
		{[]string{"--tags", "@must and"}, "tag expression ends"},
		{[]string{"--tags", "@lock-on-delete and @rfc7644"}, "selects no scenario"},
		{[]string{"--profile", "rfc7644", "--tags", "@keeper"}, "selects no scenario"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--report-dir", "../../reports"}, "holds source code"},
		{[]string{"--report-dir", "."}, "holds source code"},
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
	// rfc7644 preflight and fails the scenarios: exit 1, with the failures
	// listed (the keeper profile also wants its ServiceProviderConfig)
	code, stdout, stderr := runTestCLI(map[string]string{targetEnv: srv.URL, tokenEnv: "good-token"}, "--tags", "@auth")
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stderr, "ServiceProviderConfig answered JSON whose schemas do not include")
	code, stdout, stderr = runTestCLI(map[string]string{targetEnv: srv.URL, tokenEnv: "good-token"}, "--profile", "rfc7644", "--tags", "@auth")
	assert.Equal(t, exitFail, code, stderr)
	assert.Contains(t, stdout, "Failed (")
	assert.Contains(t, stdout, "FAILED")
	assert.Contains(t, stdout, "no administrator")
}

// ---- --report-dir ----

// artifactsEnv names the directory where tests keep build artefacts (the
// report's screenshot); default: the test's temporary directory.
const artifactsEnv = "PROVKIT_ARTIFACTS"

func artifactsDir(t *testing.T) string {
	if d := os.Getenv(artifactsEnv); d != "" {
		require.NoError(t, os.MkdirAll(d, 0o755))
		return d
	}
	return t.TempDir()
}

// runWithFault runs `provkit test --report-dir` against the bundled
// reference with a reference fault on, and returns the report directory
// and every token the run used.
func runWithFault(t *testing.T, fault, tags string) (dir string, secrets []string, stdout string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "reports")
	var out, errOut bytes.Buffer
	code := testCommandWith(context.Background(), []string{"--tags", tags, "--report-dir", dir},
		func(string) string { return "" }, &out, &errOut, testHooks{faults: []string{fault},
			configured: func(c *harness.Config) {
				secrets = append(secrets, c.Target.Token, c.Admin.Token, c.Other.Token)
			}})
	require.Equal(t, exitFail, code, "with %s on the run fails\nstdout:\n%s\nstderr:\n%s", fault, out.String(), errOut.String())
	require.Len(t, secrets, 3)
	for _, s := range secrets {
		require.GreaterOrEqual(t, len(s), 16, "a real token")
	}
	return dir, secrets, out.String()
}

// TestReportDir: one run writes all four reports; the JUnit file parses and
// has one testcase per scenario; no token of the run is in any file.
func TestReportDir(t *testing.T) {
	dir, secrets, stdout := runWithFault(t, "scim-hard-delete", "@deprovision,@discovery")
	assert.Contains(t, stdout, "Reports in "+dir)
	for name, texts := range reportTexts(t, dir) {
		for _, text := range texts {
			for _, s := range secrets {
				require.NotContains(t, text, s, "%s holds a token", name)
			}
		}
	}

	var junit struct {
		Tests  int `xml:"tests,attr"`
		Fails  int `xml:"failures,attr"`
		Suites []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(b, &junit))
	cat, _, err := harness.Catalogue(harness.Config{Tags: "@deprovision,@discovery"})
	require.NoError(t, err)
	cases, names := 0, map[string]bool{}
	for _, s := range junit.Suites {
		for _, c := range s.Cases {
			cases++
			names[c.Name] = true
		}
	}
	assert.Equal(t, len(cat), cases, "one testcase per scenario")
	assert.Equal(t, len(cat), junit.Tests)
	assert.Len(t, names, cases, "testcase names are unique")
	assert.Positive(t, junit.Fails)

	// the steps as they ran: the failed one, and the one after it skipped
	var cuke []struct {
		Elements []struct {
			Name  string `json:"name"`
			Steps []struct {
				Result struct {
					Status string `json:"status"`
				} `json:"result"`
			} `json:"steps"`
		} `json:"elements"`
	}
	b, err = os.ReadFile(filepath.Join(dir, "cucumber.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &cuke))
	var statuses []string
	for _, f := range cuke {
		for _, e := range f.Elements {
			if e.Name == "An identity provider deprovisions Alice" {
				for _, st := range e.Steps {
					statuses = append(statuses, st.Result.Status)
				}
			}
		}
	}
	assert.Equal(t, []string{"passed", "passed", "failed", "skipped"}, statuses)

	sum, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	require.NoError(t, err)
	assert.Contains(t, string(sum), "FAILED")
	assert.Contains(t, string(sum), "@lock-on-delete")
}

// TestReportInChromium opens the HTML report of a run with failures in
// headless Chromium, clicks "failed" and checks that only failed scenarios
// show, with the failed check's exchange visible; it keeps a screenshot in
// $PROVKIT_ARTIFACTS.
func TestReportInChromium(t *testing.T) {
	path := chromium.Find(t)
	dir, _, _ := runWithFault(t, "scim-hard-delete", "@deprovision,@discovery,@users")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := chromium.Start(ctx, path, t.TempDir())
	require.NoError(t, err)
	defer b.Close()
	page, err := b.Open(ctx, (&url.URL{Scheme: "file", Path: filepath.Join(dir, "report.html")}).String())
	require.NoError(t, err)
	require.NoError(t, page.SetViewport(ctx, 1280, 900))
	_, err = page.WaitFor(ctx, "the report", "document.readyState === 'complete' && document.querySelectorAll('details.sc').length > 0")
	require.NoError(t, err)

	// Without scrolling, the top of the page gives the verdict by level and
	// the first failure.
	top, err := page.WaitFor(ctx, "the verdict", `(() => {
		const inView = id => { const e = document.getElementById(id); if (!e) return false;
			const r = e.getBoundingClientRect(); return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight; };
		if (!inView("verdict-line") || !inView("levels") || !inView("first-failure")) return "";
		return JSON.stringify({verdict: document.getElementById("verdict-line").textContent,
			levels: document.getElementById("levels").textContent,
			first: document.getElementById("first-failure").textContent, scrollY: scrollY});
	})()`)
	require.NoError(t, err)
	var head struct {
		Verdict, Levels, First string
		ScrollY                float64
	}
	require.NoError(t, json.Unmarshal([]byte(top), &head))
	assert.Zero(t, head.ScrollY)
	assert.True(t, strings.HasPrefix(head.Verdict, "FAILED: "), head.Verdict)
	assert.Contains(t, head.Verdict, "MUST ")
	assert.Contains(t, head.Levels, "MUST")
	assert.Contains(t, head.First, "deprovisions Alice")
	topShot, err := page.Screenshot(ctx, false)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(artifactsDir(t), "report-top.png"), topShot, 0o644))

	require.NoError(t, page.Click(ctx, "#filter-failed"))
	state, err := page.WaitFor(ctx, "the failed filter", `(() => {
		const visible = e => !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
		const shown = [...document.querySelectorAll("details.sc")].filter(visible);
		if (!shown.length || shown.some(s => s.dataset.status !== "failed")) return "";
		const first = shown.find(s => s.querySelector(".name").textContent.includes("deprovisions Alice"));
		if (!first) return "";
		const ex = first.querySelector("pre.evidence");
		return JSON.stringify({
			shown: shown.length,
			passedHidden: [...document.querySelectorAll("details.sc.passed")].every(s => !visible(s)),
			name: first.querySelector(".name").textContent,
			open: first.open,
			exchangeVisible: visible(ex) && ex.getBoundingClientRect().height > 20,
			exchange: ex ? ex.textContent : "",
			expected: (first.querySelector("td.expected") || {}).textContent || "",
			hash: location.hash,
		});
	})()`)
	require.NoError(t, err)
	var got struct {
		Shown           int
		PassedHidden    bool
		Name            string
		Open            bool
		ExchangeVisible bool
		Exchange        string
		Expected        string
		Hash            string
	}
	require.NoError(t, json.Unmarshal([]byte(state), &got))
	t.Logf("after clicking failed: %d scenarios shown; %q", got.Shown, got.Name)
	assert.True(t, got.PassedHidden, "passed scenarios are hidden")
	assert.True(t, got.Open, "a failed scenario is open")
	assert.True(t, got.ExchangeVisible, "the failed check's exchange is visible")
	assert.Contains(t, got.Exchange, "> GET ")
	assert.Contains(t, got.Exchange, "Authorization: Bearer [redacted]")
	assert.Contains(t, got.Exchange, "< HTTP 404")
	assert.NotEmpty(t, got.Expected, "expected and actual values are shown")
	assert.Equal(t, "#status=failed", got.Hash)

	png, err := page.Screenshot(ctx, true)
	require.NoError(t, err)
	shot := filepath.Join(artifactsDir(t), "report-failed.png")
	require.NoError(t, os.WriteFile(shot, png, 0o644))
	t.Logf("screenshot: %s (%d KiB)", shot, len(png)/1024)
}

func TestReportDirUsage(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	code, _, stderr := runTestCLI(nil, "--tags", "@auth", "--report-dir", filepath.Join(file, "sub"))
	assert.Equal(t, exitUsage, code, stderr)
	assert.Contains(t, stderr, "--report-dir")
}

// TestReportRedactsATarget: a careless target that echoes its token in
// bodies, headers, cookies and URLs; no report file holds the token.
func TestReportRedactsATarget(t *testing.T) {
	const token = "known-token-0123456789abcdef"
	const cookie = "sid-5f4dcc3b5aa765d61d8327deb882cf99"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/scim+json")
		w.Header().Set("Set-Cookie", "sid="+cookie+"; HttpOnly")
		w.Header().Set("Location", "http://"+r.Host+r.URL.Path+"?access_token="+token)
		_, _ = w.Write([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[],` +
			`"token":"` + token + `","detail":"your Bearer ` + token + ` is fine"}`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	code, stdout, stderr := runTestCLI(map[string]string{targetEnv: srv.URL, tokenEnv: token}, "--profile", "rfc7644", "--tags", "@auth,@users", "--report-dir", dir)
	require.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	for name, texts := range reportTexts(t, dir) {
		for _, text := range texts {
			assert.NotContains(t, text, token, name)
			assert.NotContains(t, text, cookie, name)
		}
		assert.Contains(t, texts[0], "[redacted]", name)
	}
}

// reportTexts reads the four reports of dir: each file's text, and for
// cucumber.json also its decoded (base64) attachments.
func reportTexts(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, name := range []string{"report.html", "junit.xml", "cucumber.json", "summary.md"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, name)
		out[name] = []string{string(b)}
		if name != "cucumber.json" {
			continue
		}
		var feats []struct {
			Elements []struct {
				Steps []struct {
					Embeddings []struct {
						Data []byte `json:"data"`
					} `json:"embeddings"`
				} `json:"steps"`
			} `json:"elements"`
		}
		require.NoError(t, json.Unmarshal(b, &feats))
		for _, f := range feats {
			for _, e := range f.Elements {
				for _, s := range e.Steps {
					for _, em := range s.Embeddings {
						out[name] = append(out[name], string(em.Data))
					}
				}
			}
		}
		require.Greater(t, len(out[name]), 1, "the failed scenarios' exchanges are attached")
	}
	return out
}

// TestReportShowsSAMLHops: a SAML scenario that fails (the reference's SP
// accepts a response without an audience) shows the browser's hops in the
// reports, the auto-submitted POST to the ACS among them, with the failed
// check's expected and actual values; no SAMLResponse, signature value or
// cookie value reaches a report.
func TestReportShowsSAMLHops(t *testing.T) {
	dir, secrets, _ := runWithFault(t, "sso-no-audience", "@saml-audience")
	texts := reportTexts(t, dir)
	html := texts["report.html"][0]
	assert.Regexp(t, `<span class="chip">browser</span>POST http://127\.0\.0\.1:\d+/api/rest/sso/saml/[^ ]+ → \d{3} `, html,
		"the POST to the ACS is one of the scenario's exchanges")
	assert.Contains(t, html, "SAMLResponse=[redacted]")
	assert.Contains(t, html, `<td class="expected">none (the sign-in refused)</td>`)
	junit := texts["junit.xml"][0]
	assert.Contains(t, junit, "checked:  the session")
	leaks := []*regexp.Regexp{
		regexp.MustCompile(`SAMLResponse=[^\[&\s]`),                                              // a SAMLResponse value in a form or URL
		regexp.MustCompile(`(?i)name=(?:"|&#34;)SAMLResponse(?:"|&#34;) value=(?:"|&#34;)[^\[]`), // in the IdP's form
		regexp.MustCompile(`(?i)SignatureValue(?:>|&gt;)[^\[]`),                                  // an XML signature
		regexp.MustCompile(`(?i)(?:Set-)?Cookie: [^=\s]+=[^\[]`),                                 // a cookie's value
	}
	for name, ts := range texts {
		for _, text := range ts {
			for _, s := range secrets {
				require.NotContains(t, text, s, "%s holds a token", name)
			}
			for _, re := range leaks {
				assert.NotRegexp(t, re, text, "%s", name)
			}
		}
	}
}

// TestTestCommandMissingTargetInCI: a CI job whose target variable is unset
// must not quietly test the bundled reference instead of the vendor's
// endpoint: an empty --target, or a token in the environment without a
// target, is a usage error.
func TestTestCommandMissingTargetInCI(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--target", ""}, "--target is empty"},
		{nil, []string{"--target", " ", "--token", "x"}, "--target is empty"},
		{map[string]string{"PROVKIT_TOKEN": "secret-token"}, nil, "$PROVKIT_TOKEN is set but no target"},
		{map[string]string{"PROVKIT_TARGET": "", "PROVKIT_ADMIN_URL": "https://admin.example/admin/v1"}, nil, "$PROVKIT_ADMIN_URL is set but no target"},
	} {
		code, _, stderr := runTestCLI(c.env, c.args...)
		assert.Equal(t, exitUsage, code, "%v %q: %s", c.env, c.args, stderr)
		assert.Contains(t, stderr, c.want)
		assert.NotContains(t, stderr, "secret-token")
		assert.Equal(t, 1, strings.Count(stderr, "provkit test:"), "one line: %q", stderr)
	}
}

// TestFormatFilesAreOurs: --format junit:FILE and cucumber:FILE are written
// by the same writers as --report-dir (godog's JUnit counted skipped
// scenarios as passed), so the files agree, byte for byte, and a skipped
// scenario is reported skipped.
func TestFormatFilesAreOurs(t *testing.T) {
	info := seededReference(t)

	dir := t.TempDir()
	junit, cuke, reportDir := filepath.Join(dir, "j", "out.xml"), filepath.Join(dir, "c.json"), filepath.Join(dir, "r")
	// Without the admin API, the @needs-admin scenarios of @deprovision are skipped.
	code, stdout, stderr := runTestCLI(nil, "--target", info.Endpoints[0].SCIMURL, "--token", info.Endpoints[0].Token,
		"--tags", "@deprovision", "--format", "junit:"+junit, "--format", "cucumber:"+cuke, "--report-dir", reportDir)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	ours, err := os.ReadFile(junit)
	require.NoError(t, err)
	fromDir, err := os.ReadFile(filepath.Join(reportDir, "junit.xml"))
	require.NoError(t, err)
	require.Equal(t, string(fromDir), string(ours))
	var doc struct {
		Tests   int `xml:"tests,attr"`
		Skipped int `xml:"skipped,attr"`
	}
	require.NoError(t, xml.Unmarshal(ours, &doc))
	require.Positive(t, doc.Skipped, "%s", ours)
	require.Greater(t, doc.Tests, doc.Skipped)
	c1, err := os.ReadFile(cuke)
	require.NoError(t, err)
	c2, err := os.ReadFile(filepath.Join(reportDir, "cucumber.json"))
	require.NoError(t, err)
	require.JSONEq(t, string(c2), string(c1))
	require.NotContains(t, string(ours)+string(c1), info.Endpoints[0].Token)

	code, _, stderr = runTestCLI(nil, "--format", "junit")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "--format junit needs a file")
}

// TestConsoleTrimmed: a run with many failures prints each failure's
// exchanges cut to their first lines; --verbose prints them whole. Help
// lists the flags GNU-style, as the docs write them.
func TestConsoleTrimmed(t *testing.T) {
	hooks := testHooks{faults: []string{"scim-ignore-filter"}}
	var out, errb bytes.Buffer
	code := testCommandWith(context.Background(), []string{"--tags", "@filter"}, func(string) string { return "" }, &out, &errb, hooks)
	require.Equal(t, exitFail, code, errb.String())
	short := out.String()
	out.Reset()
	code = testCommandWith(context.Background(), []string{"--tags", "@filter", "--verbose"}, func(string) string { return "" }, &out, &errb, hooks)
	require.Equal(t, exitFail, code)
	long := out.String()
	failures := strings.Count(short, "\n  ✗ ")
	require.Greater(t, failures, 5)
	require.Contains(t, short, "more lines")
	require.NotContains(t, long, "more lines")
	t.Logf("%d failures: %d lines, %d with --verbose", failures, strings.Count(short, "\n"), strings.Count(long, "\n"))
	require.Less(t, strings.Count(short, "\n"), strings.Count(long, "\n"))
	require.Less(t, strings.Count(short, "\n"), 45*failures)

	code, help, _ := runCLI("help", "test")
	require.Equal(t, exitOK, code)
	require.Contains(t, help, "\n  --target URL\n")
	require.NotContains(t, help, "\n  -target")
}

// TestExpectations: --write-expectations records a run's failures; with
// --expect they are reported but do not fail the run (nor the JUnit file),
// a failure not listed still does, and a listed one that passes is
// reported as fixed.
func TestExpectations(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "known.txt")
	run := func(faults []string, args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := testCommandWith(context.Background(), append([]string{"--tags", "@deprovision"}, args...),
			func(string) string { return "" }, &out, &errb, testHooks{faults: faults})
		return code, out.String() + errb.String()
	}
	broken := []string{"scim-hard-delete"}
	code, out := run(broken, "--write-expectations", file)
	require.Equal(t, exitFail, code, out)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var entries []string
	for _, l := range lines {
		if !strings.HasPrefix(l, "#") {
			entries = append(entries, l)
		}
	}
	require.Greater(t, len(entries), 1, "%s", b)

	junit := filepath.Join(dir, "j.xml")
	code, out = run(broken, "--expect", file, "--format", "junit:"+junit)
	require.Equal(t, exitOK, code, out)
	require.Contains(t, out, "Known failures (")
	require.Contains(t, out, "known (--expect)")
	var doc struct {
		Failures int `xml:"failures,attr"`
	}
	jb, err := os.ReadFile(junit)
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(jb, &doc))
	require.Zero(t, doc.Failures)
	require.Contains(t, string(jb), "known failure (--expect)")

	// one known failure fewer: that one is new, and fails the run
	require.NoError(t, os.WriteFile(file, []byte(strings.Join(entries[1:], "\n")+"\n"), 0o644))
	code, out = run(broken, "--expect", file)
	require.Equal(t, exitFail, code, out)
	require.Contains(t, out, "Failed (1)")

	// without the fault, the known failures pass: reported as fixed
	code, out = run(nil, "--expect", file)
	require.Equal(t, exitOK, code, out)
	require.Contains(t, out, fmt.Sprintf("Fixed (%d", len(entries)-1))

	for content, want := range map[string]string{
		"scim/users.feature: Nope | reason\n":                       "no scenario",
		"scim/users.feature: Reading an unknown user answers 404\n": "needs a scenario name and a reason",
		"not a line\n": "line 1",
	} {
		require.NoError(t, os.WriteFile(file, []byte(content), 0o644))
		code, out = run(nil, "--expect", file)
		require.Equal(t, exitUsage, code, out)
		require.Contains(t, out, want)
	}
}

// TestLeftovers: a run against a vendor-style target removes what it
// created. With the admin API nothing is left; without it (SCIM DELETE only
// locks on a Keeper-like target) every user left is counted in the summary,
// and the count matches what the target still holds.
func TestLeftovers(t *testing.T) {
	info := seededReference(t)
	ep := info.Endpoints[0]
	left := func() int {
		req, _ := http.NewRequest(http.MethodGet, ep.SCIMURL+"/Users?count=0&filter="+url.QueryEscape(`userName sw "pk"`), nil)
		req.Header.Set("Authorization", "Bearer "+ep.Token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body struct{ TotalResults int }
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		return body.TotalResults
	}
	base := []string{"--target", ep.SCIMURL, "--token", ep.Token, "--tags", "@users and not @needs-admin"}

	code, stdout, stderr := runTestCLI(nil, append(base, "--admin-url", info.AdminURL, "--admin-token", info.AdminToken)...)
	require.Equal(t, exitOK, code, "%s\n%s", stdout, stderr)
	require.Contains(t, stdout, "Clean-up: everything the run created on the target was removed.")
	require.Zero(t, left())

	code, stdout, stderr = runTestCLI(nil, base...)
	require.Equal(t, exitOK, code, "%s\n%s", stdout, stderr)
	m := regexp.MustCompile(`Left on the target \((\d+); their names start with pk`).FindStringSubmatch(stdout)
	require.NotNil(t, m, stdout)
	require.Contains(t, stdout, "user still there after DELETE /Users/{id} (locked, as Keeper does")
	require.Equal(t, m[1], fmt.Sprint(left()), "the summary counts every user left")
	require.Positive(t, left())
}

// TestClean: provkit clean lists what earlier runs left (a dry run by
// default) and removes it with --yes: through the admin API nothing stays;
// without it, users that SCIM DELETE only locks are reported and exit 1.
func TestClean(t *testing.T) {
	ctx := context.Background()
	info := seededReference(t)
	ep := info.Endpoints[0]
	// an earlier run without the admin API left locked users behind
	code, stdout, stderr := runTestCLI(nil, "--target", ep.SCIMURL, "--token", ep.Token, "--tags", "@users and not @needs-admin")
	require.Equal(t, exitOK, code, "%s\n%s", stdout, stderr)
	m := regexp.MustCompile(`Left on the target \((\d+);`).FindStringSubmatch(stdout)
	require.NotNil(t, m, stdout)
	// and a group (a run stopped before its clean-up), next to one of the customer's own
	for _, name := range []string{"pkabc234-7 Ops", "Engineering leads"} {
		req, _ := http.NewRequest(http.MethodPost, ep.SCIMURL+"/Groups", strings.NewReader(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"`+name+`"}`))
		req.Header.Set("Authorization", "Bearer "+ep.Token)
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusCreated, resp.StatusCode)
	}
	// and, through the admin API, an enterprise and a node of a run, next to a node of the customer's own
	adminPost := func(path, body string) string {
		var v struct{ ID string }
		require.Equal(t, http.StatusCreated, adminCall(t, info, http.MethodPost, path, body, &v))
		return v.ID
	}
	adminGet := func(path string) int { return adminCall(t, info, http.MethodGet, path, "", nil) }
	var target struct {
		EnterpriseID string `json:"enterprise_id"`
	}
	require.Equal(t, http.StatusOK, adminCall(t, info, http.MethodGet, fmt.Sprintf("/nodes/%d", ep.NodeID), "", &target))
	leftEnt := adminPost("/enterprises", `{"name":"provkit pkabc234-7","seats":5}`)
	leftNode := adminPost("/enterprises/"+target.EnterpriseID+"/nodes", `{"name":"pkabc234-8 sso"}`)
	ownNode := adminPost("/enterprises/"+target.EnterpriseID+"/nodes", `{"name":"Marketing"}`)
	clean := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := runClean(ctx, append([]string{"--target", ep.SCIMURL, "--token", ep.Token}, args...), func(string) string { return "" }, &out, &errb)
		return code, out.String() + errb.String()
	}
	withAdmin := []string{"--admin-url", info.AdminURL, "--admin-token", info.AdminToken}
	code, out := clean(withAdmin...)
	require.Equal(t, exitOK, code, out)
	require.Contains(t, out, "and 1 enterprises and 1 nodes through the admin API")
	require.Contains(t, out, "enterprise "+leftEnt+"  provkit pkabc234-7")
	require.Contains(t, out, "node  "+leftNode+"  pkabc234-8 sso")
	require.NotContains(t, out, "Marketing")
	require.NotContains(t, out, info.AdminToken)
	require.Equal(t, http.StatusOK, adminGet("/enterprises/"+leftEnt), "a dry run removed an enterprise")
	code, out = clean()
	require.Equal(t, exitOK, code, out)
	require.Contains(t, out, fmt.Sprintf("Found %s users and 1 groups", m[1]))
	require.Contains(t, out, "Dry run: nothing removed")
	require.NotContains(t, out, "Engineering leads")
	require.NotContains(t, out, ep.Token)

	code, out = clean("--yes")
	require.Equal(t, exitFail, code, out)
	require.Contains(t, out, "users still there after DELETE (locked")

	code, out = clean(append([]string{"--yes"}, withAdmin...)...)
	require.Equal(t, exitOK, code, out)
	code, out = clean(withAdmin...)
	require.Equal(t, exitOK, code, out)
	require.Contains(t, out, "Found 0 users and 0 groups")
	require.Contains(t, out, "and 0 enterprises and 0 nodes")
	require.Equal(t, http.StatusNotFound, adminGet("/enterprises/"+leftEnt))
	require.Equal(t, http.StatusNotFound, adminGet("/nodes/"+leftNode))
	require.Equal(t, http.StatusOK, adminGet("/nodes/"+ownNode), "the customer's own node was removed")

	code, out = clean("--target", "")
	require.Equal(t, exitUsage, code, out)
}

// seededReference serves a reference with the demo seeded, as a vendor's
// endpoint would be reached: over HTTP, with no in-process wiring.
func seededReference(t *testing.T, faults ...string) reference.Info {
	t.Helper()
	ctx := context.Background()
	srv, err := reference.Open(ctx, reference.Config{Faults: faults})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	info, err := srv.SeedDemo(ctx, hs.URL)
	require.NoError(t, err)
	return info
}

// TestLeftoversNodesAndEnterprises: with the admin API, a run that creates
// nodes and enterprises of its own (own nodes and enterprises, the other
// enterprise, the node of 1001 users, SSO nodes, a sub-node, a reserving
// enterprise) leaves the target with exactly the enterprises, nodes and
// seats it had before.
func TestLeftoversNodesAndEnterprises(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: creates 1001 users")
	}
	info := seededReference(t)
	ep := info.Endpoints[0]
	type ent struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		SeatsUsed int    `json:"seats_used"`
		Nodes     []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"nodes"`
	}
	state := func() []string {
		get := func(path string, v any) {
			require.Equal(t, http.StatusOK, adminCall(t, info, http.MethodGet, path, "", v))
		}
		var list struct{ Enterprises []ent }
		get("/enterprises", &list)
		var out []string
		for _, e := range list.Enterprises {
			var full ent
			get("/enterprises/"+e.ID, &full)
			out = append(out, fmt.Sprintf("enterprise %s %q seats used %d", full.ID, full.Name, full.SeatsUsed))
			for _, n := range full.Nodes {
				out = append(out, fmt.Sprintf("  node %s %q", n.ID, n.Name))
			}
		}
		return out
	}
	before := state()
	tags := "@own-enterprise or @own-node or @needs-other-node or @large or @saml-sign-in or @sub-nodes-separate or @jit-domain-routing"
	code, stdout, stderr := runTestCLI(nil, "--target", ep.SCIMURL, "--token", ep.Token,
		"--admin-url", info.AdminURL, "--admin-token", info.AdminToken, "--tags", tags)
	require.Equal(t, exitOK, code, "%s\n%s", stdout, stderr)
	require.Contains(t, stdout, "Clean-up: everything the run created on the target was removed.")
	require.Equal(t, before, state(), "what the run left")
}

// adminCall sends one request to the reference's admin API and returns the
// status; a JSON answer is decoded into out when out is not nil.
func adminCall(t *testing.T, info reference.Info, method, path, body string, out any) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, info.AdminURL+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+info.AdminToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	if out != nil {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(out), "%s %s answered %d", method, path, resp.StatusCode)
	}
	return resp.StatusCode
}
