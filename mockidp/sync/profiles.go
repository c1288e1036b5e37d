package sync

import (
	"net/http"
	"sort"
)

// Profile is one identity provider's SCIM client: its headers, its four
// phases and how it finds its objects on the target.
type Profile struct {
	Key  string // the name on the command line: okta, entra, ...
	Name string // the product's name
	// MediaType is sent as Content-Type and Accept.
	MediaType string
	// Header holds further request headers the IdP sends (User-Agent, ...).
	Header map[string]string
	// Sources name the documents the request shapes come from.
	Sources []string
	// Undocumented lists the requests sent in the plain RFC 7644 form
	// because the vendor does not document its own.
	Undocumented []string

	connect, sync, update, deprovision func(*Sim) error
	findUser                           func(*Sim, User) (id string, found bool, err error)
	findGroup                          func(*Sim, string) (id string, found bool, err error)
}

var profiles = map[string]*Profile{}

func register(p *Profile) *Profile {
	profiles[p.Key] = p
	return p
}

// Lookup returns the profile of an IdP by its key.
func Lookup(key string) (*Profile, bool) {
	p, ok := profiles[key]
	return p, ok
}

// Names lists the IdP keys, sorted.
func Names() []string {
	var n []string
	for k := range profiles {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// ---- shared building blocks ----

// rfcUserBody is a plain RFC 7643 user.
func rfcUserBody(u User, externalID string) map[string]any {
	b := map[string]any{
		"schemas":     []any{userSchema},
		"userName":    u.Email,
		"name":        map[string]any{"givenName": u.GivenName, "familyName": u.FamilyName},
		"displayName": u.display(),
		"emails":      []any{map[string]any{"value": u.Email, "type": "work", "primary": true}},
		"active":      true,
	}
	if externalID != "" {
		b["externalId"] = externalID
	}
	return b
}

// findByUserName is the common lookup: filter userName eq "email".
func findByUserName(extra ...string) func(*Sim, User) (string, bool, error) {
	return func(s *Sim, u User) (string, bool, error) {
		return s.lookup("look up "+u.Email, "/Users", filter(`userName eq `+quote(u.Email), extra...))
	}
}

// findByDisplayName is the common group lookup: filter displayName eq "name".
func findByDisplayName(extra ...string) func(*Sim, string) (string, bool, error) {
	return func(s *Sim, name string) (string, bool, error) {
		return s.lookup("look up the group "+name, "/Groups", filter(`displayName eq `+quote(name), extra...))
	}
}

// provisionUsers looks every user up and creates the ones the target does
// not have, with the IdP's body.
func provisionUsers(s *Sim, body func(User) map[string]any) error {
	for _, u := range s.dir.Users {
		id, found, err := s.prof.findUser(s, u)
		if err != nil {
			return err
		}
		if found {
			s.users[key(u.Email)] = id
			continue
		}
		ex, err := s.send(req{step: "create " + u.Email, method: http.MethodPost, path: "/Users", body: body(u)})
		if err != nil {
			return err
		}
		if id := created(ex); id != "" {
			s.users[key(u.Email)] = id
		}
	}
	return nil
}

// deprovisionUsers finds each user to deprovision and sends the IdP's request.
func deprovisionUsers(s *Sim, send func(u User, id string) error) error {
	for _, e := range s.dir.Deprovision {
		u, _ := s.dir.user(e)
		id, err := s.ensureUserID(u)
		if err != nil {
			return err
		}
		if id == "" {
			s.missing("deprovision " + u.Email)
			continue
		}
		if err := send(u, id); err != nil {
			return err
		}
	}
	return nil
}

// updateUsers finds each updated user and sends the IdP's request.
func updateUsers(s *Sim, send func(old, now User, up UserUpdate, id string) error) error {
	for _, up := range s.dir.Updates.Users {
		u, _ := s.dir.user(up.Email)
		id, err := s.ensureUserID(u)
		if err != nil {
			return err
		}
		if id == "" {
			s.missing("update " + u.Email)
			continue
		}
		if err := send(u, u.apply(up), up, id); err != nil {
			return err
		}
	}
	return nil
}

// updateGroups finds each updated group and sends the IdP's requests.
func updateGroups(s *Sim, send func(g Group, up GroupUpdate, id string) error) error {
	for _, up := range s.dir.Updates.Groups {
		g, _ := s.dir.group(up.Name)
		id, err := s.ensureGroupID(g)
		if err != nil {
			return err
		}
		if id == "" {
			s.missing("update the group " + g.Name)
			continue
		}
		if err := send(g, up, id); err != nil {
			return err
		}
		if up.Rename != "" {
			s.names[key(g.Name)] = up.Rename
		}
	}
	return nil
}

// userChanges lists the attributes an update changes, as PATCH paths with
// their new values, in a fixed order.
func userChanges(up UserUpdate) [][2]string {
	var out [][2]string
	if up.DisplayName != "" {
		out = append(out, [2]string{"displayName", up.DisplayName})
	}
	if up.GivenName != "" {
		out = append(out, [2]string{"name.givenName", up.GivenName})
	}
	if up.FamilyName != "" {
		out = append(out, [2]string{"name.familyName", up.FamilyName})
	}
	return out
}
