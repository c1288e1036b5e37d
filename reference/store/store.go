// Package store is the persistence contract of the reference server: the
// Store interface, its sentinel errors and the query shapes a backend must
// answer from an index. Backends live in subpackages (sqlstore for SQLite and
// PostgreSQL, memstore for the in-memory read model in front of a
// single-writer store) and all pass the shared storetest suite.
package store

import (
	"context"
	"errors"

	"github.com/provkit/provkit/reference/directory"
)

// Sentinel errors. Backends wrap them (errors.Is must hold).
var (
	// ErrNotFound: no such row.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a uniqueness rule enforced by the database was violated
	// (user email across all enterprises, one SCIM endpoint per node, a
	// reserved domain, a duplicate team UID, a membership inserted twice).
	ErrConflict = errors.New("store: conflict")
	// ErrNoSeats: CreateUser would exceed the enterprise's licensed seats.
	ErrNoSeats = errors.New("store: no licensed seats left")
)

// UserField names a user attribute a backend finds by equality from an index.
type UserField string

// Indexed user fields. UserName and Email compare case-insensitively;
// ExternalID compares exactly (RFC 7643: externalId is caseExact).
const (
	UserAll        UserField = ""
	UserByUserName UserField = "userName"
	UserByEmail    UserField = "email"
	UserByExternal UserField = "externalId"
)

// TextOp is how a UserQuery compares Field with Value.
type TextOp string

// Text comparisons. Beyond equality they apply to UserByUserName only, and
// compare like a SCIM filter on a caseExact=false attribute: both sides
// lower-cased with strings.ToLower, then prefix, suffix or substring.
const (
	TextEq       TextOp = ""
	TextPrefix   TextOp = "sw"
	TextSuffix   TextOp = "ew"
	TextContains TextOp = "co"
)

// UserQuery selects users of one node, ordered by ID ascending.
type UserQuery struct {
	NodeID int64
	Field  UserField // UserAll: every user of the node
	Value  string
	Op     TextOp // TextEq, or with UserByUserName a prefix, suffix or substring
	Offset int    // rows to skip (0-based)
	Limit  int    // at most this many rows; 0 or less means no limit
}

// TeamField names a team attribute a backend finds by equality from an index.
type TeamField string

// Indexed team fields. DisplayName compares case-insensitively, ExternalID exactly.
const (
	TeamAll           TeamField = ""
	TeamByDisplayName TeamField = "displayName"
	TeamByExternal    TeamField = "externalId"
)

// TeamQuery selects teams of one node, ordered by ID ascending.
type TeamQuery struct {
	NodeID int64
	Field  TeamField
	Value  string
	Offset int
	Limit  int
}

// Member is one member of a team, with the user's email for display.
type Member struct {
	UserID int64
	Email  string
	Status directory.MembershipStatus
}

// UserTeam is one team a user belongs to, with the team's name for display.
type UserTeam struct {
	TeamID      string
	DisplayName string
	NodeID      int64
	Status      directory.MembershipStatus
}

// Reader is the read side, shared by Store and Tx.
type Reader interface {
	GetEnterprise(ctx context.Context, id int64) (directory.Enterprise, error)
	ListEnterprises(ctx context.Context) ([]directory.Enterprise, error) // by ID
	GetNode(ctx context.Context, id int64) (directory.Node, error)
	ListNodes(ctx context.Context, enterpriseID int64) ([]directory.Node, error) // by ID
	GetRole(ctx context.Context, id int64) (directory.Role, error)
	ListRoles(ctx context.Context, enterpriseID int64) ([]directory.Role, error) // by ID
	GetDomain(ctx context.Context, name string) (directory.Domain, error)        // case-insensitive
	ListDomains(ctx context.Context, enterpriseID int64) ([]directory.Domain, error)
	GetEndpoint(ctx context.Context, nodeID int64) (directory.Endpoint, error)
	ListEndpoints(ctx context.Context, enterpriseID int64) ([]directory.Endpoint, error) // 0: all; by node ID

	GetUser(ctx context.Context, id int64) (directory.User, error)
	GetUserByEmail(ctx context.Context, email string) (directory.User, error) // case-insensitive
	// FindUsers returns one page of the matching users and the total number of matches.
	FindUsers(ctx context.Context, q UserQuery) (users []directory.User, total int, err error)

	GetTeam(ctx context.Context, id string) (directory.Team, error)
	FindTeams(ctx context.Context, q TeamQuery) (teams []directory.Team, total int, err error)

	GetMembership(ctx context.Context, teamID string, userID int64) (directory.Membership, error)
	TeamMembers(ctx context.Context, teamID string) ([]Member, error) // by user ID
	UserTeams(ctx context.Context, userID int64) ([]UserTeam, error)  // by team ID
	// TeamsMembers is TeamMembers for many teams in one read: the members of
	// each of teamIDs that has any, each list by user ID.
	TeamsMembers(ctx context.Context, teamIDs []string) (map[string][]Member, error)
	// UsersTeams is UserTeams for many users in one read: the teams of each
	// of userIDs that has any, each list by team ID (a missing user has none).
	UsersTeams(ctx context.Context, userIDs []int64) (map[int64][]UserTeam, error)
	PendingTeams(ctx context.Context, enterpriseID int64) ([]directory.Team, error)             // by ID
	PendingMemberships(ctx context.Context, enterpriseID int64) ([]directory.Membership, error) // by team ID, user ID

	SSOReader // sso.go
}

// Tx is one atomic unit of work. Reads inside a Tx see its own writes.
type Tx interface {
	Reader

	// CreateEnterprise assigns e.ID. SeatsUsed starts at 0.
	CreateEnterprise(ctx context.Context, e *directory.Enterprise) error
	// UpdateEnterprise stores Name, Seats and RootNode (SeatsUsed is the store's).
	UpdateEnterprise(ctx context.Context, e directory.Enterprise) error
	CreateNode(ctx context.Context, n *directory.Node) error // assigns n.ID
	UpdateNode(ctx context.Context, n directory.Node) error  // Name, DefaultRoleID, Settings
	CreateRole(ctx context.Context, r *directory.Role) error // assigns r.ID
	// AddDomain reserves a domain; ErrConflict if any enterprise holds it.
	AddDomain(ctx context.Context, d directory.Domain) error
	RemoveDomain(ctx context.Context, name string) error
	// PutEndpoint creates or replaces the endpoint of e.NodeID (one per node).
	PutEndpoint(ctx context.Context, e directory.Endpoint) error
	DeleteEndpoint(ctx context.Context, nodeID int64) error
	// DeleteNode removes a node that is neither a root nor a parent, with
	// everything in it: users (seats freed), teams, memberships, roles, the
	// endpoint, the SSO configuration, AuthnRequests and sessions.
	// ErrConflict for a root node or a node with sub-nodes.
	DeleteNode(ctx context.Context, id int64) error
	// DeleteEnterprise removes an enterprise and everything in it.
	DeleteEnterprise(ctx context.Context, id int64) error

	// CreateUser assigns u.ID (a positive number of at least 15 digits),
	// takes one seat (ErrNoSeats when none is left) and enforces the global
	// case-insensitive uniqueness of u.Email (ErrConflict).
	CreateUser(ctx context.Context, u *directory.User) error
	// UpdateUser stores every field but ID, EnterpriseID and Created.
	UpdateUser(ctx context.Context, u directory.User) error
	// DeleteUser removes the user and its memberships and frees its seat.
	DeleteUser(ctx context.Context, id int64) error

	// CreateTeam stores a team whose ID the caller chose (ErrConflict if taken).
	CreateTeam(ctx context.Context, t directory.Team) error
	UpdateTeam(ctx context.Context, t directory.Team) error
	DeleteTeam(ctx context.Context, id string) error // and its memberships

	// PutMembership inserts or updates a membership; created reports an insert.
	PutMembership(ctx context.Context, m directory.Membership) (created bool, err error)
	// DeleteMembership removes a membership; removed is false if there was none.
	DeleteMembership(ctx context.Context, teamID string, userID int64) (removed bool, err error)

	SSOWriter // sso.go

	// AfterCommit registers f to run once the transaction is durable, in commit
	// order, before Update returns. It is not run if the transaction fails.
	AfterCommit(f func())
}

// Store is a backend.
type Store interface {
	Reader
	// Update runs fn in one transaction: every write it makes commits
	// durably (fsync) before Update returns nil, or none does. An error
	// returned by fn rolls back and is returned unchanged.
	Update(ctx context.Context, fn func(tx Tx) error) error
	Close() error
}

// writeEnforcedKey marks a context (WithWriteEnforced).
type writeEnforcedKey struct{}

// WithWriteEnforced returns ctx marked for an Update whose function relies
// on no rule but those its CreateUser calls enforce by themselves: the
// global email uniqueness (a unique index), the seat limit (taken by one
// conditional update of the enterprise's seat count) and the existence of
// the enterprise and node (foreign keys). Its reads (the node, the email's
// user, the email's domain) may be answered from the latest committed state
// of each statement rather than one snapshot: what they decide stays right
// in the serial order "this Update first", because the Updates that change
// what they read (renaming or re-rolling a node, reserving a domain) read no
// user. A backend with concurrent transactions may then run the function at
// a weaker isolation than its usual one (sqlstore on PostgreSQL: READ
// COMMITTED instead of SERIALIZABLE, see sqlstore's package documentation);
// any other write of the function, or any failed write, makes the backend
// run it again at its usual isolation. Backends that run Updates one at a
// time ignore the mark.
func WithWriteEnforced(ctx context.Context) context.Context {
	return context.WithValue(ctx, writeEnforcedKey{}, true)
}

// WriteEnforced reports whether ctx carries WithWriteEnforced's mark.
func WriteEnforced(ctx context.Context) bool {
	v, _ := ctx.Value(writeEnforcedKey{}).(bool)
	return v
}
