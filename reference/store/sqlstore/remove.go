package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/provkit/provkit/reference/store"
)

// Removing a node or a whole enterprise: set-based deletes, one statement per
// table, whatever the number of users and teams.

// DeleteNode removes a node that is neither its enterprise's root nor a
// parent, with everything in it: users (their seats freed), teams,
// memberships, roles, the SCIM endpoint, the SSO configuration, its pending
// AuthnRequests and sessions. store.ErrNotFound if there is no such node,
// store.ErrConflict for a root node or a node with sub-nodes. On error nothing
// is removed.
func (t *txn) DeleteNode(ctx context.Context, id int64) error {
	op := fmt.Sprintf("delete node %d", id)
	err := t.atomically(ctx, func() error {
		var entID int64
		var parent sql.NullInt64
		err := t.one(ctx, `SELECT enterprise_id, parent_id FROM nodes WHERE id = ?`, []any{id},
			func(rows *sql.Rows) error { return rows.Scan(&entID, &parent) })
		if err != nil {
			return err
		}
		if !parent.Valid {
			return fmt.Errorf("%w: node %d is its enterprise's root node", store.ErrConflict, id)
		}
		var child int64
		err = t.one(ctx, `SELECT id FROM nodes WHERE parent_id = ? LIMIT 1`, []any{id},
			func(rows *sql.Rows) error { return rows.Scan(&child) })
		switch {
		case err == nil:
			return fmt.Errorf("%w: node %d has the sub-node %d", store.ErrConflict, id, child)
		case err != sql.ErrNoRows:
			return err
		}
		if err := t.dropHotCopies(ctx, entID); err != nil {
			return err
		}
		if err := t.execEach(ctx, id,
			`DELETE FROM memberships WHERE team_id IN (SELECT id FROM teams WHERE node_id = ?)`,
			`DELETE FROM memberships WHERE user_id IN (SELECT id FROM users WHERE node_id = ?)`,
			`DELETE FROM teams WHERE node_id = ?`,
		); err != nil {
			return err
		}
		users, err := t.exec(ctx, `DELETE FROM users WHERE node_id = ?`, id)
		if err != nil {
			return err
		}
		if users > 0 {
			_, err = t.exec(ctx, `UPDATE enterprises SET seats_used = CASE WHEN seats_used > ? THEN seats_used - ? ELSE 0 END
				WHERE id = ?`, users, users, entID)
			if err != nil {
				return err
			}
		}
		if err := t.execEach(ctx, id,
			`DELETE FROM roles WHERE node_id = ?`,
			`DELETE FROM endpoints WHERE node_id = ?`,
			`DELETE FROM sso_configs WHERE node_id = ?`,
			`DELETE FROM sso_requests WHERE node_id = ?`,
			`DELETE FROM sso_sessions WHERE node_id = ?`,
		); err != nil {
			return err
		}
		return mustChange(t.exec(ctx, `DELETE FROM nodes WHERE id = ?`, id))
	})
	if err != nil {
		t.lostToInsert(err)
		return t.fail(op, err)
	}
	return nil
}

// DeleteEnterprise removes an enterprise and everything in it: nodes, users,
// teams, memberships, roles, domains, SCIM endpoints, SSO configurations,
// pending AuthnRequests and sessions. store.ErrNotFound if there is no such
// enterprise. On error nothing is removed.
func (t *txn) DeleteEnterprise(ctx context.Context, id int64) error {
	op := fmt.Sprintf("delete enterprise %d", id)
	err := t.atomically(ctx, func() error {
		var one int
		if err := t.one(ctx, `SELECT 1 FROM enterprises WHERE id = ?`, []any{id},
			func(rows *sql.Rows) error { return rows.Scan(&one) }); err != nil {
			return err
		}
		if err := t.dropHotCopies(ctx, id); err != nil {
			return err
		}
		if err := t.execEach(ctx, id,
			`DELETE FROM sso_requests WHERE node_id IN (SELECT id FROM nodes WHERE enterprise_id = ?)`,
			`DELETE FROM sso_sessions WHERE node_id IN (SELECT id FROM nodes WHERE enterprise_id = ?)`,
			`DELETE FROM memberships WHERE enterprise_id = ?`,
			`DELETE FROM memberships WHERE user_id IN (SELECT id FROM users WHERE enterprise_id = ?)`,
			`DELETE FROM teams WHERE enterprise_id = ?`,
			`DELETE FROM users WHERE enterprise_id = ?`,
			`DELETE FROM sso_configs WHERE enterprise_id = ?`,
			`DELETE FROM endpoints WHERE enterprise_id = ?`,
			`DELETE FROM roles WHERE enterprise_id = ?`,
			`DELETE FROM domains WHERE enterprise_id = ?`,
			`DELETE FROM nodes WHERE enterprise_id = ?`, // one statement: parent links are checked at its end
		); err != nil {
			return err
		}
		return mustChange(t.exec(ctx, `DELETE FROM enterprises WHERE id = ?`, id))
	})
	if err != nil {
		t.lostToInsert(err)
		return t.fail(op, err)
	}
	return nil
}

// dropHotCopies writes back this transaction's write-behind copies
// (writebehind.go) and forgets those of the enterprise's seats and teams,
// so that no later write-back touches rows a delete removed or changed.
func (t *txn) dropHotCopies(ctx context.Context, entID int64) error {
	if !t.writeBehind() {
		return nil
	}
	if err := t.flush(ctx); err != nil {
		return err
	}
	delete(t.seats, entID)
	for id, h := range t.teams {
		if h.team.EnterpriseID == entID {
			delete(t.teams, id)
		}
	}
	return nil
}

// execEach runs each write statement with the one argument id, in order.
func (t *txn) execEach(ctx context.Context, id int64, queries ...string) error {
	for _, q := range queries {
		if _, err := t.exec(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}

// lostToInsert dooms the transaction (PostgreSQL: Update runs it again) when
// a delete failed on a foreign key: the delete removed every row that
// referred to what it deletes, so the reference is a row another
// transaction inserted meanwhile, such as a READ COMMITTED create into the
// node (whose referential check a SERIALIZABLE delete does not turn into a
// serialization failure). Run again, the delete sees that row and removes it.
func (t *txn) lostToInsert(err error) {
	if t.d.concurrent && sqlState(err) == "23503" {
		t.doomed.Store(true)
	}
}
