package schema

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/provkit/provkit/reference/scim/scimerr"
)

// Normalize checks and canonicalises a POST or PUT body against rt and
// returns a new map in the package's resource representation; body is not
// modified. It:
//
//   - canonicalises attribute and sub-attribute names (case-insensitive
//     match);
//   - drops unknown attributes, unknown sub-attributes and objects under
//     unknown extension URNs (extra attributes are ignored, not rejected);
//     extension attributes written at the top level without their URN are
//     unknown there and dropped too;
//   - drops readOnly attributes and sub-attributes (id, meta, groups on User,
//     manager.displayName) without checking their values;
//   - accepts URN-qualified keys ("urn:...:enterprise:2.0:User:employeeNumber",
//     "urn:...:core:2.0:User:name.givenName") and core attributes nested under
//     the core schema URN, moving them to their canonical place;
//   - drops JSON nulls, empty arrays and complex values left empty
//     (unassigned, RFC 7643 §2.5);
//   - wraps a single value given for a multi-valued attribute into a
//     one-element array;
//   - coerces values as Coerce does (e.g. the strings "True"/"False" of
//     Microsoft Entra to booleans);
//   - sets "schemas" to the core schema URN followed by the URNs of the
//     extensions that have attributes in the result.
//
// Errors are *scimerr.Error with status 400: invalidValue for a value of the
// wrong type (the detail names the attribute) or a multi-valued attribute
// with more than one primary value; invalidSyntax for a "schemas" member that
// is not an array of strings or an attribute given twice (in different
// spellings). Whether "schemas" lists the right URNs and whether required
// attributes are present is left to the caller (see CheckRequired).
func (rt *ResourceType) Normalize(body map[string]any) (map[string]any, error) {
	ix := rt.index()
	n := normalizer{rt: rt, ix: ix, out: make(map[string]any, len(body)+1)}
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic error reporting
	for _, k := range keys {
		if err := n.top(k, body[k]); err != nil {
			return nil, err
		}
	}
	schemas := []any{ix.core.schema.ID}
	for _, e := range ix.exts {
		if m, ok := n.out[e.schema.ID].(map[string]any); ok {
			if len(m) == 0 {
				delete(n.out, e.schema.ID)
			} else {
				schemas = append(schemas, e.schema.ID)
			}
		}
	}
	n.out["schemas"] = schemas
	return n.out, nil
}

type normalizer struct {
	rt  *ResourceType
	ix  *rtIndex
	out map[string]any
}

// dst returns the map holding si's attributes in the output.
func (n *normalizer) dst(si *schemaIndex) map[string]any {
	if !si.ext {
		return n.out
	}
	if m, ok := n.out[si.schema.ID].(map[string]any); ok {
		return m
	}
	m := map[string]any{}
	n.out[si.schema.ID] = m
	return m
}

func (n *normalizer) top(k string, v any) error {
	if strings.EqualFold(k, "schemas") {
		return checkSchemas(v)
	}
	uri, rest := n.rt.SplitURN(k)
	if uri == "" {
		return n.attr(n.ix.core, k, v)
	}
	si := n.ix.schemaFor(uri)
	if rest == "" {
		if v == nil {
			return nil
		}
		m, ok := v.(map[string]any)
		if !ok {
			return scimerr.BadRequest(scimerr.InvalidValue, "%q must be an object, got %s", uri, kind(v))
		}
		keys := make([]string, 0, len(m))
		for kk := range m {
			keys = append(keys, kk)
		}
		slices.Sort(keys)
		for _, kk := range keys {
			if strings.EqualFold(kk, "schemas") {
				continue
			}
			if err := n.attr(si, kk, m[kk]); err != nil {
				return err
			}
		}
		return nil
	}
	name, sub, dotted := strings.Cut(rest, ".")
	if !dotted {
		return n.attr(si, name, v)
	}
	a := si.lookup(name)
	if a == nil || a.Mutability == ReadOnly || a.Type != Complex || a.MultiValued {
		return nil // unknown, read-only, or meaningless ("emails.value") here
	}
	s := findSub(a, sub)
	if s == nil || s.Mutability == ReadOnly {
		return nil
	}
	cv, err := normalizeValue(s, v, qualify(si, a.Name))
	if err != nil || isEmpty(cv) {
		return err
	}
	return put(n.dst(si), si, a, map[string]any{s.Name: cv})
}

// attr normalises the value of attribute key of schema si.
func (n *normalizer) attr(si *schemaIndex, key string, v any) error {
	a := si.lookup(key)
	if a == nil || a.Mutability == ReadOnly {
		return nil
	}
	cv, err := normalizeValue(a, v, qualify(si, ""))
	if err != nil || isEmpty(cv) {
		return err
	}
	return put(n.dst(si), si, a, cv)
}

// put stores v for a in dst, merging the sub-attributes of a single-valued
// complex attribute given in several pieces; anything else given twice is an
// error.
func put(dst map[string]any, si *schemaIndex, a *Attribute, v any) error {
	old, exists := dst[a.Name]
	if !exists {
		dst[a.Name] = v
		return nil
	}
	om, ok1 := old.(map[string]any)
	nm, ok2 := v.(map[string]any)
	if a.Type != Complex || a.MultiValued || !ok1 || !ok2 {
		return duplicate(qualify(si, "") + a.Name)
	}
	for _, s := range a.SubAttributes { // definition order: deterministic
		if x, ok := nm[s.Name]; ok {
			if _, dup := om[s.Name]; dup {
				return duplicate(qualify(si, a.Name) + s.Name)
			}
			om[s.Name] = x
		}
	}
	return nil
}

func duplicate(path string) error {
	return scimerr.BadRequest(scimerr.InvalidSyntax, "attribute %q is given more than once", path)
}

// qualify returns the prefix naming attributes of si in error details:
// "" for core attributes, "urn:...:" for extension ones, with parent + "."
// appended when parent is not "".
func qualify(si *schemaIndex, parent string) string {
	p := ""
	if si.ext {
		p = si.schema.ID + ":"
	}
	if parent != "" {
		p += parent + "."
	}
	return p
}

func checkSchemas(v any) error {
	switch l := v.(type) {
	case nil, []string:
		return nil
	case []any:
		for _, x := range l {
			if _, ok := x.(string); !ok {
				return scimerr.BadRequest(scimerr.InvalidSyntax, `"schemas" must be an array of strings, got an element of type %s`, kind(x))
			}
		}
		return nil
	default:
		return scimerr.BadRequest(scimerr.InvalidSyntax, `"schemas" must be an array of strings, got %s`, kind(v))
	}
}

// normalizeValue is coerce with the Normalize rules for multi-valued
// attributes: a non-array value is wrapped into a one-element array, and the
// result is always an array.
func normalizeValue(a *Attribute, v any, prefix string) (any, error) {
	if v == nil {
		return nil, nil
	}
	if a.MultiValued {
		arr, ok := v.([]any)
		if !ok {
			arr = []any{v}
		}
		return coerceArray(a, arr, prefix)
	}
	return coerceOne(a, v, prefix)
}

// Coerce checks one value v for attribute a and returns it in the canonical
// representation; it is the single-value counterpart of Normalize, meant for
// PATCH values. It:
//
//   - returns (nil, nil) for nil (JSON null: unassigned);
//   - for a Boolean attribute accepts a bool or the strings "true"/"false" in
//     any case (Microsoft Entra sends "True"/"False") and returns a bool;
//   - for String, Reference, DateTime (xsd:dateTime) and Binary (base64)
//     attributes requires a string;
//   - for Integer and Decimal attributes accepts float64, json.Number and Go
//     integers, returned unchanged (an Integer must be integral);
//   - for a Complex attribute requires a map[string]any and returns a new map
//     with canonical sub-attribute names, values coerced, unknown
//     sub-attributes, readOnly sub-attributes and nulls dropped;
//   - for a multi-valued attribute coerces an array element by element and
//     returns a new []any without nulls and empty elements (more than one
//     element with primary true is an error); any other value is coerced as
//     one element and returned unwrapped, for the caller to add to the array.
//
// Coerce does not check a's own mutability: that is the caller's business.
// Errors are *scimerr.Error 400 invalidValue naming the attribute (never
// echoing the value).
func Coerce(a *Attribute, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if arr, ok := v.([]any); ok && a.MultiValued {
		return coerceArray(a, arr, "")
	}
	return coerceOne(a, v, "")
}

// coerceArray coerces the elements of a multi-valued attribute. prefix is
// the path of a's parent for error details ("" or "urn:...:" or "name.").
func coerceArray(a *Attribute, arr []any, prefix string) (any, error) {
	out := make([]any, 0, len(arr))
	for _, e := range arr {
		if e == nil {
			continue
		}
		if _, nested := e.([]any); nested {
			return nil, invalid(prefix, a, want(a), e)
		}
		cv, err := coerceOne(a, e, prefix)
		if err != nil {
			return nil, err
		}
		if isEmpty(cv) {
			continue
		}
		out = append(out, cv)
	}
	if a.Type == Complex && findSub(a, "primary") != nil {
		primaries := 0
		for _, e := range out {
			if m, ok := e.(map[string]any); ok && m["primary"] == true {
				primaries++
			}
		}
		if primaries > 1 {
			return nil, scimerr.BadRequest(scimerr.InvalidValue, "attribute %q: more than one value has primary true", prefix+a.Name)
		}
	}
	return out, nil
}

// coerceOne coerces one (non-array) value of a.
func coerceOne(a *Attribute, v any, prefix string) (any, error) {
	switch a.Type {
	case String, Reference:
		if _, ok := v.(string); ok {
			return v, nil
		}
	case Binary:
		if s, ok := v.(string); ok {
			if _, err := base64.StdEncoding.DecodeString(s); err == nil {
				return v, nil
			}
			if _, err := base64.RawStdEncoding.DecodeString(s); err == nil {
				return v, nil
			}
			return nil, scimerr.BadRequest(scimerr.InvalidValue, "attribute %q: expected base64-encoded binary data", prefix+a.Name)
		}
	case DateTime:
		if s, ok := v.(string); ok {
			if validDateTime(s) {
				return v, nil
			}
			return nil, scimerr.BadRequest(scimerr.InvalidValue, "attribute %q: expected an xsd:dateTime such as 2008-01-23T04:56:22Z", prefix+a.Name)
		}
	case Boolean:
		switch b := v.(type) {
		case bool:
			return b, nil
		case string:
			if strings.EqualFold(b, "true") {
				return true, nil
			}
			if strings.EqualFold(b, "false") {
				return false, nil
			}
			return nil, scimerr.BadRequest(scimerr.InvalidValue, "attribute %q: expected a boolean, got a string other than \"true\"/\"false\"", prefix+a.Name)
		}
	case Integer, Decimal:
		if ok, number := validNumber(v, a.Type == Integer); number {
			if ok {
				return v, nil
			}
			return nil, scimerr.BadRequest(scimerr.InvalidValue, "attribute %q: expected an integer, got a non-integral number", prefix+a.Name)
		}
	case Complex:
		if m, ok := v.(map[string]any); ok {
			return coerceComplex(a, m, prefix)
		}
	}
	return nil, invalid(prefix, a, want(a), v)
}

func coerceComplex(a *Attribute, m map[string]any, prefix string) (map[string]any, error) {
	out := make(map[string]any, len(m))
	subPrefix := prefix + a.Name + "."
	for _, s := range a.SubAttributes {
		var (
			val   any
			found bool
		)
		for k, x := range m {
			if x == nil || !strings.EqualFold(k, s.Name) {
				continue
			}
			if found {
				return nil, duplicate(subPrefix + s.Name)
			}
			val, found = x, true
		}
		if !found || s.Mutability == ReadOnly {
			continue
		}
		cv, err := normalizeValue(s, val, subPrefix)
		if err != nil {
			return nil, err
		}
		if !isEmpty(cv) {
			out[s.Name] = cv
		}
	}
	return out, nil
}

// validNumber reports whether v is a number (number) and, if so, whether it
// is acceptable (ok): finite, and integral when integral is set.
func validNumber(v any, integral bool) (ok, number bool) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case float32:
		f = float64(n)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true, true
	case json.Number:
		if _, err := n.Int64(); err == nil {
			return true, true
		}
		x, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return false, true
		}
		f = x
	default:
		return false, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return false, true
	}
	return !integral || f == math.Trunc(f), true
}

// validDateTime accepts xsd:dateTime values with or without a time zone.
func validDateTime(s string) bool {
	if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return true
	}
	_, err := time.Parse("2006-01-02T15:04:05.999999999", s)
	return err == nil
}

func want(a *Attribute) string {
	switch a.Type {
	case String, Reference, DateTime, Binary:
		return "a string"
	case Boolean:
		return "a boolean"
	case Integer:
		return "an integer"
	case Decimal:
		return "a number"
	case Complex:
		return "an object"
	}
	return string(a.Type)
}

func invalid(prefix string, a *Attribute, wanted string, v any) error {
	return scimerr.BadRequest(scimerr.InvalidValue, "attribute %q: expected %s, got %s", prefix+a.Name, wanted, kind(v))
}

// kind names the JSON type of v for error details.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case float64, float32, json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

// isEmpty reports an unassigned value: nil, an empty array or an empty
// object.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// CheckRequired reports a *scimerr.Error 400 invalidValue when a required
// attribute of rt (userName for User, displayName for Group; required
// sub-attributes of present complex values and required attributes of
// present extensions likewise) is missing, null, an empty or blank string,
// or an empty array/object. readOnly attributes (id) are assigned by the
// server and not checked. Names in res are matched case-insensitively.
func (rt *ResourceType) CheckRequired(res map[string]any) error {
	ix := rt.index()
	if err := checkRequired(ix.core, ix.core.attrs, res); err != nil {
		return err
	}
	for _, e := range ix.exts {
		if _, v, ok := GetFold(res, e.schema.ID); ok {
			if m, ok := v.(map[string]any); ok {
				if err := checkRequired(e, e.attrs, m); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func checkRequired(si *schemaIndex, attrs []*Attribute, m map[string]any) error {
	for _, a := range attrs {
		if a.Mutability == ReadOnly {
			continue
		}
		_, v, ok := GetFold(m, a.Name)
		if a.Required && (!ok || isBlank(v)) {
			return scimerr.BadRequest(scimerr.InvalidValue, "attribute %q is required", qualify(si, "")+a.Name)
		}
		if !ok || a.Type != Complex {
			continue
		}
		elems, isArr := v.([]any)
		if !isArr {
			elems = []any{v}
		}
		for _, e := range elems {
			em, ok := e.(map[string]any)
			if !ok {
				continue
			}
			for _, s := range a.SubAttributes {
				if !s.Required || s.Mutability == ReadOnly {
					continue
				}
				if _, sv, ok := GetFold(em, s.Name); !ok || isBlank(sv) {
					return scimerr.BadRequest(scimerr.InvalidValue, "attribute %q is required", qualify(si, a.Name)+s.Name)
				}
			}
		}
	}
	return nil
}

func isBlank(v any) bool {
	if s, ok := v.(string); ok {
		return strings.TrimSpace(s) == ""
	}
	return isEmpty(v)
}
