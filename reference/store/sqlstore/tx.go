package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// txn is the store.Tx given to one Update function: the batch's transaction,
// seen through that function's savepoint.
type txn struct {
	reader

	mu    sync.Mutex
	after []func()

	// PostgreSQL's write-behind copies of hot rows (writebehind.go).
	teams map[string]*hotTeam
	seats map[int64]*hotSeats
}

var _ store.Tx = (*txn)(nil)

func newTx(d *dialect, tx execer) *txn {
	return &txn{reader: reader{d: d, tx: tx, done: new(atomic.Bool), doomed: new(atomic.Bool), inOp: new(atomic.Bool)}}
}

// finish ends the Tx's life (its methods fail from now on) and returns the
// callbacks registered.
func (t *txn) finish() []func() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done.Store(true)
	return t.after
}

// AfterCommit registers f to run once the transaction is durable, after the
// callbacks registered before it. f is not run if the function fails, the
// commit fails, or f is registered after the function returned.
func (t *txn) AfterCommit(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f == nil || t.done.Load() {
		return
	}
	t.after = append(t.after, f)
}

// exec runs one write statement and returns the number of rows it changed.
func (t *txn) exec(ctx context.Context, query string, args ...any) (int64, error) {
	ex, ctx, err := t.conn(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	err = t.write(ctx, func() error {
		res, err := ex.ExecContext(ctx, t.d.q(query), args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// returningID runs an INSERT ... RETURNING id.
func (t *txn) returningID(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	err := t.oneWrite(ctx, query, args, func(rows *sql.Rows) error { return rows.Scan(&id) })
	return id, err
}

// atomically runs fn, a write of several statements, under its own savepoint,
// so that a failing write leaves nothing behind even when the Update function
// goes on after the error. The savepoint statements themselves ignore ctx: a
// cancellation between fn's statements must still roll them back.
func (t *txn) atomically(ctx context.Context, fn func() error) error {
	if _, _, err := t.conn(ctx); err != nil {
		return err
	}
	if t.writeEnforced {
		t.doomed.Store(true)
		return errNotWriteEnforced
	}
	bg := context.WithoutCancel(ctx)
	if _, err := t.tx.ExecContext(bg, "SAVEPOINT op"); err != nil {
		return err
	}
	t.inOp.Store(true)
	err := fn()
	t.inOp.Store(false)
	if err != nil {
		_, rbErr := t.tx.ExecContext(bg, "ROLLBACK TO SAVEPOINT op")
		if rbErr == nil {
			_, rbErr = t.tx.ExecContext(bg, "RELEASE SAVEPOINT op")
		}
		if rbErr != nil {
			return errors.Join(err, fmt.Errorf("rollback to savepoint: %w", rbErr))
		}
		return err
	}
	if _, err := t.tx.ExecContext(bg, "RELEASE SAVEPOINT op"); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

// mustChange turns "no row changed" into sql.ErrNoRows.
func mustChange(n int64, err error) error {
	if err == nil && n == 0 {
		return sql.ErrNoRows
	}
	return err
}

// times formats ts for storage, failing on the first out-of-range one.
func times(ts ...time.Time) ([]string, error) {
	out := make([]string, len(ts))
	for i, t := range ts {
		s, err := formatTime(t)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// CreateEnterprise stores e, assigning e.ID; e.SeatsUsed becomes 0.
func (t *txn) CreateEnterprise(ctx context.Context, e *directory.Enterprise) error {
	if e == nil {
		return errors.New("sqlstore: create enterprise: nil enterprise")
	}
	ts, err := times(e.Created)
	if err != nil {
		return t.fail("create enterprise", err)
	}
	var id int64
	insert := func() (err error) {
		id, err = t.returningID(ctx, `INSERT INTO enterprises (name, seats, seats_used, root_node_id, created)
			VALUES (?, ?, 0, ?, ?) RETURNING id`, e.Name, e.Seats, e.RootNode, ts[0])
		return err
	}
	if t.writeBehind() {
		err = t.atomically(ctx, func() error {
			if err := insert(); err != nil {
				return err
			}
			return t.makePools(ctx, id) // seats.go
		})
	} else {
		err = insert()
	}
	if err != nil {
		return t.fail("create enterprise", err)
	}
	e.ID, e.SeatsUsed = id, 0
	return nil
}

// UpdateEnterprise stores e's Name, Seats and RootNode.
func (t *txn) UpdateEnterprise(ctx context.Context, e directory.Enterprise) error {
	if err := t.flushSeats(ctx); err != nil {
		return err
	}
	delete(t.seats, e.ID) // Seats may change: the next seat taken reads them again
	err := mustChange(t.exec(ctx, `UPDATE enterprises SET name = ?, seats = ?, root_node_id = ? WHERE id = ?`,
		e.Name, e.Seats, e.RootNode, e.ID))
	if err == nil && t.writeBehind() {
		err = t.drainPools(ctx, e.ID) // seats.go: the pools hold no seat the new limit does not allow
	}
	if err != nil {
		return t.fail(fmt.Sprintf("update enterprise %d", e.ID), err)
	}
	return nil
}

// nullID stores the ID 0 ("none") as NULL, for nullable foreign keys.
func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// CreateNode stores n, assigning n.ID. Its enterprise and parent (ParentID 0
// for a root) must exist (store.ErrNotFound).
func (t *txn) CreateNode(ctx context.Context, n *directory.Node) error {
	if n == nil {
		return errors.New("sqlstore: create node: nil node")
	}
	settings, err := json.Marshal(n.Settings)
	if err != nil {
		return t.fail("create node", err)
	}
	id, err := t.returningID(ctx, `INSERT INTO nodes (enterprise_id, parent_id, name, default_role_id, settings)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, n.EnterpriseID, nullID(n.ParentID), n.Name, n.DefaultRoleID, string(settings))
	if err != nil {
		return t.fail("create node", err)
	}
	n.ID = id
	return nil
}

// UpdateNode stores n's Name, DefaultRoleID and Settings.
func (t *txn) UpdateNode(ctx context.Context, n directory.Node) error {
	settings, err := json.Marshal(n.Settings)
	if err != nil {
		return t.fail(fmt.Sprintf("update node %d", n.ID), err)
	}
	err = mustChange(t.exec(ctx, `UPDATE nodes SET name = ?, default_role_id = ?, settings = ? WHERE id = ?`,
		n.Name, n.DefaultRoleID, string(settings), n.ID))
	if err != nil {
		return t.fail(fmt.Sprintf("update node %d", n.ID), err)
	}
	return nil
}

// CreateRole stores r, assigning r.ID.
func (t *txn) CreateRole(ctx context.Context, r *directory.Role) error {
	if r == nil {
		return errors.New("sqlstore: create role: nil role")
	}
	id, err := t.returningID(ctx, `INSERT INTO roles (enterprise_id, node_id, name) VALUES (?, ?, ?) RETURNING id`,
		r.EnterpriseID, r.NodeID, r.Name)
	if err != nil {
		return t.fail("create role", err)
	}
	r.ID = id
	return nil
}

// AddDomain reserves d.Name for d.EnterpriseID; store.ErrConflict if any
// enterprise holds it, in any case.
func (t *txn) AddDomain(ctx context.Context, d directory.Domain) error {
	_, err := t.exec(ctx, `INSERT INTO domains (name_key, name, enterprise_id) VALUES (?, ?, ?)`,
		fold(d.Name), d.Name, d.EnterpriseID)
	if err != nil {
		return t.fail(fmt.Sprintf("add domain %q", d.Name), err)
	}
	return nil
}

// RemoveDomain frees a reserved domain (case-insensitive), or returns
// store.ErrNotFound.
func (t *txn) RemoveDomain(ctx context.Context, name string) error {
	if err := mustChange(t.exec(ctx, `DELETE FROM domains WHERE name_key = ?`, fold(name))); err != nil {
		return t.fail(fmt.Sprintf("remove domain %q", name), err)
	}
	return nil
}

// PutEndpoint creates or replaces (every field) the endpoint of e.NodeID.
func (t *txn) PutEndpoint(ctx context.Context, e directory.Endpoint) error {
	op := fmt.Sprintf("put endpoint of node %d", e.NodeID)
	ts, err := times(e.Created, e.Rotated)
	if err != nil {
		return t.fail(op, err)
	}
	_, err = t.exec(ctx, `INSERT INTO endpoints (node_id, enterprise_id, token_hash, status, unique_group_names, created, rotated)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (node_id) DO UPDATE SET enterprise_id = excluded.enterprise_id, token_hash = excluded.token_hash,
			status = excluded.status, unique_group_names = excluded.unique_group_names,
			created = excluded.created, rotated = excluded.rotated`,
		e.NodeID, e.EnterpriseID, e.TokenHash, string(e.Status), e.UniqueGroupNames, ts[0], ts[1])
	if err != nil {
		return t.fail(op, err)
	}
	return nil
}

// DeleteEndpoint removes the endpoint of a node, or returns store.ErrNotFound.
func (t *txn) DeleteEndpoint(ctx context.Context, nodeID int64) error {
	if err := mustChange(t.exec(ctx, `DELETE FROM endpoints WHERE node_id = ?`, nodeID)); err != nil {
		return t.fail(fmt.Sprintf("delete endpoint of node %d", nodeID), err)
	}
	return nil
}

// userValues are the stored forms of u's mutable fields, in the column order
// of the INSERT and UPDATE below.
func userValues(u *directory.User) ([]any, error) {
	emails, err := json.Marshal(u.Emails)
	if err != nil {
		return nil, err
	}
	ts, err := times(u.Modified)
	if err != nil {
		return nil, err
	}
	return []any{u.NodeID, u.RoleID, u.Email, fold(u.Email), u.UserName, fold(u.UserName), u.GivenName,
		u.FamilyName, u.DisplayName, u.ExternalID, string(emails), string(u.Status), u.Locked, u.Version, ts[0], u.Extra}, nil
}

// CreateUser stores u, assigning u.ID, and takes one of its enterprise's
// seats: store.ErrNoSeats when none is left, store.ErrConflict when another
// user (of any enterprise) has the same email in any case, store.ErrNotFound
// when its enterprise or node does not exist. On error nothing is written.
func (t *txn) CreateUser(ctx context.Context, u *directory.User) error {
	if u == nil {
		return errors.New("sqlstore: create user: nil user")
	}
	op := fmt.Sprintf("create user %q in enterprise %d", u.Email, u.EnterpriseID)
	vals, err := userValues(u)
	if err != nil {
		return t.fail(op, err)
	}
	created, err := formatTime(u.Created)
	if err != nil {
		return t.fail(op, err)
	}
	var id int64
	if t.writeEnforced {
		err = t.createUserRC(ctx, u, vals, created, &id)
	} else if t.writeBehind() {
		err = t.atomically(ctx, func() error {
			if err := t.takeSeat(ctx, u.EnterpriseID); err != nil {
				return err
			}
			id, err = t.returningID(ctx, `INSERT INTO users (node_id, role_id, email, email_key, user_name, user_name_key,
				given_name, family_name, display_name, external_id, emails, status, locked, version, modified, extra, enterprise_id, created)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				append(vals, u.EnterpriseID, created)...)
			if err != nil {
				if h := t.seats[u.EnterpriseID]; h != nil && h.dirty {
					h.used-- // the copy's seat; a real UPDATE is undone by the savepoint
				} else {
					delete(t.seats, u.EnterpriseID)
				}
			}
			return err
		})
	} else {
		err = t.atomically(ctx, func() error {
			return t.createUserSQLite(ctx, u, vals, created, &id)
		})
	}
	if errors.Is(err, store.ErrNoSeats) {
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrNoSeats)
	}
	if err != nil {
		return t.fail(op, err)
	}
	u.ID = id
	return nil
}

// createUserSQLite takes a seat and inserts u (inside atomically).
func (t *txn) createUserSQLite(ctx context.Context, u *directory.User, vals []any, created string, id *int64) error {
	{
		n, err := t.exec(ctx, `UPDATE enterprises SET seats_used = seats_used + 1 WHERE id = ? AND seats_used < seats`, u.EnterpriseID)
		if err != nil {
			return err
		}
		if n == 0 {
			var one int
			err := t.one(ctx, `SELECT 1 FROM enterprises WHERE id = ?`, []any{u.EnterpriseID},
				func(rows *sql.Rows) error { return rows.Scan(&one) })
			if err != nil {
				return err // sql.ErrNoRows: no such enterprise
			}
			return store.ErrNoSeats
		}
		*id, err = t.returningID(ctx, `INSERT INTO users (node_id, role_id, email, email_key, user_name, user_name_key,
			given_name, family_name, display_name, external_id, emails, status, locked, version, modified, extra, enterprise_id, created)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			append(vals, u.EnterpriseID, created)...)
		return err
	}
}

// UpdateUser stores every field of u but ID, EnterpriseID and Created:
// store.ErrNotFound if there is no user u.ID, store.ErrConflict if its new
// email is another user's.
func (t *txn) UpdateUser(ctx context.Context, u directory.User) error {
	op := fmt.Sprintf("update user %d", u.ID)
	vals, err := userValues(&u)
	if err != nil {
		return t.fail(op, err)
	}
	err = mustChange(t.exec(ctx, `UPDATE users SET node_id = ?, role_id = ?, email = ?, email_key = ?, user_name = ?,
		user_name_key = ?, given_name = ?, family_name = ?, display_name = ?, external_id = ?, emails = ?, status = ?,
		locked = ?, version = ?, modified = ?, extra = ? WHERE id = ?`, append(vals, u.ID)...))
	if err != nil {
		return t.fail(op, err)
	}
	return nil
}

// DeleteUser removes a user and its memberships and frees its seat, or
// returns store.ErrNotFound.
func (t *txn) DeleteUser(ctx context.Context, id int64) error {
	err := t.atomically(ctx, func() error {
		var enterpriseID int64
		err := t.oneWrite(ctx, `DELETE FROM users WHERE id = ? RETURNING enterprise_id`, []any{id},
			func(rows *sql.Rows) error { return rows.Scan(&enterpriseID) })
		if err != nil {
			return err
		}
		if t.writeBehind() {
			return t.giveSeat(ctx, enterpriseID)
		}
		_, err = t.exec(ctx, `UPDATE enterprises SET seats_used = CASE WHEN seats_used > 0 THEN seats_used - 1 ELSE 0 END
			WHERE id = ?`, enterpriseID)
		return err
	})
	if err != nil {
		return t.fail(fmt.Sprintf("delete user %d", id), err)
	}
	return nil
}

// CreateTeam stores tm under the ID the caller chose: store.ErrConflict if it
// is taken.
func (t *txn) CreateTeam(ctx context.Context, tm directory.Team) error {
	op := fmt.Sprintf("create team %q", tm.ID)
	if tm.ID == "" {
		return fmt.Errorf("sqlstore: %s: empty team ID", op)
	}
	ts, err := times(tm.Created, tm.Modified)
	if err != nil {
		return t.fail(op, err)
	}
	_, err = t.exec(ctx, `INSERT INTO teams (id, enterprise_id, node_id, display_name, display_name_key, external_id,
		status, version, created, modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tm.ID, tm.EnterpriseID, tm.NodeID, tm.DisplayName, fold(tm.DisplayName), tm.ExternalID, string(tm.Status),
		tm.Version, ts[0], ts[1])
	if err != nil {
		return t.fail(op, err)
	}
	return nil
}

// UpdateTeam stores every field of tm but ID, EnterpriseID and Created, or
// returns store.ErrNotFound.
func (t *txn) UpdateTeam(ctx context.Context, tm directory.Team) error {
	if t.writeBehind() {
		return t.updateTeamBehind(ctx, tm)
	}
	op := fmt.Sprintf("update team %q", tm.ID)
	ts, err := times(tm.Modified)
	if err != nil {
		return t.fail(op, err)
	}
	err = mustChange(t.exec(ctx, `UPDATE teams SET node_id = ?, display_name = ?, display_name_key = ?, external_id = ?,
		status = ?, version = ?, modified = ? WHERE id = ?`,
		tm.NodeID, tm.DisplayName, fold(tm.DisplayName), tm.ExternalID, string(tm.Status), tm.Version, ts[0], tm.ID))
	if err != nil {
		return t.fail(op, err)
	}
	return nil
}

// DeleteTeam removes a team and its memberships, or returns
// store.ErrNotFound.
func (t *txn) DeleteTeam(ctx context.Context, id string) error {
	delete(t.teams, id) // a dirty copy of a deleted row has nothing to write
	if err := mustChange(t.exec(ctx, `DELETE FROM teams WHERE id = ?`, id)); err != nil {
		return t.fail(fmt.Sprintf("delete team %q", id), err)
	}
	return nil
}

// PutMembership inserts m, or updates its status; created reports an
// insert. store.ErrNotFound if the team or the user does not exist. Either
// way it is one single-row statement on the (team_id, user_id) key.
func (t *txn) PutMembership(ctx context.Context, m directory.Membership) (bool, error) {
	op := fmt.Sprintf("put membership of user %d in team %q", m.UserID, m.TeamID)
	if t.d.concurrent {
		// PostgreSQL: one statement (each write costs a savepoint round
		// trip there); xmax is 0 on a row this statement inserted.
		var created bool
		err := t.oneWrite(ctx, `INSERT INTO memberships (team_id, user_id, enterprise_id, status)
			SELECT id, CAST(? AS BIGINT), enterprise_id, CAST(? AS TEXT) FROM teams WHERE id = ?
			ON CONFLICT (team_id, user_id) DO UPDATE SET status = excluded.status
			RETURNING (xmax = 0)`, []any{m.UserID, string(m.Status), m.TeamID},
			func(rows *sql.Rows) error { return rows.Scan(&created) })
		if err != nil {
			return false, t.fail(op, err) // no row: no team (sql.ErrNoRows)
		}
		return created, nil
	}
	n, err := t.exec(ctx, `UPDATE memberships SET status = ? WHERE team_id = ? AND user_id = ?`,
		string(m.Status), m.TeamID, m.UserID)
	if err != nil {
		return false, t.fail(op, err)
	}
	if n > 0 {
		return false, nil
	}
	// The team's enterprise comes along; no team, no row.
	err = mustChange(t.exec(ctx, `INSERT INTO memberships (team_id, user_id, enterprise_id, status)
		SELECT id, CAST(? AS BIGINT), enterprise_id, CAST(? AS TEXT) FROM teams WHERE id = ?`, m.UserID, string(m.Status), m.TeamID))
	if err != nil {
		return false, t.fail(op, err)
	}
	return true, nil
}

// DeleteMembership removes a membership; removed is false if there was none.
func (t *txn) DeleteMembership(ctx context.Context, teamID string, userID int64) (bool, error) {
	n, err := t.exec(ctx, `DELETE FROM memberships WHERE team_id = ? AND user_id = ?`, teamID, userID)
	if err != nil {
		return false, t.fail(fmt.Sprintf("delete membership of user %d in team %q", userID, teamID), err)
	}
	return n > 0, nil
}
