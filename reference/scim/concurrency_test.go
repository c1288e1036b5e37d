package scim_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// Identity providers send member changes without If-Match, often several at
// once (Entra ID provisions in parallel). Concurrent adds and removes by value
// to one group must all succeed and all hold: none may get 412 for a version
// the client never named.
func TestConcurrentMemberPatchesWithoutIfMatch(t *testing.T) {
	e := newEnv(t)
	g := e.engReq(http.MethodPost, "/Groups", map[string]any{"displayName": "Parallel"})
	mustStatus(t, g, http.StatusCreated)
	gid := g.get("id").String()
	const n = 40
	ids := make([]string, n)
	for i := range ids {
		u := e.engReq(http.MethodPost, "/Users", userBody(fmt.Sprintf("p%d@acme.example", i)))
		mustStatus(t, u, http.StatusCreated)
		ids[i] = u.get("id").String()
	}
	patchAll := func(kind string, pick func(i int) map[string]any) {
		var wg sync.WaitGroup
		codes := make([]int, n)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = e.engReq(http.MethodPatch, "/Groups/"+gid, patchBody(pick(i))).status
			}()
		}
		wg.Wait()
		for i, c := range codes {
			require.Equal(t, http.StatusNoContent, c, "%s %d", kind, i)
		}
	}
	patchAll("add", func(i int) map[string]any { return op("add", "members", []any{map[string]any{"value": ids[i]}}) })
	r := e.engReq(http.MethodGet, "/Groups/"+gid, nil)
	require.Equal(t, int64(n), r.get("members.#").Int())
	patchAll("remove", func(i int) map[string]any {
		if i%2 == 0 {
			return op("remove", fmt.Sprintf("members[value eq %q]", ids[i]), nil)
		}
		return op("add", "members", []any{map[string]any{"value": ids[i]}}) // already a member: no change
	})
	r = e.engReq(http.MethodGet, "/Groups/"+gid, nil)
	require.Equal(t, int64(n/2), r.get("members.#").Int())
}
