package schema

import "strings"

type selMode uint8

const (
	selDefault selMode = iota // neither attributes nor excludedAttributes
	selOnly                   // attributes
	selExcept                 // excludedAttributes
)

// selItem is one resolved path of an attributes/excludedAttributes list.
type selItem struct {
	si   *schemaIndex
	attr *Attribute // top-level attribute; nil: every attribute of si (a bare schema URN)
	sub  *Attribute // nil: the whole attribute
}

type selection struct {
	mode  selMode
	items []selItem
}

// ParseAttrList splits the value of an attributes or excludedAttributes
// query parameter (RFC 7644 §3.4.2.5, §3.9) at commas, trims white space
// around each path and drops empty ones. It returns nil for a blank value.
// The paths are kept as written; Project, Wants and Lookup resolve them.
func (rt *ResourceType) ParseAttrList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func hasNonBlank(list []string) bool {
	for _, p := range list {
		if strings.TrimSpace(p) != "" {
			return true
		}
	}
	return false
}

// parseSel resolves the attributes / excludedAttributes lists; attributes
// wins when both are given. Paths that do not resolve are ignored.
func (rt *ResourceType) parseSel(attributes, excluded []string) selection {
	var sel selection
	list := attributes
	switch {
	case hasNonBlank(attributes):
		sel.mode = selOnly
	case hasNonBlank(excluded):
		sel.mode, list = selExcept, excluded
	default:
		return sel
	}
	ix := rt.index()
	for _, p := range list {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		uri, rest := rt.SplitURN(p)
		if uri != "" && rest == "" {
			sel.items = append(sel.items, selItem{si: ix.schemaFor(uri)})
			continue
		}
		ref, ok := rt.Lookup(uri, rest, "")
		if !ok {
			continue
		}
		it := selItem{si: ix.schemaFor(ref.SchemaURN), attr: ref.Top()}
		if ref.Parent != nil {
			it.sub = ref.Attr
		}
		sel.items = append(sel.items, it)
	}
	return sel
}

// match tells whether a of si is named as a whole (or through its schema
// URN), and whether some of its sub-attributes are named.
func (sel *selection) match(si *schemaIndex, a *Attribute) (whole, part bool) {
	for i := range sel.items {
		it := &sel.items[i]
		switch {
		case it.si != si:
		case it.attr == nil:
			whole = true
		case it.attr != a:
		case it.sub == nil:
			whole = true
		default:
			part = true
		}
	}
	return whole, part
}

func (sel *selection) subNamed(si *schemaIndex, a, s *Attribute) bool {
	for i := range sel.items {
		it := &sel.items[i]
		if it.si == si && it.attr == a && it.sub == s {
			return true
		}
	}
	return false
}

// subFilter decides which sub-attributes of a complex attribute are output.
type subFilter struct {
	sel    *selection
	si     *schemaIndex
	a      *Attribute
	only   bool // only the named sub-attributes (and returned "always" ones)
	except bool // all but the named sub-attributes
}

func (f *subFilter) keep(s *Attribute) bool {
	switch s.Returned {
	case ReturnedNever:
		return false
	case ReturnedAlways:
		return true
	case ReturnedRequest:
		return f.sel.mode == selOnly && f.sel.subNamed(f.si, f.a, s)
	}
	switch {
	case f.only:
		return f.sel.subNamed(f.si, f.a, s)
	case f.except:
		return !f.sel.subNamed(f.si, f.a, s)
	}
	return true
}

// decide tells whether attribute a of si appears in the output, and how its
// sub-attributes are filtered.
func (sel *selection) decide(si *schemaIndex, a *Attribute) (bool, subFilter) {
	f := subFilter{sel: sel, si: si, a: a}
	if a.Returned == ReturnedNever {
		return false, f
	}
	switch sel.mode {
	case selOnly:
		if a.Returned == ReturnedAlways {
			return true, f
		}
		whole, part := sel.match(si, a)
		if whole {
			return true, f
		}
		f.only = true
		return part, f
	case selExcept:
		if a.Returned == ReturnedRequest {
			return false, f
		}
		whole, part := sel.match(si, a)
		if whole && a.Returned != ReturnedAlways {
			return false, f
		}
		f.except = part
		return true, f
	}
	return a.Returned != ReturnedRequest, f
}

// apply returns v with the sub-attributes f rejects removed (v itself when
// nothing is removed), and false when nothing is left.
func (f *subFilter) apply(v any) (any, bool) {
	if v == nil {
		return nil, false
	}
	a := f.a
	if a.Type != Complex {
		return v, true
	}
	filter := false
	for _, s := range a.SubAttributes {
		if !f.keep(s) {
			filter = true
			break
		}
	}
	if !filter {
		return v, !isEmpty(v)
	}
	switch x := v.(type) {
	case map[string]any:
		m := f.filterMap(x)
		return m, len(m) > 0
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if em, ok := e.(map[string]any); ok {
				if m := f.filterMap(em); len(m) > 0 {
					out = append(out, m)
				}
			}
		}
		return out, len(out) > 0
	}
	return nil, false
}

func (f *subFilter) filterMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, x := range m {
		if s := findSub(f.a, k); s != nil && f.keep(s) {
			out[s.Name] = x
		}
	}
	return out
}

func (sel *selection) project(si *schemaIndex, a *Attribute, v any) (any, bool) {
	ok, f := sel.decide(si, a)
	if !ok {
		return nil, false
	}
	return f.apply(v)
}

// Project returns the representation of res to send to a client
// (RFC 7644 §3.4.2.5, §3.9). attributes and excludedAttributes are lists of
// attribute paths as ParseAttrList returns them: "userName", "name.givenName",
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
// or a bare extension URN for all its attributes; case-insensitive; paths
// that do not resolve are ignored. Rules:
//
//   - with attributes (which wins when both lists are given): only the named
//     attributes, plus the returned "always" ones (id); a sub-attribute path
//     keeps only that sub-attribute of its parent (in every element of a
//     multi-valued one), values left empty being dropped;
//   - with excludedAttributes: every attribute returned by default except
//     the named ones (a sub-attribute path removes that sub-attribute only);
//     returned "always" attributes are never removed;
//   - with neither: every attribute returned by default;
//   - returned "never" attributes (password) are never output, returned
//     "request" ones only when named in attributes;
//   - "schemas" is always kept as is; attributes unknown to rt, null values
//     and objects under unknown URNs are dropped; keys are output under their
//     canonical spelling.
//
// res is not modified. The result is a new top-level map (and new
// extension/complex maps and arrays where sub-attributes were removed), but
// values that needed no change are shared with res: treat both as read-only.
func (rt *ResourceType) Project(res map[string]any, attributes, excluded []string) map[string]any {
	ix := rt.index()
	sel := rt.parseSel(attributes, excluded)
	out := make(map[string]any, len(res))
	for k, v := range res {
		if k == "schemas" || strings.EqualFold(k, "schemas") {
			out["schemas"] = v
			continue
		}
		if hasPrefixFold(k, "urn:") {
			si := ix.schemaFor(k)
			m, ok := v.(map[string]any)
			if si == nil || !si.ext || !ok {
				continue
			}
			pm := make(map[string]any, len(m))
			for kk, vv := range m {
				if a := si.lookup(kk); a != nil {
					if pv, ok := sel.project(si, a, vv); ok {
						pm[a.Name] = pv
					}
				}
			}
			if len(pm) > 0 {
				out[si.schema.ID] = pm
			}
			continue
		}
		if a := ix.core.lookup(k); a != nil {
			if pv, ok := sel.project(ix.core, a, v); ok {
				out[a.Name] = pv
			}
		}
	}
	return out
}

// Wants tells whether attribute attr would appear in Project's output for
// the given attributes / excludedAttributes lists (provided the resource has
// a value for it), so that the caller can avoid loading it: e.g. Wants(nil,
// []string{"members"}, "members") is false. attr is a top-level attribute
// name, optionally URN-qualified; a bare extension URN asks whether any of
// the extension's attributes may appear; a "name.sub" path asks about that
// sub-attribute. "schemas" is always wanted; an unknown attr is not.
func (rt *ResourceType) Wants(attributes, excluded []string, attr string) bool {
	if strings.EqualFold(attr, "schemas") {
		return true
	}
	ix := rt.index()
	sel := rt.parseSel(attributes, excluded)
	uri, rest := rt.SplitURN(attr)
	if uri != "" && rest == "" {
		si := ix.schemaFor(uri)
		for _, a := range si.attrs {
			if ok, _ := sel.decide(si, a); ok {
				return true
			}
		}
		return false
	}
	ref, ok := rt.Lookup(uri, rest, "")
	if !ok {
		return false
	}
	ok, f := sel.decide(ix.schemaFor(ref.SchemaURN), ref.Top())
	if !ok {
		return false
	}
	if ref.Parent != nil {
		return f.keep(ref.Attr)
	}
	return true
}
