package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
	"github.com/provkit/provkit/reference/store/sqlstore"
)

// benchDir is where benchmarks put their databases: SQLSTORE_BENCH_DIR if
// set (to measure a particular disk), else the test's temporary directory.
func benchDir(b *testing.B) string {
	if d := os.Getenv("SQLSTORE_BENCH_DIR"); d != "" {
		dir, err := os.MkdirTemp(d, "sqlstore-bench-")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = os.RemoveAll(dir) })
		return dir
	}
	return b.TempDir()
}

func benchStore(b *testing.B, dir string) *sqlstore.Store {
	s, err := sqlstore.Open(context.Background(), filepath.Join(dir, "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchFixture makes an enterprise with room for seats users and its root node.
func benchFixture(b *testing.B, s *sqlstore.Store, seats int) (directory.Enterprise, directory.Node) {
	ctx := context.Background()
	e := directory.Enterprise{Name: "Bench", Seats: seats, Created: time.Now()}
	n := directory.Node{Name: "Root"}
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateEnterprise(ctx, &e); err != nil {
			return err
		}
		n.EnterpriseID = e.ID
		return tx.CreateNode(ctx, &n)
	})
	if err != nil {
		b.Fatal(err)
	}
	return e, n
}

func benchUser(e directory.Enterprise, n directory.Node, email string) directory.User {
	now := time.Now()
	return directory.User{
		EnterpriseID: e.ID, NodeID: n.ID, Email: email, UserName: email, DisplayName: email,
		Emails: []directory.Email{{Value: email, Type: "work", Primary: true}},
		Status: directory.UserInvited, Version: 1, Created: now, Modified: now,
	}
}

// clients runs op from exactly n goroutines until b.N calls are done. It
// uses RunParallel with SetParallelism when GOMAXPROCS divides n (RunParallel
// starts parallelism×GOMAXPROCS goroutines), else plain goroutines.
func clients(b *testing.B, n int, op func() error) {
	var firstErr atomic.Value
	fail := func(err error) { firstErr.CompareAndSwap(nil, err) }
	if procs := runtime.GOMAXPROCS(0); n%procs == 0 {
		b.SetParallelism(n / procs)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := op(); err != nil {
					fail(err)
				}
			}
		})
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(b.N) {
					if err := op(); err != nil {
						fail(err)
					}
				}
			}()
		}
		wg.Wait()
	}
	if err, ok := firstErr.Load().(error); ok {
		b.Fatal(err)
	}
}

func benchCreateUsers(b *testing.B, n int) {
	s := benchStore(b, benchDir(b))
	defer s.Close()
	e, node := benchFixture(b, s, 1<<30)
	ctx := context.Background()
	var seq atomic.Int64
	before := s.Stats()
	b.ResetTimer()
	start := time.Now()
	clients(b, n, func() error {
		u := benchUser(e, node, fmt.Sprintf("user%d@bench.example", seq.Add(1)))
		return s.Update(ctx, func(tx store.Tx) error { return tx.CreateUser(ctx, &u) })
	})
	elapsed := time.Since(start)
	b.StopTimer()
	st := s.Stats()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "creates/s")
	if c := st.Commits - before.Commits; c > 0 {
		b.ReportMetric(float64(st.Updates-before.Updates)/float64(c), "updates/commit")
	}
}

// BenchmarkCreateUserParallel: 8 clients each create users, one durable
// Update (fsync'd commit) per user; group commit shares the fsyncs.
func BenchmarkCreateUserParallel(b *testing.B) { benchCreateUsers(b, 8) }

// BenchmarkCreateUserSerial is the same with one client: one fsync per user.
func BenchmarkCreateUserSerial(b *testing.B) { benchCreateUsers(b, 1) }

const largeTeam = 100_000

// teamFixture is a store holding one team with largeTeam members, built once
// for every run of the benchmarks that use it.
type teamFixture struct {
	s    *sqlstore.Store
	e    directory.Enterprise
	n    directory.Node
	big  string // the team with largeTeam members
	next atomic.Int64
	err  error
}

var (
	bigOnce sync.Once
	big     teamFixture
	bigDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if big.s != nil {
		_ = big.s.Close()
	}
	if bigDir != "" {
		_ = os.RemoveAll(bigDir)
	}
	os.Exit(code)
}

func largeTeamFixture(b *testing.B) *teamFixture {
	bigOnce.Do(func() {
		parent := os.Getenv("SQLSTORE_BENCH_DIR")
		bigDir, big.err = os.MkdirTemp(parent, "sqlstore-bigteam-")
		if big.err != nil {
			return
		}
		big.s, big.err = sqlstore.Open(context.Background(), filepath.Join(bigDir, "bench.db"))
		if big.err != nil {
			return
		}
		big.e, big.n = benchFixture(b, big.s, 1<<30)
		big.big = "bigteam_0000000000000000"
		ctx := context.Background()
		start := time.Now()
		// The big team, filled with one bulk Update.
		big.err = big.s.Update(ctx, func(tx store.Tx) error {
			tm := directory.Team{ID: big.big, EnterpriseID: big.e.ID, NodeID: big.n.ID, DisplayName: "Everyone",
				Status: directory.TeamActive, Created: time.Now(), Modified: time.Now()}
			if err := tx.CreateTeam(ctx, tm); err != nil {
				return err
			}
			for i := range largeTeam {
				u := benchUser(big.e, big.n, fmt.Sprintf("member%d@bench.example", i))
				if err := tx.CreateUser(ctx, &u); err != nil {
					return err
				}
				if _, err := tx.PutMembership(ctx, directory.Membership{TeamID: tm.ID, UserID: u.ID, Status: directory.MembershipActive}); err != nil {
					return err
				}
			}
			return nil
		})
		b.Logf("built a %d-member team in %v", largeTeam, time.Since(start).Round(time.Millisecond))
	})
	if big.err != nil {
		b.Fatal(big.err)
	}
	return &big
}

// newcomers creates n users that belong to no team yet (outside the timer).
func (f *teamFixture) newcomers(b *testing.B, n int) []int64 {
	ctx := context.Background()
	ids := make([]int64, 0, n)
	err := f.s.Update(ctx, func(tx store.Tx) error {
		for range n {
			u := benchUser(f.e, f.n, fmt.Sprintf("newcomer%d@bench.example", f.next.Add(1)))
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			ids = append(ids, u.ID)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return ids
}

// addMembers adds b.N newcomers to team, one durable Update each.
func addMembers(b *testing.B, f *teamFixture, team string) {
	ctx := context.Background()
	var pool []int64
	b.ResetTimer()
	for range b.N {
		if len(pool) == 0 {
			b.StopTimer()
			pool = f.newcomers(b, 1000)
			b.StartTimer()
		}
		id := pool[0]
		pool = pool[1:]
		err := f.s.Update(ctx, func(tx store.Tx) error {
			created, err := tx.PutMembership(ctx, directory.Membership{TeamID: team, UserID: id, Status: directory.MembershipPending})
			if err == nil && !created {
				err = fmt.Errorf("membership of %d existed", id)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAddMemberLargeTeam adds one member to a team that already has
// 100,000 members: one durable Update holding one single-row insert.
func BenchmarkAddMemberLargeTeam(b *testing.B) {
	f := largeTeamFixture(b)
	addMembers(b, f, f.big)
}

// BenchmarkAddMemberSmallTeam is the same on a team created empty, for
// comparison with BenchmarkAddMemberLargeTeam.
func BenchmarkAddMemberSmallTeam(b *testing.B) {
	f := largeTeamFixture(b)
	addMembers(b, f, f.smallTeam(b))
}

// smallTeam creates an empty team.
func (f *teamFixture) smallTeam(b *testing.B) string {
	ctx := context.Background()
	id := fmt.Sprintf("small_%016d", f.next.Add(1))
	err := f.s.Update(ctx, func(tx store.Tx) error {
		return tx.CreateTeam(ctx, directory.Team{ID: id, EnterpriseID: f.e.ID, NodeID: f.n.ID, DisplayName: id,
			Status: directory.TeamActive, Created: time.Now(), Modified: time.Now()})
	})
	if err != nil {
		b.Fatal(err)
	}
	return id
}

// BenchmarkAddMemberLargeTeamInsertOnly measures the statements alone,
// without a commit per member: b.N members added to the big team in one
// Update.
func BenchmarkAddMemberLargeTeamInsertOnly(b *testing.B) {
	f := largeTeamFixture(b)
	insertOnly(b, f, f.big)
}

// BenchmarkAddMemberSmallTeamInsertOnly is the same on a team created empty.
func BenchmarkAddMemberSmallTeamInsertOnly(b *testing.B) {
	f := largeTeamFixture(b)
	insertOnly(b, f, f.smallTeam(b))
}

func insertOnly(b *testing.B, f *teamFixture, team string) {
	b.StopTimer()
	pool := f.newcomers(b, b.N)
	ctx := context.Background()
	b.StartTimer()
	err := f.s.Update(ctx, func(tx store.Tx) error {
		for _, id := range pool {
			if _, err := tx.PutMembership(ctx, directory.Membership{TeamID: team, UserID: id, Status: directory.MembershipPending}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
