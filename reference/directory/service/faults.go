package service

import (
	"sync"
)

// Fault names a deliberate violation of one Keeper rule. Faults exist only so
// the conformance harness can prove that each feature fails against a server
// that breaks its rule; no command-line flag of `provkit serve` reaches them.
type Fault string

// Service-level faults.
const (
	FaultTeamsActive        Fault = "keeper-teams-active"         // teams are created active, not pending
	FaultMembershipsActive  Fault = "keeper-memberships-active"   // memberships are active at once
	FaultUsersActive        Fault = "keeper-users-active"         // users are created active, not invited
	FaultDuplicateEmail     Fault = "keeper-duplicate-email"      // an email another node holds is accepted
	FaultNoLink             Fault = "keeper-no-link"              // re-provisioning a user of the same node is refused
	FaultSeatsIgnored       Fault = "keeper-seats-ignored"        // licensed seats are not enforced
	FaultRotationKeepsOld   Fault = "keeper-rotation-keeps-old"   // a rotated token keeps working
	FaultSubNodeVisible     Fault = "keeper-sub-node-visible"     // the parent's endpoint reads sub-node users
	FaultUniqueNamesIgnored Fault = "keeper-unique-names-ignored" // the unique group names flag is ignored
	FaultApproveInvited     Fault = "keeper-approve-invited"      // approval also approves invited users' memberships
	FaultCrossNodeRefs      Fault = "keeper-cross-node-refs"      // teams and users of other nodes may be referenced
	FaultReprovisionLinks   Fault = "rfc-reprovision-links"       // a node in RFC mode still links a re-provisioned userName
	// wrong twins of the versioning rules (RFC 7644 §3.14, RFC 7643 §3.1 meta)
	FaultVersionFrozenOnMembers Fault = "rfc-version-frozen-on-members" // a membership change keeps the group's version
	FaultLastModifiedFrozen     Fault = "rfc-last-modified-frozen"      // an update of a user keeps its lastModified
	// wrong twins of Keeper's rules: case rules applied to the wrong values, one-way locks
	FaultEmailCaseSensitive      Fault = "keeper-email-case-sensitive"       // another enterprise's email in another case is not taken
	FaultLinkCaseSensitive       Fault = "keeper-link-case-sensitive"        // this node's user in another case is not linked (409)
	FaultUniqueNamesCaseExact    Fault = "keeper-unique-names-case-exact"    // unique group names compare case-sensitively
	FaultReservedDomainCaseExact Fault = "keeper-reserved-domain-case-exact" // a reserved domain written in another case is free
	FaultReactivateIgnored       Fault = "keeper-reactivate-ignored"         // active true does not unlock
	FaultDeleteKeepsActive       Fault = "keeper-delete-keeps-active"        // DELETE answers 204 but neither locks nor removes
	FaultEmptyTeamsActive        Fault = "keeper-empty-teams-active"         // a team created without members is active at once
	FaultInitialMembersActive    Fault = "keeper-initial-members-active"     // the members a group is created with are active at once
	FaultApproveTeamsOnly        Fault = "keeper-approve-teams-only"         // approval activates teams, never memberships
	FaultApproveLocked           Fault = "keeper-approve-locked"             // approval ignores that a user is locked
	FaultAutoApproveTeamsOnly    Fault = "keeper-auto-approve-teams-only"    // automatic approval activates teams only
	FaultUserNameUniqueCaseExact Fault = "rfc-username-unique-case-exact"    // a taken userName in another case is a new user
	FaultLenientIdentity         Fault = "keeper-identity-lenient"           // any userName with an @ is taken as the email identity
	FaultDisplayNameLocalPart    Fault = "keeper-display-name-local-part"    // the default display name is the email's local part
	FaultIdentityEmail           Fault = "rfc-identity-email"                // a node of identity any still requires an email identity
	FaultUnchangedBumps          Fault = "rfc-unchanged-bumps"               // an update that changes nothing still gives a new version
	FaultRemoveRefills           Fault = "rfc-remove-refills"                // identity any: a removed displayName or emails is filled from the identity
	FaultRemoveClears            Fault = "keeper-remove-clears"              // identity email: a removed displayName or emails stays empty
	// second twins of Keeper's rules and of the no-change rule
	FaultRotationNotStored  Fault = "keeper-rotation-not-stored"  // rotation hands out a new token but the old one stays the endpoint's
	FaultSeatsConflict      Fault = "keeper-seats-conflict"       // a full licence is refused as 409 Conflict, not 428
	FaultLinkNeedsSeat      Fault = "keeper-link-needs-seat"      // linking an existing user of the node also needs a free seat
	FaultUsersLocked        Fault = "keeper-users-locked"         // a new user is created active but locked until accepted, not invited
	FaultSubNodeForbidden   Fault = "keeper-sub-node-forbidden"   // the parent's endpoint refuses a sub-node's user with 403, not 404
	FaultEndpointBornActive Fault = "keeper-endpoint-born-active" // a new endpoint is active at once, before any request
	FaultUserTeamsUnchecked Fault = "keeper-user-teams-unchecked" // a group's members are checked for the node, a user's groups are not
	// second twins of rules one fault broke (issue 11)
	FaultRootEndpointStored Fault = "keeper-root-endpoint-stored" // an endpoint on the root node is refused (403) only after it was stored: the root has one
	FaultUserNameNoSpaces   Fault = "rfc-username-no-spaces"      // a userName with white space is refused (a login-name pattern), whatever the node's identity mode
)

// WithFaults switches faults on (tests only).
func WithFaults(fs ...Fault) Option {
	return func(s *Service) {
		s.faults = map[Fault]bool{}
		for _, f := range fs {
			s.faults[f] = true
		}
	}
}

func (s *Service) fault(f Fault) bool { return s.faults[f] }

// HasFault tells whether a fault is on, for the SP's share of a fault
// (FaultSSOLockIgnored also skips the session page's lock check).
func (s *Service) HasFault(f Fault) bool { return s.fault(f) }

// oldTokens keeps revoked token hashes, for FaultRotationKeepsOld only.
type oldTokens struct {
	mu     sync.Mutex
	hashes map[int64][][]byte
}
