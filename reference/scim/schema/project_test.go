package schema

import (
	"reflect"
	"testing"
)

const storedUser = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "id": "u1",
  "externalId": "e1",
  "userName": "bjensen",
  "password": "s3cret",
  "name": {"givenName": "Barbara", "familyName": "Jensen"},
  "displayName": "Babs",
  "active": true,
  "emails": [{"value": "b@work", "type": "work", "primary": true}, {"value": "b@home", "type": "home"}],
  "groups": [{"value": "g1", "display": "G1"}],
  "meta": {"resourceType": "User", "location": "https://x/Users/u1", "created": "2024-01-01T00:00:00Z", "lastModified": "2024-01-02T00:00:00Z", "version": "W/\"2\""},
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "42", "department": "Sales", "manager": {"value": "m1", "displayName": "Boss"}}
}`

// storedUserDefault is storedUser as returned without attributes or
// excludedAttributes: everything but the password.
const storedUserDefault = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "id": "u1",
  "externalId": "e1",
  "userName": "bjensen",
  "name": {"givenName": "Barbara", "familyName": "Jensen"},
  "displayName": "Babs",
  "active": true,
  "emails": [{"value": "b@work", "type": "work", "primary": true}, {"value": "b@home", "type": "home"}],
  "groups": [{"value": "g1", "display": "G1"}],
  "meta": {"resourceType": "User", "location": "https://x/Users/u1", "created": "2024-01-01T00:00:00Z", "lastModified": "2024-01-02T00:00:00Z", "version": "W/\"2\""},
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "42", "department": "Sales", "manager": {"value": "m1", "displayName": "Boss"}}
}`

const schemasBoth = `"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]`

func TestProjectUser(t *testing.T) {
	ent := EnterpriseUserURN
	tests := []struct {
		name       string
		attributes []string
		excluded   []string
		want       string
	}{
		{"default", nil, nil, storedUserDefault},
		{"blank lists are the default", []string{" "}, []string{""}, storedUserDefault},
		{"attributes: one attribute plus id and schemas", []string{"userName"}, nil,
			`{` + schemasBoth + `, "id": "u1", "userName": "bjensen"}`},
		{"attributes: sub-attributes, case-insensitive", []string{"NAME.givenName", "emails.VALUE"}, nil,
			`{` + schemasBoth + `, "id": "u1", "name": {"givenName": "Barbara"}, "emails": [{"value": "b@work"}, {"value": "b@home"}]}`},
		{"attributes: whole and sub of the same attribute", []string{"emails.value", "emails"}, nil,
			`{` + schemasBoth + `, "id": "u1", "emails": [{"value": "b@work", "type": "work", "primary": true}, {"value": "b@home", "type": "home"}]}`},
		{"attributes: sub-attribute absent everywhere", []string{"emails.display"}, nil,
			`{` + schemasBoth + `, "id": "u1"}`},
		{"attributes: URN-qualified extension attribute", []string{ent + ":employeeNumber"}, nil,
			`{` + schemasBoth + `, "id": "u1", "` + ent + `": {"employeeNumber": "42"}}`},
		{"attributes: extension sub-attribute without URN", []string{"manager.value"}, nil,
			`{` + schemasBoth + `, "id": "u1", "` + ent + `": {"manager": {"value": "m1"}}}`},
		{"attributes: bare extension URN", []string{ent}, nil,
			`{` + schemasBoth + `, "id": "u1", "` + ent + `": {"employeeNumber": "42", "department": "Sales", "manager": {"value": "m1", "displayName": "Boss"}}}`},
		{"attributes: URN-qualified core attribute", []string{UserURN + ":userName", "urn:ietf:params:scim:schemas:core:2.0:user:meta.location"}, nil,
			`{` + schemasBoth + `, "id": "u1", "userName": "bjensen", "meta": {"location": "https://x/Users/u1"}}`},
		{"attributes: password never returned", []string{"password", "id"}, nil,
			`{` + schemasBoth + `, "id": "u1"}`},
		{"attributes: unknown ignored", []string{"nosuch", "name.nosuch", "urn:example:x:y"}, nil,
			`{` + schemasBoth + `, "id": "u1"}`},
		{"attributes win over excludedAttributes", []string{"userName"}, []string{"userName"},
			`{` + schemasBoth + `, "id": "u1", "userName": "bjensen"}`},
		{"excluded: attributes removed, id kept", nil, []string{"emails", "ID", "groups", "meta", ent},
			`{` + schemasBoth + `, "id": "u1", "externalId": "e1", "userName": "bjensen", "name": {"givenName": "Barbara", "familyName": "Jensen"}, "displayName": "Babs", "active": true}`},
		{"excluded: sub-attributes removed", nil, []string{"name.givenName", "emails.value", ent + ":manager", "meta", "groups"},
			`{` + schemasBoth + `, "id": "u1", "externalId": "e1", "userName": "bjensen", "name": {"familyName": "Jensen"}, "displayName": "Babs", "active": true,
			  "emails": [{"type": "work", "primary": true}, {"type": "home"}],
			  "` + ent + `": {"employeeNumber": "42", "department": "Sales"}}`},
		{"excluded: every extension attribute removes the object", nil, []string{"employeeNumber", "department", "manager", "meta", "groups", "emails", "name"},
			`{` + schemasBoth + `, "id": "u1", "externalId": "e1", "userName": "bjensen", "displayName": "Babs", "active": true}`},
	}
	res := obj(t, storedUser)
	before := deepCopy(t, res)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := UserType.Project(res, tc.attributes, tc.excluded)
			jsonEq(t, got, tc.want)
			if !reflect.DeepEqual(canon(t, res), canon(t, before)) {
				t.Fatalf("Project modified its input:\n%s", pretty(res))
			}
		})
	}
}

func TestProjectCanonicalisesAndDropsUnknown(t *testing.T) {
	res := map[string]any{
		"SCHEMAS":                 []any{UserURN},
		"ID":                      "u1",
		"USERNAME":                "b",
		"Name":                    map[string]any{"GIVENNAME": "G"},
		"nosuch":                  1,
		"title":                   nil,
		"urn:example:other:2.0:X": map[string]any{"a": 1},
		UserURN:                   map[string]any{"userName": "dup"},
		EnterpriseUserURN:         "not an object",
		"password":                "p",
	}
	jsonEq(t, UserType.Project(res, nil, nil),
		`{"schemas": ["`+UserURN+`"], "id": "u1", "userName": "b", "name": {"GIVENNAME": "G"}}`)
	jsonEq(t, UserType.Project(res, []string{"name.givenName"}, nil),
		`{"schemas": ["`+UserURN+`"], "id": "u1", "name": {"givenName": "G"}}`)
}

func TestProjectGroupMembers(t *testing.T) {
	res := obj(t, `{"schemas": ["`+GroupURN+`"], "id": "g1", "displayName": "Admins",
	  "members": [{"value": "u1", "$ref": "https://x/Users/u1", "display": "U1", "type": "User"}],
	  "meta": {"resourceType": "Group"}}`)
	jsonEq(t, GroupType.Project(res, nil, []string{"members"}),
		`{"schemas": ["`+GroupURN+`"], "id": "g1", "displayName": "Admins", "meta": {"resourceType": "Group"}}`)
	jsonEq(t, GroupType.Project(res, []string{"members.value", "displayName"}, nil),
		`{"schemas": ["`+GroupURN+`"], "id": "g1", "displayName": "Admins", "members": [{"value": "u1"}]}`)
	jsonEq(t, GroupType.Project(res, []string{GroupURN + ":members"}, nil),
		`{"schemas": ["`+GroupURN+`"], "id": "g1", "members": [{"value": "u1", "$ref": "https://x/Users/u1", "display": "U1", "type": "User"}]}`)
}

func TestProjectReturnedRequestAndNeverSubAttributes(t *testing.T) {
	core := &Schema{ID: "urn:example:core:2.0:Thing", Name: "Thing", Attributes: []*Attribute{
		newAttr("name", String, ""),
		newAttr("secret", String, "", returned(ReturnedRequest)),
		newAttr("creds", Complex, "", multi, subs(
			newAttr("label", String, ""),
			newAttr("hash", String, "", returned(ReturnedNever)),
			newAttr("detail", String, "", returned(ReturnedRequest)),
			newAttr("kid", String, "", returned(ReturnedAlways)),
		)),
	}}
	rt := &ResourceType{ID: "Thing", Name: "Thing", Endpoint: "/Things", Schema: core}
	res := map[string]any{"id": "t1", "name": "n", "secret": "s",
		"creds": []any{map[string]any{"label": "l", "hash": "h", "detail": "d", "kid": "k"}}}
	tests := []struct {
		attributes, excluded []string
		want                 string
	}{
		{nil, nil, `{"id": "t1", "name": "n", "creds": [{"label": "l", "kid": "k"}]}`},
		{[]string{"secret"}, nil, `{"id": "t1", "secret": "s"}`},
		{[]string{"creds"}, nil, `{"id": "t1", "creds": [{"label": "l", "kid": "k"}]}`},
		{[]string{"creds.detail", "creds.hash"}, nil, `{"id": "t1", "creds": [{"detail": "d", "kid": "k"}]}`},
		{[]string{"creds.label"}, nil, `{"id": "t1", "creds": [{"label": "l", "kid": "k"}]}`},
		{nil, []string{"creds.kid", "creds.label", "name"}, `{"id": "t1", "creds": [{"kid": "k"}]}`},
	}
	for _, tc := range tests {
		jsonEq(t, rt.Project(res, tc.attributes, tc.excluded), tc.want)
		if got := rt.Wants(tc.attributes, tc.excluded, "secret"); got != (len(tc.attributes) == 1 && tc.attributes[0] == "secret") {
			t.Errorf("Wants(%q, %q, secret) = %v", tc.attributes, tc.excluded, got)
		}
	}
}

func TestParseAttrList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , ,", nil},
		{"userName", []string{"userName"}},
		{" userName , name.givenName,,emails ", []string{"userName", "name.givenName", "emails"}},
		{EnterpriseUserURN + ":manager.value,id", []string{EnterpriseUserURN + ":manager.value", "id"}},
	}
	for _, tc := range tests {
		if got := UserType.ParseAttrList(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseAttrList(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWants(t *testing.T) {
	ent := EnterpriseUserURN
	tests := []struct {
		rt                   *ResourceType
		attributes, excluded []string
		attr                 string
		want                 bool
	}{
		{GroupType, nil, nil, "members", true},
		{GroupType, nil, []string{"members"}, "members", false},
		{GroupType, nil, []string{"MEMBERS"}, "Members", false},
		{GroupType, nil, []string{GroupURN + ":members"}, "members", false},
		{GroupType, nil, []string{"members.value"}, "members", true},
		{GroupType, nil, []string{"displayName"}, "members", true},
		{GroupType, []string{"displayName"}, nil, "members", false},
		{GroupType, []string{"members.value"}, nil, "members", true},
		{GroupType, []string{"members"}, []string{"members"}, "members", true},
		{GroupType, []string{"displayName"}, []string{"displayName"}, "members", false},
		{GroupType, []string{"displayName"}, nil, "id", true},
		{GroupType, nil, []string{"id"}, "id", true},
		{GroupType, nil, nil, "schemas", true},
		{GroupType, []string{"displayName"}, nil, "members.value", false},
		{GroupType, []string{"members.value"}, nil, "members.display", false},
		{GroupType, nil, []string{"members.value"}, "members.value", false},
		{GroupType, nil, []string{"members.value"}, "members.display", true},
		{UserType, nil, nil, "password", false},
		{UserType, []string{"password"}, nil, "password", false},
		{UserType, nil, nil, "nosuch", false},
		{UserType, nil, nil, "groups", true},
		{UserType, nil, []string{"groups"}, "groups", false},
		{UserType, []string{"userName"}, nil, ent, false},
		{UserType, []string{"manager"}, nil, ent, true},
		{UserType, []string{ent}, nil, ent, true},
		{UserType, nil, nil, ent, true},
		{UserType, nil, []string{ent}, ent, false},
		{UserType, nil, []string{ent}, "employeeNumber", false},
		{UserType, nil, []string{"employeeNumber"}, ent, true},
		{UserType, []string{"employeeNumber"}, nil, ent + ":EMPLOYEENUMBER", true},
	}
	for _, tc := range tests {
		if got := tc.rt.Wants(tc.attributes, tc.excluded, tc.attr); got != tc.want {
			t.Errorf("%s.Wants(%q, %q, %q) = %v, want %v", tc.rt.ID, tc.attributes, tc.excluded, tc.attr, got, tc.want)
		}
	}
}

func BenchmarkProjectDefault(b *testing.B) {
	var t testing.T
	res := obj(&t, storedUser)
	for b.Loop() {
		UserType.Project(res, nil, nil)
	}
}

func BenchmarkProjectAttributes(b *testing.B) {
	var t testing.T
	res := obj(&t, storedUser)
	attrs := []string{"userName", "emails.value", EnterpriseUserURN + ":employeeNumber"}
	for b.Loop() {
		UserType.Project(res, attrs, nil)
	}
}
