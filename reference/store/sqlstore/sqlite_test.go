package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/provkit/provkit/reference/store"
	"github.com/provkit/provkit/reference/store/sqlstore"
	"github.com/provkit/provkit/reference/store/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "provkit.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestSQLiteReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "provkit.db")
	storetest.RunReopen(t, func(t *testing.T) store.Store {
		s, err := sqlstore.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
