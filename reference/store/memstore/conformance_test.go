package memstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/provkit/provkit/reference/store"
	"github.com/provkit/provkit/reference/store/sqlstore"
	"github.com/provkit/provkit/reference/store/storetest"
)

// TestConformance runs the shared store suite on a memstore over SQLite.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		inner, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "provkit.db"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(context.Background(), inner)
		if err != nil {
			_ = inner.Close()
			t.Fatal(err)
		}
		return s
	})
}

// TestConformanceReopen: what was written through a memstore is found by a
// new memstore over the same database.
func TestConformanceReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "provkit.db")
	storetest.RunReopen(t, func(t *testing.T) store.Store {
		inner, err := sqlstore.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(context.Background(), inner)
		if err != nil {
			_ = inner.Close()
			t.Fatal(err)
		}
		return s
	})
}
