package scim_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestIdPQuirks: the reference accepts what real identity providers send
// (notes: /work/shared/notes/idp-clients.md; sources in mockidp/sync),
// including the shapes a strict RFC 7644 reading would refuse. Each case is
// one IdP request, sent as the IdP sends it.
func TestIdPQuirks(t *testing.T) {
	const (
		core       = "urn:ietf:params:scim:schemas:core:2.0:User"
		enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	)
	newUser := func(e *env, email string) string {
		r := e.engReq("POST", "/Users", userBody(email))
		mustStatus(t, r, http.StatusCreated)
		return r.get("id").String()
	}
	newGroup := func(e *env, name string, members ...string) string {
		ms := []any{}
		for _, m := range members {
			ms = append(ms, map[string]any{"value": m})
		}
		r := e.engReq("POST", "/Groups", map[string]any{"displayName": name, "members": ms})
		mustStatus(t, r, http.StatusCreated)
		return r.get("id").String()
	}
	members := func(e *env, gid string) []string {
		r := e.engReq("GET", "/Groups/"+gid, nil)
		mustStatus(t, r, http.StatusOK)
		var out []string
		for _, m := range r.get("members.#.value").Array() {
			out = append(out, m.String())
		}
		return out
	}

	// ---- Microsoft Entra ID ----

	t.Run("Entra: test connection filters by a random GUID and gets an empty list", func(t *testing.T) {
		e := newEnv(t)
		r := e.engReq("GET", "/Users?filter="+url.QueryEscape(`userName eq "7b8e0f0c-2b3d-4c4e-9f5a-6b7c8d9e0f1a"`), nil)
		mustStatus(t, r, http.StatusOK)
		require.EqualValues(t, 0, r.get("totalResults").Int())
		require.True(t, r.get("Resources").IsArray(), "an empty ListResponse carries Resources: []")
		r = e.engReq("GET", "/Groups?excludedAttributes=members&filter="+url.QueryEscape(`displayName eq "7b8e0f0c-2b3d-4c4e-9f5a-6b7c8d9e0f1b"`), nil)
		mustStatus(t, r, http.StatusOK)
		require.EqualValues(t, 0, r.get("totalResults").Int())
	})
	t.Run("Entra: externalId eq with an unquoted value, dots and dashes included", func(t *testing.T) {
		e := newEnv(t)
		mustStatus(t, e.engReq("POST", "/Users", userBody("j.young-2@acme.example", "externalId", "j.young-2")), http.StatusCreated)
		r := e.engReq("GET", "/Users?filter="+url.QueryEscape(`externalId eq j.young-2`), nil)
		mustStatus(t, r, http.StatusOK)
		require.EqualValues(t, 1, r.get("totalResults").Int())
	})
	t.Run("Entra: create with the enterprise extension, meta, roles [] and nulls", func(t *testing.T) {
		e := newEnv(t)
		r := e.engReq("POST", "/Users", map[string]any{
			"schemas":    []any{core, enterprise},
			"externalId": "jyoung", "userName": "jyoung@acme.example", "active": true,
			"emails":    []any{map[string]any{"primary": true, "type": "work", "value": "jyoung@acme.example"}},
			"meta":      map[string]any{"resourceType": "User"},
			"name":      map[string]any{"formatted": "Jo Young", "familyName": "Young", "givenName": "Jo"},
			"roles":     []any{},
			"addresses": nil, "manager": nil,
			enterprise: map[string]any{"employeeNumber": "701984", "department": "Eng"},
		})
		mustStatus(t, r, http.StatusCreated)
		require.Equal(t, "jyoung", r.get("externalId").String())
	})
	t.Run("Entra: the documented URN typo enterprise:2.0User in schemas", func(t *testing.T) {
		e := newEnv(t)
		r := e.engReq("POST", "/Users", userBody("typo@acme.example", "schemas",
			[]any{core, "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"}))
		mustStatus(t, r, http.StatusCreated)
	})
	t.Run("Entra: roles with primary as the string True", func(t *testing.T) {
		e := newEnv(t)
		r := e.engReq("POST", "/Users", userBody("roles@acme.example", "roles",
			[]any{map[string]any{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}}))
		mustStatus(t, r, http.StatusCreated)
	})
	t.Run("Entra: one capitalised Replace per attribute, enterprise URN and externalId paths", func(t *testing.T) {
		e := newEnv(t)
		id := newUser(e, "ops@acme.example")
		r := e.engReq("PATCH", "/Users/"+id, patchBody(
			op("Replace", "displayName", "Ops Person"),
			op("Replace", "name.familyName", "Person"),
			op("Replace", `emails[type eq "work"].value`, "ops@acme.example"),
			op("Replace", "externalId", "ops-1"),
			op("Replace", enterprise+":employeeNumber", "42"),
			op("Add", "nickName", "Babs"),
		))
		mustStatus(t, r, http.StatusOK)
		require.Equal(t, "Ops Person", r.get("displayName").String())
		require.Equal(t, "ops-1", r.get("externalId").String())
	})
	t.Run("Entra: disable with the string False, enable with True; the user stays readable", func(t *testing.T) {
		e := newEnv(t)
		id := newUser(e, "off@acme.example")
		mustStatus(t, e.engReq("PATCH", "/Users/"+id, patchBody(op("Replace", "active", "False"))), http.StatusOK)
		r := e.engReq("GET", "/Users/"+id, nil)
		mustStatus(t, r, http.StatusOK)
		require.False(t, r.get("active").Bool())
		mustStatus(t, e.engReq("PATCH", "/Users/"+id, patchBody(op("Replace", "active", "True"))), http.StatusOK)
		require.True(t, e.engReq("GET", "/Users/"+id, nil).get("active").Bool())
	})
	t.Run("Entra: manager added as an array and removed with an empty string", func(t *testing.T) {
		e := newEnv(t)
		boss := newUser(e, "boss@acme.example")
		id := newUser(e, "worker@acme.example")
		mustStatus(t, e.engReq("PATCH", "/Users/"+id, patchBody(op("Add", enterprise+":manager",
			[]any{map[string]any{"$ref": e.url(e.eng, "/Users/"+boss), "value": boss}}))), http.StatusOK)
		mustStatus(t, e.engReq("PATCH", "/Users/"+id, patchBody(op("Remove", enterprise+":manager", ""))), http.StatusOK)
	})
	t.Run("Entra: group create with the ADSCIM schema, members added with $ref null, removed by value list", func(t *testing.T) {
		e := newEnv(t)
		a, b := newUser(e, "a@acme.example"), newUser(e, "b@acme.example")
		r := e.engReq("POST", "/Groups", map[string]any{
			"schemas":    []any{"urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"},
			"externalId": "8aa1a0c0-c4c3-4bc0-a4a5-1f1a1e0d0c0b", "displayName": "Entra Group",
			"meta": map[string]any{"resourceType": "Group"}})
		mustStatus(t, r, http.StatusCreated)
		gid := r.get("id").String()
		r = e.engReq("PATCH", "/Groups/"+gid, patchBody(op("Add", "members",
			[]any{map[string]any{"$ref": nil, "value": a}, map[string]any{"$ref": nil, "value": b}})))
		mustStatus(t, r, http.StatusNoContent)
		require.ElementsMatch(t, []string{a, b}, members(e, gid))
		mustStatus(t, e.engReq("PATCH", "/Groups/"+gid, patchBody(op("Remove", "members", []any{map[string]any{"value": a}}))), http.StatusNoContent)
		require.Equal(t, []string{b}, members(e, gid))
		r = e.engReq("GET", "/Groups/"+gid+"?excludedAttributes=members", nil)
		mustStatus(t, r, http.StatusOK)
		require.False(t, r.get("members").Exists())
	})
	t.Run("Entra compliant: path-less replace with dotted and URN keys, members[value eq] removal", func(t *testing.T) {
		e := newEnv(t)
		id := newUser(e, "dotted@acme.example")
		r := e.engReq("PATCH", "/Users/"+id, patchBody(op("replace", "", map[string]any{
			"displayName": "Bjfe", "name.givenName": "Kkom", "name.familyName": "Unua", enterprise + ":employeeNumber": "Aklq"})))
		mustStatus(t, r, http.StatusOK)
		require.Equal(t, "Kkom", r.get("name.givenName").String())
		a, b := newUser(e, "m1@acme.example"), newUser(e, "m2@acme.example")
		gid := newGroup(e, "Compliant", a, b)
		mustStatus(t, e.engReq("PATCH", "/Groups/"+gid, patchBody(op("remove", `members[value eq "`+a+`"]`, nil))), http.StatusNoContent)
		require.Equal(t, []string{b}, members(e, gid))
	})

	// ---- Okta ----

	t.Run("Okta: lookup with startIndex and count, create with password, locale and groups []", func(t *testing.T) {
		e := newEnv(t)
		r := e.engReq("GET", "/Users?filter="+url.QueryEscape(`userName eq "test.user@acme.example"`)+"&startIndex=1&count=100", nil)
		mustStatus(t, r, http.StatusOK)
		require.EqualValues(t, 0, r.get("totalResults").Int())
		r = e.engReq("POST", "/Users", userBody("test.user@acme.example", "password", "1mz050nq", "locale", "en-US",
			"groups", []any{}, "externalId", "00ujl29u0le5T6Aj10h7", "displayName", "Test User", "active", true),
			"User-Agent", "Okta SCIM Client 1.0.0")
		mustStatus(t, r, http.StatusCreated)
		require.False(t, r.get("password").Exists(), "a password is never returned")
	})
	t.Run("Okta: PUT of the whole profile with id, locale and groups [] keeps the memberships", func(t *testing.T) {
		e := newEnv(t)
		id := newUser(e, "put@acme.example")
		gid := newGroup(e, "Kept", id)
		r := e.engReq("PUT", "/Users/"+id, userBody("put@acme.example", "id", id, "locale", "en-US", "groups", []any{},
			"displayName", "Put Person", "active", true, "externalId", "00u1"))
		mustStatus(t, r, http.StatusOK)
		require.Equal(t, "Put Person", r.get("displayName").String())
		require.Equal(t, []string{id}, members(e, gid), "groups is read-only on PUT")
	})
	t.Run("Okta: path-less {active: false} deactivates; the user stays readable", func(t *testing.T) {
		e := newEnv(t)
		id := newUser(e, "okta-off@acme.example")
		mustStatus(t, e.engReq("PATCH", "/Users/"+id, patchBody(op("replace", "", map[string]any{"active": false}))), http.StatusOK)
		r := e.engReq("GET", "/Users/"+id, nil)
		mustStatus(t, r, http.StatusOK)
		require.False(t, r.get("active").Bool())
	})
	t.Run("Okta: group push with members [], rename carrying the id, remove-then-add, replace members []", func(t *testing.T) {
		e := newEnv(t)
		a, b := newUser(e, "p1@acme.example"), newUser(e, "p2@acme.example")
		r := e.engReq("POST", "/Groups", map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:Group"},
			"displayName": "Pushed", "members": []any{}})
		mustStatus(t, r, http.StatusCreated)
		gid := r.get("id").String()
		mustStatus(t, e.engReq("PATCH", "/Groups/"+gid, patchBody(op("replace", "", map[string]any{"id": gid, "displayName": "Pushed 2"}))), http.StatusNoContent)
		require.Equal(t, "Pushed 2", e.engReq("GET", "/Groups/"+gid, nil).get("displayName").String())
		mustStatus(t, e.engReq("PATCH", "/Groups/"+gid, patchBody(op("replace", "members",
			[]any{map[string]any{"value": a, "display": "p1@acme.example"}}))), http.StatusNoContent)
		mustStatus(t, e.engReq("PATCH", "/Groups/"+gid, patchBody(
			op("remove", `members[value eq "`+a+`"]`, nil),
			op("add", "members", []any{map[string]any{"value": b, "display": "p2@acme.example"}}))), http.StatusNoContent)
		require.Equal(t, []string{b}, members(e, gid))
		mustStatus(t, e.engReq("PATCH", "/Groups/"+gid, patchBody(op("replace", "members", []any{}))), http.StatusNoContent)
		require.Empty(t, members(e, gid))
	})
	t.Run("Okta: config save reads with constant paging parameters", func(t *testing.T) {
		e := newEnv(t)
		mustStatus(t, e.engReq("GET", "/Users?startIndex=1&count=2", nil), http.StatusOK)
		mustStatus(t, e.engReq("GET", "/Groups?startIndex=1&count=100", nil), http.StatusOK)
	})

	// ---- JumpCloud, CloudGate, OneLogin, Google ----

	t.Run("JumpCloud: test user and group created, then deleted: the user is locked, the group gone", func(t *testing.T) {
		e := newEnv(t)
		id := newUser(e, "jc-test@acme.example")
		gid := newGroup(e, "JumpCloud Test Group")
		mustStatus(t, e.engReq("DELETE", "/Groups/"+gid, nil), http.StatusNoContent)
		mustStatus(t, e.engReq("DELETE", "/Users/"+id, nil), http.StatusNoContent)
		mustStatus(t, e.engReq("GET", "/Groups/"+gid, nil), http.StatusNotFound)
		r := e.engReq("GET", "/Users/"+id, nil)
		mustStatus(t, r, http.StatusOK)
		require.False(t, r.get("active").Bool())
	})
	t.Run("JumpCloud: an existing group found by name is taken over", func(t *testing.T) {
		e := newEnv(t)
		gid := newGroup(e, "Existing")
		a := newUser(e, "taker@acme.example")
		r := e.engReq("GET", "/Groups?filter="+url.QueryEscape(`displayName eq "Existing"`), nil)
		require.Equal(t, gid, r.get("Resources.0.id").String())
		mustStatus(t, e.engReq("PATCH", "/Groups/"+gid, patchBody(op("add", "members", []any{map[string]any{"value": a}}))), http.StatusNoContent)
		require.Equal(t, []string{a}, members(e, gid))
	})
	t.Run("OneLogin: the JSON template with Content-Type application/scim+json", func(t *testing.T) {
		e := newEnv(t)
		r := e.engReq("POST", "/Users", map[string]any{"schemas": []any{core}, "userName": "ol@acme.example",
			"displayName": "One Login", "name": map[string]any{"givenName": "One", "familyName": "Login"},
			"emails": []any{map[string]any{"value": "ol@acme.example", "type": "work", "primary": true}}},
			"Content-Type", "application/scim+json")
		mustStatus(t, r, http.StatusCreated)
	})
	t.Run("OneLogin without its custom header: application/json is accepted too", func(t *testing.T) {
		e := newEnv(t)
		r := e.engReq("POST", "/Users", userBody("json@acme.example"), "Content-Type", "application/json")
		mustStatus(t, r, http.StatusCreated)
	})
	t.Run("Google and CloudGate: the count=1 and startIndex=1&count=1 probes", func(t *testing.T) {
		e := newEnv(t)
		newUser(e, "g1@acme.example")
		newUser(e, "g2@acme.example")
		for _, q := range []string{"count=1", "startIndex=1&count=1"} {
			r := e.engReq("GET", "/Users?"+q, nil)
			mustStatus(t, r, http.StatusOK)
			require.EqualValues(t, 2, r.get("totalResults").Int())
			require.Len(t, r.get("Resources").Array(), 1)
		}
	})
}
