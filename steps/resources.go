package steps

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/provkit/provkit/internal/scimclient"
)

// SCIM URNs the steps send.
const (
	userSchema       = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupSchema      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	enterpriseSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	patchOpSchema    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	listSchema       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	errorSchema      = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// persona is the profile a named user is provisioned with.
type persona struct {
	given, family, display string
	external               string // suffix of the externalId after the scope; "" for none
	emailType              string
	homeEmail              bool // a second, home email: {scope}-name@domain (not primary)
}

// personas are the named users the features use; any other name gets a
// generic profile (see personaFor). docs/harness.md lists them.
var personas = map[string]persona{
	"alice": {given: "Alice", family: "Smith", display: "Alice Smith", external: "a1", emailType: "work"},
	"bob":   {given: "Bob", family: "Jones", display: "Bob Jones", emailType: "home"},
	"carol": {given: "Carol", family: "Adams", display: "Carol Adams", external: "c3", emailType: "work"},
	"dave":  {emailType: "work"}, // no name, no display name, no externalId
	"erin":  {given: "Erin", family: "Brown", display: "Erin Brown", external: "e5", emailType: "work", homeEmail: true},
}

type profile struct {
	given, family, display, externalID, emailType string
	homeEmail                                     bool
}

func (w *World) persona(name string) profile {
	p, ok := personas[name]
	if !ok {
		t := strings.ToUpper(name[:1]) + name[1:]
		p = persona{given: t, family: "Example", display: t + " Example", external: name, emailType: "work"}
	}
	pr := profile{given: p.given, family: p.family, display: p.display, emailType: p.emailType, homeEmail: p.homeEmail}
	if p.external != "" {
		pr.externalID = w.scope + "-" + p.external
	}
	return pr
}

// userBody is the SCIM User a persona is provisioned with.
func (w *World) userBody(name string) map[string]any {
	p := w.persona(name)
	un := w.userName(name)
	b := map[string]any{
		"schemas":  []any{userSchema},
		"userName": un,
		"emails":   []any{map[string]any{"value": un, "type": p.emailType, "primary": true}},
		"active":   true,
	}
	if p.homeEmail {
		b["emails"] = append(b["emails"].([]any), map[string]any{"value": w.homeEmail(name), "type": "home"})
	}
	if p.externalID != "" {
		b["externalId"] = p.externalID
	}
	if p.given != "" {
		b["name"] = map[string]any{"givenName": p.given, "familyName": p.family}
	}
	if p.display != "" {
		b["displayName"] = p.display
	}
	return b
}

// homeEmail is the second email of a persona that has one: like its userName
// but with a dash after the scope, so "{scope}." filters do not find it.
func (w *World) homeEmail(name string) string {
	un := w.userName(name)
	return w.scope + "-" + strings.TrimPrefix(un, w.scope+".")
}

// entraUserBody is a create as Microsoft Entra ID sends it (Microsoft Learn,
// "Tutorial: Develop and plan provisioning for a SCIM endpoint").
func (w *World) entraUserBody(name string) map[string]any {
	p := w.persona(name)
	un := w.userName(name)
	return map[string]any{
		"schemas":    []any{userSchema, enterpriseSchema},
		"externalId": w.scope + "-0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
		"userName":   un,
		"active":     true,
		"emails":     []any{map[string]any{"primary": true, "type": "work", "value": un}},
		"meta":       map[string]any{"resourceType": "User"},
		"name":       map[string]any{"formatted": p.given + " " + p.family, "familyName": p.family, "givenName": p.given},
		"roles":      []any{},
		enterpriseSchema: map[string]any{
			"employeeNumber": "701984", "department": "Engineering",
		},
	}
}

// oktaUserBody is a create as Okta sends it (Okta SCIM 2.0 reference).
func (w *World) oktaUserBody(name string) map[string]any {
	p := w.persona(name)
	un := w.userName(name)
	return map[string]any{
		"schemas":     []any{userSchema},
		"userName":    un,
		"name":        map[string]any{"givenName": p.given, "familyName": p.family},
		"emails":      []any{map[string]any{"primary": true, "value": un, "type": "work"}},
		"displayName": p.display,
		"locale":      "en-US",
		"externalId":  "00ujl29u0le5T6Aj10h7",
		"groups":      []any{},
		"password":    "1mz050nq",
		"active":      true,
	}
}

// remember records a user from a create (or read) answer.
func (w *World) remember(name string, ex *scimclient.Exchange) *user {
	u := &user{name: name, userName: ex.Get("userName").String(), id: ex.Get("id").String(),
		externalID: ex.Get("externalId").String(), created: ex.Get("meta.created").String(), version: versionOf(ex),
		modified: ex.Get("meta.lastModified").String()}
	if u.userName == "" {
		u.userName = w.userName(name)
	}
	if _, seen := w.users[name]; !seen {
		w.order = append(w.order, name)
	}
	w.users[name] = u
	return u
}

// removeUserAtEnd removes a user the scenario created when it ends.
func (w *World) removeUserAtEnd(id string, c *scimclient.Client) {
	w.atEnd(func(ctx context.Context) error {
		if w.admin != nil {
			if err := w.admin.deleteUser(ctx, id); err != nil {
				w.cfg.leave("user not deleted through the admin API: " + firstLine(err.Error()))
				return err
			}
			return nil
		}
		ex, err := c.Do(ctx, scimclient.Request{Method: http.MethodDelete, Path: "/Users/" + id})
		if err != nil || (!ex.OK() && ex.Status != http.StatusNotFound) {
			w.cfg.leave(fmt.Sprintf("user not deleted: DELETE /Users/{id} answered %s", answerOf(ex, err)))
			return err
		}
		// A Keeper-like target locks instead of deleting: the user is still there.
		if ex, err := c.Do(ctx, scimclient.Request{Method: http.MethodGet, Path: "/Users/" + id}); err == nil && ex.OK() {
			w.cfg.leave("user still there after DELETE /Users/{id} (locked, as Keeper does; an admin API, --admin-url, deletes it)")
		}
		return nil
	})
}

func answerOf(ex *scimclient.Exchange, err error) string {
	if err != nil {
		return "nothing (" + firstLine(err.Error()) + ")"
	}
	return fmt.Sprint(ex.Status)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// removeGroupAtEnd deletes a group the scenario created when it ends.
func (w *World) removeGroupAtEnd(id string, c *scimclient.Client) {
	w.atEnd(func(ctx context.Context) error {
		ex, err := c.Do(ctx, scimclient.Request{Method: http.MethodDelete, Path: "/Groups/" + id})
		if err != nil || (!ex.OK() && ex.Status != http.StatusNotFound) {
			w.cfg.leave(fmt.Sprintf("group not deleted: DELETE /Groups/{id} answered %s", answerOf(ex, err)))
		}
		return err
	})
}

// ensureUser provisions a persona unless the scenario already has it.
func (w *World) ensureUser(name string) (*user, error) {
	if u, ok := w.users[name]; ok {
		return u, nil
	}
	ex, err := w.do(http.MethodPost, "/Users", w.userBody(name))
	if err := okOr(ex, err, "provisioning the user "+name); err != nil {
		return nil, err
	}
	u := w.remember(name, ex)
	if u.id == "" {
		return nil, failf(ex, "provisioning the user %s: the answer has no id", name)
	}
	w.removeUserAtEnd(u.id, w.c)
	return u, nil
}

// groupBody is a SCIM Group for a named group with the given member ids.
func (w *World) groupBody(name string, memberIDs []string) map[string]any {
	b := map[string]any{
		"schemas":     []any{groupSchema},
		"displayName": w.groupDisplayName(name),
		"externalId":  w.scope + "-" + name,
	}
	if memberIDs != nil {
		ms := make([]any, 0, len(memberIDs))
		for _, id := range memberIDs {
			ms = append(ms, map[string]any{"value": id})
		}
		b["members"] = ms
	}
	return b
}

func (w *World) rememberGroup(name string, ex *scimclient.Exchange) *group {
	g := &group{name: name, id: ex.Get("id").String(), displayName: ex.Get("displayName").String(), externalID: ex.Get("externalId").String(),
		version: versionOf(ex)}
	if g.displayName == "" {
		g.displayName = w.groupDisplayName(name)
	}
	if g.externalID == "" {
		g.externalID = w.scope + "-" + name
	}
	w.groups[name] = g
	return g
}

// ensureGroup creates a group unless the scenario already has it.
func (w *World) ensureGroup(name string, members ...string) (*group, error) {
	if g, ok := w.groups[name]; ok {
		if len(members) > 0 {
			if err := w.addMembers(g, members...); err != nil {
				return nil, err
			}
		}
		return g, nil
	}
	ids := []string{}
	for _, m := range members {
		u, err := w.ensureUser(m)
		if err != nil {
			return nil, err
		}
		ids = append(ids, u.id)
	}
	ex, err := w.do(http.MethodPost, "/Groups", w.groupBody(name, ids))
	if err := okOr(ex, err, "creating the group "+name); err != nil {
		return nil, err
	}
	g := w.rememberGroup(name, ex)
	if g.id == "" {
		return nil, failf(ex, "creating the group %s: the answer has no id", name)
	}
	w.removeGroupAtEnd(g.id, w.c)
	return g, nil
}

func (w *World) addMembers(g *group, names ...string) error {
	var vals []any
	for _, n := range names {
		u, err := w.ensureUser(n)
		if err != nil {
			return err
		}
		vals = append(vals, map[string]any{"value": u.id})
	}
	ex, err := w.do(http.MethodPatch, "/Groups/"+g.id, patchBody(map[string]any{"op": "add", "path": "members", "value": vals}))
	return okOr(ex, err, "adding members to the group "+g.name)
}

func patchBody(ops ...any) map[string]any {
	return map[string]any{"schemas": []any{patchOpSchema}, "Operations": ops}
}

// read GETs a user or group of the scenario.
func (w *World) read(kind, name string) (*scimclient.Exchange, error) {
	path, err := w.pathOf(kind, name)
	if err != nil {
		return nil, err
	}
	return w.do(http.MethodGet, path, nil)
}

func (w *World) pathOf(kind, name string) (string, error) {
	if kind == "user" {
		u, err := w.mustUser(name)
		if err != nil {
			return "", err
		}
		return "/Users/" + u.id, nil
	}
	g, err := w.mustGroup(name)
	if err != nil {
		return "", err
	}
	return "/Groups/" + g.id, nil
}
