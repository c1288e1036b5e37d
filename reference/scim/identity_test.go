package scim_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/directory/service"
)

// A node of identity any takes any userName and keeps displayName and
// emails as sent; a Keeper node (identity email) fills them from the email.
func TestIdentityModes(t *testing.T) {
	e := newEnv(t)
	plain := map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "bjensen"}
	scimError(t, e.engReq(http.MethodPost, "/Users", plain), http.StatusBadRequest, "invalidValue")

	r := e.engReq(http.MethodPost, "/Users", userBody("kim@example.com"))
	mustStatus(t, r, http.StatusCreated)
	kim := r.get("id").String()
	r = e.engReq(http.MethodPatch, "/Users/"+kim, patchBody(op("remove", "displayName", nil), op("remove", "emails", nil)))
	mustStatus(t, r, http.StatusOK)
	require.Equal(t, "kim@example.com", r.get("displayName").String(), "Keeper: the email again")
	require.Equal(t, "kim@example.com", r.get("emails.0.value").String(), "Keeper: the identity email again")

	anyName := directory.IdentityModeAny
	_, err := e.svc.PatchNodeSettings(e.ctx, e.eng.ID, service.NodeSettingsPatch{Identity: &anyName})
	require.NoError(t, err)
	r = e.engReq(http.MethodPost, "/Users", plain)
	mustStatus(t, r, http.StatusCreated)
	require.Equal(t, "bjensen", r.get("userName").String())
	require.False(t, r.get("displayName").Exists(), "no default: %s", r.body)
	require.Empty(t, r.get("emails").Array(), "no default: %s", r.body)
	again := e.engReq(http.MethodPost, "/Users", plain) // the userName is the identity: the same user
	mustStatus(t, again, http.StatusCreated)
	require.Equal(t, r.get("id").String(), again.get("id").String())
	blank := map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "  "}
	scimError(t, e.engReq(http.MethodPost, "/Users", blank), http.StatusBadRequest, "invalidValue")

	r = e.engReq(http.MethodPatch, "/Users/"+kim, patchBody(op("add", "displayName", "Kim"), op("add", "emails", []any{map[string]any{"value": "kim@example.com"}})))
	mustStatus(t, r, http.StatusOK)
	r = e.engReq(http.MethodPatch, "/Users/"+kim, patchBody(op("remove", "displayName", nil), op("remove", "emails", nil)))
	mustStatus(t, r, http.StatusOK)
	require.False(t, r.get("displayName").Exists(), "removed stays removed: %s", r.body)
	require.Empty(t, r.get("emails").Array(), "removed stays removed: %s", r.body)
}
