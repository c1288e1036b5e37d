package sqlstore_test

import (
	"context"
	"testing"

	"github.com/provkit/provkit/reference/store"
	"github.com/provkit/provkit/reference/store/sqlstore"
	"github.com/provkit/provkit/reference/store/sqlstore/pgtest"
	"github.com/provkit/provkit/reference/store/storetest"
)

// TestPostgres runs the shared store suite on PostgreSQL (skipped without
// PROVKIT_TEST_POSTGRES), each subtest on a database of its own.
func TestPostgres(t *testing.T) {
	pgtest.ServerDSN(t)
	storetest.RunWith(t, storetest.Options{Concurrent: true}, func(t *testing.T) store.Store {
		s, err := sqlstore.Open(context.Background(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestPostgresReopen(t *testing.T) {
	dsn := pgtest.DSN(t)
	storetest.RunReopen(t, func(t *testing.T) store.Store {
		s, err := sqlstore.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
