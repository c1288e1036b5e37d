package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// Write-behind of hot rows (PostgreSQL).
//
// PostgreSQL keeps every version of a row a transaction updates until the
// transaction ends, and each UPDATE walks them: updating one row n times in a
// transaction costs O(n²) (10,000 updates of one row: 11 s on a laptop). The
// directory service updates two rows once per item of a bulk change: the
// team's version once per member added (POST /Groups of 10,000 members) and
// the enterprise's seat count once per user created. So, inside an Update on
// PostgreSQL, the first write of such a row is a real UPDATE (which locks
// the row and returns its stored form), and later ones only change the
// transaction's copy, written back in one UPDATE before any statement that
// reads the table and before COMMIT. Reads of the row by key inside the
// transaction answer from the copy.

// hotTeam is a team this transaction updated: its stored form, and whether
// the copy has changes not yet written.
type hotTeam struct {
	team  directory.Team
	dirty bool
}

// hotSeats is an enterprise whose seat count this transaction changed.
type hotSeats struct {
	seats, used int
	dirty       bool
}

func (t *txn) writeBehind() bool { return t.d.concurrent }

// flush writes every dirty copy back.
func (t *txn) flush(ctx context.Context) error {
	if err := t.flushTeams(ctx); err != nil {
		return err
	}
	return t.flushSeats(ctx)
}

func (t *txn) flushTeams(ctx context.Context) error {
	for id, h := range t.teams {
		if !h.dirty {
			continue
		}
		tm := h.team
		ts, err := times(tm.Modified)
		if err != nil {
			return err
		}
		err = mustChange(t.exec(ctx, `UPDATE teams SET node_id = ?, display_name = ?, display_name_key = ?, external_id = ?,
			status = ?, version = ?, modified = ? WHERE id = ?`,
			tm.NodeID, tm.DisplayName, fold(tm.DisplayName), tm.ExternalID, string(tm.Status), tm.Version, ts[0], tm.ID))
		if err != nil {
			return t.fail(fmt.Sprintf("update team %q", id), err)
		}
		h.dirty = false
	}
	return nil
}

func (t *txn) flushSeats(ctx context.Context) error {
	for id, h := range t.seats {
		if !h.dirty {
			continue
		}
		err := mustChange(t.exec(ctx, `UPDATE enterprises SET seats_used = ? WHERE id = ?`, h.used, id))
		if err != nil {
			return t.fail(fmt.Sprintf("update seats of enterprise %d", id), err)
		}
		h.dirty = false
	}
	return nil
}

// updateTeamBehind is UpdateTeam on PostgreSQL.
func (t *txn) updateTeamBehind(ctx context.Context, tm directory.Team) error {
	op := fmt.Sprintf("update team %q", tm.ID)
	ts, err := times(tm.Modified)
	if err != nil {
		return t.fail(op, err)
	}
	if _, _, err := t.conn(ctx); err != nil {
		return t.fail(op, err)
	}
	if h := t.teams[tm.ID]; h != nil && h.team.NodeID == tm.NodeID {
		// A later write of a row this transaction holds: the copy. (A node
		// change is written at once: its foreign key is checked now.)
		cur := h.team
		cur.DisplayName, cur.ExternalID, cur.Status, cur.Version = tm.DisplayName, tm.ExternalID, tm.Status, tm.Version
		cur.Modified, err = parseTime(ts[0])
		if err != nil {
			return t.fail(op, err)
		}
		h.team, h.dirty = cur, true
		return nil
	}
	if err := t.flushTeams(ctx); err != nil {
		return err
	}
	var stored directory.Team
	err = t.oneWrite(ctx, `UPDATE teams SET node_id = ?, display_name = ?, display_name_key = ?, external_id = ?,
		status = ?, version = ?, modified = ? WHERE id = ? RETURNING `+teamCols,
		[]any{tm.NodeID, tm.DisplayName, fold(tm.DisplayName), tm.ExternalID, string(tm.Status), tm.Version, ts[0], tm.ID},
		func(rows *sql.Rows) (err error) { stored, err = scanTeam(rows); return err })
	if err != nil {
		return t.fail(op, err)
	}
	if t.teams == nil {
		t.teams = map[string]*hotTeam{}
	}
	t.teams[tm.ID] = &hotTeam{team: stored}
	return nil
}

// takeSeat takes one seat of enterprise id (PostgreSQL).
func (t *txn) takeSeat(ctx context.Context, id int64) error {
	if h := t.seats[id]; h != nil {
		if h.used >= h.seats {
			return t.seatFromPool(ctx, id)
		}
		h.used++
		h.dirty = true
		return nil
	}
	var h hotSeats
	err := t.oneWrite(ctx, `UPDATE enterprises SET seats_used = seats_used + 1 WHERE id = ? AND seats_used < seats
		RETURNING seats, seats_used`, []any{id}, func(rows *sql.Rows) error { return rows.Scan(&h.seats, &h.used) })
	if errors.Is(err, sql.ErrNoRows) {
		var one int
		err := t.one(ctx, `SELECT 1 FROM enterprises WHERE id = ?`, []any{id}, func(rows *sql.Rows) error { return rows.Scan(&one) })
		if err != nil {
			return err // sql.ErrNoRows: no such enterprise
		}
		return t.seatFromPool(ctx, id)
	}
	if err != nil {
		return err
	}
	t.keepSeats(id, &h)
	return nil
}

// seatFromPool takes a free seat of the enterprise's pools (seats.go) when
// its count has none left: store.ErrNoSeats if they have none either.
func (t *txn) seatFromPool(ctx context.Context, id int64) error {
	ok, err := t.takePooledSeat(ctx, id)
	if err != nil {
		return err
	}
	if !ok {
		return store.ErrNoSeats
	}
	return nil
}

// keepSeats keeps enterprise id's seat row in the transaction from now on.
func (t *txn) keepSeats(id int64, h *hotSeats) {
	if t.seats == nil {
		t.seats = map[int64]*hotSeats{}
	}
	t.seats[id] = h
}

// giveSeat returns one seat of enterprise id (PostgreSQL); undo says it
// undoes a takeSeat whose write failed.
func (t *txn) giveSeat(ctx context.Context, id int64) error {
	if h := t.seats[id]; h != nil {
		h.used = max(h.used-1, 0)
		h.dirty = true
		return nil
	}
	var h hotSeats
	err := t.oneWrite(ctx, `UPDATE enterprises SET seats_used = CASE WHEN seats_used > 0 THEN seats_used - 1 ELSE 0 END
		WHERE id = ? RETURNING seats, seats_used`, []any{id}, func(rows *sql.Rows) error { return rows.Scan(&h.seats, &h.used) })
	if err != nil {
		return err
	}
	t.keepSeats(id, &h)
	return nil
}

// ---- reads that must see the copies ----

// GetTeam answers a team this transaction updated from its copy.
func (t *txn) GetTeam(ctx context.Context, id string) (directory.Team, error) {
	if h := t.teams[id]; h != nil {
		if _, _, err := t.conn(ctx); err != nil {
			return directory.Team{}, t.fail(fmt.Sprintf("get team %q", id), err)
		}
		return h.team, nil
	}
	return t.reader.GetTeam(ctx, id)
}

func (t *txn) FindTeams(ctx context.Context, q store.TeamQuery) ([]directory.Team, int, error) {
	if err := t.flushTeams(ctx); err != nil {
		return nil, 0, err
	}
	return t.reader.FindTeams(ctx, q)
}

func (t *txn) UserTeams(ctx context.Context, userID int64) ([]store.UserTeam, error) {
	if err := t.flushTeams(ctx); err != nil {
		return nil, err
	}
	return t.reader.UserTeams(ctx, userID)
}

func (t *txn) TeamsMembers(ctx context.Context, teamIDs []string) (map[string][]store.Member, error) {
	if err := t.flushTeams(ctx); err != nil {
		return nil, err
	}
	return t.reader.TeamsMembers(ctx, teamIDs)
}

func (t *txn) UsersTeams(ctx context.Context, userIDs []int64) (map[int64][]store.UserTeam, error) {
	if err := t.flushTeams(ctx); err != nil {
		return nil, err
	}
	return t.reader.UsersTeams(ctx, userIDs)
}

func (t *txn) PendingTeams(ctx context.Context, enterpriseID int64) ([]directory.Team, error) {
	if err := t.flushTeams(ctx); err != nil {
		return nil, err
	}
	return t.reader.PendingTeams(ctx, enterpriseID)
}

func (t *txn) GetEnterprise(ctx context.Context, id int64) (directory.Enterprise, error) {
	if err := t.flushSeats(ctx); err != nil {
		return directory.Enterprise{}, err
	}
	return t.reader.GetEnterprise(ctx, id)
}

func (t *txn) ListEnterprises(ctx context.Context) ([]directory.Enterprise, error) {
	if err := t.flushSeats(ctx); err != nil {
		return nil, err
	}
	return t.reader.ListEnterprises(ctx)
}
