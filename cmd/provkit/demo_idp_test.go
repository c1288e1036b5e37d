package main

import (
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provkit/provkit/reference/admin"
	"github.com/provkit/provkit/reference/sso"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func idpCall(t *testing.T, method, u, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The demo IdP's user API creates people who can then sign in to Acme: an
// anonymous PUT answers 401 and creates nobody; the token printed at start
// (and written to the info file) works.
func TestServeDemoIdPAPINeedsTokenSubprocess(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	infoPath := filepath.Join(dir, "info.json")
	p := startServe(t, bin, []string{"PROVKIT_ADMIN_TOKEN="}, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "p.db"), "--info-file", infoPath)
	info := waitInfo(t, p, infoPath, "")
	require.NotNil(t, info.DemoIdP, "a loopback serve runs the demo IdP")
	require.NotEmpty(t, info.DemoIdP.APIToken)
	assert.Contains(t, p.stdout.String(), info.DemoIdP.APIToken, "the IdP API token is shown at start")
	users := info.DemoIdP.URL + "/api/users/"

	status, _ := idpCall(t, http.MethodPut, users+"mallory@acme.example", "", `{"first":"Mal","last":"Lory"}`)
	assert.Equal(t, http.StatusUnauthorized, status, "anonymous PUT")
	status, _ = idpCall(t, http.MethodPut, users+"mallory@acme.example", "wrong-token-0123456789", `{"first":"Mal"}`)
	assert.Equal(t, http.StatusUnauthorized, status, "wrong token")
	status, _ = idpCall(t, http.MethodGet, users+"mallory@acme.example", info.DemoIdP.APIToken, "")
	assert.Equal(t, http.StatusNotFound, status, "the anonymous PUT created nobody")
	// nor can the person it named sign in
	base := strings.TrimSuffix(info.AdminURL, admin.Prefix)
	sp := sso.NodeURLs(base, info.Endpoints[0].NodeID).EntityID
	status, _ = idpCall(t, http.MethodGet, info.DemoIdP.URL+"/login?"+url.Values{"sp": {sp}, "user": {"alice@acme.example"}}.Encode(), "", "")
	assert.Equal(t, http.StatusOK, status, "a demo user gets a response for Acme's SP")
	status, _ = idpCall(t, http.MethodGet, info.DemoIdP.URL+"/login?"+url.Values{"sp": {sp}, "user": {"mallory@acme.example"}}.Encode(), "", "")
	assert.Equal(t, http.StatusBadRequest, status, "the person the anonymous PUT named gets none")

	status, body := idpCall(t, http.MethodPut, users+"dave@acme.example", info.DemoIdP.APIToken, `{"first":"Dave"}`)
	assert.Equal(t, http.StatusOK, status, "%s", body)
	status, _ = idpCall(t, http.MethodGet, users+"dave@acme.example", info.DemoIdP.APIToken, "")
	assert.Equal(t, http.StatusOK, status)
	stop(t, p)
}

// On a non-loopback address the demo IdP is off (no /mockidp/, and the
// start-up output says so) unless --demo-idp turns it on.
func TestServeNonLoopbackDemoIdPSubprocess(t *testing.T) {
	bin := buildBinary(t)
	for _, tc := range []struct {
		name  string
		flags []string
		want  bool
	}{
		{"off by default", nil, false},
		{"on with --demo-idp", []string{"--demo-idp"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			infoPath := filepath.Join(dir, "info.json")
			args := append([]string{"--addr", "0.0.0.0:0", "--db", filepath.Join(dir, "p.db"), "--info-file", infoPath}, tc.flags...)
			p := startServe(t, bin, []string{"PROVKIT_ADMIN_TOKEN="}, args...)
			info := waitInfo(t, p, infoPath, "")
			base := strings.TrimSuffix(info.AdminURL, admin.Prefix)
			status, _ := idpCall(t, http.MethodGet, base+"/mockidp/metadata", "", "")
			out := p.stdout.String()
			if tc.want {
				assert.Equal(t, http.StatusOK, status)
				require.NotNil(t, info.DemoIdP)
				assert.Contains(t, out, "WARNING: --demo-idp")
			} else {
				assert.Equal(t, http.StatusNotFound, status, "no /mockidp/ on a non-loopback address")
				status, _ = idpCall(t, http.MethodPut, base+"/mockidp/api/users/mallory@acme.example", "", `{}`)
				assert.Equal(t, http.StatusNotFound, status)
				assert.Nil(t, info.DemoIdP)
				assert.Contains(t, out, "demo mock IdP is off")
				assert.Contains(t, out, "--demo-idp")
			}
			stop(t, p)
		})
	}
}
