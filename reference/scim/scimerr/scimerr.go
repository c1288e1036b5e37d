// Package scimerr is the SCIM error type shared by the reference server's SCIM
// packages (schema, filter, patch, handlers). The HTTP layer turns an *Error
// into the RFC 7644 §3.12 error body; any other error it maps from the
// domain's and store's sentinel errors in one place.
package scimerr

import "fmt"

// scimType values of RFC 7644 §3.12 (Table 9), plus the status codes we use.
const (
	InvalidFilter = "invalidFilter"
	TooMany       = "tooMany"
	Uniqueness    = "uniqueness"
	Mutability    = "mutability"
	InvalidSyntax = "invalidSyntax"
	InvalidPath   = "invalidPath"
	NoTarget      = "noTarget"
	InvalidValue  = "invalidValue"
	InvalidVers   = "invalidVers"
	Sensitive     = "sensitive"
)

// Error is a SCIM error: an HTTP status, an optional scimType and a detail
// for humans (never asserted on by tests).
type Error struct {
	Status   int
	ScimType string
	Detail   string
}

func (e *Error) Error() string {
	if e.ScimType != "" {
		return fmt.Sprintf("scim %d %s: %s", e.Status, e.ScimType, e.Detail)
	}
	return fmt.Sprintf("scim %d: %s", e.Status, e.Detail)
}

// New returns an *Error with a formatted detail.
func New(status int, scimType, format string, args ...any) *Error {
	return &Error{Status: status, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// BadRequest is a 400 with the given scimType.
func BadRequest(scimType, format string, args ...any) *Error {
	return New(400, scimType, format, args...)
}
