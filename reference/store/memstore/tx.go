package memstore

import (
	"context"
	"errors"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// tx is the store.Tx that Update hands to its caller. Reads go to the inner
// transaction. Each write goes to the inner transaction; then the rows it
// changed are read back through that transaction (on success, and also on
// failure, when the caller may still commit whatever the failed call left)
// and recorded as an op; apply, registered as the inner transaction's first
// AfterCommit callback, replays the ops on memory under the write lock.
type tx struct {
	s   *Store
	in  store.Tx
	ops []func(*state)
	// broken is the first error met reading a write's result back: memory
	// cannot follow such a transaction, so Update refuses to commit it.
	broken error
}

var _ store.Tx = (*tx)(nil)

func (t *tx) apply() {
	if len(t.ops) == 0 {
		return
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	for _, op := range t.ops {
		op(t.s.st)
	}
	t.ops = nil
}

func (t *tx) record(op func(*state)) { t.ops = append(t.ops, op) }

// done combines a write's error with the errors of reading its result back:
// the write's own error wins; a read-back error breaks the transaction.
func (t *tx) done(err error, readBack ...error) error {
	for _, rerr := range readBack {
		if rerr == nil {
			continue
		}
		if t.broken == nil {
			t.broken = rerr
		}
		if err == nil {
			err = rerr
		}
	}
	return err
}

// AfterCommit passes f to the inner transaction; it runs after memory
// reflects the transaction.
func (t *tx) AfterCommit(f func()) { t.in.AfterCommit(f) }

// ---- read-back: record the state of one row as the inner tx sees it ----

func (t *tx) refreshEnterprise(ctx context.Context, id int64) error {
	e, err := t.in.GetEnterprise(ctx, id)
	switch {
	case err == nil:
		t.record(func(st *state) { st.putEnterprise(e) })
	case errors.Is(err, store.ErrNotFound):
		t.record(func(st *state) { st.delEnterprise(id) })
	default:
		return err
	}
	return nil
}

func (t *tx) refreshNode(ctx context.Context, id int64) error {
	n, err := t.in.GetNode(ctx, id)
	switch {
	case err == nil:
		t.record(func(st *state) { st.putNode(n) })
	case errors.Is(err, store.ErrNotFound):
		t.record(func(st *state) { st.delNode(id) })
	default:
		return err
	}
	return nil
}

func (t *tx) refreshRole(ctx context.Context, id int64) error {
	r, err := t.in.GetRole(ctx, id)
	switch {
	case err == nil:
		t.record(func(st *state) { st.putRole(r) })
	case errors.Is(err, store.ErrNotFound):
		t.record(func(st *state) { st.delRole(id) })
	default:
		return err
	}
	return nil
}

func (t *tx) refreshDomain(ctx context.Context, name string) error {
	d, err := t.in.GetDomain(ctx, name)
	switch {
	case err == nil:
		t.record(func(st *state) { st.putDomain(d) })
	case errors.Is(err, store.ErrNotFound):
		t.record(func(st *state) { st.delDomain(name) })
	default:
		return err
	}
	return nil
}

func (t *tx) refreshEndpoint(ctx context.Context, nodeID int64) error {
	ep, err := t.in.GetEndpoint(ctx, nodeID)
	switch {
	case err == nil:
		t.record(func(st *state) { st.putEndpoint(ep) })
	case errors.Is(err, store.ErrNotFound):
		t.record(func(st *state) { st.delEndpoint(nodeID) })
	default:
		return err
	}
	return nil
}

func (t *tx) refreshUser(ctx context.Context, id int64) (directory.User, error) {
	u, err := t.in.GetUser(ctx, id)
	switch {
	case err == nil:
		t.record(func(st *state) { st.putUser(u) })
	case errors.Is(err, store.ErrNotFound):
		t.record(func(st *state) { st.delUser(id) })
	default:
		return u, err
	}
	return u, nil
}

func (t *tx) refreshTeam(ctx context.Context, id string) error {
	tm, err := t.in.GetTeam(ctx, id)
	switch {
	case err == nil:
		t.record(func(st *state) { st.putTeam(tm) })
	case errors.Is(err, store.ErrNotFound):
		t.record(func(st *state) { st.delTeam(id) })
	default:
		return err
	}
	return nil
}

func (t *tx) refreshMembership(ctx context.Context, teamID string, userID int64) error {
	m, err := t.in.GetMembership(ctx, teamID, userID)
	switch {
	case err == nil:
		t.record(func(st *state) { st.putMembership(teamID, userID, m.Status) })
	case errors.Is(err, store.ErrNotFound):
		t.record(func(st *state) { st.delMembership(teamID, userID) })
	default:
		return err
	}
	return nil
}

func (t *tx) refreshUserTeams(ctx context.Context, userID int64) error {
	uts, err := t.in.UserTeams(ctx, userID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	t.record(func(st *state) { st.syncUserTeams(userID, uts) })
	return nil
}

func (t *tx) refreshTeamMembers(ctx context.Context, teamID string) error {
	ms, err := t.in.TeamMembers(ctx, teamID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	t.record(func(st *state) { st.syncTeamMembers(teamID, ms) })
	return nil
}

// ---- writes ----

func (t *tx) CreateEnterprise(ctx context.Context, e *directory.Enterprise) error {
	err := t.in.CreateEnterprise(ctx, e)
	if e.ID == 0 {
		return err // nothing was assigned, nothing to read back
	}
	return t.done(err, t.refreshEnterprise(ctx, e.ID))
}

func (t *tx) UpdateEnterprise(ctx context.Context, e directory.Enterprise) error {
	err := t.in.UpdateEnterprise(ctx, e)
	return t.done(err, t.refreshEnterprise(ctx, e.ID))
}

func (t *tx) CreateNode(ctx context.Context, n *directory.Node) error {
	err := t.in.CreateNode(ctx, n)
	if n.ID == 0 {
		return err
	}
	return t.done(err, t.refreshNode(ctx, n.ID))
}

func (t *tx) UpdateNode(ctx context.Context, n directory.Node) error {
	err := t.in.UpdateNode(ctx, n)
	return t.done(err, t.refreshNode(ctx, n.ID))
}

func (t *tx) CreateRole(ctx context.Context, r *directory.Role) error {
	err := t.in.CreateRole(ctx, r)
	if r.ID == 0 {
		return err
	}
	return t.done(err, t.refreshRole(ctx, r.ID))
}

func (t *tx) AddDomain(ctx context.Context, d directory.Domain) error {
	err := t.in.AddDomain(ctx, d)
	return t.done(err, t.refreshDomain(ctx, d.Name))
}

func (t *tx) RemoveDomain(ctx context.Context, name string) error {
	err := t.in.RemoveDomain(ctx, name)
	if err == nil {
		t.record(func(st *state) { st.delDomain(name) })
		return nil
	}
	return t.done(err, t.refreshDomain(ctx, name))
}

func (t *tx) PutEndpoint(ctx context.Context, e directory.Endpoint) error {
	err := t.in.PutEndpoint(ctx, e)
	return t.done(err, t.refreshEndpoint(ctx, e.NodeID))
}

func (t *tx) DeleteEndpoint(ctx context.Context, nodeID int64) error {
	err := t.in.DeleteEndpoint(ctx, nodeID)
	if err == nil {
		t.record(func(st *state) { st.delEndpoint(nodeID) })
		return nil
	}
	return t.done(err, t.refreshEndpoint(ctx, nodeID))
}

// CreateUser records the new user and its enterprise's new seat count.
func (t *tx) CreateUser(ctx context.Context, u *directory.User) error {
	err := t.in.CreateUser(ctx, u)
	var uerr, eerr error
	entID := u.EnterpriseID
	if u.ID != 0 {
		var got directory.User
		got, uerr = t.refreshUser(ctx, u.ID)
		if got.EnterpriseID != 0 {
			entID = got.EnterpriseID
		}
	}
	if entID != 0 {
		eerr = t.refreshEnterprise(ctx, entID) // SeatsUsed
	}
	return t.done(err, uerr, eerr)
}

func (t *tx) UpdateUser(ctx context.Context, u directory.User) error {
	err := t.in.UpdateUser(ctx, u)
	_, rerr := t.refreshUser(ctx, u.ID)
	return t.done(err, rerr)
}

// DeleteUser records the user's removal, which takes its memberships with
// it (replayed on memory), and its enterprise's freed seat.
func (t *tx) DeleteUser(ctx context.Context, id int64) error {
	var entID int64
	if u, err := t.in.GetUser(ctx, id); err == nil {
		entID = u.EnterpriseID
	}
	err := t.in.DeleteUser(ctx, id)
	var eerr error
	if err == nil {
		t.record(func(st *state) { st.delUser(id) })
	} else {
		// Whatever a failed call left behind is what the caller may commit.
		_, uerr := t.refreshUser(ctx, id)
		merr := t.refreshUserTeams(ctx, id)
		if uerr != nil || merr != nil {
			return t.done(err, uerr, merr)
		}
	}
	if entID != 0 {
		eerr = t.refreshEnterprise(ctx, entID)
	}
	return t.done(err, eerr)
}

func (t *tx) CreateTeam(ctx context.Context, tm directory.Team) error {
	err := t.in.CreateTeam(ctx, tm)
	return t.done(err, t.refreshTeam(ctx, tm.ID))
}

func (t *tx) UpdateTeam(ctx context.Context, tm directory.Team) error {
	err := t.in.UpdateTeam(ctx, tm)
	return t.done(err, t.refreshTeam(ctx, tm.ID))
}

// DeleteTeam records the team's removal, which takes its memberships with
// it (replayed on memory).
func (t *tx) DeleteTeam(ctx context.Context, id string) error {
	err := t.in.DeleteTeam(ctx, id)
	if err == nil {
		t.record(func(st *state) { st.delTeam(id) })
		return nil
	}
	terr := t.refreshTeam(ctx, id)
	if terr != nil {
		return t.done(err, terr)
	}
	return t.done(err, t.refreshTeamMembers(ctx, id))
}

func (t *tx) PutMembership(ctx context.Context, m directory.Membership) (bool, error) {
	created, err := t.in.PutMembership(ctx, m)
	if err == nil {
		t.record(func(st *state) { st.putMembership(m.TeamID, m.UserID, m.Status) })
		return created, nil
	}
	return created, t.done(err, t.refreshMembership(ctx, m.TeamID, m.UserID))
}

func (t *tx) DeleteMembership(ctx context.Context, teamID string, userID int64) (bool, error) {
	removed, err := t.in.DeleteMembership(ctx, teamID, userID)
	if err == nil {
		t.record(func(st *state) { st.delMembership(teamID, userID) })
		return removed, nil
	}
	return removed, t.done(err, t.refreshMembership(ctx, teamID, userID))
}

// ---- reads: the inner transaction's, which see its own writes ----

func (t *tx) GetEnterprise(ctx context.Context, id int64) (directory.Enterprise, error) {
	return t.in.GetEnterprise(ctx, id)
}

func (t *tx) ListEnterprises(ctx context.Context) ([]directory.Enterprise, error) {
	return t.in.ListEnterprises(ctx)
}

func (t *tx) GetNode(ctx context.Context, id int64) (directory.Node, error) {
	return t.in.GetNode(ctx, id)
}

func (t *tx) ListNodes(ctx context.Context, enterpriseID int64) ([]directory.Node, error) {
	return t.in.ListNodes(ctx, enterpriseID)
}

func (t *tx) GetRole(ctx context.Context, id int64) (directory.Role, error) {
	return t.in.GetRole(ctx, id)
}

func (t *tx) ListRoles(ctx context.Context, enterpriseID int64) ([]directory.Role, error) {
	return t.in.ListRoles(ctx, enterpriseID)
}

func (t *tx) GetDomain(ctx context.Context, name string) (directory.Domain, error) {
	return t.in.GetDomain(ctx, name)
}

func (t *tx) ListDomains(ctx context.Context, enterpriseID int64) ([]directory.Domain, error) {
	return t.in.ListDomains(ctx, enterpriseID)
}

func (t *tx) GetEndpoint(ctx context.Context, nodeID int64) (directory.Endpoint, error) {
	return t.in.GetEndpoint(ctx, nodeID)
}

func (t *tx) ListEndpoints(ctx context.Context, enterpriseID int64) ([]directory.Endpoint, error) {
	return t.in.ListEndpoints(ctx, enterpriseID)
}

func (t *tx) GetUser(ctx context.Context, id int64) (directory.User, error) {
	return t.in.GetUser(ctx, id)
}

func (t *tx) GetUserByEmail(ctx context.Context, email string) (directory.User, error) {
	return t.in.GetUserByEmail(ctx, email)
}

func (t *tx) FindUsers(ctx context.Context, q store.UserQuery) ([]directory.User, int, error) {
	return t.in.FindUsers(ctx, q)
}

func (t *tx) GetTeam(ctx context.Context, id string) (directory.Team, error) {
	return t.in.GetTeam(ctx, id)
}

func (t *tx) FindTeams(ctx context.Context, q store.TeamQuery) ([]directory.Team, int, error) {
	return t.in.FindTeams(ctx, q)
}

func (t *tx) GetMembership(ctx context.Context, teamID string, userID int64) (directory.Membership, error) {
	return t.in.GetMembership(ctx, teamID, userID)
}

func (t *tx) TeamMembers(ctx context.Context, teamID string) ([]store.Member, error) {
	return t.in.TeamMembers(ctx, teamID)
}

func (t *tx) UserTeams(ctx context.Context, userID int64) ([]store.UserTeam, error) {
	return t.in.UserTeams(ctx, userID)
}

func (t *tx) TeamsMembers(ctx context.Context, teamIDs []string) (map[string][]store.Member, error) {
	return t.in.TeamsMembers(ctx, teamIDs)
}

func (t *tx) UsersTeams(ctx context.Context, userIDs []int64) (map[int64][]store.UserTeam, error) {
	return t.in.UsersTeams(ctx, userIDs)
}

func (t *tx) PendingTeams(ctx context.Context, enterpriseID int64) ([]directory.Team, error) {
	return t.in.PendingTeams(ctx, enterpriseID)
}

func (t *tx) PendingMemberships(ctx context.Context, enterpriseID int64) ([]directory.Membership, error) {
	return t.in.PendingMemberships(ctx, enterpriseID)
}
