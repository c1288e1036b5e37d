package memstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// Not-found errors are built once: a miss allocates nothing.
var (
	errNoEnterprise = fmt.Errorf("memstore: enterprise: %w", store.ErrNotFound)
	errNoNode       = fmt.Errorf("memstore: node: %w", store.ErrNotFound)
	errNoRole       = fmt.Errorf("memstore: role: %w", store.ErrNotFound)
	errNoDomain     = fmt.Errorf("memstore: domain: %w", store.ErrNotFound)
	errNoEndpoint   = fmt.Errorf("memstore: scim endpoint: %w", store.ErrNotFound)
	errNoUser       = fmt.Errorf("memstore: user: %w", store.ErrNotFound)
	errNoTeam       = fmt.Errorf("memstore: team: %w", store.ErrNotFound)
	errNoMembership = fmt.Errorf("memstore: membership: %w", store.ErrNotFound)
	errNoSSO        = fmt.Errorf("memstore: sso config: %w", store.ErrNotFound)
)

// window returns the page [off, off+lim) of s (lim <= 0: no limit).
func window[E any](s []E, off, lim int) []E {
	if off < 0 {
		off = 0
	}
	if off >= len(s) {
		return nil
	}
	s = s[off:]
	if lim > 0 && lim < len(s) {
		s = s[:lim]
	}
	return s
}

// GetEnterprise implements store.Reader.
func (s *Store) GetEnterprise(_ context.Context, id int64) (directory.Enterprise, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.st.ents[id]
	if !ok {
		return directory.Enterprise{}, errNoEnterprise
	}
	return e, nil
}

// ListEnterprises implements store.Reader.
func (s *Store) ListEnterprises(_ context.Context) ([]directory.Enterprise, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.st.entIDs) == 0 {
		return nil, nil
	}
	out := make([]directory.Enterprise, len(s.st.entIDs))
	for i, id := range s.st.entIDs {
		out[i] = s.st.ents[id]
	}
	return out, nil
}

// GetNode implements store.Reader.
func (s *Store) GetNode(_ context.Context, id int64) (directory.Node, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := s.st.nodes[id]
	if !ok {
		return directory.Node{}, errNoNode
	}
	return n, nil
}

// ListNodes implements store.Reader.
func (s *Store) ListNodes(_ context.Context, enterpriseID int64) ([]directory.Node, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.st.byEnt[enterpriseID]
	if e == nil || len(e.nodes) == 0 {
		return nil, nil
	}
	out := make([]directory.Node, len(e.nodes))
	for i, id := range e.nodes {
		out[i] = s.st.nodes[id]
	}
	return out, nil
}

// GetRole implements store.Reader.
func (s *Store) GetRole(_ context.Context, id int64) (directory.Role, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.st.roles[id]
	if !ok {
		return directory.Role{}, errNoRole
	}
	return r, nil
}

// ListRoles implements store.Reader.
func (s *Store) ListRoles(_ context.Context, enterpriseID int64) ([]directory.Role, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.st.byEnt[enterpriseID]
	if e == nil || len(e.roles) == 0 {
		return nil, nil
	}
	out := make([]directory.Role, len(e.roles))
	for i, id := range e.roles {
		out[i] = s.st.roles[id]
	}
	return out, nil
}

// GetDomain implements store.Reader (case-insensitive).
func (s *Store) GetDomain(_ context.Context, name string) (directory.Domain, error) {
	k := fold(name)
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, ok := s.st.domains[k]
	if !ok {
		return directory.Domain{}, errNoDomain
	}
	return d, nil
}

// ListDomains implements store.Reader, by name.
func (s *Store) ListDomains(_ context.Context, enterpriseID int64) ([]directory.Domain, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.st.byEnt[enterpriseID]
	if e == nil || len(e.domains) == 0 {
		return nil, nil
	}
	out := make([]directory.Domain, len(e.domains))
	for i, k := range e.domains {
		out[i] = s.st.domains[k]
	}
	return out, nil
}

func copyEndpoint(ep directory.Endpoint) directory.Endpoint {
	ep.TokenHash = slices.Clone(ep.TokenHash)
	return ep
}

// GetEndpoint implements store.Reader.
func (s *Store) GetEndpoint(_ context.Context, nodeID int64) (directory.Endpoint, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ep, ok := s.st.endpoints[nodeID]
	if !ok {
		return directory.Endpoint{}, errNoEndpoint
	}
	return copyEndpoint(ep), nil
}

// ListEndpoints implements store.Reader: the enterprise's endpoints (0:
// every endpoint), by node ID.
func (s *Store) ListEndpoints(_ context.Context, enterpriseID int64) ([]directory.Endpoint, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.st.allEPs
	if enterpriseID != 0 {
		e := s.st.byEnt[enterpriseID]
		if e == nil {
			return nil, nil
		}
		ids = e.endpoints
	}
	if len(ids) == 0 {
		return nil, nil
	}
	out := make([]directory.Endpoint, len(ids))
	for i, id := range ids {
		out[i] = copyEndpoint(s.st.endpoints[id])
	}
	return out, nil
}

// ---- users ----

func copyUser(u directory.User) directory.User {
	if u.Emails != nil {
		u.Emails = slices.Clone(u.Emails)
	}
	return u
}

// copyUsers copies a page of users; their Emails share one new backing
// array, each capped to its own length.
func copyUsers(page []*userRec) []directory.User {
	if len(page) == 0 {
		return nil
	}
	n := 0
	for _, r := range page {
		n += len(r.u.Emails)
	}
	var emails []directory.Email
	if n > 0 {
		emails = make([]directory.Email, n)
	}
	out := make([]directory.User, len(page))
	off := 0
	for i, r := range page {
		out[i] = r.u
		if e := r.u.Emails; len(e) > 0 {
			k := copy(emails[off:], e)
			out[i].Emails = emails[off : off+k : off+k]
			off += k
		} else if e != nil {
			out[i].Emails = []directory.Email{}
		}
	}
	return out
}

// GetUser implements store.Reader.
func (s *Store) GetUser(_ context.Context, id int64) (directory.User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.st.users[id]
	if r == nil {
		return directory.User{}, errNoUser
	}
	return copyUser(r.u), nil
}

// GetUserByEmail implements store.Reader (case-insensitive).
func (s *Store) GetUserByEmail(_ context.Context, email string) (directory.User, error) {
	k := fold(email)
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.st.emails[k]
	if r == nil {
		return directory.User{}, errNoUser
	}
	return copyUser(r.u), nil
}

// FindUsers implements store.Reader. Paging slices the node's sorted index:
// a page costs O(limit), whatever the offset.
func (s *Store) FindUsers(_ context.Context, q store.UserQuery) ([]directory.User, int, error) {
	var k string
	switch q.Field {
	case store.UserAll:
	case store.UserByUserName, store.UserByEmail:
		k = fold(q.Value)
	case store.UserByExternal:
		k = q.Value
	default:
		return nil, 0, fmt.Errorf("memstore: find users: unknown field %q", q.Field)
	}
	var match func(string) bool
	switch q.Op {
	case store.TextEq:
	case store.TextPrefix:
		match = func(s string) bool { return strings.HasPrefix(s, k) }
	case store.TextSuffix:
		match = func(s string) bool { return strings.HasSuffix(s, k) }
	case store.TextContains:
		match = func(s string) bool { return strings.Contains(s, k) }
	default:
		return nil, 0, fmt.Errorf("memstore: find users: unknown text comparison %q", q.Op)
	}
	if match != nil && q.Field != store.UserByUserName {
		return nil, 0, fmt.Errorf("memstore: find users: text comparison %q on field %q", q.Op, q.Field)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var (
		recs []*userRec
		one  [1]*userRec
	)
	if match != nil {
		if n := s.st.byNode[q.NodeID]; n != nil {
			for _, r := range n.users {
				if match(fold(r.u.UserName)) {
					recs = append(recs, r)
				}
			}
		}
	} else if q.Field == store.UserByEmail {
		if r := s.st.emails[k]; r != nil && r.u.NodeID == q.NodeID {
			one[0] = r
			recs = one[:]
		}
	} else if n := s.st.byNode[q.NodeID]; n != nil {
		switch q.Field {
		case store.UserAll:
			recs = n.users
		case store.UserByUserName:
			recs = n.userByName[k]
		case store.UserByExternal:
			recs = n.userByExt[k]
		}
	}
	return copyUsers(window(recs, q.Offset, q.Limit)), len(recs), nil
}

// ---- teams ----

// GetTeam implements store.Reader.
func (s *Store) GetTeam(_ context.Context, id string) (directory.Team, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.st.teams[id]
	if r == nil {
		return directory.Team{}, errNoTeam
	}
	return r.t, nil
}

func copyTeams(page []*teamRec) []directory.Team {
	if len(page) == 0 {
		return nil
	}
	out := make([]directory.Team, len(page))
	for i, r := range page {
		out[i] = r.t
	}
	return out
}

// FindTeams implements store.Reader.
func (s *Store) FindTeams(_ context.Context, q store.TeamQuery) ([]directory.Team, int, error) {
	var k string
	switch q.Field {
	case store.TeamAll:
	case store.TeamByDisplayName:
		k = fold(q.Value)
	case store.TeamByExternal:
		k = q.Value
	default:
		return nil, 0, fmt.Errorf("memstore: find teams: unknown field %q", q.Field)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var recs []*teamRec
	if n := s.st.byNode[q.NodeID]; n != nil {
		switch q.Field {
		case store.TeamAll:
			recs = n.teams
		case store.TeamByDisplayName:
			recs = n.teamByName[k]
		case store.TeamByExternal:
			recs = n.teamByExt[k]
		}
	}
	return copyTeams(window(recs, q.Offset, q.Limit)), len(recs), nil
}

// ---- memberships ----

// GetMembership implements store.Reader.
func (s *Store) GetMembership(_ context.Context, teamID string, userID int64) (directory.Membership, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.st.teams[teamID]
	if t == nil {
		return directory.Membership{}, errNoMembership
	}
	i, found := slices.BinarySearchFunc(t.members, userID, cmpMember)
	if !found {
		return directory.Membership{}, errNoMembership
	}
	return directory.Membership{TeamID: teamID, UserID: userID, Status: t.members[i].st}, nil
}

// TeamMembers implements store.Reader, by user ID.
func (s *Store) TeamMembers(_ context.Context, teamID string) ([]store.Member, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.st.teams[teamID]
	if t == nil || len(t.members) == 0 {
		return nil, nil
	}
	out := make([]store.Member, len(t.members))
	for i, m := range t.members {
		out[i] = store.Member{UserID: m.uid, Email: m.u.u.Email, Status: m.st}
	}
	return out, nil
}

// UserTeams implements store.Reader, by team ID.
func (s *Store) UserTeams(_ context.Context, userID int64) ([]store.UserTeam, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.st.users[userID]
	if u == nil || len(u.teams) == 0 {
		return nil, nil
	}
	out := make([]store.UserTeam, len(u.teams))
	for i, t := range u.teams {
		out[i] = store.UserTeam{TeamID: t.t.ID, DisplayName: t.t.DisplayName, NodeID: t.t.NodeID}
		if j, found := slices.BinarySearchFunc(t.members, userID, cmpMember); found {
			out[i].Status = t.members[j].st
		}
	}
	return out, nil
}

// TeamsMembers implements store.Reader: TeamMembers for each of teamIDs.
func (s *Store) TeamsMembers(ctx context.Context, teamIDs []string) (map[string][]store.Member, error) {
	out := make(map[string][]store.Member)
	for _, id := range teamIDs {
		ms, err := s.TeamMembers(ctx, id)
		if err != nil {
			return nil, err
		}
		if len(ms) > 0 {
			out[id] = ms
		}
	}
	return out, nil
}

// UsersTeams implements store.Reader: UserTeams for each of userIDs.
func (s *Store) UsersTeams(ctx context.Context, userIDs []int64) (map[int64][]store.UserTeam, error) {
	out := make(map[int64][]store.UserTeam)
	for _, id := range userIDs {
		uts, err := s.UserTeams(ctx, id)
		if err != nil {
			return nil, err
		}
		if len(uts) > 0 {
			out[id] = uts
		}
	}
	return out, nil
}

// PendingTeams implements store.Reader: the enterprise's pending teams, by ID.
func (s *Store) PendingTeams(_ context.Context, enterpriseID int64) ([]directory.Team, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.st.byEnt[enterpriseID]
	if e == nil {
		return nil, nil
	}
	return copyTeams(e.pendingTeams), nil
}

// PendingMemberships implements store.Reader: the pending memberships of the
// enterprise's teams, by team ID then user ID.
func (s *Store) PendingMemberships(_ context.Context, enterpriseID int64) ([]directory.Membership, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.st.byEnt[enterpriseID]
	if e == nil || len(e.pendingMemb) == 0 {
		return nil, nil
	}
	n := 0
	for _, t := range e.pendingMemb {
		n += t.npending
	}
	out := make([]directory.Membership, 0, n)
	for _, t := range e.pendingMemb {
		for _, m := range t.members {
			if m.st == directory.MembershipPending {
				out = append(out, directory.Membership{TeamID: t.t.ID, UserID: m.uid, Status: m.st})
			}
		}
	}
	return out, nil
}
