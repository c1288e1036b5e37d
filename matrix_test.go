package provkit_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/features"
	"github.com/provkit/provkit/internal/harness"
	"github.com/provkit/provkit/steps"
)

// faultRow is one line of the fault matrix: with the fault on, every
// scenario of the rules must fail (in the profile, default keeper).
type faultRow struct {
	fault   string // a reference fault (scim.Fault or service.Fault) or a wire fault ("wire-…")
	rules   string // rule tags, comma-separated
	profile string
}

// faultMatrix: one line per (fault, rules it breaks). Adding a fault of the
// reference is one line here.
var faultMatrix = []faultRow{
	// faults inside the reference (reference/scim/faults.go, reference/directory/service/faults.go)
	{fault: "scim-no-auth", rules: "@token-required,@discovery-protected,@token-per-node,@bearer-challenge,@auth-error-body"},
	{fault: "scim-hard-delete", rules: "@lock-on-delete,@idp-test-connection"},
	{fault: "scim-ignore-excluded", rules: "@exclude-members"},
	{fault: "scim-page-cap", rules: "@keeper-page-size"},
	{fault: "scim-wrong-total", rules: "@paging-total"},
	{fault: "scim-ignore-filter", rules: "@filter-operators,@filter-groups,@filter-invalid,@filter-no-match,@entra-unquoted-filter"},
	{fault: "scim-ignore-active", rules: "@patch-active,@active-locks,@idp-deprovision-locks,@idp-lifecycle"},
	{fault: "scim-bad-error-body", rules: "@error-body,@invalid-syntax,@patch-errors"},
	{fault: "scim-start-index-zero", rules: "@paging-window"},
	{fault: "scim-ignore-if-match", rules: "@if-match"},
	{fault: "scim-filter-case-sensitive", rules: "@filter-value-case"},
	{fault: "scim-no-allow", rules: "@method-not-allowed"},
	{fault: "scim-me-not-found", rules: "@me-not-implemented"},
	{fault: "scim-duplicate-values", rules: "@multi-value-dedupe"},
	{fault: "scim-no-search", rules: "@search-post"},
	{fault: "scim-drop-attributes", rules: "@advertised-attributes-kept"},
	{fault: "keeper-teams-active", rules: "@teams-pending,@idp-teams-pending"},
	{fault: "keeper-memberships-active", rules: "@memberships-pending,@idp-teams-pending"},
	{fault: "keeper-users-active", rules: "@users-invited,@idp-users-invited"},
	{fault: "keeper-duplicate-email", rules: "@email-unique-globally,@idp-email-owned"},
	{fault: "keeper-no-link", rules: "@same-node-link,@seats-link"},
	{fault: "rfc-reprovision-links", rules: "@duplicate-username", profile: "rfc7644"},
	{fault: "rfc-identity-email", rules: "@username-any-format", profile: "rfc7644"},
	{fault: "rfc-unchanged-bumps", rules: "@patch-no-change"},
	{fault: "rfc-remove-refills", rules: "@patch-remove-unassigns", profile: "rfc7644"},
	{fault: "keeper-remove-clears", rules: "@remove-shows-identity"},
	{fault: "keeper-seats-ignored", rules: "@seats-enforced"},
	{fault: "keeper-rotation-keeps-old", rules: "@token-rotation"},
	{fault: "keeper-sub-node-visible", rules: "@sub-nodes-separate"},
	{fault: "keeper-unique-names-ignored", rules: "@unique-group-names"},
	{fault: "keeper-approve-invited", rules: "@approval-waits-for-user"},
	{fault: "keeper-cross-node-refs", rules: "@same-node-references,@no-root-endpoint"},

	// SAML SP guards (reference/sso/faults.go) and JIT rules (reference/directory/service/sso.go)
	{fault: "sso-accept-unsigned", rules: "@saml-signature-required"},
	{fault: "sso-sign-policy-ignored", rules: "@saml-sign-policy"},
	{fault: "sso-trust-keyinfo", rules: "@saml-trusted-key"},
	{fault: "sso-read-unverified", rules: "@saml-xsw"},
	{fault: "sso-multiple-assertions", rules: "@saml-one-assertion"},
	{fault: "sso-comment-truncation", rules: "@saml-comment-injection"},
	{fault: "sso-no-expiry", rules: "@saml-expiry"},
	{fault: "sso-no-not-before", rules: "@saml-not-before"},
	{fault: "sso-no-audience", rules: "@saml-audience"},
	{fault: "sso-no-recipient", rules: "@saml-recipient"},
	{fault: "sso-no-in-response-to", rules: "@saml-in-response-to"},
	{fault: "sso-no-replay-cache", rules: "@saml-replay"},
	{fault: "sso-no-issuer-check", rules: "@saml-issuer"},
	{fault: "sso-ignore-status", rules: "@saml-status"},
	{fault: "sso-open-redirect", rules: "@saml-relay-state"},
	{fault: "sso-idp-initiated-always", rules: "@saml-idp-initiated-off"},
	{fault: "keeper-jit-invited", rules: "@jit-create"},
	{fault: "keeper-jit-ignored", rules: "@jit-off"},
	{fault: "keeper-sso-invited-stays", rules: "@jit-invited-activated"},
	{fault: "keeper-sso-locked-login", rules: "@jit-locked"},
	{fault: "keeper-sso-cross-tenant", rules: "@jit-other-enterprise"},
	{fault: "sso-cookie-no-path", rules: "@saml-sign-in"},
	{fault: "keeper-jit-check-then-act", rules: "@jit-one-user"},
	{fault: "keeper-sso-route-existing-only", rules: "@jit-domain-routing"},
	{fault: "keeper-sso-route-any-domain", rules: "@jit-domain-unreserved"},

	// wire faults (faults_test.go): a careless server in front of the reference
	{fault: "wire-no-discovery", rules: "@spc,@resource-types,@schemas"},
	{fault: "wire-bearer-case", rules: "@bearer-scheme-case"},
	{fault: "wire-create-200", rules: "@create-user,@create-group"},
	{fault: "wire-no-location", rules: "@location"},
	{fault: "wire-no-meta", rules: "@meta"},
	{fault: "wire-drop-attributes", rules: "@attributes-kept"},
	{fault: "wire-no-required-check", rules: "@username-required"},
	{fault: "wire-reads-broken", rules: "@read-resource"},
	{fault: "wire-not-found-400", rules: "@not-found"},
	{fault: "wire-delete-200", rules: "@delete-answers-204"},
	{fault: "wire-delete-locks", rules: "@delete-removes", profile: "rfc7644"},
	{fault: "wire-reject-unknown", rules: "@idp-create-shapes"},
	{fault: "wire-user-groups-hidden", rules: "@user-groups"},
	{fault: "wire-group-delete-ignored", rules: "@delete-group,@idp-test-connection"},
	{fault: "wire-members-dropped", rules: "@members-on-create"},
	{fault: "wire-put-ignored", rules: "@put-replaces"},
	{fault: "wire-put-unlocks", rules: "@put-keeps-lock"},
	{fault: "wire-patch-ignored", rules: "@patch-with-path,@membership-through-user,@idp-lifecycle"},
	{fault: "wire-patch-op-case", rules: "@entra-capitalised-ops,@idp-entra-lifecycle"},
	{fault: "wire-unquoted-filter-rejected", rules: "@entra-unquoted-filter,@idp-entra-lifecycle,@idp-entra-compliant-lifecycle"},
	{fault: "wire-string-booleans", rules: "@entra-string-booleans,@idp-entra-lifecycle"},
	{fault: "wire-pathless-rejected", rules: "@patch-pathless,@idp-pathless-keys,@idp-entra-compliant-lifecycle,@idp-okta-lifecycle"},
	{fault: "wire-value-path-rejected", rules: "@patch-value-path,@idp-entra-compliant-lifecycle,@idp-okta-lifecycle"},
	{fault: "wire-member-remove-all", rules: "@member-removal"},
	{fault: "wire-replace-as-add", rules: "@members-replace"},
	{fault: "wire-first-op-only", rules: "@patch-in-order"},
	{fault: "wire-patch-not-atomic", rules: "@patch-atomic"},
	{fault: "wire-group-patch-body", rules: "@group-patch-no-content"},
	{fault: "wire-sort-ignored", rules: "@sorting"},
	{fault: "wire-projection-ignored", rules: "@projection-attributes,@projection-excluded"},
	{fault: "wire-projection-drops-id", rules: "@returned-always"},
	{fault: "wire-no-etag", rules: "@etag-header"},
	{fault: "wire-if-none-match-ignored", rules: "@if-none-match"},
	{fault: "wire-if-match-garbled", rules: "@if-match-current"},
	{fault: "wire-version-frozen", rules: "@version-changes"},
	{fault: "wire-content-type-json", rules: "@media-type"},
	{fault: "wire-no-list-fields", rules: "@list-response"},
	{fault: "wire-lenient-emails", rules: "@email-identity"},
	{fault: "wire-invited-inactive", rules: "@invited-reads-active"},
	{fault: "wire-displayname-not-defaulted", rules: "@display-name-default"},
	{fault: "wire-groups-on-create-ignored", rules: "@groups-on-create"},
	{fault: "wire-domain-unreserved", rules: "@reserved-domain"},
	{fault: "wire-approval-ignored", rules: "@approval-activates"},
	{fault: "wire-auto-approve-ignored", rules: "@auto-approve"},
	{fault: "wire-endpoint-status-stuck", rules: "@endpoint-activation"},
}

// knownGaps are scenarios the bundled reference fails without any fault,
// with the reason; the baseline tolerates them and fails when one starts
// passing, so the list stays true. Each is reported to the reference's owner.
var knownGaps = map[string]string{}

// unbrokenRules are rules no fault breaks yet, with what is missing.
var unbrokenRules = map[string]string{}

func runFaulty(t *testing.T, row faultRow, tags string) *harness.Result {
	var refFaults []string
	var wrap func(http.Handler) http.Handler
	switch {
	case row.fault == "":
	case strings.HasPrefix(row.fault, "wire-"):
		wf, ok := wireFaults[row.fault]
		require.True(t, ok, "no wire fault %s", row.fault)
		wrap = wf
	default:
		refFaults = []string{row.fault}
	}
	tg := startReference(t, refFaults, wrap)
	cfg := tg.cfg
	cfg.Profile, cfg.Tags = row.profile, tags
	res, err := harness.Run(context.Background(), cfg)
	require.NoError(t, err)
	return res
}

// TestFaultMatrix: with each fault on, every scenario of the rules it names fails.
func TestFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	for _, row := range faultMatrix {
		t.Run(row.fault, func(t *testing.T) {
			t.Parallel()
			res := runFaulty(t, row, row.rules)
			require.NotEmpty(t, res.Scenarios, "the rules %s select no scenario", row.rules)
			for _, s := range res.Scenarios {
				require.Equal(t, steps.Failed, s.Status, "with %s on, %q (%s:%d) should fail but %s %s",
					row.fault, s.Name, s.URI, s.Line, s.Status, s.Reason)
			}
		})
	}
}

// TestNoFaultEverythingPasses: both profiles pass against the plain reference.
func TestNoFaultEverythingPasses(t *testing.T) {
	for _, profile := range []string{"keeper", "rfc7644"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			res := runFaulty(t, faultRow{profile: profile}, "")
			require.NotEmpty(t, res.Scenarios)
			var unexpected []string
			for _, s := range res.Scenarios {
				gap, known := knownGaps[profile+"/"+s.Name]
				switch {
				case s.Status == steps.Failed && known:
					t.Logf("known gap: %s: %s", s.Name, gap)
				case s.Status == steps.Failed:
					unexpected = append(unexpected, fmt.Sprintf("%s (%s:%d): %s", s.Name, s.URI, s.Line, s.Reason))
				case known:
					unexpected = append(unexpected, fmt.Sprintf("%s now passes: remove it from knownGaps", s.Name))
				case s.Status == steps.Skipped:
					unexpected = append(unexpected, fmt.Sprintf("%s was skipped against the reference: %s", s.Name, s.Reason))
				}
			}
			require.Empty(t, unexpected)
		})
	}
}

// TestFaultMatrixCoversEveryRule: every rule of the vocabulary is broken by a
// row of the matrix (or listed, with the reason, in unbrokenRules).
func TestFaultMatrixCoversEveryRule(t *testing.T) {
	v, err := features.LoadVocabulary()
	require.NoError(t, err)
	covered := map[string]bool{}
	for _, row := range faultMatrix {
		for _, r := range strings.Split(row.rules, ",") {
			tag, ok := v.Lookup(r)
			require.True(t, ok && tag.Category == features.CatRule, "the matrix names %s, which is not a rule tag", r)
			covered[r] = true
		}
	}
	var missing []string
	for _, tag := range v.In(features.CatRule) {
		if !covered[tag.Name] && unbrokenRules[tag.Name] == "" {
			missing = append(missing, tag.Name)
		}
		if covered[tag.Name] && unbrokenRules[tag.Name] != "" {
			missing = append(missing, tag.Name+" (covered now: remove it from unbrokenRules)")
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "rules without a fault that breaks them")
	for r, why := range unbrokenRules {
		t.Logf("no fault breaks %s yet: %s", r, why)
	}
}
