package features_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/features"
)

func load(t *testing.T) ([]features.Scenario, *features.Vocabulary) {
	t.Helper()
	all, err := features.Load(nil)
	require.NoError(t, err)
	v, err := features.LoadVocabulary()
	require.NoError(t, err)
	return all, v
}

// TestTagVocabulary enforces the rules of tags.txt on every scenario.
func TestTagVocabulary(t *testing.T) {
	all, v := load(t)
	used := map[string]bool{}
	for _, s := range all {
		where := s.URI + ": " + s.Name
		for _, tag := range s.Tags {
			_, ok := v.Lookup(tag)
			require.True(t, ok, "%s: tag %s is not in tags.txt", where, tag)
			used[tag] = true
		}
		for _, cat := range []string{features.CatLevel, features.CatSource, features.CatArea, features.CatRule} {
			require.Len(t, v.Only(s, cat), 1, "%s: needs exactly one %s tag, has %v", where, cat, v.Only(s, cat))
		}
		if s.Has("@keeper-differs") {
			require.True(t, s.Has("@rfc7644"), "%s: @keeper-differs marks RFC rules", where)
		}
	}
	for _, tag := range v.Tags {
		require.True(t, used[tag.Name] || tag.Name == "@may", "tags.txt lists %s but no scenario uses it", tag.Name)
	}
}

// TestScenarioShape checks the house style: unique names, one When, a Then,
// and a source named in every feature's description.
func TestScenarioShape(t *testing.T) {
	all, _ := load(t)
	names := map[string]string{}
	descs := map[string]string{}
	for _, s := range all {
		where := s.URI + ": " + s.Name
		prev, dup := names[s.Name]
		require.False(t, dup, "%s: the name is used again (first in %s); outline names need a <parameter>", where, prev)
		names[s.Name] = s.URI
		whens, thens := 0, 0
		for i, st := range s.Steps {
			switch st.Kind {
			case features.When:
				whens++
			case features.Then:
				thens++
			case features.Given:
				require.Zero(t, whens+thens, "%s: Given after When/Then (step %d)", where, i+1)
			}
		}
		require.Equal(t, 1, whens, "%s: needs exactly one When", where)
		require.NotZero(t, thens, "%s: needs a Then", where)
		require.LessOrEqual(t, len(s.Steps), 7, "%s: too many steps", where)
		require.NotEmpty(t, s.Rule, "%s: every scenario sits under a Rule", where)
		descs[s.URI] = s.FeatureDescription
	}
	for uri, desc := range descs {
		require.True(t, strings.Contains(desc, "RFC") || strings.Contains(desc, `"`),
			"%s: the feature description must name its source (an RFC section or a quoted document title)", uri)
	}
}

func TestMatch(t *testing.T) {
	tags := []string{"@keeper", "@must", "@large"}
	for expr, want := range map[string]bool{
		"":                        true,
		"@keeper":                 true,
		"@rfc7644":                false,
		"~@large":                 false,
		"~@rfc7644":               true,
		"@rfc7644,@keeper":        true,
		"@keeper && ~@large":      false,
		"@keeper && ~@x,@must":    true,
		"@keeper && @must && ~@y": true,
	} {
		require.Equal(t, want, features.Match(expr, tags), expr)
	}
}

func TestParseVocabularyErrors(t *testing.T) {
	for _, bad := range []string{"level @a", "colour @red nice", "level red nice", "level @a x\nlevel @a y"} {
		_, err := features.ParseVocabulary([]byte(bad))
		require.Error(t, err, bad)
	}
}

// citation is one "Cites <source>: ... "<quote>"" line of a Rule's
// description. An RFC or SAML source must be quoted with an RFC 2119
// requirement keyword (MUST, SHALL, REQUIRED); a Keeper document states a
// fact, so any quote of it will do.
var citation = regexp.MustCompile(`^Cites (RFC \d{4} §[0-9.]+|SAML (?:core|profiles|bindings) §[0-9.]+|Keeper "[^"]+"): [^"]*"(.+)"`)

var requirement = regexp.MustCompile(`\b(MUST|SHALL|REQUIRED)\b`)

// mustCitation reports why a @must rule's description does not cite a
// requirement ("" when it does).
func mustCitation(desc string) string {
	seen := false
	for _, line := range strings.Split(desc, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "Cites ") {
			continue
		}
		seen = true
		m := citation.FindStringSubmatch(line)
		if m == nil {
			return fmt.Sprintf("the citation %q is not `Cites <RFC nnnn §x|SAML core|profiles|bindings §x|Keeper \"Title\">: \"quote\"`", line)
		}
		if strings.HasPrefix(m[1], "Keeper ") || requirement.MatchString(m[2]) {
			return ""
		}
		return fmt.Sprintf("the quote of %s has no MUST, SHALL or REQUIRED: make the rule @should or cite the sentence that says MUST", m[1])
	}
	if seen {
		return "no citation line qualifies"
	}
	return "no `Cites <source>: \"<quoted sentence>\"` line under the Rule"
}

// TestMustCitesRequirement: every @must scenario's rule quotes the sentence
// that makes it a MUST (RFC 2119 keyword) or Keeper's statement of fact.
func TestMustCitesRequirement(t *testing.T) {
	all, _ := load(t)
	var bad []string
	seen := map[string]bool{}
	for _, s := range all {
		key := s.URI + ": " + s.Rule
		if !s.Has("@must") || seen[key] {
			continue
		}
		seen[key] = true
		if why := mustCitation(s.RuleDescription); why != "" {
			bad = append(bad, key+": "+why)
		}
	}
	require.Empty(t, bad)
	require.Greater(t, len(seen), 30, "the feature files have fewer @must rules than expected: did the loader lose them?")
}

func TestMustCitationChecker(t *testing.T) {
	for desc, ok := range map[string]bool{
		`Cites RFC 7644 §3.3: "an HTTP response SHALL be returned with HTTP status code 201 (Created)."`: true,
		`Cites RFC 7644 §3.4.1: "If successful, the server responds with HTTP status code 200 (OK)"`:     false,
		`Cites RFC 7644 §3.4.1: "clients must not"`:                                                      false,
		`Cites Keeper "API Provisioning with SCIM": "Keeper locks the account instead of deletion"`:      true,
		`Cites SAML profiles §4.1.4.5: "the enclosed assertion(s) MUST be signed."`:                      true,
		`Cites the internet: "MUST"`: false,
		`RFC 7644 §3.3 says SHALL`:   false,
		"":                           false,
		"Some text\nCites RFC 7643 §3.1: \"MUST include a non-empty \"id\" value.\"": true,
	} {
		require.Equal(t, ok, mustCitation(desc) == "", desc)
	}
}
