package scim

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/provkit/provkit/reference/scim/scimerr"
)

// parseQuery parses a request's query string. A query that does not parse
// (a '%' not followed by two hex digits, an unescaped ';', more than
// url.ParseQuery's 10,000 parameters) is refused rather than read in part:
// url.ParseQuery skips the parameters it cannot decode, so reading what is
// left would drop a filter and answer with every resource of the node.
// The error is invalidFilter when the query has a filter parameter (its
// value may be what did not decode; RFC 7644 §3.4.2.2), invalidValue
// otherwise. A name or value that decodes to a NUL or to invalid UTF-8 is
// invalidValue (checkText).
func parseQuery(raw string, lenient bool) (url.Values, error) {
	v, err := url.ParseQuery(raw)
	if err == nil || lenient {
		for k, vs := range v {
			if err := checkText("a query parameter name", k); err != nil {
				return nil, err
			}
			for _, s := range vs {
				if err := checkText("the query parameter "+strconv.Quote(k), s); err != nil {
					return nil, err
				}
			}
		}
		return v, nil
	}
	if mentionsFilter(raw) {
		return nil, scimerr.BadRequest(scimerr.InvalidFilter, "the query string does not parse (%v), so its filter cannot be read", err)
	}
	return nil, scimerr.BadRequest(scimerr.InvalidValue, "the query string does not parse: %v", err)
}

// mentionsFilter reports whether a raw query has a parameter named filter
// (in any case, escaped or not).
func mentionsFilter(raw string) bool {
	for seg := range strings.SplitSeq(raw, "&") {
		for part := range strings.SplitSeq(seg, ";") {
			key, _, _ := strings.Cut(part, "=")
			if k, err := url.QueryUnescape(key); err == nil {
				key = k
			}
			if strings.EqualFold(strings.TrimSpace(key), "filter") {
				return true
			}
		}
	}
	return false
}
