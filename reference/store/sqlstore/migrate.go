package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrationsFS holds one directory of migrations per dialect. A migration is
// a file NNNN_name.sql; they are applied in version order, each in its own
// transaction together with its schema_migrations row.
//
//go:embed migrations
var migrationsFS embed.FS

// migration is one embedded schema change.
type migration struct {
	version int64
	name    string
	sql     string
}

// loadMigrations reads and orders the dialect's migrations.
func loadMigrations(d *dialect) ([]migration, error) {
	dir, err := d.migrationFiles()
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations of %s: %w", d.name, err)
	}
	entries, err := fs.ReadDir(dir, ".")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations of %s: %w", d.name, err)
	}
	var ms []migration
	seen := map[int64]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlstore: migration %s/%s: name must be NNNN_name.sql", d.name, e.Name())
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("sqlstore: migrations %s and %s share version %d", other, e.Name(), v)
		}
		seen[v] = e.Name()
		body, err := fs.ReadFile(dir, e.Name())
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migration %s/%s: %w", d.name, e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrate brings the schema of db up to date. It is idempotent, and safe
// against a concurrent migrate of the same database: the version check and
// the change run in one write transaction.
func migrate(ctx context.Context, pool *sql.DB, d *dialect) error {
	ms, err := loadMigrations(d)
	if err != nil {
		return err
	}
	var db migrator = pool
	if d.migrationLock != "" {
		// Several replicas may start at once: one connection holds a
		// session-level advisory lock while it creates schema_migrations
		// (CREATE TABLE IF NOT EXISTS is not safe against a concurrent
		// one on PostgreSQL) and applies the migrations.
		conn, err := pool.Conn(ctx)
		if err != nil {
			return fmt.Errorf("sqlstore: migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+migrationLockKey+`)`); err != nil {
			return fmt.Errorf("sqlstore: migrate: lock: %w", err)
		}
		defer func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+migrationLockKey+`)`)
		}()
		db = conn
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT NOT NULL PRIMARY KEY,
    name       TEXT   NOT NULL,
    applied_at TEXT   NOT NULL
)`); err != nil {
		return fmt.Errorf("sqlstore: create schema_migrations: %w", err)
	}
	known := ms[len(ms)-1].version
	for _, m := range ms {
		if err := applyMigration(ctx, db, d, m, known); err != nil {
			return err
		}
	}
	return nil
}

// migrationLockKey is the PostgreSQL advisory lock key of migrations
// ("provkit" in ASCII).
const migrationLockKey = "8098413637396852"

// migrator is what *sql.DB and *sql.Conn have in common that migrate uses.
type migrator interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// applyMigration applies m unless schema_migrations lists it.
func applyMigration(ctx context.Context, db migrator, d *dialect, m migration, known int64) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: migration %s: begin: %w", m.name, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if d.migrationLock != "" {
		if _, err := tx.ExecContext(ctx, d.migrationLock); err != nil {
			return fmt.Errorf("sqlstore: migration %s: lock: %w", m.name, err)
		}
	}
	var newest sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("sqlstore: migration %s: read schema_migrations: %w", m.name, err)
	}
	if newest.Valid && newest.Int64 > known {
		return fmt.Errorf("sqlstore: database schema version %d is newer than this program's (%d)", newest.Int64, known)
	}
	var n int
	if err := tx.QueryRowContext(ctx, d.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.version).Scan(&n); err != nil {
		return fmt.Errorf("sqlstore: migration %s: read schema_migrations: %w", m.name, err)
	}
	if n > 0 {
		return tx.Rollback()
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		m.version, m.name, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("sqlstore: migration %s: record: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: migration %s: commit: %w", m.name, err)
	}
	return nil
}
