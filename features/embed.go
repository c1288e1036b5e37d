// Package features holds provkit's conformance suite as Gherkin: scim/ for
// RFC 7643/7644 core behaviour, keeper/ for Keeper's documented behaviour,
// saml/ and jit/ for SAML single sign-on and JIT provisioning, idp/ for
// the identity providers' own flows (mockidp/sync),
// and tags.txt, the fixed tag vocabulary every scenario is checked against.
// The files are embedded (FS) so the provkit binary carries them; the
// package also parses them into a catalogue of scenarios (Load) and
// evaluates godog tag expressions (Match), for the harness and its tests.
package features

import "embed"

// FS holds the feature files and the tag vocabulary.
//
//go:embed scim keeper saml jit idp tags.txt
var FS embed.FS

// Paths are the feature directories inside FS, in run order.
var Paths = []string{"scim", "keeper", "saml", "jit", "idp"}
