package scim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/provkit/provkit/reference/scim/filter"
	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

// SearchRequestURN is the schema of a POST /.search body (RFC 7644 §3.4.3).
const SearchRequestURN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

// searchQuery reads a SearchRequest body into the query parameters of the
// equivalent GET (RFC 7644 §3.4.3: attributes, excludedAttributes, filter,
// sortBy, sortOrder, startIndex, count). Parameters in the URL are ignored:
// the body is the query.
func (a *API) searchQuery(q *request) (url.Values, error) {
	body, err := a.readBody(q)
	if err != nil {
		return nil, err
	}
	m, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	v := url.Values{}
	for k, x := range m {
		switch strings.ToLower(k) {
		case "schemas":
			arr, ok := x.([]any)
			found := false
			for _, s := range arr {
				found = found || s == SearchRequestURN
			}
			if !ok || !found {
				return nil, scimerr.BadRequest(scimerr.InvalidSyntax, "schemas must list %s", SearchRequestURN)
			}
		case "filter", "sortby", "sortorder":
			s, ok := x.(string)
			if !ok {
				return nil, scimerr.BadRequest(scimerr.InvalidValue, "%s must be a string", k)
			}
			v.Set(k, s)
		case "attributes", "excludedattributes":
			names, err := stringList(k, x)
			if err != nil {
				return nil, err
			}
			v.Set(k, strings.Join(names, ","))
		case "startindex", "count":
			n, ok := x.(json.Number)
			if !ok {
				return nil, scimerr.BadRequest(scimerr.InvalidValue, "%s must be an integer", k)
			}
			if _, err := strconv.Atoi(n.String()); err != nil {
				return nil, scimerr.BadRequest(scimerr.InvalidValue, "%s must be an integer, got %s", k, n)
			}
			v.Set(k, n.String())
		}
	}
	return v, nil
}

// stringList reads attributes/excludedAttributes: an array of names (RFC
// 7644 §3.4.3), or a comma-separated string as in a URL.
func stringList(k string, x any) ([]string, error) {
	if s, ok := x.(string); ok {
		return []string{s}, nil
	}
	arr, ok := x.([]any)
	if !ok {
		return nil, scimerr.BadRequest(scimerr.InvalidValue, "%s must be an array of attribute names", k)
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil, scimerr.BadRequest(scimerr.InvalidValue, "%s must be an array of attribute names", k)
		}
		out = append(out, s)
	}
	return out, nil
}

// withQuery is q answering as if the query parameters were v (a GET's).
func (q *request) withQuery(v url.Values) *request {
	r := q.r.Clone(q.ctx)
	u := *q.r.URL
	u.RawQuery = v.Encode()
	r.URL = &u
	c := *q
	c.r = r
	c.query = v
	return &c
}

// search is POST /{Users|Groups}/.search: the list of that resource type.
func (a *API) search(q *request, list func(*request)) {
	if sq, ok := a.searchRequest(q); ok {
		list(sq)
	}
}

// searchRequest is the POST .../.search request answered as the GET its
// SearchRequest body stands for; false when it was answered already (not a
// POST, a bad body).
func (a *API) searchRequest(q *request) (*request, bool) {
	if q.r.Method != http.MethodPost {
		q.methodNotAllowed(http.MethodPost)
		return nil, false
	}
	if q.faults.Has(FaultNoSearch) {
		writeError(q.w, scimerr.New(http.StatusNotFound, "", "no such resource"))
		return nil, false
	}
	v, err := a.searchQuery(q)
	if err != nil {
		q.fail(err)
		return nil, false
	}
	if q.faults.Has(FaultSearchIgnoresFilter) {
		v.Del("filter")
	}
	return q.withQuery(v), true
}

// searchRoot is POST /.search: Users and Groups together (RFC 7644 §3.4.3,
// "from the root of the service provider ... all resource types"). A filter
// naming an attribute one type lacks matches no resource of that type; one
// that fits neither type is invalidFilter. Results come Users first, then
// Groups, each by id, unless sortBy orders them.
func (a *API) searchRoot(q *request) {
	sq, ok := a.searchRequest(q)
	if !ok {
		return
	}
	pu, errU := a.parseList(sq, schema.UserType)
	pg, errG := a.parseList(sq, schema.GroupType)
	if errU != nil && errG != nil {
		q.fail(errU)
		return
	}
	var maps []map[string]any
	sortType, p := schema.UserType, pu
	if errU == nil {
		users, err := a.userCandidates(sq, pu.filter)
		if err != nil {
			q.fail(err)
			return
		}
		teams, err := a.svc.Store().UsersTeams(q.ctx, userIDs(users))
		if err != nil {
			q.fail(err)
			return
		}
		for _, u := range users {
			if m := userMap(u, teams[u.ID], q.base); pu.filter == nil || filter.Match(pu.filter, schema.UserType, m) {
				maps = append(maps, m)
			}
		}
	} else {
		sortType, p = schema.GroupType, pg
	}
	if errG == nil {
		teams, err := a.teamCandidates(sq, pg.filter)
		if err != nil {
			q.fail(err)
			return
		}
		members, err := a.svc.Store().TeamsMembers(q.ctx, teamIDs(teams))
		if err != nil {
			q.fail(err)
			return
		}
		for _, t := range teams {
			if m := teamMap(t, members[t.ID], true, q.base); pg.filter == nil || filter.Match(pg.filter, schema.GroupType, m) {
				maps = append(maps, m)
			}
		}
	}
	if p.sortBy != "" {
		sortList(q.faults, sortType, maps, p)
	}
	lo, hi := p.page(len(maps))
	items := make([][]byte, 0, hi-lo)
	for _, m := range maps[lo:hi] {
		rt, pp := schema.UserType, pu
		if meta, _ := m["meta"].(map[string]any); meta["resourceType"] == "Group" {
			rt, pp = schema.GroupType, pg
		}
		if pp.attributes != nil || pp.excluded != nil {
			m = rt.Project(m, pp.attributes, pp.excluded)
		}
		b, err := json.Marshal(m)
		if err != nil {
			q.fail(err)
			return
		}
		items = append(items, b)
	}
	writeList(q.w, len(maps), p.startIndex, items)
}
