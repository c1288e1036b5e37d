package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

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
// together. When no pool row it may take has a free seat, the create
// refills: it takes poolRefillSeat seats for each of up to poolRefillRows
// pool rows no one holds, plus one for its user, from the enterprise's row
// at once, so the enterprise's row is locked by about one create in 256 and
// the seats are spread over as many rows as creates run at once.
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
	poolStripes    = 64 // pool rows per enterprise: more than the concurrent creates
	poolRefillRows = 16 // pool rows a refill fills at most
	poolRefillSeat = 16 // seats a refill puts into each of them
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

	// A refill: one seat for the user and $19 for each of the (at most
	// poolRefillRows) pool rows with the fewest free seats that no other
	// transaction holds, all taken from the enterprise's count at once (no
	// row free to hold them: one seat). The enterprise's pool rows are made
	// with it (CreateEnterprise, migration 0006): a refill inserting them
	// would wait for every create holding one (an INSERT ... ON CONFLICT
	// waits for the updater of the row it conflicts with).
	qCreateUserRefill = `WITH target AS (		SELECT enterprise_id, stripe FROM seat_pools WHERE enterprise_id = CAST($17 AS BIGINT)
		ORDER BY free, stripe LIMIT ` + strconv.Itoa(poolRefillRows) + ` FOR UPDATE SKIP LOCKED
	), seat AS (
		UPDATE enterprises SET seats_used = seats_used + 1 + (SELECT COUNT(*) FROM target) * CAST($19 AS BIGINT)
		WHERE id = CAST($17 AS BIGINT) AND seats_used + 1 + (SELECT COUNT(*) FROM target) * CAST($19 AS BIGINT) <= seats
		RETURNING id AS enterprise_id
	), pool AS (
		UPDATE seat_pools p SET free = p.free + CAST($19 AS BIGINT) FROM target, seat
		WHERE p.enterprise_id = target.enterprise_id AND p.stripe = target.stripe
	) ` + userInsertFrom("seat")

	// One seat from the enterprise's row (too few are left for a refill).
	qCreateUserOneSeat = `WITH seat AS (
		UPDATE enterprises SET seats_used = seats_used + 1
		WHERE id = CAST($17 AS BIGINT) AND seats_used < seats RETURNING id AS enterprise_id
	) ` + userInsertFrom("seat")
)

// createUserRC is CreateUser in a READ COMMITTED attempt (PostgreSQL, an
// Update marked store.WithWriteEnforced): the seat and the user in one
// statement, from a pool row other creates do not hold, else a refill from
// the enterprise's row, else a pool row another create holds (waiting for
// it), else the enterprise's last seats one by one. Each rule holds at READ
// COMMITTED:
//   - seats: see the pools above; a conditional UPDATE that waited for a
//     row's lock evaluates its condition on the row's latest version;
//   - email: the unique index users_email refuses a second user of any
//     enterprise with the same lower-cased email;
//   - enterprise and node: foreign keys (a DeleteNode racing the create fails
//     its referential check on the new user and runs again: remove.go,
//     lostToInsert).
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
	// Lock order, against deadlocks: pool rows before the enterprise's row,
	// and no statement that waits for a pool row runs while this
	// transaction holds the enterprise's row.
	err = try(qCreateUserFromPool, args)
	if errors.Is(err, sql.ErrNoRows) {
		// Under a savepoint: a refill that found too few seats in the
		// count leaves the pool rows it locked (and the enterprise's row,
		// locked to re-check its condition) unlocked.
		bg := context.WithoutCancel(ctx)
		if _, err := t.tx.ExecContext(bg, "SAVEPOINT refill"); err != nil {
			t.doomed.Store(true)
			return err
		}
		err = try(qCreateUserRefill, append(args[:len(args):len(args)], poolRefillSeat))
		end := "RELEASE SAVEPOINT refill"
		if errors.Is(err, sql.ErrNoRows) {
			end = "ROLLBACK TO SAVEPOINT refill"
		}
		if _, serr := t.tx.ExecContext(bg, end); serr != nil {
			t.doomed.Store(true)
			return errors.Join(err, serr)
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = try(qCreateUserFromPoolWait, args)
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = try(qCreateUserOneSeat, args)
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

// makePools makes enterprise id's poolStripes pool rows, with no seat
// (PostgreSQL, CreateEnterprise).
func (t *txn) makePools(ctx context.Context, id int64) error {
	_, err := t.exec(ctx, `INSERT INTO seat_pools (enterprise_id, stripe, free)
		SELECT CAST(? AS BIGINT), s, 0 FROM generate_series(0, `+strconv.Itoa(poolStripes-1)+`) s`, id)
	return err
}
