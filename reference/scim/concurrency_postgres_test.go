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
	"github.com/provkit/provkit/reference/store"
	"github.com/provkit/provkit/reference/store/sqlstore"
	"github.com/provkit/provkit/reference/store/sqlstore/pgtest"
)

// TestConcurrentCreatesPostgres: POST /Users on PostgreSQL, where a create
// without groups runs at READ COMMITTED (store.WithWriteEnforced), keeps
// every rule under concurrent requests: one email links to one user in its
// node (no lost version), is refused in another enterprise, and an
// enterprise's seats are never exceeded.
func TestConcurrentCreatesPostgres(t *testing.T) {
	ctx := context.Background()
	sq, err := sqlstore.Open(ctx, pgtest.DSN(t))
	require.NoError(t, err)
	e := newEnvStore(t, sq, scim.Options{})

	race := func(n int, send func(i int) resp) []resp {
		out := make([]resp, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				out[i] = send(i)
			}()
		}
		close(start)
		wg.Wait()
		return out
	}
	statuses := func(rs []resp) map[int]int {
		m := map[int]int{}
		for _, r := range rs {
			m[r.status]++
		}
		return m
	}

	t.Run("one email in one node links", func(t *testing.T) {
		const n = 24
		rs := race(n, func(i int) resp {
			return e.engReq(http.MethodPost, "/Users", userBody("same@acme.example", "externalId", fmt.Sprint("x", i)))
		})
		require.Equal(t, map[int]int{http.StatusCreated: n}, statuses(rs), "creates and links of one email")
		id := rs[0].get("id").String()
		for _, r := range rs {
			assert.Equal(t, id, r.get("id").String(), "every answer is the one user")
		}
		u, err := e.st.GetUserByEmail(ctx, "same@acme.example")
		require.NoError(t, err)
		assert.EqualValues(t, n, u.Version, "one create and %d links: no version lost", n-1)
	})

	t.Run("one email in two enterprises", func(t *testing.T) {
		const n = 24
		rs := race(n, func(i int) resp {
			node, tok := e.eng, e.engTok
			if i%2 == 1 {
				node, tok = e.sales, e.salTok
			}
			return e.do(http.MethodPost, e.url(node, "/Users"), tok, userBody("both@shared.example"))
		})
		st := statuses(rs)
		assert.Equal(t, n, st[http.StatusCreated]+st[http.StatusConflict], "statuses %v", st)
		users := 0
		for _, r := range rs {
			if r.status == http.StatusCreated {
				users++
			}
		}
		// The winner's node links its later creates; the other node gets 409.
		assert.GreaterOrEqual(t, users, 1, "statuses %v", st)
		u, err := e.st.GetUserByEmail(ctx, "both@shared.example")
		require.NoError(t, err)
		for _, r := range rs {
			if r.status == http.StatusCreated {
				assert.Equal(t, fmt.Sprint(u.ID), r.get("id").String(), "a 201 names the one user")
			}
		}
	})

	t.Run("seats", func(t *testing.T) {
		ent, err := e.svc.CreateEnterprise(ctx, "Few", 5)
		require.NoError(t, err)
		node, err := e.svc.CreateNode(ctx, ent.RootNode, "Few")
		require.NoError(t, err)
		_, tok, err := e.svc.CreateEndpoint(ctx, node.ID, false)
		require.NoError(t, err)
		rs := race(30, func(i int) resp {
			return e.do(http.MethodPost, e.url(node, "/Users"), tok, userBody(fmt.Sprintf("few%d@few.example", i)))
		})
		assert.Equal(t, map[int]int{http.StatusCreated: 5, http.StatusPreconditionRequired: 25}, statuses(rs))
		got, err := e.st.GetEnterprise(ctx, ent.ID)
		require.NoError(t, err)
		assert.Equal(t, 5, got.SeatsUsed)
		_, total, err := e.st.FindUsers(ctx, store.UserQuery{NodeID: node.ID})
		require.NoError(t, err)
		assert.Equal(t, 5, total)
	})
}
