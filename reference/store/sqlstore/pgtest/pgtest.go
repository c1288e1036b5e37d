// Package pgtest gives tests a throwaway PostgreSQL database of their own.
//
// Tests that need PostgreSQL call DSN. Without the PROVKIT_TEST_POSTGRES
// variable (a DSN of a server where its role may CREATE DATABASE, e.g.
// postgres://postgres@127.0.0.1:55432/postgres) they skip, so that a plain
// `go test ./...` works on a laptop; with PROVKIT_REQUIRE_TOOLS=1 (CI) they
// fail instead of skipping. Each call creates a database with a unique name
// and drops it when the test ends, so tests run in parallel.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvDSN names the environment variable holding the server's DSN.
const EnvDSN = "PROVKIT_TEST_POSTGRES"

// ServerDSN returns the DSN of the test server, skipping t (failing it
// under PROVKIT_REQUIRE_TOOLS=1) when none is set.
func ServerDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		if os.Getenv("PROVKIT_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is not set and PROVKIT_REQUIRE_TOOLS=1: PostgreSQL tests cannot be skipped", EnvDSN)
		}
		t.Skipf("%s is not set: skipping the PostgreSQL test", EnvDSN)
	}
	return dsn
}

// DSN creates an empty database on the test server and returns its DSN; the
// database is dropped (connections included) when t ends.
func DSN(t testing.TB) string {
	t.Helper()
	server := ServerDSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dsn, drop, err := CreateDatabase(ctx, server)
	if err != nil {
		t.Fatal(err) // never the DSN: it may hold a password
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("pgtest: drop database: %v", err)
		}
	})
	return dsn
}

// CreateDatabase creates an empty database on the server serverDSN names
// and returns its DSN and a function that drops it (benchmarks and tools
// that have no testing.TB).
func CreateDatabase(ctx context.Context, serverDSN string) (dsn string, drop func() error, err error) {
	u, err := url.Parse(serverDSN)
	if err != nil {
		return "", nil, errors.New("pgtest: the server DSN does not parse as a URL")
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "provkit_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", serverDSN)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return "", nil, fmt.Errorf("pgtest: create database: %w", err)
	}
	u.Path = "/" + name
	return u.String(), func() error {
		db, err := sql.Open("pgx", serverDSN)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
		return err
	}, nil
}
