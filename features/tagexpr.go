package features

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// TagExpr is a parsed tag expression. It reads both syntaxes in use:
// Cucumber's ("@must and not (@large or @slow)": and, or, not, parentheses;
// not binds tightest, then and, then or) and godog's ("@must && ~@large,@slow":
// "&&" joins clauses that must all hold, "," separates alternatives within a
// clause, "~" negates one tag). One expression uses one syntax.
type TagExpr struct{ root tagNode }

// tagName is what a tag may be: "@" and letters, digits, "-", "_", ".", ":".
var tagName = regexp.MustCompile(`^@[A-Za-z0-9_.:-]+$`)

type tagOp int

const (
	tagLit tagOp = iota
	tagNot
	tagAnd
	tagOr
)

type tagNode struct {
	op   tagOp
	tag  string // tagLit, with "@"
	args []tagNode
}

// ParseTagExpr parses s; an empty s matches every scenario.
func ParseTagExpr(s string) (*TagExpr, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return &TagExpr{}, nil
	}
	if strings.ContainsAny(s, ",~") || strings.Contains(s, "&&") {
		n, err := parseGodog(s)
		if err != nil {
			return nil, err
		}
		return &TagExpr{root: n}, nil
	}
	p := &tagParser{toks: tokenizeTags(s)}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("tag expression %q: unexpected %q", s, p.toks[p.i])
	}
	return &TagExpr{root: n}, nil
}

// Empty reports whether the expression selects everything.
func (e *TagExpr) Empty() bool { return e == nil || (e.root.op == tagLit && e.root.tag == "") }

// Match reports whether a scenario with these tags is selected.
func (e *TagExpr) Match(tags []string) bool {
	if e.Empty() {
		return true
	}
	return e.root.eval(tags)
}

// Tags lists the tags the expression names, sorted, each once.
func (e *TagExpr) Tags() []string {
	seen := map[string]bool{}
	var walk func(n tagNode)
	walk = func(n tagNode) {
		if n.op == tagLit && n.tag != "" {
			seen[n.tag] = true
		}
		for _, a := range n.args {
			walk(a)
		}
	}
	if !e.Empty() {
		walk(e.root)
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// String writes the expression in Cucumber's syntax.
func (e *TagExpr) String() string {
	if e.Empty() {
		return ""
	}
	return e.root.String()
}

// AndTags joins expressions that must all hold (empty ones are left out).
func AndTags(es ...*TagExpr) *TagExpr {
	var args []tagNode
	for _, e := range es {
		if !e.Empty() {
			args = append(args, e.root)
		}
	}
	switch len(args) {
	case 0:
		return &TagExpr{}
	case 1:
		return &TagExpr{root: args[0]}
	}
	return &TagExpr{root: tagNode{op: tagAnd, args: args}}
}

// maxClauses bounds the godog form of an expression (a conjunction of
// alternatives can grow exponentially with nested "or"s of "and"s).
const maxClauses = 512

// Godog writes the expression in godog's syntax, which has no parentheses:
// the expression is rewritten as a conjunction of alternatives.
func (e *TagExpr) Godog() (string, error) {
	if e.Empty() {
		return "", nil
	}
	clauses, err := cnf(nnf(e.root, false))
	if err != nil {
		return "", err
	}
	parts := make([]string, len(clauses))
	for i, c := range clauses {
		parts[i] = strings.Join(c, ",")
	}
	return strings.Join(parts, " && "), nil
}

func (n tagNode) eval(tags []string) bool {
	switch n.op {
	case tagLit:
		for _, t := range tags {
			if t == n.tag {
				return true
			}
		}
		return false
	case tagNot:
		return !n.args[0].eval(tags)
	case tagAnd:
		for _, a := range n.args {
			if !a.eval(tags) {
				return false
			}
		}
		return true
	default:
		for _, a := range n.args {
			if a.eval(tags) {
				return true
			}
		}
		return false
	}
}

func (n tagNode) String() string {
	switch n.op {
	case tagLit:
		return n.tag
	case tagNot:
		if n.args[0].op == tagLit {
			return "not " + n.args[0].String()
		}
		return "not (" + n.args[0].String() + ")"
	}
	word := " and "
	if n.op == tagOr {
		word = " or "
	}
	parts := make([]string, len(n.args))
	for i, a := range n.args {
		parts[i] = a.String()
		if (a.op == tagAnd || a.op == tagOr) && a.op != n.op {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, word)
}

// nnf pushes negations down to the tags; a negated tag is a tagLit with a
// "~" prefix.
func nnf(n tagNode, neg bool) tagNode {
	switch n.op {
	case tagLit:
		if neg {
			return tagNode{op: tagLit, tag: "~" + n.tag}
		}
		return n
	case tagNot:
		return nnf(n.args[0], !neg)
	}
	op := n.op
	if neg {
		op = map[tagOp]tagOp{tagAnd: tagOr, tagOr: tagAnd}[op]
	}
	out := tagNode{op: op}
	for _, a := range n.args {
		out.args = append(out.args, nnf(a, neg))
	}
	return out
}

func cnf(n tagNode) ([][]string, error) {
	switch n.op {
	case tagLit:
		return [][]string{{n.tag}}, nil
	case tagAnd:
		var out [][]string
		for _, a := range n.args {
			c, err := cnf(a)
			if err != nil {
				return nil, err
			}
			out = append(out, c...)
		}
		if len(out) > maxClauses {
			return nil, fmt.Errorf("tag expression too complex (more than %d clauses once written without parentheses)", maxClauses)
		}
		return out, nil
	default: // or: distribute
		out := [][]string{{}}
		for _, a := range n.args {
			c, err := cnf(a)
			if err != nil {
				return nil, err
			}
			var next [][]string
			for _, x := range out {
				for _, y := range c {
					next = append(next, append(append([]string(nil), x...), y...))
				}
			}
			if len(next) > maxClauses {
				return nil, fmt.Errorf("tag expression too complex (more than %d clauses once written without parentheses)", maxClauses)
			}
			out = next
		}
		return out, nil
	}
}

func parseGodog(s string) (tagNode, error) {
	if strings.ContainsAny(s, "()") {
		return tagNode{}, fmt.Errorf("tag expression %q mixes godog's syntax (&&, \",\", ~) with parentheses: use one syntax, e.g. \"@a and (@b or not @c)\"", s)
	}
	and := tagNode{op: tagAnd}
	for _, clause := range strings.Split(s, "&&") {
		or := tagNode{op: tagOr}
		for _, alt := range strings.Split(clause, ",") {
			alt = strings.TrimSpace(alt)
			neg := strings.HasPrefix(alt, "~")
			name := strings.TrimSpace(strings.TrimPrefix(alt, "~"))
			if name == "" {
				return tagNode{}, fmt.Errorf("tag expression %q has an empty term (around \"&&\", \",\" or \"~\")", s)
			}
			if strings.ContainsAny(name, " \t") {
				return tagNode{}, fmt.Errorf("tag expression %q: %q is not one tag; godog's syntax joins tags with \"&&\" and \",\", Cucumber's with \"and\" and \"or\"", s, name)
			}
			name = strings.TrimPrefix(name, "@")
			if !tagName.MatchString("@" + name) {
				return tagNode{}, fmt.Errorf("tag expression %q: %q is not a tag", s, alt)
			}
			lit := tagNode{op: tagLit, tag: "@" + name}
			if neg {
				lit = tagNode{op: tagNot, args: []tagNode{lit}}
			}
			or.args = append(or.args, lit)
		}
		if len(or.args) == 1 {
			or = or.args[0]
		}
		and.args = append(and.args, or)
	}
	if len(and.args) == 1 {
		return and.args[0], nil
	}
	return and, nil
}

func tokenizeTags(s string) []string {
	var toks []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == '(' || r == ')':
			flush()
			toks = append(toks, string(r))
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return toks
}

type tagParser struct {
	toks []string
	i    int
}

func (p *tagParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *tagParser) or() (tagNode, error) {
	return p.binary("or", tagOr, p.and)
}

func (p *tagParser) and() (tagNode, error) {
	return p.binary("and", tagAnd, p.not)
}

func (p *tagParser) binary(word string, op tagOp, next func() (tagNode, error)) (tagNode, error) {
	first, err := next()
	if err != nil {
		return tagNode{}, err
	}
	args := []tagNode{first}
	for p.peek() == word {
		p.i++
		n, err := next()
		if err != nil {
			return tagNode{}, err
		}
		args = append(args, n)
	}
	if len(args) == 1 {
		return first, nil
	}
	return tagNode{op: op, args: args}, nil
}

func (p *tagParser) not() (tagNode, error) {
	if p.peek() == "not" {
		p.i++
		n, err := p.not()
		if err != nil {
			return tagNode{}, err
		}
		return tagNode{op: tagNot, args: []tagNode{n}}, nil
	}
	return p.primary()
}

func (p *tagParser) primary() (tagNode, error) {
	t := p.peek()
	switch {
	case t == "":
		return tagNode{}, fmt.Errorf("tag expression ends where a tag was expected")
	case t == "(":
		p.i++
		n, err := p.or()
		if err != nil {
			return tagNode{}, err
		}
		if p.peek() != ")" {
			return tagNode{}, fmt.Errorf("tag expression: a \"(\" is not closed")
		}
		p.i++
		return n, nil
	case t == ")" || t == "and" || t == "or":
		return tagNode{}, fmt.Errorf("tag expression: %q where a tag was expected", t)
	case !tagName.MatchString(t):
		return tagNode{}, fmt.Errorf("tag expression: %q is not a tag (tags start with @; join them with and, or, not)", t)
	}
	p.i++
	return tagNode{op: tagLit, tag: t}, nil
}
