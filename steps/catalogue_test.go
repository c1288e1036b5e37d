package steps_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/features"
	"github.com/provkit/provkit/steps"
)

var update = flag.Bool("update", false, "rewrite docs/steps.md")

// stepPatterns returns every step expression steps.Register defines, in the
// order godog lists them.
func stepPatterns(t *testing.T) []string {
	t.Helper()
	var out bytes.Buffer
	suite := godog.TestSuite{
		Name: "catalogue",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			steps.Register(sc, &steps.Config{})
		},
		Options: &godog.Options{Format: "progress", ShowStepDefinitions: true, NoColors: true, Output: &out, FS: features.FS, Paths: features.Paths},
	}
	suite.Run()
	ansi := regexp.MustCompile("\x1b\\[[0-9;]*m")
	var pats []string
	for _, line := range strings.Split(ansi.ReplaceAllString(out.String(), ""), "\n") {
		expr, _, ok := strings.Cut(line, " # ")
		if ok {
			pats = append(pats, strings.TrimSpace(expr))
		}
	}
	require.NotEmpty(t, pats, "godog listed no step definitions:\n%s", out.String())
	return pats
}

// readable turns a step expression into the phrase a feature writer types:
// each quoted capture becomes "…".
func readable(expr string) string {
	s := strings.TrimSuffix(strings.TrimPrefix(expr, "^"), "$")
	s = regexp.MustCompile(`"\([^)]*\)"`).ReplaceAllString(s, `"…"`)
	return s
}

// TestStepCatalogue: docs/steps.md lists every step phrase the public steps
// package understands, with an example from the feature files and how often
// the suite uses it; it is generated (go test ./steps -update) and checked
// here, so it cannot go stale. Every step of the feature files matches
// exactly one phrase.
func TestStepCatalogue(t *testing.T) {
	pats := stepPatterns(t)
	all, err := features.Load(nil)
	require.NoError(t, err)
	res := make([]*regexp.Regexp, len(pats))
	for i, p := range pats {
		res[i] = regexp.MustCompile(p)
	}
	uses := make([]int, len(pats))
	example := make([]string, len(pats))
	seen := map[string]bool{}
	for _, s := range all {
		for _, st := range s.Steps {
			var hits []int
			for i, re := range res {
				if re.MatchString(st.Text) {
					hits = append(hits, i)
				}
			}
			require.Len(t, hits, 1, "%s (%s): the step %q matches %d phrases", s.Name, s.URI, st.Text, len(hits))
			i := hits[0]
			if !seen[s.URI+s.Name+st.Text] {
				uses[i]++
				seen[s.URI+s.Name+st.Text] = true
			}
			if example[i] == "" {
				example[i] = st.Text
			}
		}
	}
	var b strings.Builder
	b.WriteString("# Step phrases\n\n")
	b.WriteString("Every step phrase the public `steps` package understands (`steps.Register`), for QA teams writing their own\n")
	b.WriteString("feature files. Generated from the step definitions and the feature files by `go test ./steps -update`; a test\n")
	b.WriteString("fails when this file is stale. `\"…\"` is a quoted value of yours; other parentheses list the words accepted.\n")
	b.WriteString("\"Uses\" counts the scenarios of provkit's own suite that use the phrase.\n\n")
	fmt.Fprintf(&b, "%d phrases.\n\n| phrase | example from the suite | uses |\n|---|---|---:|\n", len(pats))
	for i, p := range pats {
		ex := example[i]
		if ex == "" {
			ex = "(not used by provkit's features)"
		} else {
			ex = "`" + ex + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %d |\n", strings.ReplaceAll(readable(p), "|", `\|`), strings.ReplaceAll(ex, "|", `\|`), uses[i])
	}
	got := b.String()
	const path = "../docs/steps.md"
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./steps -update to write docs/steps.md")
	require.Equal(t, string(want), got, "docs/steps.md is stale: run go test ./steps -update")
}
