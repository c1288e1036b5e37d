package scim

import (
	"github.com/provkit/provkit/reference/internal/text"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

// checkText refuses a NUL byte or invalid UTF-8 in a string of the request
// (an id, a query parameter): 400 invalidValue on every backend.
func checkText(what, s string) error {
	if err := text.Check(s); err != nil {
		return scimerr.BadRequest(scimerr.InvalidValue, "%s %v", what, err)
	}
	return nil
}

// checkBody refuses a JSON body that is not valid UTF-8 or has a NUL in a
// string: 400 invalidValue on every backend.
func checkBody(body []byte) error {
	if err := text.CheckJSON(body); err != nil {
		return scimerr.BadRequest(scimerr.InvalidValue, "the body %v", err)
	}
	return nil
}
