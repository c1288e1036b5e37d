package scim

import (
	"strconv"
	"strings"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/scim/filter"
	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/store"
)

// Filters and sort keys evaluated on directory users without rendering them.
//
// A user's rendering (userMap) is a function of its fields, its teams and
// the request's base URL. The attributes the directory keeps in fields of
// its own (id, userName, displayName, externalId, active, emails, groups,
// meta) are read from those fields here, exactly as userMap writes them.
// Every other attribute (name, which also takes sub-attributes from Extra,
// schemas, nickName, the enterprise extension, ...) comes only from the
// fields and from u.Extra: for a user without Extra it is read from the
// fields, for a user with Extra from its rendering (rare on the hot path:
// the benchmark's users, like most IdPs' users, have none).

// userRec is a user with its teams (nil when the filter does not name groups).
type userRec struct {
	u     *directory.User
	teams []store.UserTeam
}

// compileUserFilter compiles a validated User filter into a predicate over
// users; ok is false when it names something the records cannot answer
// (groups without withTeams, a value path on an attribute other than emails
// or groups).
func compileUserFilter(e filter.Expr, base string, withTeams bool) (func(userRec) bool, bool) {
	return filter.Compile(e, schema.UserType, userSource(base, withTeams))
}

func userSource(base string, withTeams bool) filter.Source[userRec] {
	rendered := func(ref schema.Ref) func(userRec) []any {
		return func(r userRec) []any { return filter.ResourceValues(userMap(*r.u, r.teams, base), ref) }
	}
	one := func(f func(u *directory.User) any) func(userRec) []any {
		return func(r userRec) []any { return []any{f(r.u)} }
	}
	values := func(ref schema.Ref) func(userRec) []any {
		if ref.Extension {
			return func(r userRec) []any {
				if r.u.Extra == "" {
					return nil
				}
				return filter.ResourceValues(userMap(*r.u, r.teams, base), ref)
			}
		}
		switch ref.Name {
		case "id":
			return one(func(u *directory.User) any { return strconv.FormatInt(u.ID, 10) })
		case "userName":
			return one(func(u *directory.User) any { return u.UserName })
		case "displayName":
			return one(func(u *directory.User) any { return u.DisplayName })
		case "externalId":
			return one(func(u *directory.User) any { return u.ExternalID })
		case "active":
			return one(func(u *directory.User) any { return !u.Locked })
		case "meta":
			switch ref.Sub {
			case "resourceType":
				return one(func(*directory.User) any { return "User" })
			case "created":
				return one(func(u *directory.User) any { return ts(u.Created) })
			case "lastModified":
				return one(func(u *directory.User) any { return ts(u.Modified) })
			case "location":
				return one(func(u *directory.User) any { return base + "/Users/" + strconv.FormatInt(u.ID, 10) })
			case "version":
				return one(func(u *directory.User) any { return etag(u.Version) })
			}
			return rendered(ref)
		case "emails":
			switch ref.Sub {
			case "value":
				return func(r userRec) []any {
					out := make([]any, len(r.u.Emails))
					for i, e := range r.u.Emails {
						out[i] = e.Value
					}
					return out
				}
			case "type":
				return func(r userRec) []any {
					out := make([]any, len(r.u.Emails))
					for i, e := range r.u.Emails {
						out[i] = e.Type // "" is absent to Match
					}
					return out
				}
			case "primary":
				return func(r userRec) []any {
					var out []any
					for _, e := range r.u.Emails {
						if e.Primary { // false is not rendered
							out = append(out, true)
						}
					}
					return out
				}
			}
			return rendered(ref)
		case "groups":
			if !withTeams {
				return nil
			}
			return rendered(ref)
		}
		// name, schemas and the attributes only Extra holds.
		return func(r userRec) []any {
			if r.u.Extra != "" {
				return filter.ResourceValues(userMap(*r.u, r.teams, base), ref)
			}
			return plainValues(r.u, ref)
		}
	}
	elements := func(ref schema.Ref) (func(userRec) int, func(schema.Ref) func(userRec, int) []any) {
		switch {
		case ref.Extension:
			return nil, nil
		case ref.Name == "emails":
			return func(r userRec) int { return len(r.u.Emails) }, func(sub schema.Ref) func(userRec, int) []any {
				switch sub.Sub {
				case "value":
					return func(r userRec, i int) []any { return []any{r.u.Emails[i].Value} }
				case "type":
					return func(r userRec, i int) []any { return []any{r.u.Emails[i].Type} }
				case "primary":
					return func(r userRec, i int) []any {
						if r.u.Emails[i].Primary {
							return []any{true}
						}
						return nil
					}
				case "display":
					return func(userRec, int) []any { return nil } // never rendered
				}
				return nil
			}
		case ref.Name == "groups" && withTeams:
			return func(r userRec) int { return len(r.teams) }, func(sub schema.Ref) func(userRec, int) []any {
				switch sub.Sub {
				case "value":
					return func(r userRec, i int) []any { return []any{r.teams[i].TeamID} }
				case "display":
					return func(r userRec, i int) []any { return []any{r.teams[i].DisplayName} }
				case "$ref":
					return func(r userRec, i int) []any { return []any{base + "/Groups/" + r.teams[i].TeamID} }
				case "type":
					return func(userRec, int) []any { return []any{"direct"} }
				}
				return nil
			}
		}
		return nil, nil
	}
	text := func(ref schema.Ref) func(userRec) string {
		if ref.Extension || ref.Sub != "" {
			return nil
		}
		switch ref.Name {
		case "userName":
			return func(r userRec) string { return r.u.UserName }
		case "displayName":
			return func(r userRec) string { return r.u.DisplayName }
		case "externalId":
			return func(r userRec) string { return r.u.ExternalID }
		}
		return nil
	}
	return filter.Source[userRec]{Values: values, Text: text, Elements: elements}
}

// plainValues reads, for a user without Extra, an attribute that is not one
// of the directory's own fields: name (from GivenName and FamilyName),
// schemas, or an attribute only Extra could hold (absent).
func plainValues(u *directory.User, ref schema.Ref) []any {
	switch ref.Name {
	case "schemas":
		return []any{schema.UserURN}
	case "name":
		if u.GivenName == "" && u.FamilyName == "" {
			return nil
		}
		switch ref.Sub {
		case "givenName":
			return []any{u.GivenName}
		case "familyName":
			return []any{u.FamilyName}
		case "formatted":
			return []any{joinName(u.GivenName, u.FamilyName)}
		case "":
			return []any{nameMap(u)}
		}
	}
	return nil
}

// userSortKey returns the sort key sortMaps would read for sortBy from a
// user's rendering (sortValue), read from the user; ok is false for an
// attribute it does not cover (groups).
func userSortKey(by, base string, caseExact bool) (func(userRec) any, bool) {
	rt := schema.UserType
	uri, rest := rt.SplitURN(by)
	name, sub, _ := strings.Cut(rest, ".")
	ref, _ := rt.Lookup(uri, name, sub)
	if ref.Name == "groups" && !ref.Extension {
		return nil, false
	}
	keys := ref.Key()
	exact := caseExact || ref.Attr != nil && ref.Attr.CaseExact
	raw := func(r userRec) any { return sortValue(userMap(*r.u, r.teams, base), keys, exact) }
	fold := func(f func(u *directory.User) any) func(userRec) any {
		return func(r userRec) any {
			v := f(r.u)
			if s, ok := v.(string); ok && !exact {
				return strings.ToLower(s)
			}
			return v
		}
	}
	nonEmpty := func(s string) any {
		if s == "" {
			return nil // not rendered
		}
		return s
	}
	if ref.Extension {
		return func(r userRec) any {
			if r.u.Extra == "" {
				return nil
			}
			return raw(r)
		}, true
	}
	switch {
	case ref.Name == "id":
		return fold(func(u *directory.User) any { return strconv.FormatInt(u.ID, 10) }), true
	case ref.Name == "userName":
		return fold(func(u *directory.User) any { return u.UserName }), true
	case ref.Name == "displayName":
		return fold(func(u *directory.User) any { return nonEmpty(u.DisplayName) }), true
	case ref.Name == "externalId":
		return fold(func(u *directory.User) any { return nonEmpty(u.ExternalID) }), true
	case ref.Name == "active":
		return fold(func(u *directory.User) any { return !u.Locked }), true
	case ref.Name == "meta" && ref.Sub == "created":
		return fold(func(u *directory.User) any { return ts(u.Created) }), true
	case ref.Name == "meta" && ref.Sub == "lastModified":
		return fold(func(u *directory.User) any { return ts(u.Modified) }), true
	case ref.Name == "emails" && (ref.Sub == "" || ref.Sub == "value" || ref.Sub == "type" || ref.Sub == "primary"):
		return fold(func(u *directory.User) any {
			if len(u.Emails) == 0 {
				return nil
			}
			e := u.Emails[0]
			for _, x := range u.Emails {
				if x.Primary {
					e = x
					break
				}
			}
			switch ref.Sub {
			case "type":
				return nonEmpty(e.Type)
			case "primary":
				if e.Primary {
					return true
				}
				return nil
			}
			return e.Value
		}), true
	case ref.Name == "name" && (ref.Sub == "givenName" || ref.Sub == "familyName" || ref.Sub == "formatted"):
		plain := fold(func(u *directory.User) any {
			switch ref.Sub {
			case "givenName":
				return nonEmpty(u.GivenName)
			case "familyName":
				return nonEmpty(u.FamilyName)
			}
			if u.GivenName == "" && u.FamilyName == "" {
				return nil
			}
			return joinName(u.GivenName, u.FamilyName)
		})
		return func(r userRec) any {
			if r.u.Extra != "" {
				return raw(r)
			}
			return plain(r)
		}, true
	}
	return raw, true
}
