package scim_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/reference/scim/patch"
	"github.com/provkit/provkit/reference/store"
)

// snapshot dumps every user, team and membership of every node.
func (e *env) snapshot() []any {
	e.t.Helper()
	st := e.svc.Store()
	var out []any
	ents, err := st.ListEnterprises(e.ctx)
	require.NoError(e.t, err)
	for _, ent := range ents {
		out = append(out, ent)
		nodes, err := st.ListNodes(e.ctx, ent.ID)
		require.NoError(e.t, err)
		for _, n := range nodes {
			out = append(out, n)
			us, _, err := st.FindUsers(e.ctx, store.UserQuery{NodeID: n.ID})
			require.NoError(e.t, err)
			for _, u := range us {
				out = append(out, u)
			}
			ts, _, err := st.FindTeams(e.ctx, store.TeamQuery{NodeID: n.ID})
			require.NoError(e.t, err)
			for _, t := range ts {
				ms, err := st.TeamMembers(e.ctx, t.ID)
				require.NoError(e.t, err)
				out = append(out, t, ms)
			}
			ep, err := st.GetEndpoint(e.ctx, n.ID)
			if err == nil {
				ep.Status = "" // the first authenticated request may activate it
				out = append(out, ep)
			}
		}
	}
	return out
}

func TestBadInputLeavesTheDatabaseUnchanged(t *testing.T) {
	e := newEnv(t)
	uid := e.engReq("POST", "/Users", userBody("keep@acme.example")).get("id").String()
	tid := e.engReq("POST", "/Groups", map[string]any{"displayName": "Keep", "members": []any{map[string]any{"value": uid}}}).get("id").String()
	before := e.snapshot()

	huge := `{"userName":"big@acme.example","displayName":"` + strings.Repeat("x", 1<<20) + `"}`
	cases := []struct {
		name     string
		method   string
		url      string
		tok      string
		body     any
		status   int
		scimType string
	}{
		{"malformed JSON", "POST", e.url(e.eng, "/Users"), e.engTok, `{"userName": `, 400, "invalidSyntax"},
		{"not an object", "POST", e.url(e.eng, "/Users"), e.engTok, `["a"]`, 400, "invalidSyntax"},
		{"trailing data", "POST", e.url(e.eng, "/Users"), e.engTok, `{"userName":"t@acme.example"} {}`, 400, "invalidSyntax"},
		{"userName not a string", "POST", e.url(e.eng, "/Users"), e.engTok, `{"userName": 42}`, 400, "invalidValue"},
		{"active not a boolean", "POST", e.url(e.eng, "/Users"), e.engTok, `{"userName":"a@acme.example","active":"maybe"}`, 400, "invalidValue"},
		{"emails not a list", "POST", e.url(e.eng, "/Users"), e.engTok, `{"userName":"a@acme.example","emails":"a@acme.example"}`, 400, "invalidValue"},
		{"no userName", "POST", e.url(e.eng, "/Users"), e.engTok, `{"displayName":"Nobody"}`, 400, "invalidValue"},
		{"group without displayName", "POST", e.url(e.eng, "/Groups"), e.engTok, `{"externalId":"x"}`, 400, "invalidValue"},
		{"members not objects", "POST", e.url(e.eng, "/Groups"), e.engTok, `{"displayName":"G","members":["u"]}`, 400, "invalidValue"},
		{"oversized body", "POST", e.url(e.eng, "/Users"), e.engTok, huge, 413, ""},
		{"bad filter", "GET", e.url(e.eng, `/Users?filter=userName%20eq`), e.engTok, nil, 400, "invalidFilter"},
		{"unknown operator", "GET", e.url(e.eng, `/Users?filter=userName%20xx%20%22a%22`), e.engTok, nil, 400, "invalidFilter"},
		{"unknown attribute in filter", "GET", e.url(e.eng, `/Users?filter=shoeSize%20eq%20%2242%22`), e.engTok, nil, 400, "invalidFilter"},
		{"unbalanced parens", "GET", e.url(e.eng, `/Groups?filter=(displayName%20eq%20%22a%22`), e.engTok, nil, 400, "invalidFilter"},
		{"bad startIndex", "GET", e.url(e.eng, "/Users?startIndex=abc"), e.engTok, nil, 400, "invalidValue"},
		{"patch without Operations", "PATCH", e.url(e.eng, "/Users/"+uid), e.engTok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, 400, "invalidSyntax"},
		{"patch with unknown op", "PATCH", e.url(e.eng, "/Users/"+uid), e.engTok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"move","path":"displayName","value":"x"}]}`, 400, "invalidSyntax"},
		{"patch remove without path", "PATCH", e.url(e.eng, "/Users/"+uid), e.engTok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove"}]}`, 400, "noTarget"},
		{"patch bad path", "PATCH", e.url(e.eng, "/Users/"+uid), e.engTok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"emails[type eq","value":"x"}]}`, 400, "invalidPath"},
		{"patch is atomic", "PATCH", e.url(e.eng, "/Users/"+uid), e.engTok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"Changed"},{"op":"replace","path":"emails[type eq \"home\"].value","value":"x@acme.example"}]}`, 400, "noTarget"},
		{"patch group atomic", "PATCH", e.url(e.eng, "/Groups/"+tid), e.engTok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members","value":[{"value":"` + uid + `"}]},{"op":"add","path":"members","value":[{"value":"999999999999999"}]}]}`, 400, "invalidValue"},
		{"patch past the operations cap", "PATCH", e.url(e.eng, "/Users/"+uid), e.engTok, emailAddsBody(patch.MaxOperations + 1), 400, "tooMany"},
		{"patch readOnly id", "PATCH", e.url(e.eng, "/Users/"+uid), e.engTok, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"id","value":"1"}]}`, 400, "mutability"},
		{"unknown node", "GET", e.srv.URL + "/api/rest/scim/v2/999/Users", e.engTok, nil, 404, ""},
		{"node not a number", "GET", e.srv.URL + "/api/rest/scim/v2/abc/Users", e.engTok, nil, 404, ""},
		{"no token", "POST", e.url(e.eng, "/Users"), "", userBody("n@acme.example"), 401, ""},
		{"foreign token", "POST", e.url(e.eng, "/Users"), e.salTok, userBody("n@acme.example"), 401, ""},
		{"foreign token delete", "DELETE", e.url(e.eng, "/Users/"+uid), e.salTok, nil, 401, ""},
		{"unknown user", "GET", e.url(e.eng, "/Users/123456789012345"), e.engTok, nil, 404, ""},
		{"unknown resource", "GET", e.url(e.eng, "/Widgets"), e.engTok, nil, 404, ""},
		{"wrong If-Match", "PUT", e.url(e.eng, "/Users/"+uid), e.engTok, userBody("keep@acme.example", "displayName", "Nope"), 412, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hdr []string
			if c.name == "wrong If-Match" {
				hdr = []string{"If-Match", `W/"999"`}
			}
			r := e.do(c.method, c.url, c.tok, c.body, hdr...)
			scimError(t, r, c.status, c.scimType)
			require.Equal(t, before, e.snapshot(), "the database changed")
		})
	}
	r := e.engReq("GET", "/Users/"+uid, nil)
	mustStatus(t, r, http.StatusOK)
	require.Equal(t, "keep@acme.example", r.get("displayName").String())
}

// emailAddsBody is a PATCH of n operations, each adding one email.
func emailAddsBody(n int) string {
	var b strings.Builder
	b.WriteString(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"op":"add","path":"emails","value":[{"value":"cap%d@acme.example","type":"other"}]}`, i)
	}
	b.WriteString("]}")
	return b.String()
}
