package storetest

import (
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// testSSO: SSO configurations (one per node, replaced by Put) and the
// assertion replay cache (a live ID is a conflict; an expired one is not).
func testSSO(x *suite) {
	t := x.t
	w := x.world()
	now := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	c := directory.SSOConfig{NodeID: w.N1b.ID, EnterpriseID: w.E1.ID, IDPMetadata: "<EntityDescriptor/>", JIT: true,
		AttrEmail: "Email", AttrFirst: "First", AttrLast: "Last", SignPolicy: directory.SignResponse,
		AllowIDPInitiated: true, RelayStateAllow: []string{"https://app.example/"}, Created: now, Modified: now}
	_, err := x.s.GetSSOConfig(x.ctx, c.NodeID)
	isErr(t, "GetSSOConfig before Put", err, store.ErrNotFound)
	x.update(func(tx store.Tx) error { return tx.PutSSOConfig(x.ctx, c) })
	got, err := x.s.GetSSOConfig(x.ctx, c.NodeID)
	noErr(t, "GetSSOConfig", err)
	equal(t, "SSO config", got, c)
	c.JIT, c.RelayStateAllow, c.Modified = false, nil, now.Add(time.Second)
	x.update(func(tx store.Tx) error { return tx.PutSSOConfig(x.ctx, c) })
	got, _ = x.s.GetSSOConfig(x.ctx, c.NodeID)
	equal(t, "SSO config after replace", got, c)
	list, err := x.s.ListSSOConfigs(x.ctx, w.E1.ID)
	noErr(t, "ListSSOConfigs", err)
	equal(t, "configs of E1", len(list), 1)
	list, _ = x.s.ListSSOConfigs(x.ctx, w.E2.ID)
	equal(t, "configs of E2", len(list), 0)
	list, _ = x.s.ListSSOConfigs(x.ctx, 0)
	equal(t, "all configs", len(list), 1)

	x.update(func(tx store.Tx) error { return tx.ClaimAssertion(x.ctx, "_a1", now.Add(time.Minute), now) })
	err = x.s.Update(x.ctx, func(tx store.Tx) error {
		return tx.ClaimAssertion(x.ctx, "_a1", now.Add(time.Minute), now.Add(30*time.Second))
	})
	isErr(t, "ClaimAssertion replay", err, store.ErrConflict)
	x.update(func(tx store.Tx) error {
		return tx.ClaimAssertion(x.ctx, "_a1", now.Add(3*time.Minute), now.Add(2*time.Minute))
	})

	x.update(func(tx store.Tx) error { return tx.DeleteSSOConfig(x.ctx, c.NodeID) })
	err = x.s.Update(x.ctx, func(tx store.Tx) error { return tx.DeleteSSOConfig(x.ctx, c.NodeID) })
	isErr(t, "DeleteSSOConfig twice", err, store.ErrNotFound)
}
