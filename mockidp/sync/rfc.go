package sync

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// JumpCloud, CloudGate, OneLogin and Google Workspace document little of
// their wire format. Each sends what its documentation says (JumpCloud's
// test user and group, its empty-group and takeover rules; CloudGate's
// "Test"; OneLogin's custom header and JSON template; Google's count=1
// probe) and the plain RFC 7644 form for the rest, listed in Undocumented.

// rfcClient is an IdP that speaks plain RFC 7644 with a few documented rules.
type rfcClient struct {
	probe         func(*Sim) error
	userBody      func(*Sim, User) map[string]any
	putUpdates    bool // profile updates: GET then PUT (else PATCH replace per path)
	groups        bool // pushes groups at all
	skipEmpty     bool // JumpCloud: empty groups are not created
	takeOver      bool // JumpCloud: an existing group with the same name is taken over
	membersInPost bool // the create carries the members
}

func (c rfcClient) profile(p *Profile) *Profile {
	p.connect, p.sync, p.update, p.deprovision = c.connect, c.sync, c.update, c.deprovision
	p.findUser, p.findGroup = findByUserName(), findByDisplayName()
	return register(p)
}

func (c rfcClient) connect(s *Sim) error {
	if c.probe == nil {
		return nil
	}
	return c.probe(s)
}

func (c rfcClient) sync(s *Sim) error {
	if err := provisionUsers(s, func(u User) map[string]any { return c.userBody(s, u) }); err != nil {
		return err
	}
	if !c.groups {
		return nil
	}
	for _, g := range s.dir.Groups {
		ids := s.memberIDs(g.Members)
		if c.skipEmpty && len(g.Members) == 0 {
			continue
		}
		if c.takeOver {
			id, found, err := s.prof.findGroup(s, g.Name)
			if err != nil {
				return err
			}
			if found {
				s.groups[key(g.Name)] = id
				if err := addMembersRFC(s, g.Name, id, ids); err != nil {
					return err
				}
				continue
			}
		}
		body := map[string]any{"schemas": []any{groupSchema}, "displayName": g.Name}
		if c.membersInPost {
			ms := []any{}
			for _, id := range ids {
				ms = append(ms, map[string]any{"value": id})
			}
			body["members"] = ms
		}
		ex, err := s.send(req{step: "create the group " + g.Name, method: http.MethodPost, path: "/Groups", body: body})
		if err != nil {
			return err
		}
		id := created(ex)
		if id == "" {
			continue
		}
		s.groups[key(g.Name)] = id
		if !c.membersInPost {
			if err := addMembersRFC(s, g.Name, id, ids); err != nil {
				return err
			}
		}
	}
	return nil
}

func addMembersRFC(s *Sim, name, gid string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	vals := make([]any, len(ids))
	for i, id := range ids {
		vals[i] = map[string]any{"value": id}
	}
	_, err := s.send(req{step: "add members to " + name, method: http.MethodPatch, path: "/Groups/" + gid,
		body: patchOp(map[string]any{"op": "add", "path": "members", "value": vals})})
	return err
}

func (c rfcClient) update(s *Sim) error {
	err := updateUsers(s, func(_, now User, up UserUpdate, id string) error {
		if c.putUpdates {
			if _, err := s.send(req{step: "read " + now.Email, method: http.MethodGet, path: "/Users/" + id}); err != nil {
				return err
			}
			_, err := s.send(req{step: "update " + now.Email, method: http.MethodPut, path: "/Users/" + id, body: c.userBody(s, now)})
			return err
		}
		var ops []map[string]any
		for _, ch := range userChanges(up) {
			ops = append(ops, map[string]any{"op": "replace", "path": ch[0], "value": ch[1]})
		}
		if len(ops) == 0 {
			return nil
		}
		_, err := s.send(req{step: "update " + now.Email, method: http.MethodPatch, path: "/Users/" + id, body: patchOp(ops...)})
		return err
	})
	if err != nil || !c.groups {
		return err
	}
	return updateGroups(s, func(g Group, up GroupUpdate, id string) error {
		if up.Rename != "" {
			if _, err := s.send(req{step: "rename the group " + g.Name, method: http.MethodPatch, path: "/Groups/" + id,
				body: patchOp(map[string]any{"op": "replace", "path": "displayName", "value": up.Rename})}); err != nil {
				return err
			}
		}
		if err := addMembersRFC(s, g.Name, id, s.memberIDs(up.Add)); err != nil {
			return err
		}
		var ops []map[string]any
		for _, m := range s.memberIDs(up.Remove) {
			ops = append(ops, map[string]any{"op": "remove", "path": `members[value eq ` + quote(m) + `]`})
		}
		if len(ops) == 0 {
			return nil
		}
		_, err := s.send(req{step: "remove members from " + g.Name, method: http.MethodPatch, path: "/Groups/" + id, body: patchOp(ops...)})
		return err
	})
}

// deprovision sets the user inactive (RFC 7644 §3.5.2.3 replace with a path).
func (c rfcClient) deprovision(s *Sim) error {
	return deprovisionUsers(s, func(u User, id string) error {
		_, err := s.send(req{step: "deactivate " + u.Email, method: http.MethodPatch, path: "/Users/" + id,
			body: patchOp(map[string]any{"op": "replace", "path": "active", "value": false})})
		return err
	})
}

// ---- JumpCloud ----

func init() {
	rfcClient{
		probe: jumpcloudTest,
		userBody: func(_ *Sim, u User) map[string]any {
			id := u.ID
			if id == "" {
				id = objectID("jumpcloud-user", u.Email)
			}
			return rfcUserBody(u, id)
		},
		groups: true, skipEmpty: true, takeOver: true,
	}.profile(&Profile{Key: "jumpcloud", Name: "JumpCloud", MediaType: "application/scim+json",
		Sources: []string{"JumpCloud support: Identity Management using a Custom SCIM Integration",
			"JumpCloud support: group management considerations for SCIM integrations",
			"JumpCloud support: Integrate with Keeper"},
		Undocumented: []string{"the user create and update bodies", "the group create body",
			"member add and remove (a third-party note says Entra-style value lists; not verified)",
			"deactivation (documented as \"change to inactive\"; sent as replace active false)"}})
}

// jumpcloudTest is Test Connection: it creates a test user (the "Test User
// Email") and a test group, then deletes both (JumpCloud deletes them when
// the app supports DELETE; on Keeper that DELETE locks the test user).
func jumpcloudTest(s *Sim) error {
	email := s.dir.testUser()
	test := User{Email: email, GivenName: "JumpCloud", FamilyName: "Test"}
	id, found, err := s.prof.findUser(s, test)
	if err != nil {
		return err
	}
	if !found {
		ex, err := s.send(req{step: "test connection: create the test user", method: http.MethodPost, path: "/Users",
			body: rfcUserBody(test, objectID("jumpcloud-user", email))})
		if err != nil {
			return err
		}
		id = created(ex)
	}
	name := "JumpCloud Test Group " + objectID("jumpcloud-test-group", email)[:8]
	ex, err := s.send(req{step: "test connection: create the test group", method: http.MethodPost, path: "/Groups",
		body: map[string]any{"schemas": []any{groupSchema}, "displayName": name}})
	if err != nil {
		return err
	}
	if gid := created(ex); gid != "" {
		if _, err := s.send(req{step: "test connection: delete the test group", method: http.MethodDelete, path: "/Groups/" + gid}); err != nil {
			return err
		}
	}
	if id != "" {
		if _, err := s.send(req{step: "test connection: delete the test user", method: http.MethodDelete, path: "/Users/" + id}); err != nil {
			return err
		}
	}
	return nil
}

// ---- CloudGate ----

func init() {
	rfcClient{
		probe: func(s *Sim) error {
			_, err := s.send(req{step: "test", method: http.MethodGet, path: "/Users", query: url.Values{"startIndex": {"1"}, "count": {"1"}}})
			return err
		},
		userBody:   func(_ *Sim, u User) map[string]any { return rfcUserBody(u, "") },
		putUpdates: true, groups: true, membersInPost: true,
	}.profile(&Profile{Key: "cloudgate", Name: "CloudGate UNO", MediaType: "application/scim+json",
		Sources: []string{"Keeper SSO Connect Cloud: CloudGate setup (provisioning tab, \"Test\")"},
		Undocumented: []string{"the \"Test\" request (sent as GET /Users?startIndex=1&count=1)",
			"every other request: plain RFC 7644 (lookup, POST, PUT updates, groups with members, deactivation by PATCH)"}})
}

// ---- OneLogin ----

// OneLoginTemplate is the SCIM JSON template Keeper's OneLogin guide asks
// for ("userName" must be the email; displayName "{$user.display_name}"),
// completed with OneLogin's default name and email mappings.
const OneLoginTemplate = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "userName": "{$parameters.scimusername}",
  "displayName": "{$user.display_name}",
  "name": {"givenName": "{$user.firstname}", "familyName": "{$user.lastname}"},
  "emails": [{"value": "{$user.email}", "type": "work", "primary": true}]
}`

func init() {
	rfcClient{
		userBody: func(s *Sim, u User) map[string]any {
			b, err := renderOneLogin(OneLoginTemplate, u)
			if err != nil { // the template is a constant: a test keeps it valid
				panic(err)
			}
			return b
		},
		groups: true,
	}.profile(&Profile{Key: "onelogin", Name: "OneLogin", MediaType: "application/scim+json",
		// Keeper's guide: add the custom header Content-Type: application/scim+json.
		Header:  map[string]string{"Content-Type": "application/scim+json"},
		Sources: []string{"Keeper Enterprise guide: OneLogin provisioning with SCIM (JSON template, custom header)"},
		Undocumented: []string{"no Test Connection request is documented: the connect phase sends nothing",
			"lookups, group pushes, updates (PATCH replace per path) and deactivation: plain RFC 7644"}})
}

// renderOneLogin fills the template's placeholders with JSON-escaped values.
func renderOneLogin(tmpl string, u User) (map[string]any, error) {
	esc := func(v string) string { b, _ := json.Marshal(v); return string(b[1 : len(b)-1]) }
	r := strings.NewReplacer(
		"{$parameters.scimusername}", esc(u.Email),
		"{$user.display_name}", esc(u.display()),
		"{$user.firstname}", esc(u.GivenName),
		"{$user.lastname}", esc(u.FamilyName),
		"{$user.email}", esc(u.Email))
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Replace(tmpl)), &m); err != nil {
		return nil, fmt.Errorf("onelogin template: %w", err)
	}
	return m, nil
}

// ---- Google Workspace ----

func init() {
	rfcClient{
		probe: func(s *Sim) error {
			_, err := s.send(req{step: "configure autoprovisioning: probe", method: http.MethodGet, path: "/Users",
				query: url.Values{"count": {"1"}}})
			return err
		},
		userBody: func(_ *Sim, u User) map[string]any {
			id := u.ID
			if id == "" {
				id = googleID(u.Email)
			}
			return rfcUserBody(u, id)
		},
	}.profile(&Profile{Key: "google", Name: "Google Workspace", MediaType: "application/scim+json",
		Sources: []string{"Google Workspace Admin Help: Configure Keeper user provisioning (autoprovisioning)",
			"authn.sh: Google Workspace setup probe GET /Users?count=1 (third party)"},
		Undocumented: []string{"every request but the probe: plain RFC 7644",
			"groups: Google's autoprovisioning provisions users only (Keeper's Cloud Function pushes groups; not simulated)"}})
}

// googleID is a Google-style numeric user id (21 digits).
func googleID(email string) string {
	d := digest("google-user", email)
	var b strings.Builder
	b.WriteByte('1')
	for i := 0; i < 20; i++ {
		b.WriteByte('0' + d[i]%10)
	}
	return b.String()
}
