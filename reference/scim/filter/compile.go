package filter

import (
	"strings"

	"github.com/provkit/provkit/reference/scim/schema"
)

// Source tells Compile how to read the attributes of a record of type R (a
// domain record such as a directory user) without rendering it as a
// resource map. Every reader must give exactly what Match would read from
// the record's rendering; a nil reader means "not covered", and Compile
// then refuses the filter (the caller falls back to rendering and Match).
type Source[R any] struct {
	// Values returns a reader of the values Match compares for ref: with
	// ref.Sub != "", the values of that sub-attribute in every element of
	// ref's attribute; else the values of the attribute itself (each element
	// of a multi-valued one, as resource maps for a complex one: they are
	// only read for "pr"). Empty strings may stand for absent values: Match
	// ignores both alike.
	Values func(ref schema.Ref) func(R) []any
	// Text optionally returns, for a single-valued string attribute, a
	// reader of its one value ("" when absent), which spares Values' slice.
	Text func(ref schema.Ref) func(R) string
	// Elements returns, for the complex attribute ref (ref.Sub == ""), a
	// reader of its number of elements in a record and a function giving,
	// for the ref of one of its sub-attributes, a reader of that
	// sub-attribute's values in element i. nil readers: not covered.
	Elements func(ref schema.Ref) (count func(R) int, sub func(sub schema.Ref) func(R, int) []any)
}

// Compile turns e, a filter validated against rt, into a predicate over
// records read through src, with exactly Match's semantics on the records'
// renderings. ok is false when src does not cover an attribute e names.
func Compile[R any](e Expr, rt *schema.ResourceType, src Source[R]) (pred func(R) bool, ok bool) {
	never := func(R) bool { return false }
	switch e := e.(type) {
	case *Logical:
		l, ok1 := Compile(e.Left, rt, src)
		r, ok2 := Compile(e.Right, rt, src)
		if !ok1 || !ok2 {
			return nil, false
		}
		if e.Op == "and" {
			return func(x R) bool { return l(x) && r(x) }, true
		}
		return func(x R) bool { return l(x) || r(x) }, true
	case *Not:
		x, ok := Compile(e.X, rt, src)
		if !ok {
			return nil, false
		}
		return func(r R) bool { return !x(r) }, true
	case *Compare:
		ref, ok := rt.Lookup(e.Attr.URI, e.Attr.Name, e.Attr.Sub)
		if !ok || hidden(ref) {
			return never, true
		}
		leaf := ref.Attr
		if ref.Sub == "" && ref.Attr.Type == schema.Complex && e.Op != "pr" {
			// Match compares the "value" sub-attribute (emails co "x").
			if leaf = subAttr(ref.Attr, "value"); leaf == nil {
				return never, true
			}
			ref = schema.Ref{SchemaURN: ref.SchemaURN, Attr: leaf, Parent: ref.Attr, Name: ref.Name, Sub: leaf.Name, Extension: ref.Extension}
		}
		if src.Text != nil {
			if text := src.Text(ref); text != nil {
				if test, ok := compileText(withCase(leaf, e.Case), e.Op, e.Value); ok {
					return func(r R) bool { return test(text(r)) }, true
				}
			}
		}
		if src.Values == nil {
			return nil, false
		}
		get := src.Values(ref)
		if get == nil {
			return nil, false
		}
		test := compileCompare(withCase(leaf, e.Case), e.Op, e.Value)
		return func(r R) bool { return test(get(r)) }, true
	case *ValuePath:
		ref, ok := rt.Lookup(e.Attr.URI, e.Attr.Name, "")
		if !ok || hidden(ref) || ref.Attr.Type != schema.Complex {
			return never, true
		}
		if src.Elements == nil {
			return nil, false
		}
		count, sub := src.Elements(ref)
		if count == nil || sub == nil {
			return nil, false
		}
		el, ok := compileElem(e.Filter, rt, e.Attr, sub)
		if !ok {
			return nil, false
		}
		return func(r R) bool {
			for i, n := 0, count(r); i < n; i++ {
				if el(r, i) {
					return true
				}
			}
			return false
		}, true
	}
	return nil, false
}

// compileElem is Compile for the filter of a value path (matchElem).
func compileElem[R any](e Expr, rt *schema.ResourceType, parent AttrPath, sub func(schema.Ref) func(R, int) []any) (func(R, int) bool, bool) {
	never := func(R, int) bool { return false }
	switch e := e.(type) {
	case *Logical:
		l, ok1 := compileElem(e.Left, rt, parent, sub)
		r, ok2 := compileElem(e.Right, rt, parent, sub)
		if !ok1 || !ok2 {
			return nil, false
		}
		if e.Op == "and" {
			return func(x R, i int) bool { return l(x, i) && r(x, i) }, true
		}
		return func(x R, i int) bool { return l(x, i) || r(x, i) }, true
	case *Not:
		x, ok := compileElem(e.X, rt, parent, sub)
		if !ok {
			return nil, false
		}
		return func(r R, i int) bool { return !x(r, i) }, true
	case *Compare:
		if e.Attr.URI != "" || e.Attr.Sub != "" {
			return never, true
		}
		ref, ok := rt.Lookup(parent.URI, parent.Name, e.Attr.Name)
		if !ok || hidden(ref) {
			return never, true
		}
		get := sub(ref)
		if get == nil {
			return nil, false
		}
		test := compileCompare(withCase(ref.Attr, e.Case), e.Op, e.Value)
		return func(r R, i int) bool { return test(get(r, i)) }, true
	}
	return never, true // no nested value paths (matchElem)
}

// compileText returns compareAll(a, []any{s}, op, operand) as a function
// of s for a string attribute, "" standing for absent; ok is false for a
// comparison it does not cover (an operand that is not a string but null).
func compileText(a *schema.Attribute, op string, operand any) (func(string) bool, bool) {
	if a.Type != schema.String {
		return nil, false
	}
	switch {
	case op == "pr":
		return func(s string) bool { return s != "" }, true
	case operand == nil && op == "eq":
		return func(s string) bool { return s == "" }, true
	case operand == nil && op == "ne":
		return func(s string) bool { return s != "" }, true
	case operand == nil:
		return func(string) bool { return false }, true
	}
	if _, isStr := operand.(string); !isStr {
		return nil, false
	}
	if op == "ne" {
		eq := stringTest(a, "eq", operand.(string))
		return func(s string) bool { return s == "" || !eq(s) }, true
	}
	test := stringTest(a, op, operand.(string))
	if test == nil {
		return nil, false
	}
	return func(s string) bool { return s != "" && test(s) }, true
}

// compileCompare returns compareAll(a, vals, op, operand) as a function of
// vals, with the operand's case folding done once for the common case of a
// string attribute compared with a string.
func compileCompare(a *schema.Attribute, op string, operand any) func([]any) bool {
	o, isStr := operand.(string)
	fast := isStr && a.Type == schema.String && op != "pr" && op != "ne"
	if !fast {
		return func(vals []any) bool { return compareAll(a, vals, op, operand) }
	}
	test := stringTest(a, op, o)
	if test == nil {
		return func(vals []any) bool { return compareAll(a, vals, op, operand) }
	}
	return func(vals []any) bool {
		for _, v := range vals {
			s, ok := v.(string)
			if !ok {
				if nonEmpty(v) && compareOne(a, v, op, operand) {
					return true
				}
				continue
			}
			if s != "" && test(s) {
				return true
			}
		}
		return false
	}
}

// stringTest is compareOne(a, s, op, o) for a non-empty string s of the
// string attribute a (op is not pr or ne); nil for another op.
func stringTest(a *schema.Attribute, op, o string) func(s string) bool {
	exact := a.CaseExact
	lo := o
	if !exact {
		lo = strings.ToLower(o)
	}
	var test func(s string) bool
	switch op {
	case "eq":
		if exact {
			test = func(s string) bool { return s == o }
		} else {
			test = func(s string) bool { return strings.EqualFold(s, o) }
		}
	case "co", "sw", "ew", "gt", "ge", "lt", "le":
		var rel func(s string) bool
		switch op {
		case "co":
			rel = func(s string) bool { return strings.Contains(s, lo) }
		case "sw":
			rel = func(s string) bool { return strings.HasPrefix(s, lo) }
		case "ew":
			rel = func(s string) bool { return strings.HasSuffix(s, lo) }
		default:
			rel = func(s string) bool { return ordered(op, strings.Compare(s, lo)) }
		}
		if exact {
			test = rel
		} else {
			test = func(s string) bool { return rel(strings.ToLower(s)) }
		}
	default:
		return nil
	}
	return test
}

// ResourceValues returns the values Match compares for ref in the resource
// map res (the reading a Source gives for a record; for records whose
// rendering a Source cannot predict without building it).
func ResourceValues(res map[string]any, ref schema.Ref) []any {
	top, _ := topValue(res, ref)
	if ref.Sub != "" {
		return subValues(top, ref.Sub)
	}
	return flatten(top)
}
