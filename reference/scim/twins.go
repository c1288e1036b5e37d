package scim

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/directory/service"
	"github.com/provkit/provkit/reference/scim/patch"
	"github.com/provkit/provkit/reference/store"

	"github.com/provkit/provkit/reference/scim/filter"
	"github.com/provkit/provkit/reference/scim/schema"
)

// Wrong twins of the filter rules (RFC 7644 §3.4.2.2): each fault makes the
// reference read a list filter the way a server with that bug does. They
// rewrite the parsed filter, so the matcher itself stays the one the clean
// reference uses.
const (
	FaultFilterCoAsSw            Fault = "scim-filter-co-as-sw"             // co tests a prefix
	FaultFilterCoAsEw            Fault = "scim-filter-co-as-ew"             // co tests a suffix
	FaultFilterSwAsCo            Fault = "scim-filter-sw-as-co"             // sw tests a substring
	FaultFilterEwAsSw            Fault = "scim-filter-ew-as-sw"             // ew tests a prefix
	FaultFilterEwAsCo            Fault = "scim-filter-ew-as-co"             // ew tests a substring
	FaultFilterEqAsSw            Fault = "scim-filter-eq-as-sw"             // eq tests a prefix
	FaultFilterNeIgnored         Fault = "scim-filter-ne-ignored"           // ne matches everything
	FaultFilterNeCaseExact       Fault = "scim-filter-ne-case-exact"        // ne compares case-sensitively
	FaultFilterNotIgnored        Fault = "scim-filter-not-ignored"          // not ( x ) read as x
	FaultFilterGtAsGe            Fault = "scim-filter-gt-as-ge"             // gt includes equal values
	FaultFilterGeAsGt            Fault = "scim-filter-ge-as-gt"             // ge excludes equal values
	FaultFilterLtAsLe            Fault = "scim-filter-lt-as-le"             // lt includes equal values
	FaultFilterLeAsLt            Fault = "scim-filter-le-as-lt"             // le excludes equal values
	FaultFilterOrderCaseExact    Fault = "scim-filter-order-case-exact"     // gt/ge/lt/le compare bytes, case-sensitively
	FaultFilterSubstrCaseExact   Fault = "scim-filter-substring-case-exact" // co/sw/ew compare case-sensitively
	FaultFilterEqCaseExact       Fault = "scim-filter-eq-case-exact"        // eq compares case-sensitively, every attribute
	FaultFilterSubAttrCaseExact  Fault = "scim-filter-sub-attr-case-exact"  // sub-attributes (emails.value) compare case-sensitively
	FaultFilterCaseExactIgnored  Fault = "scim-filter-case-exact-ignored"   // caseExact attributes (externalId) compare case-insensitively
	FaultFilterAndAsOr           Fault = "scim-filter-and-as-or"            // and read as or
	FaultFilterOrBindsTighter    Fault = "scim-filter-or-binds-tighter"     // a or b and c read as (a or b) and c
	FaultFilterNamesCaseExact    Fault = "scim-filter-names-case-exact"     // attribute names must be written in the schema's case
	FaultFilterSubNamesCaseExact Fault = "scim-filter-sub-names-case-exact" // sub-attribute names must be written in the schema's case
	FaultFilterValuePathAny      Fault = "scim-filter-value-path-any"       // a value filter's tests may hold on different values
	FaultFilterValuePathIgnored  Fault = "scim-filter-value-path-ignored"   // attr[filter] read as attr pr
)

// twinFilter rewrites a parsed, validated list filter for the filter faults
// that are on; with none on it returns e unchanged.
func twinFilter(fs Faults, rt *schema.ResourceType, e filter.Expr) filter.Expr {
	if len(fs) == 0 {
		return e
	}
	return twinExpr(fs, rt, e, filter.AttrPath{})
}

var opTwins = map[Fault][2]string{
	FaultFilterCoAsSw: {"co", "sw"}, FaultFilterCoAsEw: {"co", "ew"}, FaultFilterSwAsCo: {"sw", "co"},
	FaultFilterEwAsSw: {"ew", "sw"}, FaultFilterEwAsCo: {"ew", "co"}, FaultFilterEqAsSw: {"eq", "sw"},
	FaultFilterGtAsGe: {"gt", "ge"}, FaultFilterGeAsGt: {"ge", "gt"}, FaultFilterLtAsLe: {"lt", "le"},
	FaultFilterLeAsLt: {"le", "lt"},
}

// twinExpr rewrites e; parent is the attribute of the enclosing value path.
func twinExpr(fs Faults, rt *schema.ResourceType, e filter.Expr, parent filter.AttrPath) filter.Expr {
	switch e := e.(type) {
	case *filter.Logical:
		l, r := twinExpr(fs, rt, e.Left, parent), twinExpr(fs, rt, e.Right, parent)
		op := e.Op
		if op == "and" && fs.Has(FaultFilterAndAsOr) {
			op = "or"
		}
		if rl, ok := r.(*filter.Logical); ok && op == "or" && rl.Op == "and" && fs.Has(FaultFilterOrBindsTighter) {
			return &filter.Logical{Op: "and", Left: &filter.Logical{Op: "or", Left: l, Right: rl.Left}, Right: rl.Right}
		}
		return &filter.Logical{Op: op, Left: l, Right: r}
	case *filter.Not:
		x := twinExpr(fs, rt, e.X, parent)
		if fs.Has(FaultFilterNotIgnored) {
			return x
		}
		return &filter.Not{X: x}
	case *filter.ValuePath:
		if fs.Has(FaultFilterValuePathIgnored) {
			return twinExpr(fs, rt, &filter.Compare{Attr: e.Attr, Op: "pr"}, parent)
		}
		if fs.Has(FaultFilterValuePathAny) {
			return twinExpr(fs, rt, flattenValuePath(e.Filter, e.Attr), parent)
		}
		return &filter.ValuePath{Attr: e.Attr, Filter: twinExpr(fs, rt, e.Filter, e.Attr)}
	case *filter.Compare:
		c := *e
		for f, ops := range opTwins {
			if fs.Has(f) && e.Op == ops[0] {
				c.Op = ops[1]
			}
		}
		if fs.Has(FaultFilterNeIgnored) && e.Op == "ne" {
			return &filter.Logical{Op: "or", Left: &filter.Compare{Attr: e.Attr, Op: "pr"},
				Right: &filter.Not{X: &filter.Compare{Attr: e.Attr, Op: "pr"}}}
		}
		sub := parent.Name != "" || c.Attr.Sub != ""
		switch {
		case fs.Has(FaultFilterNeCaseExact) && e.Op == "ne",
			fs.Has(FaultFilterEqCaseExact) && e.Op == "eq",
			fs.Has(FaultFilterOrderCaseExact) && (e.Op == "gt" || e.Op == "ge" || e.Op == "lt" || e.Op == "le"),
			fs.Has(FaultFilterSubstrCaseExact) && (e.Op == "co" || e.Op == "sw" || e.Op == "ew"),
			fs.Has(FaultFilterSubAttrCaseExact) && sub:
			c.Case = filter.CaseAlwaysExact
		case fs.Has(FaultFilterCaseExactIgnored):
			c.Case = filter.CaseNeverExact
		}
		if (fs.Has(FaultFilterNamesCaseExact) || fs.Has(FaultFilterSubNamesCaseExact)) && !namedExactly(fs, rt, c.Attr, parent) {
			c.Attr = filter.AttrPath{Name: "noSuchAttribute"}
		}
		return &c
	}
	return e
}

// flattenValuePath turns the value filter of attr[...] into tests on
// attr.sub, each free to hold on a different value (FaultFilterValuePathAny).
func flattenValuePath(e filter.Expr, attr filter.AttrPath) filter.Expr {
	switch e := e.(type) {
	case *filter.Logical:
		return &filter.Logical{Op: e.Op, Left: flattenValuePath(e.Left, attr), Right: flattenValuePath(e.Right, attr)}
	case *filter.Not:
		return &filter.Not{X: flattenValuePath(e.X, attr)}
	case *filter.Compare:
		c := *e
		c.Attr = filter.AttrPath{URI: attr.URI, Name: attr.Name, Sub: e.Attr.Name}
		return &c
	}
	return e
}

// namedExactly reports whether a filter names the attribute in the schema's
// own case (top-level name unless only sub-attribute names are checked).
func namedExactly(fs Faults, rt *schema.ResourceType, a, parent filter.AttrPath) bool {
	name, sub := a.Name, a.Sub
	if parent.Name != "" {
		name, sub = parent.Name, a.Name
	}
	top, rest := name, ""
	for i := 0; i < len(name); i++ {
		if name[i] == '.' {
			top, rest = name[:i], name[i+1:]
			break
		}
	}
	if sub == "" {
		sub = rest
	}
	uri := a.URI
	if parent.Name != "" {
		uri = parent.URI
	}
	ref, ok := rt.Lookup(uri, top, sub)
	if !ok {
		return true
	}
	if sub != "" && sub != ref.Sub {
		return false
	}
	return fs.Has(FaultFilterSubNamesCaseExact) && !fs.Has(FaultFilterNamesCaseExact) || top == ref.Name
}

// Wrong twins of the sorting rule (RFC 7644 §3.4.2.3).
const (
	FaultSortCaseExact      Fault = "scim-sort-case-exact"       // strings sorted by bytes, upper case first
	FaultSortPageFirst      Fault = "scim-sort-page-first"       // the page is cut first, then sorted
	FaultSortOrderInverted  Fault = "scim-sort-order-inverted"   // ascending and descending swapped
	FaultSortSubAttrIgnored Fault = "scim-sort-sub-attr-ignored" // sortBy a sub-attribute leaves the list unsorted
)

// sortList sorts a list's matches by p.sortBy (sortMaps), or the way a
// server with one of the sort faults does.
func sortList(fs Faults, rt *schema.ResourceType, maps []map[string]any, p listParams) {
	if fs.Has(FaultSortSubAttrIgnored) && strings.Contains(p.sortBy, ".") {
		return
	}
	if fs.Has(FaultSortPageFirst) {
		lo, hi := p.page(len(maps))
		maps = maps[lo:hi]
	}
	sortMaps(rt, maps, p.sortBy, p.sortDesc != fs.Has(FaultSortOrderInverted), fs.Has(FaultSortCaseExact))
}

// Wrong twins of the versioning rules (RFC 7644 §3.14).
const (
	FaultIfMatchIgnoredOnDelete Fault = "scim-if-match-ignored-on-delete" // DELETE does not check If-Match
	FaultIfMatchIgnoredOnPut    Fault = "scim-if-match-ignored-on-put"    // PUT does not check If-Match
	FaultIfMatchIgnoredOnGroups Fault = "scim-if-match-ignored-on-groups" // only users' changes check If-Match
	FaultIfMatchStarRefused     Fault = "scim-if-match-star-refused"      // If-Match: * is read as a version and fails
	FaultIfNoneMatchAny         Fault = "scim-if-none-match-any"          // any If-None-Match answers 304, an old version too
	FaultIfNoneMatchUsersOnly   Fault = "scim-if-none-match-users-only"   // groups ignore If-None-Match
	FaultVersionFrozenOnPut     Fault = "scim-version-frozen-on-put"      // PUT keeps the version
	FaultETagStaleOnWrite       Fault = "scim-etag-stale-on-write"        // the ETag of a PUT/PATCH answer is the version before the change
)

// ignoresIfMatch is FaultIgnoreIfMatch and its partial twins.
func (q *request) ignoresIfMatch() bool {
	fs := q.faults
	return fs.Has(FaultIgnoreIfMatch) ||
		fs.Has(FaultIfMatchIgnoredOnDelete) && q.r.Method == http.MethodDelete ||
		fs.Has(FaultIfMatchIgnoredOnPut) && q.r.Method == http.MethodPut ||
		fs.Has(FaultIfMatchIgnoredOnGroups) && strings.Contains(q.r.URL.Path, "/Groups/")
}

// notModified reports whether a read carrying If-None-Match answers 304: the
// header names the current version, or is *.
func (q *request) notModified(version int64, group bool) bool {
	inm := q.r.Header.Get("If-None-Match")
	if inm == "" || group && q.faults.Has(FaultIfNoneMatchUsersOnly) {
		return false
	}
	return inm == etag(version) || inm == "*" || q.faults.Has(FaultIfNoneMatchAny)
}

// answeredVersion is the version a resource's answer names in its ETag.
func (q *request) answeredVersion(v int64) int64 {
	if q.faults.Has(FaultETagStaleOnWrite) && (q.r.Method == http.MethodPut || q.r.Method == http.MethodPatch) {
		return v - 1
	}
	return v
}

// unbumpUser gives an updated user its previous version back
// (FaultVersionFrozenOnPut).
func (a *API) unbumpUser(q *request, u directory.User) (directory.User, error) {
	u.Version--
	err := a.svc.Store().Update(context.WithoutCancel(q.ctx), func(tx store.Tx) error { return tx.UpdateUser(q.ctx, u) })
	return u, err
}

// Wrong twins of writes: unknown ids, write answers, list entries,
// multi-valued attributes and member lists.
const (
	FaultPutUnknownCreates      Fault = "scim-put-unknown-creates"           // PUT /Users/{unknown id} creates a user
	FaultPatchUnknownNoContent  Fault = "scim-patch-unknown-204"             // PATCH of an unknown id answers 204
	FaultDeleteUnknownNoContent Fault = "scim-delete-unknown-204"            // DELETE of an unknown id answers 204
	FaultPatchAnswersBefore     Fault = "scim-patch-answers-before"          // a user PATCH answers the user as it was before
	FaultPutAnswersBefore       Fault = "scim-put-answers-before"            // a PUT answers the resource as it was before
	FaultListSummary            Fault = "scim-list-summary"                  // list entries carry only schemas, id, the name attribute and meta
	FaultListEmailsDropped      Fault = "scim-list-emails-dropped"           // list entries carry no emails
	FaultListMembersDropped     Fault = "scim-list-members-dropped"          // group list entries carry no members
	FaultEmailsFirstOnly        Fault = "scim-emails-first-only"             // a user keeps only its first email
	FaultEmailsPrimaryDropped   Fault = "scim-emails-primary-dropped"        // primary is not kept
	FaultEmailsTypeDropped      Fault = "scim-emails-type-dropped"           // an email's type is not kept
	FaultPrimaryNotExclusive    Fault = "scim-primary-not-exclusive"         // a new primary email leaves the old one primary
	FaultEmailRemoveAll         Fault = "scim-email-remove-all"              // remove emails[filter] removes every email
	FaultEmailAddReplaces       Fault = "scim-email-add-replaces"            // add emails replaces the list
	FaultValuePathReplaceAll    Fault = "scim-value-path-replace-all"        // replace emails[filter].value changes every email
	FaultMembersAddReplaces     Fault = "scim-members-add-replaces"          // adding members replaces the member list
	FaultMemberRemoveFirst      Fault = "scim-member-remove-first"           // removing a member removes the first one(s) of the list
	FaultMembersEmptyIgnored    Fault = "scim-members-empty-replace-ignored" // replacing members with [] changes nothing
	FaultExcludedListsOnly      Fault = "scim-excluded-lists-only"           // excludedAttributes is honoured on group lists only, not on reads and writes
	FaultExcludedKeepsIDOnly    Fault = "scim-excluded-keeps-id-only"        // excludedAttributes on a group leaves only its id
	FaultLockedUnlisted         Fault = "scim-locked-unlisted"               // a locked (deprovisioned) user is left out of filtered lists
)

// unknownWrite answers a write to an unknown id the way a server with
// FaultPatchUnknownNoContent or FaultDeleteUnknownNoContent does; it reports
// whether it answered.
func (q *request) unknownWrite(err error) bool {
	if toSCIM(err).Status != http.StatusNotFound {
		return false
	}
	if q.r.Method == http.MethodPatch && q.faults.Has(FaultPatchUnknownNoContent) ||
		q.r.Method == http.MethodDelete && q.faults.Has(FaultDeleteUnknownNoContent) {
		q.w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// twinItems edits the encoded entries of a list answer for the list faults.
func twinItems(fs Faults, items [][]byte) [][]byte {
	if !fs.Has(FaultListSummary) && !fs.Has(FaultListEmailsDropped) && !fs.Has(FaultListMembersDropped) {
		return items
	}
	out := make([][]byte, 0, len(items))
	for _, it := range items {
		var m map[string]any
		if json.Unmarshal(it, &m) != nil {
			out = append(out, it)
			continue
		}
		if fs.Has(FaultListSummary) {
			for k := range m {
				switch k {
				case "schemas", "id", "userName", "displayName", "meta":
					if k == "displayName" && m["userName"] != nil {
						delete(m, k)
					}
				default:
					delete(m, k)
				}
			}
		}
		if fs.Has(FaultListEmailsDropped) {
			delete(m, "emails")
		}
		if fs.Has(FaultListMembersDropped) {
			delete(m, "members")
		}
		b, _ := json.Marshal(m)
		out = append(out, b)
	}
	return out
}

// twinEmails changes the emails a user is stored with for the email faults.
func twinEmails(fs Faults, in *service.UserInput) {
	if fs.Has(FaultEmailsFirstOnly) && len(in.Emails) > 1 {
		in.Emails = in.Emails[:1]
	}
	for i := range in.Emails {
		if fs.Has(FaultEmailsPrimaryDropped) {
			in.Emails[i].Primary = false
		}
		if fs.Has(FaultEmailsTypeDropped) {
			in.Emails[i].Type = ""
		}
	}
}

// twinOps rewrites a user PATCH's operations for the email, order and
// path-less faults.
func twinOps(fs Faults, ops []patch.Operation) []patch.Operation {
	out := make([]patch.Operation, len(ops))
	for i, op := range ops {
		if fs.Has(FaultOpsReversed) {
			op = ops[len(ops)-1-i]
		}
		p := strings.ToLower(op.Path)
		if obj, ok := op.Value.(map[string]any); ok && p == "" && fs.Has(FaultPathlessComplexLost) {
			kept := map[string]any{}
			for k, v := range obj {
				if _, complex := v.(map[string]any); !complex {
					kept[k] = v
				}
			}
			op.Value = kept
		}
		switch {
		case fs.Has(FaultEmailRemoveAll) && strings.EqualFold(op.Op, patch.OpRemove) && strings.HasPrefix(p, "emails["):
			op.Path = "emails"
		case fs.Has(FaultEmailAddReplaces) && strings.EqualFold(op.Op, patch.OpAdd) && p == "emails":
			op.Op = patch.OpReplace
		}
		out[i] = op
	}
	return out
}

// replaceEveryEmail is FaultValuePathReplaceAll: a replace of
// emails[filter].value sets the value of every email, not only the matching ones.
func replaceEveryEmail(ops []patch.Operation, next map[string]any) {
	for _, op := range ops {
		p := strings.ToLower(op.Path)
		if v, ok := op.Value.(string); ok && strings.EqualFold(op.Op, patch.OpReplace) && strings.HasPrefix(p, "emails[") && strings.HasSuffix(p, "].value") {
			for _, e := range asObjects(next["emails"]) {
				e["value"] = v
			}
		}
	}
}

// keepOldPrimary is FaultPrimaryNotExclusive: the email that was primary
// before the PATCH is primary again, next to the new one.
func keepOldPrimary(cur, next map[string]any) {
	var old string
	for _, e := range asObjects(cur["emails"]) {
		if e["primary"] == true {
			old, _ = e["value"].(string)
		}
	}
	for _, e := range asObjects(next["emails"]) {
		if v, _ := e["value"].(string); v == old && old != "" {
			e["primary"] = true
		}
	}
}

func asObjects(v any) []map[string]any {
	arr, _ := v.([]any)
	var out []map[string]any
	for _, x := range arr {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// twinMemberOps rewrites membership changes for the member faults; cur reads
// the current member (or group) list.
func twinMemberOps(fs Faults, ops []service.MemberOp, cur func() ([]any, error)) ([]service.MemberOp, error) {
	out := make([]service.MemberOp, 0, len(ops))
	for _, mo := range ops {
		switch {
		case fs.Has(FaultMembersAddReplaces) && mo.Op == service.MembersAdd:
			mo.Op = service.MembersReplace
		case fs.Has(FaultMembersEmptyIgnored) && mo.Op == service.MembersReplace && len(mo.IDs) == 0:
			continue
		case fs.Has(FaultMemberRemoveFirst) && mo.Op == service.MembersRemove && len(mo.IDs) > 0:
			list, err := cur()
			if err != nil {
				return nil, err
			}
			var ids []string
			for _, e := range asObjects(list) {
				if v, ok := e["value"].(string); ok && len(ids) < len(mo.IDs) {
					ids = append(ids, v)
				}
			}
			mo.IDs = ids
		}
		out = append(out, mo)
	}
	return out, nil
}

// Second twins of rules that had one: paging, errors, creates, deletes,
// PATCH semantics and projection.
const (
	FaultCountIgnored         Fault = "scim-count-ignored"             // count does not limit the page
	FaultTotalZeroOnEmptyPage Fault = "scim-total-zero-on-empty-page"  // an empty page reports totalResults 0
	FaultErrorStatusNumber    Fault = "scim-error-status-number"       // an error's status is a JSON number
	FaultPatchNoOpsAccepted   Fault = "scim-patch-no-ops-accepted"     // a user PATCH without Operations is a no-op 200
	FaultFilterLenient        Fault = "scim-filter-lenient"            // a filter that does not parse is ignored
	FaultNoMatchNotFound      Fault = "scim-no-match-404"              // a user filter matching nothing answers 404
	FaultCreateAnswersEmpty   Fault = "scim-create-answers-empty"      // 201 with an empty object, no id
	FaultLocationCollection   Fault = "scim-location-collection"       // Location names the collection, not the resource
	FaultDeleteAccepted       Fault = "scim-delete-202"                // DELETE answers 202 Accepted
	FaultGroupDeleteEmpties   Fault = "scim-group-delete-empties"      // DELETE /Groups only removes the members
	FaultOpsReversed          Fault = "scim-ops-reversed"              // a user PATCH applies its operations last first
	FaultPatchPartial         Fault = "scim-patch-partial"             // the operations before a failing one are kept
	FaultPathlessComplexLost  Fault = "scim-pathless-complex-ignored"  // a path-less value's complex attributes are dropped
	FaultProjectionSubWhole   Fault = "scim-projection-sub-attr-whole" // attributes=name.givenName returns all of name
	FaultProjectionCreateOff  Fault = "scim-projection-create-ignored" // a create's answer is not projected
	FaultExcludedUsersIgnored Fault = "scim-excluded-users-ignored"    // excludedAttributes ignored on a user's answer
	FaultExcludedIDRemoved    Fault = "scim-excluded-id-removed"       // excludedAttributes=id removes the id
)

// twinTotal is the totalResults a list answer reports.
func twinTotal(fs Faults, total, items int) int {
	if items == 0 && fs.Has(FaultTotalZeroOnEmptyPage) {
		return 0
	}
	return total
}

// deletedStatus is the status of a successful DELETE.
func (q *request) deletedStatus() int {
	if q.faults.Has(FaultDeleteAccepted) {
		return http.StatusAccepted
	}
	return http.StatusNoContent
}

// twinProjection changes a user answer's projection for the projection faults.
func twinProjection(q *request, attrs, excl []string) ([]string, []string) {
	fs := q.faults
	if fs.Has(FaultProjectionCreateOff) && q.r.Method == http.MethodPost {
		return nil, nil
	}
	if fs.Has(FaultExcludedUsersIgnored) {
		excl = nil
	}
	if fs.Has(FaultProjectionSubWhole) {
		out := make([]string, 0, len(attrs))
		for _, a := range attrs {
			top, _, _ := strings.Cut(a, ".")
			out = append(out, top)
		}
		if attrs != nil {
			attrs = out
		}
	}
	return attrs, excl
}

// withoutKey removes a top-level attribute from an encoded resource.
func withoutKey(body []byte, key string) []byte {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	delete(m, key)
	b, _ := json.Marshal(m)
	return b
}

// keepDecodablePrefix is FaultPatchPartial for a request whose later
// operation does not even decode: the operations before it are applied.
func (a *API) keepDecodablePrefix(q *request, id int64, body []byte) {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return
	}
	raw, _ := m["Operations"].([]any)
	for i := len(raw) - 1; i > 0; i-- {
		b, _ := json.Marshal(map[string]any{"schemas": m["schemas"], "Operations": raw[:i]})
		ops, err := patch.Decode(b)
		if err != nil {
			continue
		}
		u, err := a.svc.GetUser(q.ctx, q.node, id)
		if err != nil {
			return
		}
		teams, err := a.svc.Store().UserTeams(q.ctx, u.ID)
		if err != nil {
			return
		}
		a.keepPrefix(q, u, teams, append(ops, patch.Operation{Op: "fail"})) // keepPrefix drops the last operation
		return
	}
}

// keepPrefix is FaultPatchPartial: it stores the longest prefix of the
// operations that applies, before the PATCH fails.
func (a *API) keepPrefix(q *request, u directory.User, teams []store.UserTeam, ops []patch.Operation) {
	for i := len(ops) - 1; i > 0; i-- {
		next, err := patch.Apply(schema.UserType, userMap(u, teams, q.base), ops[:i])
		if err == nil {
			_, _ = a.svc.UpdateUser(q.ctx, q.node, u.ID, u.Version, userInput(next, q.faults), nil)
			return
		}
	}
}

// Second twins of the authentication and discovery rules.
const (
	FaultAuthAnyToken            Fault = "scim-auth-any-token"          // any non-empty bearer token is accepted
	FaultAuthWritesOnly          Fault = "scim-auth-writes-only"        // reads (GET) need no token
	FaultDiscoveryPublic         Fault = "scim-discovery-public"        // discovery resources need no token
	FaultChallengeBasic          Fault = "scim-challenge-basic"         // a 401 challenges for Basic credentials
	FaultAuthErrorPlain          Fault = "scim-auth-error-plain"        // a 401 is a plain-text body
	FaultSPCStringBooleans       Fault = "scim-spc-string-booleans"     // ServiceProviderConfig says "true", not true
	FaultResourceTypeByIDMissing Fault = "scim-resource-type-by-id-404" // /ResourceTypes/{id} is not served
	FaultSchemaRequiredLost      Fault = "scim-schema-required-lost"    // Schemas marks no attribute required
)

var discoveryResources = map[string]bool{"ServiceProviderConfig": true, "ResourceTypes": true, "Schemas": true}

// authTwin reports whether an authentication fault lets the request in
// although authenticate refused it.
func (a *API) authTwin(r *http.Request, resource string) bool {
	fs := a.opt.Faults
	tok, hasToken := cutPrefixFold(r.Header.Get("Authorization"), "Bearer ")
	return fs.Has(FaultAuthAnyToken) && hasToken && strings.TrimSpace(tok) != "" ||
		fs.Has(FaultAuthWritesOnly) && r.Method == http.MethodGet ||
		fs.Has(FaultDiscoveryPublic) && discoveryResources[resource]
}

// writeAuthTwin writes a refusal the way the challenge and body faults do.
func (a *API) writeAuthTwin(w http.ResponseWriter, err error) bool {
	fs := a.opt.Faults
	if toSCIM(err).Status != http.StatusUnauthorized || !fs.Has(FaultChallengeBasic) && !fs.Has(FaultAuthErrorPlain) {
		return false
	}
	if fs.Has(FaultChallengeBasic) {
		se := toSCIM(err)
		w.Header().Set("WWW-Authenticate", `Basic realm="SCIM"`)
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(se.Status)
		_ = json.NewEncoder(w).Encode(errorBody{Schemas: []string{schema.ErrorURN}, Status: strconv.Itoa(se.Status), Detail: se.Detail})
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte("Unauthorized\n"))
	return true
}

// stringBooleans turns every boolean of a discovery document into a string.
func stringBooleans(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = stringBooleans(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = stringBooleans(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = stringBooleans(e)
		}
		return out
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	return v
}

// notRequired marks every attribute of a Schemas document not required.
func notRequired(v any) any {
	b, _ := json.Marshal(v)
	var m any
	_ = json.Unmarshal(b, &m)
	var walk func(any)
	walk = func(x any) {
		switch y := x.(type) {
		case map[string]any:
			if _, ok := y["required"]; ok {
				y["required"] = false
			}
			for _, e := range y {
				walk(e)
			}
		case []any:
			for _, e := range y {
				walk(e)
			}
		}
	}
	walk(m)
	return m
}

// Second twins of Keeper rules served by the SCIM layer.
const (
	FaultInvitedNoActive     Fault = "scim-invited-no-active"      // an invited user's answer has no active attribute
	FaultPutUnlocks          Fault = "scim-put-unlocks"            // a PUT without active makes the user active
	FaultCountOverMaxRefused Fault = "scim-count-over-max-refused" // a count above the page maximum is refused, not capped
)

// More second twins of the SCIM rules.
const (
	FaultRequiredInvalidSyntax    Fault = "scim-required-invalid-syntax"      // a missing required attribute is invalidSyntax, not invalidValue
	FaultReadListShaped           Fault = "scim-read-list-shaped"             // GET by id answers a ListResponse holding the resource
	FaultUserGroupsNoValue        Fault = "scim-user-groups-no-value"         // a user's groups carry display names but no value
	FaultMembersOnCreateFirstOnly Fault = "scim-members-on-create-first-only" // a group created with members keeps the first
	FaultErrorJSONType            Fault = "scim-error-json-type"              // error answers are application/json
	FaultUserGroupRemoveIgnored   Fault = "scim-user-group-remove-ignored"    // removing a group through the user\'s PATCH is ignored
	FaultGroupPatchEmpty200       Fault = "scim-group-patch-200-empty"        // a group PATCH answers 200 with no body instead of 204
)

// Second twins of protocol rules that had one wrong implementation.
const (
	FaultAllowCollectionMethods Fault = "scim-allow-collection-methods" // every 405 answers one fixed Allow: GET, POST
	FaultMeListsUsers           Fault = "scim-me-lists-users"           // /Me is routed like /Users and answers the node's ListResponse
	FaultSearchIgnoresFilter    Fault = "scim-search-ignores-filter"    // POST /.search reads paging and projection but drops the body's filter
	FaultDedupeCaseExact        Fault = "scim-dedupe-case-exact"        // repeated values are dropped only when value and type are written alike
)

// jsonTyped is a ResponseWriter whose Content-Type ends up application/json
// (FaultErrorJSONType).
type jsonTyped struct{ http.ResponseWriter }

func (w jsonTyped) WriteHeader(code int) {
	w.Header().Set("Content-Type", "application/json")
	w.ResponseWriter.WriteHeader(code)
}

// groupsWithoutValue drops the value of each entry of a user's groups.
func groupsWithoutValue(body []byte) []byte {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	for _, g := range asObjects(m["groups"]) {
		delete(g, "value")
	}
	b, _ := json.Marshal(m)
	return b
}

// Second twins of the rules one fault broke (issue 11): each is a wrong
// implementation distinct from the first, and the rule's data tells it from
// the right behaviour.
const (
	FaultQueryParamLimit         Fault = "scim-query-param-limit"           // only the first 1000 query parameters are read, the rest dropped silently
	FaultDisplayNameFromName     Fault = "scim-display-name-from-name"      // a user without a displayName shows its name (given and family) as one
	FaultExtensionDropped        Fault = "scim-extension-dropped"           // the enterprise extension's attributes are dropped, the core ones kept
	FaultGroupsOnCreateByDisplay Fault = "scim-groups-on-create-by-display" // groups on POST /Users are looked up by display (the team name); a value alone joins nothing
	FaultExtensionSchemaRefused  Fault = "scim-extension-schema-refused"    // a create whose schemas names an extension URN is refused (400 invalidValue)
	FaultPathlessDottedIgnored   Fault = "scim-pathless-dotted-ignored"     // a path-less value's keys are read as top-level attribute names: dotted and URN-qualified keys are skipped
	FaultMultiValuedAddBumps     Fault = "scim-multi-valued-add-bumps"      // an add to a multi-valued attribute counts as a change even when the value is there
)

// queryParamLimit is FaultQueryParamLimit's limit: PHP's max_input_vars and
// the qs package's parameterLimit (express's query parser) default to 1000.
const queryParamLimit = 1000

// firstParams is FaultQueryParamLimit: a raw query cut after its first
// queryParamLimit parameters.
func firstParams(raw string) string {
	parts := strings.SplitN(raw, "&", queryParamLimit+1)
	if len(parts) <= queryParamLimit {
		return raw
	}
	return strings.Join(parts[:queryParamLimit], "&")
}

// dropExtensions is FaultExtensionDropped: the attributes of extension
// schemas (under their URN in a normalised map) are not kept.
func dropExtensions(m map[string]any) {
	for k := range m {
		if strings.HasPrefix(strings.ToLower(k), "urn:") {
			delete(m, k)
		}
	}
}

// groupsByDisplay is FaultGroupsOnCreateByDisplay: the groups of a create
// are found by their display, the team's name; an entry without one is
// skipped and its value never read.
func (a *API) groupsByDisplay(q *request, raw map[string]any) ([]string, error) {
	_, v, _ := schema.GetFold(raw, "groups")
	var ids []string
	for _, e := range asObjects(v) {
		name, _ := e["display"].(string)
		if name == "" {
			continue
		}
		ts, _, err := a.svc.Store().FindTeams(q.ctx, store.TeamQuery{NodeID: q.node, Field: store.TeamByDisplayName, Value: name})
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			ids = append(ids, t.ID)
		}
	}
	return ids, nil
}

// namesExtension reports whether a raw body's schemas names a URN other
// than the core User schema's (FaultExtensionSchemaRefused).
func namesExtension(raw map[string]any) bool {
	_, v, _ := schema.GetFold(raw, "schemas")
	list, _ := v.([]any)
	for _, s := range list {
		if u, ok := s.(string); ok && !strings.EqualFold(u, schema.UserURN) {
			return true
		}
	}
	return false
}

// skipNonAttributeKeys is FaultPathlessDottedIgnored: a path-less value's
// keys that are not a plain attribute name ("name.givenName",
// "urn:...:employeeNumber") match no attribute and are skipped.
func skipNonAttributeKeys(ops []patch.Operation) []patch.Operation {
	out := make([]patch.Operation, len(ops))
	for i, op := range ops {
		if obj, ok := op.Value.(map[string]any); ok && op.Path == "" {
			kept := map[string]any{}
			for k, v := range obj {
				if !strings.ContainsAny(k, ".:") {
					kept[k] = v
				}
			}
			op.Value = kept
		}
		out[i] = op
	}
	return out
}

// addsMultiValued reports whether an operation adds to a multi-valued
// attribute (FaultMultiValuedAddBumps).
func addsMultiValued(rt *schema.ResourceType, ops []patch.Operation) bool {
	for _, op := range ops {
		if !strings.EqualFold(op.Op, patch.OpAdd) || op.Path == "" {
			continue
		}
		top, _, _ := strings.Cut(op.Path, "[")
		if ref, ok := rt.Lookup("", top, ""); ok && ref.Sub == "" && ref.Attr.MultiValued {
			return true
		}
	}
	return false
}

// touchUser gives an unchanged user a new version and lastModified, the
// way a server that counts every add to a multi-valued attribute as a
// change does (FaultMultiValuedAddBumps).
func (a *API) touchUser(q *request, u directory.User) (directory.User, error) {
	u.Version++
	u.Modified = time.Now().UTC().Truncate(time.Microsecond)
	err := a.svc.Store().Update(context.WithoutCancel(q.ctx), func(tx store.Tx) error { return tx.UpdateUser(q.ctx, u) })
	return u, err
}
