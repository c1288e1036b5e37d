package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/mockidp"
	"github.com/provkit/provkit/reference"
)

// vendorSP stands in for a vendor: the bundled reference, its Acme node's SSO
// set up once, by its administrator, to trust a mock IdP whose key is in a
// key file (as docs/sso.md tells a vendor). It returns the flags a vendor
// passes to provkit test, without any admin API.
func vendorSP(t *testing.T, faults ...string) []string {
	t.Helper()
	return vendorSPPersona(t, "generic", faults...)
}

// vendorSPPersona is vendorSP with an IdP of the persona; the administrator
// lets the node accept either signature when the persona signs only the
// assertion (Entra ID's default).
func vendorSPPersona(t *testing.T, persona string, faults ...string) []string {
	t.Helper()
	ctx := context.Background()
	srv, err := reference.Open(ctx, reference.Config{Faults: faults})
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	info, err := srv.SeedDemo(ctx, hs.URL)
	require.NoError(t, err)
	acme := info.Endpoints[0]

	keyFile := filepath.Join(t.TempDir(), "idp.pem")
	key, cert, created, err := mockidp.LoadOrCreateKeyFile(keyFile, rand.Reader, time.Now())
	require.NoError(t, err)
	require.True(t, created)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	idpAddr := ln.Addr().String()
	require.NoError(t, ln.Close())
	per, err := mockidp.LookupPersona(persona)
	require.NoError(t, err)
	idp, err := mockidp.New(mockidp.Config{BaseURL: "http://" + idpAddr, Key: key, Cert: cert, Persona: &per})
	require.NoError(t, err)
	md, err := idp.MetadataXML()
	require.NoError(t, err)

	node := acme.SCIMURL[strings.LastIndex(acme.SCIMURL, "/")+1:]
	set := map[string]any{"idp_metadata": string(md)}
	if per.Sign == mockidp.SignAssertion {
		set["sign_policy"] = "either"
	}
	body, _ := json.Marshal(set)
	req, _ := http.NewRequest(http.MethodPut, info.AdminURL+"/nodes/"+node+"/sso", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+info.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var out struct {
		SP struct {
			Metadata string `json:"metadata_url"`
			Login    string `json:"login_url"`
		} `json:"sp"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return []string{"--target", acme.SCIMURL, "--token", acme.Token, "--tags", "@saml,@jit",
		"--sp-metadata", out.SP.Metadata, "--sp-login-url", out.SP.Login, "--sp-session-url", hs.URL + "/api/rest/sso/session",
		"--idp-key-file", keyFile, "--idp-addr", idpAddr, "--idp-persona", persona}
}

var totalLine = regexp.MustCompile(`(?m)^\s*total\s+(\d+)\s+(\d+)\s+(\d+)$`)

func totals(t *testing.T, stdout string) (passed, failed, skipped int) {
	t.Helper()
	m := totalLine.FindStringSubmatch(stdout)
	require.NotNil(t, m, "no total line in:\n%s", stdout)
	p, _ := strconv.Atoi(m[1])
	f, _ := strconv.Atoi(m[2])
	s, _ := strconv.Atoi(m[3])
	return p, f, s
}

// The @saml/@jit scenarios run against a vendor's SP given by its metadata:
// what needs no administrator passes, the rest is skipped saying why.
func TestTestCommandVendorSP(t *testing.T) {
	code, stdout, stderr := runTestCLI(nil, vendorSP(t)...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Contains(t, stderr, "mock IdP")
	passed, failed, skipped := totals(t, stdout)
	t.Logf("vendor SP: %d passed, %d failed, %d skipped", passed, failed, skipped)
	require.Zero(t, failed)
	require.GreaterOrEqual(t, passed, 25, "the attacks and the IdP-initiated sign-in must run against a vendor SP")
	require.Contains(t, stdout, "needs an administrator (--admin-url, --admin-exec) to change the service provider's settings")
	// the accounts JIT created are removed through SCIM; this SP's node locks
	// instead of deleting, and the summary names what stayed
	require.Regexp(t, `(?m)^\s+\d+\s+account of a sign-in still there after DELETE /Users/\{id\} \(locked, as Keeper does\)$`, stdout)
}

// Against a vendor SP trusting any persona, the attacks run (none is skipped
// for want of the generic persona) and pass, and the persona's own sign-in
// passes: no two scenarios ask contradicting things of one SP.
func TestTestCommandVendorSPEveryPersona(t *testing.T) {
	for _, persona := range mockidp.PersonaNames() {
		t.Run(persona, func(t *testing.T) {
			code, stdout, stderr := runTestCLI(nil, vendorSPPersona(t, persona)...)
			require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			passed, failed, skipped := totals(t, stdout)
			t.Logf("vendor SP, %s persona: %d passed, %d failed, %d skipped", persona, passed, failed, skipped)
			require.Zero(t, failed)
			require.GreaterOrEqual(t, passed, 25, "the attacks must run against a vendor SP trusting the %s persona", persona)
		})
	}
	// with a guard off, the attack fails whatever the persona
	code, stdout, stderr := runTestCLI(nil, vendorSPPersona(t, "entra", "sso-read-unverified")...)
	require.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	require.Contains(t, stdout, "Signature wrapping xsw3 does not sign in the forged identity")
}

// Against the bundled reference, --idp-persona is the persona of the SAML
// scenarios that name none: every @saml scenario runs with it and passes.
func TestTestCommandPersonaBundled(t *testing.T) {
	code, stdout, stderr := runTestCLI(nil, "--tags", "@saml", "--idp-persona", "entra")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	passed, failed, skipped := totals(t, stdout)
	require.Zero(t, failed)
	require.Zero(t, skipped)
	require.GreaterOrEqual(t, passed, 35)
	code, _, stderr = runTestCLI(nil, "--idp-persona", "nope")
	require.Equal(t, exitUsage, code, stderr)
	require.Contains(t, stderr, "nope")
}

// The same run fails against an SP that lacks a guard: the suite judges a
// vendor's SP as it judges ours.
func TestTestCommandVendorSPFault(t *testing.T) {
	for _, c := range []struct{ fault, scenario string }{
		{"sso-no-audience", "The audience is another service provider"},
		{"sso-read-unverified", "Signature wrapping xsw1 does not sign in the forged identity"},
		{"sso-no-replay-cache", "The same response is posted a second time"},
	} {
		t.Run(c.fault, func(t *testing.T) {
			code, stdout, stderr := runTestCLI(nil, vendorSP(t, c.fault)...)
			require.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			require.Contains(t, stdout, c.scenario)
		})
	}
}

func TestTestCommandVendorSPUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--sp-login-url", "http://x/login"}, "--sp-login-url needs --sp-metadata"},
		{[]string{"--sp-metadata", "http://x/md"}, "--sp-metadata needs --target"},
		{[]string{"--target", "http://127.0.0.1:1/scim", "--token", "t0ken-t0ken-t0ken", "--sp-metadata", "http://x/md"}, "--sp-login-url and --sp-session-url"},
		{[]string{"--target", "http://127.0.0.1:1/scim", "--token", "t0ken-t0ken-t0ken", "--sp-metadata", "http://x/md",
			"--sp-login-url", "http://x/l", "--sp-session-url", "http://x/s"}, "--idp-key-file"},
		{[]string{"--target", "http://127.0.0.1:1/scim", "--token", "t0ken-t0ken-t0ken", "--sp-metadata", "http://x/md",
			"--sp-login-url", "http://x/l", "--sp-session-url", "http://x/s", "--idp-key-file", "k", "--idp-persona", "nope"}, "nope"},
		{[]string{"--target", "http://127.0.0.1:1/scim", "--token", "t0ken-t0ken-t0ken", "--sp-metadata", "http://x/md",
			"--sp-login-url", "http://x/l", "--sp-session-url", "http://x/s", "--idp-key-file", filepath.Join(t.TempDir(), "new.pem")}, "did not exist"},
	} {
		code, _, stderr := runTestCLI(nil, c.args...)
		require.Equal(t, exitUsage, code, "%q: %s", c.args, stderr)
		require.Contains(t, stderr, c.want, "%q", c.args)
	}
}

// A vendor-SP run first signs one person in normally. When that fails (here
// provkit holds another key than the one the SP trusts, or the session page
// is not the SP's), every attack would "pass" because nothing signs in: the
// run stops with exit 2 and the evidence, and no scenario runs.
func TestTestCommandVendorSPPreflight(t *testing.T) {
	setFlag := func(args []string, name, value string) []string {
		out := slices.Clone(args)
		i := slices.Index(out, name)
		require.GreaterOrEqual(t, i, 0, name)
		out[i+1] = value
		return out
	}
	otherKey := filepath.Join(t.TempDir(), "other.pem")
	_, _, _, err := mockidp.LoadOrCreateKeyFile(otherKey, rand.Reader, time.Now())
	require.NoError(t, err)
	notSession := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<html>welcome</html>"))
	}))
	t.Cleanup(notSession.Close)
	for _, c := range []struct {
		name, flag, value string
	}{
		{"untrusted key", "--idp-key-file", otherKey},
		{"session page names nobody", "--sp-session-url", notSession.URL},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := setFlag(vendorSP(t), "--tags", "@saml-signature-required")
			args = setFlag(args, c.flag, c.value)
			code, stdout, stderr := runTestCLI(nil, args...)
			require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			require.Contains(t, stderr, "did not sign in a valid response of the generic persona")
			require.Regexp(t, `is not signed in|signed in as "\(a session whose page names no address\)"`, stderr, "the failed check is shown")
			require.Regexp(t, `(?m)^\s+> POST http://\S+/api/rest/sso/saml/sso/`, stderr, "the exchanges are shown")
			require.NotContains(t, stdout, "total", "no scenario ran")
		})
	}
	// set up right, the same selection runs (its attack scenarios pass)
	args := setFlag(vendorSP(t), "--tags", "@saml-signature-required")
	code, stdout, stderr := runTestCLI(nil, args...)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	passed, failed, _ := totals(t, stdout)
	require.Zero(t, failed)
	require.Positive(t, passed)
}
