package scim_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

const searchURN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

func TestSearchPost(t *testing.T) {
	e := newEnv(t)
	mustStatus(t, e.engReq(http.MethodPost, "/Users", userBody("ann@example.com")), http.StatusCreated)
	mustStatus(t, e.engReq(http.MethodPost, "/Users", userBody("ben@example.com")), http.StatusCreated)
	mustStatus(t, e.engReq(http.MethodPost, "/Groups", map[string]any{"displayName": "Admins"}), http.StatusCreated)

	r := e.engReq(http.MethodPost, "/Users/.search?filter=userName+eq+%22ben@example.com%22", map[string]any{
		"schemas": []any{searchURN}, "filter": `userName sw "a"`, "attributes": []any{"userName"}})
	mustStatus(t, r, http.StatusOK)
	require.Equal(t, int64(1), r.get("totalResults").Int(), "the body is the query, not the URL: %s", r.body)
	require.Equal(t, "ann@example.com", r.get("Resources.0.userName").String())
	require.False(t, r.get("Resources.0.emails").Exists(), "attributes projects: %s", r.body)

	r = e.engReq(http.MethodPost, "/.search", map[string]any{"schemas": []any{searchURN},
		"filter": `displayName pr`, "sortBy": "displayName", "count": 2})
	mustStatus(t, r, http.StatusOK)
	require.Equal(t, int64(3), r.get("totalResults").Int(), string(r.body))
	require.Equal(t, int64(2), r.get("itemsPerPage").Int(), string(r.body))
	require.Equal(t, "Admins", r.get("Resources.0.displayName").String(), string(r.body))

	// a filter on a User attribute only: the groups are left out, not an error
	r = e.engReq(http.MethodPost, "/.search", map[string]any{"filter": `userName eq "ben@example.com"`})
	mustStatus(t, r, http.StatusOK)
	require.Equal(t, int64(1), r.get("totalResults").Int(), string(r.body))

	scimError(t, e.engReq(http.MethodPost, "/.search", map[string]any{"filter": `nosuch eq "x"`}), http.StatusBadRequest, "invalidFilter")
	scimError(t, e.engReq(http.MethodPost, "/Users/.search", map[string]any{"count": "ten"}), http.StatusBadRequest, "invalidValue")
	scimError(t, e.engReq(http.MethodPost, "/Users/.search", map[string]any{"schemas": []any{"urn:x"}}), http.StatusBadRequest, "invalidSyntax")
	scimError(t, e.engReq(http.MethodPost, "/Groups/.search", "{"), http.StatusBadRequest, "invalidSyntax")

	r = e.engReq(http.MethodGet, "/Users/.search", nil)
	mustStatus(t, r, http.StatusMethodNotAllowed)
	require.Equal(t, "POST", r.header.Get("Allow"))
}
