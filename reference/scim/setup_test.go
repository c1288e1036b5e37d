package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/directory/service"
	"github.com/provkit/provkit/reference/scim"
	"github.com/provkit/provkit/reference/store"
	"github.com/provkit/provkit/reference/store/memstore"
	"github.com/provkit/provkit/reference/store/sqlstore"
)

// countingStore counts TeamMembers reads, to prove excludedAttributes=members
// never reads members.
type countingStore struct {
	store.Store
	memberReads atomic.Int64
}

func (c *countingStore) TeamMembers(ctx context.Context, id string) ([]store.Member, error) {
	c.memberReads.Add(1)
	return c.Store.TeamMembers(ctx, id)
}

// env is a reference SCIM API over a real SQLite file, behind a real HTTP server.
type env struct {
	t      *testing.T
	ctx    context.Context
	svc    *service.Service
	st     *countingStore
	srv    *httptest.Server
	acme   directory.Enterprise
	eng    directory.Node // Acme / Engineering, with an endpoint
	engTok string
	sub    directory.Node // Acme / Engineering / Platform (a sub-node), with its own endpoint
	subTok string
	globex directory.Enterprise
	sales  directory.Node
	salTok string
}

func newEnv(t *testing.T, faults ...scim.Fault) *env {
	t.Helper()
	return newEnvOpts(t, scim.Options{Faults: faults})
}

// newEnvOpts is newEnv with the API's options.
func newEnvOpts(t *testing.T, opt scim.Options) *env {
	t.Helper()
	ctx := context.Background()
	sq, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "ref.db"))
	require.NoError(t, err)
	mem, err := memstore.New(ctx, sq)
	require.NoError(t, err)
	return newEnvStore(t, mem, opt)
}

// newEnvStore is newEnvOpts on a given store (closed when the test ends).
func newEnvStore(t *testing.T, st store.Store, opt scim.Options) *env {
	t.Helper()
	ctx := context.Background()
	var err error
	cs := &countingStore{Store: st}
	t.Cleanup(func() { _ = cs.Close() })
	svc := service.New(cs)
	e := &env{t: t, ctx: ctx, svc: svc, st: cs}
	e.srv = httptest.NewServer(scim.New(svc, opt))
	t.Cleanup(e.srv.Close)

	e.acme, err = svc.CreateEnterprise(ctx, "Acme", 5000)
	require.NoError(t, err)
	e.eng, err = svc.CreateNode(ctx, e.acme.RootNode, "Engineering")
	require.NoError(t, err)
	_, e.engTok, err = svc.CreateEndpoint(ctx, e.eng.ID, false)
	require.NoError(t, err)
	e.sub, err = svc.CreateNode(ctx, e.eng.ID, "Platform")
	require.NoError(t, err)
	_, e.subTok, err = svc.CreateEndpoint(ctx, e.sub.ID, false)
	require.NoError(t, err)
	e.globex, err = svc.CreateEnterprise(ctx, "Globex", 1000)
	require.NoError(t, err)
	e.sales, err = svc.CreateNode(ctx, e.globex.RootNode, "Sales")
	require.NoError(t, err)
	_, e.salTok, err = svc.CreateEndpoint(ctx, e.sales.ID, false)
	require.NoError(t, err)
	return e
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) get(path string) gjson.Result { return gjson.GetBytes(r.body, path) }

func (e *env) url(node directory.Node, path string) string {
	return e.srv.URL + scim.Prefix + strconv.FormatInt(node.ID, 10) + path
}

// do sends a request with a token (tok "" sends none).
func (e *env) do(method, url, tok string, body any, hdr ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(e.t, err)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// eng sends to Acme/Engineering with its token.
func (e *env) engReq(method, path string, body any, hdr ...string) resp {
	e.t.Helper()
	return e.do(method, e.url(e.eng, path), e.engTok, body, hdr...)
}

func userBody(email string, extra ...any) map[string]any {
	m := map[string]any{
		"schemas":  []any{"urn:ietf:params:scim:schemas:core:2.0:User"},
		"userName": email,
		"name":     map[string]any{"givenName": "Given", "familyName": "Family"},
		"emails":   []any{map[string]any{"value": email, "type": "work", "primary": true}},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

func patchBody(ops ...map[string]any) map[string]any {
	list := make([]any, len(ops))
	for i, o := range ops {
		list[i] = o
	}
	return map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": list}
}

func op(kind, path string, value any) map[string]any {
	m := map[string]any{"op": kind}
	if path != "" {
		m["path"] = path
	}
	if value != nil {
		m["value"] = value
	}
	return m
}

// mustStatus fails with the exchange when the status differs.
func mustStatus(t *testing.T, r resp, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body: %s", r.status, want, r.body)
	}
}

// scimError checks a SCIM error body.
func scimError(t *testing.T, r resp, status int, scimType string) {
	t.Helper()
	mustStatus(t, r, status)
	require.Equal(t, "urn:ietf:params:scim:api:messages:2.0:Error", r.get("schemas.0").String(), string(r.body))
	require.Equal(t, strconv.Itoa(status), r.get("status").String(), "status must be a string: %s", r.body)
	require.Equal(t, gjson.String, r.get("status").Type)
	require.Equal(t, scimType, r.get("scimType").String(), string(r.body))
	require.Contains(t, r.header.Get("Content-Type"), "application/scim+json")
}

func userInputFor(email string) service.UserInput {
	return service.UserInput{UserName: email, Emails: []directory.Email{{Value: email, Primary: true}}}
}
