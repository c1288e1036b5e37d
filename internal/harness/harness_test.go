package harness_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/internal/harness"
	"github.com/provkit/provkit/steps"
)

func TestTagExpression(t *testing.T) {
	e, err := harness.TagExpression("", "")
	require.NoError(t, err)
	require.Equal(t, "~@keeper-differs", e)
	e, err = harness.TagExpression("rfc7644", "@must && ~@large")
	require.NoError(t, err)
	require.Equal(t, "@rfc7644 && @must && ~@large", e)
	e, err = harness.TagExpression("rfc7644", "@must and not (@large or @patch)")
	require.NoError(t, err)
	require.Equal(t, "@rfc7644 && @must && ~@large && ~@patch", e)
	_, err = harness.TagExpression("okta", "")
	var ue *harness.UsageError
	require.True(t, errors.As(err, &ue))
}

func TestCheck(t *testing.T) {
	require.NoError(t, harness.Check(harness.Config{Formats: []string{"pretty", "junit:out.xml", "cucumber:r.json"}}))
	for _, bad := range []harness.Config{
		{Formats: []string{"html"}},
		{Formats: []string{"junit:"}},
		{Formats: []string{"pretty,junit:x.xml"}},
		{Profile: "nope"},
		{Tags: "(@a,@b) && @c"},
		{Tags: "@filter && "},
		{Tags: ","},
		{Tags: "@must and"},
	} {
		err := harness.Check(bad)
		var ue *harness.UsageError
		require.True(t, errors.As(err, &ue), "%+v", bad)
	}
}

// TestCatalogue: the keeper profile runs at least 150 scenarios, the rfc7644
// profile only RFC ones, and the profiles split the Keeper/RFC conflicts.
func TestCatalogue(t *testing.T) {
	keeper, _, err := harness.Catalogue(harness.Config{})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(keeper), 150)
	rfc, _, err := harness.Catalogue(harness.Config{Profile: "rfc7644"})
	require.NoError(t, err)
	for _, s := range rfc {
		require.True(t, s.Has("@rfc7644"), s.Name)
	}
	differs := 0
	for _, s := range keeper {
		require.False(t, s.Has("@keeper-differs"), s.Name)
	}
	for _, s := range rfc {
		if s.Has("@keeper-differs") {
			differs++
		}
	}
	require.NotZero(t, differs)
}

func TestSummary(t *testing.T) {
	r := &harness.Result{Profile: "keeper", Scenarios: []harness.ScenarioResult{
		{Name: "ok one", Area: "users", Outcome: steps.Outcome{Status: steps.Passed}},
		{Name: "bad one", Area: "users", URI: "scim/users.feature", Line: 12, Rule: "create-user", Level: "must",
			Outcome: steps.Outcome{Status: steps.Failed, FailedKind: "Then", FailedStep: "the user is created",
				Reason: "expected 201 Created, got 200\n> POST http://x/Users\n> Authorization: Bearer [redacted]"}},
		{Name: "later", Area: "approval", Outcome: steps.Outcome{Status: steps.Skipped, Reason: "needs the provkit admin API"}},
	}}
	var b bytes.Buffer
	r.Summary(&b)
	out := b.String()
	for _, want := range []string{"approval", "users", "Failed (1)", "bad one", "scim/users.feature:12",
		"Then the user is created", "expected 201 Created, got 200", "Bearer [redacted]", "Skipped (1)",
		"needs the provkit admin API", "FAILED: 1 passed, 1 failed, 1 skipped"} {
		require.Contains(t, out, want)
	}
	require.False(t, r.Passed())
	require.Less(t, strings.Index(out, "approval"), strings.Index(out, "users"))
}

// TestVerdictByLevel: the verdict gives the counts by level and the share
// that ran, names the areas of which nothing ran, and with Strict a skipped
// MUST scenario fails the run.
func TestVerdictByLevel(t *testing.T) {
	sc := func(area, level string, st steps.Status) harness.ScenarioResult {
		return harness.ScenarioResult{Name: area + level, Area: area, Level: level, Outcome: steps.Outcome{Status: st}}
	}
	r := &harness.Result{Scenarios: []harness.ScenarioResult{
		sc("users", "must", steps.Passed), sc("users", "should", steps.Passed), sc("users", "must", steps.Passed),
		sc("saml", "must", steps.Skipped), sc("saml", "should", steps.Skipped), sc("jit", "may", steps.Skipped),
	}}
	require.True(t, r.Passed())
	v := r.Verdict()
	require.Equal(t, "PASSED: 3 passed, 0 failed, 3 skipped (50% of 6 ran); MUST 2/3 passed, 0 failed, 1 skipped; "+
		"SHOULD 1/2 passed, 0 failed, 1 skipped; MAY 0/1 passed, 0 failed, 1 skipped; not tested (every scenario skipped): jit, saml", v)
	r.Strict = true
	require.False(t, r.Passed())
	require.True(t, strings.HasPrefix(r.Verdict(), "FAILED: "))
	require.Contains(t, r.Verdict(), "--strict: 1 MUST scenarios skipped")
	var b bytes.Buffer
	r.Summary(&b)
	require.Contains(t, b.String(), "MUST")
	require.Contains(t, b.String(), r.Verdict())
}

// TestCatalogueRefusesEmptyAndUnknown: a selection of nothing, or a tag
// nobody has, is a usage error naming the problem, not a green run.
func TestCatalogueRefusesEmptyAndUnknown(t *testing.T) {
	for tags, want := range map[string]string{
		"@filtr":                       "unknown tag @filtr; did you mean @filter?",
		"@must and not @nosuch":        "unknown tag @nosuch",
		"@lock-on-delete and @rfc7644": "selects no scenario",
	} {
		_, _, err := harness.Catalogue(harness.Config{Tags: tags})
		var ue *harness.UsageError
		require.True(t, errors.As(err, &ue), "%s: %v", tags, err)
		require.Contains(t, err.Error(), want, tags)
	}
	sel, _, err := harness.Catalogue(harness.Config{Tags: "@must and not @large"})
	require.NoError(t, err)
	require.NotEmpty(t, sel)
	for _, s := range sel {
		require.Contains(t, s.Tags, "@must")
		require.NotContains(t, s.Tags, "@large")
	}
}

// TestTrimEvidence: the console keeps the message, request and status lines
// and headers of every exchange, and the first lines of each body.
func TestTrimEvidence(t *testing.T) {
	body := func(prefix string, n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "%s  \"line%d\": %d,\n", prefix, i, i)
		}
		return b.String()
	}
	reason := "expected 404, got 200\n" +
		"> POST http://x/Users\n> Authorization: Bearer [redacted]\n>\n" + body("> ", 20) +
		"< HTTP 201 Created (3ms)\n< Content-Type: application/scim+json\n<\n" + body("< ", 30) +
		"> GET http://x/Users/1\n> Authorization: Bearer [redacted]\n< HTTP 200 OK (1ms)\n<\n" + body("< ", 3)
	got := harness.TrimEvidence(reason, 5)
	for _, want := range []string{"expected 404, got 200", "> POST http://x/Users", "< HTTP 201 Created", "< Content-Type:",
		"> GET http://x/Users/1", "< HTTP 200 OK", `"line4"`, "… 15 more lines", "… 25 more lines", `< "line2": 2`} {
		require.Contains(t, strings.ReplaceAll(got, "  \"", "\""), strings.ReplaceAll(want, "  \"", "\""), got)
	}
	require.NotContains(t, got, `"line5"`)
	require.Equal(t, 3+1+5+1+3+5+1+4+3, strings.Count(got, "\n"), got)
	require.Equal(t, reason, harness.TrimEvidence(reason, 1000))
	long := "> GET http://x/Users?filter=a" + strings.Repeat("&p=1", 30000) + "\n"
	cut := harness.TrimEvidence(long, 5)
	require.Less(t, len(cut), 600)
	require.Contains(t, cut, "more bytes)")
}
