package scim_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/reference/directory/service"
	"github.com/provkit/provkit/reference/scim"
	"github.com/provkit/provkit/reference/scim/patch"
	"github.com/provkit/provkit/reference/store/memstore"
	"github.com/provkit/provkit/reference/store/sqlstore"
)

// A PATCH of exactly MaxOperations operations is applied whole; one more is
// refused (TestBadInputLeavesTheDatabaseUnchanged).
func TestPatchAtTheOperationsCap(t *testing.T) {
	e := newEnv(t)
	r := e.engReq("POST", "/Users", userBody("cap@acme.example"))
	mustStatus(t, r, http.StatusCreated)
	uid := r.get("id").String()
	t0 := time.Now()
	r = e.engReq("PATCH", "/Users/"+uid, emailAddsBody(patch.MaxOperations))
	t.Logf("PATCH of %d adds: %v", patch.MaxOperations, time.Since(t0))
	mustStatus(t, r, http.StatusOK)
	require.GreaterOrEqual(t, len(r.get("emails").Array()), patch.MaxOperations)
	require.Equal(t, "cap999@acme.example", r.get(`emails.#(value=="cap999@acme.example").value`).String())
}

// BenchmarkPatchMaxOpsHTTP: one PATCH /Users/{id} of MaxOperations "add
// emails" operations through the HTTP API on SQLite, a fresh user each time.
func BenchmarkPatchMaxOpsHTTP(b *testing.B) {
	ctx := context.Background()
	sq, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "ref.db"))
	require.NoError(b, err)
	mem, err := memstore.New(ctx, sq)
	require.NoError(b, err)
	defer mem.Close()
	svc := service.New(mem)
	hs := httptest.NewServer(scim.New(svc, scim.Options{}))
	defer hs.Close()
	srv := hs.URL
	acme, err := svc.CreateEnterprise(ctx, "Acme", 1_000_000)
	require.NoError(b, err)
	node, err := svc.CreateNode(ctx, acme.RootNode, "Engineering")
	require.NoError(b, err)
	_, tok, err := svc.CreateEndpoint(ctx, node.ID, false)
	require.NoError(b, err)
	base := srv + scim.Prefix + strconv.FormatInt(node.ID, 10)
	body := []byte(emailAddsBody(patch.MaxOperations))
	b.SetBytes(int64(len(body)))
	i := 0
	for b.Loop() {
		b.StopTimer()
		u, _, err := svc.CreateUser(ctx, node.ID, userInputFor("bench"+strconv.Itoa(i)+"@acme.example"), nil)
		require.NoError(b, err)
		i++
		req, _ := http.NewRequest("PATCH", base+"/Users/"+strconv.FormatInt(u.ID, 10), bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/scim+json")
		b.StartTimer()
		res, err := benchClient.Do(req)
		require.NoError(b, err)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("PATCH: %d", res.StatusCode)
		}
	}
}
