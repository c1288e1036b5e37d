package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
	"github.com/provkit/provkit/reference/store/sqlstore/pgtest"
)

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"provkit.db":         "provkit.db",
		"file:x.db?mode=rwc": "file:x.db?mode=rwc",
		"postgres://u:s3cret@h:5432/db?sslmode=disable": "postgres://u:xxxxx@h:5432/db?sslmode=disable",
		"postgresql://u@h/db?password=s3cret":           "postgresql://u@h/db?password=xxxxx",
		"postgres://u:s3cret@h/db?password=s3cret":      "postgres://u:xxxxx@h/db?password=xxxxx",
		"postgres://u:s3cret@[::1:bad/db":               "postgres://(unparsable DSN)",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPostgresOpenErrorHidesPassword: a failed Open never quotes the
// password of its DSN.
func TestPostgresOpenErrorHidesPassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, dsn := range []string{
		"postgres://provkit:s3cret-pw@127.0.0.1:1/provkit?connect_timeout=2",
		"postgres://provkit@127.0.0.1:1/provkit?password=s3cret-pw&connect_timeout=2",
		"postgres://provkit:s3cret-pw@127.0.0.1:1/provkit?no_such_param=%zz",
	} {
		_, err := Open(ctx, dsn)
		if err == nil {
			t.Fatalf("Open of a closed port succeeded")
		}
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("Open error quotes the password: %v", err)
		}
	}
}

func openPG(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestPostgresSerializable: a rule the service checks by reading then
// writing (one SCIM endpoint per node: GetEndpoint, then PutEndpoint) holds
// under concurrent Updates of two stores on one database (two replicas).
func TestPostgresSerializable(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	var stores [2]*Store
	for i := range stores {
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		stores[i] = s
	}
	var nodeID, entID int64
	err := stores[0].Update(ctx, func(tx store.Tx) error {
		e := directory.Enterprise{Name: "E", Seats: 10, Created: time.Now()}
		if err := tx.CreateEnterprise(ctx, &e); err != nil {
			return err
		}
		n := directory.Node{EnterpriseID: e.ID, Name: "N"}
		if err := tx.CreateNode(ctx, &n); err != nil {
			return err
		}
		nodeID, entID = n.ID, e.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	errExists := errors.New("exists")
	const n = 32
	results := make(chan error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			results <- stores[i%2].Update(ctx, func(tx store.Tx) error {
				if _, err := tx.GetEndpoint(ctx, nodeID); err == nil {
					return errExists
				} else if !errors.Is(err, store.ErrNotFound) {
					return err
				}
				return tx.PutEndpoint(ctx, directory.Endpoint{NodeID: nodeID, EnterpriseID: entID,
					TokenHash: []byte(fmt.Sprint(i)), Status: directory.EndpointPending, Created: time.Now(), Rotated: time.Now()})
			})
		})
	}
	close(start)
	wg.Wait()
	close(results)
	won := 0
	for err := range results {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, errExists):
			t.Errorf("Update: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d concurrent check-then-create of one endpoint succeeded, want 1", won)
	}
	t.Logf("retries: %d + %d", stores[0].Stats().Retries, stores[1].Stats().Retries)
}

// TestPostgresStarvation: a long transaction that reads a lot keeps losing
// to a stream of short writers; after exclusiveAfter attempts it runs alone
// and commits.
func TestPostgresStarvation(t *testing.T) {
	s := openPG(t)
	ctx := context.Background()
	var entID, nodeID int64
	err := s.Update(ctx, func(tx store.Tx) error {
		e := directory.Enterprise{Name: "E", Seats: 1_000_000, Created: time.Now()}
		if err := tx.CreateEnterprise(ctx, &e); err != nil {
			return err
		}
		n := directory.Node{EnterpriseID: e.ID, Name: "N"}
		if err := tx.CreateNode(ctx, &n); err != nil {
			return err
		}
		entID, nodeID = e.ID, n.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_ = s.Update(ctx, func(tx store.Tx) error {
					u := directory.User{EnterpriseID: entID, NodeID: nodeID, Email: fmt.Sprintf("w%d-%d@example.com", w, i),
						Status: directory.UserInvited, Version: 1, Created: time.Now(), Modified: time.Now()}
					return tx.CreateUser(ctx, &u)
				})
			}
		})
	}
	time.Sleep(100 * time.Millisecond)
	attempts := 0
	err = s.Update(ctx, func(tx store.Tx) error {
		attempts++
		// Reads every user of the node and the enterprise row the writers
		// update, then writes: a rw-conflict with every concurrent writer.
		if _, _, err := tx.FindUsers(ctx, store.UserQuery{NodeID: nodeID}); err != nil {
			return err
		}
		e, err := tx.GetEnterprise(ctx, entID)
		if err != nil {
			return err
		}
		time.Sleep(20 * time.Millisecond)
		e.Name = "Renamed"
		return tx.UpdateEnterprise(ctx, e)
	})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("the long Update failed after %d attempts: %v", attempts, err)
	}
	t.Logf("the long Update committed after %d attempts", attempts)
	if attempts > exclusiveAfter+1 {
		t.Errorf("the long Update took %d attempts, want at most %d", attempts, exclusiveAfter+1)
	}
}

// TestPostgresSeatPools: concurrent marked creates take their seats from the
// pools (the enterprise's count holds more than the users, the pools the
// rest), the seats in use are exact, a seat change returns the pools' seats
// to the count, and a SERIALIZABLE create may take the pools' last seats.
func TestPostgresSeatPools(t *testing.T) {
	s := openPG(t)
	ctx := context.Background()
	e := directory.Enterprise{Name: "Pools", Seats: 1000, Created: time.Now()}
	n := directory.Node{Name: "Root"}
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateEnterprise(ctx, &e); err != nil {
			return err
		}
		n.EnterpriseID = e.ID
		return tx.CreateNode(ctx, &n)
	})
	if err != nil {
		t.Fatal(err)
	}
	create := func(ctx context.Context, email string) error {
		u := directory.User{EnterpriseID: e.ID, NodeID: n.ID, Email: email, UserName: email,
			Status: directory.UserInvited, Version: 1, Created: time.Now(), Modified: time.Now()}
		return s.Update(ctx, func(tx store.Tx) error { return tx.CreateUser(ctx, &u) })
	}
	const users = 300
	var wg sync.WaitGroup
	errs := make(chan error, users)
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- create(store.WithWriteEnforced(ctx), fmt.Sprintf("pool%d@example.com", i))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	raw := func() (used, free int) {
		t.Helper()
		err := s.rdb.QueryRowContext(ctx, `SELECT seats_used, (SELECT COALESCE(SUM(free), 0) FROM seat_pools WHERE enterprise_id = $1)
			FROM enterprises WHERE id = $1`, e.ID).Scan(&used, &free)
		if err != nil {
			t.Fatal(err)
		}
		return used, free
	}
	used, free := raw()
	got, err := s.GetEnterprise(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("count %d, pools %d, in use %d", used, free, got.SeatsUsed)
	if got.SeatsUsed != users || used-free != users || free == 0 || used > e.Seats {
		t.Fatalf("after %d marked creates: count %d, pools %d, in use %d; want pools holding seats and %d in use", users, used, free, got.SeatsUsed, users)
	}

	// Seats down to what is in use plus one: the pools give their seats back.
	e.Seats = users + 1
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.UpdateEnterprise(ctx, e) }); err != nil {
		t.Fatal(err)
	}
	if used, free := raw(); used != users || free != 0 {
		t.Fatalf("after the seat change: count %d, pools %d; want %d and 0", used, free, users)
	}
	if err := create(store.WithWriteEnforced(ctx), "last@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := create(ctx, "over@example.com"); !errors.Is(err, store.ErrNoSeats) {
		t.Fatalf("create beyond the seats: %v, want ErrNoSeats", err)
	}

	// A seat in a pool only: a SERIALIZABLE create takes it.
	if _, err := s.wdb.ExecContext(ctx, `UPDATE enterprises SET seats = seats + 1, seats_used = seats_used + 1 WHERE id = $1`, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.wdb.ExecContext(ctx, `UPDATE seat_pools SET free = 1 WHERE enterprise_id = $1 AND stripe = 0`, e.ID); err != nil {
		t.Fatal(err)
	}
	if err := create(ctx, "pooled@example.com"); err != nil {
		t.Fatalf("a SERIALIZABLE create with a pool seat left: %v", err)
	}
	if err := create(ctx, "over2@example.com"); !errors.Is(err, store.ErrNoSeats) {
		t.Fatalf("create beyond the seats: %v, want ErrNoSeats", err)
	}
	if got, _ := s.GetEnterprise(ctx, e.ID); got.SeatsUsed != users+2 || got.Seats != users+2 {
		t.Fatalf("seats %d, in use %d; want %d and %d", got.Seats, got.SeatsUsed, users+2, users+2)
	}
}

// TestPostgresDeleteNodeRacesCreates: a node deleted while READ COMMITTED
// creates go into it is deleted with every user that made it in, and every
// seat is accounted for.
func TestPostgresDeleteNodeRacesCreates(t *testing.T) {
	s := openPG(t)
	ctx := context.Background()
	for round := range 5 {
		e := directory.Enterprise{Name: "Race", Seats: 1000, Created: time.Now()}
		root, n := directory.Node{Name: "Root"}, directory.Node{Name: "Doomed"}
		err := s.Update(ctx, func(tx store.Tx) error {
			if err := tx.CreateEnterprise(ctx, &e); err != nil {
				return err
			}
			root.EnterpriseID, n.EnterpriseID = e.ID, e.ID
			if err := tx.CreateNode(ctx, &root); err != nil {
				return err
			}
			n.ParentID = root.ID
			return tx.CreateNode(ctx, &n)
		})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		var created sync.Map
		for i := range 24 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				u := directory.User{EnterpriseID: e.ID, NodeID: n.ID, Email: fmt.Sprintf("race%d-%d@example.com", round, i),
					Status: directory.UserInvited, Version: 1, Created: time.Now(), Modified: time.Now()}
				err := s.Update(store.WithWriteEnforced(ctx), func(tx store.Tx) error { return tx.CreateUser(ctx, &u) })
				switch {
				case err == nil:
					created.Store(u.ID, true)
				case !errors.Is(err, store.ErrNotFound):
					t.Errorf("create into a node being deleted: %v, want nil or ErrNotFound", err)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			time.Sleep(time.Duration(round) * time.Millisecond)
			if err := s.Update(ctx, func(tx store.Tx) error { return tx.DeleteNode(ctx, n.ID) }); err != nil {
				t.Errorf("DeleteNode while creates race: %v", err)
			}
		}()
		close(start)
		wg.Wait()
		if _, err := s.GetNode(ctx, n.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the node after DeleteNode: %v", err)
		}
		_, total, err := s.FindUsers(ctx, store.UserQuery{NodeID: n.ID})
		if err != nil || total != 0 {
			t.Fatalf("users left in the deleted node: %d, %v", total, err)
		}
		got, err := s.GetEnterprise(ctx, e.ID)
		if err != nil || got.SeatsUsed != 0 {
			t.Fatalf("seats used after the node and its users were deleted: %d, %v", got.SeatsUsed, err)
		}
	}
}
