package scim

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/directory/service"
	"github.com/provkit/provkit/reference/scim/filter"
	"github.com/provkit/provkit/reference/scim/patch"
	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
	"github.com/provkit/provkit/reference/store"
)

func groupNotFound(id string) error {
	return scimerr.New(http.StatusNotFound, "", "group %s not found", id)
}

// groupJSON renders a team for a request's projection. Members are read from
// the store only when the projection keeps them (Keeper:
// excludedAttributes=members keeps group reads cheap).
func (a *API) groupJSON(q *request, t directory.Team, attrs, excl []string) ([]byte, error) {
	rt := schema.GroupType
	if q.faults.Has(FaultIgnoreExcluded) || q.faults.Has(FaultExcludedListsOnly) {
		attrs, excl = nil, nil
	}
	if q.faults.Has(FaultExcludedKeepsIDOnly) && excl != nil {
		attrs, excl = []string{"id"}, nil
	}
	withMembers := rt.Wants(attrs, excl, "members")
	if !withMembers && attrs == nil && len(excl) == 1 {
		return a.teamJSONNoMembers(t, q.base) // the common Entra/Keeper read: cached
	}
	var members []store.Member
	if withMembers {
		var err error
		if members, err = a.svc.Store().TeamMembers(q.ctx, t.ID); err != nil {
			return nil, err
		}
	}
	m := teamMap(t, members, withMembers, q.base)
	if attrs != nil || excl != nil {
		m = rt.Project(m, attrs, excl)
	}
	return json.Marshal(m)
}

func (a *API) respondGroup(q *request, status int, t directory.Team) {
	attrs, excl := projection(schema.GroupType, q.query)
	body, err := a.groupJSON(q, t, attrs, excl)
	if err != nil {
		q.fail(err)
		return
	}
	if status == http.StatusCreated && q.faults.Has(FaultCreateAnswersEmpty) {
		body = []byte("{}")
	}
	if q.faults.Has(FaultReadListShaped) && q.r.Method == http.MethodGet {
		writeList(q.w, 1, 1, [][]byte{body})
		return
	}
	loc := q.base + "/Groups/" + t.ID
	if q.faults.Has(FaultLocationCollection) {
		loc = q.base + "/Groups"
	}
	writeResource(q.w, status, body, q.answeredVersion(t.Version), loc)
}

func (a *API) getGroup(q *request, id string) {
	t, err := a.svc.GetTeam(q.ctx, q.node, id)
	if err != nil {
		q.fail(err)
		return
	}
	if q.notModified(t.Version, true) {
		q.w.Header().Set("ETag", etag(t.Version))
		q.w.WriteHeader(http.StatusNotModified)
		return
	}
	a.respondGroup(q, http.StatusOK, t)
}

func teamInput(m map[string]any) service.TeamInput {
	var in service.TeamInput
	in.DisplayName, _ = m["displayName"].(string)
	in.ExternalID, _ = m["externalId"].(string)
	return in
}

func (a *API) decodeGroup(q *request) (service.TeamInput, []string, bool, error) {
	body, err := a.readBody(q)
	if err != nil {
		return service.TeamInput{}, nil, false, err
	}
	raw, err := decodeObject(body)
	if err != nil {
		return service.TeamInput{}, nil, false, err
	}
	_, _, hasMembers := schema.GetFold(raw, "members")
	members, err := refValues(raw, "members")
	if err != nil {
		return service.TeamInput{}, nil, false, err
	}
	m, err := schema.GroupType.Normalize(raw)
	if err != nil {
		return service.TeamInput{}, nil, false, err
	}
	if err := schema.GroupType.CheckRequired(m); err != nil {
		return service.TeamInput{}, nil, false, err
	}
	return teamInput(m), members, hasMembers, nil
}

func (a *API) createGroup(q *request) {
	in, members, _, err := a.decodeGroup(q)
	if err != nil {
		q.fail(err)
		return
	}
	if len(members) > 1 && q.faults.Has(FaultMembersOnCreateFirstOnly) {
		members = members[:1]
	}
	t, err := a.svc.CreateTeam(q.ctx, q.node, in, members)
	if err != nil {
		q.fail(err)
		return
	}
	a.respondGroup(q, http.StatusCreated, t)
}

// replaceGroup is PUT: the displayName, externalId and the whole member list
// are replaced (RFC 7644 §3.5.1: no members means none).
func (a *API) replaceGroup(q *request, id string) {
	version, err := q.ifMatch()
	if err != nil {
		q.fail(err)
		return
	}
	in, members, _, err := a.decodeGroup(q)
	if err != nil {
		q.fail(err)
		return
	}
	t, err := a.svc.UpdateTeam(q.ctx, q.node, id, version, &in, []service.MemberOp{{Op: service.MembersReplace, IDs: members}})
	if err != nil {
		q.fail(err)
		return
	}
	a.respondGroup(q, http.StatusOK, t)
}

// patchGroup applies a PatchOp. Member changes go straight to the
// membership table, so adding one member to a 100,000-member team reads
// and rewrites nothing else. Without attributes/excludedAttributes the
// answer is 204 No Content (RFC 7644 §3.5.2 allows it; Entra ID advises it
// for groups); with them, 200 and the projected group.
func (a *API) patchGroup(q *request, id string) {
	rt := schema.GroupType
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
	if err != nil {
		q.fail(err)
		return
	}
	rest, changes, err := patch.ExtractMembers(rt, "members", ops)
	if err != nil {
		q.fail(err)
		return
	}
	nt, err := a.svc.ChangeTeam(q.ctx, q.node, id, want, func(t directory.Team, members func() ([]store.Member, error)) (*service.TeamInput, []service.MemberOp, error) {
		var in *service.TeamInput
		if len(rest) > 0 {
			next, err := patch.Apply(rt, teamMap(t, nil, false, q.base), rest)
			if err != nil {
				return nil, nil, err
			}
			ti := teamInput(next)
			in = &ti
		}
		curMembers := func() ([]any, error) {
			ms, err := members()
			if err != nil {
				return nil, err
			}
			list, _ := teamMap(t, ms, true, q.base)["members"].([]any)
			return list, nil
		}
		mops, err := memberOps(rt, "members", changes, curMembers)
		if err == nil {
			mops, err = twinMemberOps(q.faults, mops, curMembers)
		}
		return in, mops, err
	})
	if err != nil {
		q.fail(err)
		return
	}
	attrs, excl := projection(rt, q.query)
	if attrs == nil && excl == nil && q.faults.Has(FaultGroupPatchEmpty200) {
		q.w.Header().Set("ETag", etag(nt.Version))
		q.w.WriteHeader(http.StatusOK)
		return
	}
	if attrs == nil && excl == nil {
		q.w.Header().Set("ETag", etag(nt.Version))
		q.w.WriteHeader(http.StatusNoContent)
		return
	}
	a.respondGroup(q, http.StatusOK, nt)
}

func (a *API) deleteGroup(q *request, id string) {
	want, err := q.ifMatch()
	if err != nil {
		q.fail(err)
		return
	}
	t, err := a.svc.GetTeam(q.ctx, q.node, id)
	if err != nil {
		q.fail(err)
		return
	}
	if err := checkVersion(want, t.Version); err != nil {
		q.fail(err)
		return
	}
	if q.faults.Has(FaultGroupDeleteEmpties) {
		_, err = a.svc.UpdateTeam(q.ctx, q.node, id, service.AnyVersion, nil, []service.MemberOp{{Op: service.MembersReplace}})
	} else {
		err = a.svc.DeleteTeam(q.ctx, q.node, id)
	}
	if err != nil {
		q.fail(err)
		return
	}
	a.forgetTeam(id)
	q.w.WriteHeader(q.deletedStatus())
}

func (a *API) listGroups(q *request) {
	rt := schema.GroupType
	p, err := a.parseList(q, rt)
	if err != nil {
		q.fail(err)
		return
	}
	st := a.svc.Store()
	var teams []directory.Team
	total := 0
	paged := false
	if p.filter == nil && p.sortBy == "" {
		teams, total, err = st.FindTeams(q.ctx, store.TeamQuery{NodeID: q.node, Offset: p.startIndex - 1, Limit: p.count})
		if p.count == 0 {
			teams = nil
		}
		paged = true
	} else {
		teams, err = a.teamCandidates(q, p.filter)
	}
	if err != nil {
		q.fail(err)
		return
	}
	if paged && !q.faults.Has(FaultIgnoreExcluded) && p.attributes == nil && len(p.excluded) == 1 && !rt.Wants(nil, p.excluded, "members") {
		// excludedAttributes=members: cached renderings, one lock for the page
		items, err := a.teamsJSONNoMembers(teams, q.base)
		if err != nil {
			q.fail(err)
			return
		}
		if q.faults.Has(FaultWrongTotal) {
			total = len(items)
		}
		writeList(q.w, twinTotal(q.faults, total, len(items)), p.startIndex, twinItems(q.faults, items))
		return
	}
	if paged {
		items := make([][]byte, 0, len(teams))
		for _, t := range teams {
			b, err := a.groupJSON(q, t, p.attributes, p.excluded)
			if gone(err) {
				continue // deleted since the page was read: left out
			}
			if err != nil {
				q.fail(err)
				return
			}
			items = append(items, b)
		}
		if q.faults.Has(FaultWrongTotal) {
			total = len(items)
		}
		writeList(q.w, twinTotal(q.faults, total, len(items)), p.startIndex, twinItems(q.faults, items))
		return
	}
	// Filtered or sorted: the filter may name members, so evaluate on the
	// full representation only when it does; otherwise members stay unread.
	needMembers := p.filter != nil && filterNames(p.filter, "members") || p.sortBy != "" && rt.Wants([]string{p.sortBy}, nil, "members")
	var members map[string][]store.Member
	if needMembers {
		if members, err = st.TeamsMembers(q.ctx, teamIDs(teams)); err != nil {
			q.fail(err)
			return
		}
	}
	maps := make([]map[string]any, 0, len(teams))
	byID := make(map[string]directory.Team, len(teams))
	for _, t := range teams {
		byID[t.ID] = t
		m := teamMap(t, members[t.ID], needMembers, q.base)
		if p.filter != nil && !filter.Match(p.filter, rt, m) {
			continue
		}
		maps = append(maps, m)
	}
	if p.sortBy != "" {
		sortList(q.faults, rt, maps, p)
	}
	lo, hi := p.page(len(maps))
	items := make([][]byte, 0, hi-lo)
	for _, m := range maps[lo:hi] {
		id, _ := m["id"].(string)
		b, err := a.groupJSON(q, byID[id], p.attributes, p.excluded)
		if gone(err) {
			continue // deleted while the list was built: left out
		}
		if err != nil {
			q.fail(err)
			return
		}
		items = append(items, b)
	}
	total = len(maps)
	if q.faults.Has(FaultWrongTotal) {
		total = len(items)
	}
	writeList(q.w, twinTotal(q.faults, total, len(items)), p.startIndex, twinItems(q.faults, items))
}

// filterNames reports whether a filter mentions the attribute.
func filterNames(e filter.Expr, attr string) bool {
	switch x := e.(type) {
	case *filter.Logical:
		return filterNames(x.Left, attr) || filterNames(x.Right, attr)
	case *filter.Not:
		return filterNames(x.X, attr)
	case *filter.Compare:
		return equalFold(x.Attr.Name, attr)
	case *filter.ValuePath:
		return equalFold(x.Attr.Name, attr)
	}
	return false
}

func (a *API) teamCandidates(q *request, e filter.Expr) ([]directory.Team, error) {
	st := a.svc.Store()
	if e != nil {
		if name, value, ok := filter.IndexedEq(e); ok {
			switch name {
			case "id":
				t, err := a.svc.GetTeam(q.ctx, q.node, value)
				if directory.KindOf(err) == directory.KindNotFound {
					return nil, nil
				}
				if err != nil {
					return nil, err
				}
				return []directory.Team{t}, nil
			case "displayname":
				ts, _, err := st.FindTeams(q.ctx, store.TeamQuery{NodeID: q.node, Field: store.TeamByDisplayName, Value: value})
				return ts, err
			case "externalid":
				ts, _, err := st.FindTeams(q.ctx, store.TeamQuery{NodeID: q.node, Field: store.TeamByExternal, Value: value})
				return ts, err
			}
		}
	}
	ts, _, err := st.FindTeams(q.ctx, store.TeamQuery{NodeID: q.node})
	return ts, err
}

// gone reports an error saying the resource no longer exists: a list that
// raced its delete leaves it out rather than failing.
func gone(err error) bool {
	return err != nil && (errors.Is(err, store.ErrNotFound) || directory.KindOf(err) == directory.KindNotFound)
}

// teamIDs returns the IDs of teams.
func teamIDs(teams []directory.Team) []string {
	ids := make([]string, len(teams))
	for i, t := range teams {
		ids[i] = t.ID
	}
	return ids
}
