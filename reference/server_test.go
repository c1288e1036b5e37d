package reference

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func adminGet(t *testing.T, h http.Handler, path, token string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestOpenSeedDemoReopen(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "provkit.db")

	s, err := Open(ctx, Config{DB: db})
	require.NoError(t, err)
	assert.Len(t, s.AdminToken(), 43, "a generated admin token")
	info, err := s.SeedDemo(ctx, "http://example.test:8080/")
	require.NoError(t, err)

	assert.Equal(t, "http://example.test:8080/admin/v1", info.AdminURL)
	assert.Equal(t, s.AdminToken(), info.AdminToken)
	require.Len(t, info.Endpoints, 2)
	acme, globex := info.Endpoints[0], info.Endpoints[1]
	assert.Equal(t, [2]string{"Acme", "Engineering"}, [2]string{acme.Enterprise, acme.Node})
	assert.Equal(t, [2]string{"Globex", "Sales"}, [2]string{globex.Enterprise, globex.Node})
	for _, ep := range info.Endpoints {
		assert.Equal(t, fmt.Sprintf("http://example.test:8080/api/rest/scim/v2/%d", ep.NodeID), ep.SCIMURL)
		assert.Len(t, ep.Token, 43)
		_, err := s.Service().Authenticate(ctx, ep.NodeID, ep.Token)
		assert.NoError(t, err, "the seeded token authenticates")
	}
	assert.NotEqual(t, acme.Token, globex.Token)

	// The seeded directory.
	st := s.Service().Store()
	ents, err := st.ListEnterprises(ctx)
	require.NoError(t, err)
	require.Len(t, ents, 2)
	for i, want := range []struct{ name, domain string }{{"Acme", "acme.example"}, {"Globex", "globex.example"}} {
		e := ents[i]
		assert.Equal(t, want.name, e.Name)
		assert.GreaterOrEqual(t, e.Seats, 100000)
		d, err := st.GetDomain(ctx, want.domain)
		require.NoError(t, err)
		assert.Equal(t, e.ID, d.EnterpriseID)
		n, err := st.GetNode(ctx, info.Endpoints[i].NodeID)
		require.NoError(t, err)
		assert.Equal(t, e.RootNode, n.ParentID, "the endpoint node is a child of the root")
	}

	// The admin token works through the handler; another does not.
	rec := adminGet(t, s.Handler(), "/admin/v1/enterprises", s.AdminToken())
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var list struct {
		Enterprises []struct{ Name string } `json:"enterprises"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &list))
	assert.Len(t, list.Enterprises, 2)
	assert.Equal(t, http.StatusUnauthorized, adminGet(t, s.Handler(), "/admin/v1/enterprises", "wrong-token-0123456789").Code)
	assert.Equal(t, http.StatusOK, adminGet(t, s.Handler(), "/", "").Code)

	// A second SeedDemo on the same (now non-empty) database changes nothing.
	again, err := s.SeedDemo(ctx, "http://example.test:8080")
	require.NoError(t, err)
	require.Len(t, again.Endpoints, 2)
	assert.Empty(t, again.Endpoints[0].Token)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")

	// Reopen: data kept, no reseed, tokens not recoverable from the database.
	const fixed = "fixed-admin-token-0123456789"
	s2, err := Open(ctx, Config{DB: db, AdminToken: fixed})
	require.NoError(t, err)
	defer s2.Close()
	assert.Equal(t, fixed, s2.AdminToken())
	info2, err := s2.SeedDemo(ctx, "http://example.test:8080")
	require.NoError(t, err)
	assert.Equal(t, fixed, info2.AdminToken)
	require.Len(t, info2.Endpoints, 2)
	for i, ep := range info2.Endpoints {
		assert.Equal(t, info.Endpoints[i].NodeID, ep.NodeID)
		assert.Equal(t, info.Endpoints[i].Enterprise, ep.Enterprise)
		assert.Equal(t, info.Endpoints[i].SCIMURL, ep.SCIMURL)
		assert.Empty(t, ep.Token)
	}
	ents, err = s2.Service().Store().ListEnterprises(ctx)
	require.NoError(t, err)
	assert.Len(t, ents, 2, "no reseed")
	assert.Equal(t, http.StatusOK, adminGet(t, s2.Handler(), "/admin/v1", fixed).Code)
	assert.Equal(t, http.StatusUnauthorized, adminGet(t, s2.Handler(), "/admin/v1", s.AdminToken()).Code,
		"the first run's generated admin token is gone")

	// Tokens of the previous info that still match are carried over; a
	// rotated one is not, nor is a forged one.
	_, _, err = s2.Service().RotateToken(ctx, globex.NodeID)
	require.NoError(t, err)
	prev := info
	prev.Endpoints = append([]EndpointInfo{{NodeID: 424242, Token: "forged"}}, prev.Endpoints...)
	kept, err := s2.KeepTokens(ctx, &info2, prev)
	require.NoError(t, err)
	assert.Equal(t, 1, kept)
	assert.Equal(t, acme.Token, info2.Endpoints[0].Token)
	assert.Empty(t, info2.Endpoints[1].Token)
}

func TestOpenThrowawayDatabase(t *testing.T) {
	ctx := context.Background()
	for _, db := range []string{"", ":memory:"} {
		s, err := Open(ctx, Config{DB: db})
		require.NoError(t, err)
		require.NotEmpty(t, s.tmpDir)
		_, err = os.Stat(s.tmpDir)
		require.NoError(t, err)
		info, err := s.SeedDemo(ctx, "http://127.0.0.1:1")
		require.NoError(t, err)
		assert.Len(t, info.Endpoints, 2)
		require.NoError(t, s.Close())
		_, err = os.Stat(s.tmpDir)
		assert.ErrorIs(t, err, os.ErrNotExist, "Close removes a throwaway database")
	}
}

func TestOpenRejectsWeakAdminToken(t *testing.T) {
	for _, tok := range []string{"short", "has a space in it 0123", "tab\tinside-0123456789"} {
		_, err := Open(context.Background(), Config{DB: filepath.Join(t.TempDir(), "x.db"), AdminToken: tok})
		assert.Error(t, err, "%q", tok)
	}
}

func TestOpenPublicURL(t *testing.T) {
	ctx := context.Background()
	_, err := Open(ctx, Config{DB: filepath.Join(t.TempDir(), "x.db"), PublicURL: "scim.example.com"})
	assert.Error(t, err, "a public URL without a scheme")

	s, err := Open(ctx, Config{DB: filepath.Join(t.TempDir(), "p.db"), PublicURL: "https://scim.example.com/"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	info, err := s.SeedDemo(ctx, "http://127.0.0.1:1")
	require.NoError(t, err)
	ep := info.Endpoints[0]
	req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/api/rest/scim/v2/%d/Users", ep.NodeID),
		strings.NewReader(`{"userName":"ada@acme.example"}`))
	req.Host = "evil.example"
	req.Header.Set("X-Forwarded-Host", "evil.example")
	req.Header.Set("Authorization", "Bearer "+ep.Token)
	req.Header.Set("Content-Type", "application/scim+json")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assert.Regexp(t, fmt.Sprintf(`^https://scim\.example\.com/api/rest/scim/v2/%d/Users/\d+$`, ep.NodeID), rec.Header().Get("Location"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
}
