package provkit_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/internal/harness"
	"github.com/provkit/provkit/internal/scimclient"
	"github.com/provkit/provkit/reference/store/sqlstore/pgtest"
)

// TestConformancePostgres runs the whole suite against the bundled
// reference on PostgreSQL (a database of its own on the server
// PROVKIT_TEST_POSTGRES names; skipped without it, failed under
// PROVKIT_REQUIRE_TOOLS=1), as TestConformance does on SQLite:
//
//	PROVKIT_TEST_POSTGRES=postgres://postgres@127.0.0.1:55432/postgres go test -run TestConformancePostgres .
func TestConformancePostgres(t *testing.T) {
	tg := startReferenceDB(t, pgtest.DSN(t), nil, nil)
	cfg := tg.cfg
	cfg.Profile = *profile
	cfg.Concurrency = godogOpts.Concurrency
	cfg.TestingT = t
	cfg.KeepData = false
	res, err := harness.Run(context.Background(), cfg)
	require.NoError(t, err)
	var sum bytes.Buffer
	res.Summary(&sum)
	t.Log(sum.String())
	require.True(t, res.Passed(), "the suite failed against the bundled reference on PostgreSQL")
	c := &scimclient.Client{BaseURL: cfg.Target.URL, Token: cfg.Target.Token, HTTP: cfg.HTTP}
	for _, res := range []string{"/Users", "/Groups"} {
		ex, err := c.Do(context.Background(), scimclient.Request{Method: http.MethodGet, Path: res, Query: url.Values{"count": {"0"}}})
		require.NoError(t, err)
		require.Zero(t, ex.Get("totalResults").Int(), "%s left behind in the target's node", res)
	}
}
