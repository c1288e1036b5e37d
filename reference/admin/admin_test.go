package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/reference/admin"
	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/directory/service"
	"github.com/provkit/provkit/reference/internal/origin"
	"github.com/provkit/provkit/reference/store/memstore"
	"github.com/provkit/provkit/reference/store/sqlstore"
)

const adminToken = "test-admin-token-0123456789"

// env is an admin API over a real SQLite-backed service (the production
// wiring: sqlstore under memstore), served by httptest.
type env struct {
	t   *testing.T
	svc *service.Service
	srv *httptest.Server

	mu     sync.Mutex
	tokens []string // every SCIM token issued during the test
	reads  []string // every GET response body
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOpts(t, admin.Options{Token: adminToken})
}

// newEnvOpts is newEnv with the API's options.
func newEnvOpts(t *testing.T, opt admin.Options) *env {
	t.Helper()
	ctx := context.Background()
	sq, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "admin.db"))
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, sq.Close()) })
	mem, err := memstore.New(ctx, sq)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, mem.Close()) })
	svc := service.New(mem)
	e := &env{t: t, svc: svc}
	e.srv = httptest.NewServer(admin.New(svc, opt))
	t.Cleanup(e.srv.Close)
	t.Cleanup(e.checkNoTokenRead)
	return e
}

// checkNoTokenRead: no SCIM token or admin token ever appears in a GET response.
func (e *env) checkNoTokenRead() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, body := range e.reads {
		assert.NotContains(e.t, body, adminToken)
		for _, tok := range e.tokens {
			assert.NotContains(e.t, body, tok, "a SCIM token leaked into a GET response")
		}
	}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// errCode asserts a JSON error body with the given status and code.
func (r resp) errCode(t *testing.T, status int, code string) {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	require.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
	var b struct {
		Error struct {
			Status int    `json:"status"`
			Code   string `json:"code"`
			Detail string `json:"detail"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(r.body, &b), "body: %s", r.body)
	assert.Equal(t, status, b.Error.Status)
	assert.Equal(t, code, b.Error.Code)
	assert.NotEmpty(t, b.Error.Detail)
}

func (e *env) raw(method, path, auth string, body io.Reader) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
	require.NoError(e.t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := e.srv.Client().Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	if method == http.MethodGet {
		e.mu.Lock()
		e.reads = append(e.reads, string(b))
		e.mu.Unlock()
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// do sends an authenticated request; body is JSON-encoded unless it is a
// string (sent as is) or nil.
func (e *env) do(method, path string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(data)
	}
	r := e.raw(method, "/admin/v1"+path, "Bearer "+adminToken, rd)
	if tok := tokenOf(r.body); tok != "" {
		e.mu.Lock()
		e.tokens = append(e.tokens, tok)
		e.mu.Unlock()
	}
	return r
}

func tokenOf(body []byte) string {
	var m struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal(body, &m)
	return m.Token
}

// into decodes the body of a response with the given status into T.
func into[T any](t *testing.T, r resp, status int) T {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	var v T
	require.NoError(t, json.Unmarshal(r.body, &v), "body: %s", r.body)
	return v
}

type node struct {
	ID            string  `json:"id"`
	EnterpriseID  string  `json:"enterprise_id"`
	ParentID      *string `json:"parent_id"`
	Name          string  `json:"name"`
	DefaultRoleID string  `json:"default_role_id"`
	Settings      struct {
		Deprovision string `json:"deprovision"`
		Reprovision string `json:"reprovision"`
		AutoApprove bool   `json:"auto_approve"`
		Identity    string `json:"identity"`
	} `json:"settings"`
	SCIM  *endpoint `json:"scim"`
	Roles []role    `json:"roles"`
}

type role struct {
	ID      string `json:"id"`
	NodeID  string `json:"node_id"`
	Name    string `json:"name"`
	Default bool   `json:"default"`
}

type enterprise struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Seats      int      `json:"seats"`
	SeatsUsed  int      `json:"seats_used"`
	RootNodeID string   `json:"root_node_id"`
	Nodes      []node   `json:"nodes"`
	Roles      []role   `json:"roles"`
	Domains    []string `json:"domains"`
}

type endpoint struct {
	NodeID           string `json:"node_id"`
	EnterpriseID     string `json:"enterprise_id"`
	SCIMURL          string `json:"scim_url"`
	Token            string `json:"token"`
	Status           string `json:"status"`
	UniqueGroupNames bool   `json:"unique_group_names"`
}

type user struct {
	ID          string `json:"id"`
	NodeID      string `json:"node_id"`
	RoleID      string `json:"role_id"`
	RoleName    string `json:"role_name"`
	Email       string `json:"email"`
	ExternalID  string `json:"external_id"`
	Status      string `json:"status"`
	Locked      bool   `json:"locked"`
	Memberships []struct {
		TeamID   string `json:"team_id"`
		TeamName string `json:"team_name"`
		Status   string `json:"status"`
	} `json:"memberships"`
}

type queue struct {
	Teams []struct {
		TeamID   string `json:"team_id"`
		TeamName string `json:"team_name"`
		NodeID   string `json:"node_id"`
	} `json:"teams"`
	Memberships []struct {
		TeamID     string `json:"team_id"`
		TeamName   string `json:"team_name"`
		UserID     string `json:"user_id"`
		UserEmail  string `json:"user_email"`
		UserStatus string `json:"user_status"`
		Approvable bool   `json:"approvable"`
	} `json:"memberships"`
}

func (e *env) createEnterprise(name string, seats int) enterprise {
	e.t.Helper()
	return into[enterprise](e.t, e.do("POST", "/enterprises", map[string]any{"name": name, "seats": seats}), http.StatusCreated)
}

func (e *env) createNode(ent enterprise, name string) node {
	e.t.Helper()
	return into[node](e.t, e.do("POST", "/enterprises/"+ent.ID+"/nodes", map[string]any{"name": name}), http.StatusCreated)
}

func id64(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	_, err := fmt.Sscan(s, &n)
	require.NoError(t, err)
	return n
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name, auth, challenge string
	}{
		{"no header", "", `Bearer realm="provkit-admin"`},
		{"wrong token", "Bearer not-the-token", `Bearer realm="provkit-admin", error="invalid_token"`},
		{"prefix of the token", "Bearer " + adminToken[:10], `Bearer realm="provkit-admin", error="invalid_token"`},
		{"token with a suffix", "Bearer " + adminToken + "x", `Bearer realm="provkit-admin", error="invalid_token"`},
		{"basic scheme", "Basic " + adminToken, `Bearer realm="provkit-admin", error="invalid_token"`},
		{"empty bearer", "Bearer ", `Bearer realm="provkit-admin", error="invalid_token"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{"/admin/v1", "/admin/v1/enterprises", "/admin/v1/no/such/route"} {
				r := e.raw("GET", path, c.auth, nil)
				r.errCode(t, http.StatusUnauthorized, "unauthorized")
				assert.Equal(t, c.challenge, r.header.Get("WWW-Authenticate"))
			}
			r := e.raw("POST", "/admin/v1/enterprises", c.auth, strings.NewReader(`{"name":"X","seats":1}`))
			r.errCode(t, http.StatusUnauthorized, "unauthorized")
		})
	}
	ents := into[struct{ Enterprises []enterprise }](t, e.do("GET", "/enterprises", nil), http.StatusOK)
	assert.Empty(t, ents.Enterprises, "unauthorized POSTs created nothing")
	r := e.raw("GET", "/admin/v1", "bearer "+adminToken, nil) // the scheme is case-insensitive
	assert.Equal(t, http.StatusOK, r.status)
}

func TestEmptyTokenFailsClosed(t *testing.T) {
	sq, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"))
	require.NoError(t, err)
	defer sq.Close()
	srv := httptest.NewServer(admin.New(service.New(sq), admin.Options{}))
	defer srv.Close()
	for _, auth := range []string{"", "Bearer ", "Bearer x"} {
		req, _ := http.NewRequest("GET", srv.URL+"/admin/v1", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := srv.Client().Do(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "auth %q", auth)
	}
}

func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"", "/"} {
		d := into[struct {
			API              string   `json:"api"`
			Version          string   `json:"version"`
			Capabilities     []string `json:"capabilities"`
			DeprovisionModes []string `json:"deprovision_modes"`
			SCIMBaseURL      string   `json:"scim_base_url"`
		}](t, e.do("GET", path, nil), http.StatusOK)
		assert.Equal(t, "provkit-admin", d.API)
		assert.Equal(t, "1", d.Version)
		assert.Subset(t, d.Capabilities, []string{"enterprises", "nodes", "node_settings", "roles", "domains",
			"scim_endpoints", "approval_queue", "users", "teams"})
		assert.Equal(t, []string{"lock", "delete"}, d.DeprovisionModes)
		assert.Equal(t, e.srv.URL+"/api/rest/scim/v2/", d.SCIMBaseURL)
	}
	r := e.do("GET", "", nil)
	assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
}

func TestRoutingErrors(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/nope", nil).errCode(t, http.StatusNotFound, "not_found")
	r := e.do("DELETE", "/enterprises", nil)
	r.errCode(t, http.StatusMethodNotAllowed, "method_not_allowed")
	assert.Equal(t, "GET, POST", r.header.Get("Allow"))
	r = e.do("PUT", "/nodes/1/scim", nil)
	r.errCode(t, http.StatusMethodNotAllowed, "method_not_allowed")
	assert.Equal(t, "GET, POST, PATCH, DELETE", r.header.Get("Allow"))
}

func TestEnterprises(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", "/enterprises", map[string]any{"name": "Acme", "seats": 10})
	acme := into[enterprise](t, r, http.StatusCreated)
	assert.Equal(t, "/admin/v1/enterprises/"+acme.ID, r.header.Get("Location"))
	assert.Equal(t, "Acme", acme.Name)
	assert.Equal(t, 10, acme.Seats)
	assert.Equal(t, 0, acme.SeatsUsed)
	require.Len(t, acme.Nodes, 1)
	root := acme.Nodes[0]
	assert.Equal(t, acme.RootNodeID, root.ID)
	assert.Nil(t, root.ParentID, "the root has parent_id null")
	assert.Equal(t, "Acme", root.Name)
	assert.Equal(t, "lock", root.Settings.Deprovision)
	assert.Nil(t, root.SCIM)
	var names []string
	for _, ro := range acme.Roles {
		names = append(names, ro.Name)
		assert.Equal(t, ro.ID == root.DefaultRoleID, ro.Default)
	}
	assert.ElementsMatch(t, []string{"Keeper Administrator", "All Users"}, names)
	assert.Equal(t, []string{}, acme.Domains)

	globex := e.createEnterprise("Globex", 5)
	list := into[struct{ Enterprises []enterprise }](t, e.do("GET", "/enterprises", nil), http.StatusOK)
	require.Len(t, list.Enterprises, 2)
	assert.Equal(t, []string{acme.ID, globex.ID}, []string{list.Enterprises[0].ID, list.Enterprises[1].ID})

	got := into[enterprise](t, e.do("GET", "/enterprises/"+acme.ID, nil), http.StatusOK)
	assert.Equal(t, acme.Name, got.Name)
	assert.Len(t, got.Nodes, 1)

	// Input errors.
	e.do("POST", "/enterprises", map[string]any{"seats": 1}).errCode(t, 400, "invalid")
	e.do("POST", "/enterprises", map[string]any{"name": "  ", "seats": 1}).errCode(t, 400, "invalid")
	e.do("POST", "/enterprises", map[string]any{"name": "X"}).errCode(t, 400, "invalid")
	e.do("POST", "/enterprises", map[string]any{"name": "X", "seats": -1}).errCode(t, 400, "invalid")
	e.do("POST", "/enterprises", `{"name":"X","seats":1`).errCode(t, 400, "invalid_json")
	e.do("POST", "/enterprises", `{"name":"X","seats":"many"}`).errCode(t, 400, "invalid_json")
	e.do("POST", "/enterprises", `{"name":"X","seats":1,"colour":"red"}`).errCode(t, 400, "invalid_json")
	e.do("POST", "/enterprises", `{"name":"X","seats":1} {}`).errCode(t, 400, "invalid_json")
	e.do("POST", "/enterprises", `[]`).errCode(t, 400, "invalid_json")
	e.do("POST", "/enterprises", "").errCode(t, 400, "invalid_json")
	big := `{"name":"` + strings.Repeat("x", 1<<20) + `","seats":1}`
	e.do("POST", "/enterprises", big).errCode(t, http.StatusRequestEntityTooLarge, "body_too_large")
	list = into[struct{ Enterprises []enterprise }](t, e.do("GET", "/enterprises", nil), http.StatusOK)
	assert.Len(t, list.Enterprises, 2, "failed POSTs created nothing")

	// Not found.
	e.do("GET", "/enterprises/999999", nil).errCode(t, 404, "not_found")
	e.do("GET", "/enterprises/abc", nil).errCode(t, 404, "not_found")
	e.do("GET", "/enterprises/-1", nil).errCode(t, 404, "not_found")
	e.do("PATCH", "/enterprises/999999", map[string]any{"seats": 3}).errCode(t, 404, "not_found")

	// Seats.
	got = into[enterprise](t, e.do("PATCH", "/enterprises/"+acme.ID, map[string]any{"seats": 3}), http.StatusOK)
	assert.Equal(t, 3, got.Seats)
	e.do("PATCH", "/enterprises/"+acme.ID, map[string]any{}).errCode(t, 400, "invalid")
	e.do("PATCH", "/enterprises/"+acme.ID, map[string]any{"seats": -2}).errCode(t, 400, "invalid")
	eng := e.createNode(acme, "Engineering")
	for i := range 2 {
		_, _, err := e.svc.CreateUser(context.Background(), id64(t, eng.ID),
			service.UserInput{UserName: fmt.Sprintf("u%d@acme.example", i)}, nil)
		require.NoError(t, err)
	}
	got = into[enterprise](t, e.do("GET", "/enterprises/"+acme.ID, nil), http.StatusOK)
	assert.Equal(t, 2, got.SeatsUsed)
	e.do("PATCH", "/enterprises/"+acme.ID, map[string]any{"seats": 1}).errCode(t, 400, "invalid")
}

func TestNodesAndRoles(t *testing.T) {
	e := newEnv(t)
	acme := e.createEnterprise("Acme", 10)
	globex := e.createEnterprise("Globex", 10)

	r := e.do("POST", "/enterprises/"+acme.ID+"/nodes", map[string]any{"name": "Engineering"})
	eng := into[node](t, r, http.StatusCreated)
	assert.Equal(t, "/admin/v1/nodes/"+eng.ID, r.header.Get("Location"))
	require.NotNil(t, eng.ParentID)
	assert.Equal(t, acme.RootNodeID, *eng.ParentID, "a node without parent_id is a child of the root")
	assert.Equal(t, acme.ID, eng.EnterpriseID)
	require.Len(t, eng.Roles, 1)
	assert.Equal(t, "Engineering Users", eng.Roles[0].Name)
	assert.True(t, eng.Roles[0].Default)
	assert.Equal(t, eng.Roles[0].ID, eng.DefaultRoleID)

	// parent_id as a string and as a number.
	be := into[node](t, e.do("POST", "/enterprises/"+acme.ID+"/nodes", map[string]any{"name": "Backend", "parent_id": eng.ID}), http.StatusCreated)
	assert.Equal(t, eng.ID, *be.ParentID)
	fe := into[node](t, e.do("POST", "/enterprises/"+acme.ID+"/nodes",
		fmt.Sprintf(`{"name":"Frontend","parent_id":%s}`, eng.ID)), http.StatusCreated)
	assert.Equal(t, eng.ID, *fe.ParentID)

	e.do("POST", "/enterprises/"+globex.ID+"/nodes", map[string]any{"name": "X", "parent_id": eng.ID}).errCode(t, 400, "invalid")
	e.do("POST", "/enterprises/"+acme.ID+"/nodes", map[string]any{"name": "X", "parent_id": "999999"}).errCode(t, 400, "invalid")
	e.do("POST", "/enterprises/"+acme.ID+"/nodes", map[string]any{"name": "X", "parent_id": "abc"}).errCode(t, 400, "invalid")
	e.do("POST", "/enterprises/"+acme.ID+"/nodes", map[string]any{"name": ""}).errCode(t, 400, "invalid")
	e.do("POST", "/enterprises/999999/nodes", map[string]any{"name": "X"}).errCode(t, 404, "not_found")

	got := into[node](t, e.do("GET", "/nodes/"+eng.ID, nil), http.StatusOK)
	assert.Equal(t, "Engineering", got.Name)
	e.do("GET", "/nodes/999999", nil).errCode(t, 404, "not_found")
	ent := into[enterprise](t, e.do("GET", "/enterprises/"+acme.ID, nil), http.StatusOK)
	assert.Len(t, ent.Nodes, 4)

	// Settings: a PATCH changes only the members it names.
	got = into[node](t, e.do("PATCH", "/nodes/"+eng.ID+"/settings", map[string]any{"deprovision": "delete"}), http.StatusOK)
	assert.Equal(t, "delete", got.Settings.Deprovision)
	assert.False(t, got.Settings.AutoApprove)
	got = into[node](t, e.do("PATCH", "/nodes/"+eng.ID+"/settings", map[string]any{"auto_approve": true}), http.StatusOK)
	assert.Equal(t, "delete", got.Settings.Deprovision)
	assert.True(t, got.Settings.AutoApprove)
	e.do("PATCH", "/nodes/"+eng.ID+"/settings", map[string]any{"deprovision": "shred"}).errCode(t, 400, "invalid")
	// identity: email (the default) or any
	assert.Equal(t, "email", got.Settings.Identity)
	got = into[node](t, e.do("PATCH", "/nodes/"+eng.ID+"/settings", map[string]any{"identity": "any"}), http.StatusOK)
	assert.Equal(t, "any", got.Settings.Identity)
	assert.True(t, got.Settings.AutoApprove)
	e.do("PATCH", "/nodes/"+eng.ID+"/settings", map[string]any{"identity": "upn"}).errCode(t, 400, "invalid")
	got = into[node](t, e.do("PATCH", "/nodes/"+eng.ID+"/settings", map[string]any{"identity": "email"}), http.StatusOK)
	assert.Equal(t, "email", got.Settings.Identity)
	e.do("PATCH", "/nodes/999999/settings", map[string]any{"auto_approve": true}).errCode(t, 404, "not_found")
	got = into[node](t, e.do("GET", "/nodes/"+eng.ID, nil), http.StatusOK)
	assert.Equal(t, "delete", got.Settings.Deprovision)

	// Roles.
	r = e.do("POST", "/nodes/"+eng.ID+"/roles", map[string]any{"name": "Developers"})
	dev := into[role](t, r, http.StatusCreated)
	assert.Equal(t, "Developers", dev.Name)
	assert.Equal(t, eng.ID, dev.NodeID)
	assert.False(t, dev.Default)
	lead := into[role](t, e.do("POST", "/nodes/"+eng.ID+"/roles", map[string]any{"name": "Leads", "default": true}), http.StatusCreated)
	assert.True(t, lead.Default)
	got = into[node](t, e.do("GET", "/nodes/"+eng.ID, nil), http.StatusOK)
	assert.Equal(t, lead.ID, got.DefaultRoleID)
	assert.Len(t, got.Roles, 3)
	e.do("POST", "/nodes/"+eng.ID+"/roles", map[string]any{}).errCode(t, 400, "invalid")
	e.do("POST", "/nodes/999999/roles", map[string]any{"name": "X"}).errCode(t, 404, "not_found")

	got = into[node](t, e.do("PUT", "/nodes/"+eng.ID+"/default-role", map[string]any{"role_id": dev.ID}), http.StatusOK)
	assert.Equal(t, dev.ID, got.DefaultRoleID)
	e.do("PUT", "/nodes/"+eng.ID+"/default-role", map[string]any{"role_id": globex.Roles[0].ID}).errCode(t, 400, "invalid")
	e.do("PUT", "/nodes/"+eng.ID+"/default-role", map[string]any{"role_id": "999999"}).errCode(t, 400, "invalid")
	e.do("PUT", "/nodes/"+eng.ID+"/default-role", map[string]any{}).errCode(t, 400, "invalid")
	e.do("PUT", "/nodes/999999/default-role", map[string]any{"role_id": dev.ID}).errCode(t, 404, "not_found")

	// A new user gets the node's default role.
	u, _, err := e.svc.CreateUser(context.Background(), id64(t, eng.ID), service.UserInput{UserName: "a@acme.example"}, nil)
	require.NoError(t, err)
	uv := into[user](t, e.do("GET", fmt.Sprintf("/users/%d", u.ID), nil), http.StatusOK)
	assert.Equal(t, dev.ID, uv.RoleID)
	assert.Equal(t, "Developers", uv.RoleName)
}

func TestDomains(t *testing.T) {
	e := newEnv(t)
	acme := e.createEnterprise("Acme", 10)
	globex := e.createEnterprise("Globex", 10)

	r := e.do("POST", "/enterprises/"+acme.ID+"/domains", map[string]any{"domain": "Acme.Example"})
	d := into[struct {
		Domain       string `json:"domain"`
		EnterpriseID string `json:"enterprise_id"`
	}](t, r, http.StatusCreated)
	assert.Equal(t, "acme.example", d.Domain)
	assert.Equal(t, acme.ID, d.EnterpriseID)
	assert.Equal(t, "/admin/v1/enterprises/"+acme.ID+"/domains/acme.example", r.header.Get("Location"))

	e.do("POST", "/enterprises/"+globex.ID+"/domains", map[string]any{"domain": "acme.example"}).errCode(t, 409, "conflict")
	e.do("POST", "/enterprises/"+acme.ID+"/domains", map[string]any{"domain": "acme.example"}).errCode(t, 409, "conflict")
	e.do("POST", "/enterprises/"+acme.ID+"/domains", map[string]any{"domain": "not a domain"}).errCode(t, 400, "invalid")
	e.do("POST", "/enterprises/"+acme.ID+"/domains", map[string]any{}).errCode(t, 400, "invalid")
	e.do("POST", "/enterprises/999999/domains", map[string]any{"domain": "x.example"}).errCode(t, 404, "not_found")

	got := into[enterprise](t, e.do("GET", "/enterprises/"+acme.ID, nil), http.StatusOK)
	assert.Equal(t, []string{"acme.example"}, got.Domains)

	e.do("DELETE", "/enterprises/"+globex.ID+"/domains/acme.example", nil).errCode(t, 404, "not_found")
	r = e.do("DELETE", "/enterprises/"+acme.ID+"/domains/ACME.example", nil)
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Empty(t, r.body)
	e.do("DELETE", "/enterprises/"+acme.ID+"/domains/acme.example", nil).errCode(t, 404, "not_found")
	got = into[enterprise](t, e.do("GET", "/enterprises/"+acme.ID, nil), http.StatusOK)
	assert.Empty(t, got.Domains)
	// Released, it can be reserved by another enterprise.
	into[map[string]any](t, e.do("POST", "/enterprises/"+globex.ID+"/domains", map[string]any{"domain": "acme.example"}), http.StatusCreated)
}

func TestSCIMEndpoints(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acme := e.createEnterprise("Acme", 10)
	eng := e.createNode(acme, "Engineering")
	engID := id64(t, eng.ID)

	e.do("POST", "/nodes/"+acme.RootNodeID+"/scim", map[string]any{}).errCode(t, 403, "forbidden")
	e.do("POST", "/nodes/999999/scim", nil).errCode(t, 404, "not_found")
	e.do("GET", "/nodes/"+eng.ID+"/scim", nil).errCode(t, 404, "not_found")
	e.do("POST", "/nodes/"+eng.ID+"/scim/rotate", nil).errCode(t, 404, "not_found")
	e.do("PATCH", "/nodes/"+eng.ID+"/scim", map[string]any{"unique_group_names": true}).errCode(t, 404, "not_found")
	e.do("DELETE", "/nodes/"+eng.ID+"/scim", nil).errCode(t, 404, "not_found")

	r := e.do("POST", "/nodes/"+eng.ID+"/scim", map[string]any{"unique_group_names": true})
	ep := into[endpoint](t, r, http.StatusCreated)
	assert.Equal(t, "/admin/v1/nodes/"+eng.ID+"/scim", r.header.Get("Location"))
	assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
	assert.Equal(t, eng.ID, ep.NodeID)
	assert.Equal(t, acme.ID, ep.EnterpriseID)
	assert.Equal(t, e.srv.URL+"/api/rest/scim/v2/"+eng.ID, ep.SCIMURL)
	assert.Len(t, ep.Token, 43)
	assert.Equal(t, "pending", ep.Status)
	assert.True(t, ep.UniqueGroupNames)
	_, err := e.svc.Authenticate(ctx, engID, ep.Token)
	require.NoError(t, err, "the issued token authenticates")

	e.do("POST", "/nodes/"+eng.ID+"/scim", nil).errCode(t, 409, "conflict")

	got := into[endpoint](t, e.do("GET", "/nodes/"+eng.ID+"/scim", nil), http.StatusOK)
	assert.Empty(t, got.Token)
	assert.Equal(t, "active", got.Status, "the first authenticated request activated it")
	assert.Equal(t, ep.SCIMURL, got.SCIMURL)
	n := into[node](t, e.do("GET", "/nodes/"+eng.ID, nil), http.StatusOK)
	require.NotNil(t, n.SCIM)
	assert.Equal(t, ep.SCIMURL, n.SCIM.SCIMURL)
	ent := into[enterprise](t, e.do("GET", "/enterprises/"+acme.ID, nil), http.StatusOK)
	for _, en := range ent.Nodes {
		assert.Equal(t, en.ID == eng.ID, en.SCIM != nil)
	}

	rot := into[endpoint](t, e.do("POST", "/nodes/"+eng.ID+"/scim/rotate", nil), http.StatusOK)
	assert.Len(t, rot.Token, 43)
	assert.NotEqual(t, ep.Token, rot.Token)
	_, err = e.svc.Authenticate(ctx, engID, ep.Token)
	assert.ErrorIs(t, err, service.ErrUnauthorized, "the old token stops working")
	_, err = e.svc.Authenticate(ctx, engID, rot.Token)
	assert.NoError(t, err)

	got = into[endpoint](t, e.do("PATCH", "/nodes/"+eng.ID+"/scim", map[string]any{"unique_group_names": false}), http.StatusOK)
	assert.False(t, got.UniqueGroupNames)
	assert.Empty(t, got.Token)
	got = into[endpoint](t, e.do("GET", "/nodes/"+eng.ID+"/scim", nil), http.StatusOK)
	assert.False(t, got.UniqueGroupNames)

	r = e.do("DELETE", "/nodes/"+eng.ID+"/scim", nil)
	assert.Equal(t, http.StatusNoContent, r.status)
	e.do("GET", "/nodes/"+eng.ID+"/scim", nil).errCode(t, 404, "not_found")
	_, err = e.svc.Authenticate(ctx, engID, rot.Token)
	assert.Equal(t, directory.KindNotFound, directory.KindOf(err))
	// A node can have an endpoint again after a delete.
	into[endpoint](t, e.do("POST", "/nodes/"+eng.ID+"/scim", nil), http.StatusCreated)
}

func TestSCIMURLIgnoresRequestHost(t *testing.T) {
	scimURL := func(e *env, id string) string {
		req, err := http.NewRequest("GET", e.srv.URL+"/admin/v1/nodes/"+id+"/scim", nil)
		require.NoError(t, err)
		req.Host = "scim.example.test:9443"
		req.Header.Set("X-Forwarded-Host", "evil.example")
		req.Header.Set("Authorization", "Bearer "+adminToken)
		res, err := e.srv.Client().Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		var ep endpoint
		require.NoError(t, json.NewDecoder(res.Body).Decode(&ep))
		return ep.SCIMURL
	}
	e := newEnv(t)
	eng := e.createNode(e.createEnterprise("Acme", 10), "Engineering")
	into[endpoint](t, e.do("POST", "/nodes/"+eng.ID+"/scim", nil), http.StatusCreated)
	assert.Equal(t, e.srv.URL+"/api/rest/scim/v2/"+eng.ID, scimURL(e, eng.ID), "the Host header is not trusted")

	o, err := origin.New("https://scim.example.com")
	require.NoError(t, err)
	p := newEnvOpts(t, admin.Options{Token: adminToken, Origin: o})
	eng = p.createNode(p.createEnterprise("Acme", 10), "Engineering")
	into[endpoint](t, p.do("POST", "/nodes/"+eng.ID+"/scim", nil), http.StatusCreated)
	assert.Equal(t, "https://scim.example.com/api/rest/scim/v2/"+eng.ID, scimURL(p, eng.ID))
}

// queueFixture: node Engineering with a pending team "Ops" whose two pending
// members are alice (invited) and bob.
func queueFixture(t *testing.T, e *env) (acme enterprise, eng node, team directory.Team, alice, bob directory.User) {
	t.Helper()
	ctx := context.Background()
	acme = e.createEnterprise("Acme", 10)
	eng = e.createNode(acme, "Engineering")
	engID := id64(t, eng.ID)
	var err error
	alice, _, err = e.svc.CreateUser(ctx, engID, service.UserInput{UserName: "alice@acme.example"}, nil)
	require.NoError(t, err)
	bob, _, err = e.svc.CreateUser(ctx, engID, service.UserInput{UserName: "bob@acme.example"}, nil)
	require.NoError(t, err)
	team, err = e.svc.CreateTeam(ctx, engID, service.TeamInput{DisplayName: "Ops"},
		[]string{fmt.Sprint(alice.ID), fmt.Sprint(bob.ID)})
	require.NoError(t, err)
	require.Equal(t, directory.TeamPending, team.Status)
	return acme, eng, team, alice, bob
}

func TestApprovalQueue(t *testing.T) {
	e := newEnv(t)
	acme, eng, team, alice, bob := queueFixture(t, e)
	globex := e.createEnterprise("Globex", 10)
	sales := e.createNode(globex, "Sales")

	q := into[queue](t, e.do("GET", "/enterprises/"+acme.ID+"/queue", nil), http.StatusOK)
	require.Len(t, q.Teams, 1)
	assert.Equal(t, team.ID, q.Teams[0].TeamID)
	assert.Equal(t, "Ops", q.Teams[0].TeamName)
	assert.Equal(t, eng.ID, q.Teams[0].NodeID)
	require.Len(t, q.Memberships, 2)
	emails := map[string]string{}
	for _, m := range q.Memberships {
		assert.Equal(t, "Ops", m.TeamName)
		assert.Equal(t, "invited", m.UserStatus)
		assert.False(t, m.Approvable, "the team is pending and the user invited")
		emails[m.UserID] = m.UserEmail
	}
	assert.Equal(t, map[string]string{fmt.Sprint(alice.ID): "alice@acme.example", fmt.Sprint(bob.ID): "bob@acme.example"}, emails)

	// Bob accepts his invitation; alice does not.
	bv := into[user](t, e.do("PATCH", fmt.Sprintf("/users/%d", bob.ID), map[string]any{"status": "active"}), http.StatusOK)
	assert.Equal(t, "active", bv.Status)

	// Filters and errors.
	e.do("GET", "/enterprises/"+acme.ID+"/queue?node_id="+sales.ID, nil).errCode(t, 400, "invalid")
	// A query that does not parse is refused, not read without its node_id
	// (which would answer the whole enterprise's queue).
	e.do("GET", "/enterprises/"+acme.ID+"/queue?node_id="+eng.ID+";x", nil).errCode(t, 400, "invalid")
	e.do("GET", "/enterprises/"+acme.ID+"/queue?node_id="+eng.ID+"%", nil).errCode(t, 400, "invalid")
	e.do("GET", "/enterprises/999999/queue", nil).errCode(t, 404, "not_found")
	e.do("POST", "/enterprises/"+acme.ID+"/queue/approve", map[string]any{"node_id": sales.ID}).errCode(t, 400, "invalid")
	e.do("POST", "/enterprises/999999/queue/approve", nil).errCode(t, 404, "not_found")
	q = into[queue](t, e.do("GET", "/enterprises/"+acme.ID+"/queue?node_id="+acme.RootNodeID, nil), http.StatusOK)
	assert.Empty(t, q.Teams)
	assert.Empty(t, q.Memberships)
	res := into[service.ApprovalResult](t, e.do("POST", "/enterprises/"+acme.ID+"/queue/approve",
		map[string]any{"node_id": acme.RootNodeID}), http.StatusOK)
	assert.Equal(t, service.ApprovalResult{}, res, "nothing queued on the root")

	// Approve everything: the team, bob's membership; alice's waits.
	res = into[service.ApprovalResult](t, e.do("POST", "/enterprises/"+acme.ID+"/queue/approve", nil), http.StatusOK)
	assert.Equal(t, service.ApprovalResult{TeamsApproved: 1, MembershipsApproved: 1, MembershipsWaiting: 1}, res)

	q = into[queue](t, e.do("GET", "/enterprises/"+acme.ID+"/queue?node_id="+eng.ID, nil), http.StatusOK)
	assert.Empty(t, q.Teams)
	require.Len(t, q.Memberships, 1)
	assert.Equal(t, "alice@acme.example", q.Memberships[0].UserEmail)
	assert.False(t, q.Memberships[0].Approvable)

	// Alice accepts; now her membership is approvable and gets approved.
	into[user](t, e.do("PATCH", fmt.Sprintf("/users/%d", alice.ID), map[string]any{"status": "active"}), http.StatusOK)
	q = into[queue](t, e.do("GET", "/enterprises/"+acme.ID+"/queue", nil), http.StatusOK)
	require.Len(t, q.Memberships, 1)
	assert.True(t, q.Memberships[0].Approvable)
	res = into[service.ApprovalResult](t, e.do("POST", "/enterprises/"+acme.ID+"/queue/approve",
		map[string]any{"node_id": eng.ID}), http.StatusOK)
	assert.Equal(t, service.ApprovalResult{MembershipsApproved: 1}, res)
	q = into[queue](t, e.do("GET", "/enterprises/"+acme.ID+"/queue", nil), http.StatusOK)
	assert.Empty(t, q.Teams)
	assert.Empty(t, q.Memberships)

	tv := into[struct {
		Status  string `json:"status"`
		Members []struct {
			Status string `json:"status"`
		} `json:"members"`
	}](t, e.do("GET", "/teams/"+team.ID, nil), http.StatusOK)
	assert.Equal(t, "active", tv.Status)
	require.Len(t, tv.Members, 2)
	for _, m := range tv.Members {
		assert.Equal(t, "active", m.Status)
	}
}

func TestApprovalQueueLockedUserWaits(t *testing.T) {
	e := newEnv(t)
	acme, _, _, _, bob := queueFixture(t, e)
	bv := into[user](t, e.do("PATCH", fmt.Sprintf("/users/%d", bob.ID), map[string]any{"status": "active", "locked": true}), http.StatusOK)
	assert.True(t, bv.Locked)
	res := into[service.ApprovalResult](t, e.do("POST", "/enterprises/"+acme.ID+"/queue/approve", map[string]any{}), http.StatusOK)
	assert.Equal(t, service.ApprovalResult{TeamsApproved: 1, MembershipsWaiting: 2}, res)
	into[user](t, e.do("PATCH", fmt.Sprintf("/users/%d", bob.ID), map[string]any{"locked": false}), http.StatusOK)
	res = into[service.ApprovalResult](t, e.do("POST", "/enterprises/"+acme.ID+"/queue/approve", ""), http.StatusOK)
	assert.Equal(t, service.ApprovalResult{MembershipsApproved: 1, MembershipsWaiting: 1}, res)
}

func TestUsers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acme, eng, team, alice, _ := queueFixture(t, e)
	alice, err := e.svc.UpdateUser(ctx, alice.NodeID, alice.ID, service.AnyVersion,
		service.UserInput{UserName: "alice@acme.example", ExternalID: "ext-alice"}, nil)
	require.NoError(t, err)

	path := fmt.Sprintf("/users/%d", alice.ID)
	u := into[user](t, e.do("GET", path, nil), http.StatusOK)
	assert.Equal(t, fmt.Sprint(alice.ID), u.ID)
	assert.Equal(t, eng.ID, u.NodeID)
	assert.Equal(t, eng.DefaultRoleID, u.RoleID)
	assert.Equal(t, "Engineering Users", u.RoleName)
	assert.Equal(t, "alice@acme.example", u.Email)
	assert.Equal(t, "ext-alice", u.ExternalID)
	assert.Equal(t, "invited", u.Status)
	assert.False(t, u.Locked)
	require.Len(t, u.Memberships, 1)
	assert.Equal(t, team.ID, u.Memberships[0].TeamID)
	assert.Equal(t, "Ops", u.Memberships[0].TeamName)
	assert.Equal(t, "pending", u.Memberships[0].Status)

	e.do("GET", "/users/999999999999999", nil).errCode(t, 404, "not_found")
	e.do("GET", "/users/alice", nil).errCode(t, 404, "not_found")

	// Lookup by email, case-insensitive, in any enterprise.
	found := into[struct{ Users []user }](t, e.do("GET", "/users?email=ALICE@Acme.Example", nil), http.StatusOK)
	require.Len(t, found.Users, 1)
	assert.Equal(t, u.ID, found.Users[0].ID)
	assert.Len(t, found.Users[0].Memberships, 1)
	none := into[struct{ Users []user }](t, e.do("GET", "/users?email=nobody@acme.example", nil), http.StatusOK)
	assert.NotNil(t, none.Users)
	assert.Empty(t, none.Users)
	e.do("GET", "/users", nil).errCode(t, 400, "invalid")
	e.do("GET", "/users?name=alice", nil).errCode(t, 400, "invalid")

	// State changes.
	u = into[user](t, e.do("PATCH", path, map[string]any{"status": "active"}), http.StatusOK)
	assert.Equal(t, "active", u.Status)
	u = into[user](t, e.do("PATCH", path, map[string]any{"locked": true}), http.StatusOK)
	assert.True(t, u.Locked)
	assert.Equal(t, "active", u.Status)
	u = into[user](t, e.do("GET", path, nil), http.StatusOK)
	assert.True(t, u.Locked)
	e.do("PATCH", path, map[string]any{"status": "gone"}).errCode(t, 400, "invalid")
	e.do("PATCH", path, map[string]any{}).errCode(t, 400, "invalid")
	e.do("PATCH", path, map[string]any{"locked": "yes"}).errCode(t, 400, "invalid_json")
	e.do("PATCH", "/users/999999999999999", map[string]any{"locked": false}).errCode(t, 404, "not_found")

	// Permanent delete frees the seat and the email.
	before := into[enterprise](t, e.do("GET", "/enterprises/"+acme.ID, nil), http.StatusOK)
	r := e.do("DELETE", path, nil)
	assert.Equal(t, http.StatusNoContent, r.status)
	e.do("GET", path, nil).errCode(t, 404, "not_found")
	e.do("DELETE", path, nil).errCode(t, 404, "not_found")
	after := into[enterprise](t, e.do("GET", "/enterprises/"+acme.ID, nil), http.StatusOK)
	assert.Equal(t, before.SeatsUsed-1, after.SeatsUsed)
	none = into[struct{ Users []user }](t, e.do("GET", "/users?email=alice@acme.example", nil), http.StatusOK)
	assert.Empty(t, none.Users)
	tv := into[struct{ Members []any }](t, e.do("GET", "/teams/"+team.ID, nil), http.StatusOK)
	assert.Len(t, tv.Members, 1, "the deleted user left the team")
}

func TestTeams(t *testing.T) {
	e := newEnv(t)
	_, eng, team, alice, bob := queueFixture(t, e)
	tv := into[struct {
		ID           string `json:"id"`
		EnterpriseID string `json:"enterprise_id"`
		NodeID       string `json:"node_id"`
		Name         string `json:"name"`
		Status       string `json:"status"`
		Members      []struct {
			UserID string `json:"user_id"`
			Email  string `json:"email"`
			Status string `json:"status"`
		} `json:"members"`
	}](t, e.do("GET", "/teams/"+team.ID, nil), http.StatusOK)
	assert.Equal(t, team.ID, tv.ID)
	assert.Equal(t, eng.ID, tv.NodeID)
	assert.Equal(t, eng.EnterpriseID, tv.EnterpriseID)
	assert.Equal(t, "Ops", tv.Name)
	assert.Equal(t, "pending", tv.Status)
	require.Len(t, tv.Members, 2)
	got := map[string]string{}
	for _, m := range tv.Members {
		assert.Equal(t, "pending", m.Status)
		got[m.UserID] = m.Email
	}
	assert.Equal(t, map[string]string{fmt.Sprint(alice.ID): alice.Email, fmt.Sprint(bob.ID): bob.Email}, got)
	e.do("GET", "/teams/AAAAAAAAAAAAAAAAAAAAAA", nil).errCode(t, 404, "not_found")
}

// Two administrators change different settings of one node at the same
// time: both changes hold (the PATCH reads and writes in one transaction).
func TestNodeSettingsConcurrentPatches(t *testing.T) {
	e := newEnv(t)
	acme := e.createEnterprise("Acme", 10)
	for i := range 40 {
		n := into[node](t, e.do("POST", "/enterprises/"+acme.ID+"/nodes", map[string]any{"name": fmt.Sprintf("N%d", i)}), http.StatusCreated)
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for j, body := range []map[string]any{{"deprovision": "delete"}, {"reprovision": "conflict"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[j] = e.do("PATCH", "/nodes/"+n.ID+"/settings", body).status
			}()
		}
		wg.Wait()
		require.Equal(t, []int{http.StatusOK, http.StatusOK}, codes)
		got := into[node](t, e.do("GET", "/nodes/"+n.ID, nil), http.StatusOK)
		require.Equal(t, "delete", got.Settings.Deprovision, "round %d: a concurrent PATCH lost deprovision", i)
		require.Equal(t, "conflict", got.Settings.Reprovision, "round %d: a concurrent PATCH lost reprovision", i)
	}
}

// NUL and invalid UTF-8 are refused where they enter (body, path, query),
// so SQLite (which would store them) and PostgreSQL (which cannot) agree.
func TestBadStringsRefused(t *testing.T) {
	e := newEnv(t)
	acme := e.createEnterprise("Acme", 10)
	for _, c := range []struct {
		name, method, path string
		body               any
	}{
		{"NUL in a name", "POST", "/enterprises", `{"name":"Evil\u0000","seats":1}`},
		{"invalid UTF-8 in a name", "POST", "/enterprises", "{\"name\":\"\xff\",\"seats\":1}"},
		{"NUL in a node name", "POST", "/enterprises/" + acme.ID + "/nodes", `{"name":"N\u0000"}`},
		{"NUL in a team id", "GET", "/teams/a%00", nil},
		{"invalid UTF-8 in a team id", "GET", "/teams/%FF", nil},
		{"invalid UTF-8 in a domain", "DELETE", "/enterprises/" + acme.ID + "/domains/%C3%28.example", nil},
		{"NUL in a query value", "GET", "/users?email=a%00@acme.example", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.do(c.method, c.path, c.body).errCode(t, http.StatusBadRequest, "invalid")
		})
	}
	list := e.do("GET", "/enterprises", nil)
	require.Equal(t, http.StatusOK, list.status)
	assert.NotContains(t, string(list.body), "Evil")
}

// TestDeleteNodeAndEnterprise: DELETE /nodes/{id} removes a node with its
// sub-nodes and what they hold (seats freed, emails free again, the SCIM
// token dead); a root node is a conflict; DELETE /enterprises/{id} removes
// the rest.
func TestDeleteNodeAndEnterprise(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acme, eng, _, alice, _ := queueFixture(t, e)
	sub := into[node](t, e.do("POST", "/enterprises/"+acme.ID+"/nodes",
		map[string]any{"name": "Eng sub", "parent_id": eng.ID}), http.StatusCreated)
	_, _, err := e.svc.CreateUser(ctx, id64(t, sub.ID), service.UserInput{UserName: "carol@acme.example"}, nil)
	require.NoError(t, err)
	ep := into[endpoint](t, e.do("POST", "/nodes/"+eng.ID+"/scim", map[string]any{}), http.StatusCreated)
	_, err = e.svc.Authenticate(ctx, id64(t, eng.ID), ep.Token)
	require.NoError(t, err)
	before := into[enterprise](t, e.do("GET", "/enterprises/"+acme.ID, nil), http.StatusOK)
	require.Equal(t, 3, before.SeatsUsed)

	e.do("DELETE", "/nodes/"+acme.RootNodeID, nil).errCode(t, 409, "conflict")
	e.do("DELETE", "/nodes/999999999", nil).errCode(t, 404, "not_found")
	e.do("DELETE", "/nodes/x", nil).errCode(t, 404, "not_found")
	require.Equal(t, http.StatusNoContent, e.do("DELETE", "/nodes/"+eng.ID, nil).status)

	e.do("GET", "/nodes/"+eng.ID, nil).errCode(t, 404, "not_found")
	e.do("GET", "/nodes/"+sub.ID, nil).errCode(t, 404, "not_found")
	e.do("GET", fmt.Sprintf("/users/%d", alice.ID), nil).errCode(t, 404, "not_found")
	_, err = e.svc.Authenticate(ctx, id64(t, eng.ID), ep.Token)
	require.Error(t, err, "the deleted node's SCIM token still authenticates")
	after := into[enterprise](t, e.do("GET", "/enterprises/"+acme.ID, nil), http.StatusOK)
	assert.Equal(t, 0, after.SeatsUsed)
	require.Len(t, after.Nodes, 1, "only the root node is left")
	q := into[queue](t, e.do("GET", "/enterprises/"+acme.ID+"/queue", nil), http.StatusOK)
	assert.Empty(t, q.Teams)
	assert.Empty(t, q.Memberships)

	globex := e.createEnterprise("Globex", 10)
	sales := e.createNode(globex, "Sales")
	_, _, err = e.svc.CreateUser(ctx, id64(t, sales.ID), service.UserInput{UserName: "alice@acme.example"}, nil)
	require.NoError(t, err, "the email of a user of a deleted node is free again")

	require.Equal(t, http.StatusNoContent, e.do("DELETE", "/enterprises/"+acme.ID, nil).status)
	e.do("GET", "/enterprises/"+acme.ID, nil).errCode(t, 404, "not_found")
	e.do("DELETE", "/enterprises/"+acme.ID, nil).errCode(t, 404, "not_found")
	list := into[struct{ Enterprises []enterprise }](t, e.do("GET", "/enterprises", nil), http.StatusOK)
	require.Len(t, list.Enterprises, 1)
	assert.Equal(t, globex.ID, list.Enterprises[0].ID)
	g := into[enterprise](t, e.do("GET", "/enterprises/"+globex.ID, nil), http.StatusOK)
	assert.Equal(t, 1, g.SeatsUsed)
}
