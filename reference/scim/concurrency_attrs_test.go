package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/reference/scim"
	"github.com/provkit/provkit/reference/store/sqlstore"
	"github.com/provkit/provkit/reference/store/sqlstore/pgtest"
)

// newEnvPostgres is newEnv on PostgreSQL (no read model in front), skipped
// without PROVKIT_TEST_POSTGRES.
func newEnvPostgres(t *testing.T, faults ...scim.Fault) *env {
	t.Helper()
	sq, err := sqlstore.Open(context.Background(), pgtest.DSN(t))
	require.NoError(t, err)
	return newEnvStore(t, sq, scim.Options{Faults: faults})
}

// RFC 7644 §3.14 ties 412 to If-Match: a client that sent none asked for no
// version check, so concurrent PATCHes of one user's attributes, or renames
// of one group, must all succeed (the server serialises them), and the last
// one wins whole. A stale If-Match still gets 412.
func testConcurrentAttributePatches(t *testing.T, e *env) {
	const n = 40
	u := e.engReq(http.MethodPost, "/Users", userBody("race@acme.example"))
	mustStatus(t, u, http.StatusCreated)
	uid := u.get("id").String()
	g := e.engReq(http.MethodPost, "/Groups", map[string]any{"displayName": "Race"})
	mustStatus(t, g, http.StatusCreated)
	gid := g.get("id").String()

	run := func(kind string, send func(i int) int, want int) {
		var wg sync.WaitGroup
		codes := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = send(i)
			}()
		}
		wg.Wait()
		bad := 0
		for _, c := range codes {
			if c != want {
				bad++
			}
		}
		assert.Zero(t, bad, "%s: %d of %d answers were not %d: %v", kind, bad, n, want, codes)
	}
	run("user PATCH", func(i int) int {
		return e.engReq(http.MethodPatch, "/Users/"+uid, patchBody(
			op("replace", "displayName", fmt.Sprintf("Name %d", i)),
			op("replace", "name.givenName", fmt.Sprintf("Given %d", i)))).status
	}, http.StatusOK)
	r := e.engReq(http.MethodGet, "/Users/"+uid, nil)
	var i int
	_, err := fmt.Sscanf(r.get("displayName").String(), "Name %d", &i)
	require.NoError(t, err, string(r.body))
	require.Equal(t, fmt.Sprintf("Given %d", i), r.get("name.givenName").String(), "one PATCH applied whole")

	run("group rename", func(i int) int {
		return e.engReq(http.MethodPatch, "/Groups/"+gid, patchBody(op("replace", "displayName", fmt.Sprintf("Race %d", i)))).status
	}, http.StatusNoContent)
	run("group PUT", func(i int) int {
		return e.engReq(http.MethodPut, "/Groups/"+gid, map[string]any{"displayName": fmt.Sprintf("Put %d", i)}).status
	}, http.StatusOK)

	// A stale If-Match is still refused.
	cur := e.engReq(http.MethodGet, "/Users/"+uid, nil)
	mustStatus(t, e.engReq(http.MethodPatch, "/Users/"+uid, patchBody(op("replace", "displayName", "x"))), http.StatusOK)
	stale := e.engReq(http.MethodPatch, "/Users/"+uid, patchBody(op("replace", "displayName", "y")), "If-Match", cur.header.Get("ETag"))
	scimError(t, stale, http.StatusPreconditionFailed, "")
	curG := e.engReq(http.MethodGet, "/Groups/"+gid, nil)
	mustStatus(t, e.engReq(http.MethodPatch, "/Groups/"+gid, patchBody(op("replace", "displayName", "Race x"))), http.StatusNoContent)
	staleG := e.engReq(http.MethodPatch, "/Groups/"+gid, patchBody(op("replace", "displayName", "Race y")), "If-Match", curG.header.Get("ETag"))
	scimError(t, staleG, http.StatusPreconditionFailed, "")
}

func TestConcurrentAttributePatchesWithoutIfMatch(t *testing.T) {
	testConcurrentAttributePatches(t, newEnv(t))
}

func TestConcurrentAttributePatchesWithoutIfMatchPostgres(t *testing.T) {
	testConcurrentAttributePatches(t, newEnvPostgres(t))
}
