package patch

import (
	"strings"

	"github.com/provkit/provkit/reference/scim/filter"
	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

// MemberChange is one change to a membership list (Group "members" or User
// "groups") that the server applies to its membership table.
type MemberChange struct {
	// Op is "add", "remove" or "replace".
	Op string
	// IDs are the member ids (the "value" sub-attribute) to add or remove,
	// or the new list for replace, in request order without duplicates,
	// as written (the store compares them).
	IDs []string
	// All: remove every member (remove without filter or value), or for
	// replace, drop every member not in IDs (always set on replace).
	All bool
	// Filter is a remove filter that is not a plain list of ids, e.g.
	// members[display eq "x"] or members[type eq "Group"]: the server must
	// evaluate it (filter.MatchElement) on each membership. Nil when IDs
	// says it all.
	Filter filter.Expr
}

// ExtractMembers pulls out of ops every operation on the multi-valued
// attribute attr ("members" for Groups, "groups" for Users; rt must define
// it) and returns the other operations (rest, to give to Apply) and the
// membership changes in request order. Recognised shapes:
//
//	{"op":"add","path":"members","value":[{"value":"u1"},{"$ref":null,"value":"u2"}]}
//	{"op":"remove","path":"members","value":[{"value":"u1"}]}   (Entra)
//	{"op":"remove","path":"members[value eq \"u1\"]"}             (RFC)
//	{"op":"remove","path":"members[value eq \"u1\" or value eq \"u2\"]"}
//	{"op":"remove","path":"members[display eq \"x\"]"}           (-> Filter)
//	{"op":"remove","path":"members"}                             (All)
//	{"op":"replace","path":"members","value":[...]}  and  [] or null (Okta)
//	{"op":"add"|"replace","value":{"members":[...], ...}}        (path-less)
//
// In the path-less shape the members key (also "urn:...:core:2.0:Group:members"
// or inside a core schema URN object) is removed from a copy of the value and
// becomes a change; the rest of the operation stays in rest (dropped if
// nothing remains). A single object is accepted where an array is expected.
//
// Errors (*scimerr.Error, 400): invalidValue when a value is not an object
// with a non-empty string "value"; invalidPath for a path that does not parse,
// names a sub-attribute ("members.value"), or carries a filter that does not
// validate against attr; mutability for add/replace with a value filter
// (they would modify existing memberships, whose sub-attributes are
// immutable/read-only).
func ExtractMembers(rt *schema.ResourceType, attr string, ops []Operation) (rest []Operation, changes []MemberChange, err error) {
	ref, ok := rt.Lookup("", attr, "")
	if !ok || ref.Attr.Type != schema.Complex || !ref.Attr.MultiValued || ref.Extension {
		return nil, nil, scimerr.New(500, "", "ExtractMembers: %q is not a multi-valued complex core attribute of %s", attr, rt.Name)
	}
	canon := ref.Attr.Name
	for _, op := range ops {
		kind := strings.ToLower(op.Op)
		path := strings.TrimSpace(op.Path)
		if path == "" {
			if kind != OpAdd && kind != OpReplace {
				rest = append(rest, op)
				continue
			}
			ch, remaining, found, err := fromValueObject(rt, canon, kind, op.Value)
			if err != nil {
				return nil, nil, err
			}
			if !found {
				rest = append(rest, op)
				continue
			}
			changes = appendChange(changes, ch)
			if len(remaining) > 0 {
				rest = append(rest, Operation{Op: op.Op, Value: remaining})
			}
			continue
		}
		if uri, r := rt.SplitURN(path); uri != "" && r == "" {
			// A whole schema: a path-less value for that schema.
			if strings.EqualFold(uri, rt.Schema.ID) && (kind == OpAdd || kind == OpReplace) {
				ch, remaining, found, err := fromValueObject(rt, canon, kind, map[string]any{uri: op.Value})
				if err != nil {
					return nil, nil, err
				}
				if found {
					changes = appendChange(changes, ch)
					if len(remaining) > 0 {
						rest = append(rest, Operation{Op: op.Op, Value: remaining})
					}
					continue
				}
			}
			rest = append(rest, op)
			continue
		}
		p, err := filter.ParsePath(path)
		if err != nil {
			return nil, nil, err
		}
		if !targets(rt, p.Attr, canon) {
			rest = append(rest, op)
			continue
		}
		if p.Attr.Sub != "" {
			return nil, nil, pathErr("%q: target %s[value eq \"...\"] instead of a sub-attribute", path, canon)
		}
		ch, err := pathChange(rt, canon, kind, p, op.Value)
		if err != nil {
			return nil, nil, err
		}
		changes = appendChange(changes, ch)
	}
	return rest, changes, nil
}

// appendChange appends ch unless it changes nothing (an add or remove of no
// ids).
func appendChange(changes []MemberChange, ch MemberChange) []MemberChange {
	if !ch.All && ch.Filter == nil && len(ch.IDs) == 0 {
		return changes
	}
	return append(changes, ch)
}

// targets reports whether the attribute path a designates attr (canonical
// name) of rt's core schema.
func targets(rt *schema.ResourceType, a filter.AttrPath, attr string) bool {
	if !strings.EqualFold(a.Name, attr) {
		return false
	}
	ref, ok := rt.Lookup(a.URI, a.Name, "")
	return ok && !ref.Extension && ref.Name == attr
}

func pathChange(rt *schema.ResourceType, attr, kind string, p filter.Path, v any) (MemberChange, error) {
	if p.Filter != nil {
		if kind != OpRemove {
			return MemberChange{}, mutErr("%q: %s cannot be modified through a value filter; add or remove members instead", p.String(), attr)
		}
		if p.Sub != "" {
			return MemberChange{}, mutErr("%q: the sub-attributes of %s cannot be removed", p.String(), attr)
		}
		if err := filter.ValidateElement(p.Filter, rt, p.Attr); err != nil {
			return MemberChange{}, pathErr("%q: %s", p.String(), detail(err))
		}
		if ids, ok := valueEqIDs(p.Filter, nil); ok {
			return MemberChange{Op: OpRemove, IDs: dedupe(ids)}, nil
		}
		return MemberChange{Op: OpRemove, Filter: p.Filter}, nil
	}
	switch kind {
	case OpRemove:
		if v == nil {
			return MemberChange{Op: OpRemove, All: true}, nil
		}
		ids, err := memberIDs(attr, v)
		if err != nil {
			return MemberChange{}, err
		}
		return MemberChange{Op: OpRemove, IDs: ids}, nil
	case OpAdd:
		ids, err := memberIDs(attr, v)
		if err != nil {
			return MemberChange{}, err
		}
		return MemberChange{Op: OpAdd, IDs: ids}, nil
	case OpReplace:
		ids, err := memberIDs(attr, v)
		if err != nil {
			return MemberChange{}, err
		}
		return MemberChange{Op: OpReplace, IDs: ids, All: true}, nil
	}
	return MemberChange{}, syntaxErr("unknown op %q", clip(kind))
}

// fromValueObject extracts attr from a path-less add/replace value.
func fromValueObject(rt *schema.ResourceType, attr, kind string, v any) (MemberChange, map[string]any, bool, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return MemberChange{}, nil, false, nil
	}
	var (
		found     bool
		val       any
		remaining = make(map[string]any, len(m))
	)
	take := func(x any) error {
		if found {
			return syntaxErr("%q is given more than once", attr)
		}
		found, val = true, x
		return nil
	}
	for k, x := range m {
		if uri, r := rt.SplitURN(k); uri != "" && strings.EqualFold(uri, rt.Schema.ID) {
			if r == "" {
				// The core schema URN as a key: look inside.
				inner, isMap := x.(map[string]any)
				if !isMap {
					remaining[k] = x
					continue
				}
				innerRest := make(map[string]any, len(inner))
				for ik, ix := range inner {
					if strings.EqualFold(ik, attr) {
						if err := take(ix); err != nil {
							return MemberChange{}, nil, false, err
						}
						continue
					}
					innerRest[ik] = ix
				}
				if len(innerRest) > 0 {
					remaining[k] = innerRest
				}
				continue
			}
			if strings.EqualFold(r, attr) {
				if err := take(x); err != nil {
					return MemberChange{}, nil, false, err
				}
				continue
			}
		}
		if strings.EqualFold(k, attr) {
			if err := take(x); err != nil {
				return MemberChange{}, nil, false, err
			}
			continue
		}
		remaining[k] = x
	}
	if !found {
		return MemberChange{}, nil, false, nil
	}
	if val == nil && kind == OpAdd {
		return MemberChange{Op: OpAdd}, remaining, true, nil
	}
	ids, err := memberIDs(attr, val)
	if err != nil {
		return MemberChange{}, nil, false, err
	}
	if kind == OpReplace {
		return MemberChange{Op: OpReplace, IDs: ids, All: true}, remaining, true, nil
	}
	return MemberChange{Op: OpAdd, IDs: ids}, remaining, true, nil
}

// memberIDs reads [{"value": "id"}, ...] (or one object, or null).
func memberIDs(attr string, v any) ([]string, error) {
	var list []any
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		list = x
	case map[string]any:
		list = []any{x}
	default:
		return nil, valueErr("%q: expected an array of objects with a \"value\"", attr)
	}
	ids := make([]string, 0, len(list))
	seen := make(map[string]bool, len(list))
	for i, el := range list {
		em, ok := el.(map[string]any)
		if !ok {
			return nil, valueErr("%q: element %d is not an object with a \"value\"", attr, i)
		}
		_, id, _ := schema.GetFold(em, "value")
		s, ok := id.(string)
		if !ok || s == "" {
			return nil, valueErr("%q: element %d has no string \"value\"", attr, i)
		}
		if !seen[s] {
			seen[s] = true
			ids = append(ids, s)
		}
	}
	return ids, nil
}

// valueEqIDs recognises value eq "a" [or value eq "b" ...].
func valueEqIDs(e filter.Expr, acc []string) ([]string, bool) {
	switch e := e.(type) {
	case *filter.Logical:
		if e.Op != "or" {
			return nil, false
		}
		acc, ok := valueEqIDs(e.Left, acc)
		if !ok {
			return nil, false
		}
		return valueEqIDs(e.Right, acc)
	case *filter.Compare:
		s, ok := e.Value.(string)
		if e.Op != "eq" || !ok || s == "" || e.Attr.URI != "" || e.Attr.Sub != "" || !strings.EqualFold(e.Attr.Name, "value") {
			return nil, false
		}
		return append(acc, s), true
	}
	return nil, false
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
