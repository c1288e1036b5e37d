package filter

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/provkit/provkit/reference/scim/scimerr"
)

// Limits applied by Parse and ParsePath. A longer input or a deeper nesting of
// parentheses, not(...) and value paths is rejected with invalidFilter
// (invalidPath for ParsePath) instead of being parsed.
const (
	MaxLength = 4096 // bytes
	MaxDepth  = 64
)

// Parse parses a SCIM filter (RFC 7644 §3.4.2.2, Figure 1).
//
// The grammar is followed strictly: attribute names are ALPHA *(ALPHA /
// DIGIT / "-" / "_") (plus the special name "$ref"), at most one
// sub-attribute level, comparison values are JSON strings, numbers, true,
// false or null, value paths do not nest, and "and", "or", operators and the
// value that follows an operator must be separated by spaces. Operators,
// "and", "or" and "not" are case-insensitive. An attribute path starting with
// "urn:" (any case) is URN-qualified: its last colon-separated segment is the
// attribute path (name or name.sub), the rest is the schema URI.
//
// Deliberate leniencies, each needed by a real client or by the RFC's own
// examples:
//
//   - Unquoted values: Microsoft Entra ID sends `externalId eq jyoung`. A bare
//     word made of letters, digits, "-", "_", "." and "@" in value position is
//     taken as a string (unless it is exactly true, false, null or a JSON
//     number, which keep their JSON meaning, so `externalId eq 12345` compares
//     with a number; Match compares a number with a string attribute by its
//     decimal text). `active eq True` therefore carries the string "True",
//     which Match coerces for Boolean attributes.
//   - Spaces: runs of spaces and tabs count as one separator; leading and
//     trailing blanks are ignored; blanks are allowed after "(" / "[", before
//     ")" / "]" and between "not" and "(" (the RFC itself writes
//     `not (emails co "example.com")`).
//
// Every error is a *scimerr.Error, 400 invalidFilter, whose detail gives the
// byte offset of the problem.
func Parse(s string) (Expr, error) {
	p, err := newParser(s, scimerr.InvalidFilter, "filter")
	if err != nil {
		return nil, err
	}
	if p.peek().kind == tkEOF {
		return nil, p.errAt(p.peek(), "empty filter")
	}
	e, err := p.parseOr(false)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tkEOF {
		return nil, p.errAt(t, "unexpected %s; expected \"and\", \"or\" or the end of the filter", t.describe())
	}
	return e, nil
}

// ParsePath parses a PATCH operation path (RFC 7644 §3.5.2, Figure 7):
// attrPath, or valuePath [subAttr], e.g. "name.familyName",
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
// `members[value eq "2819c223"]`, `emails[type eq "work"].value`. The value
// filter follows the same rules (and leniencies) as Parse. Every error is a
// *scimerr.Error, 400 invalidPath.
func ParsePath(s string) (Path, error) {
	p, err := newParser(s, scimerr.InvalidPath, "path")
	if err != nil {
		return Path{}, err
	}
	t := p.next()
	if t.kind != tkWord {
		if t.kind == tkEOF {
			return Path{}, p.errAt(t, "empty path")
		}
		return Path{}, p.errAt(t, "unexpected %s; expected an attribute path", t.describe())
	}
	ap, err := p.attrPath(t)
	if err != nil {
		return Path{}, err
	}
	path := Path{Attr: ap}
	if lb := p.peek(); lb.kind == tkLBrack {
		vp, err := p.valuePath(ap, t, false)
		if err != nil {
			return Path{}, err
		}
		path.Filter = vp.Filter
		if st := p.peek(); st.kind == tkWord && !st.space && strings.HasPrefix(st.text, ".") {
			p.next()
			if !validName(st.text[1:]) {
				return Path{}, p.errAt(st, "invalid sub-attribute name %q after the value filter", st.text[1:])
			}
			path.Sub = st.text[1:]
		}
	}
	if t := p.peek(); t.kind != tkEOF {
		return Path{}, p.errAt(t, "unexpected %s after the path", t.describe())
	}
	return path, nil
}

type tokKind int

const (
	tkEOF tokKind = iota
	tkWord
	tkString
	tkLParen
	tkRParen
	tkLBrack
	tkRBrack
)

type token struct {
	kind  tokKind
	text  string // raw text (for tkString, including the quotes)
	str   string // decoded value of a tkString
	pos   int    // byte offset in the input
	space bool   // preceded by at least one blank
}

func (t token) describe() string {
	switch t.kind {
	case tkEOF:
		return "end of input"
	case tkString:
		return "string " + clip(t.text)
	default:
		return strconv.Quote(clip(t.text))
	}
}

func clip(s string) string {
	if len(s) > 40 {
		// Cut on a rune boundary.
		n := 40
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		return s[:n] + "…"
	}
	return s
}

type parser struct {
	src      string
	toks     []token
	i        int
	depth    int
	scimType string
	what     string // "filter" or "path", for messages
}

func newParser(s, scimType, what string) (*parser, error) {
	p := &parser{src: s, scimType: scimType, what: what, toks: make([]token, 0, 16)}
	if len(s) > MaxLength {
		return nil, scimerr.BadRequest(scimType, "invalid %s: longer than %d bytes", what, MaxLength)
	}
	if !utf8.ValidString(s) {
		return nil, scimerr.BadRequest(scimType, "invalid %s: not valid UTF-8", what)
	}
	if err := p.lex(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *parser) errAt(t token, format string, args ...any) error {
	return p.errPos(t.pos, format, args...)
}

func (p *parser) errPos(pos int, format string, args ...any) error {
	return scimerr.BadRequest(p.scimType, "invalid %s: %s at offset %d", p.what, fmt.Sprintf(format, args...), pos)
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func isDelim(c byte) bool {
	return isBlank(c) || c == '(' || c == ')' || c == '[' || c == ']' || c == '"'
}

func (p *parser) lex() error {
	s := p.src
	i := 0
	for {
		space := false
		for i < len(s) && isBlank(s[i]) {
			i++
			space = true
		}
		if i == len(s) {
			p.toks = append(p.toks, token{kind: tkEOF, pos: i, space: space})
			return nil
		}
		start := i
		t := token{pos: start, space: space}
		switch c := s[i]; c {
		case '(':
			t.kind, i = tkLParen, i+1
		case ')':
			t.kind, i = tkRParen, i+1
		case '[':
			t.kind, i = tkLBrack, i+1
		case ']':
			t.kind, i = tkRBrack, i+1
		case '"':
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			if i >= len(s) {
				return p.errPos(start, "unterminated string")
			}
			i++
			t.kind = tkString
			if simpleString(s[start+1 : i-1]) {
				t.str = s[start+1 : i-1] // no escapes: the common case, no allocation
			} else if err := json.Unmarshal([]byte(s[start:i]), &t.str); err != nil {
				return p.errPos(start, "invalid JSON string %s", clip(s[start:i]))
			}
		default:
			for i < len(s) && !isDelim(s[i]) {
				i++
			}
			t.kind = tkWord
		}
		t.text = s[start:i]
		p.toks = append(p.toks, t)
	}
}

// simpleString reports whether the body of a JSON string (valid UTF-8) has
// neither escapes nor control characters, so that it is its own value.
func simpleString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' || s[i] < 0x20 {
			return false
		}
	}
	return true
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tkEOF {
		p.i++
	}
	return t
}

func (p *parser) isKeyword(kw string) bool {
	t := p.peek()
	return t.kind == tkWord && strings.EqualFold(t.text, kw)
}

func (p *parser) enter(t token) error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errAt(t, "nesting deeper than %d levels", MaxDepth)
	}
	return nil
}

// parseOr: FILTER *( SP "or" SP FILTER ), where the operands bind with "and".
func (p *parser) parseOr(inVal bool) (Expr, error) {
	left, err := p.parseAnd(inVal)
	if err != nil {
		return nil, err
	}
	for p.isKeyword("or") {
		op := p.next()
		if err := p.checkLogicalSpaces(op); err != nil {
			return nil, err
		}
		right, err := p.parseAnd(inVal)
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: "or", Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) parseAnd(inVal bool) (Expr, error) {
	left, err := p.parseFactor(inVal)
	if err != nil {
		return nil, err
	}
	for p.isKeyword("and") {
		op := p.next()
		if err := p.checkLogicalSpaces(op); err != nil {
			return nil, err
		}
		right, err := p.parseFactor(inVal)
		if err != nil {
			return nil, err
		}
		left = &Logical{Op: "and", Left: left, Right: right}
	}
	return left, nil
}

func (p *parser) checkLogicalSpaces(op token) error {
	if !op.space {
		return p.errAt(op, "missing space before %q", op.text)
	}
	if n := p.peek(); n.kind != tkEOF && !n.space {
		return p.errAt(n, "missing space after %q", op.text)
	}
	return nil
}

// parseFactor: attrExp / valuePath / ["not"] "(" FILTER ")".
func (p *parser) parseFactor(inVal bool) (Expr, error) {
	t := p.peek()
	switch t.kind {
	case tkLParen:
		p.next()
		return p.parseGroup(t, inVal)
	case tkWord:
		if strings.EqualFold(t.text, "not") && p.peekAt(1).kind == tkLParen {
			p.next()
			lp := p.next()
			x, err := p.parseGroup(lp, inVal)
			if err != nil {
				return nil, err
			}
			return &Not{X: x}, nil
		}
		return p.parseAttrExpr(inVal)
	case tkEOF:
		return nil, p.errAt(t, "unexpected end of %s; expected an attribute path, \"(\" or \"not\"", p.what)
	default:
		return nil, p.errAt(t, "unexpected %s; expected an attribute path, \"(\" or \"not\"", t.describe())
	}
}

func (p *parser) parseGroup(lp token, inVal bool) (Expr, error) {
	if err := p.enter(lp); err != nil {
		return nil, err
	}
	x, err := p.parseOr(inVal)
	if err != nil {
		return nil, err
	}
	if t := p.next(); t.kind != tkRParen {
		return nil, p.errAt(t, "unexpected %s; expected \")\" closing the \"(\" at offset %d, \"and\" or \"or\"", t.describe(), lp.pos)
	}
	p.depth--
	return x, nil
}

var compareOps = map[string]bool{
	"eq": true, "ne": true, "co": true, "sw": true, "ew": true,
	"gt": true, "ge": true, "lt": true, "le": true,
}

func (p *parser) parseAttrExpr(inVal bool) (Expr, error) {
	at := p.next()
	ap, err := p.attrPath(at)
	if err != nil {
		return nil, err
	}
	if p.peek().kind == tkLBrack {
		return p.valuePath(ap, at, inVal)
	}
	if inVal && (ap.URI != "" || ap.Sub != "") {
		return nil, p.errAt(at, "%q: an attribute inside a value filter must be a plain sub-attribute name", at.text)
	}
	ot := p.peek()
	if ot.kind != tkWord {
		if strings.EqualFold(at.text, "not") && ot.kind != tkEOF {
			return nil, p.errAt(at, "\"not\" must be followed by \"(\"")
		}
		return nil, p.errAt(ot, "unexpected %s; expected an operator after attribute path %q", ot.describe(), at.text)
	}
	if !ot.space {
		return nil, p.errAt(ot, "missing space between attribute path and operator")
	}
	op := strings.ToLower(ot.text)
	if op == "pr" {
		p.next()
		return &Compare{Attr: ap, Op: "pr"}, nil
	}
	if !compareOps[op] {
		if strings.EqualFold(at.text, "not") {
			return nil, p.errAt(at, "\"not\" must be followed by \"(\"")
		}
		return nil, p.errAt(ot, "unknown operator %q", clip(ot.text))
	}
	p.next()
	vt := p.next()
	var v any
	switch vt.kind {
	case tkString:
		v = vt.str
	case tkWord:
		v, err = p.bareValue(vt)
		if err != nil {
			return nil, err
		}
	case tkEOF:
		return nil, p.errAt(vt, "missing value after operator %q", ot.text)
	default:
		return nil, p.errAt(vt, "unexpected %s; expected a value after operator %q", vt.describe(), ot.text)
	}
	if !vt.space {
		return nil, p.errAt(vt, "missing space between operator and value")
	}
	return &Compare{Attr: ap, Op: op, Value: v}, nil
}

// valuePath parses "[" valFilter "]" after the attribute path ap (written as
// token at); the next token is the "[".
func (p *parser) valuePath(ap AttrPath, at token, inVal bool) (*ValuePath, error) {
	lb := p.next()
	if lb.space {
		return nil, p.errAt(lb, "unexpected space before \"[\"")
	}
	if inVal {
		return nil, p.errAt(lb, "value paths cannot be nested")
	}
	if ap.Sub != "" {
		return nil, p.errAt(at, "%q: a value filter applies to an attribute, not to a sub-attribute", at.text)
	}
	if err := p.enter(lb); err != nil {
		return nil, err
	}
	f, err := p.parseOr(true)
	if err != nil {
		return nil, err
	}
	if t := p.next(); t.kind != tkRBrack {
		return nil, p.errAt(t, "unexpected %s; expected \"]\" closing the \"[\" at offset %d, \"and\" or \"or\"", t.describe(), lb.pos)
	}
	p.depth--
	return &ValuePath{Attr: ap, Filter: f}, nil
}

// bareValue interprets a word in value position: true, false, null, a JSON
// number, or (leniency) an unquoted string.
func (p *parser) bareValue(t token) (any, error) {
	switch t.text {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	if isJSONNumber(t.text) {
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, p.errAt(t, "number %s out of range", clip(t.text))
		}
		return f, nil
	}
	for _, r := range t.text {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.' || r == '@') {
			return nil, p.errAt(t, "invalid value %q: strings must be quoted", clip(t.text))
		}
	}
	return t.text, nil
}

// isJSONNumber reports whether s is a number per RFC 8259 §6.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// validName reports whether s is an ATTRNAME (RFC 7644 Figure 1), or "$ref"
// (RFC 7643 §2.1 reserves it as a sub-attribute name).
func validName(s string) bool {
	if strings.EqualFold(s, "$ref") {
		return true
	}
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(isAlpha(c) || isDigit(c) || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// validURI checks the schema URI of a URN-qualified attribute path: "urn:"
// followed by non-empty colon-separated segments of URN characters.
func validURI(s string) bool {
	segs := strings.Split(s, ":")
	if len(segs) < 2 || !strings.EqualFold(segs[0], "urn") {
		return false
	}
	for _, seg := range segs[1:] {
		if seg == "" {
			return false
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !(isAlpha(c) || isDigit(c) || strings.IndexByte("-._~!$&'*+,;=@/%", c) >= 0) {
				return false
			}
		}
	}
	return true
}

// attrPath parses a word as attrPath = [URI ":"] ATTRNAME *1subAttr.
func (p *parser) attrPath(t token) (AttrPath, error) {
	s := t.text
	var ap AttrPath
	if len(s) >= 4 && strings.EqualFold(s[:4], "urn:") {
		i := strings.LastIndexByte(s, ':')
		ap.URI, s = s[:i], s[i+1:]
		if !validURI(ap.URI) {
			return AttrPath{}, p.errAt(t, "invalid schema URI %q", clip(ap.URI))
		}
		if s == "" {
			return AttrPath{}, p.errAt(t, "missing attribute name after schema URI %q", clip(ap.URI))
		}
	} else if strings.IndexByte(s, ':') >= 0 {
		return AttrPath{}, p.errAt(t, "invalid attribute path %q (a schema URI must start with \"urn:\")", clip(t.text))
	}
	name, sub, hasSub := strings.Cut(s, ".")
	if !validName(name) {
		return AttrPath{}, p.errAt(t, "invalid attribute name %q", clip(name))
	}
	if hasSub {
		if strings.IndexByte(sub, '.') >= 0 {
			return AttrPath{}, p.errAt(t, "attribute path %q has more than one sub-attribute level", clip(t.text))
		}
		if !validName(sub) {
			return AttrPath{}, p.errAt(t, "invalid sub-attribute name %q", clip(sub))
		}
	}
	ap.Name, ap.Sub = name, sub
	return ap, nil
}
