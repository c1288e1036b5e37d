package provkit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/internal/harness"
	"github.com/provkit/provkit/mockidp"
	"github.com/provkit/provkit/steps"
)

// samlAttackFaults are the reference's SAML guards that a forged identity
// gets past, with the attack rules that must catch each.
var samlAttackFaults = []faultRow{
	{fault: "sso-accept-unsigned", rules: "@saml-signature-required"},
	{fault: "sso-trust-keyinfo", rules: "@saml-trusted-key"},
	{fault: "sso-read-unverified", rules: "@saml-xsw"},
	{fault: "sso-multiple-assertions", rules: "@saml-one-assertion"},
	{fault: "sso-comment-truncation", rules: "@saml-comment-injection"},
}

// TestSAMLEveryPersona: with each IdP persona as the run's (--idp-persona),
// every @saml scenario runs against the reference (none skipped) and
// passes, and each attack rule still fails against a reference whose guard
// is off: the attacks do not depend on what the persona signs.
func TestSAMLEveryPersona(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	for _, persona := range mockidp.PersonaNames() {
		t.Run(persona, func(t *testing.T) {
			t.Parallel()
			res := runPersona(t, persona, nil, "@saml")
			require.NotEmpty(t, res.Scenarios)
			for _, s := range res.Scenarios {
				require.Equal(t, steps.Passed, s.Status, "persona %s: %q (%s:%d) %s %s",
					persona, s.Name, s.URI, s.Line, s.Status, s.Reason)
			}
			// every guard off at once (the matrix proves each alone, with the
			// generic persona): each attack of each rule still fails
			var faults, rules []string
			for _, row := range samlAttackFaults {
				faults, rules = append(faults, row.fault), append(rules, row.rules)
			}
			res = runPersona(t, persona, faults, strings.Join(rules, ","))
			require.Len(t, res.Scenarios, attacks(res.Scenarios, rules), "the rules %v select other scenarios", rules)
			require.GreaterOrEqual(t, len(res.Scenarios), 12)
			for _, s := range res.Scenarios {
				require.Equal(t, steps.Failed, s.Status, "persona %s, guards %v off: %q (%s:%d) should fail but %s %s",
					persona, faults, s.Name, s.URI, s.Line, s.Status, s.Reason)
				if s.Rule == "saml-xsw" { // the failure names who got signed in: the forged admin.<user>
					require.Contains(t, s.Reason, "signed in admin.", "persona %s: %q", persona, s.Name)
				}
			}
		})
	}
}

// attacks counts the scenarios of the rules.
func attacks(ss []harness.ScenarioResult, rules []string) int {
	n := 0
	for _, s := range ss {
		for _, r := range rules {
			if "@"+s.Rule == r {
				n++
			}
		}
	}
	return n
}

func runPersona(t *testing.T, persona string, faults []string, tags string) *harness.Result {
	tg := startReference(t, faults, nil)
	cfg := tg.cfg
	cfg.Tags, cfg.IdPPersona = tags, persona
	res, err := harness.Run(context.Background(), cfg)
	require.NoError(t, err)
	return res
}
