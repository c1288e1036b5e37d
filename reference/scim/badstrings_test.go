package scim_test

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/reference/scim"
)

// A NUL byte or invalid UTF-8 in a string or id is refused at the SCIM
// boundary with 400 invalidValue, whatever the backend: PostgreSQL's text
// cannot hold them, SQLite would, and the two must answer alike.
func testBadStrings(t *testing.T, e *env) {
	uid := e.engReq("POST", "/Users", userBody("ok@acme.example")).get("id").String()
	gid := e.engReq("POST", "/Groups", map[string]any{"displayName": "Fine"}).get("id").String()
	require.NotEmpty(t, uid)
	require.NotEmpty(t, gid)
	before := e.snapshot()
	cases := []struct {
		name, method, path string
		body               any
	}{
		{"NUL in userName", "POST", "/Users", `{"userName":"a\u0000b@acme.example"}`},
		{"NUL in displayName", "POST", "/Users", `{"userName":"n@acme.example","displayName":"x\u0000"}`},
		{"NUL in an email", "POST", "/Users", `{"userName":"n@acme.example","emails":[{"value":"n\u0000@acme.example"}]}`},
		{"NUL in externalId", "POST", "/Groups", `{"displayName":"G","externalId":"\u0000"}`},
		{"NUL in a group name", "POST", "/Groups", `{"displayName":"G\u0000"}`},
		{"NUL in a member id", "POST", "/Groups", `{"displayName":"G","members":[{"value":"1\u0000"}]}`},
		{"NUL in a key", "POST", "/Users", `{"userName":"n@acme.example","x\u0000":1}`},
		{"invalid UTF-8 in userName", "POST", "/Users", "{\"userName\":\"\xff@acme.example\"}"},
		{"invalid UTF-8 in a group name", "POST", "/Groups", "{\"displayName\":\"\xc3\x28\"}"},
		{"NUL in a PUT", "PUT", "/Users/" + uid, `{"userName":"ok@acme.example","displayName":"\u0000"}`},
		{"NUL in a PATCH value", "PATCH", "/Users/" + uid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"\u0000"}]}`},
		{"NUL in a group PATCH", "PATCH", "/Groups/" + gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"a\u0000"}]}`},
		{"NUL in a PATCH path", "PATCH", "/Groups/" + gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members[value eq \"\u0000\"]","value":[]}]}`},
		{"NUL in a group id", "GET", "/Groups/a%00b", nil},
		{"invalid UTF-8 in a group id", "GET", "/Groups/%FF", nil},
		{"invalid UTF-8 in a group id (DELETE)", "DELETE", "/Groups/%C3%28", nil},
		{"invalid UTF-8 in a group id (PATCH)", "PATCH", "/Groups/%FF", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"x"}]}`},
		{"NUL in a user filter value", "GET", "/Users?filter=userName%20eq%20%22a%00%22", nil},
		{"invalid UTF-8 in a user filter value", "GET", "/Users?filter=userName%20eq%20%22%FF%22", nil},
		{"invalid UTF-8 in an externalId filter", "GET", "/Users?filter=externalId%20eq%20%22%FF%22", nil},
		{"invalid UTF-8 in a group filter value", "GET", "/Groups?filter=displayName%20eq%20%22%FF%22", nil},
		{"invalid UTF-8 in a group id filter", "GET", "/Groups?filter=id%20eq%20%22%FF%22", nil},
		{"NUL in another parameter", "GET", "/Users?attributes=userName%00", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.engReq(c.method, c.path, c.body)
			scimError(t, r, http.StatusBadRequest, "invalidValue")
		})
	}
	require.Equal(t, before, e.snapshot(), "the database changed")
	// An escaped backslash before u0000 is text, not a NUL.
	mustStatus(t, e.engReq("POST", "/Users", `{"userName":"bs@acme.example","displayName":"a\\u0000"}`), http.StatusCreated)
}

func TestBadStringsRefused(t *testing.T)         { testBadStrings(t, newEnv(t)) }
func TestBadStringsRefusedPostgres(t *testing.T) { testBadStrings(t, newEnvPostgres(t)) }

// A filtered or sorted list of groups racing group deletes leaves the
// deleted groups out; it never fails.
func testListRacingDeletes(t *testing.T, e *env) {
	const n = 60
	ids := make([]string, n)
	for i := range ids {
		g := e.engReq("POST", "/Groups", map[string]any{"displayName": fmt.Sprintf("Racer %02d", i)})
		mustStatus(t, g, http.StatusCreated)
		ids[i] = g.get("id").String()
	}
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer done.Store(true)
		for _, id := range ids {
			if r := e.engReq("DELETE", "/Groups/"+id, nil); r.status != http.StatusNoContent {
				t.Errorf("DELETE: %d %s", r.status, r.body)
			}
		}
	}()
	queries := []string{
		"/Groups?filter=displayName%20sw%20%22Racer%22",
		"/Groups?filter=displayName%20sw%20%22Racer%22&sortBy=displayName",
		"/Groups?filter=displayName%20sw%20%22Racer%22&excludedAttributes=members",
		"/Groups?sortBy=displayName&attributes=displayName,members",
		"/Groups?filter=members%20pr%20or%20displayName%20sw%20%22R%22",
		"/Groups",
	}
	lists, bad := 0, 0
	for !done.Load() {
		for _, q := range queries {
			r := e.engReq("GET", q, nil)
			lists++
			if r.status != http.StatusOK {
				bad++
				t.Logf("%s: %d %s", q, r.status, r.body)
			}
		}
	}
	wg.Wait()
	assert.Zero(t, bad, "%d of %d lists failed", bad, lists)
}

func TestListRacingDeletes(t *testing.T)         { testListRacingDeletes(t, newEnv(t)) }
func TestListRacingDeletesPostgres(t *testing.T) { testListRacingDeletes(t, newEnvPostgres(t)) }

// Users removed while a list is built (DELETE removing them, as in a node
// in delete mode) are left out too.
func testUserListRacingDeletes(t *testing.T, e *env) {
	const n = 60
	ids := make([]string, n)
	for i := range ids {
		u := e.engReq("POST", "/Users", userBody(fmt.Sprintf("racer%02d@acme.example", i)))
		mustStatus(t, u, http.StatusCreated)
		ids[i] = u.get("id").String()
	}
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer done.Store(true)
		for _, id := range ids {
			if r := e.engReq("DELETE", "/Users/"+id, nil); r.status != http.StatusNoContent {
				t.Errorf("DELETE: %d %s", r.status, r.body)
			}
		}
	}()
	queries := []string{
		"/Users?filter=userName%20sw%20%22racer%22",
		"/Users?sortBy=userName",
		"/Users?attributes=userName,groups",
		"/Users",
	}
	lists, bad := 0, 0
	for !done.Load() {
		for _, q := range queries {
			r := e.engReq("GET", q, nil)
			lists++
			if r.status != http.StatusOK {
				bad++
				t.Logf("%s: %d %s", q, r.status, r.body)
			}
		}
	}
	wg.Wait()
	assert.Zero(t, bad, "%d of %d lists failed", bad, lists)
}

func TestUserListRacingDeletes(t *testing.T) {
	testUserListRacingDeletes(t, newEnv(t, scim.FaultHardDelete))
}

func TestUserListRacingDeletesPostgres(t *testing.T) {
	testUserListRacingDeletes(t, newEnvPostgres(t, scim.FaultHardDelete))
}
