// Package patch decodes and applies SCIM 2.0 PATCH requests (RFC 7644
// §3.5.2) to resource maps (the representation of package schema), and pulls
// group membership changes out of them so that the server never has to load a
// whole member list to add or remove one member.
//
// It accepts what the major provisioning clients actually send besides the
// RFC shapes: capitalised op names ("Add", "Replace", "Remove"), booleans as
// "True"/"False" strings, path-less values with dotted ("name.givenName") and
// URN-qualified keys (Microsoft Entra ID), path-less replaces carrying the
// unchanged id (Okta's group rename), one-element arrays or a bare id for the
// single-valued manager attribute, and the members removal shape with a value
// array. Every error is a *scimerr.Error with status 400.
package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/provkit/provkit/reference/scim/filter"
	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

// Operation is one PATCH operation. Op is "add", "replace" or "remove" (Decode
// lower-cases it; Apply accepts any case). Path is "" when absent. Value is
// the decoded JSON value (numbers as json.Number), nil when absent or null.
type Operation struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value"`
}

// Operation names.
const (
	OpAdd     = "add"
	OpReplace = "replace"
	OpRemove  = "remove"
)

// MaxOperations is the most operations one PATCH request may carry; Decode
// answers a longer "Operations" array with 400 tooMany. RFC 7644 sets no
// limit for PATCH (§3.7 bounds only bulk requests, through maxOperations);
// IdPs send a handful per request. Applying is linear in the operations, so
// the cap bounds one request's work, not a quadratic cost.
const MaxOperations = 1000

// Decode parses a PatchOp request body:
//
//	{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//	 "Operations": [{"op": "add", "path": "...", "value": ...}, ...]}
//
// Member names are matched case-insensitively (RFC 7643 §2.1). It returns
// invalidSyntax when the body is not one JSON object, when "schemas" does not
// list the PatchOp URN, when "Operations" is missing, not an array (some old
// clients sent an object) or empty, when an operation is not an object or has
// a missing or unknown "op", or a "path" that is not a string; invalidPath
// when a path does not parse (ParsePath); noTarget for a remove without a
// path (RFC 7644 §3.5.2.2); invalidValue for an add or replace without a
// value, or an add whose value is null; tooMany for more than MaxOperations
// operations. An empty "path" counts as absent.
// Numbers are decoded as json.Number.
func Decode(body []byte) ([]Operation, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, syntaxErr("the body is not valid JSON: %s", jsonErr(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, syntaxErr("unexpected data after the JSON object")
	}
	msg, ok := raw.(map[string]any)
	if !ok {
		return nil, syntaxErr("the body must be a JSON object")
	}
	if err := checkSchemas(msg); err != nil {
		return nil, err
	}
	_, rawOps, ok := schema.GetFold(msg, "Operations")
	if !ok || rawOps == nil {
		return nil, syntaxErr(`missing "Operations"`)
	}
	list, ok := rawOps.([]any)
	if !ok {
		if _, isObj := rawOps.(map[string]any); isObj {
			return nil, syntaxErr(`"Operations" must be an array of operations, got a single object; wrap it in [ ]`)
		}
		return nil, syntaxErr(`"Operations" must be an array of operations`)
	}
	if len(list) == 0 {
		return nil, syntaxErr(`"Operations" must contain at least one operation`)
	}
	if len(list) > MaxOperations {
		return nil, scimerr.BadRequest(scimerr.TooMany, "invalid PATCH request: %d operations; at most %d in one request", len(list), MaxOperations)
	}
	ops := make([]Operation, 0, len(list))
	parsed := map[string]bool{} // paths already checked
	for i, x := range list {
		op, err := decodeOp(i, x, parsed)
		if err != nil {
			return nil, err
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func checkSchemas(msg map[string]any) error {
	_, v, ok := schema.GetFold(msg, "schemas")
	if !ok {
		return syntaxErr(`missing "schemas": it must list %q`, schema.PatchOpURN)
	}
	list, ok := v.([]any)
	if !ok {
		return syntaxErr(`"schemas" must be an array listing %q`, schema.PatchOpURN)
	}
	for _, s := range list {
		if str, ok := s.(string); ok && strings.EqualFold(str, schema.PatchOpURN) {
			return nil
		}
	}
	return syntaxErr(`"schemas" must list %q`, schema.PatchOpURN)
}

func decodeOp(i int, x any, parsed map[string]bool) (Operation, error) {
	m, ok := x.(map[string]any)
	if !ok {
		return Operation{}, syntaxErr("operation %d is not an object", i)
	}
	var op Operation
	_, name, ok := schema.GetFold(m, "op")
	s, isStr := name.(string)
	if !ok || !isStr {
		return Operation{}, syntaxErr(`operation %d: "op" must be a string: "add", "replace" or "remove"`, i)
	}
	op.Op = strings.ToLower(s)
	if op.Op != OpAdd && op.Op != OpReplace && op.Op != OpRemove {
		return Operation{}, syntaxErr(`operation %d: unknown op %q (expected "add", "replace" or "remove")`, i, clip(s))
	}
	if _, p, ok := schema.GetFold(m, "path"); ok && p != nil {
		ps, isStr := p.(string)
		if !isStr {
			return Operation{}, syntaxErr(`operation %d: "path" must be a string`, i)
		}
		op.Path = strings.TrimSpace(ps)
	}
	if op.Path != "" && !parsed[op.Path] {
		if _, err := filter.ParsePath(op.Path); err != nil {
			return Operation{}, err
		}
		parsed[op.Path] = true
	}
	_, v, hasValue := schema.GetFold(m, "value")
	op.Value = v
	switch op.Op {
	case OpRemove:
		if op.Path == "" {
			return Operation{}, scimerr.BadRequest(scimerr.NoTarget, `operation %d: remove requires a "path"`, i)
		}
	case OpAdd:
		if !hasValue || v == nil {
			return Operation{}, scimerr.BadRequest(scimerr.InvalidValue, `operation %d: add requires a non-null "value"`, i)
		}
	case OpReplace:
		if !hasValue {
			return Operation{}, scimerr.BadRequest(scimerr.InvalidValue, `operation %d: replace requires a "value"`, i)
		}
	}
	return op, nil
}

func syntaxErr(format string, args ...any) error {
	return scimerr.BadRequest(scimerr.InvalidSyntax, "invalid PATCH request: "+format, args...)
}

// jsonErr describes a JSON decoding error without echoing the input.
func jsonErr(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at offset %d", se.Offset)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return "malformed JSON"
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
