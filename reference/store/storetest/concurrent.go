package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// Rules under concurrency, each checked with and without the
// store.WithWriteEnforced mark (which lets a backend run a create at a
// weaker isolation, PostgreSQL: READ COMMITTED): the seat limit, the global
// email uniqueness across enterprises, and that a marked Update which writes
// anything else still commits exactly its writes.

// markings are the two ways the tests run an Update.
var markings = []struct {
	name string
	mark func(ctx context.Context, i int) context.Context // for the i-th concurrent Update
}{
	{"plain", func(ctx context.Context, _ int) context.Context { return ctx }},
	{"write-enforced", func(ctx context.Context, _ int) context.Context { return store.WithWriteEnforced(ctx) }},
	{"mixed", func(ctx context.Context, i int) context.Context {
		if i%2 == 1 {
			return store.WithWriteEnforced(ctx)
		}
		return ctx
	}},
}

// testConcurrentSeatLimit: many concurrent creates into an enterprise with
// few seats take exactly its seats; concurrent deletes and a seat change
// mixed with creates never leave more users than seats, and the seat count
// always equals the users.
func testConcurrentSeatLimit(x *suite) {
	for _, size := range []struct{ seats, creates int }{{10, 40}, {300, 360}} {
		for _, m := range markings {
			seatLimitRace(x, m.name, m.mark, size.seats, size.creates)
		}
	}
}

// seatLimitRace is one run of testConcurrentSeatLimit (300 seats: more than
// sqlstore's PostgreSQL seat pools take from the count at once).
func seatLimitRace(x *suite, name string, mark func(context.Context, int) context.Context, seats, creates int) {
	t := x.t
	m := struct {
		name string
		mark func(context.Context, int) context.Context
	}{fmt.Sprintf("%s, %d seats", name, seats), mark}
	{
		e := x.enterprise("Seats "+m.name, seats)
		n := x.node(e.ID, 0, "Root "+m.name)
		create := func(i int) (directory.User, error) {
			u := mkUser(e.ID, n.ID, fmt.Sprintf("seat-%s-%d-%d@example.com", name, seats, i))
			err := x.s.Update(m.mark(x.ctx, i), func(tx store.Tx) error { return tx.CreateUser(x.ctx, &u) })
			return u, err
		}
		var mu sync.Mutex
		var made []directory.User
		race := func(from, to int, also func()) {
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := from; i < to; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					u, err := create(i)
					switch {
					case err == nil:
						mu.Lock()
						made = append(made, u)
						mu.Unlock()
					case !errors.Is(err, store.ErrNoSeats):
						t.Errorf("%s: concurrent CreateUser: %v, want nil or ErrNoSeats", m.name, err)
					}
				}()
			}
			if also != nil {
				wg.Add(1)
				go func() { defer wg.Done(); <-start; also() }()
			}
			close(start)
			wg.Wait()
		}
		check := func(what string, limit int) {
			t.Helper()
			got, err := x.s.GetEnterprise(x.ctx, e.ID)
			noErr(t, "GetEnterprise", err)
			_, total, err := x.s.FindUsers(x.ctx, store.UserQuery{NodeID: n.ID})
			noErr(t, "FindUsers", err)
			expect(t, total <= limit, "%s (%s): %d users, more than the %d seats", what, m.name, total, limit)
			expect(t, got.SeatsUsed == total, "%s (%s): SeatsUsed = %d, but %d users", what, m.name, got.SeatsUsed, total)
			mu.Lock()
			defer mu.Unlock()
			expect(t, len(made) == total, "%s (%s): %d creates acknowledged, %d users", what, m.name, len(made), total)
		}

		race(0, creates, nil)
		check("creates only", seats)
		mu.Lock()
		expect(t, len(made) == seats, "%s: %d of %d concurrent creates succeeded with %d seats, want %d", m.name, len(made), creates, seats, seats)
		gone := made[:3]
		made = append([]directory.User(nil), made[3:]...)
		mu.Unlock()

		// Deletes free seats while creates take them.
		race(creates, 2*creates, func() {
			for _, u := range gone {
				err := x.s.Update(m.mark(x.ctx, 1), func(tx store.Tx) error { return tx.DeleteUser(x.ctx, u.ID) })
				noErr(t, "DeleteUser", err)
			}
		})
		check("creates and deletes", seats)

		// More seats, given while creates race.
		more := e
		more.Seats = seats + 5
		race(2*creates, 3*creates, func() {
			err := x.s.Update(m.mark(x.ctx, 1), func(tx store.Tx) error { return tx.UpdateEnterprise(x.ctx, more) })
			noErr(t, "UpdateEnterprise", err)
		})
		check("creates and more seats", seats+5)
		// The creates may all have run before the change: the rest of the
		// seats are free, and no more.
		for i := 3 * creates; ; i++ {
			u, err := create(i)
			if errors.Is(err, store.ErrNoSeats) {
				break
			}
			if !noErr(t, "CreateUser after the seat change", err) {
				break
			}
			made = append(made, u)
		}
		check("after the seat change", seats+5)
		expect(t, len(made) == seats+5, "%s: %d users fit after the seats grew to %d, want %d", m.name, len(made), seats+5, seats+5)
	}
}

// testConcurrentSameEmailMarked is testConcurrentSameEmail's race, across
// two enterprises, with the Updates marked store.WithWriteEnforced.
func testConcurrentSameEmailMarked(x *suite) {
	raceSameEmail(x, store.WithWriteEnforced(x.ctx), "marked-race@example.com", "Marked-RACE@Example.com")
}

// testWriteEnforcedUpdates: a marked Update behaves as any Update: its other
// writes commit with its creates, its refused creates leave the Tx usable,
// and an error rolls back everything.
func testWriteEnforcedUpdates(x *suite) {
	t := x.t
	w := x.world()
	ctx := store.WithWriteEnforced(x.ctx)
	small := x.enterprise("Full", 0)
	smallNode := x.node(small.ID, 0, "Full")

	// Refused creates, then a good one and a write that is not a create.
	var u directory.User
	err := x.s.Update(ctx, func(tx store.Tx) error {
		full := mkUser(small.ID, smallNode.ID, "nobody@full.example")
		if err := tx.CreateUser(x.ctx, &full); !errors.Is(err, store.ErrNoSeats) {
			return fmt.Errorf("create without seats: %v, want ErrNoSeats", err)
		}
		lost := mkUser(small.ID+1000, smallNode.ID, "lost@full.example")
		if err := tx.CreateUser(x.ctx, &lost); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("create in a missing enterprise: %v, want ErrNotFound", err)
		}
		u = mkUser(w.E1.ID, w.N1.ID, "marked@example.com")
		if err := tx.CreateUser(x.ctx, &u); err != nil {
			return err
		}
		u.GivenName, u.Version = "Changed", 2
		return tx.UpdateUser(x.ctx, u)
	})
	noErr(t, "marked Update with other writes", err)
	got, err := x.s.GetUserByEmail(x.ctx, "marked@example.com")
	noErr(t, "GetUserByEmail", err)
	expect(t, got.ID == u.ID && got.GivenName == "Changed" && got.Version == 2, "marked Update stored %+v, want the update of %d", got, u.ID)
	_, err = x.s.GetUserByEmail(x.ctx, "nobody@full.example")
	isErr(t, "user refused for seats", err, store.ErrNotFound)
	e, err := x.s.GetEnterprise(x.ctx, w.E1.ID)
	noErr(t, "GetEnterprise", err)
	expect(t, e.SeatsUsed == 1, "SeatsUsed = %d after one marked create, want 1", e.SeatsUsed)

	// A duplicate in a marked Update: ErrConflict, and the Tx goes on.
	err = x.s.Update(ctx, func(tx store.Tx) error {
		dup := mkUser(w.E2.ID, w.N2.ID, "MARKED@example.com")
		if err := tx.CreateUser(x.ctx, &dup); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("duplicate create: %v, want ErrConflict", err)
		}
		other := mkUser(w.E2.ID, w.N2.ID, "marked-other@example.com")
		return tx.CreateUser(x.ctx, &other)
	})
	noErr(t, "marked Update after a duplicate", err)
	_, err = x.s.GetUserByEmail(x.ctx, "marked-other@example.com")
	noErr(t, "the create after the duplicate", err)

	// An error returned by a marked function rolls its creates back.
	boom := errors.New("boom")
	err = x.s.Update(ctx, func(tx store.Tx) error {
		v := mkUser(w.E1.ID, w.N1.ID, "rolled-back@example.com")
		if err := tx.CreateUser(x.ctx, &v); err != nil {
			return err
		}
		return boom
	})
	isErr(t, "marked Update returning an error", err, boom)
	_, err = x.s.GetUserByEmail(x.ctx, "rolled-back@example.com")
	isErr(t, "user of a failed marked Update", err, store.ErrNotFound)
	e, err = x.s.GetEnterprise(x.ctx, w.E1.ID)
	noErr(t, "GetEnterprise", err)
	expect(t, e.SeatsUsed == 1, "SeatsUsed = %d after a rolled-back create, want 1", e.SeatsUsed)
}
