package memstore

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// state is the read model. Every index is keyed by the value a query filters
// on, independently of whether the referenced row exists (as a SQL WHERE
// clause would be), and every list is kept in the order the Reader method
// returns it in, so that reads only slice and copy.
type state struct {
	ents   map[int64]directory.Enterprise
	entIDs []int64 // sorted

	nodes     map[int64]directory.Node
	roles     map[int64]directory.Role
	domains   map[string]directory.Domain   // by fold(Name)
	endpoints map[int64]directory.Endpoint  // by NodeID
	allEPs    []int64                       // every endpoint's NodeID, sorted
	sso       map[int64]directory.SSOConfig // by NodeID
	allSSO    []int64                       // every SSO configuration's NodeID, sorted

	users  map[int64]*userRec
	emails map[string]*userRec // fold(Email): globally unique
	teams  map[string]*teamRec

	byNode map[int64]*nodeIdx
	byEnt  map[int64]*entIdx
}

// userRec is one user and the teams it belongs to. Its strings share one
// allocation (see set), and the fixed arrays back the common one-element
// slices, so that a user is two heap objects for the GC to mark rather than
// about fifteen: the cache is the bulk of a big server's live heap, and the
// GC marks it again in every cycle, whatever the request that triggered it.
type userRec struct {
	u        directory.User
	teams    []*teamRec         // sorted by team ID
	nameKey  string             // fold(u.UserName)
	emailKey string             // fold(u.Email)
	self     [1]*userRec        // backs index lists that hold this user alone
	email    [1]directory.Email // backs u.Emails when it has one element
}

// teamRec is one team and its members.
type teamRec struct {
	t        directory.Team
	members  []member // sorted by user ID
	npending int      // members with status pending
	nameKey  string   // fold(t.DisplayName)
	self     [1]*teamRec
}

// member is one membership, kept in its team's member list.
type member struct {
	uid int64
	u   *userRec
	st  directory.MembershipStatus
}

// nodeIdx indexes the users and teams of one node.
type nodeIdx struct {
	users      []*userRec            // by ID
	userByName map[string][]*userRec // fold(UserName) -> users by ID
	userByExt  map[string][]*userRec // ExternalID (even "", as SQL matches it) -> users by ID
	teams      []*teamRec            // by ID
	teamByName map[string][]*teamRec // fold(DisplayName) -> teams by ID
	teamByExt  map[string][]*teamRec // ExternalID -> teams by ID
}

// entIdx indexes the rows of one enterprise.
type entIdx struct {
	nodes        []int64    // sorted
	roles        []int64    // sorted
	domains      []string   // fold(Name), sorted
	endpoints    []int64    // NodeIDs, sorted
	sso          []int64    // NodeIDs of SSO configurations, sorted
	pendingTeams []*teamRec // teams with status pending, by ID
	pendingMemb  []*teamRec // teams with at least one pending membership, by ID
}

func newState() *state {
	return &state{
		ents:      map[int64]directory.Enterprise{},
		nodes:     map[int64]directory.Node{},
		roles:     map[int64]directory.Role{},
		domains:   map[string]directory.Domain{},
		endpoints: map[int64]directory.Endpoint{},
		sso:       map[int64]directory.SSOConfig{},
		users:     map[int64]*userRec{},
		emails:    map[string]*userRec{},
		teams:     map[string]*teamRec{},
		byNode:    map[int64]*nodeIdx{},
		byEnt:     map[int64]*entIdx{},
	}
}

// fold is the case-insensitive comparison key of userName, email, team
// displayName and domain names: strings.ToLower, as the SQL store's *_key
// columns hold. (It allocates only for a string that has upper-case letters
// or non-ASCII characters.)
func fold(s string) string { return strings.ToLower(s) }

// Interning the few status values keeps a million loaded rows from each
// holding its own copy of "pending".
func internMS(s directory.MembershipStatus) directory.MembershipStatus {
	switch s {
	case directory.MembershipPending:
		return directory.MembershipPending
	case directory.MembershipActive:
		return directory.MembershipActive
	}
	return s
}

func internUS(s directory.UserStatus) directory.UserStatus {
	switch s {
	case directory.UserInvited:
		return directory.UserInvited
	case directory.UserActive:
		return directory.UserActive
	}
	return s
}

func internTS(s directory.TeamStatus) directory.TeamStatus {
	switch s {
	case directory.TeamPending:
		return directory.TeamPending
	case directory.TeamActive:
		return directory.TeamActive
	}
	return s
}

// ---- sorted-slice helpers ----

func insertSorted[T cmp.Ordered](s []T, v T) []T {
	i, found := slices.BinarySearch(s, v)
	if found {
		return s
	}
	return slices.Insert(s, i, v)
}

func removeSorted[T cmp.Ordered](s []T, v T) []T {
	if i, found := slices.BinarySearch(s, v); found {
		return slices.Delete(s, i, i+1)
	}
	return s
}

func cmpUser(r *userRec, id int64) int  { return cmp.Compare(r.u.ID, id) }
func cmpTeam(r *teamRec, id string) int { return strings.Compare(r.t.ID, id) }
func cmpMember(m member, uid int64) int { return cmp.Compare(m.uid, uid) }

func insertUser(s []*userRec, r *userRec) []*userRec {
	i, found := slices.BinarySearchFunc(s, r.u.ID, cmpUser)
	if found {
		s[i] = r
		return s
	}
	return slices.Insert(s, i, r)
}

func removeUser(s []*userRec, id int64) []*userRec {
	if i, found := slices.BinarySearchFunc(s, id, cmpUser); found {
		return slices.Delete(s, i, i+1)
	}
	return s
}

func insertTeam(s []*teamRec, r *teamRec) []*teamRec {
	i, found := slices.BinarySearchFunc(s, r.t.ID, cmpTeam)
	if found {
		s[i] = r
		return s
	}
	return slices.Insert(s, i, r)
}

func removeTeam(s []*teamRec, id string) []*teamRec {
	if i, found := slices.BinarySearchFunc(s, id, cmpTeam); found {
		return slices.Delete(s, i, i+1)
	}
	return s
}

// Index maps hold, for a key that one row has (the usual case), that row's
// own self array: no allocation per key. A list that grows past one element
// is reallocated by slices.Insert (its capacity is 1), and a one-element
// list is dropped, never shrunk in place: nothing writes into a self array
// but its owner's pointer.

func addUserKey(m map[string][]*userRec, k string, r *userRec) {
	s := m[k]
	if len(s) == 0 {
		r.self[0] = r
		m[k] = r.self[:]
		return
	}
	m[k] = insertUser(s, r)
}

func delUserKey(m map[string][]*userRec, k string, id int64) {
	s := m[k]
	if len(s) == 1 {
		if s[0].u.ID == id {
			delete(m, k)
		}
		return
	}
	m[k] = removeUser(s, id)
}

func addTeamKey(m map[string][]*teamRec, k string, r *teamRec) {
	s := m[k]
	if len(s) == 0 {
		r.self[0] = r
		m[k] = r.self[:]
		return
	}
	m[k] = insertTeam(s, r)
}

func delTeamKey(m map[string][]*teamRec, k string, id string) {
	s := m[k]
	if len(s) == 1 {
		if s[0].t.ID == id {
			delete(m, k)
		}
		return
	}
	m[k] = removeTeam(s, id)
}

func (st *state) node(id int64) *nodeIdx {
	n := st.byNode[id]
	if n == nil {
		n = &nodeIdx{
			userByName: map[string][]*userRec{},
			userByExt:  map[string][]*userRec{},
			teamByName: map[string][]*teamRec{},
			teamByExt:  map[string][]*teamRec{},
		}
		st.byNode[id] = n
	}
	return n
}

func (st *state) ent(id int64) *entIdx {
	e := st.byEnt[id]
	if e == nil {
		e = &entIdx{}
		st.byEnt[id] = e
	}
	return e
}

// ---- enterprises, nodes, roles, domains, endpoints ----

func (st *state) putEnterprise(e directory.Enterprise) {
	if _, ok := st.ents[e.ID]; !ok {
		st.entIDs = insertSorted(st.entIDs, e.ID)
	}
	st.ents[e.ID] = e
}

func (st *state) delEnterprise(id int64) {
	if _, ok := st.ents[id]; ok {
		delete(st.ents, id)
		st.entIDs = removeSorted(st.entIDs, id)
	}
}

func (st *state) putNode(n directory.Node) {
	if old, ok := st.nodes[n.ID]; ok && old.EnterpriseID != n.EnterpriseID {
		e := st.ent(old.EnterpriseID)
		e.nodes = removeSorted(e.nodes, n.ID)
	}
	e := st.ent(n.EnterpriseID)
	e.nodes = insertSorted(e.nodes, n.ID)
	st.nodes[n.ID] = n
}

func (st *state) delNode(id int64) {
	if old, ok := st.nodes[id]; ok {
		e := st.ent(old.EnterpriseID)
		e.nodes = removeSorted(e.nodes, id)
		delete(st.nodes, id)
	}
}

func (st *state) putRole(r directory.Role) {
	if old, ok := st.roles[r.ID]; ok && old.EnterpriseID != r.EnterpriseID {
		e := st.ent(old.EnterpriseID)
		e.roles = removeSorted(e.roles, r.ID)
	}
	e := st.ent(r.EnterpriseID)
	e.roles = insertSorted(e.roles, r.ID)
	st.roles[r.ID] = r
}

func (st *state) delRole(id int64) {
	if old, ok := st.roles[id]; ok {
		e := st.ent(old.EnterpriseID)
		e.roles = removeSorted(e.roles, id)
		delete(st.roles, id)
	}
}

func (st *state) putDomain(d directory.Domain) {
	k := fold(d.Name)
	if old, ok := st.domains[k]; ok && old.EnterpriseID != d.EnterpriseID {
		e := st.ent(old.EnterpriseID)
		e.domains = removeSorted(e.domains, k)
	}
	e := st.ent(d.EnterpriseID)
	e.domains = insertSorted(e.domains, k)
	st.domains[k] = d
}

func (st *state) delDomain(name string) {
	k := fold(name)
	if old, ok := st.domains[k]; ok {
		e := st.ent(old.EnterpriseID)
		e.domains = removeSorted(e.domains, k)
		delete(st.domains, k)
	}
}

func (st *state) putEndpoint(ep directory.Endpoint) {
	ep.TokenHash = slices.Clone(ep.TokenHash)
	if old, ok := st.endpoints[ep.NodeID]; ok && old.EnterpriseID != ep.EnterpriseID {
		e := st.ent(old.EnterpriseID)
		e.endpoints = removeSorted(e.endpoints, ep.NodeID)
	}
	e := st.ent(ep.EnterpriseID)
	e.endpoints = insertSorted(e.endpoints, ep.NodeID)
	st.allEPs = insertSorted(st.allEPs, ep.NodeID)
	st.endpoints[ep.NodeID] = ep
}

func (st *state) delEndpoint(nodeID int64) {
	if old, ok := st.endpoints[nodeID]; ok {
		e := st.ent(old.EnterpriseID)
		e.endpoints = removeSorted(e.endpoints, nodeID)
		st.allEPs = removeSorted(st.allEPs, nodeID)
		delete(st.endpoints, nodeID)
	}
}

// ---- users ----

// set stores u in r: its status interned, its Emails copied (into r.email
// when there is one), and every string of it, with the folded index keys,
// copied into one new string that they all slice.
func (r *userRec) set(u directory.User) {
	u.Status = internUS(u.Status)
	switch len(u.Emails) {
	case 0: // keeps nil or empty as the store returned it
		if u.Emails != nil {
			u.Emails = []directory.Email{}
		}
	case 1:
		r.email[0] = u.Emails[0]
		u.Emails = r.email[:]
	default:
		u.Emails = slices.Clone(u.Emails)
	}
	r.nameKey, r.emailKey = fold(u.UserName), fold(u.Email)
	var buf [16]*string
	fields := append(buf[:0], &u.Email, &u.UserName, &u.GivenName, &u.FamilyName, &u.DisplayName,
		&u.ExternalID, &r.nameKey, &r.emailKey)
	for i := range u.Emails {
		fields = append(fields, &u.Emails[i].Value, &u.Emails[i].Type)
	}
	pack(fields)
	r.u = u
}

// pack makes the strings *fields point into one new allocation (equal
// strings share their bytes).
func pack(fields []*string) {
	n := 0
	for _, f := range fields {
		n += len(*f)
	}
	var b strings.Builder
	b.Grow(n)
	var offs [16]int
	off := offs[:0]
	for i, f := range fields {
		o := -1
		for j := range i {
			if *fields[j] == *f {
				o = off[j]
				break
			}
		}
		if o < 0 {
			o = b.Len()
			b.WriteString(*f)
		}
		off = append(off, o)
	}
	all := b.String()
	for i, f := range fields {
		if l := len(*f); l == 0 {
			*f = ""
		} else {
			*f = all[off[i] : off[i]+l]
		}
	}
}

func (st *state) putUser(u directory.User) {
	r := st.users[u.ID]
	if r == nil {
		r = &userRec{}
		r.set(u)
		st.users[u.ID] = r
		n := st.node(r.u.NodeID)
		n.users = insertUser(n.users, r)
		addUserKey(n.userByName, r.nameKey, r)
		addUserKey(n.userByExt, r.u.ExternalID, r)
		st.emails[r.emailKey] = r
		return
	}
	old, oldName, oldEmail := r.u, r.nameKey, r.emailKey
	r.set(u)
	u = r.u
	if old.NodeID != u.NodeID {
		on, nn := st.node(old.NodeID), st.node(u.NodeID)
		on.users = removeUser(on.users, u.ID)
		nn.users = insertUser(nn.users, r)
	}
	if old.NodeID != u.NodeID || oldName != r.nameKey {
		delUserKey(st.node(old.NodeID).userByName, oldName, u.ID)
		addUserKey(st.node(u.NodeID).userByName, r.nameKey, r)
	}
	if old.NodeID != u.NodeID || old.ExternalID != u.ExternalID {
		delUserKey(st.node(old.NodeID).userByExt, old.ExternalID, u.ID)
		addUserKey(st.node(u.NodeID).userByExt, u.ExternalID, r)
	}
	if oldEmail != r.emailKey {
		if st.emails[oldEmail] == r {
			delete(st.emails, oldEmail)
		}
		st.emails[r.emailKey] = r
	}
}

// delUser removes a user and, as the store does, its memberships.
func (st *state) delUser(id int64) {
	r := st.users[id]
	if r == nil {
		return
	}
	for _, t := range r.teams {
		st.dropMember(t, id)
	}
	r.teams = nil
	n := st.node(r.u.NodeID)
	n.users = removeUser(n.users, id)
	delUserKey(n.userByName, r.nameKey, id)
	delUserKey(n.userByExt, r.u.ExternalID, id)
	if st.emails[r.emailKey] == r {
		delete(st.emails, r.emailKey)
	}
	delete(st.users, id)
}

// ---- teams ----

func (st *state) indexTeam(r *teamRec) {
	t := &r.t
	n := st.node(t.NodeID)
	n.teams = insertTeam(n.teams, r)
	addTeamKey(n.teamByName, r.nameKey, r)
	addTeamKey(n.teamByExt, t.ExternalID, r)
	e := st.ent(t.EnterpriseID)
	if t.Status == directory.TeamPending {
		e.pendingTeams = insertTeam(e.pendingTeams, r)
	}
	if r.npending > 0 {
		e.pendingMemb = insertTeam(e.pendingMemb, r)
	}
}

func (st *state) unindexTeam(r *teamRec) {
	t := &r.t
	n := st.node(t.NodeID)
	n.teams = removeTeam(n.teams, t.ID)
	delTeamKey(n.teamByName, r.nameKey, t.ID)
	delTeamKey(n.teamByExt, t.ExternalID, t.ID)
	e := st.ent(t.EnterpriseID)
	e.pendingTeams = removeTeam(e.pendingTeams, t.ID)
	e.pendingMemb = removeTeam(e.pendingMemb, t.ID)
}

func (st *state) putTeam(t directory.Team) {
	t.Status = internTS(t.Status)
	key := fold(t.DisplayName)
	r := st.teams[t.ID]
	if r == nil {
		r = &teamRec{t: t, nameKey: key}
		st.teams[t.ID] = r
		st.indexTeam(r)
		return
	}
	old := r.t
	if old.NodeID != t.NodeID || old.EnterpriseID != t.EnterpriseID || old.Status != t.Status ||
		old.ExternalID != t.ExternalID || r.nameKey != key {
		st.unindexTeam(r) // under the old fields and key
		r.t, r.nameKey = t, key
		st.indexTeam(r)
		return
	}
	r.t = t
}

// delTeam removes a team and, as the store does, its memberships.
func (st *state) delTeam(id string) {
	r := st.teams[id]
	if r == nil {
		return
	}
	st.clearMembers(r)
	st.unindexTeam(r)
	delete(st.teams, id)
}

// ---- memberships ----

func (st *state) setPending(r *teamRec, n int) {
	was := r.npending
	r.npending = n
	switch {
	case was == 0 && n > 0:
		e := st.ent(r.t.EnterpriseID)
		e.pendingMemb = insertTeam(e.pendingMemb, r)
	case was > 0 && n == 0:
		e := st.ent(r.t.EnterpriseID)
		e.pendingMemb = removeTeam(e.pendingMemb, r.t.ID)
	}
}

func pendingDelta(s directory.MembershipStatus) int {
	if s == directory.MembershipPending {
		return 1
	}
	return 0
}

func (st *state) putMembership(teamID string, uid int64, status directory.MembershipStatus) {
	t, u := st.teams[teamID], st.users[uid]
	if t == nil || u == nil {
		return // the inner store's foreign keys make this impossible
	}
	status = internMS(status)
	i, found := slices.BinarySearchFunc(t.members, uid, cmpMember)
	if found {
		old := t.members[i].st
		t.members[i].st = status
		st.setPending(t, t.npending-pendingDelta(old)+pendingDelta(status))
		return
	}
	t.members = slices.Insert(t.members, i, member{uid: uid, u: u, st: status})
	u.teams = insertTeam(u.teams, t)
	st.setPending(t, t.npending+pendingDelta(status))
}

// dropMember removes uid from t's member list only (not t from the user's
// team list).
func (st *state) dropMember(t *teamRec, uid int64) {
	i, found := slices.BinarySearchFunc(t.members, uid, cmpMember)
	if !found {
		return
	}
	old := t.members[i].st
	t.members = slices.Delete(t.members, i, i+1)
	st.setPending(t, t.npending-pendingDelta(old))
}

func (st *state) delMembership(teamID string, uid int64) {
	t := st.teams[teamID]
	if t == nil {
		return
	}
	st.dropMember(t, uid)
	if u := st.users[uid]; u != nil {
		u.teams = removeTeam(u.teams, teamID)
	}
}

// clearMembers removes every membership of a team.
func (st *state) clearMembers(t *teamRec) {
	for _, m := range t.members {
		m.u.teams = removeTeam(m.u.teams, t.t.ID)
	}
	t.members = nil
	st.setPending(t, 0)
}

// syncTeamMembers replaces a team's memberships with ms (sorted by user ID).
func (st *state) syncTeamMembers(teamID string, ms []store.Member) {
	t := st.teams[teamID]
	if t == nil {
		return
	}
	st.clearMembers(t)
	for _, m := range ms {
		st.putMembership(teamID, m.UserID, m.Status)
	}
}

// syncUserTeams replaces a user's memberships with uts.
func (st *state) syncUserTeams(uid int64, uts []store.UserTeam) {
	u := st.users[uid]
	if u == nil {
		return
	}
	for _, t := range u.teams {
		st.dropMember(t, uid)
	}
	u.teams = nil
	for _, ut := range uts {
		st.putMembership(ut.TeamID, uid, ut.Status)
	}
}

// ---- load ----

// loadWorkers is how many reads of the inner store load runs at once: the
// per-node and per-team reads are independent, and a SQL backend spends much
// of them waiting on page reads.
var loadWorkers = max(4, runtime.GOMAXPROCS(0))

// load reads everything r holds: enterprises and what hangs off each,
// endpoints and SSO configurations, the users and teams of every node, the
// members of every team. (The SSO assertion replay cache has no read method:
// it stays in the inner store only.) The per-node and per-team reads run on
// loadWorkers goroutines; st is only touched by the calling goroutine.
func (st *state) load(ctx context.Context, r store.Reader) error {
	ents, err := r.ListEnterprises(ctx)
	if err != nil {
		return err
	}
	var nodeIDs []int64
	for _, e := range ents {
		st.putEnterprise(e)
		nodes, err := r.ListNodes(ctx, e.ID)
		if err != nil {
			return err
		}
		for _, n := range nodes {
			st.putNode(n)
			nodeIDs = append(nodeIDs, n.ID)
		}
		roles, err := r.ListRoles(ctx, e.ID)
		if err != nil {
			return err
		}
		for _, x := range roles {
			st.putRole(x)
		}
		doms, err := r.ListDomains(ctx, e.ID)
		if err != nil {
			return err
		}
		for _, d := range doms {
			st.putDomain(d)
		}
	}
	eps, err := r.ListEndpoints(ctx, 0)
	if err != nil {
		return err
	}
	for _, ep := range eps {
		st.putEndpoint(ep)
	}
	ssos, err := r.ListSSOConfigs(ctx, 0)
	if err != nil {
		return err
	}
	for _, c := range ssos {
		st.putSSO(c)
	}

	// Users and teams of every node. Each node's users come by ID: every
	// insert into its list is an append.
	type nodeRows struct {
		users []directory.User
		teams []directory.Team
	}
	var teams []*teamRec
	err = parallel(ctx, nodeIDs, func(ctx context.Context, nid int64) (nodeRows, error) {
		users, _, err := r.FindUsers(ctx, store.UserQuery{NodeID: nid})
		if err != nil {
			return nodeRows{}, err
		}
		ts, _, err := r.FindTeams(ctx, store.TeamQuery{NodeID: nid})
		return nodeRows{users, ts}, err
	}, func(nid int64, rows nodeRows) {
		n := st.node(nid)
		n.users = slices.Grow(n.users, len(rows.users))
		for _, u := range rows.users {
			st.putUser(u)
		}
		for _, t := range rows.teams {
			st.putTeam(t)
			teams = append(teams, st.teams[t.ID])
		}
	})
	if err != nil {
		return err
	}

	// Members of every team, by user ID: every insert into a team's member
	// list is an append; each user's team list is short.
	return parallel(ctx, teams, func(ctx context.Context, t *teamRec) ([]store.Member, error) {
		return r.TeamMembers(ctx, t.t.ID)
	}, func(t *teamRec, ms []store.Member) {
		t.members = slices.Grow(t.members, len(ms))
		for _, m := range ms {
			st.putMembership(t.t.ID, m.UserID, m.Status)
		}
	})
}

// parallel calls fetch for every key on loadWorkers goroutines and apply,
// on the calling goroutine, for each result as it comes. It stops at the
// first error.
func parallel[K, V any](ctx context.Context, keys []K, fetch func(context.Context, K) (V, error), apply func(K, V)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		k   K
		v   V
		err error
	}
	next := make(chan K)
	results := make(chan result, loadWorkers)
	var wg sync.WaitGroup
	for range min(loadWorkers, len(keys)) {
		wg.Go(func() {
			for k := range next {
				v, err := fetch(ctx, k)
				results <- result{k, v, err}
			}
		})
	}
	go func() {
		defer close(next)
		for _, k := range keys {
			select {
			case next <- k:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	var first error
	for res := range results {
		switch {
		case first != nil: // drain
		case res.err != nil:
			first = res.err
			cancel()
		default:
			apply(res.k, res.v)
		}
	}
	if first == nil {
		first = ctx.Err()
	}
	return first
}
