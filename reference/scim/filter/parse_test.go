package filter

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

const (
	coreUser   = "urn:ietf:params:scim:schemas:core:2.0:User"
	enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

func ap(name string) AttrPath { return AttrPath{Name: name} }

func sub(name, s string) AttrPath { return AttrPath{Name: name, Sub: s} }

func cmp(a AttrPath, op string, v any) *Compare { return &Compare{Attr: a, Op: op, Value: v} }

func and(l, r Expr) *Logical { return &Logical{Op: "and", Left: l, Right: r} }

func or(l, r Expr) *Logical { return &Logical{Op: "or", Left: l, Right: r} }

func not(x Expr) *Not { return &Not{X: x} }

func vp(a AttrPath, f Expr) *ValuePath { return &ValuePath{Attr: a, Filter: f} }

type parseCase struct {
	in     string
	want   Expr
	format string // canonical form; "" means same as in
}

var parseCases = []parseCase{
	// Every operator.
	{in: `userName eq "bjensen"`, want: cmp(ap("userName"), "eq", "bjensen")},
	{in: `userName ne "bjensen"`, want: cmp(ap("userName"), "ne", "bjensen")},
	{in: `name.familyName co "O'Malley"`, want: cmp(sub("name", "familyName"), "co", "O'Malley")},
	{in: `userName sw "J"`, want: cmp(ap("userName"), "sw", "J")},
	{in: `userName ew "sen"`, want: cmp(ap("userName"), "ew", "sen")},
	{in: `title pr`, want: cmp(ap("title"), "pr", nil)},
	{in: `meta.lastModified gt "2011-05-13T04:42:34Z"`, want: cmp(sub("meta", "lastModified"), "gt", "2011-05-13T04:42:34Z")},
	{in: `meta.lastModified ge "2011-05-13T04:42:34Z"`, want: cmp(sub("meta", "lastModified"), "ge", "2011-05-13T04:42:34Z")},
	{in: `meta.lastModified lt "2011-05-13T04:42:34Z"`, want: cmp(sub("meta", "lastModified"), "lt", "2011-05-13T04:42:34Z")},
	{in: `meta.lastModified le "2011-05-13T04:42:34Z"`, want: cmp(sub("meta", "lastModified"), "le", "2011-05-13T04:42:34Z")},
	// Case-insensitive operators and keywords; names keep their case.
	{in: `UserName EQ "x" AnD title Pr oR NOT (active Eq true)`,
		want:   or(and(cmp(ap("UserName"), "eq", "x"), cmp(ap("title"), "pr", nil)), not(cmp(ap("active"), "eq", true))),
		format: `UserName eq "x" and title pr or not (active eq true)`},
	// Literals and numbers.
	{in: `active eq true`, want: cmp(ap("active"), "eq", true)},
	{in: `active ne false`, want: cmp(ap("active"), "ne", false)},
	{in: `manager eq null`, want: cmp(ap("manager"), "eq", nil)},
	{in: `x eq 0`, want: cmp(ap("x"), "eq", 0.0)},
	{in: `x eq -12`, want: cmp(ap("x"), "eq", -12.0)},
	{in: `x gt 3.25`, want: cmp(ap("x"), "gt", 3.25)},
	{in: `x lt 1.5E3`, want: cmp(ap("x"), "lt", 1500.0), format: `x lt 1500`},
	{in: `x lt 2e-3`, want: cmp(ap("x"), "lt", 0.002), format: `x lt 0.002`},
	{in: `x le -0.5e+2`, want: cmp(ap("x"), "le", -50.0), format: `x le -50`},
	// Strings with escapes.
	{in: `displayName eq "a \"quoted\" \\ word"`, want: cmp(ap("displayName"), "eq", `a "quoted" \ word`)},
	{in: `displayName eq "tab\there\nnl \u00e9\/"`, want: cmp(ap("displayName"), "eq", "tab\there\nnl é/"), format: `displayName eq "tab\there\nnl é/"`},
	{in: `displayName eq "\ud83d\ude00 and ( ) [ ] or"`, want: cmp(ap("displayName"), "eq", "😀 and ( ) [ ] or"), format: `displayName eq "😀 and ( ) [ ] or"`},
	{in: `displayName eq ""`, want: cmp(ap("displayName"), "eq", "")},
	{in: `displayName eq "<b>&"`, want: cmp(ap("displayName"), "eq", "<b>&")},
	// Bare words (Entra's unquoted values).
	{in: `externalId eq jyoung`, want: cmp(ap("externalId"), "eq", "jyoung"), format: `externalId eq "jyoung"`},
	{in: `userName eq j.young-2_x@example.com`, want: cmp(ap("userName"), "eq", "j.young-2_x@example.com"), format: `userName eq "j.young-2_x@example.com"`},
	{in: `externalId eq 0042`, want: cmp(ap("externalId"), "eq", "0042"), format: `externalId eq "0042"`},
	{in: `externalId eq 12345`, want: cmp(ap("externalId"), "eq", 12345.0)},
	{in: `active eq True`, want: cmp(ap("active"), "eq", "True"), format: `active eq "True"`},
	{in: `displayName eq Zoë`, want: cmp(ap("displayName"), "eq", "Zoë"), format: `displayName eq "Zoë"`},
	// Precedence: and binds tighter than or; both left-associative.
	{in: `a pr or b pr and c pr`, want: or(cmp(ap("a"), "pr", nil), and(cmp(ap("b"), "pr", nil), cmp(ap("c"), "pr", nil)))},
	{in: `a pr and b pr or c pr`, want: or(and(cmp(ap("a"), "pr", nil), cmp(ap("b"), "pr", nil)), cmp(ap("c"), "pr", nil))},
	{in: `a pr and b pr and c pr`, want: and(and(cmp(ap("a"), "pr", nil), cmp(ap("b"), "pr", nil)), cmp(ap("c"), "pr", nil))},
	{in: `a pr or b pr or c pr`, want: or(or(cmp(ap("a"), "pr", nil), cmp(ap("b"), "pr", nil)), cmp(ap("c"), "pr", nil))},
	// Parentheses.
	{in: `(a pr or b pr) and c pr`, want: and(or(cmp(ap("a"), "pr", nil), cmp(ap("b"), "pr", nil)), cmp(ap("c"), "pr", nil))},
	{in: `a pr and (b pr and c pr)`, want: and(cmp(ap("a"), "pr", nil), and(cmp(ap("b"), "pr", nil), cmp(ap("c"), "pr", nil)))},
	{in: `a pr or (b pr or c pr)`, want: or(cmp(ap("a"), "pr", nil), or(cmp(ap("b"), "pr", nil), cmp(ap("c"), "pr", nil)))},
	{in: `((a pr))`, want: cmp(ap("a"), "pr", nil), format: `a pr`},
	{in: `( a pr )`, want: cmp(ap("a"), "pr", nil), format: `a pr`},
	{in: `a pr or (b pr and c pr)`, want: or(cmp(ap("a"), "pr", nil), and(cmp(ap("b"), "pr", nil), cmp(ap("c"), "pr", nil))), format: `a pr or b pr and c pr`},
	// not.
	{in: `not (a pr)`, want: not(cmp(ap("a"), "pr", nil))},
	{in: `not(a pr)`, want: not(cmp(ap("a"), "pr", nil)), format: `not (a pr)`},
	{in: `NOT ( a pr or b pr )`, want: not(or(cmp(ap("a"), "pr", nil), cmp(ap("b"), "pr", nil))), format: `not (a pr or b pr)`},
	{in: `not (not (a pr))`, want: not(not(cmp(ap("a"), "pr", nil)))},
	{in: `userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")`,
		want: and(cmp(ap("userType"), "ne", "Employee"), not(or(cmp(ap("emails"), "co", "example.com"), cmp(sub("emails", "value"), "co", "example.org"))))},
	// An attribute named like a keyword.
	{in: `not pr`, want: cmp(ap("not"), "pr", nil)},
	{in: `and eq "x" or or pr`, want: or(cmp(ap("and"), "eq", "x"), cmp(ap("or"), "pr", nil))},
	// Value paths.
	{in: `emails[type eq "work" and value co "@example.com"]`,
		want: vp(ap("emails"), and(cmp(ap("type"), "eq", "work"), cmp(ap("value"), "co", "@example.com")))},
	{in: `emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]`,
		want: or(vp(ap("emails"), and(cmp(ap("type"), "eq", "work"), cmp(ap("value"), "co", "@example.com"))),
			vp(ap("ims"), and(cmp(ap("type"), "eq", "xmpp"), cmp(ap("value"), "co", "@foo.com"))))},
	{in: `emails[not (primary eq true) or (type eq "home")]`,
		want: vp(ap("emails"), or(not(cmp(ap("primary"), "eq", true)), cmp(ap("type"), "eq", "home"))), format: `emails[not (primary eq true) or type eq "home"]`},
	{in: `emails[ value pr ]`, want: vp(ap("emails"), cmp(ap("value"), "pr", nil)), format: `emails[value pr]`},
	{in: `not (members[value eq "abc"])`, want: not(vp(ap("members"), cmp(ap("value"), "eq", "abc")))},
	// URN-qualified paths.
	{in: `urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"`,
		want: cmp(AttrPath{URI: coreUser, Name: "userName"}, "sw", "J")},
	{in: `urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "x"`,
		want: cmp(AttrPath{URI: coreUser, Name: "name", Sub: "familyName"}, "eq", "x")},
	{in: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`,
		want: cmp(AttrPath{URI: enterprise, Name: "manager", Sub: "value"}, "eq", "26118915-6090-4610-87e4-49d8ca9f808d")},
	{in: `URN:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr`,
		want: cmp(AttrPath{URI: "URN:ietf:params:scim:schemas:extension:enterprise:2.0:User", Name: "employeeNumber"}, "pr", nil)},
	{in: `urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]`,
		want: vp(AttrPath{URI: coreUser, Name: "emails"}, cmp(ap("type"), "eq", "work"))},
	// Names: digits, '-', '_', $ref.
	{in: `x-a_1 pr`, want: cmp(ap("x-a_1"), "pr", nil)},
	{in: `members.$ref pr`, want: cmp(sub("members", "$ref"), "pr", nil)},
	// Blanks.
	{in: "  a  eq\t\"x\"   and  b pr  ", want: and(cmp(ap("a"), "eq", "x"), cmp(ap("b"), "pr", nil)), format: `a eq "x" and b pr`},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			noErr(t, err)
			equal(t, tc.want, got)
			want := tc.format
			if want == "" {
				want = tc.in
			}
			f := Format(got)
			equal(t, want, f, "Format")
			again, err := Parse(f)
			noErr(t, err)
			equal(t, got, again, "round trip")
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ in, why string }{
		{``, "empty"},
		{`   `, "blank"},
		{`userName`, "no operator"},
		{`userName eq`, "no value"},
		{`userName eq "x`, "unterminated string"},
		{`userName eq "x\"`, "unterminated string ending in escape"},
		{`userName eq "\x"`, "bad escape"},
		{`userName eq "\u12"`, "short unicode escape"},
		{"userName eq \"a\x01b\"", "control character in string"},
		{"userName eq \"\xff\"", "invalid UTF-8"},
		{`userName xx "x"`, "unknown operator"},
		{`userName pr "x"`, "pr takes no value"},
		{`userName eq "x" "y"`, "two values"},
		{`userName eq 'x'`, "single quotes"},
		{`userName eq jy!oung`, "bad bare word"},
		{`userName eq x+y`, "bad bare word with plus"},
		{`x eq 1e999`, "number out of range"},
		{`userName eq"x"`, "no space before value"},
		{`userName"x"`, "no space before operator"},
		{`a pr and`, "dangling and"},
		{`a pr or`, "dangling or"},
		{`and`, "keyword alone"},
		{`a pr and(b pr)`, "no space after and"},
		{`(a pr)and (b pr)`, "no space before and"},
		{`a pr xor b pr`, "unknown logical operator"},
		{`a pr b pr`, "missing logical operator"},
		{`(a pr`, "unclosed paren"},
		{`a pr)`, "stray close paren"},
		{`()`, "empty parens"},
		{`not a pr`, "not without paren"},
		{`not`, "not alone"},
		{`not ()`, "not with empty parens"},
		{`emails[type eq "work"`, "unclosed bracket"},
		{`emails[]`, "empty value filter"},
		{`emails [type eq "work"]`, "space before bracket"},
		{`emails[type eq "work"].value eq "x"`, "sub-attribute after value path in a filter"},
		{`emails[type eq "work"] eq "x"`, "operator after value path"},
		{`emails[x[y pr]]`, "nested value path"},
		{`emails[name.x pr]`, "sub-attribute inside value filter"},
		{`emails[urn:a:b:type pr]`, "URN inside value filter"},
		{`name.familyName[x pr]`, "value path on a sub-attribute"},
		{`emails]`, "stray bracket"},
		{`a.b.c pr`, "two sub-attribute levels"},
		{`1abc pr`, "name starting with a digit"},
		{`a$b pr`, "bad name character"},
		{`a. pr`, "empty sub-attribute"},
		{`foo:bar pr`, "colon without urn"},
		{`urn:userName pr`, "URN without namespace"},
		{`urn:ietf::x:userName pr`, "empty URN segment"},
		{`urn:ietf:params: pr`, "URN without attribute"},
		{`"x" eq "x"`, "string as attribute"},
		{`eq "x"`, "missing attribute"},
		{strings.Repeat("(", MaxDepth+1) + "a pr" + strings.Repeat(")", MaxDepth+1), "too deep"},
		{`a eq "` + strings.Repeat("x", MaxLength) + `"`, "too long"},
	}
	for _, tc := range cases {
		t.Run(tc.why, func(t *testing.T) {
			e, err := Parse(tc.in)
			se := scimErr(t, err, scimerr.InvalidFilter, fmt.Sprintf("Parse(%q) = %v", tc.in, show(e)))
			contains(t, se.Detail, "invalid filter")
		})
	}
}

func TestParseDepthLimit(t *testing.T) {
	ok := strings.Repeat("not (", MaxDepth) + "a pr" + strings.Repeat(")", MaxDepth)
	_, err := Parse(ok)
	noErr(t, err)
	_, err = Parse("not (" + ok + ")")
	scimErr(t, err, scimerr.InvalidFilter)
}

func TestParseErrorOffset(t *testing.T) {
	_, err := Parse(`userName eq "x" and title xx "y"`)
	se := scimErr(t, err, scimerr.InvalidFilter)
	contains(t, se.Detail, "offset 26")
}

func TestParsePath(t *testing.T) {
	cases := []struct {
		in   string
		want Path
		str  string
	}{
		{in: `displayName`, want: Path{Attr: ap("displayName")}},
		{in: `name.familyName`, want: Path{Attr: sub("name", "familyName")}},
		{in: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`,
			want: Path{Attr: AttrPath{URI: enterprise, Name: "employeeNumber"}}},
		{in: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`,
			want: Path{Attr: AttrPath{URI: enterprise, Name: "manager", Sub: "value"}}},
		{in: `members[value eq "2819c223-7f76-453a-919d-413861904646"]`,
			want: Path{Attr: ap("members"), Filter: cmp(ap("value"), "eq", "2819c223-7f76-453a-919d-413861904646")}},
		{in: `emails[type eq "work"].value`,
			want: Path{Attr: ap("emails"), Filter: cmp(ap("type"), "eq", "work"), Sub: "value"}},
		{in: `addresses[type eq "work" and primary eq true].streetAddress`,
			want: Path{Attr: ap("addresses"), Filter: and(cmp(ap("type"), "eq", "work"), cmp(ap("primary"), "eq", true)), Sub: "streetAddress"}},
		{in: `urn:ietf:params:scim:schemas:core:2.0:User:emails[type EQ work].display`,
			want: Path{Attr: AttrPath{URI: coreUser, Name: "emails"}, Filter: cmp(ap("type"), "eq", "work"), Sub: "display"},
			str:  `urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].display`},
		{in: ` members `, want: Path{Attr: ap("members")}, str: `members`},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParsePath(tc.in)
			noErr(t, err)
			equal(t, tc.want, got)
			str := tc.str
			if str == "" {
				str = tc.in
			}
			equal(t, str, got.String(), "String")
			again, err := ParsePath(got.String())
			noErr(t, err)
			equal(t, got, again, "round trip")
		})
	}
}

func TestParsePathErrors(t *testing.T) {
	for _, in := range []string{
		``,
		`   `,
		`displayName eq "x"`,
		`name.`,
		`a.b.c`,
		`emails[`,
		`emails[type eq "work"`,
		`emails[type eq "work"]value`,
		`emails[type eq "work"]. value`,
		`emails[type eq "work"] .value`,
		`emails[type eq "work"].value.x`,
		`emails[type eq "work"].1x`,
		`emails[type eq "work"][value pr]`,
		`emails[x[y pr]]`,
		`name.familyName[x pr]`,
		`"displayName"`,
		`(displayName)`,
		`foo:bar`,
		`urn:x:`,
		`members[value eq "a"] extra`,
	} {
		t.Run(in, func(t *testing.T) {
			p, err := ParsePath(in)
			scimErr(t, err, scimerr.InvalidPath, fmt.Sprintf("ParsePath(%q) = %#v", in, p))
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	for _, s := range []string{`a eq "x\"y"`, `emails[type eq "work"].value`, `not (`, `x eq -0`, `x eq 1e-400`, `a[b pr] and c[d pr]`} {
		f.Add(s)
	}
	user := decode(f, userJSON)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var se *scimerr.Error
			if !errors.As(err, &se) || se.ScimType != scimerr.InvalidFilter {
				t.Fatalf("Parse(%q): error %v is not invalidFilter", s, err)
			}
			return
		}
		out := Format(e)
		e2, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q) ok but Parse(Format)=Parse(%q) failed: %v", s, out, err)
		}
		if !reflect.DeepEqual(e, e2) {
			t.Fatalf("round trip changed the tree: %q -> %q", s, out)
		}
		if out2 := Format(e2); out2 != out {
			t.Fatalf("Format not stable: %q vs %q", out, out2)
		}
		// Evaluation must not panic on any tree, and Validate errors are
		// invalidFilter.
		if err := Validate(e, schema.UserType); err != nil {
			var se *scimerr.Error
			if !errors.As(err, &se) || se.ScimType != scimerr.InvalidFilter {
				t.Fatalf("Validate(%q): %v", s, err)
			}
		}
		_ = Match(e, schema.UserType, user)
		_, _, _ = IndexedEq(e)
		// ParsePath must not panic on the same input either.
		_, _ = ParsePath(s)
	})
}
