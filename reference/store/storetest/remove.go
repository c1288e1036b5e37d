package storetest

import (
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// testDeleteNode: a leaf node goes with everything in it, frees its users'
// seats, and leaves the rest of its enterprise and other enterprises as they
// were; a root or a parent node is a conflict that removes nothing.
func testDeleteNode(x *suite) {
	t := x.t
	w := x.world()
	now := time.Now().UTC()
	keep := x.user(mkUser(w.E1.ID, w.N1.ID, "keep@example.com"))
	keepTeam := x.team(mkTeam(teamID('k', 1), w.E1.ID, w.N1.ID, "Keep"))
	gone := x.user(mkUser(w.E1.ID, w.N1b.ID, "gone@example.com"))
	gone2 := x.user(mkUser(w.E1.ID, w.N1b.ID, "gone2@example.com"))
	goneTeam := x.team(mkTeam(teamID('g', 1), w.E1.ID, w.N1b.ID, "Gone"))
	x.put(directory.Membership{TeamID: goneTeam.ID, UserID: gone.ID, Status: directory.MembershipPending})
	x.put(directory.Membership{TeamID: keepTeam.ID, UserID: gone2.ID, Status: directory.MembershipActive})
	x.put(directory.Membership{TeamID: keepTeam.ID, UserID: keep.ID, Status: directory.MembershipActive})
	role := directory.Role{EnterpriseID: w.E1.ID, NodeID: w.N1b.ID, Name: "Sub role"}
	x.update(func(tx store.Tx) error {
		if err := tx.CreateRole(x.ctx, &role); err != nil {
			return err
		}
		if err := tx.PutEndpoint(x.ctx, mkEndpoint(w.E1.ID, w.N1b.ID)); err != nil {
			return err
		}
		if err := tx.PutEndpoint(x.ctx, mkEndpoint(w.E1.ID, w.N1.ID)); err != nil {
			return err
		}
		if err := tx.PutSSOConfig(x.ctx, directory.SSOConfig{NodeID: w.N1b.ID, EnterpriseID: w.E1.ID,
			IDPMetadata: "<EntityDescriptor/>", Created: at(1), Modified: at(1)}); err != nil {
			return err
		}
		if err := tx.PutSSORequest(x.ctx, store.SSORequest{ID: "_req", NodeID: w.N1b.ID, Expires: now.Add(time.Hour)}, now); err != nil {
			return err
		}
		return tx.PutSSOSession(x.ctx, store.SSOSession{Key: "sess", UserID: gone.ID, NodeID: w.N1b.ID, Expires: now.Add(time.Hour)}, now)
	})

	// refused: the root, and a parent; nothing removed
	err := x.s.Update(x.ctx, func(tx store.Tx) error { return tx.DeleteNode(x.ctx, w.N1.ID) })
	isErr(t, "DeleteNode of a root", err, store.ErrConflict)
	sub := x.node(w.E1.ID, w.N1b.ID, "Sub sub")
	err = x.s.Update(x.ctx, func(tx store.Tx) error { return tx.DeleteNode(x.ctx, w.N1b.ID) })
	isErr(t, "DeleteNode of a parent", err, store.ErrConflict)
	_, err = x.s.GetUser(x.ctx, gone.ID)
	noErr(t, "a refused DeleteNode removed a user", err)
	err = x.s.Update(x.ctx, func(tx store.Tx) error { return tx.DeleteNode(x.ctx, 999999999) })
	isErr(t, "DeleteNode of a missing node", err, store.ErrNotFound)

	x.update(func(tx store.Tx) error {
		if err := tx.DeleteNode(x.ctx, sub.ID); err != nil {
			return err
		}
		return tx.DeleteNode(x.ctx, w.N1b.ID)
	})
	x.both(func(where string, r store.Reader) {
		_, err := r.GetNode(x.ctx, w.N1b.ID)
		isErr(t, where+": the deleted node", err, store.ErrNotFound)
		for _, id := range []int64{gone.ID, gone2.ID} {
			_, err = r.GetUser(x.ctx, id)
			isErr(t, where+": a user of the deleted node", err, store.ErrNotFound)
		}
		_, err = r.GetTeam(x.ctx, goneTeam.ID)
		isErr(t, where+": a team of the deleted node", err, store.ErrNotFound)
		_, err = r.GetEndpoint(x.ctx, w.N1b.ID)
		isErr(t, where+": the endpoint of the deleted node", err, store.ErrNotFound)
		_, err = r.GetSSOConfig(x.ctx, w.N1b.ID)
		isErr(t, where+": the SSO configuration of the deleted node", err, store.ErrNotFound)
		_, err = r.GetSSOSession(x.ctx, "sess", now)
		isErr(t, where+": a session of the deleted node", err, store.ErrNotFound)
		_, err = r.GetRole(x.ctx, role.ID)
		isErr(t, where+": a role of the deleted node", err, store.ErrNotFound)
		_, err = r.GetRole(x.ctx, w.R1.ID)
		noErr(t, where+": the root's role", err)
		_, err = r.GetUser(x.ctx, keep.ID)
		noErr(t, where+": the root's user", err)
		_, err = r.GetEndpoint(x.ctx, w.N1.ID)
		noErr(t, where+": the root's endpoint", err)
		members, err := r.TeamMembers(x.ctx, keepTeam.ID)
		noErr(t, where+": TeamMembers", err)
		equal(t, where+": members of the root's team", ids(members, func(m store.Member) int64 { return m.UserID }), []int64{keep.ID})
		pm, err := r.PendingMemberships(x.ctx, w.E1.ID)
		expect(t, err == nil && len(pm) == 0, "%s: PendingMemberships = %v, %v", where, pm, err)
		e, err := r.GetEnterprise(x.ctx, w.E1.ID)
		noErr(t, where+": GetEnterprise", err)
		equal(t, where+": seats used after two users went with their node", e.SeatsUsed, 1)
		nodes, err := r.ListNodes(x.ctx, w.E1.ID)
		noErr(t, where+": ListNodes", err)
		equal(t, where+": nodes left", ids(nodes, func(n directory.Node) int64 { return n.ID }), []int64{w.N1.ID})
	})
	err = x.s.Update(x.ctx, func(tx store.Tx) error {
		_, err := tx.TakeSSORequest(x.ctx, "_req", now)
		return err
	})
	isErr(t, "an AuthnRequest of the deleted node", err, store.ErrNotFound)
	// the email is free again
	x.user(mkUser(w.E2.ID, w.N2.ID, "gone@example.com"))

	// users created and their node deleted in one transaction: the seats
	// they took (a backend may keep the count aside until commit) come back
	n3 := x.node(w.E1.ID, w.N1.ID, "Short-lived")
	x.update(func(tx store.Tx) error {
		for _, e := range []string{"t1@example.com", "t2@example.com"} {
			u := mkUser(w.E1.ID, n3.ID, e)
			if err := tx.CreateUser(x.ctx, &u); err != nil {
				return err
			}
		}
		return tx.DeleteNode(x.ctx, n3.ID)
	})
	x.both(func(where string, r store.Reader) {
		e, err := r.GetEnterprise(x.ctx, w.E1.ID)
		noErr(t, where+": GetEnterprise", err)
		equal(t, where+": seats used after a node created and deleted with its users in one transaction", e.SeatsUsed, 1)
	})
	x.user(mkUser(w.E1.ID, w.N1.ID, "after@example.com"))
	e, err := x.s.GetEnterprise(x.ctx, w.E1.ID)
	noErr(t, "GetEnterprise", err)
	equal(t, "seats used after one more user", e.SeatsUsed, 2)
}

// testDeleteEnterprise: an enterprise goes with everything in it; the
// other enterprise and the global email uniqueness are untouched.
func testDeleteEnterprise(x *suite) {
	t := x.t
	w := x.world()
	now := time.Now().UTC()
	u1 := x.user(mkUser(w.E1.ID, w.N1.ID, "a@example.com"))
	u1b := x.user(mkUser(w.E1.ID, w.N1b.ID, "b@example.com"))
	u2 := x.user(mkUser(w.E2.ID, w.N2.ID, "c@example.com"))
	t1 := x.team(mkTeam(teamID('a', 1), w.E1.ID, w.N1.ID, "One"))
	t2 := x.team(mkTeam(teamID('b', 1), w.E2.ID, w.N2.ID, "Two"))
	x.put(directory.Membership{TeamID: t1.ID, UserID: u1b.ID, Status: directory.MembershipPending})
	x.put(directory.Membership{TeamID: t2.ID, UserID: u2.ID, Status: directory.MembershipActive})
	x.update(func(tx store.Tx) error {
		for _, n := range []directory.Node{w.N1, w.N1b, w.N2} {
			if err := tx.PutEndpoint(x.ctx, mkEndpoint(n.EnterpriseID, n.ID)); err != nil {
				return err
			}
		}
		if err := tx.AddDomain(x.ctx, directory.Domain{Name: "acme.example", EnterpriseID: w.E1.ID}); err != nil {
			return err
		}
		if err := tx.PutSSOConfig(x.ctx, directory.SSOConfig{NodeID: w.N1.ID, EnterpriseID: w.E1.ID,
			IDPMetadata: "<EntityDescriptor/>", Created: at(1), Modified: at(1)}); err != nil {
			return err
		}
		return tx.PutSSOSession(x.ctx, store.SSOSession{Key: "s1", UserID: u1.ID, NodeID: w.N1.ID, Expires: now.Add(time.Hour)}, now)
	})
	err := x.s.Update(x.ctx, func(tx store.Tx) error { return tx.DeleteEnterprise(x.ctx, 999999999) })
	isErr(t, "DeleteEnterprise of a missing enterprise", err, store.ErrNotFound)

	x.update(func(tx store.Tx) error { return tx.DeleteEnterprise(x.ctx, w.E1.ID) })
	x.both(func(where string, r store.Reader) {
		_, err := r.GetEnterprise(x.ctx, w.E1.ID)
		isErr(t, where+": the deleted enterprise", err, store.ErrNotFound)
		for _, n := range []int64{w.N1.ID, w.N1b.ID} {
			_, err = r.GetNode(x.ctx, n)
			isErr(t, where+": a node of the deleted enterprise", err, store.ErrNotFound)
			_, err = r.GetEndpoint(x.ctx, n)
			isErr(t, where+": an endpoint of the deleted enterprise", err, store.ErrNotFound)
		}
		for _, id := range []int64{u1.ID, u1b.ID} {
			_, err = r.GetUser(x.ctx, id)
			isErr(t, where+": a user of the deleted enterprise", err, store.ErrNotFound)
		}
		_, err = r.GetTeam(x.ctx, t1.ID)
		isErr(t, where+": a team of the deleted enterprise", err, store.ErrNotFound)
		_, err = r.GetRole(x.ctx, w.R1.ID)
		isErr(t, where+": a role of the deleted enterprise", err, store.ErrNotFound)
		_, err = r.GetDomain(x.ctx, "acme.example")
		isErr(t, where+": a domain of the deleted enterprise", err, store.ErrNotFound)
		_, err = r.GetSSOConfig(x.ctx, w.N1.ID)
		isErr(t, where+": an SSO configuration of the deleted enterprise", err, store.ErrNotFound)
		_, err = r.GetSSOSession(x.ctx, "s1", now)
		isErr(t, where+": a session of the deleted enterprise", err, store.ErrNotFound)
		pm, err := r.PendingMemberships(x.ctx, w.E1.ID)
		expect(t, err == nil && len(pm) == 0, "%s: PendingMemberships = %v, %v", where, pm, err)
		es, err := r.ListEnterprises(x.ctx)
		noErr(t, where+": ListEnterprises", err)
		equal(t, where+": enterprises left", ids(es, func(e directory.Enterprise) int64 { return e.ID }), []int64{w.E2.ID})
		eps, err := r.ListEndpoints(x.ctx, 0)
		noErr(t, where+": ListEndpoints", err)
		equal(t, where+": endpoints left", len(eps), 1)
		_, err = r.GetUser(x.ctx, u2.ID)
		noErr(t, where+": the other enterprise's user", err)
		members, err := r.TeamMembers(x.ctx, t2.ID)
		noErr(t, where+": TeamMembers", err)
		equal(t, where+": the other enterprise's team", ids(members, func(m store.Member) int64 { return m.UserID }), []int64{u2.ID})
		e2, err := r.GetEnterprise(x.ctx, w.E2.ID)
		noErr(t, where+": GetEnterprise", err)
		equal(t, where+": the other enterprise's seats", e2.SeatsUsed, 1)
	})
	// the emails and the domain are free again
	x.user(mkUser(w.E2.ID, w.N2.ID, "a@example.com"))
	x.update(func(tx store.Tx) error {
		return tx.AddDomain(x.ctx, directory.Domain{Name: "acme.example", EnterpriseID: w.E2.ID})
	})
}
