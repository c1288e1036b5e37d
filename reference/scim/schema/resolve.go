package schema

import (
	"strings"
	"sync"
)

// schemaIndex is the name index of one schema within a resource type.
type schemaIndex struct {
	schema *Schema
	ext    bool
	attrs  []*Attribute          // core: CommonAttributes then the schema's; extension: the schema's
	byName map[string]*Attribute // lower-case name -> attribute
}

// rtIndex is the precomputed name index of a resource type.
type rtIndex struct {
	core  *schemaIndex
	exts  []*schemaIndex
	all   []*schemaIndex          // core, then extensions
	byURN map[string]*schemaIndex // lower-case schema URN -> schema
}

func newSchemaIndex(s *Schema, ext bool) *schemaIndex {
	si := &schemaIndex{schema: s, ext: ext}
	if !ext {
		si.attrs = append(si.attrs, CommonAttributes...)
	}
	si.attrs = append(si.attrs, s.Attributes...)
	si.byName = make(map[string]*Attribute, len(si.attrs))
	for _, a := range si.attrs {
		si.byName[strings.ToLower(a.Name)] = a
	}
	return si
}

func buildIndex(rt *ResourceType) *rtIndex {
	ix := &rtIndex{core: newSchemaIndex(rt.Schema, false), byURN: map[string]*schemaIndex{}}
	ix.all = append(ix.all, ix.core)
	ix.byURN[strings.ToLower(rt.Schema.ID)] = ix.core
	for _, e := range rt.Extensions {
		si := newSchemaIndex(e, true)
		ix.exts = append(ix.exts, si)
		ix.all = append(ix.all, si)
		ix.byURN[strings.ToLower(e.ID)] = si
	}
	return ix
}

// lazyIndexes holds the indexes of resource types not declared by this
// package (their ix field is nil).
var lazyIndexes sync.Map // *ResourceType -> *rtIndex

func (rt *ResourceType) index() *rtIndex {
	if rt.ix != nil {
		return rt.ix
	}
	if v, ok := lazyIndexes.Load(rt); ok {
		return v.(*rtIndex)
	}
	v, _ := lazyIndexes.LoadOrStore(rt, buildIndex(rt))
	return v.(*rtIndex)
}

// foldGet looks s up in m, whose keys are lower-case, lower-casing s (ASCII)
// in a stack buffer so that the lookup does not allocate.
func foldGet[V any](m map[string]V, s string) (V, bool) {
	var buf [96]byte
	if len(s) > len(buf) {
		v, ok := m[strings.ToLower(s)]
		return v, ok
	}
	b := buf[:len(s)]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	v, ok := m[string(b)]
	return v, ok
}

func (si *schemaIndex) lookup(name string) *Attribute {
	a, _ := foldGet(si.byName, name)
	return a
}

func (ix *rtIndex) schemaFor(uri string) *schemaIndex {
	si, _ := foldGet(ix.byURN, uri)
	return si
}

// findSub returns the sub-attribute of a named name (case-insensitive), or
// nil.
func findSub(a *Attribute, name string) *Attribute {
	for _, s := range a.SubAttributes {
		if s.Name == name {
			return s
		}
	}
	for _, s := range a.SubAttributes {
		if strings.EqualFold(s.Name, name) {
			return s
		}
	}
	return nil
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Ref is a resolved attribute reference.
type Ref struct {
	// SchemaURN is the canonical URN of the schema defining the attribute
	// (the core schema's for id, externalId and meta).
	SchemaURN string
	// Attr is the final attribute: the sub-attribute when Sub != "".
	Attr *Attribute
	// Parent is the top-level (complex) attribute when Sub != "", else nil.
	Parent *Attribute
	// Name is the canonical name of the top-level attribute.
	Name string
	// Sub is the canonical name of the sub-attribute, "" if none.
	Sub string
	// Extension tells that the attribute belongs to an extension schema, so
	// that it lives under the SchemaURN key of a resource.
	Extension bool
}

// Top returns the top-level attribute: Parent when a sub-attribute was
// resolved, else Attr.
func (r Ref) Top() *Attribute {
	if r.Parent != nil {
		return r.Parent
	}
	return r.Attr
}

// Key returns the map keys leading to the attribute in a resource map, e.g.
// ["name", "givenName"] or
// ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "employeeNumber"].
// For a sub-attribute of a multi-valued attribute the last key applies to
// each element of the array. The zero Ref gives nil.
func (r Ref) Key() []string {
	if r.Name == "" {
		return nil
	}
	k := make([]string, 0, 3)
	if r.Extension {
		k = append(k, r.SchemaURN)
	}
	k = append(k, r.Name)
	if r.Sub != "" {
		k = append(k, r.Sub)
	}
	return k
}

// Lookup resolves an attribute reference case-insensitively. uri is "" (then
// the core schema, including id, externalId and meta, is searched first, and
// an extension only if exactly one defines the name), the core schema URN or
// an extension URN of rt (one trailing ":" is tolerated). name is the top-level attribute name and sub the
// sub-attribute name ("" for none; sub must then belong to a complex
// attribute). As conveniences, a name of the form "name.sub" with sub == ""
// is split at the dot, and a URN-qualified name with uri == "" is split with
// SplitURN. The Ref carries the canonical spellings.
func (rt *ResourceType) Lookup(uri, name, sub string) (Ref, bool) {
	ix := rt.index()
	uri = strings.TrimSuffix(uri, ":")
	if uri == "" && hasPrefixFold(name, "urn:") {
		uri, name = rt.SplitURN(name)
		if uri == "" {
			return Ref{}, false
		}
	}
	if sub == "" {
		if i := strings.IndexByte(name, '.'); i >= 0 {
			name, sub = name[:i], name[i+1:]
			if sub == "" {
				return Ref{}, false
			}
		}
	}
	if name == "" {
		return Ref{}, false
	}
	var (
		si *schemaIndex
		a  *Attribute
	)
	if uri == "" {
		if a = ix.core.lookup(name); a != nil {
			si = ix.core
		} else {
			for _, e := range ix.exts {
				if x := e.lookup(name); x != nil {
					if a != nil {
						return Ref{}, false // ambiguous between extensions
					}
					a, si = x, e
				}
			}
		}
	} else if si = ix.schemaFor(uri); si != nil {
		a = si.lookup(name)
	}
	if a == nil {
		return Ref{}, false
	}
	ref := Ref{SchemaURN: si.schema.ID, Attr: a, Name: a.Name, Extension: si.ext}
	if sub != "" {
		if a.Type != Complex {
			return Ref{}, false
		}
		s := findSub(a, sub)
		if s == nil {
			return Ref{}, false
		}
		ref.Parent, ref.Attr, ref.Sub = a, s, s.Name
	}
	return ref, true
}

// SplitURN splits an attribute path that starts with one of rt's schema URNs
// (matched case-insensitively, longest first) into that URN, canonically
// spelled, and the remainder after the ":" separator: for
// "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName" it returns
// (UserURN, "name.givenName"); for a bare URN it returns (URN, ""). A path
// that does not start with a known URN followed by ":" or the end of the
// string gives ("", path).
func (rt *ResourceType) SplitURN(path string) (uri, rest string) {
	if !hasPrefixFold(path, "urn:") {
		return "", path
	}
	var best *Schema
	for _, si := range rt.index().all {
		id := si.schema.ID
		if !hasPrefixFold(path, id) || (len(path) > len(id) && path[len(id)] != ':') {
			continue
		}
		if best == nil || len(id) > len(best.ID) {
			best = si.schema
		}
	}
	if best == nil {
		return "", path
	}
	if len(path) == len(best.ID) {
		return best.ID, ""
	}
	return best.ID, path[len(best.ID)+1:]
}

// GetFold looks key up in m case-insensitively and returns the key actually
// present, its value and whether one was found. An exact match wins; among
// several case-insensitive matches the smallest key (byte order) is chosen so
// that the result is deterministic.
func GetFold(m map[string]any, key string) (string, any, bool) {
	if v, ok := m[key]; ok {
		return key, v, true
	}
	var (
		fk    string
		fv    any
		found bool
	)
	for k, v := range m {
		if strings.EqualFold(k, key) && (!found || k < fk) {
			fk, fv, found = k, v, true
		}
	}
	return fk, fv, found
}
