// Package filter parses and evaluates SCIM 2.0 filters (RFC 7644 §3.4.2.2) and
// PATCH paths (RFC 7644 §3.5.2): every comparison operator, and/or/not with
// their precedence, parentheses, value paths such as
// emails[type eq "work" and value co "@example"], URN-qualified and
// case-insensitive attribute names, and caseExact taken from the schema.
package filter

import "github.com/provkit/provkit/reference/scim/schema"

// AttrPath is an attribute path: [URI ":"] Name ["." Sub]. Names keep the
// case the client wrote; resolution against a schema is case-insensitive.
type AttrPath struct {
	URI  string // schema URN prefix, "" if none was written
	Name string
	Sub  string // sub-attribute, "" if none
}

// Expr is a parsed filter expression: *Logical, *Not, *Compare or *ValuePath.
type Expr interface{ expr() }

// Logical is "and" / "or" (Op is lower-case).
type Logical struct {
	Op          string
	Left, Right Expr
}

// Not is not ( X ).
type Not struct{ X Expr }

// Compare is attrPath op value, or attrPath "pr" (Value nil).
// Op is lower-case: eq ne co sw ew gt ge lt le pr. Value is a string, a
// float64, a bool or nil (JSON null).
type Compare struct {
	Attr  AttrPath
	Op    string
	Value any
	// Case overrides the schema's caseExact for this comparison. The parser
	// never sets it; the reference's fault switches do, to act like a server
	// that gets case rules wrong.
	Case CaseRule
}

// CaseRule says how a comparison treats letter case.
type CaseRule uint8

// Case rules: the schema's caseExact (the default), always exact, never exact.
const (
	CaseBySchema CaseRule = iota
	CaseAlwaysExact
	CaseNeverExact
)

// withCase applies rule to the attribute a comparison uses.
func withCase(a *schema.Attribute, rule CaseRule) *schema.Attribute {
	if rule == CaseBySchema || a == nil {
		return a
	}
	c := *a
	c.CaseExact = rule == CaseAlwaysExact
	return &c
}

// ValuePath is attrPath "[" valFilter "]" (its filter's attribute names are
// relative to Attr).
type ValuePath struct {
	Attr   AttrPath
	Filter Expr
}

func (*Logical) expr()   {}
func (*Not) expr()       {}
func (*Compare) expr()   {}
func (*ValuePath) expr() {}

// Path is a PATCH path: attrPath, or valuePath ["." subAttr]
// (RFC 7644 §3.5.2 PATH rule).
type Path struct {
	Attr   AttrPath // Attr.Sub is set for "name.givenName"
	Filter Expr     // the value filter of a valuePath, nil if none
	Sub    string   // sub-attribute after a value filter: emails[type eq "work"].value
}
