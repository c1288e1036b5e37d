package scim

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/store"
)

const contentType = "application/scim+json"

func etag(version int64) string { return `W/"` + strconv.FormatInt(version, 10) + `"` }

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// userMap is a user's SCIM representation (RFC 7643 §4.1). Keeper returns
// active:true for an invited user; active is false only when locked.
func userMap(u directory.User, teams []store.UserTeam, base string) map[string]any {
	id := strconv.FormatInt(u.ID, 10)
	m := map[string]any{
		"schemas":  []any{schema.UserURN},
		"id":       id,
		"userName": u.UserName,
		"active":   !u.Locked,
		"meta": map[string]any{
			"resourceType": "User",
			"created":      ts(u.Created),
			"lastModified": ts(u.Modified),
			"location":     base + "/Users/" + id,
			"version":      etag(u.Version),
		},
	}
	if u.DisplayName != "" { // unassigned (identity any, removed): left out, RFC 7643 §2.5
		m["displayName"] = u.DisplayName
	}
	if u.ExternalID != "" {
		m["externalId"] = u.ExternalID
	}
	if u.GivenName != "" || u.FamilyName != "" {
		m["name"] = nameMap(&u)
	}
	emails := make([]any, 0, len(u.Emails))
	for _, e := range u.Emails {
		em := map[string]any{"value": e.Value}
		if e.Type != "" {
			em["type"] = e.Type
		}
		if e.Primary {
			em["primary"] = true
		}
		emails = append(emails, em)
	}
	m["emails"] = emails
	groups := make([]any, 0, len(teams))
	for _, t := range teams {
		groups = append(groups, map[string]any{
			"value":   t.TeamID,
			"display": t.DisplayName,
			"$ref":    base + "/Groups/" + t.TeamID,
			"type":    "direct",
		})
	}
	m["groups"] = groups
	mergeExtra(m, u.Extra)
	return m
}

// nameMap is the name of a user with a given or a family name, before
// mergeExtra adds the sub-attributes Extra keeps.
func nameMap(u *directory.User) map[string]any {
	name := map[string]any{}
	if u.GivenName != "" {
		name["givenName"] = u.GivenName
	}
	if u.FamilyName != "" {
		name["familyName"] = u.FamilyName
	}
	name["formatted"] = joinName(u.GivenName, u.FamilyName)
	return name
}

// mergeExtra adds a user's stored further attributes (directory.User.Extra)
// to its representation m: name's sub-attributes into name, an extension
// object under its URN (listed in schemas), anything else at the top level.
func mergeExtra(m map[string]any, extra string) {
	if extra == "" {
		return
	}
	var x map[string]any
	if err := json.Unmarshal([]byte(extra), &x); err != nil {
		return
	}
	for k, v := range x {
		switch {
		case k == "name":
			nm, _ := m["name"].(map[string]any)
			if nm == nil {
				nm = map[string]any{}
				m["name"] = nm
			}
			sub, _ := v.(map[string]any)
			for sk, sv := range sub { // a client's formatted wins over the computed one
				nm[sk] = sv
			}
		case k == schema.EnterpriseUserURN:
			m[k] = v
			m["schemas"] = append(m["schemas"].([]any), k)
		default:
			m[k] = v
		}
	}
}

func joinName(g, f string) string {
	switch {
	case g == "":
		return f
	case f == "":
		return g
	}
	return g + " " + f
}

// teamMap is a team's SCIM representation (RFC 7643 §4.2). members is nil
// when the caller excluded them: they are then not even read.
func teamMap(t directory.Team, members []store.Member, withMembers bool, base string) map[string]any {
	m := map[string]any{
		"schemas":     []any{schema.GroupURN},
		"id":          t.ID,
		"displayName": t.DisplayName,
		"meta": map[string]any{
			"resourceType": "Group",
			"created":      ts(t.Created),
			"lastModified": ts(t.Modified),
			"location":     base + "/Groups/" + t.ID,
			"version":      etag(t.Version),
		},
	}
	if t.ExternalID != "" {
		m["externalId"] = t.ExternalID
	}
	if withMembers {
		ms := make([]any, 0, len(members))
		for _, mb := range members {
			id := strconv.FormatInt(mb.UserID, 10)
			ms = append(ms, map[string]any{
				"value":   id,
				"display": mb.Email,
				"$ref":    base + "/Users/" + id,
				"type":    "User",
			})
		}
		m["members"] = ms
	}
	return m
}

// userJSON returns the cached rendering of u, rendering it when the cached
// one is older than u.
func (a *API) userJSON(ctx context.Context, u directory.User, base string) ([]byte, error) {
	a.cache.mu.RLock()
	c := a.cache.users[u.ID]
	a.cache.mu.RUnlock()
	if c != nil && c.version == u.Version && c.base == base {
		return c.body, nil
	}
	teams, err := a.svc.Store().UserTeams(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return a.renderUser(u, teams, base)
}

// renderUser renders u with its teams and caches the rendering.
func (a *API) renderUser(u directory.User, teams []store.UserTeam, base string) ([]byte, error) {
	body, err := json.Marshal(userMap(u, teams, base))
	if err != nil {
		return nil, err
	}
	a.cache.mu.Lock()
	if c := a.cache.users[u.ID]; c == nil || c.version <= u.Version {
		a.cache.users[u.ID] = &rendered{version: u.Version, base: base, body: body}
	}
	a.cache.mu.Unlock()
	return body, nil
}

// cachedPage returns the cached renderings of a page of resources, taking
// the cache's lock once for the page and rendering only what is stale.
// prepare, if not nil, is given the stale items before any is rendered (to
// read what they need in one query).
func cachedPage[K comparable, R any](a *API, cache map[K]*rendered, items []R, key func(R) (K, int64), base string, prepare func([]R) error, render func(R) ([]byte, error)) ([][]byte, error) {
	out := make([][]byte, len(items))
	stale := false
	a.cache.mu.RLock()
	for i, it := range items {
		k, v := key(it)
		if c := cache[k]; c != nil && c.version == v && c.base == base {
			out[i] = c.body
		} else {
			stale = true
		}
	}
	a.cache.mu.RUnlock()
	if !stale {
		return out, nil
	}
	if prepare != nil {
		var todo []R
		for i, it := range items {
			if out[i] == nil {
				todo = append(todo, it)
			}
		}
		if err := prepare(todo); err != nil {
			return nil, err
		}
	}
	left := 0
	for i, it := range items {
		if out[i] != nil {
			continue
		}
		b, err := render(it)
		if gone(err) {
			left++ // deleted since the page was read: left out
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	if left > 0 {
		out = slices.DeleteFunc(out, func(b []byte) bool { return b == nil })
	}
	return out, nil
}

// usersJSON renders a page of users (see cachedPage).
func (a *API) usersJSON(ctx context.Context, users []directory.User, base string) ([][]byte, error) {
	var teams map[int64][]store.UserTeam
	prepare := func(stale []directory.User) (err error) {
		teams, err = a.svc.Store().UsersTeams(ctx, userIDs(stale))
		return err
	}
	return cachedPage(a, a.cache.users, users, func(u directory.User) (int64, int64) { return u.ID, u.Version }, base,
		prepare, func(u directory.User) ([]byte, error) { return a.renderUser(u, teams[u.ID], base) })
}

// userIDs returns the IDs of users.
func userIDs(users []directory.User) []int64 {
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	return ids
}

// teamJSONNoMembers returns the cached rendering of t without members.
func (a *API) teamJSONNoMembers(t directory.Team, base string) ([]byte, error) {
	a.cache.mu.RLock()
	c := a.cache.teams[t.ID]
	a.cache.mu.RUnlock()
	if c != nil && c.version == t.Version && c.base == base {
		return c.body, nil
	}
	body, err := json.Marshal(teamMap(t, nil, false, base))
	if err != nil {
		return nil, err
	}
	a.cache.mu.Lock()
	if c := a.cache.teams[t.ID]; c == nil || c.version <= t.Version {
		a.cache.teams[t.ID] = &rendered{version: t.Version, base: base, body: body}
	}
	a.cache.mu.Unlock()
	return body, nil
}

// teamsJSONNoMembers renders a page of teams without members (see cachedPage).
func (a *API) teamsJSONNoMembers(teams []directory.Team, base string) ([][]byte, error) {
	return cachedPage(a, a.cache.teams, teams, func(t directory.Team) (string, int64) { return t.ID, t.Version }, base,
		nil, func(t directory.Team) ([]byte, error) { return a.teamJSONNoMembers(t, base) })
}

func (a *API) forgetUser(id int64) {
	a.cache.mu.Lock()
	delete(a.cache.users, id)
	a.cache.mu.Unlock()
}

func (a *API) forgetTeam(id string) {
	a.cache.mu.Lock()
	delete(a.cache.teams, id)
	a.cache.mu.Unlock()
}

// writeJSON writes a resource body with status, ETag and Location.
func writeResource(w http.ResponseWriter, status int, body []byte, version int64, location string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	if version > 0 {
		h.Set("ETag", etag(version))
	}
	if location != "" && status == http.StatusCreated {
		h.Set("Location", location)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
