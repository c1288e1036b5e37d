package memstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
	"github.com/provkit/provkit/reference/store/sqlstore"
)

// openSQL opens a SQLite store on a temporary file, closed at the end of the test.
func openSQL(tb testing.TB) *sqlstore.Store {
	tb.Helper()
	inner, err := sqlstore.Open(context.Background(), filepath.Join(tb.TempDir(), "provkit.db"))
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = inner.Close() })
	return inner
}

// openMem opens a memstore over a fresh SQLite store.
func openMem(tb testing.TB) (*Store, *sqlstore.Store) {
	tb.Helper()
	inner := openSQL(tb)
	s, err := New(context.Background(), inner)
	require.NoError(tb, err)
	return s, inner
}

func stamp() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// org is a small enterprise: a root node, two child nodes, two roles.
type org struct {
	ent          directory.Enterprise
	root, n1, n2 directory.Node
	role         directory.Role
}

func seedOrg(tb testing.TB, st store.Store, name string, seats int) org {
	tb.Helper()
	ctx := context.Background()
	var o org
	err := st.Update(ctx, func(tx store.Tx) error {
		o.ent = directory.Enterprise{Name: name, Seats: seats, Created: stamp()}
		if err := tx.CreateEnterprise(ctx, &o.ent); err != nil {
			return err
		}
		mk := func(n *directory.Node, parent int64, name string) error {
			*n = directory.Node{EnterpriseID: o.ent.ID, ParentID: parent, Name: name,
				Settings: directory.NodeSettings{Deprovision: directory.DeprovisionLock}}
			return tx.CreateNode(ctx, n)
		}
		if err := mk(&o.root, 0, name); err != nil {
			return err
		}
		o.role = directory.Role{EnterpriseID: o.ent.ID, NodeID: o.root.ID, Name: "All Users"}
		if err := tx.CreateRole(ctx, &o.role); err != nil {
			return err
		}
		o.root.DefaultRoleID = o.role.ID
		if err := tx.UpdateNode(ctx, o.root); err != nil {
			return err
		}
		o.ent.RootNode = o.root.ID
		if err := tx.UpdateEnterprise(ctx, o.ent); err != nil {
			return err
		}
		if err := mk(&o.n1, o.root.ID, "Engineering"); err != nil {
			return err
		}
		return mk(&o.n2, o.root.ID, "Sales")
	})
	require.NoError(tb, err)
	return o
}

func newUser(o org, node directory.Node, i int) directory.User {
	now := stamp()
	email := fmt.Sprintf("User%d.%d@Example.com", o.ent.ID, i)
	return directory.User{EnterpriseID: o.ent.ID, NodeID: node.ID, RoleID: o.role.ID,
		Email: email, UserName: email, GivenName: "Given", FamilyName: fmt.Sprint("Family", i),
		DisplayName: fmt.Sprint("User ", i), ExternalID: fmt.Sprint("ext-", i),
		Emails: []directory.Email{{Value: email, Type: "work", Primary: true}},
		Status: directory.UserInvited, Version: 1, Created: now, Modified: now}
}

func newTeam(o org, node directory.Node, i int) directory.Team {
	now := stamp()
	return directory.Team{ID: fmt.Sprintf("team-%d-%06d-xxxxxxxxxx", o.ent.ID, i), EnterpriseID: o.ent.ID, NodeID: node.ID,
		DisplayName: fmt.Sprint("Team ", i), ExternalID: fmt.Sprint("gext-", i),
		Status: directory.TeamPending, Version: 1, Created: now, Modified: now}
}

// createUsers creates n users in node through st, in one transaction.
func createUsers(tb testing.TB, st store.Store, o org, node directory.Node, from, n int) []int64 {
	tb.Helper()
	ctx := context.Background()
	ids := make([]int64, 0, n)
	err := st.Update(ctx, func(tx store.Tx) error {
		ids = ids[:0]
		for i := from; i < from+n; i++ {
			u := newUser(o, node, i)
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			ids = append(ids, u.ID)
		}
		return nil
	})
	require.NoError(tb, err)
	return ids
}

// assertMirrors checks that every read of mem answers what the same read of
// the durable store answers, for every row the durable store holds, and
// that mem's internal indexes agree with each other. extraUsers and
// extraTeams are IDs that must be missing or equal on both sides too.
func assertMirrors(t testing.TB, mem *Store, sql store.Store, extraUsers []int64, extraTeams []string) {
	t.Helper()
	ctx := context.Background()
	eq := func(what string, mv, sv any, merr, serr error) {
		t.Helper()
		require.Equal(t, serr == nil, merr == nil, "%s: sql err %v, mem err %v", what, serr, merr)
		if serr != nil {
			require.Equal(t, errorsIsNotFound(serr), errorsIsNotFound(merr), "%s: %v vs %v", what, serr, merr)
			return
		}
		require.Equal(t, sv, mv, what)
	}
	ents, serr := sql.ListEnterprises(ctx)
	ments, merr := mem.ListEnterprises(ctx)
	eq("enterprises", ments, ents, merr, serr)
	eps, serr := sql.ListEndpoints(ctx, 0)
	meps, merr := mem.ListEndpoints(ctx, 0)
	eq("all endpoints", meps, eps, merr, serr)
	ssos, serr := sql.ListSSOConfigs(ctx, 0)
	mssos, merr := mem.ListSSOConfigs(ctx, 0)
	eq("all sso configs", mssos, ssos, merr, serr)

	var userIDs []int64
	var teamIDs []string
	for _, e := range ents {
		id := e.ID
		{
			s, serr := sql.GetEnterprise(ctx, id)
			m, merr := mem.GetEnterprise(ctx, id)
			eq("enterprise", m, s, merr, serr)
		}
		nodes, serr := sql.ListNodes(ctx, id)
		mnodes, merr := mem.ListNodes(ctx, id)
		eq("nodes", mnodes, nodes, merr, serr)
		roles, serr := sql.ListRoles(ctx, id)
		mroles, merr := mem.ListRoles(ctx, id)
		eq("roles", mroles, roles, merr, serr)
		for _, r := range roles {
			s, serr := sql.GetRole(ctx, r.ID)
			m, merr := mem.GetRole(ctx, r.ID)
			eq("role", m, s, merr, serr)
		}
		doms, serr := sql.ListDomains(ctx, id)
		mdoms, merr := mem.ListDomains(ctx, id)
		eq("domains", mdoms, doms, merr, serr)
		for _, d := range doms {
			s, serr := sql.GetDomain(ctx, strings.ToUpper(d.Name))
			m, merr := mem.GetDomain(ctx, strings.ToUpper(d.Name))
			eq("domain", m, s, merr, serr)
		}
		ep, serr := sql.ListEndpoints(ctx, id)
		mep, merr := mem.ListEndpoints(ctx, id)
		eq("endpoints", mep, ep, merr, serr)
		sc, serr := sql.ListSSOConfigs(ctx, id)
		msc, merr := mem.ListSSOConfigs(ctx, id)
		eq("sso configs", msc, sc, merr, serr)
		pt, serr := sql.PendingTeams(ctx, id)
		mpt, merr := mem.PendingTeams(ctx, id)
		eq("pending teams", mpt, pt, merr, serr)
		pm, serr := sql.PendingMemberships(ctx, id)
		mpm, merr := mem.PendingMemberships(ctx, id)
		eq("pending memberships", mpm, pm, merr, serr)
		for _, n := range nodes {
			{
				s, serr := sql.GetNode(ctx, n.ID)
				m, merr := mem.GetNode(ctx, n.ID)
				eq("node", m, s, merr, serr)
				se, serr := sql.GetEndpoint(ctx, n.ID)
				me, merr := mem.GetEndpoint(ctx, n.ID)
				eq("endpoint", me, se, merr, serr)
				ss, serr := sql.GetSSOConfig(ctx, n.ID)
				ms, merr := mem.GetSSOConfig(ctx, n.ID)
				eq("sso config", ms, ss, merr, serr)
			}
			us, stot, serr := sql.FindUsers(ctx, store.UserQuery{NodeID: n.ID})
			mus, mtot, merr := mem.FindUsers(ctx, store.UserQuery{NodeID: n.ID})
			eq("users of node", mus, us, merr, serr)
			require.Equal(t, stot, mtot)
			for _, u := range us {
				userIDs = append(userIDs, u.ID)
			}
			ts, stot, serr := sql.FindTeams(ctx, store.TeamQuery{NodeID: n.ID})
			mts, mtot, merr := mem.FindTeams(ctx, store.TeamQuery{NodeID: n.ID})
			eq("teams of node", mts, ts, merr, serr)
			require.Equal(t, stot, mtot)
			for _, tm := range ts {
				teamIDs = append(teamIDs, tm.ID)
				for _, q := range []store.TeamQuery{
					{NodeID: n.ID, Field: store.TeamByDisplayName, Value: strings.ToUpper(tm.DisplayName)},
					{NodeID: n.ID, Field: store.TeamByExternal, Value: tm.ExternalID},
				} {
					s, stot, serr := sql.FindTeams(ctx, q)
					m, mtot, merr := mem.FindTeams(ctx, q)
					eq(fmt.Sprintf("find teams %+v", q), m, s, merr, serr)
					require.Equal(t, stot, mtot)
				}
			}
		}
	}
	nUsers, nTeams := len(userIDs), len(teamIDs)
	userIDs = append(userIDs, extraUsers...)
	teamIDs = append(teamIDs, extraTeams...)
	for _, id := range userIDs {
		su, serr := sql.GetUser(ctx, id)
		mu, merr := mem.GetUser(ctx, id)
		eq(fmt.Sprint("user ", id), mu, su, merr, serr)
		st, serr := sql.UserTeams(ctx, id)
		mt, merr := mem.UserTeams(ctx, id)
		eq(fmt.Sprint("teams of user ", id), mt, st, merr, serr)
		if serr != nil || su.ID == 0 {
			continue
		}
		sb, serr := sql.GetUserByEmail(ctx, strings.ToUpper(su.Email))
		mb, merr := mem.GetUserByEmail(ctx, strings.ToUpper(su.Email))
		eq("user by email", mb, sb, merr, serr)
		for _, q := range []store.UserQuery{
			{NodeID: su.NodeID, Field: store.UserByUserName, Value: strings.ToUpper(su.UserName)},
			{NodeID: su.NodeID, Field: store.UserByEmail, Value: su.Email},
			{NodeID: su.NodeID, Field: store.UserByExternal, Value: su.ExternalID},
		} {
			s, stot, serr := sql.FindUsers(ctx, q)
			m, mtot, merr := mem.FindUsers(ctx, q)
			eq(fmt.Sprintf("find users %+v", q), m, s, merr, serr)
			require.Equal(t, stot, mtot)
		}
	}
	for _, id := range teamIDs {
		st, serr := sql.GetTeam(ctx, id)
		mt, merr := mem.GetTeam(ctx, id)
		eq("team "+id, mt, st, merr, serr)
		sm, serr := sql.TeamMembers(ctx, id)
		mm, merr := mem.TeamMembers(ctx, id)
		eq("members of "+id, mm, sm, merr, serr)
		for _, m := range sm {
			s, serr := sql.GetMembership(ctx, id, m.UserID)
			mv, merr := mem.GetMembership(ctx, id, m.UserID)
			eq("membership", mv, s, merr, serr)
		}
	}
	mem.mu.RLock()
	defer mem.mu.RUnlock()
	checkInvariants(t, mem.st)
	require.Len(t, mem.st.users, nUsers, "users in memory")
	require.Len(t, mem.st.teams, nTeams, "teams in memory")
}

func errorsIsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// checkInvariants verifies that the indexes of st agree with each other.
func checkInvariants(t testing.TB, st *state) {
	t.Helper()
	nUsers, nTeams := 0, 0
	for nid, n := range st.byNode {
		require.True(t, slices.IsSortedFunc(n.users, func(a, b *userRec) int { return cmpUser(a, b.u.ID) }))
		require.True(t, slices.IsSortedFunc(n.teams, func(a, b *teamRec) int { return cmpTeam(a, b.t.ID) }))
		for _, r := range n.users {
			require.Same(t, r, st.users[r.u.ID])
			require.Equal(t, nid, r.u.NodeID)
			require.True(t, hasUser(n.userByName[fold(r.u.UserName)], r), "userByName")
			require.True(t, hasUser(n.userByExt[r.u.ExternalID], r), "userByExt")
		}
		for _, r := range n.teams {
			require.Same(t, r, st.teams[r.t.ID])
			require.Equal(t, nid, r.t.NodeID)
			require.True(t, hasTeam(n.teamByName[fold(r.t.DisplayName)], r), "teamByName")
			require.True(t, hasTeam(n.teamByExt[r.t.ExternalID], r), "teamByExt")
		}
		cnt := 0
		for _, l := range n.userByName {
			require.True(t, slices.IsSortedFunc(l, func(a, b *userRec) int { return cmpUser(a, b.u.ID) }))
			cnt += len(l)
		}
		require.Equal(t, len(n.users), cnt, "userByName entries")
		cnt = 0
		for _, l := range n.userByExt {
			require.True(t, slices.IsSortedFunc(l, func(a, b *userRec) int { return cmpUser(a, b.u.ID) }))
			cnt += len(l)
		}
		require.Equal(t, len(n.users), cnt, "userByExt entries")
		cnt = 0
		for _, l := range n.teamByExt {
			cnt += len(l)
		}
		require.Equal(t, len(n.teams), cnt, "teamByExt entries")
		cnt = 0
		for _, l := range n.teamByName {
			require.True(t, slices.IsSortedFunc(l, func(a, b *teamRec) int { return cmpTeam(a, b.t.ID) }))
			cnt += len(l)
		}
		require.Equal(t, len(n.teams), cnt, "teamByName entries")
		nUsers += len(n.users)
		nTeams += len(n.teams)
	}
	require.Equal(t, len(st.users), nUsers)
	require.Equal(t, len(st.teams), nTeams)
	require.Equal(t, len(st.users), len(st.emails))
	for k, r := range st.emails {
		require.Equal(t, fold(r.u.Email), k)
		require.Same(t, r, st.users[r.u.ID])
	}
	nMemb := 0
	for _, tr := range st.teams {
		require.True(t, slices.IsSortedFunc(tr.members, func(a, b member) int { return cmpMember(a, b.uid) }))
		pending := 0
		for _, m := range tr.members {
			require.Same(t, m.u, st.users[m.uid])
			require.True(t, hasTeam(m.u.teams, tr), "user's teams")
			if m.st == directory.MembershipPending {
				pending++
			}
		}
		require.Equal(t, pending, tr.npending)
		e := st.byEnt[tr.t.EnterpriseID]
		require.Equal(t, pending > 0, e != nil && hasTeam(e.pendingMemb, tr))
		require.Equal(t, tr.t.Status == directory.TeamPending, e != nil && hasTeam(e.pendingTeams, tr))
		nMemb += len(tr.members)
	}
	nUT := 0
	for _, u := range st.users {
		require.True(t, slices.IsSortedFunc(u.teams, func(a, b *teamRec) int { return cmpTeam(a, b.t.ID) }))
		nUT += len(u.teams)
	}
	require.Equal(t, nMemb, nUT)
}

// hasUser reports whether the sorted list s holds r itself.
func hasUser(s []*userRec, r *userRec) bool {
	i, found := slices.BinarySearchFunc(s, r.u.ID, cmpUser)
	return found && s[i] == r
}

// hasTeam reports whether the sorted list s holds r itself.
func hasTeam(s []*teamRec, r *teamRec) bool {
	i, found := slices.BinarySearchFunc(s, r.t.ID, cmpTeam)
	return found && s[i] == r
}
