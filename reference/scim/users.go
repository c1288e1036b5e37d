package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/directory/service"
	"github.com/provkit/provkit/reference/scim/filter"
	"github.com/provkit/provkit/reference/scim/patch"
	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
	"github.com/provkit/provkit/reference/store"
)

// readBody reads at most MaxBodyBytes (413 beyond) and checks it is JSON.
func (a *API) readBody(q *request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(q.w, q.r.Body, a.opt.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "reading the request body: %v", err)
	}
	if err := checkBody(body); err != nil {
		return nil, err
	}
	return body, nil
}

// decodeObject parses a JSON object body (numbers kept exact).
func decodeObject(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "the body is not a JSON object: %v", err)
	}
	if m == nil {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "the body is not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "unexpected data after the JSON object")
	}
	return m, nil
}

// ifMatch returns the version an If-Match header requires, or AnyVersion.
func (q *request) ifMatch() (int64, error) {
	h := strings.TrimSpace(q.r.Header.Get("If-Match"))
	if h == "" || h == "*" && !q.faults.Has(FaultIfMatchStarRefused) || q.ignoresIfMatch() {
		return service.AnyVersion, nil
	}
	v := strings.TrimPrefix(h, "W/")
	v = strings.Trim(v, `"`)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, scimerr.New(http.StatusPreconditionFailed, "", "If-Match %s matches no version of this resource", h)
	}
	return n, nil
}

func parseUserID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

func userNotFound(id string) error {
	return scimerr.New(http.StatusNotFound, "", "user %s not found", id)
}

// userInput reads the provisioning fields of a normalised User map (whose
// repeated (type, value) pairs it drops, unless faults say otherwise).
func userInput(m map[string]any, faults Faults) service.UserInput {
	if !faults.Has(FaultDuplicateValues) {
		dedupeMultiValued(schema.UserType, m, faults.Has(FaultDedupeCaseExact))
	}
	var in service.UserInput
	in.UserName, _ = m["userName"].(string)
	in.DisplayName, _ = m["displayName"].(string)
	in.ExternalID, _ = m["externalId"].(string)
	if name, ok := m["name"].(map[string]any); ok {
		in.GivenName, _ = name["givenName"].(string)
		in.FamilyName, _ = name["familyName"].(string)
	}
	if emails, ok := m["emails"].([]any); ok {
		for _, e := range emails {
			em, ok := e.(map[string]any)
			if !ok {
				continue
			}
			v, _ := em["value"].(string)
			if v == "" {
				continue
			}
			t, _ := em["type"].(string)
			p, _ := em["primary"].(bool)
			in.Emails = append(in.Emails, directory.Email{Value: v, Type: t, Primary: p})
		}
	}
	if act, ok := m["active"].(bool); ok {
		in.Active = &act
	}
	if in.DisplayName == "" && faults.Has(FaultDisplayNameFromName) {
		in.DisplayName = joinName(in.GivenName, in.FamilyName)
	}
	if faults.Has(FaultExtensionDropped) {
		dropExtensions(m)
	}
	if !faults.Has(FaultDropAttributes) {
		in.Extra = extraAttributes(m, in.GivenName, in.FamilyName)
	}
	return in
}

// ownFields are the User attributes the directory keeps in fields of its
// own (or computes: groups); password is writeOnly and never returned, and
// the reference, which has no password sign-in, does not keep it.
var ownFields = map[string]bool{"schemas": true, "id": true, "meta": true, "userName": true, "displayName": true,
	"externalId": true, "active": true, "emails": true, "groups": true, "password": true}

// extraAttributes returns, as a JSON object, every attribute of a
// normalised User map that has no field of its own: nickName, title,
// phoneNumbers, addresses, ..., name's other sub-attributes, and the
// enterprise extension under its URN. name.formatted is kept only when it
// is not the one userMap would compute from givenName and familyName.
func extraAttributes(m map[string]any, given, family string) string {
	extra := map[string]any{}
	for k, v := range m {
		switch {
		case ownFields[k]:
		case k == "name":
			nm, _ := v.(map[string]any)
			sub := map[string]any{}
			for sk, sv := range nm {
				switch {
				case sk == "givenName" || sk == "familyName":
				case sk == "formatted" && sv == joinName(given, family):
				default:
					sub[sk] = sv
				}
			}
			if len(sub) > 0 {
				extra["name"] = sub
			}
		default:
			extra[k] = v
		}
	}
	if len(extra) == 0 {
		return ""
	}
	b, err := json.Marshal(extra) // sorted keys: the same attributes give the same text
	if err != nil {
		return ""
	}
	return string(b)
}

// refValues reads [{"value": "..."}] from a raw body attribute (groups on
// POST /Users, which Keeper accepts although RFC 7643 makes it read-only).
func refValues(raw map[string]any, attr string) ([]string, error) {
	_, v, ok := schema.GetFold(raw, attr)
	if !ok || v == nil {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, scimerr.BadRequest(scimerr.InvalidValue, "%s must be an array of objects with a value", attr)
	}
	ids := make([]string, 0, len(arr))
	for _, e := range arr {
		o, ok := e.(map[string]any)
		if !ok {
			return nil, scimerr.BadRequest(scimerr.InvalidValue, "%s must be an array of objects with a value", attr)
		}
		_, idv, _ := schema.GetFold(o, "value")
		id, ok := idv.(string)
		if !ok || id == "" {
			return nil, scimerr.BadRequest(scimerr.InvalidValue, "each %s entry needs a string value", attr)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// respondUser writes a user, projected when the request asks for it.
func (a *API) respondUser(q *request, status int, u directory.User) {
	attrs, excl := projection(schema.UserType, q.query)
	attrs, excl = twinProjection(q, attrs, excl)
	loc := q.base + "/Users/" + strconv.FormatInt(u.ID, 10)
	if q.faults.Has(FaultLocationCollection) {
		loc = q.base + "/Users"
	}
	if status == http.StatusCreated && q.faults.Has(FaultCreateAnswersEmpty) {
		writeResource(q.w, status, []byte("{}"), u.Version, loc)
		return
	}
	var body []byte
	var err error
	switch {
	case attrs == nil && excl == nil && q.noTeams:
		body, err = a.renderUser(u, nil, q.base)
	case attrs == nil && excl == nil:
		body, err = a.userJSON(q.ctx, u, q.base)
	default:
		body, err = a.projectedUser(q, u, attrs, excl)
	}
	if err != nil {
		q.fail(err)
		return
	}
	if q.faults.Has(FaultExcludedIDRemoved) && slices.ContainsFunc(excl, func(s string) bool { return strings.EqualFold(s, "id") }) {
		body = withoutKey(body, "id")
	}
	if q.faults.Has(FaultInvitedNoActive) && u.Status == directory.UserInvited {
		body = withoutKey(body, "active")
	}
	if q.faults.Has(FaultUserGroupsNoValue) {
		body = groupsWithoutValue(body)
	}
	if q.faults.Has(FaultReadListShaped) && q.r.Method == http.MethodGet {
		writeList(q.w, 1, 1, [][]byte{body})
		return
	}
	writeResource(q.w, status, body, q.answeredVersion(u.Version), loc)
}

func (a *API) projectedUser(q *request, u directory.User, attrs, excl []string) ([]byte, error) {
	var teams []store.UserTeam
	if !q.noTeams {
		var err error
		if teams, err = a.svc.Store().UserTeams(q.ctx, u.ID); err != nil {
			return nil, err
		}
	}
	return json.Marshal(schema.UserType.Project(userMap(u, teams, q.base), attrs, excl))
}

func (a *API) getUser(q *request, sid string) {
	id, ok := parseUserID(sid)
	if !ok {
		q.fail(userNotFound(sid))
		return
	}
	u, err := a.svc.GetUser(q.ctx, q.node, id)
	if err != nil {
		q.fail(err)
		return
	}
	if q.notModified(u.Version, false) {
		q.w.Header().Set("ETag", etag(u.Version))
		q.w.WriteHeader(http.StatusNotModified)
		return
	}
	a.respondUser(q, http.StatusOK, u)
}

// decodeUser reads a User body (POST or PUT): normalised input and, with
// withGroups (POST: Keeper accepts groups there), the team IDs of groups.
// On PUT groups is read-only (RFC 7643) and ignored.
func (a *API) decodeUser(q *request, withGroups bool) (service.UserInput, []string, error) {
	body, err := a.readBody(q)
	if err != nil {
		return service.UserInput{}, nil, err
	}
	raw, err := decodeObject(body)
	if err != nil {
		return service.UserInput{}, nil, err
	}
	if withGroups && q.faults.Has(FaultExtensionSchemaRefused) && namesExtension(raw) {
		return service.UserInput{}, nil, scimerr.BadRequest(scimerr.InvalidValue, "schemas must be [%q]", schema.UserURN)
	}
	var groups []string
	switch {
	case withGroups && q.faults.Has(FaultGroupsOnCreateByDisplay):
		if groups, err = a.groupsByDisplay(q, raw); err != nil {
			return service.UserInput{}, nil, err
		}
	case withGroups:
		if groups, err = refValues(raw, "groups"); err != nil {
			return service.UserInput{}, nil, err
		}
	}
	m, err := schema.UserType.Normalize(raw)
	if err != nil {
		return service.UserInput{}, nil, err
	}
	if err := schema.UserType.CheckRequired(m); err != nil && q.faults.Has(FaultRequiredInvalidSyntax) {
		return service.UserInput{}, nil, scimerr.BadRequest(scimerr.InvalidSyntax, "%v", err)
	} else if err != nil {
		return service.UserInput{}, nil, err
	}
	in := userInput(m, q.faults)
	if q.faults.Has(FaultIgnoreActive) {
		in.Active = nil
	}
	twinEmails(q.faults, &in)
	return in, groups, nil
}

// checkVersion answers 412 when an If-Match version is not the current one.
func checkVersion(want, have int64) error {
	if want != service.AnyVersion && want != have {
		return scimerr.New(http.StatusPreconditionFailed, "", "If-Match does not match the current version %s", etag(have))
	}
	return nil
}

func (a *API) createUser(q *request) {
	in, groups, err := a.decodeUser(q, true)
	if err != nil {
		q.fail(err)
		return
	}
	u, created, err := a.svc.CreateUser(q.ctx, q.node, in, groups)
	if err != nil {
		q.fail(err)
		return
	}
	// A new user given no groups is in none when its transaction commits
	// (its ID was not known before): the answer reads no memberships.
	q.noTeams = created && len(groups) == 0
	a.respondUser(q, http.StatusCreated, u)
}

func (a *API) replaceUser(q *request, sid string) {
	id, ok := parseUserID(sid)
	if !ok {
		q.fail(userNotFound(sid))
		return
	}
	version, err := q.ifMatch()
	if err != nil {
		q.fail(err)
		return
	}
	in, _, err := a.decodeUser(q, false)
	if err != nil {
		q.fail(err)
		return
	}
	if in.Active == nil && q.faults.Has(FaultPutUnlocks) {
		active := true
		in.Active = &active
	}
	var before directory.User
	if q.faults.Has(FaultPutAnswersBefore) {
		before, _ = a.svc.GetUser(q.ctx, q.node, id)
	}
	u, err := a.svc.UpdateUser(q.ctx, q.node, id, version, in, nil)
	if err == nil && q.faults.Has(FaultVersionFrozenOnPut) {
		u, err = a.unbumpUser(q, u)
	}
	if directory.KindOf(err) == directory.KindNotFound && q.faults.Has(FaultPutUnknownCreates) {
		if u, _, err = a.svc.CreateUser(q.ctx, q.node, in, nil); err == nil {
			a.respondUser(q, http.StatusCreated, u)
			return
		}
	}
	if err != nil {
		q.fail(err)
		return
	}
	if q.faults.Has(FaultPutAnswersBefore) {
		u = before
	}
	a.respondUser(q, http.StatusOK, u)
}

// memberOps turns extracted membership changes into service operations.
// A remove by a filter other than value eq is resolved against the current
// list (cur: the current values as resource maps under attr).
func memberOps(rt *schema.ResourceType, attr string, changes []patch.MemberChange, cur func() ([]any, error)) ([]service.MemberOp, error) {
	ops := make([]service.MemberOp, 0, len(changes))
	for _, c := range changes {
		var mo service.MemberOp
		switch c.Op {
		case "add":
			mo = service.MemberOp{Op: service.MembersAdd, IDs: c.IDs}
		case "replace":
			mo = service.MemberOp{Op: service.MembersReplace, IDs: c.IDs}
		case "remove":
			mo = service.MemberOp{Op: service.MembersRemove, IDs: c.IDs}
			if c.All || c.Filter != nil {
				list, err := cur()
				if err != nil {
					return nil, err
				}
				mo.IDs = nil
				for _, e := range list {
					o, ok := e.(map[string]any)
					if !ok || c.Filter != nil && !filter.MatchElement(c.Filter, rt, filter.AttrPath{Name: attr}, o) {
						continue
					}
					if v, ok := o["value"].(string); ok {
						mo.IDs = append(mo.IDs, v)
					}
				}
			}
		default:
			return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "unknown membership operation %q", c.Op)
		}
		ops = append(ops, mo)
	}
	return ops, nil
}

// patchUser applies a PatchOp. The operations are applied to the user's
// state inside the update's transaction (service.ChangeUser), so concurrent
// PATCHes without If-Match serialise and all succeed; with If-Match, a
// version other than the current one is 412.
func (a *API) patchUser(q *request, sid string) {
	id, ok := parseUserID(sid)
	if !ok {
		q.fail(userNotFound(sid))
		return
	}
	want, err := q.ifMatch()
	if err != nil {
		q.fail(err)
		return
	}
	body, err := a.readBody(q)
	if err != nil {
		q.fail(err)
		return
	}
	ops, err := patch.Decode(body)
	if err != nil && q.faults.Has(FaultPatchNoOpsAccepted) && !bytes.Contains(bytes.ToLower(body), []byte(`"operations"`)) {
		a.getUser(q, sid) // nothing to do: answer the user as it is
		return
	}
	if err != nil && q.faults.Has(FaultPatchPartial) {
		a.keepDecodablePrefix(q, id, body)
	}
	if err != nil {
		q.fail(err)
		return
	}
	if q.faults.Has(FaultPathlessDottedIgnored) {
		ops = skipNonAttributeKeys(ops)
	}
	rest, changes, err := patch.ExtractMembers(schema.UserType, "groups", twinOps(q.faults, ops))
	if err != nil {
		q.fail(err)
		return
	}
	var before directory.User
	var partial func()
	nu, err := a.svc.ChangeUser(q.ctx, q.node, id, want, func(u directory.User, userTeams func() ([]store.UserTeam, error)) (service.UserInput, []service.MemberOp, error) {
		teams, err := userTeams()
		if err != nil {
			return service.UserInput{}, nil, err
		}
		cur := userMap(u, teams, q.base)
		next, err := patch.Apply(schema.UserType, cur, rest)
		if err != nil && q.faults.Has(FaultPatchPartial) {
			partial = func() { a.keepPrefix(q, u, teams, rest) } // after this transaction: a write of its own
		}
		if err != nil {
			return service.UserInput{}, nil, err
		}
		if q.faults.Has(FaultPrimaryNotExclusive) {
			keepOldPrimary(cur, next)
		}
		if q.faults.Has(FaultValuePathReplaceAll) {
			replaceEveryEmail(rest, next)
		}
		in := userInput(next, q.faults)
		if q.faults.Has(FaultIgnoreActive) {
			in.Active = nil
		}
		twinEmails(q.faults, &in)
		curGroups := func() ([]any, error) {
			g, _ := cur["groups"].([]any)
			return g, nil
		}
		mops, err := memberOps(schema.UserType, "groups", changes, curGroups)
		if err == nil {
			mops, err = twinMemberOps(q.faults, mops, curGroups)
		}
		if q.faults.Has(FaultUserGroupRemoveIgnored) {
			mops = slices.DeleteFunc(mops, func(mo service.MemberOp) bool { return mo.Op == service.MembersRemove })
		}
		before = u
		return in, mops, err
	})
	if err != nil && partial != nil {
		partial()
	}
	if err != nil {
		q.fail(err)
		return
	}
	if q.faults.Has(FaultMultiValuedAddBumps) && nu.Version == before.Version && addsMultiValued(schema.UserType, ops) {
		if nu, err = a.touchUser(q, nu); err != nil {
			q.fail(err)
			return
		}
	}
	if q.faults.Has(FaultPatchAnswersBefore) {
		nu = before
	}
	a.respondUser(q, http.StatusOK, nu)
}

func (a *API) deleteUser(q *request, sid string) {
	id, ok := parseUserID(sid)
	if !ok {
		q.fail(userNotFound(sid))
		return
	}
	want, err := q.ifMatch()
	if err != nil {
		q.fail(err)
		return
	}
	u, err := a.svc.GetUser(q.ctx, q.node, id)
	if err != nil {
		q.fail(err)
		return
	}
	if err := checkVersion(want, u.Version); err != nil {
		q.fail(err)
		return
	}
	if q.faults.Has(FaultHardDelete) {
		err = a.svc.DeleteUserPermanently(q.ctx, id)
	} else {
		_, err = a.svc.DeprovisionUser(q.ctx, q.node, id)
	}
	if err != nil {
		q.fail(err)
		return
	}
	a.forgetUser(id)
	q.w.WriteHeader(q.deletedStatus())
}

func (a *API) listUsers(q *request) {
	rt := schema.UserType
	p, err := a.parseList(q, rt)
	if err != nil {
		q.fail(err)
		return
	}
	st := a.svc.Store()
	projected := p.attributes != nil || p.excluded != nil
	// The common case: no filter, no sort: one page straight from the index.
	if p.filter == nil && p.sortBy == "" {
		lo := p.startIndex - 1
		users, total, err := st.FindUsers(q.ctx, store.UserQuery{NodeID: q.node, Offset: lo, Limit: p.count})
		if p.count == 0 {
			users = nil
		}
		if err != nil {
			q.fail(err)
			return
		}
		var items [][]byte
		if projected {
			items = make([][]byte, 0, len(users))
			for _, u := range users {
				b, err := a.projectedUser(q, u, p.attributes, p.excluded)
				if gone(err) {
					continue // deleted since the page was read: left out
				}
				if err != nil {
					q.fail(err)
					return
				}
				items = append(items, b)
			}
		} else if items, err = a.usersJSON(q.ctx, users, q.base); err != nil {
			q.fail(err)
			return
		}
		if q.faults.Has(FaultWrongTotal) {
			total = len(items)
		}
		writeList(q.w, twinTotal(q.faults, total, len(items)), p.startIndex, twinItems(q.faults, items))
		return
	}
	// Filter and/or sort: candidates from an index when the filter allows it,
	// then the full filter evaluated on each candidate: on its record when
	// the filter compiles to a predicate over records (listUserRecords),
	// else on its rendering.
	users, err := a.userCandidates(q, p.filter)
	if err != nil {
		q.fail(err)
		return
	}
	if a.listUserRecords(q, p, users) {
		return
	}
	teams, err := st.UsersTeams(q.ctx, userIDs(users))
	if err != nil {
		q.fail(err)
		return
	}
	maps := make([]map[string]any, 0, len(users))
	for _, u := range users {
		m := userMap(u, teams[u.ID], q.base)
		if p.filter != nil && !filter.Match(p.filter, rt, m) {
			continue
		}
		if q.faults.Has(FaultFilterCaseSensitive) && !caseSensitiveUserName(p.filter, u) {
			continue
		}
		if q.faults.Has(FaultLockedUnlisted) && u.Locked {
			continue
		}
		maps = append(maps, m)
	}
	if p.sortBy != "" {
		sortList(q.faults, rt, maps, p)
	}
	a.writeMaps(q, rt, maps, p)
}

// listUserRecords answers a filtered and/or sorted user list from the
// candidates' records: the filter compiled to a predicate over users, the
// sort keys read from them, and only the returned page rendered (its teams
// read in one query). It answers exactly as the rendering path below it
// does; false (nothing written) when the filter or sortBy names what the
// records cannot answer, or a fault twin sorts in a way it does not copy.
func (a *API) listUserRecords(q *request, p listParams, users []directory.User) bool {
	st := a.svc.Store()
	withTeams := p.filter != nil && filterNames(p.filter, "groups")
	pred := func(userRec) bool { return true }
	if p.filter != nil {
		var ok bool
		if pred, ok = compileUserFilter(p.filter, q.base, withTeams); !ok {
			return false
		}
	}
	var key func(userRec) any
	desc := p.sortDesc != q.faults.Has(FaultSortOrderInverted)
	if p.sortBy != "" && !(q.faults.Has(FaultSortSubAttrIgnored) && strings.Contains(p.sortBy, ".")) {
		if q.faults.Has(FaultSortPageFirst) {
			return false
		}
		var ok bool
		if key, ok = userSortKey(p.sortBy, q.base, q.faults.Has(FaultSortCaseExact)); !ok {
			return false
		}
	}
	var teams map[int64][]store.UserTeam
	if withTeams {
		var err error
		if teams, err = st.UsersTeams(q.ctx, userIDs(users)); err != nil {
			q.fail(err)
			return true
		}
	}
	matched := make([]sortKeyed[*directory.User], 0, 64)
	for i := range users {
		u := &users[i]
		r := userRec{u: u, teams: teams[u.ID]}
		if !pred(r) {
			continue
		}
		if q.faults.Has(FaultFilterCaseSensitive) && !caseSensitiveUserName(p.filter, *u) {
			continue
		}
		if q.faults.Has(FaultLockedUnlisted) && u.Locked {
			continue
		}
		k := sortKeyed[*directory.User]{x: u}
		if key != nil {
			k.v, k.id = key(r), strconv.FormatInt(u.ID, 10)
		}
		matched = append(matched, k)
	}
	if key != nil {
		sortByKey(matched, desc)
	}
	if len(matched) == 0 && p.filter != nil && q.faults.Has(FaultNoMatchNotFound) {
		q.fail(scimerr.New(http.StatusNotFound, "", "no resource matches the filter"))
		return true
	}
	lo, hi := p.page(len(matched))
	page := make([]directory.User, 0, hi-lo)
	for _, k := range matched[lo:hi] {
		page = append(page, *k.x)
	}
	if !withTeams && len(page) > 0 {
		var err error
		if teams, err = st.UsersTeams(q.ctx, userIDs(page)); err != nil {
			q.fail(err)
			return true
		}
	}
	items := make([][]byte, 0, len(page))
	for _, u := range page {
		m := userMap(u, teams[u.ID], q.base)
		if p.attributes != nil || p.excluded != nil {
			m = schema.UserType.Project(m, p.attributes, p.excluded)
		}
		b, err := json.Marshal(m)
		if err != nil {
			q.fail(err)
			return true
		}
		items = append(items, b)
	}
	total := len(matched)
	if q.faults.Has(FaultWrongTotal) {
		total = len(items)
	}
	writeList(q.w, twinTotal(q.faults, total, len(items)), p.startIndex, twinItems(q.faults, items))
	return true
}

// caseSensitiveUserName is FaultFilterCaseSensitive: userName eq compared exactly.
func caseSensitiveUserName(e filter.Expr, u directory.User) bool {
	name, value, ok := filter.IndexedEq(e)
	return !ok || name != "username" || u.UserName == value
}

func (a *API) writeMaps(q *request, rt *schema.ResourceType, maps []map[string]any, p listParams) {
	if len(maps) == 0 && p.filter != nil && q.faults.Has(FaultNoMatchNotFound) {
		q.fail(scimerr.New(http.StatusNotFound, "", "no resource matches the filter"))
		return
	}
	lo, hi := p.page(len(maps))
	items := make([][]byte, 0, hi-lo)
	for _, m := range maps[lo:hi] {
		if p.attributes != nil || p.excluded != nil {
			m = rt.Project(m, p.attributes, p.excluded)
		}
		b, err := json.Marshal(m)
		if err != nil {
			q.fail(err)
			return
		}
		items = append(items, b)
	}
	total := len(maps)
	if q.faults.Has(FaultWrongTotal) {
		total = len(items)
	}
	writeList(q.w, twinTotal(q.faults, total, len(items)), p.startIndex, twinItems(q.faults, items))
}

// userCandidates narrows a filter to an index lookup when it has a top-level
// equality on id, userName or externalId, or a userName sw, ew or co;
// otherwise every user of the node.
func (a *API) userCandidates(q *request, e filter.Expr) ([]directory.User, error) {
	st := a.svc.Store()
	if e != nil {
		if name, value, ok := filter.IndexedEq(e); ok {
			switch name {
			case "id":
				id, ok := parseUserID(value)
				if !ok {
					return nil, nil
				}
				u, err := a.svc.GetUser(q.ctx, q.node, id)
				if directory.KindOf(err) == directory.KindNotFound {
					return nil, nil
				}
				if err != nil {
					return nil, err
				}
				return []directory.User{u}, nil
			case "username":
				us, _, err := st.FindUsers(q.ctx, store.UserQuery{NodeID: q.node, Field: store.UserByUserName, Value: value})
				return us, err
			case "externalid":
				us, _, err := st.FindUsers(q.ctx, store.UserQuery{NodeID: q.node, Field: store.UserByExternal, Value: value})
				return us, err
			}
		}
		// userName sw/ew/co: the store's prefix, suffix or substring
		// search (SQL LIKE on the folded userName, a trigram or prefix index
		// on PostgreSQL) gives exactly the users that operand matches.
		if name, op, value, ok := filter.IndexedText(e); ok && name == "username" {
			us, _, err := st.FindUsers(q.ctx, store.UserQuery{NodeID: q.node, Field: store.UserByUserName, Op: store.TextOp(op), Value: value})
			return us, err
		}
	}
	us, _, err := st.FindUsers(q.ctx, store.UserQuery{NodeID: q.node})
	return us, err
}
