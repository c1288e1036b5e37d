// Package directory is the Keeper-like domain of the reference server:
// enterprises, their node trees and roles, users, teams, team memberships,
// reserved domains and SCIM endpoints, and the rules that Keeper documents for
// them (lock instead of delete, the pending approval queue, globally unique
// emails with the same-node link, one SCIM endpoint per node, seats).
//
// The rules live here, not in HTTP handlers: reference/scim, reference/admin
// and reference/sso all call Service.
package directory

import "time"

// UserStatus is a user's Keeper account state.
type UserStatus string

// User states. A SCIM-provisioned user starts invited; it becomes active when
// the person accepts the invitation or first signs in through SSO.
const (
	UserInvited UserStatus = "invited"
	UserActive  UserStatus = "active"
)

// TeamStatus is a team's approval state.
type TeamStatus string

// Team states. A SCIM-created team waits as pending until an approval.
const (
	TeamPending TeamStatus = "pending"
	TeamActive  TeamStatus = "active"
)

// MembershipStatus is a team membership's approval state.
type MembershipStatus string

// Membership states. A SCIM-added membership waits as pending until an
// approval, which succeeds only for active, unlocked users of active teams.
const (
	MembershipPending MembershipStatus = "pending"
	MembershipActive  MembershipStatus = "active"
)

// EndpointStatus is a SCIM endpoint's state: pending until its first
// authenticated request, then active.
type EndpointStatus string

// Endpoint states.
const (
	EndpointPending EndpointStatus = "pending"
	EndpointActive  EndpointStatus = "active"
)

// DeprovisionMode says what DELETE /Users/{id} does on a node.
type DeprovisionMode string

// Deprovisioning modes: Keeper locks (the default); RFC 7644 §3.6 deletes.
const (
	DeprovisionLock   DeprovisionMode = "lock"
	DeprovisionDelete DeprovisionMode = "delete"
)

// ReprovisionMode says what POST /Users does with an email a user of the
// same node already has.
type ReprovisionMode string

// Re-provisioning modes: Keeper links to the existing user (the default);
// RFC 7644 §3.3 answers 409 uniqueness.
const (
	ReprovisionLink     ReprovisionMode = "link"
	ReprovisionConflict ReprovisionMode = "conflict"
)

// IdentityMode says what a node requires of a provisioned user's identity.
type IdentityMode string

// Identity modes: Keeper requires userName or an email to be an address and
// fills displayName and emails from it (the default); RFC 7643 §4.1.1 puts no
// format on userName, so "any" takes userName as the identity and stores
// displayName and emails exactly as the client sent them.
const (
	IdentityModeEmail IdentityMode = "email"
	IdentityModeAny   IdentityMode = "any"
)

// Enterprise is a Keeper customer: a node tree, roles, users and seats.
type Enterprise struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Seats     int       `json:"seats"`      // licensed seats; users (any state) count against it
	SeatsUsed int       `json:"seats_used"` // maintained by the store in the same transaction as user inserts/deletes
	RootNode  int64     `json:"root_node_id"`
	Created   time.Time `json:"created"`
}

// Node is one node of an enterprise's tree. The root has ParentID 0.
type Node struct {
	ID            int64        `json:"id"`
	EnterpriseID  int64        `json:"enterprise_id"`
	ParentID      int64        `json:"parent_id,omitempty"`
	Name          string       `json:"name"`
	DefaultRoleID int64        `json:"default_role_id"`
	Settings      NodeSettings `json:"settings"`
}

// NodeSettings are a node's provisioning settings.
type NodeSettings struct {
	// Deprovision is what a SCIM DELETE of a user does: lock (Keeper) or delete (RFC 7644).
	Deprovision DeprovisionMode `json:"deprovision"`
	// Reprovision is what provisioning an email already in this node does:
	// link to that user (Keeper) or conflict (RFC 7644). Empty means link.
	Reprovision ReprovisionMode `json:"reprovision,omitempty"`
	// Identity is what a user's identity must be: an email address (Keeper)
	// or any non-empty userName (RFC 7643). Empty means email.
	Identity IdentityMode `json:"identity,omitempty"`
	// AutoApprove plays Keeper Automator's role: queued teams and memberships are
	// approved as soon as they become approvable.
	AutoApprove bool `json:"auto_approve"`
}

// Role is a Keeper role; each node has one default role that new users get.
type Role struct {
	ID           int64  `json:"id"`
	EnterpriseID int64  `json:"enterprise_id"`
	NodeID       int64  `json:"node_id"`
	Name         string `json:"name"`
}

// Email is one of a user's email addresses.
type Email struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// User is an enterprise user. Email is the Keeper identity: unique across all
// enterprises, compared case-insensitively.
type User struct {
	ID           int64      `json:"id"`
	EnterpriseID int64      `json:"enterprise_id"`
	NodeID       int64      `json:"node_id"`
	RoleID       int64      `json:"role_id"`
	Email        string     `json:"email"`     // Keeper identity (login); unique, case-insensitive
	UserName     string     `json:"user_name"` // SCIM userName as sent
	GivenName    string     `json:"given_name,omitempty"`
	FamilyName   string     `json:"family_name,omitempty"`
	DisplayName  string     `json:"display_name"`
	ExternalID   string     `json:"external_id,omitempty"`
	Emails       []Email    `json:"emails,omitempty"`
	Extra        string     `json:"extra,omitempty"` // SCIM attributes without a Keeper meaning (nickName, the enterprise extension, ...) as a JSON object; "" for none
	Status       UserStatus `json:"status"`
	Locked       bool       `json:"locked"`
	Version      int64      `json:"version"`
	Created      time.Time  `json:"created"`
	Modified     time.Time  `json:"modified"`
}

// Team is a Keeper team (a SCIM Group). ID is a 22-character base64url UID.
type Team struct {
	ID           string     `json:"id"`
	EnterpriseID int64      `json:"enterprise_id"`
	NodeID       int64      `json:"node_id"`
	DisplayName  string     `json:"display_name"`
	ExternalID   string     `json:"external_id,omitempty"`
	Status       TeamStatus `json:"status"`
	Version      int64      `json:"version"`
	Created      time.Time  `json:"created"`
	Modified     time.Time  `json:"modified"`
}

// Membership is a user's membership of a team.
type Membership struct {
	TeamID string           `json:"team_id"`
	UserID int64            `json:"user_id"`
	Status MembershipStatus `json:"status"`
}

// Endpoint is a node's SCIM endpoint. Only a hash of its token is kept.
type Endpoint struct {
	NodeID           int64          `json:"node_id"`
	EnterpriseID     int64          `json:"enterprise_id"`
	TokenHash        []byte         `json:"-"`
	Status           EndpointStatus `json:"status"`
	UniqueGroupNames bool           `json:"unique_group_names"`
	Created          time.Time      `json:"created"`
	Rotated          time.Time      `json:"rotated"`
}

// Domain is an email domain reserved to one enterprise.
type Domain struct {
	Name         string `json:"domain"`
	EnterpriseID int64  `json:"enterprise_id"`
}
