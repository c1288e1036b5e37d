package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// UserInput is what a provisioning client sets on a user.
type UserInput struct {
	UserName    string
	GivenName   string
	FamilyName  string
	DisplayName string
	ExternalID  string
	Emails      []directory.Email
	// Extra is the JSON object of the further SCIM attributes ("" for none).
	Extra string
	// Active false locks the user, true unlocks it; nil leaves the lock as is.
	Active *bool
}

// MemberOp is a membership change: add or remove the listed IDs, or replace
// the whole list (Replace with no IDs empties it).
type MemberOp struct {
	Op  MemberOpKind
	IDs []string
}

// MemberOpKind is the kind of a MemberOp.
type MemberOpKind int

// Membership change kinds.
const (
	MembersAdd MemberOpKind = iota + 1
	MembersRemove
	MembersReplace
)

// AnyVersion skips the optimistic version check of an update.
const AnyVersion int64 = -1

func notFound(op, what string) error {
	return &directory.Error{Op: op, Kind: directory.KindNotFound, Detail: what + " not found"}
}

// userInNode reads a user and checks it belongs to the node: sub-nodes and
// other nodes are not visible through a node's endpoint.
func userInNode(ctx context.Context, r store.Reader, op string, nodeID, id int64) (directory.User, error) {
	u, err := r.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.NodeID != nodeID) {
		return u, notFound(op, "user")
	}
	return u, err
}

// userVisible is userInNode for reads, where FaultSubNodeVisible lets a
// parent's endpoint read its sub-nodes' users (and FaultSubNodeForbidden
// refuses them with 403, telling that they exist).
func (s *Service) userVisible(ctx context.Context, op string, nodeID, id int64) (directory.User, error) {
	u, err := userInNode(ctx, s.st, op, nodeID, id)
	if directory.KindOf(err) == directory.KindNotFound && s.fault(FaultSubNodeVisible) {
		if cu, cerr := s.st.GetUser(ctx, id); cerr == nil {
			if n, nerr := s.st.GetNode(ctx, cu.NodeID); nerr == nil && n.ParentID == nodeID {
				return cu, nil
			}
		}
	}
	if directory.KindOf(err) == directory.KindNotFound && s.fault(FaultSubNodeForbidden) {
		if cu, cerr := s.st.GetUser(ctx, id); cerr == nil {
			if n, nerr := s.st.GetNode(ctx, cu.NodeID); nerr == nil && n.ParentID == nodeID {
				return u, directory.Errorf(op, directory.KindForbidden, "user %d belongs to a sub-node", id)
			}
		}
	}
	return u, err
}

func teamInNode(ctx context.Context, r store.Reader, op string, nodeID int64, id string) (directory.Team, error) {
	t, err := r.GetTeam(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.NodeID != nodeID) {
		return t, notFound(op, "team")
	}
	return t, err
}

// GetUser reads a user of the node.
func (s *Service) GetUser(ctx context.Context, nodeID, id int64) (directory.User, error) {
	return s.userVisible(ctx, "get user", nodeID, id)
}

// GetTeam reads a team of the node.
func (s *Service) GetTeam(ctx context.Context, nodeID int64, id string) (directory.Team, error) {
	return teamInNode(ctx, s.st, "get team", nodeID, id)
}

func (in *UserInput) normalize(op string, mode directory.IdentityMode) (string, error) {
	in.UserName = strings.TrimSpace(in.UserName)
	email, ok := directory.Identity(mode, in.UserName, in.Emails)
	if !ok && mode == directory.IdentityModeAny {
		return "", &directory.Error{Op: op, Kind: directory.KindInvalid, Field: "userName",
			Detail: "userName must not be empty"}
	}
	if !ok {
		return "", &directory.Error{Op: op, Kind: directory.KindInvalid, Field: "userName",
			Detail: "userName or an email must hold a valid email address"}
	}
	return email, nil
}

// apply sets u from in, email being its identity. With keeperDefaults (a
// node of identity mode email), Keeper's defaults fill what the client left
// out or removed: displayName and emails show the identity email. Without,
// (mode any) u holds what was sent, and a removed attribute stays removed.
func (in UserInput) apply(u *directory.User, email string, keeperDefaults bool) {
	u.UserName, u.Email = in.UserName, email
	u.GivenName, u.FamilyName = in.GivenName, in.FamilyName
	u.DisplayName = strings.TrimSpace(in.DisplayName)
	u.Emails = in.Emails
	if keeperDefaults {
		if u.DisplayName == "" {
			u.DisplayName = email // Keeper shows the email when no display name is given
		}
		if len(u.Emails) == 0 {
			u.Emails = []directory.Email{{Value: email, Primary: true}} // the identity is the user's email
		}
	}
	u.ExternalID = in.ExternalID
	u.Extra = in.Extra
	if in.Active != nil {
		u.Locked = !*in.Active
	}
}

// checkDomain refuses an email whose domain another enterprise reserved.
// caseExactDomains is FaultReservedDomainCaseExact.
func checkDomain(ctx context.Context, tx store.Reader, op string, entID int64, email string, caseExactDomains bool) error {
	if caseExactDomains && strings.ToLower(email) != email {
		return nil // FaultReservedDomainCaseExact: the domain as written is not the reserved one
	}
	d, err := tx.GetDomain(ctx, directory.EmailDomain(email))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.EnterpriseID != entID {
		return directory.Errorf(op, directory.KindConflict, "domain %s is reserved by another enterprise", d.Name)
	}
	return nil
}

// CreateUser provisions a user into a node: a new user is invited, in the
// node's default role. An email already in this node links to that user
// (same id, externalId updated; created is false); an email of any other
// node or enterprise is a conflict. groups are team IDs of the node to join
// (memberships start pending).
func (s *Service) CreateUser(ctx context.Context, nodeID int64, in UserInput, groups []string) (u directory.User, created bool, err error) {
	const op = "create user"
	uctx := ctx
	if len(groups) == 0 && len(s.faults) == 0 {
		// Without groups (no membership, no approval queue) the function
		// writes nothing but the new user, or links an existing one (an
		// UpdateUser, which the store runs at its full isolation): every rule
		// of a create is enforced by CreateUser itself (unique email index,
		// the conditional seat update, foreign keys), and the domain and node
		// it reads are changed only by Updates that read no user.
		uctx = store.WithWriteEnforced(ctx)
	}
	err = s.update(uctx, op, func(tx store.Tx) error {
		created = false
		n, err := tx.GetNode(ctx, nodeID)
		if err != nil {
			return err
		}
		in := in // normalised per attempt
		mode := s.identityMode(n)
		email, err := in.normalize(op, mode)
		if err != nil && s.fault(FaultLenientIdentity) && strings.Contains(in.UserName, "@") {
			email, err = strings.TrimSpace(in.UserName), nil
		}
		if err == nil {
			err = s.userNameTwin(op, in.UserName)
		}
		if err != nil {
			return err
		}
		existing, err := tx.GetUserByEmail(ctx, email)
		otherCase := err == nil && existing.Email != email
		if otherCase && s.fault(FaultLinkCaseSensitive) && existing.NodeID == nodeID {
			return directory.Errorf(op, directory.KindConflict, "email %q is already taken", email)
		}
		switch {
		case err == nil && (s.fault(FaultDuplicateEmail) || otherCase && s.fault(FaultEmailCaseSensitive)) && existing.NodeID != nodeID,
			err == nil && otherCase && s.fault(FaultUserNameUniqueCaseExact) && existing.NodeID == nodeID:
			// the fault: store a mangled identity so the database accepts the duplicate
			now := s.stamp()
			u = directory.User{EnterpriseID: n.EnterpriseID, NodeID: n.ID, RoleID: n.DefaultRoleID,
				Status: directory.UserInvited, Version: 1, Created: now, Modified: now}
			in.apply(&u, "dup."+now.Format("150405.000000000")+"."+email, s.keeperDefaults(mode, false))
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			created = true
		case err == nil:
			if s.fault(FaultNoLink) {
				return directory.Errorf(op, directory.KindConflict, "email %q is already taken", email)
			}
			if s.fault(FaultReprovisionLinks) && existing.NodeID == nodeID {
				n.Settings.Reprovision = directory.ReprovisionLink
			}
			if err := directory.LinkOrConflict(existing, n); err != nil {
				return err
			}
			if s.fault(FaultLinkNeedsSeat) {
				if e, err := tx.GetEnterprise(ctx, n.EnterpriseID); err == nil && e.SeatsUsed >= e.Seats {
					return store.ErrNoSeats
				}
			}
			u = existing
			if in.ExternalID != "" {
				u.ExternalID = in.ExternalID
			}
			u.Version++
			u.Modified = s.stamp()
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
		case errors.Is(err, store.ErrNotFound):
			if err := checkDomain(ctx, tx, op, n.EnterpriseID, email, s.fault(FaultReservedDomainCaseExact)); err != nil {
				return err
			}
			now := s.stamp()
			u = directory.User{EnterpriseID: n.EnterpriseID, NodeID: n.ID, RoleID: n.DefaultRoleID,
				Status: directory.UserInvited, Version: 1, Created: now, Modified: now}
			if s.fault(FaultUsersActive) {
				u.Status = directory.UserActive
			}
			if s.fault(FaultUsersLocked) {
				u.Status, u.Locked = directory.UserActive, true
			}
			in.apply(&u, email, s.keeperDefaults(mode, false))
			if s.fault(FaultDisplayNameLocalPart) && strings.TrimSpace(in.DisplayName) == "" {
				u.DisplayName, _, _ = strings.Cut(email, "@")
			}
			if s.fault(FaultSeatsIgnored) {
				if e, err := tx.GetEnterprise(ctx, n.EnterpriseID); err == nil && e.SeatsUsed >= e.Seats {
					e.Seats = e.SeatsUsed + 1
					if err := tx.UpdateEnterprise(ctx, e); err != nil {
						return err
					}
				}
			}
			if err := tx.CreateUser(ctx, &u); err != nil {
				if errors.Is(err, store.ErrNoSeats) && s.fault(FaultSeatsConflict) {
					return directory.Errorf(op, directory.KindConflict, "no seat is free")
				}
				return err
			}
			created = true
		default:
			return err
		}
		if len(groups) > 0 {
			if err := s.changeUserTeams(ctx, tx, n, &u, []MemberOp{{Op: MembersAdd, IDs: groups}}); err != nil {
				return err
			}
		}
		return nil
	})
	return u, created, err
}

// UpdateUser replaces a user's attributes (PUT, or the result of a PATCH)
// and applies membership changes, atomically. version is the version the
// caller read (AnyVersion to skip the check); a mismatch is KindPrecondition.
// Changing the email to one another user holds is a conflict.
func (s *Service) UpdateUser(ctx context.Context, nodeID, id, version int64, in UserInput, teams []MemberOp) (directory.User, error) {
	return s.ChangeUser(ctx, nodeID, id, version, func(directory.User, func() ([]store.UserTeam, error)) (UserInput, []MemberOp, error) {
		return in, teams, nil
	})
}

// UserChange computes a user's new attributes and membership changes from
// its current state and teams (read on demand): a PATCH. It runs inside the
// update's transaction, so what it returns applies to exactly the state it
// saw; it may run more than once (a retried transaction) and must have no
// other effect.
type UserChange func(u directory.User, teams func() ([]store.UserTeam, error)) (UserInput, []MemberOp, error)

// ChangeUser applies change to the user's current state atomically, so
// concurrent changes of one user serialise instead of failing: without a
// version (AnyVersion) none is refused for having raced another (RFC 7644
// §3.14 ties 412 to If-Match). version is checked as in UpdateUser.
func (s *Service) ChangeUser(ctx context.Context, nodeID, id, version int64, change UserChange) (directory.User, error) {
	const op = "update user"
	var u directory.User
	err := s.update(ctx, op, func(tx store.Tx) error {
		var err error
		if u, err = userInNode(ctx, tx, op, nodeID, id); err != nil {
			return err
		}
		if version != AnyVersion && u.Version != version {
			return directory.Errorf(op, directory.KindPrecondition, "user %d changed (version %d, expected %d)", id, u.Version, version)
		}
		n, err := tx.GetNode(ctx, nodeID)
		if err != nil {
			return err
		}
		in, teams, err := change(u, func() ([]store.UserTeam, error) { return tx.UserTeams(ctx, id) })
		if err != nil {
			return err
		}
		if s.fault(FaultReactivateIgnored) && in.Active != nil && *in.Active {
			in.Active = nil
		}
		mode := s.identityMode(n)
		email, err := in.normalize(op, mode)
		if err == nil {
			err = s.userNameTwin(op, in.UserName)
		}
		if err != nil {
			return err
		}
		if !strings.EqualFold(email, u.Email) {
			if err := checkDomain(ctx, tx, op, u.EnterpriseID, email, s.fault(FaultReservedDomainCaseExact)); err != nil {
				return err
			}
		}
		wasLocked := u.Locked
		before := u
		in.apply(&u, email, s.keeperDefaults(mode, true))
		// RFC 7644 §3.5.2.1: an add that changes nothing "SHALL NOT change
		// the modify timestamp": an unchanged user keeps its version too.
		if !sameUser(before, u) || s.fault(FaultUnchangedBumps) {
			u.Version++
			if !s.fault(FaultLastModifiedFrozen) {
				u.Modified = s.stamp()
			}
			if err := tx.UpdateUser(ctx, u); err != nil {
				if errors.Is(err, store.ErrConflict) {
					return directory.Errorf(op, directory.KindConflict, "email %q is already taken", email)
				}
				return err
			}
		}
		if len(teams) > 0 {
			if err := s.changeUserTeams(ctx, tx, n, &u, teams); err != nil {
				return err
			}
		}
		if wasLocked && !u.Locked && n.Settings.AutoApprove {
			_, err = s.approve(ctx, tx, n.EnterpriseID, n.ID)
		}
		return err
	})
	return u, err
}

// DeprovisionUser is SCIM DELETE /Users/{id}: on a node in lock mode
// (Keeper's behaviour) the user is locked and stays readable; in delete mode
// (RFC 7644 §3.6) it is removed. deleted reports which happened.
func (s *Service) DeprovisionUser(ctx context.Context, nodeID, id int64) (deleted bool, err error) {
	const op = "delete user"
	err = s.update(ctx, op, func(tx store.Tx) error {
		deleted = false
		u, err := userInNode(ctx, tx, op, nodeID, id)
		if err != nil {
			return err
		}
		n, err := tx.GetNode(ctx, nodeID)
		if err != nil {
			return err
		}
		if n.Settings.Deprovision == directory.DeprovisionDelete {
			deleted = true
			return s.deleteUser(ctx, tx, u)
		}
		if u.Locked || s.fault(FaultDeleteKeepsActive) {
			return nil
		}
		u.Locked = true
		u.Version++
		u.Modified = s.stamp()
		return tx.UpdateUser(ctx, u)
	})
	return deleted, err
}

// sameUser reports whether a and b hold the same provisioned attributes.
func sameUser(a, b directory.User) bool {
	return a.UserName == b.UserName && a.Email == b.Email && a.GivenName == b.GivenName &&
		a.FamilyName == b.FamilyName && a.DisplayName == b.DisplayName && a.ExternalID == b.ExternalID &&
		a.Locked == b.Locked && slices.Equal(a.Emails, b.Emails) && a.Extra == b.Extra
}

// userNameTwin refuses a userName the way a server with
// FaultUserNameNoSpaces does: white space is not allowed in it.
func (s *Service) userNameTwin(op, userName string) error {
	if s.fault(FaultUserNameNoSpaces) && strings.ContainsFunc(userName, unicode.IsSpace) {
		return &directory.Error{Op: op, Kind: directory.KindInvalid, Field: "userName", Detail: "userName must not contain white space"}
	}
	return nil
}

// identityMode is the node's identity mode as the service applies it
// (FaultIdentityEmail keeps Keeper's rule on every node).
func (s *Service) identityMode(n directory.Node) directory.IdentityMode {
	if n.Settings.Identity == directory.IdentityModeAny && !s.fault(FaultIdentityEmail) {
		return directory.IdentityModeAny
	}
	return directory.IdentityModeEmail
}

// keeperDefaults reports whether Keeper's identity-email defaults apply to
// a user of a node of this identity mode (update: a change of an existing
// user, where the faults of the remove rules act).
func (s *Service) keeperDefaults(mode directory.IdentityMode, update bool) bool {
	if update && s.fault(FaultRemoveRefills) {
		return true
	}
	if update && s.fault(FaultRemoveClears) {
		return false
	}
	return mode != directory.IdentityModeAny
}

func (s *Service) deleteUser(ctx context.Context, tx store.Tx, u directory.User) error {
	teams, err := tx.UserTeams(ctx, u.ID)
	if err != nil {
		return err
	}
	if err := tx.DeleteUser(ctx, u.ID); err != nil {
		return err
	}
	for _, t := range teams { // members changed: a new team version
		if err := s.bumpTeam(ctx, tx, t.TeamID); err != nil {
			return err
		}
	}
	return nil
}

// DeleteUserPermanently removes a user (the admin console's permanent delete).
func (s *Service) DeleteUserPermanently(ctx context.Context, id int64) error {
	const op = "delete user permanently"
	return s.update(ctx, op, func(tx store.Tx) error {
		u, err := tx.GetUser(ctx, id)
		if err != nil {
			return err
		}
		return s.deleteUser(ctx, tx, u)
	})
}

// SetUserState is the admin's direct control of a user: status (invited or
// active: accepting the invitation) and lock. Activating or unlocking a user
// makes its queued memberships approvable (approved at once on an
// auto-approve node).
func (s *Service) SetUserState(ctx context.Context, id int64, status directory.UserStatus, locked *bool) (directory.User, error) {
	const op = "set user state"
	if status != "" && status != directory.UserInvited && status != directory.UserActive {
		return directory.User{}, directory.Errorf(op, directory.KindInvalid, "status must be invited or active")
	}
	var u directory.User
	err := s.update(ctx, op, func(tx store.Tx) error {
		var err error
		if u, err = tx.GetUser(ctx, id); err != nil {
			return err
		}
		if status != "" {
			u.Status = status
		}
		if locked != nil {
			u.Locked = *locked
		}
		u.Version++
		u.Modified = s.stamp()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		n, err := tx.GetNode(ctx, u.NodeID)
		if err != nil {
			return err
		}
		if n.Settings.AutoApprove {
			_, err = s.approve(ctx, tx, n.EnterpriseID, n.ID)
		}
		return err
	})
	return u, err
}

func (s *Service) bumpTeam(ctx context.Context, tx store.Tx, id string) error {
	t, err := tx.GetTeam(ctx, id)
	if err != nil {
		return err
	}
	if !s.fault(FaultVersionFrozenOnMembers) {
		t.Version++
	}
	t.Modified = s.stamp()
	return tx.UpdateTeam(ctx, t)
}

func (s *Service) bumpUser(ctx context.Context, tx store.Tx, id int64) error {
	u, err := tx.GetUser(ctx, id)
	if err != nil {
		return err
	}
	u.Version++
	u.Modified = s.stamp()
	return tx.UpdateUser(ctx, u)
}

// changeUserTeams applies team changes of one user (User.groups). Teams must
// belong to the node. New memberships are pending.
func (s *Service) changeUserTeams(ctx context.Context, tx store.Tx, n directory.Node, u *directory.User, ops []MemberOp) error {
	const op = "change user teams"
	for _, mo := range ops {
		if mo.Op == MembersReplace {
			cur, err := tx.UserTeams(ctx, u.ID)
			if err != nil {
				return err
			}
			keep := make(map[string]bool, len(mo.IDs))
			for _, id := range mo.IDs {
				keep[id] = true
			}
			for _, t := range cur {
				if t.NodeID == n.ID && !keep[t.TeamID] {
					if err := s.removeMember(ctx, tx, t.TeamID, u.ID); err != nil {
						return err
					}
				}
			}
		}
		for _, tid := range mo.IDs {
			t, err := tx.GetTeam(ctx, tid)
			if errors.Is(err, store.ErrNotFound) || (err == nil && t.NodeID != n.ID && !s.fault(FaultCrossNodeRefs) && !s.fault(FaultUserTeamsUnchecked)) {
				return &directory.Error{Op: op, Kind: directory.KindInvalid, Field: "groups",
					Detail: "team " + tid + " does not exist in this node"}
			}
			if err != nil {
				return err
			}
			if mo.Op == MembersRemove {
				if err := s.removeMember(ctx, tx, t.ID, u.ID); err != nil {
					return err
				}
			} else if err := s.addMember(ctx, tx, n, t, *u); err != nil {
				return err
			}
		}
	}
	nu, err := tx.GetUser(ctx, u.ID)
	if err == nil {
		*u = nu
	}
	return err
}

// addMember queues a membership (pending), or makes it active at once on an
// auto-approve node when it is approvable. An existing membership is left as is.
func (s *Service) addMember(ctx context.Context, tx store.Tx, n directory.Node, t directory.Team, u directory.User) error {
	added, err := s.putMember(ctx, tx, n, t, u)
	if err != nil || !added {
		return err
	}
	if err := s.bumpTeam(ctx, tx, t.ID); err != nil {
		return err
	}
	return s.bumpUser(ctx, tx, u.ID)
}

// putMember stores u's membership of t (pending unless the node approves it
// at once) unless it exists; added says whether it was new.
func (s *Service) putMember(ctx context.Context, tx store.Tx, n directory.Node, t directory.Team, u directory.User) (added bool, err error) {
	if _, err := tx.GetMembership(ctx, t.ID, u.ID); err == nil {
		return false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	st := directory.MembershipPending
	if s.fault(FaultMembershipsActive) || n.Settings.AutoApprove && directory.MembershipApprovable(u, t) && !s.fault(FaultAutoApproveTeamsOnly) {
		st = directory.MembershipActive
	}
	if _, err := tx.PutMembership(ctx, directory.Membership{TeamID: t.ID, UserID: u.ID, Status: st}); err != nil {
		return false, err
	}
	return true, nil
}

func (s *Service) removeMember(ctx context.Context, tx store.Tx, teamID string, userID int64) error {
	removed, err := tx.DeleteMembership(ctx, teamID, userID)
	if err != nil || !removed {
		return err
	}
	if err := s.bumpTeam(ctx, tx, teamID); err != nil {
		return err
	}
	return s.bumpUser(ctx, tx, userID)
}
