// Package memstore is an in-memory read model in front of a durable
// store.Store (the SQL backend): every Reader method of Store is answered
// from memory, under a read lock, so that reads never touch SQL, while every
// write still goes through the inner store, which stays the source of truth
// and enforces every uniqueness rule, the seat count and durability.
//
// New loads the whole directory from the inner store. Update runs the
// caller's function in an inner transaction through a Tx whose reads go to
// the inner transaction (so they see its own writes) and whose writes go to
// the inner transaction, then record the state they left: the rows written,
// re-read through the inner transaction (with their store-assigned IDs,
// seat counts and stored forms), or the deletion or membership change made.
// One inner AfterCommit callback replays that record on memory, cascades
// included (a deleted user or team takes its memberships along), after the
// commit is durable and before Update returns. Memory thus never shows
// uncommitted data, and a caller sees its own committed write as soon as
// Update returns.
//
// The read model is valid only while this process is the only writer of the
// inner store's database, and only while every write goes through this
// Store: a write made by anyone else (another process, a replica, a direct
// call on the inner store) is never seen. That holds for the SQLite
// deployment; PostgreSQL deployments with several writers run without it.
package memstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/provkit/provkit/reference/store"
)

// Store answers reads from memory and writes through to an inner store.
// It is safe for concurrent use.
type Store struct {
	inner store.Store

	mu sync.RWMutex
	st *state // guarded by mu
}

var _ store.Store = (*Store)(nil)

// New loads every enterprise, node, role, domain, endpoint, SSO
// configuration, user, team and membership of inner into memory and returns
// the Store that serves them. It reads through inner's Reader methods,
// several at a time; nothing may write to inner while New runs, nor
// afterwards except through the returned Store.
func New(ctx context.Context, inner store.Store) (*Store, error) {
	st := newState()
	if err := st.load(ctx, inner); err != nil {
		return nil, fmt.Errorf("memstore: load: %w", err)
	}
	return &Store{inner: inner, st: st}, nil
}

// Update runs fn in one inner transaction (see store.Store). Reads through
// the Tx go to the inner transaction; writes go to it and are applied to
// memory once the transaction has committed. If a write's resulting state
// cannot be read back (the inner transaction failed under it) and fn still
// returns nil, Update rolls back and returns that error rather than let
// memory drift from the database.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.inner.Update(ctx, func(in store.Tx) error {
		t := &tx{s: s, in: in}
		// Registered first, so memory is up to date when any callback the
		// caller registers through t.AfterCommit runs.
		in.AfterCommit(t.apply)
		if err := fn(t); err != nil {
			return err
		}
		if t.broken != nil {
			return fmt.Errorf("memstore: rolled back, a write's result could not be read back: %w", t.broken)
		}
		return nil
	})
}

// Close closes the inner store.
func (s *Store) Close() error { return s.inner.Close() }
