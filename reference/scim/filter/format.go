package filter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Format writes e back as a filter in canonical form: lower-case operators,
// single spaces, JSON-quoted strings, parentheses only where precedence needs
// them. For any e returned by Parse, Parse(Format(e)) yields an equal tree.
func Format(e Expr) string {
	var b strings.Builder
	writeExpr(&b, e)
	return b.String()
}

func writeExpr(b *strings.Builder, e Expr) {
	switch e := e.(type) {
	case *Logical:
		// "and" binds tighter than "or"; both are left-associative, so a
		// right operand of the same operator needs parentheses.
		writeOperand(b, e.Left, e.Op == "and" && isOp(e.Left, "or"))
		b.WriteString(" ")
		b.WriteString(e.Op)
		b.WriteString(" ")
		writeOperand(b, e.Right, isOp(e.Right, e.Op) || (e.Op == "and" && isOp(e.Right, "or")))
	case *Not:
		b.WriteString("not (")
		writeExpr(b, e.X)
		b.WriteString(")")
	case *Compare:
		b.WriteString(e.Attr.String())
		b.WriteString(" ")
		b.WriteString(e.Op)
		if e.Op != "pr" {
			b.WriteString(" ")
			b.WriteString(formatValue(e.Value))
		}
	case *ValuePath:
		b.WriteString(e.Attr.String())
		b.WriteString("[")
		writeExpr(b, e.Filter)
		b.WriteString("]")
	case nil:
		b.WriteString("<nil>")
	default:
		fmt.Fprintf(b, "<%T>", e)
	}
}

func isOp(e Expr, op string) bool {
	l, ok := e.(*Logical)
	return ok && l.Op == op
}

func writeOperand(b *strings.Builder, e Expr, paren bool) {
	if paren {
		b.WriteString("(")
	}
	writeExpr(b, e)
	if paren {
		b.WriteString(")")
	}
}

// formatValue writes a comparison value as a JSON literal.
func formatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	case string:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v) // cannot fail for a string
		return strings.TrimSuffix(buf.String(), "\n")
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return "null"
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case json.Number:
		return v.String()
	default:
		bs, err := json.Marshal(v)
		if err != nil {
			return "null"
		}
		return string(bs)
	}
}

// String returns [URI ":"] Name ["." Sub].
func (a AttrPath) String() string {
	s := a.Name
	if a.URI != "" {
		s = a.URI + ":" + s
	}
	if a.Sub != "" {
		s += "." + a.Sub
	}
	return s
}

// String returns the PATCH path in canonical form; ParsePath(p.String())
// yields p again.
func (p Path) String() string {
	s := p.Attr.String()
	if p.Filter != nil {
		s += "[" + Format(p.Filter) + "]"
		if p.Sub != "" {
			s += "." + p.Sub
		}
	}
	return s
}

func (e *Logical) String() string   { return Format(e) }
func (e *Not) String() string       { return Format(e) }
func (e *Compare) String() string   { return Format(e) }
func (e *ValuePath) String() string { return Format(e) }
