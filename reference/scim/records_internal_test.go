package scim

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/scim/filter"
	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/store"
)

const recBase = "https://h.example/scim/v2/1"

// recordUsers is a small directory that exercises what a compiled filter
// must get right: letter case (ASCII and not), unicode that changes length
// or folds into ASCII when lower-cased, missing values, several emails with
// and without type and primary, locked users, teams, and users whose Extra
// adds name sub-attributes, overrides name.formatted or holds extension
// attributes.
func recordUsers() ([]directory.User, map[int64][]store.UserTeam) {
	t0 := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	mk := func(i int, userName, display, given, family, ext string, emails []directory.Email, locked bool, extra string) directory.User {
		return directory.User{ID: int64(100000000000000 + i), UserName: userName, DisplayName: display, GivenName: given,
			FamilyName: family, ExternalID: ext, Emails: emails, Locked: locked, Extra: extra, Version: int64(i%4 + 1),
			Created: t0.Add(time.Duration(i) * time.Hour), Modified: t0.Add(time.Duration(i)*time.Hour + 1500*time.Millisecond)}
	}
	w := func(v string) directory.Email { return directory.Email{Value: v, Type: "work"} }
	users := []directory.User{
		mk(1, "alice@example.com", "Alice Liddell", "Alice", "Liddell", "EXT-1", []directory.Email{{Value: "alice@example.com", Type: "work", Primary: true}, {Value: "Alice@Home.example", Type: "home"}}, false, ""),
		mk(2, "Bob@Example.COM", "BOB", "Bob", "", "ext-2", []directory.Email{w("Bob@Example.COM")}, true, ""),
		mk(3, "ÉMILE@exemple.fr", "Émile Zola", "Émile", "Zola", "", []directory.Email{{Value: "émile@exemple.fr"}}, false, ""),
		mk(4, "straße@x.de", "Straße", "", "Straße", "ß", nil, false, ""),
		mk(5, "user\u212a@x.example", "", "", "", "K", []directory.Email{{Value: "userk@x.example", Type: "Work", Primary: true}}, false, ""), // Kelvin sign: lower-cases to k
		mk(6, "carol@example.com", "carol", "Carol", "King", "EXT-6", []directory.Email{w("carol@example.com"), {Value: "carol@other.example", Type: "other", Primary: true}}, false,
			`{"name":{"middleName":"Q","formatted":"Dr Carol Q King"},"nickName":"CK"}`),
		mk(7, "dave@example.com", "Dave", "Dave", "Smith", "", []directory.Email{w("dave@example.com")}, false,
			`{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"0042","department":"R&D"},"title":"Engineer"}`),
		mk(8, "İstanbul@example.tr", "İSTANBUL", "İ", "", "ext-8", []directory.Email{{Value: "", Type: "work"}, w("ist@example.tr")}, true, ""),
		mk(9, "zed", "Zed%_\\", "Zed", "Zed", "zed", []directory.Email{{Value: "zed@example.com", Primary: true}}, false, `{"name":{"honorificPrefix":"Mx"}}`),
		mk(10, "Ｆｕｌｌ@example.jp", "ｆｕｌｌ width", "", "", "", []directory.Email{w("full@example.jp"), w("FULL@example.jp")}, false, ""),
		mk(11, "eve@example.com", "Eve", "Eve", "Adams", "EXT-11", []directory.Email{{Value: "eve@example.com", Type: "home"}}, false, `{"name":{"givenName":"Evie"}}`),
	}
	teams := map[int64][]store.UserTeam{
		users[0].ID: {{TeamID: "TeamA_______________1", DisplayName: "Engineering"}, {TeamID: "TeamB_______________2", DisplayName: "Sales"}},
		users[1].ID: {{TeamID: "TeamA_______________1", DisplayName: "Engineering"}},
		users[6].ID: {{TeamID: "TeamC_______________3", DisplayName: "ÉQUIPE"}},
	}
	return users, teams
}

// recordFilters is the table: every operator on every attribute the
// records answer, with operands in several cases, plus logic and value paths.
func recordFilters() []string {
	attrs := map[string][]string{
		"userName":          {"alice@example.com", "ALICE@EXAMPLE.COM", "bob@example.com", "ALICE", "bob", "@EXAMPLE.COM", "émile", "ÉMILE", "straße", "STRASSE", "userk", "k@", "ｆｕｌｌ", "zed", "m", ""},
		"displayName":       {"alice liddell", "bob", "É", "é", "straße", "%", "_", "\\", "zed%_\\", "istanbul", "i̇stanbul", "ｆｕｌｌ", "Carol", ""},
		"externalId":        {"EXT-1", "ext-1", "ext", "EXT", "ß", "k", "K", "zed", "-"},
		"id":                {"100000000000001", "10000000000000", "1", "0", "100000000000011"},
		"name.givenName":    {"alice", "ÉMILE", "carol", "evie", "eve", "İ", "i", "z"},
		"name.familyName":   {"king", "STRASSE", "straße", "zed", "a", "Z"},
		"name.formatted":    {"alice liddell", "dr carol", "carol king", "émile zola", "zed zed", "straße", " "},
		"name.middleName":   {"q", "Q"},
		"name":              {"alice", "carol"},
		"emails":            {"alice@example.com", "HOME", "@example", "userk", "full@"},
		"emails.value":      {"alice@home.example", "EXAMPLE.COM", "émile", "carol@", "ist"},
		"emails.type":       {"work", "WORK", "home", "oth", "w"},
		"emails.display":    {"x"},
		"meta.version":      {`W/"1"`, `w/"2"`, `W/`},
		"meta.location":     {recBase + "/Users/100000000000001", "/users/1000000000000", "H.EXAMPLE"},
		"meta.resourceType": {"User", "user", "group"},
		"nickName":          {"ck", "CK", "c"},
		"title":             {"engineer", "ENG"},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": {"0042", "42", "00"},
		"groups":         {"TeamA_______________1", "teama"},
		"groups.display": {"engineering", "équipe", "ÉQUIPE", "sal", "ING"},
		"groups.value":   {"TeamA_______________1", "teamb_______________2", "Team"},
		"schemas":        {schema.UserURN, "enterprise", "URN:IETF"},
	}
	ops := []string{"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"}
	var out []string
	for _, a := range slices.Sorted(mapsKeys(attrs)) {
		out = append(out, a+" pr", "not ("+a+" pr)", a+" eq null", a+" ne null")
		for _, v := range attrs[a] {
			for _, op := range ops {
				out = append(out, fmt.Sprintf("%s %s %s", a, op, strconv.Quote(v)))
			}
		}
	}
	for _, b := range []string{"true", "false", `"True"`, `"FALSE"`} {
		out = append(out, "active eq "+b, "active ne "+b, "emails.primary eq "+b, "emails.primary ne "+b)
	}
	for _, a := range []string{"meta.created", "meta.lastModified"} {
		for _, v := range []string{"2024-03-01T12:00:00Z", "2024-03-01T15:00:00Z", "2024-03-01T15:00:01.5Z", "2024-03-01T17:00:00+02:00", "2025-01-01T00:00:00Z"} {
			for _, op := range ops {
				out = append(out, fmt.Sprintf("%s %s %q", a, op, v))
			}
		}
		out = append(out, a+` co "2024-03-01T1"`, a+` sw "2024"`, a+` ew "z"`, a+` ew ".5Z"`, a+" pr")
	}
	out = append(out,
		`externalId eq 42`, `userName eq 12`,
		`userName sw "a" or displayName co "É"`,
		`userName sw "a" and not (active eq false)`,
		`not (emails co "example") or externalId eq "ß"`,
		`(userName ew ".com" or userName ew ".de") and name.familyName pr`,
		`emails[type eq "work" and value co "example"]`,
		`emails[type eq "WORK" and primary eq true]`,
		`emails[primary eq true]`, `emails[primary eq false]`, `emails[not (primary eq true)]`,
		`emails[type pr]`, `emails[value pr]`, `emails[value eq ""]`, `emails[value eq null]`,
		`emails[type eq "home"] and emails[type eq "work"]`,
		`emails[value sw "FULL" or type ne "work"]`,
		`emails[display pr]`,
		`groups[display eq "engineering"]`, `groups[value sw "teamb" and display pr]`,
		`groups[type eq "direct"]`, `groups[$ref co "/Groups/TeamC"]`,
		`name[givenName eq "carol"]`, `meta[version pr]`,
		`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "ALI"`,
		`urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "king"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department co "r&"`,
		`USERNAME sw "alice" and Emails.Type eq "work"`,
	)
	return out
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestCompiledUserFilterMatchesRendering runs every filter of the table
// through Match on each user's rendering and through the predicate compiled
// over the users' records, and requires the same users.
func TestCompiledUserFilterMatchesRendering(t *testing.T) {
	users, teams := recordUsers()
	rt := schema.UserType
	compiled, distinct := 0, map[string]bool{}
	for _, withTeams := range []bool{true, false} {
		for _, src := range recordFilters() {
			e, err := filter.Parse(src)
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			if filter.Validate(e, rt) != nil {
				continue
			}
			pred, ok := compileUserFilter(e, recBase, withTeams)
			if !ok {
				if !withTeams && filterNames(e, "groups") || filterNames(e, "name") || filterNames(e, "meta") {
					continue // value paths on name and meta, groups without teams: rendered instead
				}
				t.Errorf("%s: not compiled", src)
				continue
			}
			var want, got []int64
			for i := range users {
				u := &users[i]
				var ts []store.UserTeam
				if withTeams || !filterNames(e, "groups") {
					ts = teams[u.ID]
				}
				if filter.Match(e, rt, userMap(*u, ts, recBase)) {
					want = append(want, u.ID)
				}
				if pred(userRec{u: u, teams: ts}) {
					got = append(got, u.ID)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s (teams %v): compiled %v, rendering %v", src, withTeams, got, want)
			}
			compiled++
			distinct[fmt.Sprint(want)] = true
		}
	}
	// The table must tell operators apart: many different answers, not all
	// or nothing.
	if compiled < 1000 || len(distinct) < 60 {
		t.Fatalf("only %d filters compiled with %d distinct answers", compiled, len(distinct))
	}
	t.Logf("%d filters compiled, %d distinct answers", compiled, len(distinct))
}

// TestCompiledUserSortMatchesRendering sorts the users by every attribute
// both ways from their records and from their renderings (sortMaps).
func TestCompiledUserSortMatchesRendering(t *testing.T) {
	users, teams := recordUsers()
	rt := schema.UserType
	for _, by := range []string{"userName", "displayName", "externalId", "id", "active", "meta.created", "meta.lastModified",
		"meta.version", "meta.location", "emails", "emails.value", "emails.type", "emails.primary", "emails.display",
		"name.givenName", "name.familyName", "name.formatted", "name.middleName", "name", "nickName", "title",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "NAME.FAMILYNAME", "schemas", "meta"} {
		for _, desc := range []bool{false, true} {
			for _, exact := range []bool{false, true} {
				maps := make([]map[string]any, len(users))
				for i, u := range users {
					maps[i] = userMap(u, teams[u.ID], recBase)
				}
				sortMaps(rt, maps, by, desc, exact)
				var want []string
				for _, m := range maps {
					want = append(want, m["id"].(string))
				}
				key, ok := userSortKey(by, recBase, exact)
				if !ok {
					t.Fatalf("sortBy %s: not compiled", by)
				}
				ks := make([]sortKeyed[*directory.User], len(users))
				for i := range users {
					u := &users[i]
					ks[i] = sortKeyed[*directory.User]{x: u, v: key(userRec{u: u, teams: teams[u.ID]}), id: strconv.FormatInt(u.ID, 10)}
				}
				sortByKey(ks, desc)
				var got []string
				for _, k := range ks {
					got = append(got, strconv.FormatInt(k.x.ID, 10))
				}
				if !slices.Equal(got, want) {
					t.Errorf("sortBy %s desc %v exact %v: records %v, renderings %v", by, desc, exact, got, want)
				}
			}
		}
	}
}
