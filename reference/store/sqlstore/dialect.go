package sqlstore

import (
	"database/sql"
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"sync"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/provkit/provkit/reference/store"
)

// dialect holds the few things that differ between SQLite and PostgreSQL.
// Everything else (the queries in queries.go, savepoints, RETURNING,
// INSERT ... ON CONFLICT upserts) is SQL both engines accept.
type dialect struct {
	name   string // "sqlite" or "postgres", also the migrations subdirectory
	driver string // database/sql driver name

	// positional says placeholders are $1, $2, ... instead of ?.
	positional bool
	rebound    sync.Map // query with ? -> query with $n

	// noLimit is the LIMIT argument meaning "no limit": SQLite needs a LIMIT
	// before an OFFSET and takes -1; PostgreSQL takes NULL (LIMIT ALL).
	noLimit any

	// readTx are the options of the read-only transaction that gives
	// FindUsers/FindTeams one snapshot for the count and the page.
	readTx *sql.TxOptions

	// migrationLock, when not empty, runs first in the migration
	// transaction to serialize concurrent Opens (SQLite's BEGIN IMMEDIATE
	// already does).
	migrationLock string

	// abortsTx says an error in a statement aborts the whole transaction
	// (PostgreSQL), so that inside a Tx every statement runs under a savepoint
	// of its own: a Tx method's error must leave the Tx usable, as on SQLite.
	abortsTx bool

	// concurrent says Update runs each function in a transaction of its own
	// on a pool of connections, concurrently with other Updates of this and
	// other processes, at updateTx's isolation, retrying it on the errors
	// retryable accepts (PostgreSQL). Otherwise one writer goroutine runs
	// every function in group-committed batches (SQLite).
	concurrent bool
	updateTx   *sql.TxOptions

	// retryable says err means the transaction lost a race (a serialization
	// failure or a deadlock) and may succeed if run again.
	retryable func(error) bool

	// classify maps a driver error to store.ErrConflict (a unique or
	// primary key violation) or store.ErrNotFound (a foreign key violation:
	// the row referred to does not exist), or returns nil.
	classify func(error) error
}

// q returns query with its ? placeholders in the dialect's syntax. Queries
// never hold a literal question mark.
func (d *dialect) q(query string) string {
	if !d.positional {
		return query
	}
	if v, ok := d.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	v := b.String()
	d.rebound.Store(query, v)
	return v
}

// migrationFiles returns the dialect's migrations directory.
func (d *dialect) migrationFiles() (fs.FS, error) {
	return fs.Sub(migrationsFS, "migrations/"+d.name)
}

func newSQLiteDialect() *dialect {
	return &dialect{
		name:      "sqlite",
		driver:    "sqlite",
		noLimit:   -1,
		readTx:    &sql.TxOptions{ReadOnly: true},
		retryable: func(error) bool { return false },
		classify: func(err error) error {
			var se *sqlite.Error
			if !errors.As(err, &se) {
				return nil
			}
			switch se.Code() {
			case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
				return store.ErrConflict
			case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
				return store.ErrNotFound
			}
			return nil
		},
	}
}

// sqlState returns the SQLSTATE of a PostgreSQL error, or "".
func sqlState(err error) string {
	// *pgconn.PgError has SQLState; matching the method keeps the check
	// independent of pgx's types.
	var pe interface{ SQLState() string }
	if !errors.As(err, &pe) {
		return ""
	}
	return pe.SQLState()
}

// newPostgresDialect is the PostgreSQL dialect, used through pgx's
// database/sql driver ("pgx", registered by github.com/jackc/pgx/v5/stdlib,
// which this package imports).
func newPostgresDialect() *dialect {
	return &dialect{
		concurrent: true,
		updateTx:   &sql.TxOptions{Isolation: sql.LevelSerializable},
		retryable: func(err error) bool {
			switch sqlState(err) {
			case "40001", "40P01": // serialization_failure, deadlock_detected
				return true
			}
			return false
		},
		name:          "postgres",
		driver:        "pgx",
		positional:    true,
		noLimit:       nil,
		readTx:        &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
		migrationLock: "LOCK TABLE schema_migrations IN EXCLUSIVE MODE",
		abortsTx:      true,
		classify: func(err error) error {
			switch sqlState(err) {
			case "23505": // unique_violation
				return store.ErrConflict
			case "23503": // foreign_key_violation
				return store.ErrNotFound
			}
			return nil
		},
	}
}
