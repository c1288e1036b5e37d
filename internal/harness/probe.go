package harness

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing/fstest"

	"github.com/cucumber/godog"

	"github.com/provkit/provkit/steps"
)

// probeFeature is the sign-in probeSP runs: the SP-initiated login of the
// @saml-sign-in rule, with the persona the vendor's SP trusts.
const probeFeature = `Feature: provkit pre-flight of a vendor's service provider
  Scenario: A plain sign-in at the service provider
    Given the identity provider is the "%s" persona
    When "preflight" signs in at the service provider
    Then "preflight" is signed in
`

// probeSP signs one person in, normally, at a vendor's SAML service
// provider (cfg.SP), before Run runs a selection with @saml or @jit
// scenarios. The attack scenarios pass when the SP signs nobody in, so an
// SP that refuses every response (it trusts another key, its ACS is not
// where its metadata says, the session page is wrong) would pass them all:
// a failed probe is a *ProbeError carrying the step's message and the
// exchanges, trimmed as the summary trims them, and the run does not start.
// It runs with the run's steps.Config: what the sign-in created on the
// target is removed as a scenario's is, and what cannot be is counted in the
// run's leftovers. Without cfg.SP, or with no SAML scenario selected, it
// does nothing.
func probeSP(ctx context.Context, cfg Config, scfg *steps.Config) error {
	if cfg.SP == nil || cfg.SP.IdP == nil || !selectsSAML(cfg) {
		return nil
	}
	var out steps.Outcome
	report := scfg.Report
	scfg.Report = func(_ *godog.Scenario, o steps.Outcome) { out = o }
	defer func() { scfg.Report = report }()
	persona := cfg.SP.IdP.Persona().Name
	suite := godog.TestSuite{
		Name:                "provkit-preflight",
		ScenarioInitializer: func(sc *godog.ScenarioContext) { steps.Register(sc, scfg) },
		Options: &godog.Options{
			Format:         "progress",
			Output:         io.Discard,
			Strict:         true,
			NoColors:       true,
			FS:             fstest.MapFS{"preflight.feature": {Data: fmt.Appendf(nil, probeFeature, persona)}},
			Paths:          []string{"preflight.feature"},
			DefaultContext: ctx,
		},
	}
	suite.Run()
	if out.Status == steps.Passed {
		return nil
	}
	why := out.Reason
	if out.Status == "" {
		why = "the pre-flight scenario did not run"
	}
	evidence := strings.TrimSpace(TrimEvidence(why, evidenceBodyLines))
	if out.Transcript != "" && !strings.Contains(why, out.Transcript) {
		evidence += "\n\nThe exchanges of the sign-in:\n" + TrimEvidence(out.Transcript, evidenceBodyLines)
	}
	return &ProbeError{fmt.Sprintf("the service provider %s did not sign in a valid response of the %s persona (a plain SP-initiated login), so a refused attack would prove nothing; the run stops. Check --sp-login-url, --sp-session-url, --idp-key-file and that the SP trusts this IdP's metadata (provkit idp --key-file ...).\n%s",
		cfg.SP.Metadata, persona, indent(evidence))}
}

// ProbeError is a failed pre-flight sign-in at a vendor's SP (see Run): a
// usage problem, with the evidence in its message.
type ProbeError struct{ msg string }

func (e *ProbeError) Error() string { return e.msg }

// selectsSAML reports whether the run selects a @saml or @jit scenario.
func selectsSAML(cfg Config) bool {
	sel, _, err := Catalogue(cfg)
	if err != nil {
		return false
	}
	for _, s := range sel {
		if s.Has("@saml") || s.Has("@jit") {
			return true
		}
	}
	return false
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}
