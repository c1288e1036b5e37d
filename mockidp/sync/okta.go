package sync

import (
	"net/http"
	"net/url"
)

// Okta's SCIM 2.0 client (OIN app with Group Push). Sources: Okta developer
// documentation "SCIM 2.0 protocol reference" (docs/reference/scim/scim-20),
// the SCIM 1.1 reference for the requests on saving the app configuration,
// Captain-P-Goldfish/SCIM-SDK#757 for "replace members []" on an empty push,
// imulab/go-scim#57 for the rename carrying the group's id.

func init() {
	o := okta{}
	register(&Profile{Key: "okta", Name: "Okta", MediaType: "application/scim+json",
		Header: map[string]string{"User-Agent": "Okta SCIM Client 1.0.0"},
		Sources: []string{"Okta developer documentation: SCIM 2.0 protocol reference",
			"Okta developer documentation: SCIM 1.1 protocol reference (requests on saving the app)"},
		connect: o.connect, sync: o.sync, update: o.update, deprovision: o.deprovision,
		findUser: o.findUser, findGroup: o.findGroup})
}

type okta struct{}

// connect: saving the app's provisioning settings reads two users and the
// groups with constant paging parameters.
func (okta) connect(s *Sim) error {
	if _, err := s.send(req{step: "test connector: read users", method: http.MethodGet, path: "/Users",
		query: url.Values{"startIndex": {"1"}, "count": {"2"}}}); err != nil {
		return err
	}
	_, err := s.send(req{step: "test connector: read groups", method: http.MethodGet, path: "/Groups",
		query: url.Values{"startIndex": {"1"}, "count": {"100"}}})
	return err
}

// findUser: `filter=userName eq "…"&startIndex=1&count=100`; Okta accepts an
// empty ListResponse or a 404 as "not there".
func (okta) findUser(s *Sim, u User) (string, bool, error) {
	return s.lookup("look up "+u.Email, "/Users",
		filter(`userName eq `+quote(u.Email), "startIndex", "1", "count", "100"), http.StatusOK, http.StatusNotFound)
}

func (okta) findGroup(s *Sim, name string) (string, bool, error) {
	return s.lookup("look up the group "+name, "/Groups",
		filter(`displayName eq `+quote(name), "startIndex", "1", "count", "100"), http.StatusOK, http.StatusNotFound)
}

func (okta) userID(u User) string {
	if u.ID != "" {
		return u.ID
	}
	return oktaID("00u", "okta-user", u.Email)
}

// userBody is Okta's create and, with id, its PUT: the whole profile, a
// placeholder password, locale, an empty groups list.
func (o okta) userBody(u User) map[string]any {
	return map[string]any{
		"schemas":     []any{userSchema},
		"userName":    u.Email,
		"name":        map[string]any{"givenName": u.GivenName, "familyName": u.FamilyName},
		"emails":      []any{map[string]any{"primary": true, "value": u.Email, "type": "work"}},
		"displayName": u.display(),
		"locale":      "en-US",
		"externalId":  o.userID(u),
		"groups":      []any{},
		"password":    "1mz050nq",
		"active":      true,
	}
}

// rename: `{"op":"replace","value":{"id":"…","displayName":"…"}}`, sent
// with every membership update.
func (okta) rename(s *Sim, gid, name string) error {
	_, err := s.send(req{step: "push the group " + name, method: http.MethodPatch, path: "/Groups/" + gid,
		body: patchOp(map[string]any{"op": "replace", "value": map[string]any{"id": gid, "displayName": name}})})
	return err
}

func member(s *Sim, email string) map[string]any {
	return map[string]any{"value": s.users[key(email)], "display": email}
}

func (o okta) sync(s *Sim) error {
	if err := provisionUsers(s, o.userBody); err != nil {
		return err
	}
	for _, g := range s.dir.Groups {
		ex, err := s.send(req{step: "push the group " + g.Name, method: http.MethodPost, path: "/Groups",
			body: map[string]any{"schemas": []any{groupSchema}, "displayName": g.Name, "members": []any{}}})
		if err != nil {
			return err
		}
		id := created(ex)
		if id == "" {
			continue
		}
		s.groups[key(g.Name)] = id
		if err := o.rename(s, id, g.Name); err != nil {
			return err
		}
		// "Push now": the whole member list; an empty group sends "value": [].
		vals := []any{}
		for _, e := range g.Members {
			if s.users[key(e)] != "" {
				vals = append(vals, member(s, e))
			}
		}
		if _, err := s.send(req{step: "push the members of " + g.Name, method: http.MethodPatch, path: "/Groups/" + id,
			body: patchOp(map[string]any{"op": "replace", "path": "members", "value": vals})}); err != nil {
			return err
		}
	}
	return nil
}

// update: a profile change reads the user and PUTs the whole resource; a
// group change sends the rename, then one PATCH removing (value filter)
// and adding members.
func (o okta) update(s *Sim) error {
	err := updateUsers(s, func(_, now User, _ UserUpdate, id string) error {
		if _, err := s.send(req{step: "read " + now.Email, method: http.MethodGet, path: "/Users/" + id}); err != nil {
			return err
		}
		b := o.userBody(now)
		b["id"] = id
		delete(b, "password")
		_, err := s.send(req{step: "update " + now.Email, method: http.MethodPut, path: "/Users/" + id, body: b})
		return err
	})
	if err != nil {
		return err
	}
	return updateGroups(s, func(g Group, up GroupUpdate, id string) error {
		name := s.groupName(g.Name)
		if up.Rename != "" {
			name = up.Rename
		}
		if err := o.rename(s, id, name); err != nil {
			return err
		}
		var ops []map[string]any
		for _, e := range up.Remove {
			if m := s.users[key(e)]; m != "" {
				ops = append(ops, map[string]any{"op": "remove", "path": `members[value eq ` + quote(m) + `]`})
			}
		}
		var add []any
		for _, e := range up.Add {
			if s.users[key(e)] != "" {
				add = append(add, member(s, e))
			}
		}
		if len(add) > 0 {
			ops = append(ops, map[string]any{"op": "add", "path": "members", "value": add})
		}
		if len(ops) == 0 {
			return nil
		}
		_, err := s.send(req{step: "update the members of " + name, method: http.MethodPatch, path: "/Groups/" + id, body: patchOp(ops...)})
		return err
	})
}

// deprovision: unassigning or deactivating sends a path-less
// {"active": false}; Okta never deletes a user.
func (okta) deprovision(s *Sim) error {
	return deprovisionUsers(s, func(u User, id string) error {
		_, err := s.send(req{step: "deactivate " + u.Email, method: http.MethodPatch, path: "/Users/" + id,
			body: patchOp(map[string]any{"op": "replace", "value": map[string]any{"active": false}})})
		return err
	})
}
