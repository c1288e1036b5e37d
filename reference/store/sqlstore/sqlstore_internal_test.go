package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

var bg = context.Background()

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "provkit.db")
	s, err := Open(bg, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s, path
}

func mustUpdate(t *testing.T, s *Store, fn func(tx store.Tx) error) {
	t.Helper()
	if err := s.Update(bg, fn); err != nil {
		t.Fatal(err)
	}
}

// fixture makes an enterprise with seats and its root node.
func fixture(t *testing.T, s *Store, seats int) (directory.Enterprise, directory.Node) {
	t.Helper()
	e := directory.Enterprise{Name: "Acme", Seats: seats, Created: time.Now()}
	n := directory.Node{Name: "Root"}
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.CreateEnterprise(bg, &e); err != nil {
			return err
		}
		n.EnterpriseID = e.ID
		return tx.CreateNode(bg, &n)
	})
	return e, n
}

func newUser(e directory.Enterprise, n directory.Node, email string) directory.User {
	return directory.User{EnterpriseID: e.ID, NodeID: n.ID, Email: email, UserName: email, Status: directory.UserInvited}
}

// block holds the writer inside an Update until release is called.
func block(t *testing.T, s *Store) (release func()) {
	t.Helper()
	started, rel, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.Update(bg, func(store.Tx) error { close(started); <-rel; return nil })
	}()
	<-started
	return func() {
		close(rel)
		if err := <-done; err != nil {
			t.Errorf("blocking update: %v", err)
		}
	}
}

// waitQueued waits until n requests wait in the queue.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		q := len(s.queue)
		s.mu.Unlock()
		if q >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests queued, want %d", q, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestIDRanges(t *testing.T) {
	s, _ := openTemp(t)
	e, n := fixture(t, s, 10)
	u := newUser(e, n, "first@example.com")
	r := directory.Role{EnterpriseID: e.ID, NodeID: n.ID, Name: "R"}
	mustUpdate(t, s, func(tx store.Tx) error {
		if err := tx.CreateRole(bg, &r); err != nil {
			return err
		}
		return tx.CreateUser(bg, &u)
	})
	if e.ID != 1 || n.ID != 200000000000001 || r.ID != 300000000000001 || u.ID != 100000000000001 {
		t.Errorf("first IDs: enterprise %d node %d role %d user %d", e.ID, n.ID, r.ID, u.ID)
	}
	// Deleted IDs are not reused.
	mustUpdate(t, s, func(tx store.Tx) error { return tx.DeleteUser(bg, u.ID) })
	v := newUser(e, n, "second@example.com")
	mustUpdate(t, s, func(tx store.Tx) error { return tx.CreateUser(bg, &v) })
	if v.ID != u.ID+1 {
		t.Errorf("user after a deletion got ID %d, want %d", v.ID, u.ID+1)
	}
}

func countMigrations(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.rdb.QueryRowContext(bg, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrationsIdempotent(t *testing.T) {
	ms, err := loadMigrations(newSQLiteDialect())
	if err != nil || len(ms) == 0 {
		t.Fatalf("loadMigrations: %v, %v", ms, err)
	}
	path := filepath.Join(t.TempDir(), "m.db")
	for i := range 3 {
		s, err := Open(bg, path)
		if err != nil {
			t.Fatalf("open #%d: %v", i, err)
		}
		if i == 0 {
			e, n := fixture(t, s, 5)
			u := newUser(e, n, "kept@example.com")
			mustUpdate(t, s, func(tx store.Tx) error { return tx.CreateUser(bg, &u) })
		}
		if err := migrate(bg, s.wdb, s.d); err != nil {
			t.Errorf("migrate again: %v", err)
		}
		if got := countMigrations(t, s); got != len(ms) {
			t.Errorf("open #%d: %d schema_migrations rows, want %d", i, got, len(ms))
		}
		if _, err := s.GetUserByEmail(bg, "kept@example.com"); err != nil {
			t.Errorf("open #%d: %v", i, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	s, err := Open(bg, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.wdb.ExecContext(bg, `INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 'x')`); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(bg, path); err == nil {
		_ = s.Close()
		t.Fatal("Open of a database from a newer schema succeeded")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Errorf("error %v does not say the schema is newer", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	for _, dsn := range []string{
		"",
		":memory:",
		"file::memory:",
		"file:x.db?mode=memory",
		filepath.Join(dir, "what?.db"),
		filepath.Join(dir, "missing-dir", "x.db"),
	} {
		s, err := Open(bg, dsn)
		if err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) succeeded", dsn)
			continue
		}
		if !strings.HasPrefix(err.Error(), "sqlstore: ") {
			t.Errorf("Open(%q): error %q lacks context", dsn, err)
		}
	}
	s, err := Open(bg, "postgres://localhost/none")
	if err == nil {
		_ = s.Close()
		t.Error("Open(postgres://) succeeded without the pgx driver")
	}
}

func TestFileURI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "uri.db")
	s, err := Open(bg, "file:"+path+"?cache=private")
	if err != nil {
		t.Fatal(err)
	}
	fixture(t, s, 1)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(bg, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	es, err := s.ListEnterprises(bg)
	if err != nil || len(es) != 1 {
		t.Fatalf("ListEnterprises after reopening by path: %v, %v", es, err)
	}
}

func TestPragmas(t *testing.T) {
	s, _ := openTemp(t)
	var mode string
	var sync, fk int
	if err := s.wdb.QueryRowContext(bg, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := s.wdb.QueryRowContext(bg, "PRAGMA synchronous").Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if err := s.wdb.QueryRowContext(bg, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || sync != 2 || fk != 1 {
		t.Errorf("writer: journal_mode=%s synchronous=%d foreign_keys=%d", mode, sync, fk)
	}
	if _, err := s.rdb.ExecContext(bg, `INSERT INTO schema_migrations VALUES (7777, 'x', 'x')`); err == nil {
		t.Error("a reader connection could write")
	}
}

func TestGroupCommitBatches(t *testing.T) {
	s, _ := openTemp(t)
	release := block(t, s)
	before := s.Stats()
	const n = 64
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Update(bg, func(tx store.Tx) error {
				e := directory.Enterprise{Name: fmt.Sprint("E", i), Seats: 1}
				return tx.CreateEnterprise(bg, &e)
			})
		}()
	}
	waitQueued(t, s, n)
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	after := s.Stats()
	// The blocking update commits alone; the 64 queued behind it in one batch.
	if got := after.Commits - before.Commits; got != 2 {
		t.Errorf("%d updates took %d commits, want 2", n+1, got)
	}
	if got := after.Updates - before.Updates; got != n+1 {
		t.Errorf("Updates counter moved by %d, want %d", got, n+1)
	}
	es, err := s.ListEnterprises(bg)
	if err != nil || len(es) != n {
		t.Errorf("ListEnterprises: %d, %v; want %d", len(es), err, n)
	}
}

func TestBatchIsolation(t *testing.T) {
	s, _ := openTemp(t)
	e, n := fixture(t, s, 100)
	release := block(t, s)
	boom := errors.New("boom")
	type result struct {
		name string
		err  error
	}
	results := make(chan result, 4)
	var ranB, calledA, calledB atomic.Bool
	run := func(name string, fn func(tx store.Tx) error) {
		go func() { results <- result{name, s.Update(bg, fn)} }()
	}
	run("a", func(tx store.Tx) error { // writes, then fails
		u := newUser(e, n, "a@example.com")
		if err := tx.CreateUser(bg, &u); err != nil {
			return err
		}
		tx.AfterCommit(func() { calledA.Store(true) })
		return boom
	})
	waitQueued(t, s, 1)
	run("p", func(tx store.Tx) error { // writes, then panics
		u := newUser(e, n, "p@example.com")
		if err := tx.CreateUser(bg, &u); err != nil {
			return err
		}
		panic("kaboom")
	})
	waitQueued(t, s, 2)
	run("b", func(tx store.Tx) error { // succeeds, and may reuse a's email: a's write is gone
		ranB.Store(true)
		u := newUser(e, n, "a@example.com")
		if err := tx.CreateUser(bg, &u); err != nil {
			return err
		}
		tx.AfterCommit(func() { calledB.Store(true) })
		return nil
	})
	waitQueued(t, s, 3)
	run("c", func(tx store.Tx) error { // sees b's write
		_, err := tx.GetUserByEmail(bg, "a@example.com")
		return err
	})
	waitQueued(t, s, 4)
	before := s.Stats()
	release()
	got := map[string]error{}
	for range 4 {
		r := <-results
		got[r.name] = r.err
	}
	if got["a"] != boom { //nolint:errorlint // identity is the contract
		t.Errorf("a: %v, want boom unchanged", got["a"])
	}
	var pe *PanicError
	if !errors.As(got["p"], &pe) || pe.Value != "kaboom" || len(pe.Stack) == 0 {
		t.Errorf("p: %v, want a *PanicError with the value and a stack", got["p"])
	}
	if got["b"] != nil || got["c"] != nil {
		t.Errorf("b: %v, c: %v; want nil", got["b"], got["c"])
	}
	if d := s.Stats().Commits - before.Commits; d != 2 { // the blocking update's and the batch's
		t.Errorf("blocker and batch took %d commits, want 2", d)
	}
	if calledA.Load() || !calledB.Load() || !ranB.Load() {
		t.Errorf("callbacks: a %v b %v", calledA.Load(), calledB.Load())
	}
	if _, err := s.GetUserByEmail(bg, "p@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("panicked update's user: %v", err)
	}
	ent, err := s.GetEnterprise(bg, e.ID)
	if err != nil || ent.SeatsUsed != 1 {
		t.Errorf("SeatsUsed = %d, %v; want 1", ent.SeatsUsed, err)
	}
}

func TestCancelWhileQueued(t *testing.T) {
	s, _ := openTemp(t)
	release := block(t, s)
	ctx, cancel := context.WithCancel(bg)
	var ran atomic.Bool
	done := make(chan error, 1)
	go func() {
		done <- s.Update(ctx, func(store.Tx) error { ran.Store(true); return nil })
	}()
	waitQueued(t, s, 1)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Update: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelled Update did not return while queued")
	}
	release()
	mustUpdate(t, s, func(store.Tx) error { return nil }) // the writer has passed the cancelled request
	if ran.Load() {
		t.Error("a cancelled Update's function ran")
	}
	// A context cancelled beforehand never queues.
	if err := s.Update(ctx, func(store.Tx) error { ran.Store(true); return nil }); !errors.Is(err, context.Canceled) || ran.Load() {
		t.Errorf("Update with a cancelled context: %v (ran %v)", err, ran.Load())
	}
}

func TestCancelInsideFn(t *testing.T) {
	s, _ := openTemp(t)
	e, n := fixture(t, s, 10)
	ctx, cancel := context.WithCancel(bg)
	err := s.Update(ctx, func(tx store.Tx) error {
		u := newUser(e, n, "before@example.com")
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		cancel()
		v := newUser(e, n, "after@example.com")
		return tx.CreateUser(ctx, &v)
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Update: %v, want context.Canceled", err)
	}
	if _, err := s.GetUserByEmail(bg, "before@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("write before the cancellation: %v", err)
	}
	mustUpdate(t, s, func(tx store.Tx) error { u := newUser(e, n, "later@example.com"); return tx.CreateUser(bg, &u) })
}

func TestTxAfterReturn(t *testing.T) {
	s, _ := openTemp(t)
	var kept store.Tx
	mustUpdate(t, s, func(tx store.Tx) error { kept = tx; return nil })
	if _, err := kept.ListEnterprises(bg); !errors.Is(err, errTxDone) {
		t.Errorf("read on a finished Tx: %v", err)
	}
	e := directory.Enterprise{Name: "late"}
	if err := kept.CreateEnterprise(bg, &e); err == nil {
		t.Error("write on a finished Tx succeeded")
	}
	kept.AfterCommit(func() { t.Error("callback registered late ran") })
	mustUpdate(t, s, func(store.Tx) error { return nil })
}

func TestGoexitInFn(t *testing.T) {
	s, _ := openTemp(t)
	err := s.Update(bg, func(tx store.Tx) error {
		e := directory.Enterprise{Name: "gone"}
		if err := tx.CreateEnterprise(bg, &e); err != nil {
			return err
		}
		runtime.Goexit()
		return nil
	})
	if !errors.Is(err, errGoexit) {
		t.Errorf("Update: %v, want errGoexit", err)
	}
	mustUpdate(t, s, func(store.Tx) error { return nil }) // the writer lives on
	if es, err := s.ListEnterprises(bg); err != nil || len(es) != 0 {
		t.Errorf("ListEnterprises: %v, %v", es, err)
	}
}

func TestCallbackPanic(t *testing.T) {
	s, _ := openTemp(t)
	var second atomic.Bool
	func() {
		defer func() {
			if p := recover(); p != "cb" {
				t.Errorf("Update panicked with %v, want cb", p)
			}
		}()
		_ = s.Update(bg, func(tx store.Tx) error {
			e := directory.Enterprise{Name: "committed"}
			if err := tx.CreateEnterprise(bg, &e); err != nil {
				return err
			}
			tx.AfterCommit(func() { panic("cb") })
			tx.AfterCommit(func() { second.Store(true) })
			return nil
		})
		t.Error("Update returned")
	}()
	if second.Load() {
		t.Error("callback after the panicking one ran")
	}
	es, err := s.ListEnterprises(bg)
	if err != nil || len(es) != 1 {
		t.Errorf("ListEnterprises: %v, %v; the commit should stand", es, err)
	}
	mustUpdate(t, s, func(store.Tx) error { return nil })
}

func TestCloseDrains(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	s, err := Open(bg, path)
	if err != nil {
		t.Fatal(err)
	}
	release := block(t, s)
	const n = 32
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- s.Update(bg, func(tx store.Tx) error {
				e := directory.Enterprise{Name: fmt.Sprint("E", i)}
				return tx.CreateEnterprise(bg, &e)
			})
		}()
	}
	waitQueued(t, s, n)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	// Close has to wait for the queue; new updates are refused meanwhile.
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.mu.Lock()
		c := s.closed
		s.mu.Unlock()
		if c || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := s.Update(bg, func(store.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Update during Close: %v, want ErrClosed", err)
	}
	release()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("queued update: %v", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Update(bg, func(store.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Update after Close: %v", err)
	}
	s, err = Open(bg, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if es, err := s.ListEnterprises(bg); err != nil || len(es) != n {
		t.Errorf("after reopen: %d enterprises, %v; want %d", len(es), err, n)
	}
}

func TestBadInput(t *testing.T) {
	s, _ := openTemp(t)
	e, n := fixture(t, s, 10)
	u := newUser(e, n, "far@example.com")
	u.Created = time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.Update(bg, func(tx store.Tx) error { return tx.CreateUser(bg, &u) }); err == nil {
		t.Error("CreateUser with a year-12000 time succeeded")
	}
	v := newUser(e, directory.Node{ID: 12345}, "nonode@example.com")
	if err := s.Update(bg, func(tx store.Tx) error { return tx.CreateUser(bg, &v) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateUser on a missing node: %v, want ErrNotFound", err)
	}
	ent, _ := s.GetEnterprise(bg, e.ID)
	if ent.SeatsUsed != 0 {
		t.Errorf("failed creates took %d seats", ent.SeatsUsed)
	}
	err := s.Update(bg, func(tx store.Tx) error {
		if err := tx.CreateUser(bg, nil); err == nil {
			t.Error("CreateUser(nil) succeeded")
		}
		if err := tx.CreateEnterprise(bg, nil); err == nil {
			t.Error("CreateEnterprise(nil) succeeded")
		}
		if err := tx.CreateTeam(bg, directory.Team{}); err == nil {
			t.Error("CreateTeam with an empty ID succeeded")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.FindUsers(bg, store.UserQuery{NodeID: n.ID, Field: "bogus"}); err == nil {
		t.Error("FindUsers by an unknown field succeeded")
	}
	if _, _, err := s.FindTeams(bg, store.TeamQuery{NodeID: n.ID, Field: "bogus"}); err == nil {
		t.Error("FindTeams by an unknown field succeeded")
	}
	if users, total, err := s.FindUsers(bg, store.UserQuery{NodeID: n.ID, Offset: -5, Limit: -1}); err != nil || total != 0 || len(users) != 0 {
		t.Errorf("FindUsers with negative offset/limit: %v %d %v", users, total, err)
	}
	if err := s.Update(bg, nil); err == nil {
		t.Error("Update(nil) succeeded")
	}
}

// TestQueryPlans checks that every read is an index lookup or an ordered
// index range (no full scan, no sort), as SQLite plans it.
func TestQueryPlans(t *testing.T) {
	s, _ := openTemp(t)
	if _, err := s.wdb.ExecContext(bg, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	type q struct {
		name, sql string
		args      []any
	}
	qs := []q{
		{"GetEnterprise", qGetEnterprise, []any{1}},
		{"GetNode", qGetNode, []any{1}},
		{"ListNodes", qListNodes, []any{1}},
		{"GetRole", qGetRole, []any{1}},
		{"ListRoles", qListRoles, []any{1}},
		{"GetDomain", qGetDomain, []any{"x"}},
		{"ListDomains", qListDomains, []any{1}},
		{"GetEndpoint", qGetEndpoint, []any{1}},
		{"ListEndpoints", qListEndpoints, []any{1}},
		{"GetUser", qGetUser, []any{1}},
		{"GetUserByEmail", qGetUserByEmail, []any{"x"}},
		{"GetTeam", qGetTeam, []any{"x"}},
		{"GetMembership", qGetMembership, []any{"x", 1}},
		{"TeamMembers", qTeamMembers, []any{"x"}},
		{"UserTeams", qUserTeams, []any{1}},
		{"PendingTeams", qPendingTeams, []any{1}},
		{"PendingMemberships", qPendingMemberships, []any{1}},
		{"PutMembership update", `UPDATE memberships SET status = ? WHERE team_id = ? AND user_id = ?`, []any{"x", "x", 1}},
		{"PutMembership insert", `INSERT INTO memberships (team_id, user_id, enterprise_id, status)
			SELECT id, CAST(? AS BIGINT), enterprise_id, CAST(? AS TEXT) FROM teams WHERE id = ?`, []any{1, "x", "x"}},
		{"DeleteMembership", `DELETE FROM memberships WHERE team_id = ? AND user_id = ?`, []any{"x", 1}},
	}
	for _, f := range []store.UserField{store.UserAll, store.UserByUserName, store.UserByEmail, store.UserByExternal} {
		where, args, err := userFilter(store.UserQuery{NodeID: 1, Field: f, Value: "v"})
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs,
			q{"FindUsers count " + string(f), `SELECT COUNT(*) FROM users WHERE ` + where, args},
			q{"FindUsers page " + string(f), `SELECT ` + userCols + ` FROM users WHERE ` + where + ` ORDER BY id LIMIT ? OFFSET ?`, append(args, 10, 0)})
	}
	for _, f := range []store.TeamField{store.TeamAll, store.TeamByDisplayName, store.TeamByExternal} {
		where, args, err := teamFilter(store.TeamQuery{NodeID: 1, Field: f, Value: "v"})
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs,
			q{"FindTeams count " + string(f), `SELECT COUNT(*) FROM teams WHERE ` + where, args},
			q{"FindTeams page " + string(f), `SELECT ` + teamCols + ` FROM teams WHERE ` + where + ` ORDER BY id LIMIT ? OFFSET ?`, append(args, 10, 0)})
	}
	for _, q := range qs {
		rows, err := s.wdb.QueryContext(bg, "EXPLAIN QUERY PLAN "+q.sql, q.args...)
		if err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN") || strings.Contains(step, "TEMP B-TREE") {
				t.Errorf("%s: plan %q is not an index lookup", q.name, plan)
				break
			}
		}
		t.Logf("%-32s %s", q.name, strings.Join(plan, " | "))
	}
}

// TestPostgresDialect checks what can be checked without a server: the
// placeholder rewriting and the migrations.
func TestPostgresDialect(t *testing.T) {
	d := newPostgresDialect()
	if got, want := d.q(`SELECT a FROM t WHERE b = ? AND c = ? LIMIT ? OFFSET ?`),
		`SELECT a FROM t WHERE b = $1 AND c = $2 LIMIT $3 OFFSET $4`; got != want {
		t.Errorf("q = %q, want %q", got, want)
	}
	if got := d.q(`SELECT 1`); got != `SELECT 1` {
		t.Errorf("q without placeholders = %q", got)
	}
	pg, err := loadMigrations(d)
	if err != nil {
		t.Fatal(err)
	}
	lite, err := loadMigrations(newSQLiteDialect())
	if err != nil {
		t.Fatal(err)
	}
	if len(pg) != len(lite) {
		t.Fatalf("%d postgres migrations, %d sqlite ones", len(pg), len(lite))
	}
	for i := range pg {
		if pg[i].version != lite[i].version || pg[i].name != lite[i].name {
			t.Errorf("migration %d: postgres %s, sqlite %s", i, pg[i].name, lite[i].name)
		}
		if strings.Contains(pg[i].sql, "AUTOINCREMENT") || strings.Contains(pg[i].sql, "WITHOUT ROWID") {
			t.Errorf("postgres migration %s holds SQLite syntax", pg[i].name)
		}
	}
}
