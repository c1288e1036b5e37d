package memstore

import (
	"context"
	"slices"
)

// dropNode removes a node and, as the store does, everything in it.
func (st *state) dropNode(id int64) {
	if n := st.byNode[id]; n != nil {
		for _, r := range slices.Clone(n.users) {
			st.delUser(r.u.ID)
		}
		for _, r := range slices.Clone(n.teams) {
			st.delTeam(r.t.ID)
		}
		delete(st.byNode, id)
	}
	for rid, r := range st.roles {
		if r.NodeID == id {
			st.delRole(rid)
		}
	}
	st.delEndpoint(id)
	st.delSSO(id)
	st.delNode(id)
}

// dropEnterprise removes an enterprise and everything in it.
func (st *state) dropEnterprise(id int64) {
	e := st.byEnt[id]
	if e != nil {
		for _, n := range slices.Clone(e.nodes) {
			st.dropNode(n)
		}
		for _, d := range slices.Clone(e.domains) {
			st.delDomain(d)
		}
		for _, r := range slices.Clone(e.roles) {
			st.delRole(r)
		}
		delete(st.byEnt, id)
	}
	st.delEnterprise(id)
}

// DeleteNode records the node's removal, with everything in it, and its
// enterprise's freed seats.
func (t *tx) DeleteNode(ctx context.Context, id int64) error {
	n, gerr := t.in.GetNode(ctx, id)
	err := t.in.DeleteNode(ctx, id)
	if err != nil {
		return err // nothing was removed
	}
	t.record(func(st *state) { st.dropNode(id) })
	if gerr == nil {
		return t.done(nil, t.refreshEnterprise(ctx, n.EnterpriseID))
	}
	return nil
}

// DeleteEnterprise records the enterprise's removal, with everything in it.
func (t *tx) DeleteEnterprise(ctx context.Context, id int64) error {
	if err := t.in.DeleteEnterprise(ctx, id); err != nil {
		return err // nothing was removed
	}
	t.record(func(st *state) { st.dropEnterprise(id) })
	return nil
}
