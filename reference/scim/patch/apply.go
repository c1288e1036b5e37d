package patch

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/provkit/provkit/reference/scim/filter"
	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

// Apply applies ops, in order, to a deep copy of res (a resource of type rt
// in the representation of package schema) and returns the copy. It is
// atomic: on any error res is untouched and nothing is returned. Apply does
// not check required attributes left blank, uniqueness or meta: the caller
// does.
//
// Targets (path, or for a path-less add/replace each key of the value
// object): "displayName"; "name.familyName"; URN-qualified names
// ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
// "urn:ietf:params:scim:schemas:core:2.0:User:userName"); a bare schema URN
// whose value is an object of that schema's attributes; extension attributes
// without their URN when only one extension defines the name; and, in paths
// only, value filters: `emails[type eq "work"]`,
// `emails[type eq "work"].value`. A "schemas" key in a path-less value object
// is ignored. Names are case-insensitive; results use canonical names.
//
// Semantics (RFC 7644 §3.5.2, with the choices this package makes):
//
//   - add to a multi-valued attribute appends the values, skipping exact
//     duplicates; replace of a multi-valued attribute replaces the whole list.
//   - add or replace of a single-valued complex attribute merges the given
//     sub-attributes into the current value (RFC 7644 §3.5.2.3: sub-attributes
//     not specified are left unchanged); of a simple attribute sets it.
//   - A single-valued attribute given a one-element array takes the element
//     (Entra's manager); a complex attribute with a "value" sub-attribute given
//     a string takes {"value": string} ("" unassigns it).
//   - Values are coerced with schema.Coerce: "True"/"False" become booleans,
//     unknown and readOnly sub-attributes inside complex values are dropped,
//     wrong types are invalidValue.
//   - replace with null (or an empty array) unassigns the attribute, like
//     remove. A null inside a path-less value object unassigns that attribute
//     on replace and is ignored on add.
//   - remove of an absent attribute, or with a value filter that matches
//     nothing, is a no-op (§3.5.2.2 lists no error for it; the end state the
//     client asked for holds).
//   - remove of a multi-valued attribute with a value (Entra's
//     {"op":"remove","path":"emails","value":[{"value":"x"}]}) removes the
//     elements that match every given sub-attribute.
//   - replace with a value filter that matches nothing is noTarget (RFC 7644
//     §3.5.2.3). add with a value filter that matches nothing creates a new
//     element when the filter is an eq (or an "and" of eqs) on sub-attributes
//     — Entra adds `emails[type eq "work"].value` to users without a work
//     email — and is noTarget otherwise. Matched elements are merged into
//     (no sub-attribute) or have the sub-attribute set.
//   - A value with primary true clears primary on the other elements (RFC
//     7643 §2.4); more than one primary after the operation is invalidValue.
//   - A path naming an attribute or sub-attribute the resource type does not
//     define, or a value filter that does not fit the attribute, is
//     invalidPath for every op: the path is invalid against the schema (Table
//     9: "invalidPath: The path attribute was invalid or malformed"). noTarget
//     is kept for what §3.5.2 assigns it: a remove without path and a filter
//     that selects nothing to replace. A sub-attribute of a multi-valued
//     attribute without a filter ("emails.value") is invalidPath as well.
//   - Mutability (RFC 7643 §2.2, RFC 7644 §3.5.2): writing a readOnly
//     attribute (id, meta, groups, manager.displayName...) is a no-op when the
//     value equals the current one (Okta sends the unchanged id) and a
//     mutability error otherwise; an immutable attribute may be set when
//     unassigned, is a no-op when unchanged and a mutability error otherwise;
//     removing or unassigning a readOnly, immutable (when set) or required
//     attribute is a mutability error.
//   - When an extension attribute appears or the last one disappears, the
//     extension's URN is added to or removed from "schemas" (and an empty
//     extension object is dropped).
func Apply(rt *schema.ResourceType, res map[string]any, ops []Operation) (map[string]any, error) {
	out, _ := deepCopy(res).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	before := extPresence(rt, out)
	a := applier{rt: rt, res: out}
	for i, op := range ops {
		if !a.keepsIndexes(op) {
			a.lists = nil
		}
		if err := a.apply(op); err != nil {
			if se, ok := err.(*scimerr.Error); ok && len(ops) > 1 {
				c := *se
				c.Detail = "operation " + strconv.Itoa(i) + ": " + c.Detail
				return nil, &c
			}
			return nil, err
		}
	}
	fixSchemas(rt, out, before)
	return out, nil
}

type applier struct {
	rt  *schema.ResourceType
	res map[string]any
	// lists index the multi-valued attributes that adds went to, across the
	// operations of one request: n adds to one list cost O(n), not O(n²).
	lists map[*schema.Attribute]*listIndex
	paths map[string]filter.Path // parsed paths without a value filter
}

// keepsIndexes reports whether op leaves the elements of every indexed list
// as they are, except through the indexed add itself: an add without a value
// filter. Any other operation (replace, remove, a filtered add that edits
// elements in place) drops the indexes; the next add rebuilds its own.
func (a *applier) keepsIndexes(op Operation) bool {
	return strings.EqualFold(op.Op, OpAdd) && !strings.Contains(op.Path, "[")
}

// index returns the index of list, the current value of the multi-valued
// attribute attr, building it when there is none for this very list (same
// backing array and length).
func (a *applier) index(attr *schema.Attribute, list []any) *listIndex {
	if ix := a.lists[attr]; ix != nil && ix.current(list) {
		return ix
	}
	ix := newListIndex(list)
	if a.lists == nil {
		a.lists = map[*schema.Attribute]*listIndex{}
	}
	a.lists[attr] = ix
	return ix
}

func (a *applier) apply(op Operation) error {
	kind := strings.ToLower(op.Op)
	if kind != OpAdd && kind != OpReplace && kind != OpRemove {
		return syntaxErr("unknown op %q", clip(op.Op))
	}
	path := strings.TrimSpace(op.Path)
	if path == "" {
		if kind == OpRemove {
			return scimerr.BadRequest(scimerr.NoTarget, `remove requires a "path"`)
		}
		return a.applyObject(kind, "", op.Value)
	}
	if uri, rest := a.rt.SplitURN(path); uri != "" && rest == "" {
		if kind == OpRemove {
			return a.removeSchema(uri)
		}
		return a.applyObject(kind, uri, op.Value)
	}
	p, ok := a.paths[path]
	if !ok {
		var err error
		if p, err = filter.ParsePath(path); err != nil {
			return err
		}
		if p.Filter == nil { // a plain path is a value: parse each once per request
			if a.paths == nil {
				a.paths = map[string]filter.Path{}
			}
			a.paths[path] = p
		}
	}
	return a.applyPath(kind, p, op.Value)
}

// applyObject applies a path-less add/replace (uri == "") or one whose path
// is the schema URN uri: each key of the value object is a target.
func (a *applier) applyObject(kind, uri string, v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		if uri != "" {
			return valueErr("the value for %q must be an object of its attributes", uri)
		}
		return valueErr("an %s without a path requires an object value", kind)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic; "name" before "name.givenName"
	for _, k := range keys {
		x := m[k]
		if strings.EqualFold(k, "schemas") {
			continue
		}
		if u, rest := a.rt.SplitURN(k); u != "" && rest == "" {
			if uri != "" {
				return pathErr("schema URN %q nested in %q", k, uri)
			}
			if x == nil {
				if kind == OpReplace && !strings.EqualFold(u, a.rt.Schema.ID) {
					if err := a.removeSchema(u); err != nil {
						return err
					}
				}
				continue
			}
			if err := a.applyObject(kind, u, x); err != nil {
				return err
			}
			continue
		}
		p, err := filter.ParsePath(k)
		if err != nil {
			return err
		}
		if p.Filter != nil {
			return pathErr("key %q: value filters are only allowed in \"path\"", k)
		}
		if uri != "" {
			if p.Attr.URI != "" {
				return pathErr("key %q is URN-qualified inside the %q object", k, uri)
			}
			p.Attr.URI = uri
		}
		if x == nil && kind == OpAdd {
			continue
		}
		if err := a.applyPath(kind, p, x); err != nil {
			return err
		}
	}
	return nil
}

// removeSchema removes every attribute of extension uri.
func (a *applier) removeSchema(uri string) error {
	if strings.EqualFold(uri, a.rt.Schema.ID) {
		return pathErr("the core schema %q cannot be removed", uri)
	}
	k, v, ok := schema.GetFold(a.res, uri)
	if !ok {
		return nil
	}
	if m, isMap := v.(map[string]any); isMap {
		for _, name := range sortedKeys(m) {
			ref, ok := a.rt.Lookup(uri, name, "")
			if !ok {
				continue
			}
			if err := a.unassign(ref.Attr, m[name], nameOf(ref)); err != nil {
				return err
			}
		}
	}
	delete(a.res, k)
	return nil
}

// applyPath applies one operation to a parsed path (from "path" or from a key
// of a path-less value object).
func (a *applier) applyPath(kind string, p filter.Path, v any) error {
	ref, ok := a.rt.Lookup(p.Attr.URI, p.Attr.Name, p.Attr.Sub)
	if !ok {
		return pathErr("%q is not an attribute of %s", p.Attr.String(), a.rt.Name)
	}
	if p.Filter != nil {
		return a.applyFiltered(kind, ref, p, v)
	}
	if ref.Sub != "" {
		return a.applySub(kind, ref, v)
	}
	return a.applyAttr(kind, ref, v)
}

// container returns the map holding ref's top-level attribute: the resource,
// or the extension object (created when create is set; nil when absent).
func (a *applier) container(ref schema.Ref, create bool) map[string]any {
	if !ref.Extension {
		return a.res
	}
	k, v, ok := schema.GetFold(a.res, ref.SchemaURN)
	if m, isMap := v.(map[string]any); ok && isMap {
		return m
	}
	if !create {
		return nil
	}
	if ok {
		delete(a.res, k)
	}
	m := map[string]any{}
	a.res[ref.SchemaURN] = m
	return m
}

func nameOf(ref schema.Ref) string {
	n := ref.Name
	if ref.Sub != "" {
		n += "." + ref.Sub
	}
	if ref.Extension {
		n = ref.SchemaURN + ":" + n
	}
	return n
}

// applyAttr handles a top-level attribute without filter.
func (a *applier) applyAttr(kind string, ref schema.Ref, v any) error {
	attr := ref.Attr
	name := nameOf(ref)
	m := a.container(ref, kind != OpRemove)
	var cur any
	if m != nil {
		_, cur, _ = schema.GetFold(m, attr.Name)
	}
	if kind == OpRemove {
		if m == nil {
			return nil
		}
		if v != nil && attr.MultiValued {
			return a.removeValues(m, attr, name, cur, v)
		}
		if err := a.unassign(attr, cur, name); err != nil {
			return err
		}
		deleteFold(m, attr.Name)
		return nil
	}
	if attr.Mutability == schema.ReadOnly {
		// Compared as sent: coercion would drop read-only sub-attributes.
		if valueEqual(cur, v) || valueEqual(cur, unwrapOne(attr, v)) || (isEmpty(cur) && isEmpty(v)) {
			return nil
		}
		return mutErr("attribute %q is read-only", name)
	}
	nv, err := prepare(attr, v)
	if err != nil {
		return err
	}
	raw := unwrapOne(attr, v)
	rawMap, isMap := raw.(map[string]any)
	singleComplex := attr.Type == schema.Complex && !attr.MultiValued && isMap
	if isEmpty(nv) && !singleComplex {
		if kind == OpAdd {
			return nil // adding nothing
		}
		if m == nil {
			return nil
		}
		if err := a.unassign(attr, cur, name); err != nil {
			return err
		}
		deleteFold(m, attr.Name)
		return nil
	}
	if skip, err := checkWrite(attr.Mutability, cur, v, nv, name); err != nil || skip {
		return err
	}
	switch {
	case attr.MultiValued:
		news, _ := nv.([]any)
		var list []any
		ix := newListIndex(nil)
		if kind == OpAdd {
			// No copy: the list belongs to Apply's deep copy, and an error
			// discards that copy whole.
			list = asList(cur)
			if attr.Mutability == schema.Immutable && !isEmpty(list) {
				return mutErr("attribute %q is immutable", name)
			}
			ix = a.index(attr, list)
		}
		fresh := map[int]bool{}
		for _, x := range news {
			if i := ix.find(list, x); i >= 0 {
				fresh[i] = true // an exact duplicate: keep one
				continue
			}
			list = append(list, x)
			ix.add(list, len(list)-1)
			fresh[len(list)-1] = true
		}
		ix.list = list
		if err := ix.fixPrimary(attr, list, fresh, name); err != nil {
			return err
		}
		setFold(m, attr.Name, list)
	case attr.Type == schema.Complex:
		cm, _ := cur.(map[string]any)
		if cm == nil {
			cm = map[string]any{}
		}
		nm, _ := nv.(map[string]any)
		if err := mergeComplex(attr, cm, nm, rawMap, kind, name); err != nil {
			return err
		}
		if isEmpty(cm) {
			deleteFold(m, attr.Name)
		} else {
			setFold(m, attr.Name, cm)
		}
	default:
		setFold(m, attr.Name, nv)
	}
	return nil
}

// applySub handles "parent.sub" without filter.
func (a *applier) applySub(kind string, ref schema.Ref, v any) error {
	top, sub := ref.Parent, ref.Attr
	name := nameOf(ref)
	if top.MultiValued {
		return pathErr("%q: %q is multi-valued; select values with a filter, e.g. %s[type eq \"work\"].%s", name, top.Name, top.Name, sub.Name)
	}
	mut := effective(top, sub)
	m := a.container(ref, kind != OpRemove)
	if m == nil {
		return nil
	}
	tk, tv, _ := schema.GetFold(m, top.Name)
	tm, _ := tv.(map[string]any)
	var cur any
	if tm != nil {
		_, cur, _ = schema.GetFold(tm, sub.Name)
	}
	if kind == OpRemove {
		if tm == nil {
			return nil
		}
		if err := unassignAs(mut, sub.Required, cur, name); err != nil {
			return err
		}
		deleteFold(tm, sub.Name)
		if isEmpty(tm) {
			delete(m, tk)
		}
		return nil
	}
	if mut == schema.ReadOnly {
		if valueEqual(cur, v) || valueEqual(cur, unwrapOne(sub, v)) || (isEmpty(cur) && isEmpty(v)) {
			return nil
		}
		return mutErr("attribute %q is read-only", name)
	}
	nv, err := prepare(sub, v)
	if err != nil {
		return err
	}
	if isEmpty(nv) {
		if kind == OpAdd || tm == nil {
			return nil
		}
		if mut == schema.ReadOnly && isEmpty(cur) {
			return nil
		}
		if err := unassignAs(mut, sub.Required, cur, name); err != nil {
			return err
		}
		deleteFold(tm, sub.Name)
		if isEmpty(tm) {
			delete(m, tk)
		}
		return nil
	}
	if skip, err := checkWrite(mut, cur, v, nv, name); err != nil || skip {
		return err
	}
	if tm == nil {
		tm = map[string]any{}
	}
	setFold(tm, sub.Name, nv)
	setFold(m, top.Name, tm)
	return nil
}

// applyFiltered handles attr[filter] and attr[filter].sub.
func (a *applier) applyFiltered(kind string, ref schema.Ref, p filter.Path, v any) error {
	attr := ref.Attr
	name := p.String()
	if attr.Type != schema.Complex || !attr.MultiValued || ref.Sub != "" {
		return pathErr("%q: a value filter needs a multi-valued complex attribute", name)
	}
	if err := filter.ValidateElement(p.Filter, a.rt, p.Attr); err != nil {
		return pathErr("%q: %s", name, detail(err))
	}
	var sub *schema.Attribute
	if p.Sub != "" {
		sref, ok := a.rt.Lookup(p.Attr.URI, p.Attr.Name, p.Sub)
		if !ok {
			return pathErr("%q: %q is not a sub-attribute of %q", name, p.Sub, attr.Name)
		}
		sub = sref.Attr
	}
	m := a.container(ref, kind != OpRemove)
	if m == nil {
		return nil
	}
	_, cur, _ := schema.GetFold(m, attr.Name)
	list := asList(cur)
	var matched []int
	for i, el := range list {
		if em, ok := el.(map[string]any); ok && filter.MatchElement(p.Filter, a.rt, p.Attr, em) {
			matched = append(matched, i)
		}
	}
	if attr.Mutability == schema.ReadOnly {
		if kind == OpRemove && len(matched) == 0 {
			return nil
		}
		return mutErr("attribute %q is read-only", nameOf(ref))
	}
	switch kind {
	case OpRemove:
		if len(matched) == 0 {
			return nil
		}
		if sub == nil {
			if attr.Mutability == schema.Immutable {
				return mutErr("attribute %q is immutable", nameOf(ref))
			}
			list = removeIndexes(list, matched)
		} else {
			mut := effective(attr, sub)
			for _, i := range matched {
				em := list[i].(map[string]any)
				_, sv, _ := schema.GetFold(em, sub.Name)
				if err := unassignAs(mut, sub.Required, sv, name); err != nil {
					return err
				}
				deleteFold(em, sub.Name)
			}
			list = dropEmpty(list)
		}
		if len(list) == 0 {
			if err := unassignAs(attr.Mutability, attr.Required, cur, nameOf(ref)); err != nil {
				return err
			}
			deleteFold(m, attr.Name)
			return nil
		}
		setFold(m, attr.Name, list)
		return nil
	}

	// add / replace
	if isEmpty(unwrapOne(attr, v)) && kind == OpAdd {
		return nil // adding nothing
	}
	if v == nil && sub == nil {
		// replace attr[filter] with null: unassign the selected values.
		if len(matched) == 0 {
			return scimerr.BadRequest(scimerr.NoTarget, "%q matches no value to replace", name)
		}
		if attr.Mutability == schema.Immutable {
			return mutErr("attribute %q is immutable", nameOf(ref))
		}
		list = removeIndexes(list, matched)
		if len(list) == 0 {
			if err := unassignAs(attr.Mutability, attr.Required, cur, nameOf(ref)); err != nil {
				return err
			}
			deleteFold(m, attr.Name)
			return nil
		}
		setFold(m, attr.Name, list)
		return nil
	}
	fresh := map[int]bool{}
	if len(matched) == 0 {
		if kind == OpReplace {
			return scimerr.BadRequest(scimerr.NoTarget, "%q matches no value to replace", name)
		}
		base, ok := elementFromFilter(a.rt, p.Filter, p.Attr)
		if !ok {
			return scimerr.BadRequest(scimerr.NoTarget, "%q matches no value, and its filter does not describe a new one (use eq comparisons joined by and)", name)
		}
		if sub != nil {
			base[sub.Name] = unwrapOne(sub, v)
		} else {
			vm, ok := unwrapOne(attr, v).(map[string]any)
			if !ok {
				return valueErr("%q: the value must be an object", name)
			}
			for k, x := range vm {
				if s := subAttr(attr, k); s != nil {
					deleteFold(base, s.Name)
				}
				base[k] = x
			}
		}
		el, err := schema.Coerce(attr, base)
		if err != nil {
			return err
		}
		if isEmpty(el) {
			return nil
		}
		list = slices.Clone(list)
		if i := indexOf(list, el); i >= 0 {
			fresh[i] = true
		} else {
			list = append(list, el)
			fresh[len(list)-1] = true
		}
	} else if sub != nil {
		mut := effective(attr, sub)
		nv, err := prepare(sub, v)
		if err != nil {
			return err
		}
		for _, i := range matched {
			em := list[i].(map[string]any)
			_, sv, _ := schema.GetFold(em, sub.Name)
			if isEmpty(nv) {
				if kind == OpAdd || (mut == schema.ReadOnly && isEmpty(sv)) {
					continue
				}
				if err := unassignAs(mut, sub.Required, sv, name); err != nil {
					return err
				}
				deleteFold(em, sub.Name)
				continue
			}
			skip, err := checkWrite(mut, sv, v, nv, name)
			if err != nil {
				return err
			}
			if !skip {
				setFold(em, sub.Name, nv)
				fresh[i] = true
			}
		}
		list = dropEmpty(list)
	} else {
		raw, ok := unwrapOne(attr, v).(map[string]any)
		if !ok {
			return valueErr("%q: the value must be an object", name)
		}
		cv, err := schema.Coerce(attr, raw)
		if err != nil {
			return err
		}
		nm, _ := cv.(map[string]any)
		for _, i := range matched {
			em := list[i].(map[string]any)
			if err := mergeComplex(attr, em, nm, raw, kind, name); err != nil {
				return err
			}
			fresh[i] = true
		}
		list = dropEmpty(list)
	}
	if err := fixPrimary(attr, list, fresh, nameOf(ref)); err != nil {
		return err
	}
	if len(list) == 0 {
		deleteFold(m, attr.Name)
		return nil
	}
	setFold(m, attr.Name, list)
	return nil
}

// removeValues removes from a multi-valued attribute the elements matching
// one of the given values: an element matches an object when every non-null
// member of the object equals the element's sub-attribute (strings compared
// per caseExact), and a scalar when equal.
func (a *applier) removeValues(m map[string]any, attr *schema.Attribute, name string, cur, v any) error {
	items := asList(v)
	list := asList(cur)
	var idx []int
	for i, el := range list {
		for _, it := range items {
			if matchesItem(attr, el, it) {
				idx = append(idx, i)
				break
			}
		}
	}
	if len(idx) == 0 {
		return nil
	}
	if attr.Mutability == schema.ReadOnly || attr.Mutability == schema.Immutable {
		return mutErr("attribute %q is %s", name, attr.Mutability)
	}
	list = removeIndexes(list, idx)
	if len(list) == 0 {
		if attr.Required {
			return mutErr("attribute %q is required", name)
		}
		deleteFold(m, attr.Name)
		return nil
	}
	setFold(m, attr.Name, list)
	return nil
}

func matchesItem(attr *schema.Attribute, el, it any) bool {
	im, ok := it.(map[string]any)
	if !ok || attr.Type != schema.Complex {
		return valueEqual(el, it)
	}
	em, ok := el.(map[string]any)
	if !ok {
		return false
	}
	n := 0
	for k, x := range im {
		if x == nil {
			continue
		}
		s := subAttr(attr, k)
		if s == nil {
			return false
		}
		_, ev, ok := schema.GetFold(em, s.Name)
		if !ok {
			return false
		}
		if xs, ok := x.(string); ok && !s.CaseExact {
			es, ok := ev.(string)
			if !ok || !strings.EqualFold(es, xs) {
				return false
			}
		} else if !valueEqual(ev, x) {
			return false
		}
		n++
	}
	return n > 0
}

// unassign checks that attribute attr (current value cur) may be removed.
func (a *applier) unassign(attr *schema.Attribute, cur any, name string) error {
	return unassignAs(attr.Mutability, attr.Required, cur, name)
}

func unassignAs(mut string, required bool, cur any, name string) error {
	if isEmpty(cur) {
		return nil
	}
	switch mut {
	case schema.ReadOnly:
		return mutErr("attribute %q is read-only", name)
	case schema.Immutable:
		return mutErr("attribute %q is immutable", name)
	}
	if required {
		return mutErr("attribute %q is required and cannot be removed", name)
	}
	return nil
}

// checkWrite enforces mutability for writing nv (raw: as sent) over cur.
// skip reports a write that must be ignored (unchanged read-only/immutable).
func checkWrite(mut string, cur, raw, nv any, name string) (skip bool, err error) {
	switch mut {
	case schema.ReadOnly:
		if valueEqual(cur, raw) || valueEqual(cur, nv) {
			return true, nil
		}
		return false, mutErr("attribute %q is read-only", name)
	case schema.Immutable:
		if isEmpty(cur) {
			return false, nil
		}
		if valueEqual(cur, raw) || valueEqual(cur, nv) {
			return true, nil
		}
		return false, mutErr("attribute %q is immutable and already set", name)
	}
	return false, nil
}

// effective is the mutability of sub within top: a read-only parent makes
// every sub-attribute read-only, an immutable one makes them immutable.
func effective(top, sub *schema.Attribute) string {
	switch {
	case top.Mutability == schema.ReadOnly || sub.Mutability == schema.ReadOnly:
		return schema.ReadOnly
	case top.Mutability == schema.Immutable || sub.Mutability == schema.Immutable:
		return schema.Immutable
	}
	return sub.Mutability
}

// mergeComplex merges the coerced sub-attributes nv (raw: as sent) into the
// complex value cm in place. On replace, sub-attributes sent as null are
// unassigned.
func mergeComplex(attr *schema.Attribute, cm, nv, raw map[string]any, kind, name string) error {
	for _, s := range attr.SubAttributes {
		x, ok := nv[s.Name]
		_, cur, _ := schema.GetFold(cm, s.Name)
		mut := effective(attr, s)
		subName := name + "." + s.Name
		if !ok {
			if kind != OpReplace {
				continue
			}
			if k, rv, given := schema.GetFold(raw, s.Name); given && rv == nil && k != "" {
				if mut == schema.ReadOnly && isEmpty(cur) {
					continue
				}
				if err := unassignAs(mut, s.Required, cur, subName); err != nil {
					return err
				}
				deleteFold(cm, s.Name)
			}
			continue
		}
		_, rawSub, _ := schema.GetFold(raw, s.Name)
		skip, err := checkWrite(mut, cur, rawSub, x, subName)
		if err != nil {
			return err
		}
		if !skip {
			setFold(cm, s.Name, x)
		}
	}
	return nil
}

// elementFromFilter builds the element a filter such as
// type eq "work" and primary eq true describes, or reports false.
func elementFromFilter(rt *schema.ResourceType, f filter.Expr, attr filter.AttrPath) (map[string]any, bool) {
	out := map[string]any{}
	var walk func(filter.Expr) bool
	walk = func(e filter.Expr) bool {
		switch e := e.(type) {
		case *filter.Logical:
			return e.Op == "and" && walk(e.Left) && walk(e.Right)
		case *filter.Compare:
			if e.Op != "eq" || e.Value == nil || e.Attr.URI != "" || e.Attr.Sub != "" {
				return false
			}
			ref, ok := rt.Lookup(attr.URI, attr.Name, e.Attr.Name)
			if !ok || ref.Attr.MultiValued || ref.Attr.Type == schema.Complex {
				return false
			}
			v := e.Value
			if f, isFloat := v.(float64); isFloat {
				v = json.Number(strconv.FormatFloat(f, 'f', -1, 64))
			}
			cv, err := schema.Coerce(ref.Attr, v)
			if err != nil {
				return false
			}
			if old, dup := out[ref.Attr.Name]; dup && !valueEqual(old, cv) {
				return false
			}
			out[ref.Attr.Name] = cv
			return true
		}
		return false
	}
	if !walk(f) {
		return nil, false
	}
	return out, true
}

// fixPrimary clears primary on the elements outside fresh when a fresh one
// has primary true, then checks that at most one element is primary.
func fixPrimary(attr *schema.Attribute, list []any, fresh map[int]bool, name string) error {
	if attr.Type != schema.Complex || subAttr(attr, "primary") == nil {
		return nil
	}
	isPrimary := func(el any) bool {
		em, ok := el.(map[string]any)
		if !ok {
			return false
		}
		_, p, _ := schema.GetFold(em, "primary")
		b, _ := p.(bool)
		return b
	}
	freshPrimary := false
	for i := range fresh {
		if i < len(list) && isPrimary(list[i]) {
			freshPrimary = true
		}
	}
	n := 0
	for i, el := range list {
		if !isPrimary(el) {
			continue
		}
		if freshPrimary && !fresh[i] {
			deleteFold(el.(map[string]any), "primary")
			continue
		}
		n++
	}
	if n > 1 {
		return valueErr("attribute %q: more than one value has primary true", name)
	}
	return nil
}

// prepare coerces v for attribute attr: a one-element array for a
// single-valued attribute gives its element, a string for a complex attribute
// with a "value" sub-attribute gives {"value": s}, and a multi-valued result
// is always a []any.
func prepare(attr *schema.Attribute, v any) (any, error) {
	v = unwrapOne(attr, v)
	if arr, ok := v.([]any); ok && !attr.MultiValued {
		if len(arr) == 0 {
			return nil, nil
		}
		return nil, valueErr("attribute %q is single-valued, got an array of %d values", attr.Name, len(arr))
	}
	cv, err := schema.Coerce(attr, v)
	if err != nil {
		return nil, err
	}
	if attr.MultiValued && cv != nil {
		if _, ok := cv.([]any); !ok {
			if isEmpty(cv) {
				return nil, nil
			}
			cv = []any{cv}
		}
	}
	return cv, nil
}

func unwrapOne(attr *schema.Attribute, v any) any {
	if arr, ok := v.([]any); ok && len(arr) == 1 && !attr.MultiValued {
		v = arr[0]
	}
	if s, ok := v.(string); ok && attr.Type == schema.Complex && !attr.MultiValued && subAttr(attr, "value") != nil {
		if s == "" {
			return nil
		}
		return map[string]any{"value": s}
	}
	return v
}

func subAttr(a *schema.Attribute, name string) *schema.Attribute {
	for _, s := range a.SubAttributes {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

// ---- value helpers ----

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, x := range v {
			l[i] = deepCopy(x)
		}
		return l
	case []map[string]any:
		l := make([]any, len(v))
		for i, x := range v {
			l[i] = deepCopy(x)
		}
		return l
	case []string:
		l := make([]any, len(v))
		for i, x := range v {
			l[i] = x
		}
		return l
	}
	return v
}

func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

// isEmpty reports an unassigned value: nil, an empty array or an empty
// object (RFC 7643 §2.5).
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

func indexOf(list []any, x any) int {
	for i, el := range list {
		if valueEqual(el, x) {
			return i
		}
	}
	return -1
}

func removeIndexes(list []any, idx []int) []any {
	out := make([]any, 0, len(list))
	j := 0
	for i, el := range list {
		if j < len(idx) && idx[j] == i {
			j++
			continue
		}
		out = append(out, el)
	}
	return out
}

func dropEmpty(list []any) []any {
	out := list[:0:0]
	for _, el := range list {
		if !isEmpty(el) {
			out = append(out, el)
		}
	}
	return out
}

// valueEqual compares JSON values: numbers numerically (float64,
// json.Number, Go integers), object keys case-insensitively, nulls in
// objects ignored, everything else exactly.
func valueEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		nx, ny := 0, 0
		for k, xv := range x {
			if xv == nil {
				continue
			}
			nx++
			_, yv, ok := schema.GetFold(y, k)
			if !ok || !valueEqual(xv, yv) {
				return false
			}
		}
		for _, yv := range y {
			if yv != nil {
				ny++
			}
		}
		return nx == ny
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !valueEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	fx, ok1 := toFloat(a)
	fy, ok2 := toFloat(b)
	if ok1 && ok2 {
		if ix, ok := a.(json.Number); ok {
			if iy, ok := b.(json.Number); ok {
				if x, err := ix.Int64(); err == nil {
					if y, err := iy.Int64(); err == nil {
						return x == y
					}
				}
			}
		}
		return fx == fy
	}
	return false
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, !math.IsNaN(n)
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		return f, err == nil
	}
	return 0, false
}

func setFold(m map[string]any, name string, v any) {
	deleteFold(m, name)
	m[name] = v
}

func deleteFold(m map[string]any, name string) {
	for k := range m {
		if strings.EqualFold(k, name) {
			delete(m, k)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// extPresence tells which extensions of rt have attributes in res.
func extPresence(rt *schema.ResourceType, res map[string]any) map[string]bool {
	out := map[string]bool{}
	for _, e := range rt.Extensions {
		_, v, ok := schema.GetFold(res, e.ID)
		m, isMap := v.(map[string]any)
		out[e.ID] = ok && isMap && !isEmpty(m)
	}
	return out
}

// fixSchemas drops empty extension objects and adds or removes extension
// URNs in "schemas" for the extensions that appeared or disappeared.
func fixSchemas(rt *schema.ResourceType, res map[string]any, before map[string]bool) {
	after := extPresence(rt, res)
	changed := false
	for _, e := range rt.Extensions {
		if !after[e.ID] {
			if k, _, ok := schema.GetFold(res, e.ID); ok {
				delete(res, k)
			}
		}
		if after[e.ID] != before[e.ID] {
			changed = true
		}
	}
	if !changed {
		return
	}
	k, v, ok := schema.GetFold(res, "schemas")
	if !ok {
		k = "schemas"
	}
	var list []any
	for _, s := range asList(v) {
		str, isStr := s.(string)
		if !isStr {
			continue
		}
		drop := false
		for _, e := range rt.Extensions {
			if strings.EqualFold(str, e.ID) && before[e.ID] != after[e.ID] {
				drop = true
			}
		}
		if !drop {
			list = append(list, str)
		}
	}
	if len(list) == 0 {
		list = append(list, rt.Schema.ID)
	}
	for _, e := range rt.Extensions {
		if after[e.ID] && !before[e.ID] {
			list = append(list, e.ID)
		}
	}
	res[k] = list
}

// ---- errors ----

func pathErr(format string, args ...any) error {
	return scimerr.BadRequest(scimerr.InvalidPath, format, args...)
}

func valueErr(format string, args ...any) error {
	return scimerr.BadRequest(scimerr.InvalidValue, format, args...)
}

func mutErr(format string, args ...any) error {
	return scimerr.BadRequest(scimerr.Mutability, format, args...)
}

func detail(err error) string {
	if se, ok := err.(*scimerr.Error); ok {
		return se.Detail
	}
	return err.Error()
}
