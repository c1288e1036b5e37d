// Package storetest is the conformance suite of store.Store: every backend
// (sqlstore on SQLite or PostgreSQL, memstore in front of a single-writer
// store) runs Run, and backends that persist run RunReopen too.
//
// The suite needs no particular ID values, only what the store contract
// says (user IDs of at least 15 digits, positive IDs elsewhere). It pins down
// a few behaviours the contract leaves implicit, so that backends agree:
//
//   - case-insensitive means equal after strings.ToLower;
//   - list reads of a missing parent (TeamMembers of a missing team, ListNodes
//     of a missing enterprise, ...) return nothing and no error;
//   - a write that refers to a missing row (CreateUser in a missing
//     enterprise, PutMembership of a missing team or user) fails with
//     store.ErrNotFound;
//   - a failed write leaves nothing behind even if the Update function goes
//     on and returns nil (CreateUser refused for ErrConflict takes no seat);
//   - Update functions are serializable: concurrent Updates have the effect
//     of some serial order. A backend with one writer (SQLite, memstore)
//     also runs them one at a time, and AfterCommit callbacks of concurrent
//     Updates run in the order the functions ran; a backend with concurrent
//     transactions (PostgreSQL, Options.Concurrent) may run functions at the
//     same time and more than once (a retried attempt), and only orders the
//     callbacks of each Update.
//
// Update functions never call t.Fatal (a backend may run them on its own
// goroutine); they return errors, which the test goroutine reports.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// Run runs the conformance suite, one subtest per behaviour, each on a fresh
// empty store from open. Run closes every store it opens at the end of its
// subtest, so open need not (if it does, Close must tolerate a second call).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	RunWith(t, Options{}, open)
}

// Options describe a backend to the suite.
type Options struct {
	// Concurrent: Update functions may run concurrently (and be retried), so
	// AfterCommit callbacks of concurrent Updates are not ordered.
	Concurrent bool
}

// RunWith is Run for a backend described by opt.
func RunWith(t *testing.T, opt Options, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(x *suite)
	}{
		{"Enterprise", testEnterprise},
		{"Node", testNode},
		{"Role", testRole},
		{"Domain", testDomain},
		{"Endpoint", testEndpoint},
		{"User", testUser},
		{"UserIDs", testUserIDs},
		{"NotFound", testNotFound},
		{"EmailUniqueness", testEmailUniqueness},
		{"Seats", testSeats},
		{"FailedWriteLeavesNothing", testFailedWriteLeavesNothing},
		{"FindUsers", testFindUsers},
		{"FindTeams", testFindTeams},
		{"Team", testTeam},
		{"Membership", testMembership},
		{"MembershipCascade", testMembershipCascade},
		{"Pending", testPending},
		{"MissingReferences", testMissingReferences},
		{"UpdateAtomicity", testUpdateAtomicity},
		{"AfterCommitOrder", testAfterCommitOrder},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"ConcurrentSameEmail", testConcurrentSameEmail},
		{"ConcurrentSeatLimit", testConcurrentSeatLimit}, // concurrent.go
		{"ConcurrentSameEmailMarked", testConcurrentSameEmailMarked},
		{"WriteEnforcedUpdates", testWriteEnforcedUpdates},
		{"ReadYourWrites", testReadYourWrites},
		{"SSO", testSSO}, // sso.go
		{"SSORequests", testSSORequests},
		{"BulkTransaction", testBulkTransaction}, // bulk.go
		{"SSOSessions", testSSOSessions},
		{"DeleteNode", testDeleteNode}, // remove.go
		{"DeleteEnterprise", testDeleteEnterprise},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := newSuite(t, open(t))
			x.opt = opt
			t.Cleanup(func() {
				if err := x.s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(x)
		})
	}
}

// RunReopen checks durability: it writes one of everything through a store
// from open, closes it, opens the same database again with open and finds
// every row as it was. Each call of open must return a store over the same
// persistent data (the same SQLite file, say). RunReopen closes the stores.
func RunReopen(t *testing.T, open func(t *testing.T) store.Store) {
	x := newSuite(t, open(t))
	w := x.world()
	u := x.user(mkUser(w.E1.ID, w.N1.ID, "durable@example.com"))
	tm := x.team(mkTeam(teamID('d', 1), w.E1.ID, w.N1.ID, "Durable"))
	x.put(directory.Membership{TeamID: tm.ID, UserID: u.ID, Status: directory.MembershipPending})
	ep := mkEndpoint(w.E1.ID, w.N1.ID)
	x.update(func(tx store.Tx) error {
		if err := tx.AddDomain(x.ctx, directory.Domain{Name: "Durable.Example", EnterpriseID: w.E1.ID}); err != nil {
			return err
		}
		return tx.PutEndpoint(x.ctx, ep)
	})
	before := x.dump(w)
	if err := x.s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	y := newSuite(t, open(t))
	defer func() {
		if err := y.s.Close(); err != nil {
			t.Errorf("Close after reopen: %v", err)
		}
	}()
	after := y.dump(w)
	equal(t, "data after reopen", after, before)
	// The reopened store still writes and still enforces its rules.
	err := y.s.Update(y.ctx, func(tx store.Tx) error {
		v := mkUser(w.E1.ID, w.N1.ID, "DURABLE@example.com")
		return tx.CreateUser(y.ctx, &v)
	})
	isErr(t, "CreateUser of a taken email after reopen", err, store.ErrConflict)
	v := y.user(mkUser(w.E1.ID, w.N1.ID, "second@example.com"))
	expect(t, v.ID != u.ID, "reopened store reused user ID %d", u.ID)
}

// snapshot is everything RunReopen compares.
type snapshot struct {
	Enterprises []directory.Enterprise
	Nodes       []directory.Node
	Roles       []directory.Role
	Domains     []directory.Domain
	Endpoints   []directory.Endpoint
	Users       []directory.User
	Teams       []directory.Team
	Members     []store.Member
	Pending     []directory.Membership
}

func (x *suite) dump(w world) snapshot {
	x.t.Helper()
	var s snapshot
	var err error
	r, ctx := x.s, x.ctx
	check := func(what string, e error) {
		if e != nil && err == nil {
			err = fmt.Errorf("%s: %w", what, e)
		}
	}
	var e2 []directory.Node
	s.Enterprises, err = r.ListEnterprises(ctx)
	check("ListEnterprises", err)
	s.Nodes, err = r.ListNodes(ctx, w.E1.ID)
	check("ListNodes", err)
	e2, err = r.ListNodes(ctx, w.E2.ID)
	check("ListNodes", err)
	s.Nodes = append(s.Nodes, e2...)
	s.Roles, err = r.ListRoles(ctx, w.E1.ID)
	check("ListRoles", err)
	s.Domains, err = r.ListDomains(ctx, w.E1.ID)
	check("ListDomains", err)
	s.Endpoints, err = r.ListEndpoints(ctx, 0)
	check("ListEndpoints", err)
	s.Users, _, err = r.FindUsers(ctx, store.UserQuery{NodeID: w.N1.ID})
	check("FindUsers", err)
	s.Teams, _, err = r.FindTeams(ctx, store.TeamQuery{NodeID: w.N1.ID})
	check("FindTeams", err)
	if len(s.Teams) > 0 {
		s.Members, err = r.TeamMembers(ctx, s.Teams[0].ID)
		check("TeamMembers", err)
	}
	s.Pending, err = r.PendingMemberships(ctx, w.E1.ID)
	check("PendingMemberships", err)
	if err != nil {
		x.t.Fatal(err)
	}
	return s
}

// suite is one subtest's store and helpers.
type suite struct {
	t   *testing.T
	s   store.Store
	ctx context.Context
	opt Options
}

func newSuite(t *testing.T, s store.Store) *suite {
	t.Helper()
	if s == nil {
		t.Fatal("open returned a nil store")
	}
	return &suite{t: t, s: s, ctx: context.Background()}
}

// update runs fn in one Update and fails the test if it returns an error.
func (x *suite) update(fn func(tx store.Tx) error) {
	x.t.Helper()
	if err := x.s.Update(x.ctx, fn); err != nil {
		x.t.Fatalf("Update: %v", err)
	}
}

// both runs check against the store and inside a transaction. check reports
// with the goroutine-safe expect, equal and isErr.
func (x *suite) both(check func(where string, r store.Reader)) {
	x.t.Helper()
	check("store", x.s)
	x.update(func(tx store.Tx) error { check("tx", tx); return nil })
}

func expect(t *testing.T, ok bool, format string, args ...any) bool {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
	return ok
}

func equal(t *testing.T, what string, got, want any) bool {
	t.Helper()
	return expect(t, reflect.DeepEqual(got, want), "%s:\n got  %+v\n want %+v", what, got, want)
}

func isErr(t *testing.T, what string, err, target error) bool {
	t.Helper()
	return expect(t, errors.Is(err, target), "%s: got error %v, want %v", what, err, target)
}

func noErr(t *testing.T, what string, err error) bool {
	t.Helper()
	return expect(t, err == nil, "%s: %v", what, err)
}

// at returns a fixed UTC time with nanoseconds, distinct for each n.
func at(n int) time.Time {
	return time.Date(2024, 5, 6, 7, 8, 9, 123456789+n, time.UTC).Add(time.Duration(n) * time.Hour)
}

// teamID returns a 22-character team ID starting with c; IDs sort by c,
// then by n.
func teamID(c byte, n int) string {
	return fmt.Sprintf("%c%021d", c, n)
}

func mkUser(enterpriseID, nodeID int64, email string) directory.User {
	local, _, _ := strings.Cut(email, "@")
	return directory.User{
		EnterpriseID: enterpriseID,
		NodeID:       nodeID,
		Email:        email,
		UserName:     email,
		GivenName:    "Given " + local,
		FamilyName:   "Family",
		DisplayName:  "User " + local,
		Status:       directory.UserInvited,
		Version:      1,
		Created:      at(1),
		Modified:     at(2),
	}
}

func mkTeam(id string, enterpriseID, nodeID int64, name string) directory.Team {
	return directory.Team{
		ID: id, EnterpriseID: enterpriseID, NodeID: nodeID, DisplayName: name,
		Status: directory.TeamActive, Version: 1, Created: at(3), Modified: at(4),
	}
}

func mkEndpoint(enterpriseID, nodeID int64) directory.Endpoint {
	return directory.Endpoint{
		NodeID: nodeID, EnterpriseID: enterpriseID, TokenHash: []byte{0, 1, 2, 0xfe, 0xff},
		Status: directory.EndpointPending, UniqueGroupNames: true, Created: at(5), Rotated: at(6),
	}
}

// world is two enterprises: E1 with root node N1, its child N1b and role R1;
// E2 with root node N2.
type world struct {
	E1, E2      directory.Enterprise
	N1, N1b, N2 directory.Node
	R1          directory.Role
}

func (x *suite) enterprise(name string, seats int) directory.Enterprise {
	x.t.Helper()
	e := directory.Enterprise{Name: name, Seats: seats, Created: at(0)}
	x.update(func(tx store.Tx) error { return tx.CreateEnterprise(x.ctx, &e) })
	return e
}

func (x *suite) node(enterpriseID, parentID int64, name string) directory.Node {
	x.t.Helper()
	n := directory.Node{EnterpriseID: enterpriseID, ParentID: parentID, Name: name,
		Settings: directory.NodeSettings{Deprovision: directory.DeprovisionLock}}
	x.update(func(tx store.Tx) error { return tx.CreateNode(x.ctx, &n) })
	return n
}

func (x *suite) world() world {
	x.t.Helper()
	var w world
	w.E1 = x.enterprise("Acme", 1000)
	w.E2 = x.enterprise("Globex", 1000)
	w.N1 = x.node(w.E1.ID, 0, "Acme")
	w.N1b = x.node(w.E1.ID, w.N1.ID, "Acme Sub")
	w.N2 = x.node(w.E2.ID, 0, "Globex")
	w.R1 = directory.Role{EnterpriseID: w.E1.ID, NodeID: w.N1.ID, Name: "Keeper Administrator"}
	x.update(func(tx store.Tx) error {
		if err := tx.CreateRole(x.ctx, &w.R1); err != nil {
			return err
		}
		w.E1.RootNode, w.E2.RootNode = w.N1.ID, w.N2.ID
		w.N1.DefaultRoleID = w.R1.ID
		for _, e := range []directory.Enterprise{w.E1, w.E2} {
			if err := tx.UpdateEnterprise(x.ctx, e); err != nil {
				return err
			}
		}
		return tx.UpdateNode(x.ctx, w.N1)
	})
	return w
}

func (x *suite) user(u directory.User) directory.User {
	x.t.Helper()
	x.update(func(tx store.Tx) error { return tx.CreateUser(x.ctx, &u) })
	return u
}

func (x *suite) team(tm directory.Team) directory.Team {
	x.t.Helper()
	x.update(func(tx store.Tx) error { return tx.CreateTeam(x.ctx, tm) })
	return tm
}

func (x *suite) put(m directory.Membership) (created bool) {
	x.t.Helper()
	x.update(func(tx store.Tx) (err error) { created, err = tx.PutMembership(x.ctx, m); return err })
	return created
}

func testEnterprise(x *suite) {
	t := x.t
	e1 := directory.Enterprise{Name: "Acme", Seats: 10, SeatsUsed: 7, Created: at(0).In(time.FixedZone("X", 5*3600))}
	e2 := directory.Enterprise{Name: "Globex", Seats: 20, Created: at(1)}
	x.update(func(tx store.Tx) error {
		if err := tx.CreateEnterprise(x.ctx, &e1); err != nil {
			return err
		}
		return tx.CreateEnterprise(x.ctx, &e2)
	})
	expect(t, e1.ID > 0 && e2.ID > 0 && e1.ID != e2.ID, "enterprise IDs %d, %d: want distinct positive IDs", e1.ID, e2.ID)
	expect(t, e1.SeatsUsed == 0, "CreateEnterprise left SeatsUsed = %d, want 0", e1.SeatsUsed)
	e1.Created = e1.Created.UTC()
	want := []directory.Enterprise{e1, e2}
	slices.SortFunc(want, func(a, b directory.Enterprise) int { return cmpInt(a.ID, b.ID) })
	x.both(func(where string, r store.Reader) {
		got, err := r.GetEnterprise(x.ctx, e1.ID)
		noErr(t, where+": GetEnterprise", err)
		equal(t, where+": GetEnterprise", got, e1)
		list, err := r.ListEnterprises(x.ctx)
		noErr(t, where+": ListEnterprises", err)
		equal(t, where+": ListEnterprises", list, want)
	})

	// UpdateEnterprise stores Name, Seats and RootNode only.
	upd := e1
	upd.Name, upd.Seats, upd.RootNode = "Acme Corp", 42, 123
	upd.SeatsUsed, upd.Created = 5, at(9)
	x.update(func(tx store.Tx) error { return tx.UpdateEnterprise(x.ctx, upd) })
	wantUpd := e1
	wantUpd.Name, wantUpd.Seats, wantUpd.RootNode = "Acme Corp", 42, 123
	got, err := x.s.GetEnterprise(x.ctx, e1.ID)
	noErr(t, "GetEnterprise after update", err)
	equal(t, "enterprise after UpdateEnterprise", got, wantUpd)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func testNode(x *suite) {
	t := x.t
	e1 := x.enterprise("Acme", 10)
	e2 := x.enterprise("Globex", 10)
	root := directory.Node{EnterpriseID: e1.ID, Name: "Root",
		Settings: directory.NodeSettings{Deprovision: directory.DeprovisionLock}}
	x.update(func(tx store.Tx) error { return tx.CreateNode(x.ctx, &root) })
	child := directory.Node{EnterpriseID: e1.ID, ParentID: root.ID, Name: "Child", DefaultRoleID: 77,
		Settings: directory.NodeSettings{Deprovision: directory.DeprovisionDelete, AutoApprove: true}}
	other := directory.Node{EnterpriseID: e2.ID, Name: "Other"}
	x.update(func(tx store.Tx) error {
		if err := tx.CreateNode(x.ctx, &child); err != nil {
			return err
		}
		return tx.CreateNode(x.ctx, &other)
	})
	expect(t, root.ID > 0 && child.ID > 0 && other.ID > 0, "node IDs must be positive: %d %d %d", root.ID, child.ID, other.ID)
	expect(t, root.ID != child.ID && child.ID != other.ID && root.ID != other.ID, "node IDs must be distinct")
	want := []directory.Node{root, child}
	slices.SortFunc(want, func(a, b directory.Node) int { return cmpInt(a.ID, b.ID) })
	x.both(func(where string, r store.Reader) {
		got, err := r.GetNode(x.ctx, child.ID)
		noErr(t, where+": GetNode", err)
		equal(t, where+": GetNode", got, child)
		got, err = r.GetNode(x.ctx, root.ID)
		noErr(t, where+": GetNode root", err)
		equal(t, where+": GetNode root", got, root)
		list, err := r.ListNodes(x.ctx, e1.ID)
		noErr(t, where+": ListNodes", err)
		equal(t, where+": ListNodes", list, want)
		list, err = r.ListNodes(x.ctx, e2.ID)
		noErr(t, where+": ListNodes other", err)
		equal(t, where+": ListNodes other", list, []directory.Node{other})
	})

	// UpdateNode stores Name, DefaultRoleID and Settings only.
	upd := child
	upd.Name, upd.DefaultRoleID = "Renamed", 88
	upd.Settings = directory.NodeSettings{Deprovision: directory.DeprovisionLock}
	upd.ParentID, upd.EnterpriseID = 0, e2.ID
	x.update(func(tx store.Tx) error { return tx.UpdateNode(x.ctx, upd) })
	wantUpd := child
	wantUpd.Name, wantUpd.DefaultRoleID, wantUpd.Settings = upd.Name, upd.DefaultRoleID, upd.Settings
	got, err := x.s.GetNode(x.ctx, child.ID)
	noErr(t, "GetNode after update", err)
	equal(t, "node after UpdateNode", got, wantUpd)
}

func testRole(x *suite) {
	t := x.t
	w := x.world()
	r2 := directory.Role{EnterpriseID: w.E1.ID, NodeID: w.N1b.ID, Name: "Sub admin"}
	r3 := directory.Role{EnterpriseID: w.E2.ID, NodeID: w.N2.ID, Name: "Globex role"}
	x.update(func(tx store.Tx) error {
		if err := tx.CreateRole(x.ctx, &r2); err != nil {
			return err
		}
		return tx.CreateRole(x.ctx, &r3)
	})
	expect(t, r2.ID > 0 && r2.ID != w.R1.ID && r3.ID != r2.ID, "role IDs must be distinct and positive")
	want := []directory.Role{w.R1, r2}
	slices.SortFunc(want, func(a, b directory.Role) int { return cmpInt(a.ID, b.ID) })
	x.both(func(where string, r store.Reader) {
		got, err := r.GetRole(x.ctx, r2.ID)
		noErr(t, where+": GetRole", err)
		equal(t, where+": GetRole", got, r2)
		list, err := r.ListRoles(x.ctx, w.E1.ID)
		noErr(t, where+": ListRoles", err)
		equal(t, where+": ListRoles", list, want)
		list, err = r.ListRoles(x.ctx, w.E2.ID)
		noErr(t, where+": ListRoles other", err)
		equal(t, where+": ListRoles other", list, []directory.Role{r3})
	})
}

func testDomain(x *suite) {
	t := x.t
	w := x.world()
	d1 := directory.Domain{Name: "Acme.Example", EnterpriseID: w.E1.ID}
	d2 := directory.Domain{Name: "acme.test", EnterpriseID: w.E1.ID}
	d3 := directory.Domain{Name: "globex.example", EnterpriseID: w.E2.ID}
	x.update(func(tx store.Tx) error {
		for _, d := range []directory.Domain{d2, d1, d3} {
			if err := tx.AddDomain(x.ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	x.both(func(where string, r store.Reader) {
		got, err := r.GetDomain(x.ctx, "ACME.example")
		noErr(t, where+": GetDomain case-insensitive", err)
		equal(t, where+": GetDomain", got, d1)
		list, err := r.ListDomains(x.ctx, w.E1.ID)
		noErr(t, where+": ListDomains", err)
		expect(t, len(list) == 2, "%s: ListDomains(E1) = %v, want 2 domains", where, list)
		for _, d := range list {
			expect(t, d == d1 || d == d2, "%s: ListDomains(E1) holds %v", where, d)
		}
		list, err = r.ListDomains(x.ctx, w.E2.ID)
		noErr(t, where+": ListDomains E2", err)
		equal(t, where+": ListDomains E2", list, []directory.Domain{d3})
	})
	// A domain is reserved once across all enterprises, in any case.
	for _, d := range []directory.Domain{
		{Name: "acme.example", EnterpriseID: w.E1.ID},
		{Name: "ACME.EXAMPLE", EnterpriseID: w.E2.ID},
	} {
		err := x.s.Update(x.ctx, func(tx store.Tx) error { return tx.AddDomain(x.ctx, d) })
		isErr(t, fmt.Sprintf("AddDomain(%v) of a reserved domain", d), err, store.ErrConflict)
	}
	got, err := x.s.GetDomain(x.ctx, "acme.example")
	noErr(t, "GetDomain after conflicts", err)
	equal(t, "domain after refused AddDomain", got, d1)

	x.update(func(tx store.Tx) error { return tx.RemoveDomain(x.ctx, "ACME.EXAMPLE") })
	_, err = x.s.GetDomain(x.ctx, "acme.example")
	isErr(t, "GetDomain after RemoveDomain", err, store.ErrNotFound)
	err = x.s.Update(x.ctx, func(tx store.Tx) error { return tx.RemoveDomain(x.ctx, "acme.example") })
	isErr(t, "RemoveDomain of a removed domain", err, store.ErrNotFound)
	// Freed, it can be reserved again, by another enterprise.
	x.update(func(tx store.Tx) error {
		return tx.AddDomain(x.ctx, directory.Domain{Name: "acme.example", EnterpriseID: w.E2.ID})
	})
}

func testEndpoint(x *suite) {
	t := x.t
	w := x.world()
	ep1 := mkEndpoint(w.E1.ID, w.N1b.ID)
	ep0 := mkEndpoint(w.E1.ID, w.N1.ID)
	ep0.Status, ep0.UniqueGroupNames, ep0.TokenHash = directory.EndpointActive, false, []byte("hash-0")
	ep2 := mkEndpoint(w.E2.ID, w.N2.ID)
	x.update(func(tx store.Tx) error {
		for _, e := range []directory.Endpoint{ep1, ep2, ep0} {
			if err := tx.PutEndpoint(x.ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	byNode := func(es ...directory.Endpoint) []directory.Endpoint {
		es = slices.Clone(es)
		slices.SortFunc(es, func(a, b directory.Endpoint) int { return cmpInt(a.NodeID, b.NodeID) })
		return es
	}
	x.both(func(where string, r store.Reader) {
		got, err := r.GetEndpoint(x.ctx, w.N1b.ID)
		noErr(t, where+": GetEndpoint", err)
		equal(t, where+": GetEndpoint", got, ep1)
		list, err := r.ListEndpoints(x.ctx, w.E1.ID)
		noErr(t, where+": ListEndpoints", err)
		equal(t, where+": ListEndpoints(E1)", list, byNode(ep0, ep1))
		list, err = r.ListEndpoints(x.ctx, 0)
		noErr(t, where+": ListEndpoints(0)", err)
		equal(t, where+": ListEndpoints(0)", list, byNode(ep0, ep1, ep2))
	})

	// One endpoint per node: PutEndpoint replaces every field.
	repl := directory.Endpoint{NodeID: w.N1b.ID, EnterpriseID: w.E1.ID, TokenHash: []byte("rotated"),
		Status: directory.EndpointActive, UniqueGroupNames: false, Created: at(7), Rotated: at(8)}
	x.update(func(tx store.Tx) error { return tx.PutEndpoint(x.ctx, repl) })
	got, err := x.s.GetEndpoint(x.ctx, w.N1b.ID)
	noErr(t, "GetEndpoint after replace", err)
	equal(t, "endpoint after PutEndpoint replaced it", got, repl)
	list, err := x.s.ListEndpoints(x.ctx, w.E1.ID)
	noErr(t, "ListEndpoints after replace", err)
	equal(t, "ListEndpoints after replace", list, byNode(ep0, repl))

	x.update(func(tx store.Tx) error { return tx.DeleteEndpoint(x.ctx, w.N1b.ID) })
	_, err = x.s.GetEndpoint(x.ctx, w.N1b.ID)
	isErr(t, "GetEndpoint after DeleteEndpoint", err, store.ErrNotFound)
	err = x.s.Update(x.ctx, func(tx store.Tx) error { return tx.DeleteEndpoint(x.ctx, w.N1b.ID) })
	isErr(t, "DeleteEndpoint of a deleted endpoint", err, store.ErrNotFound)
}

func testUser(x *suite) {
	t := x.t
	w := x.world()
	u := directory.User{
		EnterpriseID: w.E1.ID, NodeID: w.N1.ID, RoleID: w.R1.ID,
		Email: "Alice.Smith@Example.com", UserName: "ASmith", GivenName: "Alice", FamilyName: "Smith",
		DisplayName: "Alice Smith", ExternalID: "00u1ab2CD3",
		Emails: []directory.Email{
			{Value: "Alice.Smith@Example.com", Type: "work", Primary: true},
			{Value: "alice@home.example", Type: "home"},
		},
		Extra:  `{"nickName":"Ally","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Tax"}}`,
		Status: directory.UserActive, Locked: true, Version: 3,
		Created:  at(1).In(time.FixedZone("UTC+5", 5*3600)),
		Modified: at(2).In(time.FixedZone("UTC-7", -7*3600)),
	}
	bare := mkUser(w.E1.ID, w.N1.ID, "bare@example.com") // no Emails, no ExternalID
	x.update(func(tx store.Tx) error {
		if err := tx.CreateUser(x.ctx, &u); err != nil {
			return err
		}
		return tx.CreateUser(x.ctx, &bare)
	})
	u.Created, u.Modified = u.Created.UTC(), u.Modified.UTC() // stored times come back in UTC
	x.both(func(where string, r store.Reader) {
		got, err := r.GetUser(x.ctx, u.ID)
		noErr(t, where+": GetUser", err)
		equal(t, where+": GetUser", got, u)
		got, err = r.GetUserByEmail(x.ctx, "alice.smith@EXAMPLE.COM")
		noErr(t, where+": GetUserByEmail", err)
		equal(t, where+": GetUserByEmail case-insensitive", got, u)
		got, err = r.GetUser(x.ctx, bare.ID)
		noErr(t, where+": GetUser bare", err)
		equal(t, where+": GetUser bare", got, bare)
	})

	// UpdateUser stores every field but ID, EnterpriseID and Created.
	upd := u
	upd.EnterpriseID, upd.Created = w.E2.ID, at(50)
	upd.NodeID, upd.RoleID = w.N1b.ID, 0
	upd.Email, upd.UserName = "alice.jones@example.com", "AJones"
	upd.GivenName, upd.FamilyName, upd.DisplayName, upd.ExternalID = "Alicia", "Jones", "Alicia Jones", "ext-2"
	upd.Emails = []directory.Email{{Value: "alice.jones@example.com", Primary: true}}
	upd.Extra = `{"title":"Ms"}`
	upd.Status, upd.Locked, upd.Version, upd.Modified = directory.UserInvited, false, 4, at(51)
	x.update(func(tx store.Tx) error { return tx.UpdateUser(x.ctx, upd) })
	want := upd
	want.EnterpriseID, want.Created = u.EnterpriseID, u.Created
	x.both(func(where string, r store.Reader) {
		got, err := r.GetUser(x.ctx, u.ID)
		noErr(t, where+": GetUser after update", err)
		equal(t, where+": user after UpdateUser", got, want)
		got, err = r.GetUserByEmail(x.ctx, "ALICE.JONES@example.com")
		noErr(t, where+": GetUserByEmail new email", err)
		equal(t, where+": GetUserByEmail new email", got.ID, u.ID)
		_, err = r.GetUserByEmail(x.ctx, "alice.smith@example.com")
		isErr(t, where+": GetUserByEmail old email", err, store.ErrNotFound)
	})
	// Emails cleared round-trips too.
	upd.Emails = nil
	x.update(func(tx store.Tx) error { return tx.UpdateUser(x.ctx, upd) })
	got, err := x.s.GetUser(x.ctx, u.ID)
	noErr(t, "GetUser after clearing Emails", err)
	expect(t, len(got.Emails) == 0, "Emails after clearing = %v", got.Emails)

	x.update(func(tx store.Tx) error { return tx.DeleteUser(x.ctx, u.ID) })
	x.both(func(where string, r store.Reader) {
		_, err := r.GetUser(x.ctx, u.ID)
		isErr(t, where+": GetUser after DeleteUser", err, store.ErrNotFound)
		_, err = r.GetUserByEmail(x.ctx, upd.Email)
		isErr(t, where+": GetUserByEmail after DeleteUser", err, store.ErrNotFound)
	})
	err = x.s.Update(x.ctx, func(tx store.Tx) error { return tx.DeleteUser(x.ctx, u.ID) })
	isErr(t, "DeleteUser of a deleted user", err, store.ErrNotFound)
}

func testUserIDs(x *suite) {
	t := x.t
	w := x.world()
	seen := map[int64]bool{}
	for i := range 5 {
		u := x.user(mkUser(w.E1.ID, w.N1.ID, fmt.Sprintf("id%d@example.com", i)))
		expect(t, u.ID >= 100_000_000_000_000, "user ID %d has fewer than 15 digits", u.ID)
		expect(t, !seen[u.ID], "user ID %d assigned twice", u.ID)
		seen[u.ID] = true
	}
}

const missingID = 9_000_000_000_000_001

func testNotFound(x *suite) {
	t := x.t
	w := x.world()
	x.both(func(where string, r store.Reader) {
		ctx := x.ctx
		_, err := r.GetEnterprise(ctx, missingID)
		isErr(t, where+": GetEnterprise", err, store.ErrNotFound)
		_, err = r.GetNode(ctx, missingID)
		isErr(t, where+": GetNode", err, store.ErrNotFound)
		_, err = r.GetRole(ctx, missingID)
		isErr(t, where+": GetRole", err, store.ErrNotFound)
		_, err = r.GetDomain(ctx, "missing.example")
		isErr(t, where+": GetDomain", err, store.ErrNotFound)
		_, err = r.GetEndpoint(ctx, w.N1.ID)
		isErr(t, where+": GetEndpoint", err, store.ErrNotFound)
		_, err = r.GetUser(ctx, missingID)
		isErr(t, where+": GetUser", err, store.ErrNotFound)
		_, err = r.GetUserByEmail(ctx, "missing@example.com")
		isErr(t, where+": GetUserByEmail", err, store.ErrNotFound)
		_, err = r.GetTeam(ctx, teamID('m', 1))
		isErr(t, where+": GetTeam", err, store.ErrNotFound)
		_, err = r.GetMembership(ctx, teamID('m', 1), missingID)
		isErr(t, where+": GetMembership", err, store.ErrNotFound)

		// Lists of a missing parent are empty, not errors.
		ns, err := r.ListNodes(ctx, missingID)
		expect(t, err == nil && len(ns) == 0, "%s: ListNodes(missing) = %v, %v", where, ns, err)
		rs, err := r.ListRoles(ctx, missingID)
		expect(t, err == nil && len(rs) == 0, "%s: ListRoles(missing) = %v, %v", where, rs, err)
		ds, err := r.ListDomains(ctx, missingID)
		expect(t, err == nil && len(ds) == 0, "%s: ListDomains(missing) = %v, %v", where, ds, err)
		es, err := r.ListEndpoints(ctx, missingID)
		expect(t, err == nil && len(es) == 0, "%s: ListEndpoints(missing) = %v, %v", where, es, err)
		us, total, err := r.FindUsers(ctx, store.UserQuery{NodeID: missingID})
		expect(t, err == nil && len(us) == 0 && total == 0, "%s: FindUsers(missing node) = %v, %d, %v", where, us, total, err)
		ts, total, err := r.FindTeams(ctx, store.TeamQuery{NodeID: missingID})
		expect(t, err == nil && len(ts) == 0 && total == 0, "%s: FindTeams(missing node) = %v, %d, %v", where, ts, total, err)
		ms, err := r.TeamMembers(ctx, teamID('m', 1))
		expect(t, err == nil && len(ms) == 0, "%s: TeamMembers(missing) = %v, %v", where, ms, err)
		uts, err := r.UserTeams(ctx, missingID)
		expect(t, err == nil && len(uts) == 0, "%s: UserTeams(missing) = %v, %v", where, uts, err)
		muts, err := r.UsersTeams(ctx, []int64{missingID})
		expect(t, err == nil && len(muts) == 0, "%s: UsersTeams(missing) = %v, %v", where, muts, err)
		pts, err := r.PendingTeams(ctx, missingID)
		expect(t, err == nil && len(pts) == 0, "%s: PendingTeams(missing) = %v, %v", where, pts, err)
		pms, err := r.PendingMemberships(ctx, missingID)
		expect(t, err == nil && len(pms) == 0, "%s: PendingMemberships(missing) = %v, %v", where, pms, err)
	})

	writes := []struct {
		name string
		fn   func(tx store.Tx) error
	}{
		{"UpdateEnterprise", func(tx store.Tx) error {
			return tx.UpdateEnterprise(x.ctx, directory.Enterprise{ID: missingID, Name: "x", Seats: 1})
		}},
		{"UpdateNode", func(tx store.Tx) error { return tx.UpdateNode(x.ctx, directory.Node{ID: missingID, Name: "x"}) }},
		{"RemoveDomain", func(tx store.Tx) error { return tx.RemoveDomain(x.ctx, "missing.example") }},
		{"DeleteEndpoint", func(tx store.Tx) error { return tx.DeleteEndpoint(x.ctx, w.N1.ID) }},
		{"UpdateUser", func(tx store.Tx) error {
			u := mkUser(w.E1.ID, w.N1.ID, "missing@example.com")
			u.ID = missingID
			return tx.UpdateUser(x.ctx, u)
		}},
		{"DeleteUser", func(tx store.Tx) error { return tx.DeleteUser(x.ctx, missingID) }},
		{"UpdateTeam", func(tx store.Tx) error {
			return tx.UpdateTeam(x.ctx, mkTeam(teamID('m', 1), w.E1.ID, w.N1.ID, "x"))
		}},
		{"DeleteTeam", func(tx store.Tx) error { return tx.DeleteTeam(x.ctx, teamID('m', 1)) }},
	}
	for _, wr := range writes {
		isErr(t, wr.name+" of a missing row", x.s.Update(x.ctx, wr.fn), store.ErrNotFound)
	}
	x.update(func(tx store.Tx) error {
		removed, err := tx.DeleteMembership(x.ctx, teamID('m', 1), missingID)
		expect(t, err == nil && !removed, "DeleteMembership of a missing membership = %v, %v; want false, nil", removed, err)
		return nil
	})
}

func testEmailUniqueness(x *suite) {
	t := x.t
	w := x.world()
	a := x.user(mkUser(w.E1.ID, w.N1.ID, "Dup@Example.com"))
	create := func(e, n int64, email string) error {
		u := mkUser(e, n, email)
		return x.s.Update(x.ctx, func(tx store.Tx) error { return tx.CreateUser(x.ctx, &u) })
	}
	isErr(t, "CreateUser of a taken email, same enterprise", create(w.E1.ID, w.N1b.ID, "dup@example.com"), store.ErrConflict)
	isErr(t, "CreateUser of a taken email, other enterprise", create(w.E2.ID, w.N2.ID, "DUP@EXAMPLE.COM"), store.ErrConflict)
	b := x.user(mkUser(w.E2.ID, w.N2.ID, "b@example.com"))

	// UpdateUser onto another user's email, in any case, conflicts.
	upd := b
	upd.Email = "dup@EXAMPLE.com"
	err := x.s.Update(x.ctx, func(tx store.Tx) error { return tx.UpdateUser(x.ctx, upd) })
	isErr(t, "UpdateUser to another enterprise's user's email", err, store.ErrConflict)
	got, err := x.s.GetUser(x.ctx, b.ID)
	noErr(t, "GetUser after refused update", err)
	equal(t, "user after refused UpdateUser", got, b)

	// A user may change the case of its own email.
	self := a
	self.Email = "dup@example.com"
	x.update(func(tx store.Tx) error { return tx.UpdateUser(x.ctx, self) })
	got, err = x.s.GetUserByEmail(x.ctx, "DUP@example.com")
	noErr(t, "GetUserByEmail after case change", err)
	equal(t, "email after case change", got.Email, "dup@example.com")

	// Deleting the user frees the email for anyone.
	x.update(func(tx store.Tx) error { return tx.DeleteUser(x.ctx, a.ID) })
	noErr(t, "CreateUser of a freed email", create(w.E2.ID, w.N2.ID, "DUP@example.com"))
}

func testSeats(x *suite) {
	t := x.t
	e := x.enterprise("Small", 2)
	n := x.node(e.ID, 0, "Root")
	seatsUsed := func(want int) {
		t.Helper()
		got, err := x.s.GetEnterprise(x.ctx, e.ID)
		noErr(t, "GetEnterprise", err)
		expect(t, got.SeatsUsed == want, "SeatsUsed = %d, want %d", got.SeatsUsed, want)
	}
	create := func(email string) (directory.User, error) {
		u := mkUser(e.ID, n.ID, email)
		err := x.s.Update(x.ctx, func(tx store.Tx) error { return tx.CreateUser(x.ctx, &u) })
		return u, err
	}
	a, err := create("a@small.example")
	noErr(t, "first user", err)
	_, err = create("b@small.example")
	noErr(t, "second user", err)
	seatsUsed(2)
	_, err = create("c@small.example")
	isErr(t, "CreateUser beyond the seats", err, store.ErrNoSeats)
	seatsUsed(2)
	_, err = x.s.GetUserByEmail(x.ctx, "c@small.example")
	isErr(t, "user refused for seats", err, store.ErrNotFound)

	x.update(func(tx store.Tx) error { return tx.DeleteUser(x.ctx, a.ID) })
	seatsUsed(1)
	_, err = create("c@small.example")
	noErr(t, "CreateUser after DeleteUser freed a seat", err)
	seatsUsed(2)

	// UpdateEnterprise does not touch SeatsUsed; more seats allow more users.
	more := e
	more.Seats, more.SeatsUsed = 3, 0
	x.update(func(tx store.Tx) error { return tx.UpdateEnterprise(x.ctx, more) })
	seatsUsed(2)
	_, err = create("d@small.example")
	noErr(t, "CreateUser after adding a seat", err)
	seatsUsed(3)
	_, err = create("e@small.example")
	isErr(t, "CreateUser beyond the new seats", err, store.ErrNoSeats)
}

func testFailedWriteLeavesNothing(x *suite) {
	t := x.t
	e := x.enterprise("One seat", 1)
	n := x.node(e.ID, 0, "Root")
	x.user(mkUser(e.ID, n.ID, "taken@example.com"))
	other := x.enterprise("Roomy", 10)
	on := x.node(other.ID, 0, "Root")
	var created directory.User
	x.update(func(tx store.Tx) error {
		dup := mkUser(other.ID, on.ID, "TAKEN@example.com")
		isErr(t, "CreateUser of a taken email", tx.CreateUser(x.ctx, &dup), store.ErrConflict)
		full := mkUser(e.ID, n.ID, "nowhere@example.com")
		isErr(t, "CreateUser without seats", tx.CreateUser(x.ctx, &full), store.ErrNoSeats)
		created = mkUser(other.ID, on.ID, "fine@example.com")
		return tx.CreateUser(x.ctx, &created) // the function goes on and commits
	})
	for _, c := range []struct {
		id   int64
		want int
	}{{e.ID, 1}, {other.ID, 1}} {
		got, err := x.s.GetEnterprise(x.ctx, c.id)
		noErr(t, "GetEnterprise", err)
		expect(t, got.SeatsUsed == c.want, "enterprise %q: SeatsUsed = %d, want %d (a refused CreateUser took a seat)",
			got.Name, got.SeatsUsed, c.want)
	}
	users, total, err := x.s.FindUsers(x.ctx, store.UserQuery{NodeID: on.ID})
	noErr(t, "FindUsers", err)
	expect(t, total == 1 && len(users) == 1 && users[0].ID == created.ID, "users of the roomy node = %v (total %d), want only %d",
		users, total, created.ID)
	_, err = x.s.GetUserByEmail(x.ctx, "nowhere@example.com")
	isErr(t, "refused user", err, store.ErrNotFound)
}

func ids[T any](items []T, id func(T) int64) []int64 {
	out := make([]int64, 0, len(items))
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func userID(u directory.User) int64 { return u.ID }

func testFindUsers(x *suite) {
	t := x.t
	w := x.world()
	mk := func(node int64, email, userName, externalID string) directory.User {
		u := mkUser(w.E1.ID, node, email)
		if node == w.N2.ID {
			u.EnterpriseID = w.E2.ID
		}
		u.UserName, u.ExternalID = userName, externalID
		return x.user(u)
	}
	u1 := mk(w.N1.ID, "alice@example.com", "alice@example.com", "ext-1")
	u2 := mk(w.N1.ID, "bob@example.com", "Bob", "EXT-1")
	u3 := mk(w.N1.ID, "alice2@example.com", "ALICE@example.com", "")
	var fill []directory.User
	for i := range 5 {
		fill = append(fill, mk(w.N1.ID, fmt.Sprintf("fill%d@example.com", i), fmt.Sprintf("fill%d", i), ""))
	}
	// userNames holding LIKE's wildcards and letters whose lower case is not
	// ASCII's: prefix, suffix and substring must take them literally.
	odd := []directory.User{
		mk(w.N1.ID, "odd1@example.com", `50%_Off\Deal`, ""),
		mk(w.N1.ID, "odd2@example.com", "50xxoff", ""),
		mk(w.N1.ID, "odd3@example.com", "ÉMILE@Straße.example", ""),
		mk(w.N1.ID, "odd4@example.com", "\u212aelvin", ""), // Kelvin sign: strings.ToLower gives "k"
	}
	// Same userName and externalId on other nodes: never found from N1.
	sub := mk(w.N1b.ID, "alice@sub.example.com", "alice@example.com", "ext-1")
	far := mk(w.N2.ID, "alice@globex.example.com", "Alice@Example.com", "ext-1")

	n1 := append(append([]directory.User{u1, u2, u3}, fill...), odd...)
	slices.SortFunc(n1, func(a, b directory.User) int { return cmpInt(a.ID, b.ID) })
	allIDs := ids(n1, userID)
	sorted := func(us ...directory.User) []int64 {
		out := ids(us, userID)
		slices.Sort(out)
		return out
	}

	x.both(func(where string, r store.Reader) {
		find := func(q store.UserQuery, wantIDs []int64, wantTotal int) {
			t.Helper()
			got, total, err := r.FindUsers(x.ctx, q)
			if !noErr(t, fmt.Sprintf("%s: FindUsers(%+v)", where, q), err) {
				return
			}
			expect(t, total == wantTotal, "%s: FindUsers(%+v) total = %d, want %d", where, q, total, wantTotal)
			equal(t, fmt.Sprintf("%s: FindUsers(%+v) IDs", where, q), ids(got, userID), wantIDs)
		}
		// Every user of the node, in pages.
		find(store.UserQuery{NodeID: w.N1.ID}, allIDs, 12)
		find(store.UserQuery{NodeID: w.N1.ID, Limit: 100}, allIDs, 12)
		find(store.UserQuery{NodeID: w.N1.ID, Limit: 3}, allIDs[0:3], 12)
		find(store.UserQuery{NodeID: w.N1.ID, Offset: 3, Limit: 3}, allIDs[3:6], 12)
		find(store.UserQuery{NodeID: w.N1.ID, Offset: 6, Limit: 3}, allIDs[6:9], 12)
		find(store.UserQuery{NodeID: w.N1.ID, Offset: 2}, allIDs[2:], 12)
		find(store.UserQuery{NodeID: w.N1.ID, Offset: 12, Limit: 3}, []int64{}, 12)
		find(store.UserQuery{NodeID: w.N1.ID, Offset: 100}, []int64{}, 12)
		find(store.UserQuery{NodeID: w.N1b.ID}, []int64{sub.ID}, 1)
		find(store.UserQuery{NodeID: w.N2.ID}, []int64{far.ID}, 1)

		// userName: case-insensitive.
		find(store.UserQuery{NodeID: w.N1.ID, Field: store.UserByUserName, Value: "ALICE@EXAMPLE.COM"}, sorted(u1, u3), 2)
		find(store.UserQuery{NodeID: w.N1.ID, Field: store.UserByUserName, Value: "alice@example.com", Offset: 1, Limit: 1},
			sorted(u1, u3)[1:], 2)
		find(store.UserQuery{NodeID: w.N1.ID, Field: store.UserByUserName, Value: "bob"}, []int64{u2.ID}, 1)
		find(store.UserQuery{NodeID: w.N1.ID, Field: store.UserByUserName, Value: "nobody"}, []int64{}, 0)
		find(store.UserQuery{NodeID: w.N2.ID, Field: store.UserByUserName, Value: "alice@example.com"}, []int64{far.ID}, 1)

		// userName prefix, suffix, substring: case-insensitive (strings.ToLower
		// on both sides), wildcards literal, other nodes' users never found.
		byName := func(op store.TextOp, v string) store.UserQuery {
			return store.UserQuery{NodeID: w.N1.ID, Field: store.UserByUserName, Op: op, Value: v}
		}
		find(byName(store.TextPrefix, "ALICE@"), sorted(u1, u3), 2)
		find(byName(store.TextPrefix, "fill"), ids(fill, userID), 5)
		q := byName(store.TextPrefix, "fill")
		q.Offset, q.Limit = 1, 2
		find(q, ids(fill, userID)[1:3], 5)
		find(byName(store.TextPrefix, "50%"), []int64{odd[0].ID}, 1)
		find(byName(store.TextPrefix, "50_"), []int64{}, 0)
		find(byName(store.TextContains, "%_off\\"), []int64{odd[0].ID}, 1)
		find(byName(store.TextContains, "x_o"), []int64{}, 0)
		find(byName(store.TextContains, "\\d"), []int64{odd[0].ID}, 1)
		find(byName(store.TextContains, "off"), sorted(odd[0], odd[1]), 2)
		find(byName(store.TextSuffix, "EXAMPLE.COM"), sorted(u1, u3), 2)
		find(byName(store.TextSuffix, "%"), []int64{}, 0)
		find(byName(store.TextContains, "émile@STRASSE"), []int64{}, 0)
		find(byName(store.TextContains, "émile@straße"), []int64{odd[2].ID}, 1)
		find(byName(store.TextPrefix, "KELVIN"), []int64{odd[3].ID}, 1)
		find(byName(store.TextContains, ""), allIDs, 12)
		find(store.UserQuery{NodeID: w.N2.ID, Field: store.UserByUserName, Op: store.TextSuffix, Value: "@example.com"}, []int64{far.ID}, 1)
		_, _, err := r.FindUsers(x.ctx, store.UserQuery{NodeID: w.N1.ID, Field: store.UserByExternal, Op: store.TextPrefix, Value: "ext"})
		expect(t, err != nil, "%s: FindUsers: a prefix of externalId is refused", where)

		// email: case-insensitive; another node's user is not found.
		find(store.UserQuery{NodeID: w.N1.ID, Field: store.UserByEmail, Value: "Alice@Example.COM"}, []int64{u1.ID}, 1)
		find(store.UserQuery{NodeID: w.N1.ID, Field: store.UserByEmail, Value: far.Email}, []int64{}, 0)
		find(store.UserQuery{NodeID: w.N2.ID, Field: store.UserByEmail, Value: strings.ToUpper(far.Email)}, []int64{far.ID}, 1)

		// externalId: exact.
		find(store.UserQuery{NodeID: w.N1.ID, Field: store.UserByExternal, Value: "ext-1"}, []int64{u1.ID}, 1)
		find(store.UserQuery{NodeID: w.N1.ID, Field: store.UserByExternal, Value: "EXT-1"}, []int64{u2.ID}, 1)
		find(store.UserQuery{NodeID: w.N1.ID, Field: store.UserByExternal, Value: "Ext-1"}, []int64{}, 0)
		find(store.UserQuery{NodeID: w.N1b.ID, Field: store.UserByExternal, Value: "ext-1"}, []int64{sub.ID}, 1)
	})

	// Pages are full users, equal to GetUser's.
	got, _, err := x.s.FindUsers(x.ctx, store.UserQuery{NodeID: w.N1.ID, Field: store.UserByEmail, Value: u2.Email})
	noErr(t, "FindUsers by email", err)
	equal(t, "FindUsers row", got, []directory.User{u2})
}

func teamKey(tm directory.Team) string { return tm.ID }

func testFindTeams(x *suite) {
	t := x.t
	w := x.world()
	mk := func(id string, node int64, name, externalID string) directory.Team {
		tm := mkTeam(id, w.E1.ID, node, name)
		if node == w.N2.ID {
			tm.EnterpriseID = w.E2.ID
		}
		tm.ExternalID = externalID
		return x.team(tm)
	}
	// IDs whose byte order differs from a case-insensitive or locale order.
	t1 := mk(teamID('a', 1), w.N1.ID, "Engineering", "g-1")
	t2 := mk(teamID('Z', 1), w.N1.ID, "ENGINEERING", "G-1")
	t3 := mk(teamID('-', 1), w.N1.ID, "Sales", "")
	t4 := mk(teamID('_', 1), w.N1.ID, "Support", "")
	t5 := mk(teamID('0', 1), w.N1.ID, "Legal", "")
	sub := mk(teamID('s', 1), w.N1b.ID, "Engineering", "g-1")
	far := mk(teamID('f', 1), w.N2.ID, "engineering", "g-1")
	all := []string{t3.ID, t5.ID, t2.ID, t4.ID, t1.ID} // byte order: '-' < '0' < 'Z' < '_' < 'a'
	x.both(func(where string, r store.Reader) {
		find := func(q store.TeamQuery, want []string, wantTotal int) {
			t.Helper()
			got, total, err := r.FindTeams(x.ctx, q)
			if !noErr(t, fmt.Sprintf("%s: FindTeams(%+v)", where, q), err) {
				return
			}
			gotIDs := []string{}
			for _, tm := range got {
				gotIDs = append(gotIDs, teamKey(tm))
			}
			expect(t, total == wantTotal, "%s: FindTeams(%+v) total = %d, want %d", where, q, total, wantTotal)
			equal(t, fmt.Sprintf("%s: FindTeams(%+v) IDs", where, q), gotIDs, want)
		}
		find(store.TeamQuery{NodeID: w.N1.ID}, all, 5)
		find(store.TeamQuery{NodeID: w.N1.ID, Limit: 2}, all[:2], 5)
		find(store.TeamQuery{NodeID: w.N1.ID, Offset: 2, Limit: 2}, all[2:4], 5)
		find(store.TeamQuery{NodeID: w.N1.ID, Offset: 4, Limit: 2}, all[4:], 5)
		find(store.TeamQuery{NodeID: w.N1.ID, Offset: 5}, []string{}, 5)
		find(store.TeamQuery{NodeID: w.N1b.ID}, []string{sub.ID}, 1)
		find(store.TeamQuery{NodeID: w.N2.ID}, []string{far.ID}, 1)

		find(store.TeamQuery{NodeID: w.N1.ID, Field: store.TeamByDisplayName, Value: "engineering"}, []string{t2.ID, t1.ID}, 2)
		find(store.TeamQuery{NodeID: w.N1.ID, Field: store.TeamByDisplayName, Value: "eNgInEeRiNg", Limit: 1}, []string{t2.ID}, 2)
		find(store.TeamQuery{NodeID: w.N1.ID, Field: store.TeamByDisplayName, Value: "sales"}, []string{t3.ID}, 1)
		find(store.TeamQuery{NodeID: w.N1.ID, Field: store.TeamByDisplayName, Value: "none"}, []string{}, 0)
		find(store.TeamQuery{NodeID: w.N2.ID, Field: store.TeamByDisplayName, Value: "Engineering"}, []string{far.ID}, 1)

		find(store.TeamQuery{NodeID: w.N1.ID, Field: store.TeamByExternal, Value: "g-1"}, []string{t1.ID}, 1)
		find(store.TeamQuery{NodeID: w.N1.ID, Field: store.TeamByExternal, Value: "G-1"}, []string{t2.ID}, 1)
		find(store.TeamQuery{NodeID: w.N1.ID, Field: store.TeamByExternal, Value: "g-2"}, []string{}, 0)
		find(store.TeamQuery{NodeID: w.N1b.ID, Field: store.TeamByExternal, Value: "g-1"}, []string{sub.ID}, 1)
	})
	got, _, err := x.s.FindTeams(x.ctx, store.TeamQuery{NodeID: w.N1.ID, Field: store.TeamByExternal, Value: "g-1"})
	noErr(t, "FindTeams", err)
	equal(t, "FindTeams row", got, []directory.Team{t1})
}

func testTeam(x *suite) {
	t := x.t
	w := x.world()
	tm := directory.Team{
		ID: "AbC-_12345678901234567", EnterpriseID: w.E1.ID, NodeID: w.N1b.ID, DisplayName: "Platform",
		ExternalID: "grp-9", Status: directory.TeamPending, Version: 2,
		Created: at(3).In(time.FixedZone("Y", 3600)), Modified: at(4),
	}
	x.team(tm)
	tm.Created = tm.Created.UTC()
	x.both(func(where string, r store.Reader) {
		got, err := r.GetTeam(x.ctx, tm.ID)
		noErr(t, where+": GetTeam", err)
		equal(t, where+": GetTeam", got, tm)
		_, err = r.GetTeam(x.ctx, strings.ToLower(tm.ID))
		isErr(t, where+": GetTeam is case-sensitive", err, store.ErrNotFound)
	})
	dup := mkTeam(tm.ID, w.E2.ID, w.N2.ID, "Other")
	err := x.s.Update(x.ctx, func(tx store.Tx) error { return tx.CreateTeam(x.ctx, dup) })
	isErr(t, "CreateTeam of a taken ID", err, store.ErrConflict)

	upd := tm
	upd.DisplayName, upd.ExternalID, upd.Status, upd.Version, upd.Modified = "Platform Eng", "grp-10", directory.TeamActive, 3, at(40)
	x.update(func(tx store.Tx) error { return tx.UpdateTeam(x.ctx, upd) })
	got, err := x.s.GetTeam(x.ctx, tm.ID)
	noErr(t, "GetTeam after update", err)
	equal(t, "team after UpdateTeam", got, upd)
	found, total, err := x.s.FindTeams(x.ctx, store.TeamQuery{NodeID: w.N1b.ID, Field: store.TeamByDisplayName, Value: "platform eng"})
	noErr(t, "FindTeams by new name", err)
	expect(t, total == 1 && len(found) == 1, "FindTeams by the new name: %v (total %d)", found, total)
	_, total, err = x.s.FindTeams(x.ctx, store.TeamQuery{NodeID: w.N1b.ID, Field: store.TeamByDisplayName, Value: "platform"})
	noErr(t, "FindTeams by old name", err)
	expect(t, total == 0, "FindTeams by the old name found %d", total)

	x.update(func(tx store.Tx) error { return tx.DeleteTeam(x.ctx, tm.ID) })
	_, err = x.s.GetTeam(x.ctx, tm.ID)
	isErr(t, "GetTeam after DeleteTeam", err, store.ErrNotFound)
	err = x.s.Update(x.ctx, func(tx store.Tx) error { return tx.DeleteTeam(x.ctx, tm.ID) })
	isErr(t, "DeleteTeam of a deleted team", err, store.ErrNotFound)
}

func testMembership(x *suite) {
	t := x.t
	w := x.world()
	ua := x.user(mkUser(w.E1.ID, w.N1.ID, "a@example.com"))
	ub := x.user(mkUser(w.E1.ID, w.N1.ID, "b@example.com"))
	uc := x.user(mkUser(w.E1.ID, w.N1.ID, "c@example.com"))
	t1 := x.team(mkTeam(teamID('b', 1), w.E1.ID, w.N1.ID, "Beta"))
	t2 := x.team(mkTeam(teamID('A', 1), w.E1.ID, w.N1b.ID, "Alpha"))

	pending, active := directory.MembershipPending, directory.MembershipActive
	expect(t, x.put(directory.Membership{TeamID: t1.ID, UserID: uc.ID, Status: pending}), "first PutMembership: created = false")
	expect(t, x.put(directory.Membership{TeamID: t1.ID, UserID: ua.ID, Status: active}), "PutMembership of a: created = false")
	expect(t, x.put(directory.Membership{TeamID: t1.ID, UserID: ub.ID, Status: pending}), "PutMembership of b: created = false")
	expect(t, !x.put(directory.Membership{TeamID: t1.ID, UserID: uc.ID, Status: active}), "second PutMembership: created = true")
	expect(t, x.put(directory.Membership{TeamID: t2.ID, UserID: ua.ID, Status: pending}), "PutMembership in t2: created = false")

	byUser := []store.Member{
		{UserID: ua.ID, Email: ua.Email, Status: active},
		{UserID: ub.ID, Email: ub.Email, Status: pending},
		{UserID: uc.ID, Email: uc.Email, Status: active},
	}
	slices.SortFunc(byUser, func(a, b store.Member) int { return cmpInt(a.UserID, b.UserID) })
	x.both(func(where string, r store.Reader) {
		m, err := r.GetMembership(x.ctx, t1.ID, uc.ID)
		noErr(t, where+": GetMembership", err)
		equal(t, where+": GetMembership after status update", m, directory.Membership{TeamID: t1.ID, UserID: uc.ID, Status: active})
		members, err := r.TeamMembers(x.ctx, t1.ID)
		noErr(t, where+": TeamMembers", err)
		equal(t, where+": TeamMembers", members, byUser)
		teams, err := r.UserTeams(x.ctx, ua.ID)
		noErr(t, where+": UserTeams", err)
		equal(t, where+": UserTeams (by team ID)", teams, []store.UserTeam{
			{TeamID: t2.ID, DisplayName: "Alpha", NodeID: w.N1b.ID, Status: pending},
			{TeamID: t1.ID, DisplayName: "Beta", NodeID: w.N1.ID, Status: active},
		})
		teams, err = r.UserTeams(x.ctx, uc.ID)
		noErr(t, where+": UserTeams of c", err)
		equal(t, where+": UserTeams of c", teams, []store.UserTeam{{TeamID: t1.ID, DisplayName: "Beta", NodeID: w.N1.ID, Status: active}})
		many, err := r.UsersTeams(x.ctx, []int64{uc.ID, ua.ID, missingID})
		noErr(t, where+": UsersTeams", err)
		ta, _ := r.UserTeams(x.ctx, ua.ID)
		equal(t, where+": UsersTeams (each by team ID, none for a missing user)", many, map[int64][]store.UserTeam{ua.ID: ta, uc.ID: teams})
		mm, err := r.TeamsMembers(x.ctx, []string{t1.ID, teamID('m', 1)})
		noErr(t, where+": TeamsMembers", err)
		equal(t, where+": TeamsMembers (each by user ID, none for a missing team)", mm, map[string][]store.Member{t1.ID: byUser})
		none, err := r.UsersTeams(x.ctx, nil)
		expect(t, err == nil && len(none) == 0, "%s: UsersTeams(none) = %v, %v", where, none, err)
	})

	// A member's email change shows in TeamMembers; a team's name in UserTeams.
	ua.Email = "a.renamed@example.com"
	t2.DisplayName = "Alpha Renamed"
	x.update(func(tx store.Tx) error {
		if err := tx.UpdateUser(x.ctx, ua); err != nil {
			return err
		}
		return tx.UpdateTeam(x.ctx, t2)
	})
	members, err := x.s.TeamMembers(x.ctx, t1.ID)
	noErr(t, "TeamMembers", err)
	for _, m := range members {
		if m.UserID == ua.ID {
			equal(t, "member email after UpdateUser", m.Email, ua.Email)
		}
	}
	teams, err := x.s.UserTeams(x.ctx, ua.ID)
	noErr(t, "UserTeams", err)
	expect(t, len(teams) == 2 && teams[0].DisplayName == "Alpha Renamed", "UserTeams after UpdateTeam = %v", teams)

	var removed, again bool
	x.update(func(tx store.Tx) (err error) {
		if removed, err = tx.DeleteMembership(x.ctx, t1.ID, ub.ID); err != nil {
			return err
		}
		again, err = tx.DeleteMembership(x.ctx, t1.ID, ub.ID)
		return err
	})
	expect(t, removed && !again, "DeleteMembership removed = %v then %v, want true then false", removed, again)
	_, err = x.s.GetMembership(x.ctx, t1.ID, ub.ID)
	isErr(t, "GetMembership after DeleteMembership", err, store.ErrNotFound)
	members, err = x.s.TeamMembers(x.ctx, t1.ID)
	noErr(t, "TeamMembers", err)
	expect(t, len(members) == 2, "TeamMembers after DeleteMembership = %v", members)
	// Deleting a membership leaves the user and the team.
	_, err = x.s.GetUser(x.ctx, ub.ID)
	noErr(t, "GetUser after DeleteMembership", err)
	_, err = x.s.GetTeam(x.ctx, t1.ID)
	noErr(t, "GetTeam after DeleteMembership", err)
}

func testMembershipCascade(x *suite) {
	t := x.t
	w := x.world()
	ua := x.user(mkUser(w.E1.ID, w.N1.ID, "a@example.com"))
	ub := x.user(mkUser(w.E1.ID, w.N1.ID, "b@example.com"))
	t1 := x.team(mkTeam(teamID('a', 1), w.E1.ID, w.N1.ID, "One"))
	t2 := x.team(mkTeam(teamID('a', 2), w.E1.ID, w.N1.ID, "Two"))
	for _, m := range []directory.Membership{
		{TeamID: t1.ID, UserID: ua.ID, Status: directory.MembershipPending},
		{TeamID: t1.ID, UserID: ub.ID, Status: directory.MembershipActive},
		{TeamID: t2.ID, UserID: ua.ID, Status: directory.MembershipActive},
		{TeamID: t2.ID, UserID: ub.ID, Status: directory.MembershipPending},
	} {
		x.put(m)
	}
	x.update(func(tx store.Tx) error { return tx.DeleteUser(x.ctx, ub.ID) })
	x.both(func(where string, r store.Reader) {
		for _, tm := range []directory.Team{t1, t2} {
			_, err := r.GetMembership(x.ctx, tm.ID, ub.ID)
			isErr(t, where+": membership of a deleted user", err, store.ErrNotFound)
			members, err := r.TeamMembers(x.ctx, tm.ID)
			noErr(t, where+": TeamMembers", err)
			equal(t, where+": TeamMembers after DeleteUser", ids(members, func(m store.Member) int64 { return m.UserID }), []int64{ua.ID})
		}
		ts, err := r.UserTeams(x.ctx, ub.ID)
		expect(t, err == nil && len(ts) == 0, "%s: UserTeams of a deleted user = %v, %v", where, ts, err)
		pm, err := r.PendingMemberships(x.ctx, w.E1.ID)
		noErr(t, where+": PendingMemberships", err)
		equal(t, where+": PendingMemberships after DeleteUser", pm,
			[]directory.Membership{{TeamID: t1.ID, UserID: ua.ID, Status: directory.MembershipPending}})
	})
	x.update(func(tx store.Tx) error { return tx.DeleteTeam(x.ctx, t1.ID) })
	x.both(func(where string, r store.Reader) {
		_, err := r.GetMembership(x.ctx, t1.ID, ua.ID)
		isErr(t, where+": membership of a deleted team", err, store.ErrNotFound)
		ts, err := r.UserTeams(x.ctx, ua.ID)
		noErr(t, where+": UserTeams", err)
		equal(t, where+": UserTeams after DeleteTeam", len(ts), 1)
		ms, err := r.TeamMembers(x.ctx, t1.ID)
		expect(t, err == nil && len(ms) == 0, "%s: TeamMembers of a deleted team = %v, %v", where, ms, err)
		pm, err := r.PendingMemberships(x.ctx, w.E1.ID)
		expect(t, err == nil && len(pm) == 0, "%s: PendingMemberships after DeleteTeam = %v, %v", where, pm, err)
	})
	// The team's ID can be used again, with no leftover members.
	x.team(mkTeam(t1.ID, w.E1.ID, w.N1.ID, "One again"))
	ms, err := x.s.TeamMembers(x.ctx, t1.ID)
	expect(t, err == nil && len(ms) == 0, "TeamMembers of a re-created team = %v, %v", ms, err)
}

func testPending(x *suite) {
	t := x.t
	w := x.world()
	mk := func(id string, e, n int64, status directory.TeamStatus) directory.Team {
		tm := mkTeam(id, e, n, "Team "+id[:1])
		tm.Status = status
		return x.team(tm)
	}
	p2 := mk(teamID('p', 2), w.E1.ID, w.N1b.ID, directory.TeamPending)
	p1 := mk(teamID('P', 1), w.E1.ID, w.N1.ID, directory.TeamPending)
	a1 := mk(teamID('a', 1), w.E1.ID, w.N1.ID, directory.TeamActive)
	p3 := mk(teamID('q', 3), w.E2.ID, w.N2.ID, directory.TeamPending)
	u1 := x.user(mkUser(w.E1.ID, w.N1.ID, "u1@example.com"))
	u2 := x.user(mkUser(w.E1.ID, w.N1.ID, "u2@example.com"))
	u3 := x.user(mkUser(w.E2.ID, w.N2.ID, "u3@example.com"))
	pend, act := directory.MembershipPending, directory.MembershipActive
	for _, m := range []directory.Membership{
		{TeamID: a1.ID, UserID: u2.ID, Status: pend},
		{TeamID: a1.ID, UserID: u1.ID, Status: pend},
		{TeamID: p1.ID, UserID: u2.ID, Status: pend},
		{TeamID: p1.ID, UserID: u1.ID, Status: act},
		{TeamID: p3.ID, UserID: u3.ID, Status: pend},
	} {
		x.put(m)
	}
	wantE1 := []directory.Membership{
		{TeamID: a1.ID, UserID: u1.ID, Status: pend},
		{TeamID: a1.ID, UserID: u2.ID, Status: pend},
		{TeamID: p1.ID, UserID: u2.ID, Status: pend},
	}
	slices.SortFunc(wantE1, func(a, b directory.Membership) int {
		if c := strings.Compare(a.TeamID, b.TeamID); c != 0 {
			return c
		}
		return cmpInt(a.UserID, b.UserID)
	})
	x.both(func(where string, r store.Reader) {
		ts, err := r.PendingTeams(x.ctx, w.E1.ID)
		noErr(t, where+": PendingTeams", err)
		equal(t, where+": PendingTeams(E1)", ts, []directory.Team{p1, p2})
		ts, err = r.PendingTeams(x.ctx, w.E2.ID)
		noErr(t, where+": PendingTeams E2", err)
		equal(t, where+": PendingTeams(E2)", ts, []directory.Team{p3})
		ms, err := r.PendingMemberships(x.ctx, w.E1.ID)
		noErr(t, where+": PendingMemberships", err)
		equal(t, where+": PendingMemberships(E1)", ms, wantE1)
		ms, err = r.PendingMemberships(x.ctx, w.E2.ID)
		noErr(t, where+": PendingMemberships E2", err)
		equal(t, where+": PendingMemberships(E2)", ms, []directory.Membership{{TeamID: p3.ID, UserID: u3.ID, Status: pend}})
	})
	// Approving takes them out of the queues.
	p1.Status = directory.TeamActive
	x.update(func(tx store.Tx) error {
		if err := tx.UpdateTeam(x.ctx, p1); err != nil {
			return err
		}
		_, err := tx.PutMembership(x.ctx, directory.Membership{TeamID: a1.ID, UserID: u1.ID, Status: act})
		return err
	})
	ts, err := x.s.PendingTeams(x.ctx, w.E1.ID)
	noErr(t, "PendingTeams after approval", err)
	equal(t, "PendingTeams after approval", ts, []directory.Team{p2})
	ms, err := x.s.PendingMemberships(x.ctx, w.E1.ID)
	noErr(t, "PendingMemberships after approval", err)
	equal(t, "PendingMemberships after approval", ms, slices.DeleteFunc(slices.Clone(wantE1), func(m directory.Membership) bool {
		return m.TeamID == a1.ID && m.UserID == u1.ID
	}))
}

func testMissingReferences(x *suite) {
	t := x.t
	w := x.world()
	u := x.user(mkUser(w.E1.ID, w.N1.ID, "u@example.com"))
	tm := x.team(mkTeam(teamID('t', 1), w.E1.ID, w.N1.ID, "T"))
	try := func(what string, fn func(tx store.Tx) error) {
		t.Helper()
		isErr(t, what, x.s.Update(x.ctx, fn), store.ErrNotFound)
	}
	try("PutMembership of a missing team", func(tx store.Tx) error {
		_, err := tx.PutMembership(x.ctx, directory.Membership{TeamID: teamID('m', 9), UserID: u.ID, Status: directory.MembershipActive})
		return err
	})
	try("PutMembership of a missing user", func(tx store.Tx) error {
		_, err := tx.PutMembership(x.ctx, directory.Membership{TeamID: tm.ID, UserID: missingID, Status: directory.MembershipActive})
		return err
	})
	try("CreateUser in a missing enterprise", func(tx store.Tx) error {
		v := mkUser(missingID, w.N1.ID, "nowhere@example.com")
		return tx.CreateUser(x.ctx, &v)
	})
	ms, err := x.s.TeamMembers(x.ctx, tm.ID)
	expect(t, err == nil && len(ms) == 0, "TeamMembers after refused puts = %v, %v", ms, err)
}

func testUpdateAtomicity(x *suite) {
	t := x.t
	w := x.world()
	boom := errors.New("boom")
	var called atomic.Bool
	err := x.s.Update(x.ctx, func(tx store.Tx) error {
		e := directory.Enterprise{Name: "Ghost", Seats: 5, Created: at(0)}
		if err := tx.CreateEnterprise(x.ctx, &e); err != nil {
			return err
		}
		u := mkUser(w.E1.ID, w.N1.ID, "ghost@example.com")
		if err := tx.CreateUser(x.ctx, &u); err != nil {
			return err
		}
		if err := tx.CreateTeam(x.ctx, mkTeam(teamID('g', 1), w.E1.ID, w.N1.ID, "Ghosts")); err != nil {
			return err
		}
		if _, err := tx.PutMembership(x.ctx, directory.Membership{TeamID: teamID('g', 1), UserID: u.ID, Status: directory.MembershipPending}); err != nil {
			return err
		}
		if err := tx.AddDomain(x.ctx, directory.Domain{Name: "ghost.example", EnterpriseID: w.E1.ID}); err != nil {
			return err
		}
		if err := tx.DeleteTeam(x.ctx, teamID('g', 1)); err != nil {
			return err
		}
		n := w.N1
		n.Name = "Haunted"
		if err := tx.UpdateNode(x.ctx, n); err != nil {
			return err
		}
		tx.AfterCommit(func() { called.Store(true) })
		return boom
	})
	expect(t, err == boom, "Update returned %v, want the function's error unchanged", err) //nolint:errorlint // identity is the contract
	expect(t, !called.Load(), "AfterCommit ran for a rolled-back Update")
	es, err := x.s.ListEnterprises(x.ctx)
	noErr(t, "ListEnterprises", err)
	expect(t, len(es) == 2, "enterprises after a rolled-back Update: %v", es)
	_, err = x.s.GetUserByEmail(x.ctx, "ghost@example.com")
	isErr(t, "user of a rolled-back Update", err, store.ErrNotFound)
	_, err = x.s.GetTeam(x.ctx, teamID('g', 1))
	isErr(t, "team of a rolled-back Update", err, store.ErrNotFound)
	_, err = x.s.GetDomain(x.ctx, "ghost.example")
	isErr(t, "domain of a rolled-back Update", err, store.ErrNotFound)
	n, err := x.s.GetNode(x.ctx, w.N1.ID)
	noErr(t, "GetNode", err)
	equal(t, "node after a rolled-back Update", n, w.N1)
	e, err := x.s.GetEnterprise(x.ctx, w.E1.ID)
	noErr(t, "GetEnterprise", err)
	expect(t, e.SeatsUsed == 0, "SeatsUsed after a rolled-back CreateUser = %d", e.SeatsUsed)

	// A store error returned by the function keeps its sentinel.
	x.user(mkUser(w.E1.ID, w.N1.ID, "taken@example.com"))
	err = x.s.Update(x.ctx, func(tx store.Tx) error {
		u := mkUser(w.E2.ID, w.N2.ID, "Taken@example.com")
		if err := tx.CreateUser(x.ctx, &u); err != nil {
			return fmt.Errorf("provisioning: %w", err)
		}
		return nil
	})
	isErr(t, "wrapped CreateUser conflict", err, store.ErrConflict)
}

func testAfterCommitOrder(x *suite) {
	t := x.t
	var mu sync.Mutex
	var order []int
	var returned bool
	record := func(i int) func() {
		return func() {
			mu.Lock()
			defer mu.Unlock()
			expect(t, !returned, "AfterCommit callback %d ran after Update returned", i)
			order = append(order, i)
		}
	}
	x.update(func(tx store.Tx) error {
		e := directory.Enterprise{Name: "E", Seats: 1, Created: at(0)}
		tx.AfterCommit(record(1))
		if err := tx.CreateEnterprise(x.ctx, &e); err != nil {
			return err
		}
		tx.AfterCommit(record(2))
		tx.AfterCommit(record(3))
		return nil
	})
	mu.Lock()
	returned = true
	equal(t, "AfterCommit order in one Update", order, []int{1, 2, 3})
	mu.Unlock()

	// Across concurrent Updates, callbacks run in the order the functions ran.
	var ticket atomic.Int64
	var seq []int64
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- x.s.Update(x.ctx, func(tx store.Tx) error {
				n := ticket.Add(1)
				e := directory.Enterprise{Name: fmt.Sprintf("E%d", n), Seats: 1, Created: at(0)}
				if err := tx.CreateEnterprise(x.ctx, &e); err != nil {
					return err
				}
				tx.AfterCommit(func() {
					mu.Lock()
					defer mu.Unlock()
					seq = append(seq, n)
				})
				return nil
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		noErr(t, "concurrent Update", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if x.opt.Concurrent {
		// Each committed function's callback ran once (retried attempts
		// take new tickets; their callbacks are dropped).
		expect(t, len(seq) == 16, "callbacks of 16 concurrent Updates ran %d times: %v", len(seq), seq)
		seen := map[int64]bool{}
		for _, n := range seq {
			expect(t, !seen[n], "callback of ticket %d ran twice: %v", n, seq)
			seen[n] = true
		}
		return
	}
	expect(t, len(seq) == 16 && slices.IsSorted(seq), "callbacks of concurrent Updates ran in order %v, want 16 in function order", seq)
}

func testConcurrentUpdates(x *suite) {
	t := x.t
	w := x.world()
	const goroutines, each = 16, 8
	var mu sync.Mutex
	calls := map[int64]int{}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				errs <- x.s.Update(x.ctx, func(tx store.Tx) error {
					u := mkUser(w.E1.ID, w.N1.ID, fmt.Sprintf("g%d-%d@example.com", g, i))
					if err := tx.CreateUser(x.ctx, &u); err != nil {
						return err
					}
					if _, err := tx.GetUser(x.ctx, u.ID); err != nil {
						return fmt.Errorf("read own write: %w", err)
					}
					tx.AfterCommit(func() {
						mu.Lock()
						defer mu.Unlock()
						calls[u.ID]++
					})
					return nil
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		noErr(t, "concurrent Update", err)
	}
	users, total, err := x.s.FindUsers(x.ctx, store.UserQuery{NodeID: w.N1.ID})
	noErr(t, "FindUsers", err)
	expect(t, total == goroutines*each && len(users) == total, "found %d users (total %d), want %d", len(users), total, goroutines*each)
	mu.Lock()
	defer mu.Unlock()
	expect(t, len(calls) == goroutines*each, "AfterCommit ran for %d updates, want %d", len(calls), goroutines*each)
	for _, u := range users {
		expect(t, calls[u.ID] == 1, "AfterCommit of user %d ran %d times", u.ID, calls[u.ID])
	}
	e, err := x.s.GetEnterprise(x.ctx, w.E1.ID)
	noErr(t, "GetEnterprise", err)
	expect(t, e.SeatsUsed == goroutines*each, "SeatsUsed = %d, want %d", e.SeatsUsed, goroutines*each)
}

func testConcurrentSameEmail(x *suite) {
	raceSameEmail(x, x.ctx, "race@example.com", "RACE@Example.com")
}

// raceSameEmail creates one address (in two spellings) 16 times at once, in
// two enterprises, each create its own Update with ctx: exactly one wins, the
// others get ErrConflict, and exactly one seat is taken.
func raceSameEmail(x *suite, ctx context.Context, email, upper string) {
	t := x.t
	w := x.world()
	const n = 16
	start := make(chan struct{})
	results := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, node := w.E1.ID, w.N1.ID
			if i%2 == 1 {
				e, node = w.E2.ID, w.N2.ID
			}
			addr := email
			if i%3 == 0 {
				addr = upper
			}
			u := mkUser(e, node, addr)
			<-start
			results <- x.s.Update(ctx, func(tx store.Tx) error { return tx.CreateUser(x.ctx, &u) })
		}()
	}
	close(start)
	wg.Wait()
	close(results)
	ok := 0
	for err := range results {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("concurrent CreateUser of %s: %v, want nil or ErrConflict", email, err)
		}
	}
	expect(t, ok == 1, "%d concurrent creates of %s succeeded, want exactly 1", ok, email)
	e1, err := x.s.GetEnterprise(x.ctx, w.E1.ID)
	noErr(t, "GetEnterprise", err)
	e2, err := x.s.GetEnterprise(x.ctx, w.E2.ID)
	noErr(t, "GetEnterprise", err)
	expect(t, e1.SeatsUsed+e2.SeatsUsed == 1, "seats used after the race of %s: %d + %d, want 1", email, e1.SeatsUsed, e2.SeatsUsed)
}

func testReadYourWrites(x *suite) {
	t := x.t
	x.update(func(tx store.Tx) error {
		ctx := x.ctx
		e := directory.Enterprise{Name: "Fresh", Seats: 5, Created: at(0)}
		if err := tx.CreateEnterprise(ctx, &e); err != nil {
			return err
		}
		n := directory.Node{EnterpriseID: e.ID, Name: "Root"}
		if err := tx.CreateNode(ctx, &n); err != nil {
			return err
		}
		e.RootNode = n.ID
		if err := tx.UpdateEnterprise(ctx, e); err != nil {
			return err
		}
		r := directory.Role{EnterpriseID: e.ID, NodeID: n.ID, Name: "R"}
		if err := tx.CreateRole(ctx, &r); err != nil {
			return err
		}
		if err := tx.AddDomain(ctx, directory.Domain{Name: "fresh.example", EnterpriseID: e.ID}); err != nil {
			return err
		}
		ep := mkEndpoint(e.ID, n.ID)
		if err := tx.PutEndpoint(ctx, ep); err != nil {
			return err
		}
		u := mkUser(e.ID, n.ID, "fresh@example.com")
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		tm := mkTeam(teamID('f', 1), e.ID, n.ID, "Fresh")
		tm.Status = directory.TeamPending
		if err := tx.CreateTeam(ctx, tm); err != nil {
			return err
		}
		m := directory.Membership{TeamID: tm.ID, UserID: u.ID, Status: directory.MembershipPending}
		if _, err := tx.PutMembership(ctx, m); err != nil {
			return err
		}

		got, err := tx.GetEnterprise(ctx, e.ID)
		expect(t, err == nil && got.RootNode == n.ID && got.SeatsUsed == 1, "GetEnterprise in tx = %+v, %v", got, err)
		nodes, err := tx.ListNodes(ctx, e.ID)
		expect(t, err == nil && len(nodes) == 1 && nodes[0] == n, "ListNodes in tx = %v, %v", nodes, err)
		roles, err := tx.ListRoles(ctx, e.ID)
		expect(t, err == nil && len(roles) == 1 && roles[0] == r, "ListRoles in tx = %v, %v", roles, err)
		d, err := tx.GetDomain(ctx, "FRESH.example")
		expect(t, err == nil && d.EnterpriseID == e.ID, "GetDomain in tx = %v, %v", d, err)
		gep, err := tx.GetEndpoint(ctx, n.ID)
		expect(t, err == nil && reflect.DeepEqual(gep, ep), "GetEndpoint in tx = %v, %v", gep, err)
		gu, err := tx.GetUserByEmail(ctx, "Fresh@Example.com")
		expect(t, err == nil && reflect.DeepEqual(gu, u), "GetUserByEmail in tx = %+v, %v", gu, err)
		us, total, err := tx.FindUsers(ctx, store.UserQuery{NodeID: n.ID, Field: store.UserByUserName, Value: "FRESH@example.com"})
		expect(t, err == nil && total == 1 && len(us) == 1, "FindUsers in tx = %v, %d, %v", us, total, err)
		ts, total, err := tx.FindTeams(ctx, store.TeamQuery{NodeID: n.ID})
		expect(t, err == nil && total == 1 && len(ts) == 1 && reflect.DeepEqual(ts[0], tm), "FindTeams in tx = %v, %d, %v", ts, total, err)
		members, err := tx.TeamMembers(ctx, tm.ID)
		expect(t, err == nil && len(members) == 1 && members[0].Email == u.Email, "TeamMembers in tx = %v, %v", members, err)
		uts, err := tx.UserTeams(ctx, u.ID)
		expect(t, err == nil && len(uts) == 1 && uts[0].TeamID == tm.ID, "UserTeams in tx = %v, %v", uts, err)
		pts, err := tx.PendingTeams(ctx, e.ID)
		expect(t, err == nil && len(pts) == 1, "PendingTeams in tx = %v, %v", pts, err)
		pms, err := tx.PendingMemberships(ctx, e.ID)
		expect(t, err == nil && len(pms) == 1 && pms[0] == m, "PendingMemberships in tx = %v, %v", pms, err)

		u.DisplayName = "Updated"
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		gu, err = tx.GetUser(ctx, u.ID)
		expect(t, err == nil && gu.DisplayName == "Updated", "GetUser after UpdateUser in tx = %+v, %v", gu, err)
		if err := tx.DeleteUser(ctx, u.ID); err != nil {
			return err
		}
		_, err = tx.GetUser(ctx, u.ID)
		isErr(t, "GetUser after DeleteUser in tx", err, store.ErrNotFound)
		_, err = tx.GetMembership(ctx, tm.ID, u.ID)
		isErr(t, "GetMembership after DeleteUser in tx", err, store.ErrNotFound)
		got, err = tx.GetEnterprise(ctx, e.ID)
		expect(t, err == nil && got.SeatsUsed == 0, "SeatsUsed after DeleteUser in tx = %d, %v", got.SeatsUsed, err)
		return nil
	})
}
