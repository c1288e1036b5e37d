package memstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
	"github.com/provkit/provkit/reference/store/sqlstore"
)

var tempDirs struct {
	sync.Mutex
	dirs []string
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range tempDirs.dirs {
		_ = os.RemoveAll(d)
	}
	os.Exit(code)
}

// sharedDB opens a store on a temporary file that lives until TestMain
// returns: benchmark fixtures are built once per process, not once per b.N.
func sharedDB() (*sqlstore.Store, error) {
	dir, err := os.MkdirTemp("", "memstore-bench-")
	if err != nil {
		return nil, err
	}
	tempDirs.Lock()
	tempDirs.dirs = append(tempDirs.dirs, dir)
	tempDirs.Unlock()
	return sqlstore.Open(context.Background(), filepath.Join(dir, "provkit.db"))
}

// bigNode is 100,000 users in one node.
type bigNode struct {
	inner *sqlstore.Store
	mem   *Store
	o     org
	ids   []int64
	names []string
}

var (
	bigOnce sync.Once
	big     bigNode
	bigErr  error
)

const bigUsers = 100000

func bigFixture(b *testing.B) *bigNode {
	b.Helper()
	bigOnce.Do(func() {
		ctx := context.Background()
		big.inner, bigErr = sharedDB()
		if bigErr != nil {
			return
		}
		big.o = seedOrg(b, big.inner, "Big", bigUsers)
		bigErr = big.inner.Update(ctx, func(tx store.Tx) error {
			big.ids, big.names = big.ids[:0], big.names[:0]
			for i := range bigUsers {
				u := newUser(big.o, big.o.n1, i)
				if err := tx.CreateUser(ctx, &u); err != nil {
					return err
				}
				big.ids = append(big.ids, u.ID)
				big.names = append(big.names, u.UserName)
			}
			return nil
		})
		if bigErr != nil {
			return
		}
		big.mem, bigErr = New(ctx, big.inner)
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return &big
}

// both runs bench on the cache and, for comparison, on the SQL store alone.
func both(b *testing.B, bench func(b *testing.B, r store.Reader, f *bigNode)) {
	f := bigFixture(b)
	b.Run("mem", func(b *testing.B) { bench(b, f.mem, f) })
	b.Run("sql", func(b *testing.B) { bench(b, f.inner, f) })
}

func BenchmarkGetUser(b *testing.B) {
	both(b, func(b *testing.B, r store.Reader, f *bigNode) {
		ctx := context.Background()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, err := r.GetUser(ctx, f.ids[i%len(f.ids)]); err != nil {
				b.Fatal(err)
			}
			i += 7919
		}
	})
}

func BenchmarkFindUsersLastPage(b *testing.B) {
	both(b, func(b *testing.B, r store.Reader, f *bigNode) {
		ctx := context.Background()
		q := store.UserQuery{NodeID: f.o.n1.ID, Offset: bigUsers - 1000, Limit: 1000}
		b.ReportAllocs()
		for b.Loop() {
			us, total, err := r.FindUsers(ctx, q)
			if err != nil || len(us) != 1000 || total != bigUsers {
				b.Fatal(len(us), total, err)
			}
		}
	})
}

func BenchmarkFindUserByUserName(b *testing.B) {
	both(b, func(b *testing.B, r store.Reader, f *bigNode) {
		ctx := context.Background()
		q := store.UserQuery{NodeID: f.o.n1.ID, Field: store.UserByUserName, Limit: 1}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			q.Value = f.names[i%len(f.names)] // mixed case: folded on each call
			us, total, err := r.FindUsers(ctx, q)
			if err != nil || len(us) != 1 || total != 1 {
				b.Fatal(len(us), total, err)
			}
			i += 7919
		}
	})
}

// BenchmarkGetUserParallel reads from every core at once, as a busy server does.
func BenchmarkGetUserParallel(b *testing.B) {
	f := bigFixture(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := f.mem.GetUser(ctx, f.ids[i%len(f.ids)]); err != nil {
				b.Error(err)
				return
			}
			i += 7919
		}
	})
}

// BenchmarkNew loads 100,000 users and 1,000,000 memberships (1,000 teams
// of 1,000 members) from SQLite.
func BenchmarkNew(b *testing.B) {
	f := bigFixture(b)
	ctx := context.Background()
	newOnce.Do(func() {
		newErr = f.inner.Update(ctx, func(tx store.Tx) error {
			for i := range 1000 {
				tm := newTeam(f.o, f.o.n1, i)
				if err := tx.CreateTeam(ctx, tm); err != nil {
					return err
				}
				for j := range 1000 {
					st := directory.MembershipActive
					if j%10 == 0 {
						st = directory.MembershipPending
					}
					m := directory.Membership{TeamID: tm.ID, UserID: f.ids[(i*97+j*101)%len(f.ids)], Status: st}
					if _, err := tx.PutMembership(ctx, m); err != nil {
						return fmt.Errorf("team %d member %d: %w", i, j, err)
					}
				}
			}
			return nil
		})
	})
	if newErr != nil {
		b.Fatal(newErr)
	}
	for _, workers := range []int{1, loadWorkers} {
		b.Run(fmt.Sprint("workers=", workers), func(b *testing.B) {
			defer func(w int) { loadWorkers = w }(loadWorkers)
			loadWorkers = workers
			for b.Loop() {
				s, err := New(ctx, f.inner)
				if err != nil {
					b.Fatal(err)
				}
				s.mu.RLock()
				n := 0
				for _, t := range s.st.teams {
					n += len(t.members)
				}
				users := len(s.st.users)
				s.mu.RUnlock()
				if n != 1000000 || users != bigUsers {
					b.Fatal(n, users)
				}
			}
		})
	}
}

var (
	newOnce sync.Once
	newErr  error
)
