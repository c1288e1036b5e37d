package scim_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/reference/directory"
)

// TestKeeperBehaviours walks every behaviour of Keeper's SCIM endpoint over HTTP.
func TestKeeperBehaviours(t *testing.T) {
	t.Run("create gives an invited user whose displayName defaults to the email", func(t *testing.T) {
		e := newEnv(t)
		body := userBody("ada@acme.example")
		r := e.engReq("POST", "/Users", body)
		mustStatus(t, r, http.StatusCreated)
		require.Equal(t, "ada@acme.example", r.get("displayName").String())
		require.True(t, r.get("active").Bool())
		require.Regexp(t, `^[0-9]{15,}$`, r.get("id").String())
		require.Equal(t, r.get("meta.location").String(), r.header.Get("Location"))
		id, _ := strconv.ParseInt(r.get("id").String(), 10, 64)
		u, err := e.svc.Store().GetUser(e.ctx, id)
		require.NoError(t, err)
		require.Equal(t, directory.UserInvited, u.Status)
		require.Equal(t, e.eng.DefaultRoleID, u.RoleID)
	})

	t.Run("userName or an email must be an address", func(t *testing.T) {
		e := newEnv(t)
		scimError(t, e.engReq("POST", "/Users", map[string]any{"userName": "not-an-address"}), 400, "invalidValue")
		r := e.engReq("POST", "/Users", map[string]any{"userName": "jdoe", "emails": []any{map[string]any{"value": "jdoe@acme.example"}}})
		mustStatus(t, r, http.StatusCreated)
		require.Equal(t, "jdoe", r.get("userName").String())
	})

	t.Run("emails are unique across enterprises; same node links", func(t *testing.T) {
		e := newEnv(t)
		first := e.engReq("POST", "/Users", userBody("bob@shared.example", "externalId", "okta-1"))
		mustStatus(t, first, http.StatusCreated)
		// another enterprise: conflict
		scimError(t, e.do("POST", e.url(e.sales, "/Users"), e.salTok, userBody("BOB@shared.example")), 409, "uniqueness")
		// a sub-node of the same enterprise: conflict too (it is another node)
		scimError(t, e.do("POST", e.url(e.sub, "/Users"), e.subTok, userBody("bob@shared.example")), 409, "uniqueness")
		// the same node: link, same id, externalId updated
		again := e.engReq("POST", "/Users", userBody("Bob@Shared.example", "externalId", "okta-2"))
		mustStatus(t, again, http.StatusCreated)
		require.Equal(t, first.get("id").String(), again.get("id").String())
		require.Equal(t, "okta-2", again.get("externalId").String())
		list := e.engReq("GET", "/Users?filter="+url.QueryEscape(`userName eq "bob@shared.example"`), nil)
		require.EqualValues(t, 1, list.get("totalResults").Int())
	})

	t.Run("no seat left is 428", func(t *testing.T) {
		e := newEnv(t)
		_, err := e.svc.SetSeats(e.ctx, e.acme.ID, 1)
		require.NoError(t, err)
		mustStatus(t, e.engReq("POST", "/Users", userBody("one@acme.example")), http.StatusCreated)
		scimError(t, e.engReq("POST", "/Users", userBody("two@acme.example")), 428, "")
	})

	t.Run("delete locks; active false/true locks and unlocks", func(t *testing.T) {
		e := newEnv(t)
		id := e.engReq("POST", "/Users", userBody("carol@acme.example")).get("id").String()
		mustStatus(t, e.engReq("DELETE", "/Users/"+id, nil), http.StatusNoContent)
		r := e.engReq("GET", "/Users/"+id, nil)
		mustStatus(t, r, http.StatusOK)
		require.False(t, r.get("active").Bool())
		r = e.engReq("PATCH", "/Users/"+id, patchBody(op("replace", "active", true)))
		mustStatus(t, r, http.StatusOK)
		require.True(t, r.get("active").Bool())
		r = e.engReq("PATCH", "/Users/"+id, patchBody(op("Replace", "active", "False"))) // Entra ID's shape
		mustStatus(t, r, http.StatusOK)
		require.False(t, r.get("active").Bool())
		r = e.engReq("PATCH", "/Users/"+id, patchBody(op("replace", "", map[string]any{"active": true}))) // Okta's shape
		mustStatus(t, r, http.StatusOK)
		require.True(t, r.get("active").Bool())
		put := userBody("carol@acme.example", "active", false)
		r = e.engReq("PUT", "/Users/"+id, put)
		mustStatus(t, r, http.StatusOK)
		require.False(t, r.get("active").Bool())
		uid, _ := strconv.ParseInt(id, 10, 64)
		u, err := e.svc.Store().GetUser(e.ctx, uid)
		require.NoError(t, err)
		require.True(t, u.Locked)
	})

	t.Run("delete mode removes (RFC 7644)", func(t *testing.T) {
		e := newEnv(t)
		_, err := e.svc.UpdateNodeSettings(e.ctx, e.eng.ID, directory.NodeSettings{Deprovision: directory.DeprovisionDelete})
		require.NoError(t, err)
		id := e.engReq("POST", "/Users", userBody("dave@acme.example")).get("id").String()
		mustStatus(t, e.engReq("DELETE", "/Users/"+id, nil), http.StatusNoContent)
		scimError(t, e.engReq("GET", "/Users/"+id, nil), 404, "")
		scimError(t, e.engReq("DELETE", "/Users/"+id, nil), 404, "")
	})

	t.Run("teams and memberships wait in the queue; approval needs an active user", func(t *testing.T) {
		e := newEnv(t)
		team := e.engReq("POST", "/Groups", map[string]any{"displayName": "Queued Team", "externalId": "e9e306a331660a"})
		mustStatus(t, team, http.StatusCreated)
		tid := team.get("id").String()
		require.Regexp(t, `^[A-Za-z0-9_-]{22}$`, tid)
		tm, err := e.svc.Store().GetTeam(e.ctx, tid)
		require.NoError(t, err)
		require.Equal(t, directory.TeamPending, tm.Status)

		// three ways to join: groups on POST /Users, PATCH /Users groups, PATCH /Groups members
		u1 := e.engReq("POST", "/Users", userBody("u1@acme.example", "groups", []any{map[string]any{"value": tid}}))
		mustStatus(t, u1, http.StatusCreated)
		u2 := e.engReq("POST", "/Users", userBody("u2@acme.example")).get("id").String()
		mustStatus(t, e.engReq("PATCH", "/Users/"+u2, patchBody(op("add", "groups", []any{map[string]any{"value": tid}}))), http.StatusOK)
		u3 := e.engReq("POST", "/Users", userBody("u3@acme.example")).get("id").String()
		mustStatus(t, e.engReq("PATCH", "/Groups/"+tid, patchBody(op("Add", "members", []any{map[string]any{"$ref": nil, "value": u3}}))), http.StatusNoContent)

		pend, err := e.svc.Store().PendingMemberships(e.ctx, e.acme.ID)
		require.NoError(t, err)
		require.Len(t, pend, 3)
		g := e.engReq("GET", "/Groups/"+tid, nil)
		require.EqualValues(t, 3, g.get("members.#").Int(), "members lists pending memberships")

		// approval: the team is approved; invited users stay queued
		res, err := e.svc.ApproveQueue(e.ctx, e.acme.ID, 0)
		require.NoError(t, err)
		require.Equal(t, 1, res.TeamsApproved)
		require.Equal(t, 0, res.MembershipsApproved)
		require.Equal(t, 3, res.MembershipsWaiting)

		// u3 accepts the invitation; u2 is active but locked
		id3, _ := strconv.ParseInt(u3, 10, 64)
		_, err = e.svc.SetUserState(e.ctx, id3, directory.UserActive, nil)
		require.NoError(t, err)
		id2, _ := strconv.ParseInt(u2, 10, 64)
		locked := true
		_, err = e.svc.SetUserState(e.ctx, id2, directory.UserActive, &locked)
		require.NoError(t, err)
		res, err = e.svc.ApproveQueue(e.ctx, e.acme.ID, 0)
		require.NoError(t, err)
		require.Equal(t, 1, res.MembershipsApproved)
		require.Equal(t, 2, res.MembershipsWaiting)
		m, err := e.svc.Store().GetMembership(e.ctx, tid, id3)
		require.NoError(t, err)
		require.Equal(t, directory.MembershipActive, m.Status)
	})

	t.Run("auto-approve plays Keeper Automator", func(t *testing.T) {
		e := newEnv(t)
		_, err := e.svc.UpdateNodeSettings(e.ctx, e.eng.ID, directory.NodeSettings{AutoApprove: true})
		require.NoError(t, err)
		tid := e.engReq("POST", "/Groups", map[string]any{"displayName": "Auto"}).get("id").String()
		tm, err := e.svc.Store().GetTeam(e.ctx, tid)
		require.NoError(t, err)
		require.Equal(t, directory.TeamActive, tm.Status)
		uid := e.engReq("POST", "/Users", userBody("auto@acme.example", "groups", []any{map[string]any{"value": tid}})).get("id").String()
		id, _ := strconv.ParseInt(uid, 10, 64)
		m, err := e.svc.Store().GetMembership(e.ctx, tid, id)
		require.NoError(t, err)
		require.Equal(t, directory.MembershipPending, m.Status, "an invited user's membership waits even with auto-approve")
		_, err = e.svc.SetUserState(e.ctx, id, directory.UserActive, nil)
		require.NoError(t, err)
		m, err = e.svc.Store().GetMembership(e.ctx, tid, id)
		require.NoError(t, err)
		require.Equal(t, directory.MembershipActive, m.Status)
	})

	t.Run("references must stay in the node", func(t *testing.T) {
		e := newEnv(t)
		subTeam := e.do("POST", e.url(e.sub, "/Groups"), e.subTok, map[string]any{"displayName": "Sub team"}).get("id").String()
		subUser := e.do("POST", e.url(e.sub, "/Users"), e.subTok, userBody("sub@acme.example")).get("id").String()
		uid := e.engReq("POST", "/Users", userBody("eng@acme.example")).get("id").String()
		tid := e.engReq("POST", "/Groups", map[string]any{"displayName": "Eng team"}).get("id").String()
		scimError(t, e.engReq("PATCH", "/Users/"+uid, patchBody(op("add", "groups", []any{map[string]any{"value": subTeam}}))), 400, "invalidValue")
		scimError(t, e.engReq("PATCH", "/Groups/"+tid, patchBody(op("add", "members", []any{map[string]any{"value": subUser}}))), 400, "invalidValue")
		scimError(t, e.engReq("POST", "/Users", userBody("x@acme.example", "groups", []any{map[string]any{"value": subTeam}})), 400, "invalidValue")
		// and a rejected create left nothing behind
		r := e.engReq("GET", "/Users?filter="+url.QueryEscape(`userName eq "x@acme.example"`), nil)
		mustStatus(t, r, http.StatusOK)
		require.EqualValues(t, 0, r.get("totalResults").Int())
	})

	t.Run("sub-nodes are not controlled by the parent's endpoint", func(t *testing.T) {
		e := newEnv(t)
		subUser := e.do("POST", e.url(e.sub, "/Users"), e.subTok, userBody("deep@acme.example")).get("id").String()
		scimError(t, e.engReq("GET", "/Users/"+subUser, nil), 404, "")
		require.EqualValues(t, 0, e.engReq("GET", "/Users", nil).get("totalResults").Int())
		scimError(t, e.engReq("DELETE", "/Users/"+subUser, nil), 404, "")
	})

	t.Run("delete group removes it", func(t *testing.T) {
		e := newEnv(t)
		tid := e.engReq("POST", "/Groups", map[string]any{"displayName": "Gone"}).get("id").String()
		mustStatus(t, e.engReq("DELETE", "/Groups/"+tid, nil), http.StatusNoContent)
		scimError(t, e.engReq("GET", "/Groups/"+tid, nil), 404, "")
	})

	t.Run("excludedAttributes=members never reads members", func(t *testing.T) {
		e := newEnv(t)
		uid := e.engReq("POST", "/Users", userBody("m@acme.example")).get("id").String()
		tid := e.engReq("POST", "/Groups", map[string]any{"displayName": "Big", "members": []any{map[string]any{"value": uid}}}).get("id").String()
		before := e.st.memberReads.Load()
		r := e.engReq("GET", "/Groups?excludedAttributes=members", nil)
		mustStatus(t, r, http.StatusOK)
		require.False(t, r.get("Resources.0.members").Exists())
		r = e.engReq("GET", "/Groups/"+tid+"?excludedAttributes=members", nil)
		require.False(t, r.get("members").Exists())
		require.Equal(t, "Big", r.get("displayName").String())
		r = e.engReq("PATCH", "/Groups/"+tid+"?excludedAttributes=members", patchBody(op("replace", "displayName", "Bigger")))
		mustStatus(t, r, http.StatusOK)
		require.False(t, r.get("members").Exists())
		require.Equal(t, "Bigger", r.get("displayName").String())
		r = e.engReq("GET", "/Groups?excludedAttributes=members&filter="+url.QueryEscape(`displayName eq "bigger"`), nil)
		require.EqualValues(t, 1, r.get("totalResults").Int())
		require.Equal(t, before, e.st.memberReads.Load(), "members were read")
		// without the parameter they are there
		require.EqualValues(t, 1, e.engReq("GET", "/Groups/"+tid, nil).get("members.#").Int())
	})

	t.Run("paging: at most 1000 per page, exact totals, stable order", func(t *testing.T) {
		e := newEnv(t)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for i := 0; i < 1005; i++ {
			wg.Add(1)
			sem <- struct{}{}
			go func(i int) {
				defer wg.Done()
				defer func() { <-sem }()
				_, _, err := e.svc.CreateUser(e.ctx, e.eng.ID, userInputFor(fmt.Sprintf("p%04d@acme.example", i)), nil)
				require.NoError(t, err)
			}(i)
		}
		wg.Wait()
		r := e.engReq("GET", "/Users", nil)
		require.EqualValues(t, 1005, r.get("totalResults").Int())
		require.EqualValues(t, 1000, r.get("itemsPerPage").Int())
		require.EqualValues(t, 1000, r.get("Resources.#").Int())
		r = e.engReq("GET", "/Users?count=5000", nil)
		require.EqualValues(t, 1000, r.get("Resources.#").Int())
		r = e.engReq("GET", "/Users?startIndex=1001&count=1000", nil)
		require.EqualValues(t, 5, r.get("Resources.#").Int())
		require.EqualValues(t, 1001, r.get("startIndex").Int())
		a := e.engReq("GET", "/Users?startIndex=0&count=3", nil)
		require.EqualValues(t, 1, a.get("startIndex").Int())
		b := e.engReq("GET", "/Users?startIndex=1&count=3", nil)
		require.Equal(t, a.get("Resources.#.id").String(), b.get("Resources.#.id").String())
		c := e.engReq("GET", "/Users?startIndex=3&count=2", nil)
		require.Equal(t, b.get("Resources.2.id").String(), c.get("Resources.0.id").String())
		z := e.engReq("GET", "/Users?count=0", nil)
		require.EqualValues(t, 1005, z.get("totalResults").Int())
		require.EqualValues(t, 0, z.get("Resources.#").Int())
	})

	t.Run("unique group names when the flag is on", func(t *testing.T) {
		e := newEnv(t)
		mustStatus(t, e.engReq("POST", "/Groups", map[string]any{"displayName": "Dup"}), http.StatusCreated)
		mustStatus(t, e.engReq("POST", "/Groups", map[string]any{"displayName": "Dup"}), http.StatusCreated) // off by default
		_, err := e.svc.SetUniqueGroupNames(e.ctx, e.eng.ID, true)
		require.NoError(t, err)
		scimError(t, e.engReq("POST", "/Groups", map[string]any{"displayName": "dup"}), 409, "uniqueness")
		other := e.engReq("POST", "/Groups", map[string]any{"displayName": "Other"}).get("id").String()
		scimError(t, e.engReq("PATCH", "/Groups/"+other, patchBody(op("replace", "displayName", "DUP"))), 409, "uniqueness")
	})

	t.Run("tokens: none, wrong, another node's, rotated", func(t *testing.T) {
		e := newEnv(t)
		for _, tok := range []string{"", "wrong", e.salTok, e.subTok} {
			r := e.do("GET", e.url(e.eng, "/Users"), tok, nil)
			scimError(t, r, 401, "")
			require.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer")
		}
		ep, err := e.svc.Store().GetEndpoint(e.ctx, e.eng.ID)
		require.NoError(t, err)
		require.Equal(t, directory.EndpointPending, ep.Status, "no authenticated request yet")
		mustStatus(t, e.engReq("GET", "/ServiceProviderConfig", nil), http.StatusOK)
		ep, err = e.svc.Store().GetEndpoint(e.ctx, e.eng.ID)
		require.NoError(t, err)
		require.Equal(t, directory.EndpointActive, ep.Status, "the first authenticated request activates the endpoint")
		_, newTok, err := e.svc.RotateToken(e.ctx, e.eng.ID)
		require.NoError(t, err)
		scimError(t, e.do("GET", e.url(e.eng, "/Users"), e.engTok, nil), 401, "")
		mustStatus(t, e.do("GET", e.url(e.eng, "/Users"), newTok, nil), http.StatusOK)
	})
}
