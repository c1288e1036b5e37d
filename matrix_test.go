package provkit_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
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
	// scenarios, when set, is a regular expression: only the rules' scenarios
	// whose name matches must fail (at least one must match). A wrong twin
	// usually breaks one example of its rule, not all of them.
	scenarios string
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
	{fault: "scim-lenient-query", rules: "@query-unparsable", scenarios: `^A filter (followed by|among)`},
	// wrong twins of the filter rules (reference/scim/twins.go): each breaks the examples whose data tells it apart
	{fault: "scim-filter-co-as-sw", rules: "@filter-operators", scenarios: `^Filtering with co inside the value$`},
	{fault: "scim-filter-co-as-ew", rules: "@filter-operators", scenarios: `^Filtering with co (inside the value|in another case)$`},
	{fault: "scim-filter-sw-as-co", rules: "@filter-operators", scenarios: `^Filtering with sw on a letter found elsewhere$`},
	{fault: "scim-filter-ew-as-sw", rules: "@filter-operators", scenarios: `^Filtering with (ew|ew on a letter found elsewhere)$`},
	{fault: "scim-filter-ew-as-co", rules: "@filter-operators", scenarios: `^Filtering with ew on a letter found elsewhere$`},
	{fault: "scim-filter-eq-as-sw", rules: "@filter-operators", scenarios: `^Filtering with eq on a prefix of a value$`},
	{fault: "scim-filter-ne-ignored", rules: "@filter-operators", scenarios: `^Filtering with ne`},
	{fault: "scim-filter-ne-case-exact", rules: "@filter-operators", scenarios: `^Filtering with ne in another case$`},
	{fault: "scim-filter-not-ignored", rules: "@filter-operators", scenarios: `^Filtering with not$`},
	{fault: "scim-filter-gt-as-ge", rules: "@filter-operators", scenarios: `^Filtering with gt on a string$`},
	{fault: "scim-filter-ge-as-gt", rules: "@filter-operators", scenarios: `^Filtering with ge on a string$`},
	{fault: "scim-filter-lt-as-le", rules: "@filter-operators", scenarios: `^Filtering with lt on a string$`},
	{fault: "scim-filter-le-as-lt", rules: "@filter-operators", scenarios: `^Filtering with le on a string$`},
	{fault: "scim-filter-order-case-exact", rules: "@filter-operators", scenarios: `^Filtering with gt in another case$`},
	{fault: "scim-filter-substring-case-exact", rules: "@filter-operators", scenarios: `^Filtering with (co in another case|sw on a letter found elsewhere|ew on a letter found elsewhere)$`},
	{fault: "scim-filter-eq-case-exact", rules: "@filter-operators,@filter-value-case,@filter-groups", scenarios: `(sub-attribute in another case|still matches|displayName in another case)$`},
	{fault: "scim-filter-sub-attr-case-exact", rules: "@filter-operators", scenarios: `^Filtering with a multi-valued sub-attribute in another case$`},
	{fault: "scim-filter-case-exact-ignored", rules: "@filter-operators", scenarios: `^Filtering with a caseExact attribute in another case$`},
	{fault: "scim-filter-and-as-or", rules: "@filter-operators", scenarios: `^Filtering with (parentheses|a value path)$`},
	{fault: "scim-filter-or-binds-tighter", rules: "@filter-operators", scenarios: `^Filtering with and binding tighter than or$`},
	{fault: "scim-filter-names-case-exact", rules: "@filter-operators", scenarios: `name (in upper case|in another case)$`},
	{fault: "scim-filter-sub-names-case-exact", rules: "@filter-operators", scenarios: `^Filtering with a sub-attribute name in another case$`},
	{fault: "scim-filter-value-path-any", rules: "@filter-operators", scenarios: `^Both tests of a value filter hold on the same email$`},
	{fault: "scim-filter-value-path-ignored", rules: "@filter-operators,@filter-groups", scenarios: `^(Filtering with a value path|Filtering groups by members|Both tests of a value filter hold on the same email)$`},
	{fault: "scim-sort-case-exact", rules: "@sorting", scenarios: `without regard to case$`},
	{fault: "scim-sort-page-first", rules: "@sorting", scenarios: `^A page of a sorted list is cut after sorting$`},
	{fault: "scim-sort-order-inverted", rules: "@sorting", scenarios: `^Sorting by userName`},
	{fault: "scim-sort-sub-attr-ignored", rules: "@sorting", scenarios: `^Sorting by a sub-attribute$`},
	// wrong twins of the versioning rules (reference/scim/twins.go, reference/directory/service)
	{fault: "scim-if-match-ignored-on-delete", rules: "@if-match", scenarios: `^Deleting a user with a stale version`},
	{fault: "scim-if-match-ignored-on-put", rules: "@if-match", scenarios: `^Replacing a (user|group) with a stale version`},
	{fault: "scim-if-match-ignored-on-groups", rules: "@if-match", scenarios: `a group with a stale version`},
	{fault: "scim-if-match-star-refused", rules: "@if-match-current", scenarios: `If-Match \* succeeds$`},
	{fault: "scim-if-none-match-any", rules: "@if-none-match", scenarios: `^Reading with an old version`},
	{fault: "scim-if-none-match-users-only", rules: "@if-none-match", scenarios: `^Reading a group again`},
	{fault: "scim-version-frozen-on-put", rules: "@version-changes", scenarios: `^Replacing a user changes its version$`},
	{fault: "rfc-version-frozen-on-members", rules: "@version-changes", scenarios: `^Adding a member changes the group's version$`},
	{fault: "scim-etag-stale-on-write", rules: "@etag-header", scenarios: `replace answer`},
	{fault: "rfc-last-modified-frozen", rules: "@meta", scenarios: `^A change moves lastModified$`},
	// wrong twins of writes, write answers, list entries and multi-valued attributes (reference/scim/twins.go)
	{fault: "scim-put-unknown-creates", rules: "@not-found", scenarios: `^Replacing an unknown user`},
	{fault: "scim-patch-unknown-204", rules: "@not-found", scenarios: `^Patching an unknown`},
	{fault: "scim-delete-unknown-204", rules: "@not-found", scenarios: `^Deleting an unknown`},
	{fault: "scim-patch-answers-before", rules: "@patch-with-path", scenarios: `^A PATCH answer shows the change$`},
	{fault: "scim-put-answers-before", rules: "@put-replaces", scenarios: `^The answer to a PUT is the replaced user$`},
	{fault: "scim-list-summary", rules: "@list-response", scenarios: `^Listed users carry their attributes$`},
	{fault: "scim-list-emails-dropped", rules: "@list-response", scenarios: `^Listed users carry their attributes$`},
	{fault: "scim-list-members-dropped", rules: "@list-response", scenarios: `^Listed groups carry their members$`},
	{fault: "scim-emails-first-only", rules: "@attributes-kept,@patch-value-path", scenarios: `every email|leaves the home email`},
	{fault: "scim-emails-primary-dropped", rules: "@attributes-kept,@patch-with-path", scenarios: `every email|new primary`},
	{fault: "scim-emails-type-dropped", rules: "@attributes-kept,@patch-value-path", scenarios: `every email|through a value path`},
	{fault: "scim-primary-not-exclusive", rules: "@patch-with-path", scenarios: `^A new primary email takes primary from the old one$`},
	{fault: "scim-email-remove-all", rules: "@patch-value-path", scenarios: `^Removing the home email through a value path`},
	{fault: "scim-email-add-replaces", rules: "@patch-with-path", scenarios: `^Adding an email keeps the ones the user has$`},
	{fault: "scim-value-path-replace-all", rules: "@patch-value-path", scenarios: `leaves the home email$`},
	{fault: "scim-members-add-replaces", rules: "@patch-with-path", scenarios: `^Adding a member to a group$`},
	{fault: "scim-member-remove-first", rules: "@member-removal", scenarios: `^Removing one of three members`},
	{fault: "scim-members-empty-replace-ignored", rules: "@members-replace", scenarios: `empties a group`},
	{fault: "scim-no-allow", rules: "@method-not-allowed"},
	{fault: "scim-me-not-found", rules: "@me-not-implemented"},
	{fault: "scim-duplicate-values", rules: "@multi-value-dedupe"},
	{fault: "scim-no-search", rules: "@search-post", scenarios: `^Searching (the users|the groups|with)`},
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

	// second twins of rules that had one (reference/scim/twins.go)
	{fault: "scim-count-ignored", rules: "@paging-window", scenarios: `^A page starts at the index asked for$`},
	{fault: "scim-total-zero-on-empty-page", rules: "@paging-total", scenarios: `count=0|negative count|past the end`},
	{fault: "scim-error-status-number", rules: "@error-body"},
	{fault: "scim-patch-no-ops-accepted", rules: "@invalid-syntax", scenarios: `^A PATCH without Operations is refused$`},
	{fault: "scim-filter-lenient", rules: "@filter-invalid"},
	{fault: "scim-no-match-404", rules: "@filter-no-match"},
	{fault: "scim-create-answers-empty", rules: "@create-user,@create-group"},
	{fault: "scim-location-collection", rules: "@location"},
	{fault: "scim-delete-202", rules: "@delete-answers-204"},
	{fault: "scim-group-delete-empties", rules: "@delete-group"},
	{fault: "scim-ops-reversed", rules: "@patch-in-order", scenarios: `^A later operation overrides an earlier one`},
	{fault: "scim-patch-partial", rules: "@patch-atomic"},
	{fault: "scim-pathless-complex-ignored", rules: "@patch-pathless", scenarios: `sets a complex attribute$`},
	{fault: "scim-projection-sub-attr-whole", rules: "@projection-attributes", scenarios: `^Asking for a sub-attribute leaves its siblings out$`},
	{fault: "scim-projection-create-ignored", rules: "@projection-attributes", scenarios: `^The answer to a create can be projected$`},
	{fault: "scim-excluded-users-ignored", rules: "@projection-excluded"},
	{fault: "scim-excluded-id-removed", rules: "@returned-always", scenarios: `^Excluding the id does not remove it$`},

	{fault: "scim-auth-any-token", rules: "@token-required,@token-per-node,@bearer-challenge", scenarios: `wrong token|another node's token|Bearer challenge`},
	{fault: "scim-auth-writes-only", rules: "@token-required,@discovery-protected,@auth-error-body", scenarios: `lists the|reads the|wrong token|is a SCIM error`},
	{fault: "scim-discovery-public", rules: "@discovery-protected"},
	{fault: "scim-challenge-basic", rules: "@bearer-challenge"},
	{fault: "scim-auth-error-plain", rules: "@auth-error-body"},
	{fault: "scim-spc-string-booleans", rules: "@spc", scenarios: `supported`},
	{fault: "scim-resource-type-by-id-404", rules: "@resource-types", scenarios: `^A single resource type can be read by its id$`},
	{fault: "scim-schema-required-lost", rules: "@schemas", scenarios: `marks userName as required`},

	{fault: "scim-user-group-remove-ignored", rules: "@membership-through-user", scenarios: `removes a user from a team`},
	{fault: "scim-group-patch-200-empty", rules: "@group-patch-no-content"},
	{fault: "scim-invited-no-active", rules: "@invited-reads-active"},
	{fault: "scim-put-unlocks", rules: "@put-keeps-lock"},
	{fault: "scim-count-over-max-refused", rules: "@keeper-page-size", scenarios: `count above 1000`},
	{fault: "keeper-identity-lenient", rules: "@email-identity", scenarios: `"(bjensen@|b jensen@example.com)"`},
	{fault: "keeper-display-name-local-part", rules: "@display-name-default"},

	{fault: "scim-required-invalid-syntax", rules: "@username-required"},
	{fault: "scim-read-list-shaped", rules: "@read-resource"},
	{fault: "scim-user-groups-no-value", rules: "@user-groups"},
	{fault: "scim-members-on-create-first-only", rules: "@members-on-create"},
	{fault: "scim-error-json-type", rules: "@media-type", scenarios: `an error`},
	{fault: "rfc-username-unique-case-exact", rules: "@duplicate-username", profile: "rfc7644", scenarios: `in another case`},

	// wrong twins of Keeper's rules (reference/directory/service/faults.go)
	{fault: "keeper-empty-teams-active", rules: "@teams-pending"},
	{fault: "keeper-initial-members-active", rules: "@memberships-pending", scenarios: `when the group is created`},
	{fault: "keeper-approve-teams-only", rules: "@approval-activates", scenarios: `membership`},
	{fault: "keeper-approve-locked", rules: "@approval-waits-for-user", scenarios: `locked user`},
	{fault: "keeper-auto-approve-teams-only", rules: "@auto-approve", scenarios: `new membership is active at once`},
	{fault: "keeper-email-case-sensitive", rules: "@email-unique-globally,@idp-email-owned", scenarios: `without regard to case$`},
	{fault: "keeper-link-case-sensitive", rules: "@same-node-link", scenarios: `in upper case links to her$`},
	{fault: "keeper-unique-names-case-exact", rules: "@unique-group-names", scenarios: `differ only in case`},
	{fault: "keeper-reserved-domain-case-exact", rules: "@reserved-domain", scenarios: `written in upper case`},
	{fault: "keeper-reactivate-ignored", rules: "@active-locks,@patch-active", scenarios: `^(active true unlocks a locked user|Reactivating a deactivated user)$`},
	{fault: "scim-excluded-lists-only", rules: "@exclude-members", scenarios: `^(Reading a group without its members|Changing a group while excluding members)`},
	{fault: "scim-excluded-keeps-id-only", rules: "@exclude-members", scenarios: `^Reading a group without its members$`},
	{fault: "scim-locked-unlisted", rules: "@lock-on-delete", scenarios: `still found by userName$`},
	{fault: "keeper-delete-keeps-active", rules: "@lock-on-delete", scenarios: `^(An identity provider deprovisions Alice|An administrator sees the deprovisioned user locked)$`},

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
	{fault: "sso-open-redirect", rules: "@saml-relay-state,@saml-relay-state-path"},
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
	{fault: "wire-drop-attributes", rules: "@attributes-kept", scenarios: `^A provisioned user keeps its`},
	{fault: "wire-no-required-check", rules: "@username-required"},
	{fault: "wire-reads-broken", rules: "@read-resource"},
	{fault: "wire-not-found-400", rules: "@not-found", scenarios: `^Reading an unknown`},
	{fault: "wire-delete-200", rules: "@delete-answers-204"},
	{fault: "wire-delete-locks", rules: "@delete-removes", profile: "rfc7644"},
	{fault: "wire-reject-unknown", rules: "@idp-create-shapes"},
	{fault: "wire-user-groups-hidden", rules: "@user-groups"},
	{fault: "wire-group-ref-wrong", rules: "@user-groups"},
	{fault: "wire-group-delete-ignored", rules: "@delete-group,@idp-test-connection"},
	{fault: "wire-members-dropped", rules: "@members-on-create"},
	{fault: "wire-put-ignored", rules: "@put-replaces"},
	{fault: "wire-put-unlocks", rules: "@put-keeps-lock"},
	{fault: "wire-patch-ignored", rules: "@membership-through-user,@idp-lifecycle"},
	{fault: "wire-patch-ignored", rules: "@patch-with-path", scenarios: `^(Replacing the display name|Adding a value|Removing a|Adding a member|Renaming|A )`},
	{fault: "wire-patch-op-case", rules: "@entra-capitalised-ops,@idp-entra-lifecycle"},
	{fault: "wire-unquoted-filter-rejected", rules: "@entra-unquoted-filter,@idp-entra-lifecycle,@idp-entra-compliant-lifecycle"},
	{fault: "wire-string-booleans", rules: "@entra-string-booleans,@idp-entra-lifecycle"},
	{fault: "wire-pathless-rejected", rules: "@patch-pathless,@idp-pathless-keys,@idp-entra-compliant-lifecycle,@idp-okta-lifecycle"},
	{fault: "wire-value-path-rejected", rules: "@idp-entra-compliant-lifecycle,@idp-okta-lifecycle"},
	{fault: "wire-value-path-rejected", rules: "@patch-value-path", scenarios: `^Replacing the work email through a value path$`},
	{fault: "wire-member-remove-all", rules: "@member-removal"},
	{fault: "wire-replace-as-add", rules: "@members-replace"},
	{fault: "wire-first-op-only", rules: "@patch-in-order"},
	{fault: "wire-patch-not-atomic", rules: "@patch-atomic"},
	{fault: "wire-group-patch-body", rules: "@group-patch-no-content"},
	{fault: "wire-sort-ignored", rules: "@sorting"},
	{fault: "wire-projection-ignored", rules: "@projection-attributes,@projection-excluded"},
	{fault: "wire-projection-drops-id", rules: "@returned-always"},
	{fault: "wire-no-etag", rules: "@etag-header"},
	{fault: "wire-if-none-match-ignored", rules: "@if-none-match", scenarios: `with its current version`},
	{fault: "wire-if-match-garbled", rules: "@if-match-current"},
	{fault: "wire-version-frozen", rules: "@version-changes"},
	{fault: "wire-content-type-json", rules: "@media-type"},
	{fault: "wire-no-list-fields", rules: "@list-response", scenarios: `^A list answer carries`},
	{fault: "wire-lenient-emails", rules: "@email-identity"},
	{fault: "wire-invited-inactive", rules: "@invited-reads-active"},
	{fault: "wire-displayname-not-defaulted", rules: "@display-name-default"},
	{fault: "wire-groups-on-create-ignored", rules: "@groups-on-create"},
	{fault: "wire-domain-unreserved", rules: "@reserved-domain"},
	{fault: "wire-approval-ignored", rules: "@approval-activates"},
	{fault: "wire-auto-approve-ignored", rules: "@auto-approve"},
	{fault: "wire-endpoint-status-stuck", rules: "@endpoint-activation"},

	// second twins of rules that had one (reference/scim/twins.go, faults_test.go, reference/directory/service)
	{fault: "scim-allow-collection-methods", rules: "@method-not-allowed", scenarios: `the user "alice"`},
	{fault: "scim-me-lists-users", rules: "@me-not-implemented"},
	{fault: "scim-search-ignores-filter", rules: "@search-post", scenarios: `^Searching (the users|with|every)`},
	{fault: "scim-dedupe-case-exact", rules: "@multi-value-dedupe"},
	{fault: "wire-bearer-case-400", rules: "@bearer-scheme-case"},
	{fault: "wire-group-op-case-skipped", rules: "@entra-capitalised-ops", scenarios: `member`},
	{fault: "wire-string-booleans-truthy", rules: "@entra-string-booleans", scenarios: `"False"$`},
	{fault: "keeper-rotation-not-stored", rules: "@token-rotation"},
	{fault: "keeper-seats-conflict", rules: "@seats-enforced", scenarios: `with 428$`},
	{fault: "keeper-link-needs-seat", rules: "@seats-link"},
	{fault: "keeper-users-locked", rules: "@users-invited,@idp-users-invited"},
	{fault: "keeper-sub-node-forbidden", rules: "@sub-nodes-separate"},
	{fault: "wire-user-delete-ignored", rules: "@delete-removes", profile: "rfc7644"},
	{fault: "wire-pathless-active-ignored", rules: "@idp-deprovision-locks", scenarios: `^Okta deprovisions`},
	{fault: "keeper-user-teams-unchecked", rules: "@same-node-references", scenarios: `another node's team`},
	{fault: "keeper-endpoint-born-active", rules: "@endpoint-activation"},
	{fault: "wire-patch-errors-invalid-syntax", rules: "@patch-errors", scenarios: `remove without a path|does not parse`},

	// second twins of the rules one fault broke (issue 11; reference/scim/twins.go, reference/directory/service)
	{fault: "scim-query-param-limit", rules: "@query-unparsable", scenarios: `^A filter after a thousand other parameters`},
	{fault: "keeper-root-endpoint-stored", rules: "@no-root-endpoint"},
	{fault: "rfc-username-no-spaces", rules: "@username-any-format", profile: "rfc7644", scenarios: `B\. Jensen`},
	{fault: "scim-display-name-from-name", rules: "@patch-remove-unassigns", profile: "rfc7644", scenarios: `^Removing displayName`},
	{fault: "scim-display-name-from-name", rules: "@remove-shows-identity", scenarios: `^Removing the display name`},
	{fault: "scim-extension-dropped", rules: "@advertised-attributes-kept", scenarios: `^A user provisioned with urn:|^An attribute set by PATCH`},
	{fault: "scim-groups-on-create-by-display", rules: "@groups-on-create"},
	{fault: "scim-extension-schema-refused", rules: "@idp-create-shapes", scenarios: `^Entra ID provisions`},
	{fault: "scim-pathless-dotted-ignored", rules: "@idp-pathless-keys", scenarios: `with dotted keys$`},
	{fault: "scim-multi-valued-add-bumps", rules: "@patch-no-change", scenarios: `^Adding an email the user already has`},

	{fault: "sso-lax-redirect", rules: "@saml-relay-state-path"},
	{fault: "sso-accept-sha1", rules: "@saml-sha1"},
	// second wrong twins of the SAML and JIT rules
	{fault: "sso-expiry-skew-hours", rules: "@saml-expiry"},
	{fault: "sso-not-before-skew-hours", rules: "@saml-not-before"},
	{fault: "sso-audience-optional", rules: "@saml-audience", scenarios: `without`},
	{fault: "sso-no-destination", rules: "@saml-recipient", scenarios: `destination`},
	{fault: "sso-in-response-to-any-idp", rules: "@saml-in-response-to"},
	{fault: "keeper-jit-root-node", rules: "@jit-create"},
	{fault: "keeper-sso-lock-ignored", rules: "@jit-locked"},
	{fault: "keeper-sso-invited-refused", rules: "@jit-invited-activated"},
	{fault: "keeper-jit-off-creates", rules: "@jit-off"},
	{fault: "sso-policy-response-only", rules: "@saml-sign-policy", scenarios: `signed assertions`},
	{fault: "sso-policy-response-only", rules: "@saml-sign-in", scenarios: `entra|onelogin`},
	{fault: "sso-read-unverified", rules: "@saml-one-assertion"},
	{fault: "sso-xsw-document-order", rules: "@saml-xsw", scenarios: `xsw[1-68] `},
	{fault: "sso-issuer-response-only", rules: "@saml-issuer", scenarios: `^Only the assertion's issuer`},
	{fault: "sso-replay-by-response-id", rules: "@saml-replay", scenarios: `in a new response$`},
	{fault: "sso-sha1-method-only", rules: "@saml-sha1", scenarios: `RSA-SHA256 over SHA-1 digests$`},
	{fault: "sso-unsigned-if-solicited", rules: "@saml-signature-required", scenarios: `SP-initiated`},
	{fault: "sso-status-solicited-only", rules: "@saml-status", scenarios: `^The IdP answers with the Responder status$`},
	{fault: "sso-trust-same-subject", rules: "@saml-trusted-key"},
	{fault: "sso-relay-origin-prefix", rules: "@saml-relay-state", scenarios: `as user info$`},
	{fault: "sso-comment-nameid-only", rules: "@saml-comment-injection", scenarios: `email attribute only$`},
	{fault: "keeper-sso-route-case-exact", rules: "@jit-domain-routing", scenarios: `upper case`},
	{fault: "keeper-sso-tenant-active-only", rules: "@jit-other-enterprise"},
	{fault: "keeper-sso-route-parent-domain", rules: "@jit-domain-unreserved", scenarios: `sub-domain`},
	{fault: "keeper-jit-lock-nowait", rules: "@jit-one-user"},
	{fault: "sso-no-in-response-to", rules: "@saml-idp-initiated-off"},
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
			judged := 0
			var only *regexp.Regexp
			if row.scenarios != "" {
				only = regexp.MustCompile(row.scenarios)
			}
			for _, s := range res.Scenarios {
				if only != nil && !only.MatchString(s.Name) {
					continue
				}
				judged++
				require.Equal(t, steps.Failed, s.Status, "with %s on, %q (%s:%d) should fail but %s %s",
					row.fault, s.Name, s.URI, s.Line, s.Status, s.Reason)
			}
			require.NotZero(t, judged, "no scenario of %s is named like %q", row.rules, row.scenarios)
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

// singleTwinRules are rules broken by only one fault of the matrix, with the
// reason a second, distinct wrong implementation is not there. Entries saying
// "not written yet" are a backlog (a plausible second twin exists), not a
// claim that the rule has only one way to be wrong.
var singleTwinRules = map[string]string{}

// TestFaultMatrixTwoTwinsPerRule: every rule of the vocabulary is broken by
// at least two rows with distinct faults (or listed, with the reason, in
// singleTwinRules or unbrokenRules).
func TestFaultMatrixTwoTwinsPerRule(t *testing.T) {
	v, err := features.LoadVocabulary()
	require.NoError(t, err)
	faults := map[string]map[string]bool{}
	for _, row := range faultMatrix {
		for _, r := range strings.Split(row.rules, ",") {
			if faults[r] == nil {
				faults[r] = map[string]bool{}
			}
			faults[r][row.fault] = true
		}
	}
	var short []string
	for _, tag := range v.In(features.CatRule) {
		n, why := len(faults[tag.Name]), singleTwinRules[tag.Name]
		switch {
		case n < 2 && why == "" && unbrokenRules[tag.Name] == "":
			short = append(short, fmt.Sprintf("%s (%d distinct faults)", tag.Name, n))
		case n >= 2 && why != "":
			short = append(short, tag.Name+" (two faults now: remove it from singleTwinRules)")
		}
	}
	for r := range singleTwinRules {
		if _, ok := v.Lookup(r); !ok {
			short = append(short, r+" (singleTwinRules names no rule of the vocabulary)")
		}
	}
	sort.Strings(short)
	require.Empty(t, short, "rules broken by fewer than two distinct faults")
	for r, why := range singleTwinRules {
		t.Logf("one fault breaks %s: %s", r, why)
	}
}
