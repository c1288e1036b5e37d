package sync

import (
	"net/http"
	"net/url"
)

// Microsoft Entra ID's provisioning service. Sources: Microsoft Learn
// "Tutorial: Develop and plan provisioning for a SCIM endpoint"
// (use-scim-to-provision-users-and-groups.md), "Known issues and
// resolutions with SCIM 2.0 protocol compliance"
// (application-provisioning-config-problem-scim-compatibility.md), and the
// Keeper tutorial (keeper-password-manager-digitalvault-provisioning-tutorial.md).
//
// "entra" is the default behaviour of a non-gallery or older gallery app:
// capitalised op names, booleans as "True"/"False" strings, one operation
// per attribute, members removed by a value list. "entra-compliant" is the
// same client with the aadOptscim062020 flag: lower-case ops, real
// booleans, one path-less replace with dotted keys, members removed with a
// value filter.

const adGroupSchema = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"

var entraSources = []string{
	"Microsoft Learn: Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID",
	"Microsoft Learn: Known issues and resolutions with SCIM 2.0 protocol compliance of the Microsoft Entra user provisioning service",
	"Microsoft Learn: Configure Keeper Password Manager & Digital Vault for automatic user provisioning",
}

func init() {
	register(entraProfile("entra", "Microsoft Entra ID", false))
	register(entraProfile("entra-compliant", "Microsoft Entra ID (aadOptscim062020)", true))
}

func entraProfile(k, name string, compliant bool) *Profile {
	e := entra{compliant: compliant}
	return &Profile{Key: k, Name: name, MediaType: "application/scim+json", Sources: entraSources,
		connect: e.connect, sync: e.sync, update: e.update, deprovision: e.deprovision,
		findUser: e.findUser, findGroup: e.findGroup}
}

type entra struct{ compliant bool }

// op spells an operation name as this mode does.
func (e entra) op(name string) string {
	if e.compliant {
		return name
	}
	return map[string]string{"add": "Add", "replace": "Replace", "remove": "Remove"}[name]
}

// connect: Test Connection queries a user that does not exist, by a random
// GUID as the matching value, expecting an empty ListResponse; it also
// probes /Groups, where a 404 fails the test.
func (e entra) connect(s *Sim) error {
	if _, _, err := s.lookup("test connection: a user that does not exist", "/Users",
		filter(`userName eq `+quote(s.opts.NewID()))); err != nil {
		return err
	}
	_, _, err := s.lookup("test connection: a group that does not exist", "/Groups",
		filter(`displayName eq `+quote(s.opts.NewID()), "excludedAttributes", "members"))
	return err
}

// findUser matches on externalId (mailNickname), sending the value
// unquoted as Microsoft's own example does: `externalId eq jyoung`.
func (e entra) findUser(s *Sim, u User) (string, bool, error) {
	return s.lookup("look up "+u.Email, "/Users", url.Values{"filter": {"externalId eq " + u.nickname()}})
}

// findGroup reads groups without their members.
func (e entra) findGroup(s *Sim, name string) (string, bool, error) {
	return s.lookup("look up the group "+name, "/Groups", filter(`displayName eq `+quote(name), "excludedAttributes", "members"))
}

func (e entra) userBody(u User) map[string]any {
	return map[string]any{
		"schemas":     []any{userSchema, enterpriseSchema},
		"externalId":  u.nickname(),
		"userName":    u.Email,
		"active":      true,
		"displayName": u.display(),
		"emails":      []any{map[string]any{"primary": true, "type": "work", "value": u.Email}},
		"meta":        map[string]any{"resourceType": "User"},
		"name":        map[string]any{"formatted": u.display(), "familyName": u.FamilyName, "givenName": u.GivenName},
		"roles":       []any{},
	}
}

func (e entra) groupID(g Group) string {
	if g.ID != "" {
		return g.ID
	}
	return guid("entra-group", g.Name)
}

// addMembers: `{"op":"Add","path":"members","value":[{"$ref":null,"value":"…"}]}`,
// several members in one operation.
func (e entra) addMembers(s *Sim, gname, gid string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	vals := make([]any, len(ids))
	for i, id := range ids {
		vals[i] = map[string]any{"$ref": nil, "value": id}
	}
	_, err := s.send(req{step: "add members to " + gname, method: http.MethodPatch, path: "/Groups/" + gid,
		body: patchOp(map[string]any{"op": e.op("add"), "path": "members", "value": vals})})
	return err
}

func (e entra) sync(s *Sim) error {
	if err := provisionUsers(s, e.userBody); err != nil {
		return err
	}
	for _, g := range s.dir.Groups {
		id, found, err := e.findGroup(s, g.Name)
		if err != nil {
			return err
		}
		if !found {
			ex, err := s.send(req{step: "create the group " + g.Name, method: http.MethodPost, path: "/Groups",
				body: map[string]any{"schemas": []any{groupSchema, adGroupSchema}, "externalId": e.groupID(g),
					"displayName": g.Name, "meta": map[string]any{"resourceType": "Group"}}})
			if err != nil {
				return err
			}
			id = created(ex)
		}
		if id == "" {
			continue
		}
		s.groups[key(g.Name)] = id
		if err := e.addMembers(s, g.Name, id, s.memberIDs(g.Members)); err != nil {
			return err
		}
	}
	return nil
}

func (e entra) update(s *Sim) error {
	err := updateUsers(s, func(_, now User, up UserUpdate, id string) error {
		// Entra reads the user by its matching attribute before each change.
		if _, _, err := e.findUser(s, now); err != nil {
			return err
		}
		changes := userChanges(up)
		if len(changes) == 0 {
			return nil
		}
		var ops []map[string]any
		if e.compliant {
			// one path-less replace with dotted keys
			v := map[string]any{}
			for _, c := range changes {
				v[c[0]] = c[1]
			}
			ops = append(ops, map[string]any{"op": "replace", "value": v})
		} else {
			// one "Replace" per attribute
			for _, c := range changes {
				ops = append(ops, map[string]any{"op": "Replace", "path": c[0], "value": c[1]})
			}
		}
		_, err := s.send(req{step: "update " + now.Email, method: http.MethodPatch, path: "/Users/" + id, body: patchOp(ops...)})
		return err
	})
	if err != nil {
		return err
	}
	return updateGroups(s, func(g Group, up GroupUpdate, id string) error {
		if _, err := s.send(req{step: "read the group " + g.Name, method: http.MethodGet, path: "/Groups/" + id,
			query: url.Values{"excludedAttributes": {"members"}}}); err != nil {
			return err
		}
		if up.Rename != "" {
			if _, err := s.send(req{step: "rename the group " + g.Name, method: http.MethodPatch, path: "/Groups/" + id,
				body: patchOp(map[string]any{"op": e.op("replace"), "path": "displayName", "value": up.Rename})}); err != nil {
				return err
			}
		}
		if err := e.addMembers(s, g.Name, id, s.memberIDs(up.Add)); err != nil {
			return err
		}
		gone := s.memberIDs(up.Remove)
		if len(gone) == 0 {
			return nil
		}
		var ops []map[string]any
		if e.compliant {
			for _, m := range gone {
				ops = append(ops, map[string]any{"op": "remove", "path": `members[value eq ` + quote(m) + `]`})
			}
		} else {
			vals := make([]any, len(gone))
			for i, m := range gone {
				vals[i] = map[string]any{"value": m}
			}
			ops = append(ops, map[string]any{"op": "Remove", "path": "members", "value": vals})
		}
		_, err := s.send(req{step: "remove members from " + g.Name, method: http.MethodPatch, path: "/Groups/" + id, body: patchOp(ops...)})
		return err
	})
}

// deprovision: a user out of scope or disabled is set inactive; without the
// compliance flag the value is the string "False".
func (e entra) deprovision(s *Sim) error {
	return deprovisionUsers(s, func(u User, id string) error {
		var v any = "False"
		if e.compliant {
			v = false
		}
		_, err := s.send(req{step: "disable " + u.Email, method: http.MethodPatch, path: "/Users/" + id,
			body: patchOp(map[string]any{"op": e.op("replace"), "path": "active", "value": v})})
		return err
	})
}
