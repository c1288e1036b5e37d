// Package sync simulates the SCIM provisioning clients of the identity
// providers Keeper documents: Microsoft Entra ID (its default mode and its
// newer compliant mode), Okta, JumpCloud, CloudGate, OneLogin and Google
// Workspace. It reads an IdP-side directory (users, groups, memberships and
// the changes to them) from YAML and turns it into the requests that IdP
// sends, quirks included, over HTTP to any SCIM base URL.
//
// A run has four phases, as an administrator lives them:
//
//	connect      the IdP's "Test Connection" (or its first request)
//	sync         the first provisioning cycle: users, groups, memberships
//	update       the directory's updates: profile changes, renames, membership changes
//	deprovision  the directory's deprovisioned users
//
// Every request shape comes from the IdP's documentation where it exists,
// cited next to the code (see also docs/simulate.md). Where a vendor does not
// document a shape (JumpCloud's member PATCH, CloudGate's requests, OneLogin's
// and Google's updates), the simulator sends the plain RFC 7644 form and its
// profile says so (Profile.Undocumented).
//
// The simulator asserts nothing about the target: it records every exchange
// (Report) and notes each answer the IdP would log as a provisioning error
// (Report.Problems). Ids the target assigns are learned from its answers;
// an IdP that runs a later phase on its own (without the earlier ones in the
// same process) looks its objects up first, as real IdPs do after a restart.
//
// ShapeOf exports the first sync's request bodies of Entra ID, Okta and the
// plain RFC form without the simulator's state, for mockidp/sync/load,
// which sends them concurrently at scale (provkit load).
//
// Random values (Entra ID's test-connection GUID) come from Options.NewID,
// so tests get stable requests; the IdPs' own object ids (Okta's 00u…,
// Entra's GUIDs, JumpCloud's ObjectIds) are derived from the directory, so
// they are stable too.
package sync
