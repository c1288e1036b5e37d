package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// Seat pools (PostgreSQL, migration 0006).
//
// Every create takes a seat of its enterprise. Taken from the enterprise's
// row, seats serialize every create of the enterprise on that row's lock,
// which is held until COMMIT, fsync included: 24 concurrent creates over 3
// replicas wait for each other (about 450 creates/s here). So a READ
// COMMITTED create (createUserRC) takes its seat from one of a few pool rows
// (seat_pools), skipping the rows other transactions hold (FOR UPDATE SKIP
// LOCKED): concurrent creates take seats from different rows and commit
// together. When no pool has a free seat, the create takes poolRefill seats
// from the enterprise's row at once (one for its user, the rest into a pool
// row), so the enterprise's row is locked by about one create in poolRefill.
//
// The limit is enforced by the database exactly as before: the seats of the
// users plus the free pool seats are enterprises.seats_used, every statement
// that raises seats_used checks seats_used <= seats in its WHERE (on the
// row's latest version, its lock held), and a pool seat is taken by a
// conditional decrement (free > 0, CHECK (free >= 0)) in the statement that
// inserts the user. The seats in use that GetEnterprise reports are
// seats_used - sum(free). UpdateEnterprise (which may lower seats) first
// returns every free pool seat to the count, so the pools never hold seats
// the new limit does not allow.

const (
	poolStripes = 64 // pool rows per enterprise: more than the concurrent creates
	poolRefill  = 32 // seats a refill takes from the enterprise's row
)

// userInsertCols are the columns of a user insert, in userValues' order
// then enterprise_id and created.
const userInsertCols = `node_id, role_id, email, email_key, user_name, user_name_key,
	given_name, family_name, display_name, external_id, emails, status, locked, version, modified, extra, enterprise_id, created`

// userInsertFrom inserts the user ($1..$16, $18 the created time) with the
// enterprise ID the CTE src returns, one row or none.
func userInsertFrom(src string) string {
	return `INSERT INTO users (` + userInsertCols + `)
	SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS TEXT), CAST($4 AS TEXT), CAST($5 AS TEXT), CAST($6 AS TEXT),
		CAST($7 AS TEXT), CAST($8 AS TEXT), CAST($9 AS TEXT), CAST($10 AS TEXT), CAST($11 AS TEXT), CAST($12 AS TEXT),
		CAST($13 AS BOOLEAN), CAST($14 AS BIGINT), CAST($15 AS TEXT), CAST($16 AS TEXT), ` + src + `.enterprise_id, CAST($18 AS TEXT)
	FROM ` + src + ` RETURNING id`
}

// The statements of createUserRC, each taking one seat and inserting the
// user, or returning no row (and changing nothing) when it found no seat.
// $17 is the enterprise ID.
var (
	// From a pool row no other transaction holds.
	qCreateUserFromPool = `WITH pool AS (
		SELECT enterprise_id, stripe FROM seat_pools WHERE enterprise_id = CAST($17 AS BIGINT) AND free > 0
		ORDER BY stripe LIMIT 1 FOR UPDATE SKIP LOCKED
	), seat AS (
		UPDATE seat_pools p SET free = p.free - 1 FROM pool
		WHERE p.enterprise_id = pool.enterprise_id AND p.stripe = pool.stripe AND p.free > 0 RETURNING p.enterprise_id
	) ` + userInsertFrom("seat")

	// From a pool row, waiting for those other transactions hold.
	qCreateUserFromPoolWait = `WITH pool AS (
		SELECT enterprise_id, stripe FROM seat_pools WHERE enterprise_id = CAST($17 AS BIGINT) AND free > 0
		ORDER BY stripe LIMIT 1 FOR UPDATE
	), seat AS (
		UPDATE seat_pools p SET free = p.free - 1 FROM pool
		WHERE p.enterprise_id = pool.enterprise_id AND p.stripe = pool.stripe AND p.free > 0 RETURNING p.enterprise_id
	) ` + userInsertFrom("seat")

	// poolRefill ($19) seats from the enterprise's row: one for the user,
	// the others into the pool row with the fewest free seats that no other
	// transaction holds (none: no refill, no row). The enterprise's pool rows
	// ($20 of them) are made here, with no seat, the first time.
	qCreateUserRefill = `WITH mk AS (
		INSERT INTO seat_pools (enterprise_id, stripe, free)
		SELECT e.id, s, 0 FROM enterprises e, generate_series(0, CAST($20 AS INT) - 1) s WHERE e.id = CAST($17 AS BIGINT)
		ON CONFLICT (enterprise_id, stripe) DO NOTHING
	), target AS (
		SELECT enterprise_id, stripe FROM seat_pools WHERE enterprise_id = CAST($17 AS BIGINT)
		ORDER BY free, stripe LIMIT 1 FOR UPDATE SKIP LOCKED
	), seat AS (
		UPDATE enterprises SET seats_used = seats_used + CAST($19 AS BIGINT)
		WHERE id = CAST($17 AS BIGINT) AND seats_used + CAST($19 AS BIGINT) <= seats AND EXISTS (SELECT 1 FROM target)
		RETURNING id AS enterprise_id
	), pool AS (
		UPDATE seat_pools p SET free = p.free + CAST($19 AS BIGINT) - 1 FROM target, seat
		WHERE p.enterprise_id = target.enterprise_id AND p.stripe = target.stripe
	) ` + userInsertFrom("seat")

	// One seat from the enterprise's row (fewer than poolRefill are left).
	qCreateUserOneSeat = `WITH seat AS (
		UPDATE enterprises SET seats_used = seats_used + 1
		WHERE id = CAST($17 AS BIGINT) AND seats_used < seats RETURNING id AS enterprise_id
	) ` + userInsertFrom("seat")
)

// createUserRC is CreateUser in a READ COMMITTED attempt (PostgreSQL, an
// Update marked store.WithWriteEnforced): the seat and the user in one
// statement, from a pool row other creates do not hold, else a refill from
// the enterprise's row, else the enterprise's last seats one by one, else a
// pool row another create holds (waiting for it). Each rule holds at READ
// COMMITTED:
//   - seats: see the pools above; a conditional UPDATE that waited for a
//     row's lock evaluates its condition on the row's latest version;
//   - email: the unique index users_email refuses a second user of any
//     enterprise with the same lower-cased email;
//   - enterprise and node: foreign keys (a node deleted meanwhile by a
//     SERIALIZABLE DeleteNode makes that one fail its check and retry).
//
// A failed statement (a unique or foreign key violation) aborts the
// transaction: the statements have no savepoint (two round trips fewer), so
// the attempt is doomed and run again at SERIALIZABLE, where the function's
// reads see the row that won (a same-node email then links, as serially).
func (t *txn) createUserRC(ctx context.Context, u *directory.User, vals []any, created string, id *int64) error {
	ex, ctx, err := t.conn(ctx)
	if err != nil {
		return err
	}
	args := append(vals, u.EnterpriseID, created)
	try := func(query string, args []any) error {
		err := t.stmt(ctx, func() error {
			return queryOne(ctx, ex, query, args, func(rows *sql.Rows) error { return rows.Scan(id) })
		})
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.doomed.Store(true)
		}
		return err
	}
	err = try(qCreateUserFromPool, args)
	if errors.Is(err, sql.ErrNoRows) {
		err = try(qCreateUserRefill, append(args[:len(args):len(args)], poolRefill, poolStripes))
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = try(qCreateUserOneSeat, args)
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = try(qCreateUserFromPoolWait, args)
	}
	if errors.Is(err, sql.ErrNoRows) {
		// No seat taken and nothing inserted (no error: the transaction is
		// intact): no seat left, or no such enterprise.
		var one int
		err := t.one(ctx, `SELECT 1 FROM enterprises WHERE id = ?`, []any{u.EnterpriseID},
			func(rows *sql.Rows) error { return rows.Scan(&one) })
		if err != nil {
			return err // sql.ErrNoRows: no such enterprise
		}
		return store.ErrNoSeats
	}
	return err
}

// takePooledSeat takes one free seat of enterprise id's pools (PostgreSQL,
// inside a write), reporting whether there was one.
func (t *txn) takePooledSeat(ctx context.Context, id int64) (bool, error) {
	var one int
	err := t.oneWrite(ctx, `UPDATE seat_pools SET free = free - 1
		WHERE enterprise_id = ? AND stripe = (SELECT stripe FROM seat_pools WHERE enterprise_id = ? AND free > 0 ORDER BY stripe LIMIT 1)
		AND free > 0 RETURNING 1`, []any{id, id}, func(rows *sql.Rows) error { return rows.Scan(&one) })
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// drainPools returns every free pool seat of enterprise id to its count
// (PostgreSQL). It runs at SERIALIZABLE (a write of an UpdateEnterprise): a
// pool or the count changed since the transaction's snapshot fails it, and
// it is retried. The sum is read from the same snapshot as the rows zeroed.
func (t *txn) drainPools(ctx context.Context, id int64) error {
	_, err := t.exec(ctx, `WITH z AS (UPDATE seat_pools SET free = 0 WHERE enterprise_id = ? AND free > 0)
		UPDATE enterprises SET seats_used = seats_used - (SELECT COALESCE(SUM(free), 0) FROM seat_pools WHERE enterprise_id = ?)
		WHERE id = ?`, id, id, id)
	return err
}
