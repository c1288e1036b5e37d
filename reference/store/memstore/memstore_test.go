package memstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

var errBoom = errors.New("boom")

func TestReadsComeFromMemoryAndTxReadsFromTx(t *testing.T) {
	ctx := context.Background()
	s, inner := openMem(t)
	o := seedOrg(t, s, "Acme", 10)

	var created directory.User
	var inTx, inMem error
	var cbSaw []error
	err := s.Update(ctx, func(tx store.Tx) error {
		// Registered before any write: still runs after memory is updated.
		tx.AfterCommit(func() { _, err := s.GetUser(ctx, created.ID); cbSaw = append(cbSaw, err) })
		created = newUser(o, o.n1, 1)
		if err := tx.CreateUser(ctx, &created); err != nil {
			return err
		}
		_, inTx = tx.GetUser(ctx, created.ID) // the tx sees its own write
		_, inMem = s.GetUser(ctx, created.ID) // memory does not, yet
		tx.AfterCommit(func() {
			u, err := s.GetUserByEmail(ctx, created.Email)
			if err == nil && u.ID != created.ID {
				err = fmt.Errorf("wrong user %d", u.ID)
			}
			cbSaw = append(cbSaw, err)
		})
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, inTx)
	require.ErrorIs(t, inMem, store.ErrNotFound)
	require.Equal(t, []error{nil, nil}, cbSaw)

	got, err := s.GetUser(ctx, created.ID)
	require.NoError(t, err)
	want, err := inner.GetUser(ctx, created.ID)
	require.NoError(t, err)
	require.Equal(t, want, got)
	e, err := s.GetEnterprise(ctx, o.ent.ID)
	require.NoError(t, err)
	require.Equal(t, 1, e.SeatsUsed)
	assertMirrors(t, s, inner, nil, nil)
}

func TestFailedUpdateLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	s, inner := openMem(t)
	o := seedOrg(t, s, "Acme", 10)
	ids := createUsers(t, s, o, o.n1, 0, 3)
	tm := newTeam(o, o.n1, 1)
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateTeam(ctx, tm); err != nil {
			return err
		}
		_, err := tx.PutMembership(ctx, directory.Membership{TeamID: tm.ID, UserID: ids[0], Status: directory.MembershipPending})
		return err
	}))
	assertMirrors(t, s, inner, nil, nil)

	var ghost directory.User
	ghostTeam := newTeam(o, o.n2, 2)
	ran := false
	err := s.Update(ctx, func(tx store.Tx) error {
		tx.AfterCommit(func() { ran = true })
		ghost = newUser(o, o.n2, 99)
		if err := tx.CreateUser(ctx, &ghost); err != nil {
			return err
		}
		if err := tx.CreateTeam(ctx, ghostTeam); err != nil {
			return err
		}
		if _, err := tx.PutMembership(ctx, directory.Membership{TeamID: ghostTeam.ID, UserID: ghost.ID, Status: directory.MembershipActive}); err != nil {
			return err
		}
		if _, err := tx.PutMembership(ctx, directory.Membership{TeamID: tm.ID, UserID: ids[0], Status: directory.MembershipActive}); err != nil {
			return err
		}
		if err := tx.DeleteUser(ctx, ids[1]); err != nil {
			return err
		}
		if err := tx.DeleteTeam(ctx, tm.ID); err != nil {
			return err
		}
		if err := tx.AddDomain(ctx, directory.Domain{Name: "ghost.example", EnterpriseID: o.ent.ID}); err != nil {
			return err
		}
		ent := o.ent
		ent.Name, ent.Seats = "Renamed", 500
		if err := tx.UpdateEnterprise(ctx, ent); err != nil {
			return err
		}
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)
	require.False(t, ran)

	_, err = s.GetUser(ctx, ghost.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.GetUserByEmail(ctx, ghost.Email)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.GetTeam(ctx, ghostTeam.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.GetDomain(ctx, "ghost.example")
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.GetUser(ctx, ids[1])
	require.NoError(t, err)
	m, err := s.GetMembership(ctx, tm.ID, ids[0])
	require.NoError(t, err)
	require.Equal(t, directory.MembershipPending, m.Status)
	e, err := s.GetEnterprise(ctx, o.ent.ID)
	require.NoError(t, err)
	require.Equal(t, "Acme", e.Name)
	require.Equal(t, 3, e.SeatsUsed)
	assertMirrors(t, s, inner, []int64{ghost.ID}, []string{ghostTeam.ID})

	// A panicking function is rolled back too (sqlstore returns the panic as an error).
	err = s.Update(ctx, func(tx store.Tx) error {
		u := newUser(o, o.n2, 98)
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		panic("boom")
	})
	require.Error(t, err)
	assertMirrors(t, s, inner, nil, nil)
}

// A write that fails inside a transaction the caller still commits: memory
// must match what was committed.
func TestSwallowedWriteErrors(t *testing.T) {
	ctx := context.Background()
	s, inner := openMem(t)
	o := seedOrg(t, s, "Acme", 2)
	other := seedOrg(t, s, "Globex", 5)
	ids := createUsers(t, s, o, o.n1, 0, 2) // every seat taken

	var errs []error
	err := s.Update(ctx, func(tx store.Tx) error {
		u := newUser(o, o.n1, 5)
		errs = append(errs, tx.CreateUser(ctx, &u)) // no seat
		dup := newUser(other, other.n1, 0)
		dup.Email = strings.ToUpper(newUser(o, o.n1, 0).Email)
		errs = append(errs, tx.CreateUser(ctx, &dup)) // email taken
		errs = append(errs, tx.CreateTeam(ctx, newTeam(o, o.n1, 1)))
		errs = append(errs, tx.CreateTeam(ctx, newTeam(o, o.n1, 1))) // team ID taken
		errs = append(errs, tx.AddDomain(ctx, directory.Domain{Name: "acme.example", EnterpriseID: o.ent.ID}))
		errs = append(errs, tx.AddDomain(ctx, directory.Domain{Name: "ACME.example", EnterpriseID: other.ent.ID})) // reserved
		_, err := tx.PutMembership(ctx, directory.Membership{TeamID: "no-such-team", UserID: ids[0], Status: directory.MembershipPending})
		errs = append(errs, err)
		errs = append(errs, tx.DeleteUser(ctx, 12345))
		errs = append(errs, tx.DeleteTeam(ctx, "no-such-team"))
		u0, err := tx.GetUser(ctx, ids[0])
		if err != nil {
			return err
		}
		u0.Email = newUser(o, o.n1, 1).Email // the other user's
		errs = append(errs, tx.UpdateUser(ctx, u0))
		return nil
	})
	require.NoError(t, err)
	require.ErrorIs(t, errs[0], store.ErrNoSeats)
	require.ErrorIs(t, errs[1], store.ErrConflict)
	require.NoError(t, errs[2])
	require.ErrorIs(t, errs[3], store.ErrConflict)
	require.NoError(t, errs[4])
	require.ErrorIs(t, errs[5], store.ErrConflict)
	require.Error(t, errs[6])
	require.Error(t, errs[7])
	require.Error(t, errs[8])
	require.ErrorIs(t, errs[9], store.ErrConflict)
	assertMirrors(t, s, inner, []int64{12345}, []string{"no-such-team"})
}

func TestNewReproducesExistingData(t *testing.T) {
	ctx := context.Background()
	inner := openSQL(t)
	// Written straight to the durable store, as a previous run left it.
	o := seedOrg(t, inner, "Acme", 1000)
	o2 := seedOrg(t, inner, "Globex", 1000)
	rng := rand.New(rand.NewPCG(7, 7))
	w := &workload{rng: rng, orgs: []org{o, o2}}
	for range 60 {
		_ = inner.Update(ctx, func(tx store.Tx) error { return w.step(ctx, tx, 8) })
	}
	s, err := New(ctx, inner)
	require.NoError(t, err)
	assertMirrors(t, s, inner, w.users, w.teams)

	// A second cache over the same data, after writes through the first.
	for range 40 {
		_ = s.Update(ctx, func(tx store.Tx) error { return w.step(ctx, tx, 8) })
	}
	s2, err := New(ctx, inner)
	require.NoError(t, err)
	assertMirrors(t, s, inner, w.users, w.teams)
	assertMirrors(t, s2, s, w.users, w.teams)
}

func TestRandomWorkloadMirrors(t *testing.T) {
	ctx := context.Background()
	s, inner := openMem(t)
	o := seedOrg(t, s, "Acme", 40) // few seats: ErrNoSeats happens
	o2 := seedOrg(t, s, "Globex", 1000)
	w := &workload{rng: rand.New(rand.NewPCG(1, 2)), orgs: []org{o, o2}}
	rounds, every := 300, 30
	if testing.Short() || raceEnabled {
		rounds, every = 120, 40
	}
	for i := range rounds {
		fail := w.rng.IntN(6) == 0
		err := s.Update(ctx, func(tx store.Tx) error {
			if err := w.step(ctx, tx, 1+w.rng.IntN(8)); err != nil {
				return err
			}
			if fail {
				return errBoom
			}
			return nil
		})
		if fail {
			require.ErrorIs(t, err, errBoom)
		} else {
			require.NoError(t, err)
		}
		if i%every == every-1 {
			assertMirrors(t, s, inner, w.users, w.teams)
		}
	}
	assertMirrors(t, s, inner, w.users, w.teams)
}

func TestConcurrentReadersAndWriters(t *testing.T) {
	ctx := context.Background()
	s, inner := openMem(t)
	o := seedOrg(t, s, "Acme", 100000)
	base := createUsers(t, s, o, o.n1, 0, 50)
	var wg sync.WaitGroup
	var stop atomic.Bool
	var reads atomic.Int64
	for r := range 4 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 9))
			for !stop.Load() {
				id := base[rng.IntN(len(base))]
				if u, err := s.GetUser(ctx, id); err == nil {
					assert.Equal(t, id, u.ID)
					if len(u.Emails) > 0 {
						u.Emails[0].Value = "scribble" // a copy: must not reach the cache
					}
				}
				us, total, err := s.FindUsers(ctx, store.UserQuery{NodeID: o.n1.ID, Offset: rng.IntN(40), Limit: 10})
				assert.NoError(t, err)
				assert.LessOrEqual(t, len(us), total)
				ts, _, _ := s.FindTeams(ctx, store.TeamQuery{NodeID: o.n1.ID})
				for _, tm := range ts {
					_, _ = s.TeamMembers(ctx, tm.ID)
				}
				_, _ = s.UserTeams(ctx, id)
				_, _ = s.PendingMemberships(ctx, o.ent.ID)
				_, _ = s.ListEndpoints(ctx, 0)
				reads.Add(1)
			}
		})
	}
	var ww sync.WaitGroup
	var mu sync.Mutex
	var users []int64
	var teams []string
	for wr := range 4 {
		ww.Go(func() {
			w := &workload{rng: rand.New(rand.NewPCG(uint64(wr), 3)), orgs: []org{o}, users: slices.Clip(base), seq: wr * 100000}
			for range 40 {
				fail := w.rng.IntN(5) == 0
				err := s.Update(ctx, func(tx store.Tx) error {
					if err := w.step(ctx, tx, 1+w.rng.IntN(5)); err != nil {
						return err
					}
					if fail {
						return errBoom
					}
					return nil
				})
				if !fail {
					assert.NoError(t, err)
				}
			}
			mu.Lock()
			users, teams = append(users, w.users...), append(teams, w.teams...)
			mu.Unlock()
		})
	}
	ww.Wait()
	stop.Store(true)
	wg.Wait()
	t.Logf("%d read rounds", reads.Load())
	assertMirrors(t, s, inner, users, teams)
}

func TestReturnedValuesAreCopies(t *testing.T) {
	ctx := context.Background()
	s, _ := openMem(t)
	o := seedOrg(t, s, "Acme", 10)
	ids := createUsers(t, s, o, o.n1, 0, 3)
	require.NoError(t, s.Update(ctx, func(tx store.Tx) error {
		return tx.PutEndpoint(ctx, directory.Endpoint{NodeID: o.n1.ID, EnterpriseID: o.ent.ID,
			TokenHash: directory.HashToken("t"), Status: directory.EndpointPending, Created: stamp(), Rotated: stamp()})
	}))

	u, err := s.GetUser(ctx, ids[0])
	require.NoError(t, err)
	u.Emails[0].Value = "changed"
	u2, _ := s.GetUser(ctx, ids[0])
	require.NotEqual(t, "changed", u2.Emails[0].Value)

	page, _, err := s.FindUsers(ctx, store.UserQuery{NodeID: o.n1.ID})
	require.NoError(t, err)
	require.Len(t, page, 3)
	_ = append(page[0].Emails, directory.Email{Value: "appended"}) // must not overwrite page[1]'s
	require.Equal(t, u2.Emails, page[0].Emails)
	u1, _ := s.GetUser(ctx, ids[1])
	require.Equal(t, u1.Emails, page[1].Emails)
	page[1].Emails[0].Value = "changed"
	u1b, _ := s.GetUser(ctx, ids[1])
	require.Equal(t, u1.Emails, u1b.Emails)

	ep, err := s.GetEndpoint(ctx, o.n1.ID)
	require.NoError(t, err)
	ep.TokenHash[0] ^= 0xff
	eps, _ := s.ListEndpoints(ctx, o.ent.ID)
	require.True(t, directory.TokenMatches("t", eps[0].TokenHash))
	eps[0].TokenHash[0] ^= 0xff
	ep2, _ := s.GetEndpoint(ctx, o.n1.ID)
	require.True(t, directory.TokenMatches("t", ep2.TokenHash))
}

// TestFindUsersDeepPage pages through 100,000 users of one node, inserted
// out of ID order straight into the read model (no SQL: fast under -race).
func TestFindUsersDeepPage(t *testing.T) {
	ctx := context.Background()
	const n = 100000
	s := &Store{st: newState()}
	rng := rand.New(rand.NewPCG(3, 4))
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = 100000000000000 + int64(i)*7 + rng.Int64N(7)
	}
	shuffled := slices.Clone(ids)
	for b := 0; b < n; b += 100 { // each block of 100 in random order
		blk := shuffled[b : b+100]
		rng.Shuffle(len(blk), func(i, j int) { blk[i], blk[j] = blk[j], blk[i] })
	}
	const node = 42
	for i, id := range shuffled {
		s.st.putUser(directory.User{ID: id, EnterpriseID: 1, NodeID: node, Email: fmt.Sprintf("u%d@example.com", i),
			UserName: fmt.Sprintf("u%d@example.com", i), ExternalID: fmt.Sprint(i % 3)})
	}
	s.st.putUser(directory.User{ID: 5, EnterpriseID: 1, NodeID: node + 1, Email: "other@example.com"})

	check := func(off, lim, wantLen int) {
		t.Helper()
		page, total, err := s.FindUsers(ctx, store.UserQuery{NodeID: node, Offset: off, Limit: lim})
		require.NoError(t, err)
		require.Equal(t, n, total)
		require.Len(t, page, wantLen)
		for i, u := range page {
			require.Equal(t, ids[max(off, 0)+i], u.ID)
		}
	}
	check(99000, 1000, 1000) // startIndex=99001, count=1000
	check(0, 1000, 1000)
	check(99999, 1000, 1)
	check(100000, 1000, 0)
	check(123456, 10, 0)
	check(-5, 3, 3)
	check(98500, 0, 1500) // no limit

	page, total, err := s.FindUsers(ctx, store.UserQuery{NodeID: node, Field: store.UserByExternal, Value: "1", Offset: 33000, Limit: 1000})
	require.NoError(t, err)
	require.Equal(t, n/3, total)
	require.Len(t, page, 333)
	for _, u := range page {
		require.Equal(t, "1", u.ExternalID)
	}
	require.True(t, slices.IsSortedFunc(page, func(a, b directory.User) int { return cmp.Compare(a.ID, b.ID) }))
	checkInvariants(t, s.st)
}

// TestFindUsersDeepPageSQL loads 100,000 users of one node from SQLite and
// pages to the end, against what SQLite answers (3,000 under -race or -short).
func TestFindUsersDeepPageSQL(t *testing.T) {
	ctx := context.Background()
	n := 100000
	if testing.Short() || raceEnabled {
		n = 3000
	}
	inner := openSQL(t)
	o := seedOrg(t, inner, "Big", n+10)
	ids := createUsers(t, inner, o, o.n1, 0, n)
	s, err := New(ctx, inner)
	require.NoError(t, err)

	off := n - 1000
	page, total, err := s.FindUsers(ctx, store.UserQuery{NodeID: o.n1.ID, Offset: off, Limit: 1000})
	require.NoError(t, err)
	require.Equal(t, n, total)
	require.Len(t, page, 1000)
	for i, u := range page {
		require.Equal(t, ids[off+i], u.ID)
	}
	want, wantTotal, err := inner.FindUsers(ctx, store.UserQuery{NodeID: o.n1.ID, Offset: off, Limit: 1000})
	require.NoError(t, err)
	require.Equal(t, wantTotal, total)
	require.Equal(t, want, page)

	// A user created through the cache lands at the end of the last page.
	more := createUsers(t, s, o, o.n1, n, 1)
	page, total, err = s.FindUsers(ctx, store.UserQuery{NodeID: o.n1.ID, Offset: off + 1, Limit: 1000})
	require.NoError(t, err)
	require.Equal(t, n+1, total)
	require.Equal(t, more[0], page[len(page)-1].ID)
	require.Equal(t, ids[off+1], page[0].ID)
	want, _, err = inner.FindUsers(ctx, store.UserQuery{NodeID: o.n1.ID, Offset: off + 1, Limit: 1000})
	require.NoError(t, err)
	require.Equal(t, want, page)
}

// workload makes random writes, and remembers every user and team ID it
// ever saw (deleted or rolled back ones too).
type workload struct {
	rng   *rand.Rand
	orgs  []org
	users []int64
	teams []string
	seq   int
}

func (w *workload) pick(n int) int { return w.rng.IntN(n) }

func (w *workload) user() int64 {
	if len(w.users) == 0 || w.pick(20) == 0 {
		return 424242 // missing
	}
	return w.users[w.pick(len(w.users))]
}

func (w *workload) team() string {
	if len(w.teams) == 0 || w.pick(20) == 0 {
		return "missing-team"
	}
	return w.teams[w.pick(len(w.teams))]
}

func (w *workload) org() (org, directory.Node) {
	o := w.orgs[w.pick(len(w.orgs))]
	return o, []directory.Node{o.root, o.n1, o.n2}[w.pick(3)]
}

var mixedCase = []func(string) string{strings.ToUpper, strings.ToLower, func(s string) string { return s }}

// step makes n random writes; errors of writes are ignored (the caller
// commits whatever succeeded), except an error reading inside the tx.
func (w *workload) step(ctx context.Context, tx store.Tx, n int) error {
	for range n {
		switch w.pick(16) {
		case 0, 1, 2: // create user; small email space: conflicts happen
			o, node := w.org()
			w.seq++
			u := newUser(o, node, w.seq)
			if w.pick(4) == 0 {
				u.Email = mixedCase[w.pick(3)](fmt.Sprintf("shared%d@example.com", w.pick(30)))
				u.UserName = u.Email
			}
			if w.pick(3) == 0 {
				u.ExternalID = ""
				u.Emails = nil
			}
			if err := tx.CreateUser(ctx, &u); err == nil {
				w.users = append(w.users, u.ID)
			}
		case 3, 4: // update user
			u, err := tx.GetUser(ctx, w.user())
			if err != nil {
				continue
			}
			switch w.pick(7) {
			case 0:
				u.Email = mixedCase[w.pick(3)](fmt.Sprintf("shared%d@example.com", w.pick(30)))
			case 1:
				u.UserName = mixedCase[w.pick(3)](fmt.Sprintf("name%d", w.pick(10)))
			case 2:
				u.ExternalID = []string{"", "x1", "X1", "x2"}[w.pick(4)]
			case 3:
				for _, o := range w.orgs {
					if o.ent.ID == u.EnterpriseID {
						u.NodeID = []int64{o.root.ID, o.n1.ID, o.n2.ID}[w.pick(3)]
					}
				}
			case 4:
				u.Locked = !u.Locked
				u.Status = directory.UserActive
			case 5:
				u.Emails = [][]directory.Email{nil, {}, {{Value: "a@b.c"}, {Value: "d@e.f", Type: "home"}}}[w.pick(3)]
			case 6:
				u.DisplayName = fmt.Sprint("Renamed ", w.pick(100))
			}
			u.Version++
			_ = tx.UpdateUser(ctx, u)
		case 5: // delete user
			_ = tx.DeleteUser(ctx, w.user())
		case 6: // create team; small ID space: conflicts happen
			o, node := w.org()
			tm := newTeam(o, node, w.pick(40))
			tm.DisplayName = mixedCase[w.pick(3)](fmt.Sprintf("Group %d", w.pick(8)))
			if w.pick(2) == 0 {
				tm.Status = directory.TeamActive
			}
			if err := tx.CreateTeam(ctx, tm); err == nil {
				w.teams = append(w.teams, tm.ID)
			}
		case 7: // update team
			tm, err := tx.GetTeam(ctx, w.team())
			if err != nil {
				continue
			}
			switch w.pick(3) {
			case 0:
				tm.DisplayName = mixedCase[w.pick(3)](fmt.Sprintf("Group %d", w.pick(8)))
			case 1:
				tm.Status = []directory.TeamStatus{directory.TeamActive, directory.TeamPending}[w.pick(2)]
			case 2:
				tm.ExternalID = []string{"", "g1", "G1"}[w.pick(3)]
			}
			tm.Version++
			_ = tx.UpdateTeam(ctx, tm)
		case 8:
			_ = tx.DeleteTeam(ctx, w.team())
		case 9, 10, 11: // put membership
			st := []directory.MembershipStatus{directory.MembershipPending, directory.MembershipActive}[w.pick(2)]
			_, _ = tx.PutMembership(ctx, directory.Membership{TeamID: w.team(), UserID: w.user(), Status: st})
		case 12:
			_, _ = tx.DeleteMembership(ctx, w.team(), w.user())
		case 13: // endpoints and SSO configurations
			o, node := w.org()
			if w.pick(3) == 0 {
				now := stamp()
				c := directory.SSOConfig{NodeID: node.ID, EnterpriseID: o.ent.ID, IDPMetadata: fmt.Sprint("<md", w.pick(9), "/>"),
					JIT: w.pick(2) == 0, SignPolicy: directory.SignResponse, Created: now, Modified: now,
					RelayStateAllow: [][]string{nil, {"https://a.example/"}}[w.pick(2)]}
				if w.pick(3) == 0 {
					_ = tx.DeleteSSOConfig(ctx, node.ID)
				} else {
					_ = tx.PutSSOConfig(ctx, c)
				}
				_ = tx.ClaimAssertion(ctx, fmt.Sprint("_a", w.pick(5)), now.Add(time.Minute), now)
				continue
			}
			if w.pick(3) == 0 {
				_ = tx.DeleteEndpoint(ctx, node.ID)
				continue
			}
			_ = tx.PutEndpoint(ctx, directory.Endpoint{NodeID: node.ID, EnterpriseID: o.ent.ID,
				TokenHash: directory.HashToken(fmt.Sprint(w.pick(1000))), Status: directory.EndpointPending,
				UniqueGroupNames: w.pick(2) == 0, Created: stamp(), Rotated: stamp()})
		case 14: // domains
			o, _ := w.org()
			name := mixedCase[w.pick(3)](fmt.Sprintf("d%d.example.com", w.pick(6)))
			if w.pick(3) == 0 {
				_ = tx.RemoveDomain(ctx, name)
				continue
			}
			_ = tx.AddDomain(ctx, directory.Domain{Name: name, EnterpriseID: o.ent.ID})
		case 15: // enterprise and node
			o, node := w.org()
			e, err := tx.GetEnterprise(ctx, o.ent.ID)
			if err != nil {
				return err
			}
			e.Name = fmt.Sprint("Ent ", w.pick(100))
			_ = tx.UpdateEnterprise(ctx, e)
			n, err := tx.GetNode(ctx, node.ID)
			if err != nil {
				return err
			}
			n.Settings.AutoApprove = !n.Settings.AutoApprove
			n.Name = fmt.Sprint("Node ", w.pick(100))
			_ = tx.UpdateNode(ctx, n)
		}
	}
	return nil
}

// faultyStore makes the reads of its transactions fail while fail is set.
type faultyStore struct {
	store.Store
	fail *atomic.Bool
}

type faultyTx struct {
	store.Tx
	fail *atomic.Bool
}

var errInjected = errors.New("injected read failure")

func (f faultyStore) Update(ctx context.Context, fn func(store.Tx) error) error {
	return f.Store.Update(ctx, func(tx store.Tx) error { return fn(faultyTx{Tx: tx, fail: f.fail}) })
}

func (f faultyTx) GetEnterprise(ctx context.Context, id int64) (directory.Enterprise, error) {
	if f.fail.Load() {
		return directory.Enterprise{}, errInjected
	}
	return f.Tx.GetEnterprise(ctx, id)
}

func (f faultyTx) GetUser(ctx context.Context, id int64) (directory.User, error) {
	if f.fail.Load() {
		return directory.User{}, errInjected
	}
	return f.Tx.GetUser(ctx, id)
}

// If a write's result cannot be read back, memory cannot follow the
// transaction: Update must not commit it even when fn ignores the error.
func TestUnreadableWriteIsNotCommitted(t *testing.T) {
	ctx := context.Background()
	sql := openSQL(t)
	var fail atomic.Bool
	s, err := New(ctx, faultyStore{Store: sql, fail: &fail})
	require.NoError(t, err)
	o := seedOrg(t, s, "Acme", 10)

	var u directory.User
	var werr error
	err = s.Update(ctx, func(tx store.Tx) error {
		fail.Store(true)
		defer fail.Store(false)
		u = newUser(o, o.n1, 1)
		werr = tx.CreateUser(ctx, &u)
		return nil // ignores werr
	})
	require.ErrorIs(t, werr, errInjected)
	require.ErrorIs(t, err, errInjected)
	_, err = sql.GetUser(ctx, u.ID)
	require.ErrorIs(t, err, store.ErrNotFound, "rolled back")
	assertMirrors(t, s, sql, []int64{u.ID}, nil)
}
