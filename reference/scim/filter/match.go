package filter

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

// Match reports whether the resource res (a resource map as described in
// package schema: core attributes at the top level, extension attributes under
// their schema URN; keys are matched case-insensitively) of type rt matches e,
// following RFC 7644 §3.4.2.2:
//
//   - Strings compare case-insensitively unless the attribute is caseExact
//     (id, externalId, meta.version, ...); binary values always compare
//     exactly (RFC 7643 §2.3.6). gt/ge/lt/le on strings are
//     lexical (by bytes, after case folding when not caseExact).
//   - dateTime attributes compare chronologically when both sides parse as
//     RFC 3339 date-times (else as strings); integer and decimal attributes
//     compare numerically (float64, json.Number, Go integers all accepted).
//   - Booleans support eq (and ne); a string operand "true"/"false" (any case,
//     e.g. Entra's unquoted True) is taken as the boolean.
//   - A number compared with a string attribute is compared by its shortest
//     decimal text (Entra's `externalId eq 12345`).
//   - On a multi-valued attribute a comparison matches if ANY value matches;
//     a comparison on a complex multi-valued attribute without a
//     sub-attribute compares its "value" sub-attribute (`emails co "x"`).
//   - "pr" matches a non-empty value: not null, not "", not an empty array,
//     not an object whose members are all empty.
//   - "ne" is "not eq": it matches when no value equals the operand,
//     including when the attribute is absent. "eq null" matches an absent
//     (or empty) attribute and "ne null" a present one (RFC 7643 §2.5:
//     unassigned and null are the same).
//   - A value path matches if any element of the attribute matches its filter.
//   - Attributes that rt does not define, and attributes that are never
//     returned (password), never match; Validate reports them as errors.
func Match(e Expr, rt *schema.ResourceType, res map[string]any) bool {
	switch e := e.(type) {
	case *Logical:
		if e.Op == "and" {
			return Match(e.Left, rt, res) && Match(e.Right, rt, res)
		}
		return Match(e.Left, rt, res) || Match(e.Right, rt, res)
	case *Not:
		return !Match(e.X, rt, res)
	case *Compare:
		ref, ok := rt.Lookup(e.Attr.URI, e.Attr.Name, e.Attr.Sub)
		if !ok || hidden(ref) {
			return false
		}
		top, _ := topValue(res, ref)
		leaf := ref.Attr
		var vals []any
		switch {
		case ref.Sub != "":
			vals = subValues(top, ref.Sub)
		case ref.Attr.Type == schema.Complex && e.Op != "pr":
			// Compare the "value" sub-attribute (emails co "x").
			leaf = subAttr(ref.Attr, "value")
			if leaf == nil {
				return false
			}
			vals = subValues(top, leaf.Name)
		default:
			vals = flatten(top)
		}
		return compareAll(withCase(leaf, e.Case), vals, e.Op, e.Value)
	case *ValuePath:
		ref, ok := rt.Lookup(e.Attr.URI, e.Attr.Name, "")
		if !ok || hidden(ref) || ref.Attr.Type != schema.Complex {
			return false
		}
		top, _ := topValue(res, ref)
		for _, el := range flatten(top) {
			if m, ok := el.(map[string]any); ok && matchElem(e.Filter, rt, e.Attr, m) {
				return true
			}
		}
		return false
	}
	return false
}

// MatchElement reports whether one element of the complex attribute attr
// (e.g. one object of "emails") matches f, a value filter whose attribute
// names are sub-attributes of attr, as in emails[type eq "work"]. The patch
// package uses it to select the elements a PATCH path designates.
func MatchElement(f Expr, rt *schema.ResourceType, attr AttrPath, elem map[string]any) bool {
	return matchElem(f, rt, attr, elem)
}

func matchElem(e Expr, rt *schema.ResourceType, parent AttrPath, elem map[string]any) bool {
	switch e := e.(type) {
	case *Logical:
		if e.Op == "and" {
			return matchElem(e.Left, rt, parent, elem) && matchElem(e.Right, rt, parent, elem)
		}
		return matchElem(e.Left, rt, parent, elem) || matchElem(e.Right, rt, parent, elem)
	case *Not:
		return !matchElem(e.X, rt, parent, elem)
	case *Compare:
		if e.Attr.URI != "" || e.Attr.Sub != "" {
			return false
		}
		ref, ok := rt.Lookup(parent.URI, parent.Name, e.Attr.Name)
		if !ok || hidden(ref) {
			return false
		}
		var vals []any
		if _, v, ok := schema.GetFold(elem, ref.Sub); ok {
			vals = flatten(v)
		}
		return compareAll(withCase(ref.Attr, e.Case), vals, e.Op, e.Value)
	}
	return false // no nested value paths
}

// hidden tells attributes that are never returned (password): filtering on
// them would let a client probe their values.
func hidden(ref schema.Ref) bool {
	return ref.Attr.Returned == schema.ReturnedNever || ref.Top().Returned == schema.ReturnedNever
}

// topValue returns the value of ref's top-level attribute in res.
func topValue(res map[string]any, ref schema.Ref) (any, bool) {
	m := res
	if ref.Extension {
		_, ext, ok := schema.GetFold(res, ref.SchemaURN)
		if !ok {
			return nil, false
		}
		if m, ok = ext.(map[string]any); !ok {
			return nil, false
		}
	}
	_, v, ok := schema.GetFold(m, ref.Name)
	return v, ok
}

// flatten returns the values of a possibly multi-valued attribute value.
func flatten(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	case []map[string]any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return out
	case []string:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return out
	}
	return []any{v}
}

// subValues returns the values of sub-attribute sub in every element of the
// complex value top (an object or an array of objects).
func subValues(top any, sub string) []any {
	var out []any
	for _, el := range flatten(top) {
		if m, ok := el.(map[string]any); ok {
			if _, v, ok := schema.GetFold(m, sub); ok {
				out = append(out, flatten(v)...)
			}
		}
	}
	return out
}

func subAttr(a *schema.Attribute, name string) *schema.Attribute {
	for _, s := range a.SubAttributes {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

// nonEmpty reports whether v is a value in the sense of "pr".
func nonEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case []any:
		for _, x := range v {
			if nonEmpty(x) {
				return true
			}
		}
		return false
	case map[string]any:
		for _, x := range v {
			if nonEmpty(x) {
				return true
			}
		}
		return false
	case []map[string]any, []string:
		return nonEmpty(flatten(v))
	}
	return true
}

func compareAll(a *schema.Attribute, vals []any, op string, operand any) bool {
	present := false
	for _, v := range vals {
		if nonEmpty(v) {
			present = true
			break
		}
	}
	switch {
	case op == "pr":
		return present
	case operand == nil:
		switch op {
		case "eq":
			return !present
		case "ne":
			return present
		}
		return false
	case op == "ne":
		return !compareAll(a, vals, "eq", operand)
	}
	for _, v := range vals {
		if nonEmpty(v) && compareOne(a, v, op, operand) {
			return true
		}
	}
	return false
}

func compareOne(a *schema.Attribute, v any, op string, operand any) bool {
	switch a.Type {
	case schema.Boolean:
		x, ok1 := toBool(v)
		y, ok2 := toBool(operand)
		return ok1 && ok2 && op == "eq" && x == y
	case schema.Integer, schema.Decimal:
		c, ok := compareNumbers(v, operand)
		return ok && ordered(op, c)
	case schema.DateTime:
		if op != "co" && op != "sw" && op != "ew" {
			s, ok1 := v.(string)
			o, ok2 := operand.(string)
			if ok1 && ok2 {
				t1, err1 := time.Parse(time.RFC3339, s)
				t2, err2 := time.Parse(time.RFC3339, o)
				if err1 == nil && err2 == nil {
					return ordered(op, t1.Compare(t2))
				}
			}
		}
	case schema.Complex:
		return false
	}
	s, ok1 := toText(v)
	o, ok2 := toText(operand)
	if !ok1 || !ok2 {
		return false
	}
	if a.Type == schema.Binary && op != "eq" {
		return false // RFC 7644: gt/ge/lt/le on binary are invalid; co/sw/ew meaningless
	}
	if !a.CaseExact && a.Type != schema.Binary { // binary is always case exact (RFC 7643 §2.3.6)
		if op == "eq" {
			return strings.EqualFold(s, o)
		}
		s, o = strings.ToLower(s), strings.ToLower(o)
	}
	switch op {
	case "eq":
		return s == o
	case "co":
		return strings.Contains(s, o)
	case "sw":
		return strings.HasPrefix(s, o)
	case "ew":
		return strings.HasSuffix(s, o)
	}
	return ordered(op, strings.Compare(s, o))
}

// ordered applies eq/gt/ge/lt/le to the result c of a three-way comparison.
func ordered(op string, c int) bool {
	switch op {
	case "eq":
		return c == 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	}
	return false
}

func toBool(v any) (bool, bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		switch {
		case strings.EqualFold(v, "true"):
			return true, true
		case strings.EqualFold(v, "false"):
			return false, true
		}
	}
	return false, false
}

// toText gives the text of a scalar compared as a string.
func toText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return "", false
		}
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	}
	return "", false
}

// number is a parsed numeric value: exact when it is an integer that fits in
// an int64, else a float64.
type number struct {
	i     int64
	f     float64
	isInt bool
}

func toNumber(v any) (number, bool) {
	var s string
	switch v := v.(type) {
	case float64:
		if math.IsNaN(v) {
			return number{}, false
		}
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return number{i: int64(v), f: v, isInt: true}, true
		}
		return number{f: v}, true
	case int:
		return number{i: int64(v), f: float64(v), isInt: true}, true
	case int64:
		return number{i: v, f: float64(v), isInt: true}, true
	case json.Number:
		s = string(v)
	case string:
		s = strings.TrimSpace(v)
		if !isJSONNumber(s) {
			return number{}, false
		}
	default:
		return number{}, false
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return number{i: i, f: float64(i), isInt: true}, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return number{}, false
	}
	return number{f: f}, true
}

func compareNumbers(a, b any) (int, bool) {
	x, ok1 := toNumber(a)
	y, ok2 := toNumber(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	if x.isInt && y.isInt {
		switch {
		case x.i < y.i:
			return -1, true
		case x.i > y.i:
			return 1, true
		}
		return 0, true
	}
	switch {
	case x.f < y.f:
		return -1, true
	case x.f > y.f:
		return 1, true
	}
	return 0, true
}

// Validate checks e against the attributes of rt. It returns a 400
// invalidFilter *scimerr.Error for:
//
//   - an attribute or sub-attribute that rt does not define;
//   - an attribute that is never returned (password), which must not be
//     probed through filters;
//   - a value path on an attribute that is not complex;
//   - gt/ge/lt/le on a complex attribute without a sub-attribute, on a
//     boolean or on a binary attribute (RFC 7644 §3.4.2.2);
//   - any comparison but "pr" on a complex attribute that has no "value"
//     sub-attribute (name eq "x");
//   - co/sw/ew on a boolean or a number;
//   - a null operand with anything but eq/ne;
//   - a boolean attribute compared with something other than a boolean (or
//     the string "true"/"false"), a numeric attribute with a non-number, a
//     dateTime with a non-string or, for eq/ne/gt/ge/lt/le, with a string
//     that is not an RFC 3339 date-time, a string attribute with a boolean.
func Validate(e Expr, rt *schema.ResourceType) error {
	switch e := e.(type) {
	case *Logical:
		if err := Validate(e.Left, rt); err != nil {
			return err
		}
		return Validate(e.Right, rt)
	case *Not:
		return Validate(e.X, rt)
	case *Compare:
		ref, ok := rt.Lookup(e.Attr.URI, e.Attr.Name, e.Attr.Sub)
		if !ok {
			return invalidFilter("unknown attribute %q", e.Attr.String())
		}
		if hidden(ref) {
			return invalidFilter("attribute %q cannot be used in a filter", e.Attr.String())
		}
		leaf := ref.Attr
		if leaf.Type == schema.Complex && e.Op != "pr" {
			if isOrdering(e.Op) {
				return invalidFilter("operator %q cannot be applied to complex attribute %q", e.Op, e.Attr.String())
			}
			if leaf = subAttr(ref.Attr, "value"); leaf == nil {
				return invalidFilter("complex attribute %q has no \"value\" to compare; name a sub-attribute", e.Attr.String())
			}
		}
		return checkOperand(e, leaf)
	case *ValuePath:
		ref, ok := rt.Lookup(e.Attr.URI, e.Attr.Name, "")
		if !ok {
			return invalidFilter("unknown attribute %q", e.Attr.String())
		}
		if hidden(ref) {
			return invalidFilter("attribute %q cannot be used in a filter", e.Attr.String())
		}
		if ref.Attr.Type != schema.Complex {
			return invalidFilter("value filter on %q, which is not a complex attribute", e.Attr.String())
		}
		return validateElem(e.Filter, rt, e.Attr)
	case nil:
		return invalidFilter("empty filter")
	}
	return invalidFilter("unsupported expression %T", e)
}

// ValidateElement is Validate for a value filter applied to the complex
// attribute attr (the filter of a PATCH path such as emails[type eq "work"]).
func ValidateElement(f Expr, rt *schema.ResourceType, attr AttrPath) error {
	ref, ok := rt.Lookup(attr.URI, attr.Name, "")
	if !ok {
		return invalidFilter("unknown attribute %q", attr.String())
	}
	if ref.Attr.Type != schema.Complex {
		return invalidFilter("value filter on %q, which is not a complex attribute", attr.String())
	}
	return validateElem(f, rt, attr)
}

func validateElem(e Expr, rt *schema.ResourceType, parent AttrPath) error {
	switch e := e.(type) {
	case *Logical:
		if err := validateElem(e.Left, rt, parent); err != nil {
			return err
		}
		return validateElem(e.Right, rt, parent)
	case *Not:
		return validateElem(e.X, rt, parent)
	case *Compare:
		if e.Attr.URI != "" || e.Attr.Sub != "" {
			return invalidFilter("%q: a value filter names plain sub-attributes", e.Attr.String())
		}
		ref, ok := rt.Lookup(parent.URI, parent.Name, e.Attr.Name)
		if !ok {
			return invalidFilter("unknown sub-attribute %q of %q", e.Attr.Name, parent.String())
		}
		if hidden(ref) {
			return invalidFilter("attribute %q cannot be used in a filter", e.Attr.String())
		}
		return checkOperand(e, ref.Attr)
	case *ValuePath:
		return invalidFilter("value filters cannot be nested")
	}
	return invalidFilter("unsupported expression %T", e)
}

func isOrdering(op string) bool { return op == "gt" || op == "ge" || op == "lt" || op == "le" }

func checkOperand(e *Compare, a *schema.Attribute) error {
	name := e.Attr.String()
	if e.Op == "pr" {
		return nil
	}
	if e.Value == nil {
		if e.Op != "eq" && e.Op != "ne" {
			return invalidFilter("operator %q cannot be applied to null (%s)", e.Op, name)
		}
		return nil
	}
	substr := e.Op == "co" || e.Op == "sw" || e.Op == "ew"
	switch a.Type {
	case schema.Boolean:
		if e.Op != "eq" && e.Op != "ne" {
			return invalidFilter("operator %q cannot be applied to boolean attribute %q", e.Op, name)
		}
		if _, ok := toBool(e.Value); !ok {
			return invalidFilter("boolean attribute %q compared with %s", name, formatValue(e.Value))
		}
	case schema.Binary:
		if isOrdering(e.Op) {
			return invalidFilter("operator %q cannot be applied to binary attribute %q", e.Op, name)
		}
	case schema.Integer, schema.Decimal:
		if substr {
			return invalidFilter("operator %q cannot be applied to numeric attribute %q", e.Op, name)
		}
		if _, ok := toNumber(e.Value); !ok {
			return invalidFilter("numeric attribute %q compared with %s", name, formatValue(e.Value))
		}
	case schema.DateTime:
		s, ok := e.Value.(string)
		if !ok {
			return invalidFilter("dateTime attribute %q compared with %s", name, formatValue(e.Value))
		}
		if !substr {
			if _, err := time.Parse(time.RFC3339, s); err != nil {
				return invalidFilter("%s is not an RFC 3339 date-time (attribute %q)", formatValue(e.Value), name)
			}
		}
	default:
		if _, isBool := e.Value.(bool); isBool {
			return invalidFilter("attribute %q compared with a boolean", name)
		}
	}
	return nil
}

func invalidFilter(format string, args ...any) error {
	return scimerr.BadRequest(scimerr.InvalidFilter, "invalid filter: "+format, args...)
}

// IndexedEq looks for an equality the store can answer from an index: e
// itself, or an operand of the top-level "and" chain of e, of the form
// `name eq "string"` where name is a top-level attribute with no
// sub-attribute and no URN other than a core schema's
// (urn:ietf:params:scim:schemas:core:2.0:...). It returns the attribute name
// lower-cased and the value as written (the store must apply the attribute's
// caseExact rule). When several qualify, the most selective wins: id, then
// username, externalid, displayname, then the leftmost other one. The caller
// must still evaluate the full filter on the candidates.
func IndexedEq(e Expr) (name string, value string, ok bool) {
	best := -1
	topLevelAnd(e, func(c *Compare, s string) {
		if c.Op != "eq" {
			return
		}
		n := strings.ToLower(c.Attr.Name)
		if rank := indexRank(n); best == -1 || rank < best {
			best, name, value, ok = rank, n, s, true
		}
	})
	return name, value, ok
}

// topLevelAnd calls f with each comparison of e's top-level "and" chain
// (e itself when it is one) that compares a top-level attribute (no
// sub-attribute, no URN but a core schema's) with a string.
func topLevelAnd(e Expr, f func(c *Compare, value string)) {
	switch e := e.(type) {
	case *Logical:
		if e.Op == "and" {
			topLevelAnd(e.Left, f)
			topLevelAnd(e.Right, f)
		}
	case *Compare:
		s, isStr := e.Value.(string)
		if !isStr || e.Attr.Sub != "" || (e.Attr.URI != "" && !hasPrefixFold(e.Attr.URI, "urn:ietf:params:scim:schemas:core:2.0:")) {
			return
		}
		f(e, s)
	}
}

func indexRank(name string) int {
	switch name {
	case "id":
		return 0
	case "username":
		return 1
	case "externalid":
		return 2
	case "displayname":
		return 3
	}
	return 4
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// IndexedText looks, like IndexedEq, in e and the top-level "and" chain of
// e for `name sw|ew|co "string"` on a top-level attribute (no
// sub-attribute, no URN but a core schema's), which a store can answer from
// a prefix or trigram index. It returns the attribute name lower-cased, the
// operator and the value as written. A prefix wins over a suffix or a
// substring, then the longest value, then the leftmost. The caller must
// still evaluate the full filter on the candidates.
func IndexedText(e Expr) (name, op, value string, ok bool) {
	topLevelAnd(e, func(c *Compare, s string) {
		if c.Op != "sw" && c.Op != "ew" && c.Op != "co" {
			return
		}
		if better := !ok || c.Op == "sw" && op != "sw" || (c.Op == "sw") == (op == "sw") && len(s) > len(value); better {
			name, op, value, ok = strings.ToLower(c.Attr.Name), c.Op, s, true
		}
	})
	return name, op, value, ok
}
