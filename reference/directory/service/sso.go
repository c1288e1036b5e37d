package service

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// SSO faults: each switches off one JIT rule (tests only).
const (
	FaultSSOJITIgnored  Fault = "keeper-jit-ignored"       // JIT off still creates users
	FaultSSOLockedLogin Fault = "keeper-sso-locked-login"  // a locked user's sign-in unlocks it and signs it in
	FaultSSOCrossTenant Fault = "keeper-sso-cross-tenant"  // another enterprise's or node's user signs in
	FaultSSOInvitedStay Fault = "keeper-sso-invited-stays" // an invited user stays invited after signing in
	FaultJITInvited     Fault = "keeper-jit-invited"       // a JIT user is created invited, in the root's default role
	// FaultJITCheckThenAct looks the user up outside the login's transaction
	// and creates it inside: of two concurrent first logins, the second fails
	// on the first one's user. (A rendezvous makes the race certain.)
	FaultJITCheckThenAct  Fault = "keeper-jit-check-then-act"
	FaultSSORouteAny      Fault = "keeper-sso-route-any-domain"    // an unreserved domain is routed to some SSO node anyway
	FaultSSORouteExisting Fault = "keeper-sso-route-existing-only" // only emails of existing users are routed
	// second wrong twins of the JIT rules
	FaultJITRootNode         Fault = "keeper-jit-root-node"           // a JIT user is created active in the enterprise's root node, not the SSO node
	FaultSSOLockIgnored      Fault = "keeper-sso-lock-ignored"        // the lock is not checked: a locked user signs in and stays locked
	FaultSSOInvitedRefuse    Fault = "keeper-sso-invited-refused"     // an invited (SCIM) user is refused as not yet active
	FaultJITOffCreates       Fault = "keeper-jit-off-creates"         // JIT off refuses the sign-in only after creating the user
	FaultSSORouteCaseExact   Fault = "keeper-sso-route-case-exact"    // the typed email's domain is looked up as typed: ACME.EXAMPLE is not acme.example
	FaultSSOTenantActiveOnly Fault = "keeper-sso-tenant-active-only"  // only active users are kept to their enterprise and node: an invited user of another enterprise signs in here
	FaultSSORouteParent      Fault = "keeper-sso-route-parent-domain" // a reservation covers its sub-domains: mail.acme.example routes like acme.example
	// FaultJITLockNoWait serializes the logins of one email with a lock
	// taken without waiting: of two concurrent logins, the second is refused
	// as busy. (A rendezvous makes the overlap certain.)
	FaultJITLockNoWait Fault = "keeper-jit-lock-nowait"
)

// SSOSettings are the admin-editable parts of a node's SSO configuration.
// Nil pointers keep the current value (defaults on creation: JIT on,
// Keeper's attribute names, signed Response required, IdP-initiated on).
type SSOSettings struct {
	IDPMetadata       *string
	JIT               *bool
	AttrEmail         *string
	AttrFirst         *string
	AttrLast          *string
	SignPolicy        *directory.SignPolicy
	AllowIDPInitiated *bool
	AllowSHA1         *bool
	RelayStateAllow   *[]string
}

// ConfigureSSO creates or updates a node's SSO service provider. SSO can be
// applied only to a node below the root (Keeper). A new configuration needs
// the IdP metadata; validate checks it (the caller parses it).
func (s *Service) ConfigureSSO(ctx context.Context, nodeID int64, set SSOSettings, validate func(metadata string) error) (directory.SSOConfig, error) {
	const op = "configure sso"
	var c directory.SSOConfig
	err := s.update(ctx, op, func(tx store.Tx) error {
		n, err := tx.GetNode(ctx, nodeID)
		if err != nil {
			return err
		}
		if n.ParentID == 0 {
			return directory.Errorf(op, directory.KindForbidden, "SSO cannot be applied to the root node")
		}
		now := s.stamp()
		c, err = tx.GetSSOConfig(ctx, nodeID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			c = directory.SSOConfig{NodeID: n.ID, EnterpriseID: n.EnterpriseID, JIT: true,
				AttrEmail: directory.DefaultAttrEmail, AttrFirst: directory.DefaultAttrFirst, AttrLast: directory.DefaultAttrLast,
				SignPolicy: directory.SignResponse, AllowIDPInitiated: true, Created: now}
			if set.IDPMetadata == nil {
				return &directory.Error{Op: op, Kind: directory.KindInvalid, Field: "idp_metadata", Detail: "the IdP metadata is required"}
			}
		case err != nil:
			return err
		}
		if set.IDPMetadata != nil {
			if validate != nil {
				if err := validate(*set.IDPMetadata); err != nil {
					return &directory.Error{Op: op, Kind: directory.KindInvalid, Field: "idp_metadata", Detail: err.Error()}
				}
			}
			c.IDPMetadata = *set.IDPMetadata
		}
		if set.JIT != nil {
			c.JIT = *set.JIT
		}
		for _, a := range []struct {
			in  *string
			out *string
			f   string
		}{{set.AttrEmail, &c.AttrEmail, "attr_email"}, {set.AttrFirst, &c.AttrFirst, "attr_first"}, {set.AttrLast, &c.AttrLast, "attr_last"}} {
			if a.in != nil {
				*a.out = strings.TrimSpace(*a.in)
			}
		}
		if c.AttrEmail == "" {
			return &directory.Error{Op: op, Kind: directory.KindInvalid, Field: "attr_email", Detail: "the email attribute name is required"}
		}
		if set.SignPolicy != nil {
			if !directory.ValidSignPolicy(*set.SignPolicy) {
				return &directory.Error{Op: op, Kind: directory.KindInvalid, Field: "sign_policy", Detail: "sign_policy must be response, assertion, both or either"}
			}
			c.SignPolicy = *set.SignPolicy
		}
		if set.AllowIDPInitiated != nil {
			c.AllowIDPInitiated = *set.AllowIDPInitiated
		}
		if set.AllowSHA1 != nil {
			c.AllowSHA1 = *set.AllowSHA1
		}
		if set.RelayStateAllow != nil {
			c.RelayStateAllow = append([]string(nil), (*set.RelayStateAllow)...)
		}
		c.Modified = now
		return tx.PutSSOConfig(ctx, c)
	})
	return c, err
}

// DeleteSSO removes a node's SSO configuration.
func (s *Service) DeleteSSO(ctx context.Context, nodeID int64) error {
	return s.update(ctx, "delete sso", func(tx store.Tx) error { return tx.DeleteSSOConfig(ctx, nodeID) })
}

// SSOIdentity is what a verified assertion says about the person.
type SSOIdentity struct {
	Email, First, Last string
	// AssertionID and Expires feed the replay cache: the assertion is
	// consumed in the same transaction as the login.
	AssertionID string
	Expires     time.Time
}

// SSOLogin signs a person in through a node's SSO service provider and
// applies Keeper's JIT rules, atomically with consuming the assertion:
//   - a replayed assertion ID is refused (KindConflict);
//   - an email of another enterprise's user, or of a domain another
//     enterprise reserved, is refused (KindForbidden);
//   - a user of another node of the enterprise is refused (KindForbidden);
//   - a locked user is refused (KindForbidden);
//   - an invited user (SCIM) becomes active, so its queued memberships become
//     approvable; an auto-approve node approves them at once;
//   - an unknown user is created active in the node with its default role
//     when JIT is on, else refused (KindForbidden) and nothing is created.
//
// Concurrent first logins of one person create one user: the store
// serializes the transactions and the second finds the first's user.
func (s *Service) SSOLogin(ctx context.Context, nodeID int64, id SSOIdentity) (u directory.User, created bool, err error) {
	const op = "sso login"
	email := strings.TrimSpace(id.Email)
	if !directory.ValidEmail(email) {
		return u, false, directory.Errorf(op, directory.KindInvalid, "the assertion carries no valid email address")
	}
	mustCreate, jitOff := false, false
	if s.fault(FaultJITLockNoWait) {
		key := strings.ToLower(email)
		s.rvMu.Lock()
		busy := s.inflight[key]
		if !busy {
			if s.inflight == nil {
				s.inflight = map[string]bool{}
			}
			s.inflight[key] = true
		}
		s.rvMu.Unlock()
		s.rendezvous("nowait " + key)
		if busy {
			return u, false, directory.Errorf(op, directory.KindConflict, "another sign-in of %s is in progress", email)
		}
		defer func() {
			s.rvMu.Lock()
			delete(s.inflight, key)
			s.rvMu.Unlock()
		}()
	}
	if s.fault(FaultJITCheckThenAct) {
		if _, err := s.st.GetUserByEmail(ctx, email); errors.Is(err, store.ErrNotFound) {
			mustCreate = true
			s.rendezvous(strings.ToLower(email))
		}
	}
	err = s.update(ctx, op, func(tx store.Tx) error {
		created = false
		c, err := tx.GetSSOConfig(ctx, nodeID)
		if err != nil {
			return err
		}
		if id.AssertionID != "" {
			if err := tx.ClaimAssertion(ctx, id.AssertionID, id.Expires, s.now().UTC()); errors.Is(err, store.ErrConflict) {
				return directory.Errorf(op, directory.KindConflict, "assertion %s was already used", id.AssertionID)
			} else if err != nil {
				return err
			}
		}
		n, err := tx.GetNode(ctx, nodeID)
		if err != nil {
			return err
		}
		existing, err := tx.GetUserByEmail(ctx, email)
		switch {
		case err == nil && mustCreate: // FaultJITCheckThenAct: the create fails
			return directory.Errorf(op, directory.KindConflict, "a user %s was created meanwhile", email)
		case err == nil:
			tenantCheck := !s.fault(FaultSSOCrossTenant) && !(s.fault(FaultSSOTenantActiveOnly) && existing.Status == directory.UserInvited)
			if existing.EnterpriseID != c.EnterpriseID && tenantCheck {
				return directory.Errorf(op, directory.KindForbidden, "the email belongs to another enterprise")
			}
			if existing.NodeID != nodeID && tenantCheck {
				return directory.Errorf(op, directory.KindForbidden, "the user belongs to another node")
			}
			if existing.Locked && !s.fault(FaultSSOLockedLogin) && !s.fault(FaultSSOLockIgnored) {
				return directory.Errorf(op, directory.KindForbidden, "the user is locked")
			}
			u = existing
			if u.Status == directory.UserInvited && s.fault(FaultSSOInvitedRefuse) {
				return directory.Errorf(op, directory.KindForbidden, "the user is not active yet")
			}
			if u.Locked && s.fault(FaultSSOLockedLogin) {
				u.Locked = false
				u.Version++
				u.Modified = s.stamp()
				if err := tx.UpdateUser(ctx, u); err != nil {
					return err
				}
			}
			if u.Status == directory.UserInvited && !s.fault(FaultSSOInvitedStay) {
				u.Status = directory.UserActive
				u.Version++
				u.Modified = s.stamp()
				if err := tx.UpdateUser(ctx, u); err != nil {
					return err
				}
				if n.Settings.AutoApprove {
					if _, err := s.approve(ctx, tx, n.EnterpriseID, n.ID); err != nil {
						return err
					}
				}
			}
			return nil
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		jitOff = !c.JIT && s.fault(FaultJITOffCreates)
		if !c.JIT && !s.fault(FaultSSOJITIgnored) && !jitOff {
			return directory.Errorf(op, directory.KindForbidden, "the user is not provisioned and JIT provisioning is off")
		}
		if err := checkDomain(ctx, tx, op, n.EnterpriseID, email, s.fault(FaultReservedDomainCaseExact)); err != nil {
			return directory.Errorf(op, directory.KindForbidden, "the email's domain is reserved by another enterprise")
		}
		now := s.stamp()
		u = directory.User{EnterpriseID: n.EnterpriseID, NodeID: n.ID, RoleID: n.DefaultRoleID, Email: email, UserName: email,
			GivenName: strings.TrimSpace(id.First), FamilyName: strings.TrimSpace(id.Last),
			Emails: []directory.Email{{Value: email, Type: "work", Primary: true}},
			Status: directory.UserActive, Version: 1, Created: now, Modified: now}
		u.DisplayName = strings.TrimSpace(u.GivenName + " " + u.FamilyName)
		if u.DisplayName == "" {
			u.DisplayName = email
		}
		if s.fault(FaultJITInvited) {
			root, err := tx.GetEnterprise(ctx, n.EnterpriseID)
			if err != nil {
				return err
			}
			rn, err := tx.GetNode(ctx, root.RootNode)
			if err != nil {
				return err
			}
			u.Status, u.RoleID = directory.UserInvited, rn.DefaultRoleID
		}
		if s.fault(FaultJITRootNode) {
			root, err := tx.GetEnterprise(ctx, n.EnterpriseID)
			if err != nil {
				return err
			}
			u.NodeID = root.RootNode
		}
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err == nil && jitOff { // FaultJITOffCreates: the user stays
		return directory.User{}, false, directory.Errorf(op, directory.KindForbidden, "the user is not provisioned and JIT provisioning is off")
	}
	return u, created, err
}

// SSORoute finds the node whose IdP an SP-initiated login by email goes to:
// only when the email's domain is reserved to an enterprise, to the node of
// the enterprise's existing user, else to the enterprise's only SSO node.
// Anything else is KindNotFound (the client asks for a master password).
func (s *Service) SSORoute(ctx context.Context, email string) (int64, error) {
	const op = "sso route"
	st := s.st
	dom := directory.EmailDomain(strings.TrimSpace(email))
	d, err := st.GetDomain(ctx, dom)
	for parent := dom; err != nil && s.fault(FaultSSORouteParent) && strings.Contains(parent, "."); {
		_, parent, _ = strings.Cut(parent, ".")
		d, err = st.GetDomain(ctx, parent)
	}
	if err == nil && s.fault(FaultSSORouteCaseExact) && !strings.HasSuffix(strings.TrimSpace(email), "@"+d.Name) {
		err = store.ErrNotFound // the domain as typed is not the one reserved
	}
	if err != nil && s.fault(FaultSSORouteAny) {
		if cs, err := st.ListSSOConfigs(ctx, 0); err == nil && len(cs) > 0 {
			return cs[0].NodeID, nil
		}
	}
	if err != nil {
		return 0, directory.Errorf(op, directory.KindNotFound, "the domain is not reserved")
	}
	cs, err := st.ListSSOConfigs(ctx, d.EnterpriseID)
	if err != nil {
		return 0, translate(op, err)
	}
	if u, err := st.GetUserByEmail(ctx, strings.TrimSpace(email)); err == nil && u.EnterpriseID == d.EnterpriseID {
		for _, c := range cs {
			if c.NodeID == u.NodeID {
				return c.NodeID, nil
			}
		}
		return 0, directory.Errorf(op, directory.KindNotFound, "the user's node has no SSO")
	}
	if len(cs) == 1 && !s.fault(FaultSSORouteExisting) {
		return cs[0].NodeID, nil
	}
	return 0, directory.Errorf(op, directory.KindNotFound, "no single SSO node for the domain")
}

// rendezvous waits (at most 300 ms) until a second caller arrives with the
// same key; for FaultJITCheckThenAct only.
func (s *Service) rendezvous(key string) {
	s.rvMu.Lock()
	if ch, ok := s.rv[key]; ok {
		delete(s.rv, key)
		s.rvMu.Unlock()
		close(ch)
		return
	}
	if s.rv == nil {
		s.rv = map[string]chan struct{}{}
	}
	ch := make(chan struct{})
	s.rv[key] = ch
	s.rvMu.Unlock()
	select {
	case <-ch:
	case <-time.After(300 * time.Millisecond):
		s.rvMu.Lock()
		if s.rv[key] == ch {
			delete(s.rv, key)
		}
		s.rvMu.Unlock()
	}
}
