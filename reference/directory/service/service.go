// Package service runs the directory's rules (package directory) as
// transactions on a store.Store. It is the one entry point through which the
// SCIM API, the admin API and the SSO service provider change the directory,
// so every Keeper rule holds whichever door a change comes through.
package service

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// Service applies the directory rules.
type Service struct {
	st     store.Store
	now    func() time.Time
	rand   io.Reader
	faults map[Fault]bool
	old    oldTokens

	rvMu     sync.Mutex // FaultJITCheckThenAct's and FaultJITLockNoWait's rendezvous
	rv       map[string]chan struct{}
	inflight map[string]bool // FaultJITLockNoWait: emails being signed in
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithRand sets the randomness source for tokens and team UIDs (tests).
func WithRand(r io.Reader) Option { return func(s *Service) { s.rand = r } }

// New returns a Service over st.
func New(st store.Store, opts ...Option) *Service {
	s := &Service{st: st, now: time.Now, rand: rand.Reader}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Store returns the underlying store, for read-only queries.
func (s *Service) Store() store.Store { return s.st }

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// translate maps store sentinels to domain errors.
func translate(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case directory.KindOf(err) != 0:
		return err
	case errors.Is(err, store.ErrNotFound):
		return &directory.Error{Op: op, Kind: directory.KindNotFound, Detail: "not found"}
	case errors.Is(err, store.ErrConflict):
		return &directory.Error{Op: op, Kind: directory.KindConflict, Detail: "already exists"}
	case errors.Is(err, store.ErrNoSeats):
		return &directory.Error{Op: op, Kind: directory.KindNoSeats, Detail: "number of licensed seats was exceeded"}
	}
	return fmt.Errorf("%s: %w", op, err)
}

func (s *Service) update(ctx context.Context, op string, fn func(tx store.Tx) error) error {
	return translate(op, s.st.Update(ctx, fn))
}

// ---- enterprises, nodes, roles, domains ----

// CreateEnterprise creates an enterprise with its root node (named after the
// enterprise) and the root's default role.
func (s *Service) CreateEnterprise(ctx context.Context, name string, seats int) (directory.Enterprise, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return directory.Enterprise{}, directory.Errorf("create enterprise", directory.KindInvalid, "name is required")
	}
	if seats < 0 {
		return directory.Enterprise{}, directory.Errorf("create enterprise", directory.KindInvalid, "seats must not be negative")
	}
	var e directory.Enterprise
	err := s.update(ctx, "create enterprise", func(tx store.Tx) error {
		e = directory.Enterprise{Name: name, Seats: seats, Created: s.stamp()}
		if err := tx.CreateEnterprise(ctx, &e); err != nil {
			return err
		}
		root, err := s.createNode(ctx, tx, e.ID, 0, name)
		if err != nil {
			return err
		}
		e.RootNode = root.ID
		return tx.UpdateEnterprise(ctx, e)
	})
	return e, err
}

func (s *Service) createNode(ctx context.Context, tx store.Tx, entID, parentID int64, name string) (directory.Node, error) {
	n := directory.Node{EnterpriseID: entID, ParentID: parentID, Name: name,
		Settings: directory.NodeSettings{Deprovision: directory.DeprovisionLock}}
	if err := tx.CreateNode(ctx, &n); err != nil {
		return n, err
	}
	roleName := name + " Users"
	if parentID == 0 {
		roleName = "All Users" // Keeper's root starts with "Keeper Administrator" and "All Users"
		admin := directory.Role{EnterpriseID: entID, NodeID: n.ID, Name: "Keeper Administrator"}
		if err := tx.CreateRole(ctx, &admin); err != nil {
			return n, err
		}
	}
	r := directory.Role{EnterpriseID: entID, NodeID: n.ID, Name: roleName}
	if err := tx.CreateRole(ctx, &r); err != nil {
		return n, err
	}
	n.DefaultRoleID = r.ID
	return n, tx.UpdateNode(ctx, n)
}

// CreateNode creates a child node of parentID with its own default role.
func (s *Service) CreateNode(ctx context.Context, parentID int64, name string) (directory.Node, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return directory.Node{}, directory.Errorf("create node", directory.KindInvalid, "name is required")
	}
	var n directory.Node
	err := s.update(ctx, "create node", func(tx store.Tx) error {
		parent, err := tx.GetNode(ctx, parentID)
		if err != nil {
			return err
		}
		n, err = s.createNode(ctx, tx, parent.EnterpriseID, parent.ID, name)
		return err
	})
	return n, err
}

// CreateRole creates a role on a node; makeDefault makes it the node's default role.
func (s *Service) CreateRole(ctx context.Context, nodeID int64, name string, makeDefault bool) (directory.Role, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return directory.Role{}, directory.Errorf("create role", directory.KindInvalid, "name is required")
	}
	var r directory.Role
	err := s.update(ctx, "create role", func(tx store.Tx) error {
		n, err := tx.GetNode(ctx, nodeID)
		if err != nil {
			return err
		}
		r = directory.Role{EnterpriseID: n.EnterpriseID, NodeID: n.ID, Name: name}
		if err := tx.CreateRole(ctx, &r); err != nil {
			return err
		}
		if makeDefault {
			n.DefaultRoleID = r.ID
			return tx.UpdateNode(ctx, n)
		}
		return nil
	})
	return r, err
}

// SetDefaultRole makes roleID (a role of the node's enterprise) the node's default role.
func (s *Service) SetDefaultRole(ctx context.Context, nodeID, roleID int64) (directory.Node, error) {
	var n directory.Node
	err := s.update(ctx, "set default role", func(tx store.Tx) error {
		var err error
		if n, err = tx.GetNode(ctx, nodeID); err != nil {
			return err
		}
		r, err := tx.GetRole(ctx, roleID)
		if err != nil {
			return err
		}
		if r.EnterpriseID != n.EnterpriseID {
			return directory.Errorf("set default role", directory.KindInvalid, "role %d belongs to another enterprise", roleID)
		}
		n.DefaultRoleID = r.ID
		return tx.UpdateNode(ctx, n)
	})
	return n, err
}

// UpdateNodeSettings replaces a node's provisioning settings (empty modes
// take the defaults). Turning auto-approve on approves what is approvable at once.
func (s *Service) UpdateNodeSettings(ctx context.Context, nodeID int64, set directory.NodeSettings) (directory.Node, error) {
	if set.Deprovision == "" {
		set.Deprovision = directory.DeprovisionLock
	}
	if set.Reprovision == "" {
		set.Reprovision = directory.ReprovisionLink
	}
	if set.Identity == "" {
		set.Identity = directory.IdentityModeEmail
	}
	return s.PatchNodeSettings(ctx, nodeID, NodeSettingsPatch{Deprovision: &set.Deprovision, Reprovision: &set.Reprovision,
		AutoApprove: &set.AutoApprove, Identity: &set.Identity})
}

// NodeSettingsPatch changes some of a node's settings; nil members keep
// their value.
type NodeSettingsPatch struct {
	Deprovision *directory.DeprovisionMode
	Reprovision *directory.ReprovisionMode
	AutoApprove *bool
	Identity    *directory.IdentityMode
}

// PatchNodeSettings changes the settings the patch names, reading and
// writing the node in one transaction, so two concurrent patches of
// different settings both hold. Turning auto-approve on approves what is
// approvable at once.
func (s *Service) PatchNodeSettings(ctx context.Context, nodeID int64, p NodeSettingsPatch) (directory.Node, error) {
	const op = "update node"
	if p.Deprovision != nil {
		switch *p.Deprovision {
		case directory.DeprovisionLock, directory.DeprovisionDelete:
		default:
			return directory.Node{}, directory.Errorf(op, directory.KindInvalid, "deprovision must be %q or %q", directory.DeprovisionLock, directory.DeprovisionDelete)
		}
	}
	if p.Reprovision != nil {
		switch *p.Reprovision {
		case directory.ReprovisionLink, directory.ReprovisionConflict:
		default:
			return directory.Node{}, directory.Errorf(op, directory.KindInvalid, "reprovision must be %q or %q", directory.ReprovisionLink, directory.ReprovisionConflict)
		}
	}
	if p.Identity != nil {
		switch *p.Identity {
		case directory.IdentityModeEmail, directory.IdentityModeAny:
		default:
			return directory.Node{}, directory.Errorf(op, directory.KindInvalid, "identity must be %q or %q", directory.IdentityModeEmail, directory.IdentityModeAny)
		}
	}
	var n directory.Node
	err := s.update(ctx, op, func(tx store.Tx) error {
		var err error
		if n, err = tx.GetNode(ctx, nodeID); err != nil {
			return err
		}
		if p.Identity != nil {
			n.Settings.Identity = *p.Identity
		}
		if p.Deprovision != nil {
			n.Settings.Deprovision = *p.Deprovision
		}
		if p.Reprovision != nil {
			n.Settings.Reprovision = *p.Reprovision
		}
		if p.AutoApprove != nil {
			n.Settings.AutoApprove = *p.AutoApprove
		}
		if err := tx.UpdateNode(ctx, n); err != nil {
			return err
		}
		if n.Settings.AutoApprove {
			_, err = s.approve(ctx, tx, n.EnterpriseID, n.ID)
		}
		return err
	})
	return n, err
}

// SetSeats changes an enterprise's licensed seats (never below the seats in use).
func (s *Service) SetSeats(ctx context.Context, entID int64, seats int) (directory.Enterprise, error) {
	var e directory.Enterprise
	err := s.update(ctx, "set seats", func(tx store.Tx) error {
		var err error
		if e, err = tx.GetEnterprise(ctx, entID); err != nil {
			return err
		}
		if seats < e.SeatsUsed {
			return directory.Errorf("set seats", directory.KindInvalid, "%d seats are in use", e.SeatsUsed)
		}
		e.Seats = seats
		return tx.UpdateEnterprise(ctx, e)
	})
	return e, err
}

// ReserveDomain reserves an email domain to an enterprise.
func (s *Service) ReserveDomain(ctx context.Context, entID int64, domain string) (directory.Domain, error) {
	domain = strings.ToLower(strings.TrimSpace(domain))
	if !directory.ValidEmail("x@" + domain) {
		return directory.Domain{}, directory.Errorf("reserve domain", directory.KindInvalid, "%q is not a domain name", domain)
	}
	d := directory.Domain{Name: domain, EnterpriseID: entID}
	err := s.update(ctx, "reserve domain", func(tx store.Tx) error {
		if _, err := tx.GetEnterprise(ctx, entID); err != nil {
			return err
		}
		return tx.AddDomain(ctx, d)
	})
	return d, err
}

// ReleaseDomain removes a domain reservation of an enterprise.
func (s *Service) ReleaseDomain(ctx context.Context, entID int64, domain string) error {
	return s.update(ctx, "release domain", func(tx store.Tx) error {
		d, err := tx.GetDomain(ctx, domain)
		if err != nil {
			return err
		}
		if d.EnterpriseID != entID {
			return store.ErrNotFound
		}
		return tx.RemoveDomain(ctx, d.Name)
	})
}

// ---- SCIM endpoints ----

// CreateEndpoint creates the SCIM endpoint of a node (never the root, one per
// node) and returns its token; only the token's hash is stored.
func (s *Service) CreateEndpoint(ctx context.Context, nodeID int64, uniqueGroupNames bool) (directory.Endpoint, string, error) {
	token, hash, err := directory.NewToken(s.rand)
	if err != nil {
		return directory.Endpoint{}, "", err
	}
	var ep directory.Endpoint
	storedOnRoot := false // FaultRootEndpointStored: the refusal comes after the endpoint was stored
	err = s.update(ctx, "create scim endpoint", func(tx store.Tx) error {
		n, err := tx.GetNode(ctx, nodeID)
		if err != nil {
			return err
		}
		if n.ParentID == 0 && s.fault(FaultRootEndpointStored) {
			storedOnRoot = true
		} else if n.ParentID == 0 && !s.fault(FaultCrossNodeRefs) {
			return directory.Errorf("create scim endpoint", directory.KindForbidden, "the root node cannot have a SCIM endpoint")
		}
		if _, err := tx.GetEndpoint(ctx, nodeID); err == nil {
			return directory.Errorf("create scim endpoint", directory.KindConflict, "node %d already has a SCIM endpoint", nodeID)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		now := s.stamp()
		ep = directory.Endpoint{NodeID: n.ID, EnterpriseID: n.EnterpriseID, TokenHash: hash,
			Status: directory.EndpointPending, UniqueGroupNames: uniqueGroupNames, Created: now, Rotated: now}
		if s.fault(FaultEndpointBornActive) {
			ep.Status = directory.EndpointActive
		}
		return tx.PutEndpoint(ctx, ep)
	})
	if err == nil && storedOnRoot {
		err = directory.Errorf("create scim endpoint", directory.KindForbidden, "the root node cannot have a SCIM endpoint")
	}
	if err != nil {
		return directory.Endpoint{}, "", err
	}
	return ep, token, nil
}

// RotateToken issues a new token for a node's endpoint; the old one stops
// working at once.
func (s *Service) RotateToken(ctx context.Context, nodeID int64) (directory.Endpoint, string, error) {
	token, hash, err := directory.NewToken(s.rand)
	if err != nil {
		return directory.Endpoint{}, "", err
	}
	var ep directory.Endpoint
	err = s.update(ctx, "rotate token", func(tx store.Tx) error {
		if ep, err = tx.GetEndpoint(ctx, nodeID); err != nil {
			return err
		}
		if s.fault(FaultRotationKeepsOld) {
			s.old.mu.Lock()
			if s.old.hashes == nil {
				s.old.hashes = map[int64][][]byte{}
			}
			s.old.hashes[nodeID] = append(s.old.hashes[nodeID], ep.TokenHash)
			s.old.mu.Unlock()
		}
		ep.Rotated = s.stamp()
		if !s.fault(FaultRotationNotStored) {
			ep.TokenHash = hash
		}
		return tx.PutEndpoint(ctx, ep)
	})
	if err != nil {
		return directory.Endpoint{}, "", err
	}
	return ep, token, nil
}

// SetUniqueGroupNames sets the endpoint's "unique group names" flag.
func (s *Service) SetUniqueGroupNames(ctx context.Context, nodeID int64, on bool) (directory.Endpoint, error) {
	var ep directory.Endpoint
	err := s.update(ctx, "update scim endpoint", func(tx store.Tx) error {
		var err error
		if ep, err = tx.GetEndpoint(ctx, nodeID); err != nil {
			return err
		}
		ep.UniqueGroupNames = on
		return tx.PutEndpoint(ctx, ep)
	})
	return ep, err
}

// DeleteEndpoint removes a node's SCIM endpoint.
func (s *Service) DeleteEndpoint(ctx context.Context, nodeID int64) error {
	return s.update(ctx, "delete scim endpoint", func(tx store.Tx) error { return tx.DeleteEndpoint(ctx, nodeID) })
}

// ErrUnauthorized is returned by Authenticate for a missing or wrong token.
var ErrUnauthorized = errors.New("unauthorized")

// Authenticate checks a bearer token against the node's endpoint. The first
// authenticated request turns a pending endpoint active. A node with no
// endpoint is KindNotFound.
func (s *Service) Authenticate(ctx context.Context, nodeID int64, token string) (directory.Endpoint, error) {
	ep, err := s.st.GetEndpoint(ctx, nodeID)
	if err != nil {
		return ep, translate("authenticate", err)
	}
	if token == "" || !directory.TokenMatches(token, ep.TokenHash) {
		if token != "" && s.fault(FaultRotationKeepsOld) && s.oldTokenMatches(nodeID, token) {
			return ep, nil
		}
		return ep, ErrUnauthorized
	}
	if ep.Status == directory.EndpointPending {
		err = s.update(ctx, "activate scim endpoint", func(tx store.Tx) error {
			cur, err := tx.GetEndpoint(ctx, nodeID)
			if err != nil {
				return err
			}
			if !directory.TokenMatches(token, cur.TokenHash) {
				return ErrUnauthorized // rotated meanwhile
			}
			if cur.Status == directory.EndpointPending {
				cur.Status = directory.EndpointActive
				return tx.PutEndpoint(ctx, cur)
			}
			return nil
		})
		if err != nil {
			return ep, err
		}
		ep.Status = directory.EndpointActive
	}
	return ep, nil
}

func (s *Service) oldTokenMatches(nodeID int64, token string) bool {
	s.old.mu.Lock()
	defer s.old.mu.Unlock()
	for _, h := range s.old.hashes[nodeID] {
		if directory.TokenMatches(token, h) {
			return true
		}
	}
	return false
}

// ---- removal (what a test run created) ----

// DeleteNode removes a node that is not a root, with its sub-nodes and
// everything in them (users, teams, roles, endpoints, SSO), in one
// transaction.
func (s *Service) DeleteNode(ctx context.Context, id int64) error {
	const op = "delete node"
	return s.update(ctx, op, func(tx store.Tx) error {
		n, err := tx.GetNode(ctx, id)
		if err != nil {
			return err
		}
		if n.ParentID == 0 {
			return directory.Errorf(op, directory.KindConflict,
				"node %d is the root node of enterprise %d: delete the enterprise instead", id, n.EnterpriseID)
		}
		nodes, err := tx.ListNodes(ctx, n.EnterpriseID)
		if err != nil {
			return err
		}
		children := map[int64][]int64{}
		for _, c := range nodes {
			children[c.ParentID] = append(children[c.ParentID], c.ID)
		}
		// sub-nodes first (post-order), so that each one deleted has none left
		var order []int64
		var walk func(int64)
		walk = func(id int64) {
			for _, c := range children[id] {
				walk(c)
			}
			order = append(order, id)
		}
		walk(id)
		for _, d := range order {
			if err := tx.DeleteNode(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteEnterprise removes an enterprise and everything in it.
func (s *Service) DeleteEnterprise(ctx context.Context, id int64) error {
	return s.update(ctx, "delete enterprise", func(tx store.Tx) error { return tx.DeleteEnterprise(ctx, id) })
}
