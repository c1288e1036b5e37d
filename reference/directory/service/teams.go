package service

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// TeamInput is what a provisioning client sets on a team.
type TeamInput struct {
	DisplayName string
	ExternalID  string
}

func (in *TeamInput) normalize(op string) error {
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	if in.DisplayName == "" {
		return &directory.Error{Op: op, Kind: directory.KindInvalid, Field: "displayName", Detail: "displayName is required"}
	}
	return nil
}

// checkUniqueName enforces the endpoint's "unique group names" flag.
func (s *Service) checkUniqueName(ctx context.Context, tx store.Tx, op string, nodeID int64, name, self string) error {
	ep, err := tx.GetEndpoint(ctx, nodeID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !ep.UniqueGroupNames) || s.fault(FaultUniqueNamesIgnored) {
		return nil
	}
	if err != nil {
		return err
	}
	same, _, err := tx.FindTeams(ctx, store.TeamQuery{NodeID: nodeID, Field: store.TeamByDisplayName, Value: name, Limit: 2})
	if err != nil {
		return err
	}
	for _, t := range same {
		if s.fault(FaultUniqueNamesCaseExact) && t.DisplayName != name {
			continue
		}
		if t.ID != self {
			return directory.Errorf(op, directory.KindConflict, "a team named %q already exists", name)
		}
	}
	return nil
}

// CreateTeam creates a pending team in the node (approved at once on an
// auto-approve node), with pending memberships for the given user IDs.
func (s *Service) CreateTeam(ctx context.Context, nodeID int64, in TeamInput, members []string) (directory.Team, error) {
	const op = "create team"
	if err := in.normalize(op); err != nil {
		return directory.Team{}, err
	}
	var t directory.Team
	err := s.update(ctx, op, func(tx store.Tx) error {
		n, err := tx.GetNode(ctx, nodeID)
		if err != nil {
			return err
		}
		if err := s.checkUniqueName(ctx, tx, op, nodeID, in.DisplayName, ""); err != nil {
			return err
		}
		uid, err := directory.NewTeamUID(s.rand)
		if err != nil {
			return err
		}
		now := s.stamp()
		t = directory.Team{ID: uid, EnterpriseID: n.EnterpriseID, NodeID: n.ID, DisplayName: in.DisplayName,
			ExternalID: in.ExternalID, Status: directory.TeamPending, Version: 1, Created: now, Modified: now}
		if n.Settings.AutoApprove || s.fault(FaultTeamsActive) || len(members) == 0 && s.fault(FaultEmptyTeamsActive) {
			t.Status = directory.TeamActive
		}
		if err := tx.CreateTeam(ctx, t); err != nil {
			return err
		}
		if len(members) > 0 {
			if err := s.changeTeamMembers(ctx, tx, n, t.ID, []MemberOp{{Op: MembersAdd, IDs: members}}); err != nil {
				return err
			}
			if err := s.activateInitialMembers(ctx, tx, n.EnterpriseID, t.ID); err != nil {
				return err
			}
		}
		t, err = tx.GetTeam(ctx, t.ID)
		return err
	})
	return t, err
}

// UpdateTeam changes a team's attributes (in nil: unchanged) and its members,
// atomically; version as in UpdateUser.
func (s *Service) UpdateTeam(ctx context.Context, nodeID int64, id string, version int64, in *TeamInput, members []MemberOp) (directory.Team, error) {
	if in != nil {
		if err := in.normalize("update team"); err != nil {
			return directory.Team{}, err
		}
	}
	return s.ChangeTeam(ctx, nodeID, id, version, func(directory.Team, func() ([]store.Member, error)) (*TeamInput, []MemberOp, error) {
		return in, members, nil
	})
}

// TeamChange computes a team's new attributes (nil: unchanged) and member
// changes from its current state and members (read on demand), inside the
// update's transaction, as UserChange does for users.
type TeamChange func(t directory.Team, members func() ([]store.Member, error)) (*TeamInput, []MemberOp, error)

// ChangeTeam applies change to the team's current state atomically (see
// ChangeUser); version is checked as in UpdateTeam.
func (s *Service) ChangeTeam(ctx context.Context, nodeID int64, id string, version int64, change TeamChange) (directory.Team, error) {
	const op = "update team"
	var t directory.Team
	err := s.update(ctx, op, func(tx store.Tx) error {
		var err error
		if t, err = teamInNode(ctx, tx, op, nodeID, id); err != nil {
			return err
		}
		if version != AnyVersion && t.Version != version {
			return directory.Errorf(op, directory.KindPrecondition, "team %s changed (version %d, expected %d)", id, t.Version, version)
		}
		in, members, err := change(t, func() ([]store.Member, error) { return tx.TeamMembers(ctx, t.ID) })
		if err != nil {
			return err
		}
		if in != nil {
			if err := in.normalize(op); err != nil {
				return err
			}
		}
		n, err := tx.GetNode(ctx, nodeID)
		if err != nil {
			return err
		}
		if in != nil && (in.DisplayName != t.DisplayName || in.ExternalID != t.ExternalID) {
			if !strings.EqualFold(in.DisplayName, t.DisplayName) {
				if err := s.checkUniqueName(ctx, tx, op, nodeID, in.DisplayName, t.ID); err != nil {
					return err
				}
			}
			renamed := in.DisplayName != t.DisplayName
			t.DisplayName, t.ExternalID = in.DisplayName, in.ExternalID
			t.Version++
			t.Modified = s.stamp()
			if err := tx.UpdateTeam(ctx, t); err != nil {
				return err
			}
			if renamed { // members' groups[].display changed: new user versions
				ms, err := tx.TeamMembers(ctx, t.ID)
				if err != nil {
					return err
				}
				for _, m := range ms {
					if err := s.bumpUser(ctx, tx, m.UserID); err != nil {
						return err
					}
				}
			}
		}
		if len(members) > 0 {
			if err := s.changeTeamMembers(ctx, tx, n, t.ID, members); err != nil {
				return err
			}
		}
		t, err = tx.GetTeam(ctx, t.ID)
		return err
	})
	return t, err
}

// DeleteTeam removes a team and its memberships.
func (s *Service) DeleteTeam(ctx context.Context, nodeID int64, id string) error {
	const op = "delete team"
	return s.update(ctx, op, func(tx store.Tx) error {
		if _, err := teamInNode(ctx, tx, op, nodeID, id); err != nil {
			return err
		}
		members, err := tx.TeamMembers(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteTeam(ctx, id); err != nil {
			return err
		}
		for _, m := range members { // their groups changed
			if err := s.bumpUser(ctx, tx, m.UserID); err != nil {
				return err
			}
		}
		return nil
	})
}

// changeTeamMembers applies member changes of one team. Users must belong to
// the node. The team's version moves once for the whole change, each
// member's user once per membership added or removed.
func (s *Service) changeTeamMembers(ctx context.Context, tx store.Tx, n directory.Node, teamID string, ops []MemberOp) error {
	const op = "change team members"
	t, err := tx.GetTeam(ctx, teamID)
	if err != nil {
		return err
	}
	changed := false
	for _, mo := range ops {
		if mo.Op == MembersReplace {
			cur, err := tx.TeamMembers(ctx, teamID)
			if err != nil {
				return err
			}
			keep := make(map[string]bool, len(mo.IDs))
			for _, id := range mo.IDs {
				keep[id] = true
			}
			for _, m := range cur {
				if !keep[strconv.FormatInt(m.UserID, 10)] {
					removed, err := tx.DeleteMembership(ctx, teamID, m.UserID)
					if err != nil {
						return err
					}
					if removed {
						changed = true
						if err := s.bumpUser(ctx, tx, m.UserID); err != nil {
							return err
						}
					}
				}
			}
		}
		for _, sid := range mo.IDs {
			uid, perr := strconv.ParseInt(sid, 10, 64)
			var u directory.User
			if perr == nil {
				u, err = tx.GetUser(ctx, uid)
			}
			if perr != nil || errors.Is(err, store.ErrNotFound) || (err == nil && u.NodeID != n.ID && !s.fault(FaultCrossNodeRefs)) {
				return &directory.Error{Op: op, Kind: directory.KindInvalid, Field: "members",
					Detail: "user " + sid + " does not exist in this node"}
			}
			if err != nil {
				return err
			}
			var did bool
			if mo.Op == MembersRemove {
				if did, err = tx.DeleteMembership(ctx, teamID, u.ID); err != nil {
					return err
				}
			} else if did, err = s.putMember(ctx, tx, n, t, u); err != nil {
				return err
			}
			if did {
				changed = true
				u.Version++ // the user's groups changed
				u.Modified = s.stamp()
				if err := tx.UpdateUser(ctx, u); err != nil {
					return err
				}
			}
		}
	}
	if changed {
		return s.bumpTeam(ctx, tx, teamID)
	}
	return nil
}

// ---- approval queue ----

// ApprovalResult counts what an approval run did.
type ApprovalResult struct {
	TeamsApproved       int `json:"teams_approved"`
	MembershipsApproved int `json:"memberships_approved"`
	// MembershipsWaiting stay queued: their user is invited or locked, or their team is still pending.
	MembershipsWaiting int `json:"memberships_waiting"`
}

// ApproveQueue approves the enterprise's queued teams and every queued
// membership whose user is active and unlocked (nodeID 0: all nodes).
func (s *Service) ApproveQueue(ctx context.Context, entID, nodeID int64) (ApprovalResult, error) {
	var res ApprovalResult
	err := s.update(ctx, "approve queue", func(tx store.Tx) error {
		if _, err := tx.GetEnterprise(ctx, entID); err != nil {
			return err
		}
		var err error
		res, err = s.approve(ctx, tx, entID, nodeID)
		return err
	})
	return res, err
}

func (s *Service) approve(ctx context.Context, tx store.Tx, entID, nodeID int64) (ApprovalResult, error) {
	var res ApprovalResult
	teams, err := tx.PendingTeams(ctx, entID)
	if err != nil {
		return res, err
	}
	for _, t := range teams {
		if nodeID != 0 && t.NodeID != nodeID {
			continue
		}
		t.Status = directory.TeamActive
		t.Version++
		t.Modified = s.stamp()
		if err := tx.UpdateTeam(ctx, t); err != nil {
			return res, err
		}
		res.TeamsApproved++
	}
	ms, err := tx.PendingMemberships(ctx, entID)
	if err != nil {
		return res, err
	}
	for _, m := range ms {
		t, err := tx.GetTeam(ctx, m.TeamID)
		if err != nil {
			return res, err
		}
		if nodeID != 0 && t.NodeID != nodeID {
			continue
		}
		u, err := tx.GetUser(ctx, m.UserID)
		if err != nil {
			return res, err
		}
		if s.fault(FaultApproveLocked) && u.Locked {
			u.Locked = false // the twin looks at the invitation only
		}
		if s.fault(FaultApproveTeamsOnly) || !directory.MembershipApprovable(u, t) && !(s.fault(FaultApproveInvited) && t.Status == directory.TeamActive) {
			res.MembershipsWaiting++
			continue
		}
		m.Status = directory.MembershipActive
		if _, err := tx.PutMembership(ctx, m); err != nil {
			return res, err
		}
		res.MembershipsApproved++
	}
	return res, nil
}

// activateInitialMembers is FaultInitialMembersActive: the memberships a
// group is created with are active at once.
func (s *Service) activateInitialMembers(ctx context.Context, tx store.Tx, entID int64, teamID string) error {
	if !s.fault(FaultInitialMembersActive) {
		return nil
	}
	ms, err := tx.PendingMemberships(ctx, entID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.TeamID == teamID {
			m.Status = directory.MembershipActive
			if _, err := tx.PutMembership(ctx, m); err != nil {
				return err
			}
		}
	}
	return nil
}
