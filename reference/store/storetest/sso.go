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

// testSSORequests: a pending AuthnRequest is taken once, not after it
// expired, and its ID is unique.
func testSSORequests(x *suite) {
	t := x.t
	now := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	r := store.SSORequest{ID: "_req1", NodeID: 42, ReturnTo: "/app?x=1", Expires: now.Add(10 * time.Minute)}
	x.update(func(tx store.Tx) error { return tx.PutSSORequest(x.ctx, r, now) })
	err := x.s.Update(x.ctx, func(tx store.Tx) error { return tx.PutSSORequest(x.ctx, r, now) })
	isErr(t, "PutSSORequest of a recorded ID", err, store.ErrConflict)
	var got store.SSORequest
	x.update(func(tx store.Tx) (err error) {
		got, err = tx.TakeSSORequest(x.ctx, r.ID, now.Add(time.Minute))
		return err
	})
	equal(t, "taken request", got, r)
	err = x.s.Update(x.ctx, func(tx store.Tx) error { _, err := tx.TakeSSORequest(x.ctx, r.ID, now); return err })
	isErr(t, "TakeSSORequest twice", err, store.ErrNotFound)

	// An expired request is refused, and a failed take inside an Update
	// leaves the Tx usable.
	old := store.SSORequest{ID: "_req2", NodeID: 42, Expires: now.Add(time.Minute)}
	x.update(func(tx store.Tx) error { return tx.PutSSORequest(x.ctx, old, now) })
	x.update(func(tx store.Tx) error {
		_, err := tx.TakeSSORequest(x.ctx, old.ID, now.Add(2*time.Minute))
		isErr(t, "TakeSSORequest of an expired request", err, store.ErrNotFound)
		_, err = tx.TakeSSORequest(x.ctx, "_missing", now)
		isErr(t, "TakeSSORequest of an unknown ID", err, store.ErrNotFound)
		return tx.PutSSORequest(x.ctx, store.SSORequest{ID: "_req3", NodeID: 7, Expires: now.Add(time.Hour)}, now)
	})
	x.update(func(tx store.Tx) (err error) { got, err = tx.TakeSSORequest(x.ctx, "_req3", now); return err })
	equal(t, "request put after refused takes", got.NodeID, int64(7))
}

// testSSOSessions: sessions are found by key until they expire and are
// removed by DeleteSSOSession.
func testSSOSessions(x *suite) {
	t := x.t
	now := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	s := store.SSOSession{Key: "k1", UserID: 100000000000001, NodeID: 42, Expires: now.Add(time.Hour)}
	_, err := x.s.GetSSOSession(x.ctx, s.Key, now)
	isErr(t, "GetSSOSession before Put", err, store.ErrNotFound)
	x.update(func(tx store.Tx) error { return tx.PutSSOSession(x.ctx, s, now) })
	err = x.s.Update(x.ctx, func(tx store.Tx) error { return tx.PutSSOSession(x.ctx, s, now) })
	isErr(t, "PutSSOSession of a taken key", err, store.ErrConflict)
	got, err := x.s.GetSSOSession(x.ctx, s.Key, now.Add(time.Minute))
	noErr(t, "GetSSOSession", err)
	equal(t, "session", got, s)
	x.update(func(tx store.Tx) error {
		got, err := tx.GetSSOSession(x.ctx, s.Key, now)
		expect(t, err == nil && got == s, "GetSSOSession in tx = %+v, %v", got, err)
		return nil
	})
	_, err = x.s.GetSSOSession(x.ctx, s.Key, now.Add(2*time.Hour))
	isErr(t, "GetSSOSession after expiry", err, store.ErrNotFound)
	x.update(func(tx store.Tx) error { return tx.DeleteSSOSession(x.ctx, s.Key) })
	_, err = x.s.GetSSOSession(x.ctx, s.Key, now)
	isErr(t, "GetSSOSession after Delete", err, store.ErrNotFound)
	err = x.s.Update(x.ctx, func(tx store.Tx) error { return tx.DeleteSSOSession(x.ctx, s.Key) })
	isErr(t, "DeleteSSOSession twice", err, store.ErrNotFound)
	// An expired session's key is free again once pruned by a later Put.
	x.update(func(tx store.Tx) error {
		return tx.PutSSOSession(x.ctx, store.SSOSession{Key: "k2", Expires: now}, now)
	})
	x.update(func(tx store.Tx) error {
		return tx.PutSSOSession(x.ctx, store.SSOSession{Key: "k2", UserID: 1, Expires: now.Add(time.Hour)}, now.Add(time.Minute))
	})
	got, err = x.s.GetSSOSession(x.ctx, "k2", now.Add(time.Minute))
	expect(t, err == nil && got.UserID == 1, "session put over an expired one = %+v, %v", got, err)
}
