package features_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/features"
)

func TestTagExprBothSyntaxes(t *testing.T) {
	tags := []string{"@keeper", "@must", "@large"}
	for expr, want := range map[string]bool{
		"":                                     true,
		"@keeper":                              true,
		"not @large":                           false,
		"not @rfc7644":                         true,
		"@must and @keeper":                    true,
		"@must and not @large":                 false,
		"@rfc7644 or @keeper":                  true,
		"@rfc7644 or @x and @keeper":           false, // and binds tighter than or
		"(@rfc7644 or @x) and @keeper":         false,
		"(@rfc7644 or @must) and @keeper":      true,
		"not (@large and @must)":               false,
		"not (@large and @should)":             true,
		"@keeper && ~@large":                   false,
		"@keeper && ~@x,@must":                 true,
		"keeper && must":                       true,
		"@keeper and not (@x or @y) and @must": true,
	} {
		e, err := features.ParseTagExpr(expr)
		require.NoError(t, err, expr)
		require.Equal(t, want, e.Match(tags), expr)
		// The godog form selects the same scenarios.
		g, err := e.Godog()
		require.NoError(t, err, expr)
		require.Equal(t, want, features.Match(g, tags), "%s → %s", expr, g)
		// So does the Cucumber form it prints.
		back, err := features.ParseTagExpr(e.String())
		require.NoError(t, err, e.String())
		require.Equal(t, want, back.Match(tags), "%s → %s", expr, e.String())
	}
}

func TestTagExprRejectsBadInput(t *testing.T) {
	for _, bad := range []string{
		"@filter && ", ",", "&&", "~", "@a,,@b", "@a && (@b)", "@a and", "or @a", "not", "(@a", "@a)",
		"filter", "@a @b", "@a and and @b", "()", "@", "@a && @b c",
	} {
		_, err := features.ParseTagExpr(bad)
		require.Error(t, err, bad)
	}
}

func TestTagExprGodogFormIsBounded(t *testing.T) {
	expr := "(@a1 and @b1) or (@a2 and @b2) or (@a3 and @b3) or (@a4 and @b4) or (@a5 and @b5) or (@a6 and @b6) or (@a7 and @b7) or (@a8 and @b8) or (@a9 and @b9) or (@a10 and @b10)"
	e, err := features.ParseTagExpr(expr)
	require.NoError(t, err)
	_, err = e.Godog()
	require.Error(t, err) // 2^10 clauses
	require.Equal(t, []string{"@a1", "@a10"}, e.Tags()[:2])
}

// FuzzTagExpr: no input panics, and an expression that parses selects the
// same scenarios in its godog form and its printed Cucumber form.
func FuzzTagExpr(f *testing.F) {
	for _, s := range []string{"@a and not (@b or @c)", "@a && ~@b,@c", ",", "@a &&", "((@a))", "not not @a"} {
		f.Add(s)
	}
	sets := [][]string{{}, {"@a"}, {"@b"}, {"@a", "@b"}, {"@a", "@c"}, {"@a", "@b", "@c"}}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := features.ParseTagExpr(s)
		if err != nil {
			return
		}
		g, gerr := e.Godog()
		back, berr := features.ParseTagExpr(e.String())
		if berr != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, e.String(), berr)
		}
		for _, tags := range sets {
			want := e.Match(tags)
			if gerr == nil && features.Match(g, tags) != want {
				t.Fatalf("%q: godog form %q disagrees on %v", s, g, tags)
			}
			if back.Match(tags) != want {
				t.Fatalf("%q: printed form %q disagrees on %v", s, e.String(), tags)
			}
		}
	})
}
