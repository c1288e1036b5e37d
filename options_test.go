package provkit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/internal/harness"
	"github.com/provkit/provkit/steps"
)

// TestWithoutAdminAPI: against a target without the admin API (and no second
// node), the scenarios that need an administrator are skipped, saying why,
// and everything else passes.
func TestWithoutAdminAPI(t *testing.T) {
	tg := startReference(t, nil, nil)
	cfg := tg.cfg
	cfg.Admin, cfg.Other, cfg.OwnsTarget = nil, nil, false
	res, err := harness.Run(context.Background(), cfg)
	require.NoError(t, err)
	skipped := 0
	for _, s := range res.Scenarios {
		needs := false
		for _, tag := range []string{"@needs-admin", "@needs-sp", "@own-node", "@own-enterprise", "@needs-other-node"} {
			needs = needs || contains(s.Tags, tag)
		}
		if needs {
			skipped++
			require.Equal(t, steps.Skipped, s.Status, "%s should be skipped without the admin API", s.Name)
			require.Contains(t, s.Reason, "administrator", s.Name)
		} else {
			require.Equal(t, steps.Passed, s.Status, "%s: %s", s.Name, s.Reason)
		}
	}
	require.NotZero(t, skipped)
	var sum bytes.Buffer
	res.Summary(&sum)
	require.Contains(t, sum.String(), "needs an administrator")
	require.True(t, res.Passed())
}

// noSort makes ServiceProviderConfig say sorting is not supported.
func noSort(next http.Handler) http.Handler {
	return onAnswer(is(http.MethodGet, "ServiceProviderConfig"), func(_ *http.Request, c *captured) {
		var m map[string]any
		if json.Unmarshal(c.body, &m) == nil {
			m["sort"] = map[string]any{"supported": false}
			c.body, _ = json.Marshal(m)
		}
	})(next)
}

// TestUnadvertisedFeatureSkipsUnlessStrict: a feature the target does not
// advertise is skipped with the reason; --strict turns that into failures.
func TestUnadvertisedFeatureSkipsUnlessStrict(t *testing.T) {
	for _, strict := range []bool{false, true} {
		tg := startReference(t, nil, noSort)
		cfg := tg.cfg
		cfg.Tags, cfg.Strict = "@sort", strict
		res, err := harness.Run(context.Background(), cfg)
		require.NoError(t, err)
		require.NotEmpty(t, res.Scenarios)
		for _, s := range res.Scenarios {
			if strict {
				require.Equal(t, steps.Failed, s.Status, s.Name)
				require.Contains(t, s.Reason, "--strict")
			} else {
				require.Equal(t, steps.Skipped, s.Status, s.Name)
				require.Contains(t, s.Reason, "does not advertise sort.supported")
			}
		}
	}
}

// TestPreflight: an unreachable target or a refused token is a usage error,
// found before any scenario runs.
func TestPreflight(t *testing.T) {
	tg := startReference(t, nil, nil)
	ctx := context.Background()
	require.NoError(t, harness.Preflight(ctx, tg.cfg))

	var ue *harness.UsageError
	bad := tg.cfg
	bad.Target.Token = "not-the-token-of-this-endpoint"
	err := harness.Preflight(ctx, bad)
	require.True(t, errors.As(err, &ue))
	require.Contains(t, err.Error(), "refused the token")

	bad = tg.cfg
	bad.Target.URL = "http://127.0.0.1:1/api/rest/scim/v2/1"
	err = harness.Preflight(ctx, bad)
	require.True(t, errors.As(err, &ue))
	require.Contains(t, err.Error(), "cannot reach")

	bad = tg.cfg
	bad.Target.URL = strings.TrimRight(bad.Target.URL, "0123456789") + "999999"
	err = harness.Preflight(ctx, bad)
	require.True(t, errors.As(err, &ue))
	require.Contains(t, err.Error(), "no SCIM endpoint")

	bad = tg.cfg
	bad.Admin = &steps.Endpoint{URL: tg.cfg.Admin.URL, Token: "wrong-admin-token-0123456789"}
	err = harness.Preflight(ctx, bad)
	require.True(t, errors.As(err, &ue))
	require.Contains(t, err.Error(), "admin token")
}

// TestPreflightWantsSCIM: a URL that answers 200 with a web page, a login
// portal or JSON of another kind is not a SCIM endpoint: the run stops
// before any scenario with what was found. With the keeper profile the
// target must also serve its ServiceProviderConfig.
func TestPreflightWantsSCIM(t *testing.T) {
	ctx := context.Background()
	answer := func(path, ct, body string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, path) {
					w.Header().Set("Content-Type", ct)
					_, _ = io.WriteString(w, body)
					return
				}
				next.ServeHTTP(w, r)
			})
		}
	}
	for _, c := range []struct {
		wrap    func(http.Handler) http.Handler
		profile string
		want    string
	}{
		{answer("/Users", "text/html; charset=utf-8", "<html><form>Sign in</form></html>"), "", "an HTML page"},
		{answer("/Users", "text/plain", "ok"), "", "a text/plain body"},
		{answer("/Users", "application/json", `{"users":[]}`), "", "do not include urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		{answer("/Users", "application/json", `<xml/>`), "", "not JSON"},
		{answer("/ServiceProviderConfig", "text/html", "<html></html>"), "keeper", "ServiceProviderConfig answered an HTML page"},
	} {
		tg := startReference(t, nil, c.wrap)
		cfg := tg.cfg
		cfg.Profile = c.profile
		err := harness.Preflight(ctx, cfg)
		var ue *harness.UsageError
		require.True(t, errors.As(err, &ue), "%s: %v", c.want, err)
		require.Contains(t, err.Error(), c.want)
	}
	// A SAML-only run does not need discovery either.
	tgs := startReference(t, nil, answer("/ServiceProviderConfig", "text/html", "<html></html>"))
	scfg := tgs.cfg
	scfg.Tags = "@saml"
	require.NoError(t, harness.Preflight(ctx, scfg))
	// The rfc7644 profile does not need discovery to answer.
	tg := startReference(t, nil, answer("/ServiceProviderConfig", "text/html", "<html></html>"))
	cfg := tg.cfg
	cfg.Profile = "rfc7644"
	require.NoError(t, harness.Preflight(ctx, cfg))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
