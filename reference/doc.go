// Package reference is provkit's bundled reference server: a Keeper-like SCIM 2.0
// service (reference/scim), its administrator API (reference/admin) and domain
// rules (reference/directory), persisted by reference/store.
//
// Server wires those parts into one http.Handler; cmd/provkit and the root
// harness test are the only places that start it.
package reference
