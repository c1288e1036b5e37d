package sync

import (
	"net/http"
	"net/url"
)

// Shape is the request shape of one IdP's first sync, exported for
// synthetic loads (provkit load): the same bodies the simulator sends,
// without its state, so a caller can send them concurrently and at scale.
type Shape struct {
	// Key names the shape: entra, okta or rfc.
	Key string
	// MediaType is sent as Content-Type and Accept; Header holds further
	// request headers the IdP sends.
	MediaType string
	Header    map[string]string
	// FindUser and FindGroup are the look-ups the IdP sends before a
	// create: GET /Users or /Groups with this query.
	FindUser  func(User) url.Values
	FindGroup func(name string) url.Values
	// UserBody and GroupBody are the creates' bodies (a group without members).
	UserBody  func(User) map[string]any
	GroupBody func(Group) map[string]any
	// AfterCreate lists the PATCH bodies the IdP sends to a group it just
	// created, before its members (Okta's push of the name), by request kind.
	AfterCreate func(id, name string) []KindBody
	// Members lists the PATCH bodies that give a new group its members
	// (ids: the target's user ids, emails: the same users' addresses), at
	// most batch members per request where the IdP splits them
	// (BatchedMembers; Okta sends the whole list in one replace).
	Members        func(ids, emails []string, batch int) []KindBody
	BatchedMembers bool
}

// KindBody is a request body and the kind of request it is, for
// per-kind measurements (add-members, replace-members, push-group).
type KindBody struct {
	Kind   string
	Method string
	Body   map[string]any
}

// ShapeKeys are the shapes ShapeOf knows.
var ShapeKeys = []string{"entra", "okta", "rfc"}

// ShapeOf returns an IdP's first-sync shape: "entra" (Entra ID's default
// mode), "okta" (Okta with Group Push) or "rfc" (plain RFC 7644, as the
// simulator sends for IdPs that document nothing more).
func ShapeOf(key string) (*Shape, bool) {
	switch key {
	case "entra":
		e := entra{}
		return &Shape{Key: key, MediaType: "application/scim+json",
			FindUser: func(u User) url.Values { return url.Values{"filter": {"externalId eq " + u.nickname()}} },
			FindGroup: func(name string) url.Values {
				return filter(`displayName eq `+quote(name), "excludedAttributes", "members")
			},
			UserBody: e.userBody,
			GroupBody: func(g Group) map[string]any {
				return map[string]any{"schemas": []any{groupSchema, adGroupSchema}, "externalId": e.groupID(g),
					"displayName": g.Name, "meta": map[string]any{"resourceType": "Group"}}
			},
			Members: func(ids, _ []string, batch int) []KindBody {
				return batches(ids, batch, func(part []string) KindBody {
					vals := make([]any, len(part))
					for i, id := range part {
						vals[i] = map[string]any{"$ref": nil, "value": id}
					}
					return KindBody{Kind: "add-members", Method: http.MethodPatch,
						Body: patchOp(map[string]any{"op": e.op("add"), "path": "members", "value": vals})}
				})
			},
			BatchedMembers: true}, true
	case "okta":
		o := okta{}
		return &Shape{Key: key, MediaType: "application/scim+json", Header: map[string]string{"User-Agent": "Okta SCIM Client 1.0.0"},
			FindUser: func(u User) url.Values {
				return filter(`userName eq `+quote(u.Email), "startIndex", "1", "count", "100")
			},
			FindGroup: func(name string) url.Values {
				return filter(`displayName eq `+quote(name), "startIndex", "1", "count", "100")
			},
			UserBody: o.userBody,
			GroupBody: func(g Group) map[string]any {
				return map[string]any{"schemas": []any{groupSchema}, "displayName": g.Name, "members": []any{}}
			},
			AfterCreate: func(id, name string) []KindBody {
				return []KindBody{{Kind: "push-group", Method: http.MethodPatch,
					Body: patchOp(map[string]any{"op": "replace", "value": map[string]any{"id": id, "displayName": name}})}}
			},
			Members: func(ids, emails []string, _ int) []KindBody {
				vals := make([]any, len(ids))
				for i := range ids {
					vals[i] = map[string]any{"value": ids[i], "display": emails[i]}
				}
				return []KindBody{{Kind: "replace-members", Method: http.MethodPatch,
					Body: patchOp(map[string]any{"op": "replace", "path": "members", "value": vals})}}
			}}, true
	case "rfc":
		return &Shape{Key: key, MediaType: "application/scim+json",
			FindUser:  func(u User) url.Values { return filter(`userName eq ` + quote(u.Email)) },
			FindGroup: func(name string) url.Values { return filter(`displayName eq ` + quote(name)) },
			UserBody:  func(u User) map[string]any { return rfcUserBody(u, u.ID) },
			GroupBody: func(g Group) map[string]any {
				b := map[string]any{"schemas": []any{groupSchema}, "displayName": g.Name}
				if g.ID != "" {
					b["externalId"] = g.ID
				}
				return b
			},
			Members: func(ids, _ []string, batch int) []KindBody {
				return batches(ids, batch, func(part []string) KindBody {
					vals := make([]any, len(part))
					for i, id := range part {
						vals[i] = map[string]any{"value": id}
					}
					return KindBody{Kind: "add-members", Method: http.MethodPatch,
						Body: patchOp(map[string]any{"op": "add", "path": "members", "value": vals})}
				})
			},
			BatchedMembers: true}, true
	}
	return nil, false
}

// batches splits ids into parts of at most n (n < 1: one part).
func batches(ids []string, n int, body func([]string) KindBody) []KindBody {
	if len(ids) == 0 {
		return nil
	}
	if n < 1 {
		n = len(ids)
	}
	var out []KindBody
	for i := 0; i < len(ids); i += n {
		out = append(out, body(ids[i:min(i+n, len(ids))]))
	}
	return out
}

// Nickname is the address's local part, which Entra ID sends as externalId
// (its mailNickname) and matches users on.
func (u User) Nickname() string { return u.nickname() }

// ExternalID is the externalId the shape's user create carries.
func (s *Shape) ExternalID(u User) string {
	if v, ok := s.UserBody(u)["externalId"].(string); ok {
		return v
	}
	return ""
}
