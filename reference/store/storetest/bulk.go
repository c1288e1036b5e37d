package storetest

import (
	"fmt"
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// testBulkTransaction: one Update that changes the same rows many times (a
// team's version once per member added, the seat count once per user
// created, as a POST /Groups of thousands of members does) sees its own
// latest writes through every read, commits them all, and stays fast (a
// backend must not take quadratic time over it).
func testBulkTransaction(x *suite) {
	t := x.t
	w := x.world()
	const n = 3000
	e := x.enterprise("Bulk", n+1)
	node := x.node(e.ID, 0, "Bulk")
	tm := mkTeam(teamID('b', 1), e.ID, node.ID, "Bulk")
	x.team(tm)
	start := time.Now()
	var ids []int64
	x.update(func(tx store.Tx) error {
		ids = ids[:0]
		for i := range n {
			u := mkUser(e.ID, node.ID, fmt.Sprintf("bulk%05d@example.com", i))
			if err := tx.CreateUser(x.ctx, &u); err != nil {
				return err
			}
			ids = append(ids, u.ID)
			if _, err := tx.PutMembership(x.ctx, directory.Membership{TeamID: tm.ID, UserID: u.ID, Status: directory.MembershipPending}); err != nil {
				return err
			}
			cur, err := tx.GetTeam(x.ctx, tm.ID)
			if err != nil {
				return err
			}
			if cur.Version != int64(i+1) {
				return fmt.Errorf("GetTeam in tx after %d updates: version %d", i, cur.Version)
			}
			cur.Version++
			cur.Modified = at(100 + i)
			if err := tx.UpdateTeam(x.ctx, cur); err != nil {
				return err
			}
		}
		// Every read sees the latest copy.
		got, err := tx.GetEnterprise(x.ctx, e.ID)
		if err != nil || got.SeatsUsed != n {
			return fmt.Errorf("GetEnterprise in tx: SeatsUsed %d, %v; want %d", got.SeatsUsed, err, n)
		}
		teams, _, err := tx.FindTeams(x.ctx, store.TeamQuery{NodeID: node.ID})
		if err != nil || len(teams) != 1 || teams[0].Version != n+1 || !teams[0].Modified.Equal(at(100+n-1)) {
			return fmt.Errorf("FindTeams in tx = %+v, %v; want version %d", teams, err, n+1)
		}
		uts, err := tx.UserTeams(x.ctx, ids[0])
		if err != nil || len(uts) != 1 {
			return fmt.Errorf("UserTeams in tx = %v, %v", uts, err)
		}
		// A refused email takes no seat.
		dup := mkUser(e.ID, node.ID, "BULK00000@example.com")
		isErr(t, "CreateUser of a taken email in a bulk Update", tx.CreateUser(x.ctx, &dup), store.ErrConflict)
		// The last seat is taken; the next CreateUser finds none, and the
		// refusal leaves the transaction usable.
		u := mkUser(e.ID, node.ID, "last@example.com")
		if err := tx.CreateUser(x.ctx, &u); err != nil {
			return err
		}
		v := mkUser(e.ID, node.ID, "over@example.com")
		if err := tx.CreateUser(x.ctx, &v); !isErr(t, "CreateUser past the seats in one Update", err, store.ErrNoSeats) {
			return nil
		}
		if err := tx.DeleteUser(x.ctx, u.ID); err != nil {
			return err
		}
		got, err = tx.GetEnterprise(x.ctx, e.ID)
		if err != nil || got.SeatsUsed != n {
			return fmt.Errorf("GetEnterprise after DeleteUser in tx: SeatsUsed %d, %v; want %d", got.SeatsUsed, err, n)
		}
		final, err := tx.GetTeam(x.ctx, tm.ID)
		if err != nil {
			return err
		}
		final.DisplayName = "Bulk done"
		return tx.UpdateTeam(x.ctx, final)
	})
	took := time.Since(start)
	expect(t, took < 60*time.Second, "a %d-item Update took %s", n, took)
	got, err := x.s.GetEnterprise(x.ctx, e.ID)
	noErr(t, "GetEnterprise", err)
	equal(t, "SeatsUsed after the bulk Update", got.SeatsUsed, n)
	team, err := x.s.GetTeam(x.ctx, tm.ID)
	noErr(t, "GetTeam", err)
	expect(t, team.Version == n+1 && team.DisplayName == "Bulk done" && team.EnterpriseID == e.ID && team.Created.Equal(tm.Created),
		"team after the bulk Update = %+v", team)
	ms, err := x.s.TeamMembers(x.ctx, tm.ID)
	noErr(t, "TeamMembers", err)
	equal(t, "members after the bulk Update", len(ms), n)
	// A rolled-back bulk Update leaves the seat count and the team as they were.
	_ = x.s.Update(x.ctx, func(tx store.Tx) error {
		for i := range 10 {
			cur, err := tx.GetTeam(x.ctx, tm.ID)
			if err != nil {
				return err
			}
			cur.Version++
			if err := tx.UpdateTeam(x.ctx, cur); err != nil {
				return err
			}
			if err := tx.DeleteUser(x.ctx, ids[i]); err != nil {
				return err
			}
		}
		return errRollback
	})
	got, _ = x.s.GetEnterprise(x.ctx, e.ID)
	again, _ := x.s.GetTeam(x.ctx, tm.ID)
	expect(t, got.SeatsUsed == n && again.Version == n+1, "after a rolled-back bulk Update: seats %d, version %d", got.SeatsUsed, again.Version)
	_ = w
}

var errRollback = fmt.Errorf("storetest: roll back")
