package scim_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"

	"github.com/provkit/provkit/reference/store"
	"github.com/provkit/provkit/reference/store/memstore"
	"github.com/provkit/provkit/reference/store/sqlstore"
	"github.com/provkit/provkit/reference/store/sqlstore/pgtest"
)

// benchPostgresEnv (the tests' PROVKIT_TEST_POSTGRES), when set to a
// PostgreSQL server's DSN, runs the benchmarks on a throwaway database of
// that server, as `provkit serve --db postgres://…` runs (no in-memory read
// model: replicas share the database):
//
//	PROVKIT_TEST_POSTGRES=postgres://postgres@127.0.0.1:55432/postgres go test -run '^$' -bench . ./reference/scim/
//
// PROVKIT_BENCH_POSTGRES, the former name, still works and wins when both
// are set.
const (
	benchPostgresEnv      = pgtest.EnvDSN
	benchPostgresEnvAlias = "PROVKIT_BENCH_POSTGRES"
)

// benchPostgresServer is the PostgreSQL server the benchmarks use, "" for SQLite.
func benchPostgresServer() string {
	if s := os.Getenv(benchPostgresEnvAlias); s != "" {
		return s
	}
	return os.Getenv(benchPostgresEnv)
}

// openBenchStore opens the benchmarks' store: a SQLite file in dir behind
// the in-memory read model (the default deployment), or PostgreSQL.
func openBenchStore(ctx context.Context, dir string) (store.Store, func(), error) {
	if server := benchPostgresServer(); server != "" {
		dsn, drop, err := pgtest.CreateDatabase(ctx, server)
		if err != nil {
			return nil, nil, err
		}
		sq, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			_ = drop()
			return nil, nil, err
		}
		benchPostgresDSN = dsn
		return sq, func() { _ = sq.Close(); _ = drop() }, nil
	}
	sq, err := sqlstore.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		return nil, nil, err
	}
	mem, err := memstore.New(ctx, sq)
	if err != nil {
		_ = sq.Close()
		return nil, nil, err
	}
	return mem, func() { _ = mem.Close() }, nil
}

// benchPostgresDSN is the database of the PostgreSQL fixture, if any.
var benchPostgresDSN string

// settleBenchStore brings the fixture's database to a steady state before
// measuring, as autovacuum would in a few minutes on a live server: VACUUM
// (the visibility map lets index-only scans skip heap pages) and ANALYZE
// (row counts for the planner). SQLite needs neither.
func settleBenchStore(ctx context.Context) error {
	if benchPostgresDSN == "" {
		return nil
	}
	db, err := sql.Open("pgx", benchPostgresDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "VACUUM ANALYZE")
	return err
}
