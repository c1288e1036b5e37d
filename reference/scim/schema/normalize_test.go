package schema

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/provkit/provkit/reference/scim/scimerr"
)

// entraCreate is a POST /Users body shaped like Microsoft Entra's, with
// non-canonical names, string booleans, nulls, read-only and unknown
// attributes.
const entraCreate = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "externalId": "jyoung",
  "UserName": "jyoung@example.com",
  "active": "False",
  "addresses": null,
  "displayName": "Joy Young",
  "emails": [{"Type": "work", "value": "jyoung@example.com", "primary": "True"}],
  "meta": {"resourceType": "User"},
  "id": "client-chosen",
  "Name": {"familyName": "Young", "givenName": "Joy", "nickname": "ignored", "middleName": null},
  "phoneNumbers": null,
  "title": null,
  "department": "top-level extension attribute is unknown here",
  "manager": null,
  "roles": [{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}],
  "groups": [{"value": "g1"}],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {
    "EmployeeNumber": "42",
    "manager": {"value": "m1", "displayName": "read-only"},
    "unknownExt": "x",
    "costCenter": null
  },
  "urn:example:unknown:2.0:Foo": {"a": 1},
  "password": "s3cret",
  "nonStandard": [1, 2, 3]
}`

func TestNormalizeEntraBody(t *testing.T) {
	for _, useNumber := range []bool{false, true} {
		var body map[string]any
		if useNumber {
			body = objNumber(t, entraCreate)
		} else {
			body = obj(t, entraCreate)
		}
		before := deepCopy(t, body)
		got, err := UserType.Normalize(body)
		if err != nil {
			t.Fatalf("Normalize: %v", err)
		}
		jsonEq(t, got, `{
		  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		  "externalId": "jyoung",
		  "userName": "jyoung@example.com",
		  "active": false,
		  "displayName": "Joy Young",
		  "emails": [{"type": "work", "value": "jyoung@example.com", "primary": true}],
		  "name": {"familyName": "Young", "givenName": "Joy"},
		  "roles": [{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}],
		  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
		    "employeeNumber": "42",
		    "manager": {"value": "m1"}
		  },
		  "password": "s3cret"
		}`)
		if got["active"] != false {
			t.Errorf("active = %#v, want bool false", got["active"])
		}
		if !reflect.DeepEqual(canon(t, body), canon(t, before)) {
			t.Errorf("Normalize modified its input:\n%s", pretty(body))
		}
	}
}

func TestNormalizeShapes(t *testing.T) {
	tests := []struct {
		name string
		rt   *ResourceType
		body string
		want string
	}{
		{"single complex wrapped into an array", UserType,
			`{"userName": "a", "emails": {"value": "a@example.com", "primary": "true"}}`,
			`{"schemas": ["` + UserURN + `"], "userName": "a", "emails": [{"value": "a@example.com", "primary": true}]}`},
		{"empty arrays, null elements and empty objects dropped", UserType,
			`{"userName": "a", "emails": [], "phoneNumbers": [null, {}], "name": {"givenName": null}, "ims": [{"nope": 1}]}`,
			`{"schemas": ["` + UserURN + `"], "userName": "a"}`},
		{"empty string kept", UserType,
			`{"userName": "a", "nickName": ""}`,
			`{"schemas": ["` + UserURN + `"], "userName": "a", "nickName": ""}`},
		{"URN-qualified keys moved to their place", UserType,
			`{"userName": "a", "name": {"familyName": "F"},
			  "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName": "G",
			  "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:costCenter": "CC",
			  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value": "m1",
			  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName": "ro",
			  "urn:ietf:params:scim:schemas:core:2.0:User:emails.value": "dropped"}`,
			`{"schemas": ["` + UserURN + `", "` + EnterpriseUserURN + `"], "userName": "a",
			  "name": {"familyName": "F", "givenName": "G"},
			  "` + EnterpriseUserURN + `": {"costCenter": "CC", "manager": {"value": "m1"}}}`},
		{"core attributes nested under the core URN", UserType,
			`{"urn:ietf:params:scim:schemas:core:2.0:User": {"userName": "a", "ACTIVE": "TRUE", "schemas": 5}}`,
			`{"schemas": ["` + UserURN + `"], "userName": "a", "active": true}`},
		{"extension with nothing known dropped", UserType,
			`{"userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"foo": "x", "department": null, "manager": {"displayName": "ro"}}}`,
			`{"schemas": ["` + UserURN + `"], "userName": "a"}`},
		{"null extension dropped", UserType,
			`{"userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": null}`,
			`{"schemas": ["` + UserURN + `"], "userName": "a"}`},
		{"read-only attributes dropped whatever their value", UserType,
			`{"userName": "a", "id": 5, "meta": "x", "groups": "bad", "GROUPS": [1]}`,
			`{"schemas": ["` + UserURN + `"], "userName": "a"}`},
		{"all User attributes", UserType,
			`{"userName": "a", "name": {"formatted": "f", "familyName": "F", "givenName": "G", "middleName": "M", "honorificPrefix": "Ms.", "honorificSuffix": "III"},
			  "displayName": "d", "nickName": "n", "profileUrl": "https://x/p", "title": "t", "userType": "Employee", "preferredLanguage": "en-US",
			  "locale": "en-US", "timezone": "Europe/Paris", "active": true, "password": "p",
			  "emails": [{"value": "v", "display": "d", "type": "work", "primary": true}],
			  "phoneNumbers": [{"value": "tel:+1", "display": "d", "type": "mobile", "primary": false}],
			  "ims": [{"value": "v", "display": "d", "type": "xmpp", "primary": true}],
			  "photos": [{"value": "https://x/photo", "display": "d", "type": "photo", "primary": true}],
			  "addresses": [{"formatted": "f", "streetAddress": "s", "locality": "l", "region": "r", "postalCode": "p", "country": "FR", "type": "work", "primary": true}],
			  "entitlements": [{"value": "v", "display": "d", "type": "t", "primary": true}],
			  "roles": [{"value": "v", "display": "d", "type": "t", "primary": true}],
			  "x509Certificates": [{"value": "TUlJQ0lq", "display": "d", "type": "t", "primary": true}],
			  "externalId": "e"}`,
			`{"schemas": ["` + UserURN + `"], "userName": "a", "name": {"formatted": "f", "familyName": "F", "givenName": "G", "middleName": "M", "honorificPrefix": "Ms.", "honorificSuffix": "III"},
			  "displayName": "d", "nickName": "n", "profileUrl": "https://x/p", "title": "t", "userType": "Employee", "preferredLanguage": "en-US",
			  "locale": "en-US", "timezone": "Europe/Paris", "active": true, "password": "p",
			  "emails": [{"value": "v", "display": "d", "type": "work", "primary": true}],
			  "phoneNumbers": [{"value": "tel:+1", "display": "d", "type": "mobile", "primary": false}],
			  "ims": [{"value": "v", "display": "d", "type": "xmpp", "primary": true}],
			  "photos": [{"value": "https://x/photo", "display": "d", "type": "photo", "primary": true}],
			  "addresses": [{"formatted": "f", "streetAddress": "s", "locality": "l", "region": "r", "postalCode": "p", "country": "FR", "type": "work", "primary": true}],
			  "entitlements": [{"value": "v", "display": "d", "type": "t", "primary": true}],
			  "roles": [{"value": "v", "display": "d", "type": "t", "primary": true}],
			  "x509Certificates": [{"value": "TUlJQ0lq", "display": "d", "type": "t", "primary": true}],
			  "externalId": "e"}`},
		{"group", GroupType,
			`{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "DisplayName": "Admins", "id": "x",
			  "members": [{"VALUE": "u1", "$REF": "https://x/Users/u1", "Display": "U", "type": "User"}, null, {"value": "g2", "type": "Group"}],
			  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "1"}}`,
			`{"schemas": ["` + GroupURN + `"], "displayName": "Admins",
			  "members": [{"value": "u1", "$ref": "https://x/Users/u1", "display": "U", "type": "User"}, {"value": "g2", "type": "Group"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.rt.Normalize(obj(t, tc.body))
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			jsonEq(t, got, tc.want)
		})
	}
}

func TestNormalizeErrors(t *testing.T) {
	ent := EnterpriseUserURN
	tests := []struct {
		name     string
		rt       *ResourceType
		body     string
		scimType string
		detail   string
	}{
		{"string attribute given a number", UserType, `{"userName": 5}`, scimerr.InvalidValue, `"userName"`},
		{"string attribute given an array", UserType, `{"userName": "a", "displayName": ["x"]}`, scimerr.InvalidValue, `"displayName"`},
		{"boolean given a non-boolean string", UserType, `{"userName": "a", "active": "yes"}`, scimerr.InvalidValue, `"active"`},
		{"boolean given a number", UserType, `{"userName": "a", "active": 1}`, scimerr.InvalidValue, `"active"`},
		{"complex given a string", UserType, `{"userName": "a", "name": "Joy"}`, scimerr.InvalidValue, `"name"`},
		{"sub-attribute of the wrong type", UserType, `{"userName": "a", "name": {"givenName": true}}`, scimerr.InvalidValue, `"name.givenName"`},
		{"multi-valued element of the wrong type", UserType, `{"userName": "a", "emails": ["a@example.com"]}`, scimerr.InvalidValue, `"emails"`},
		{"nested array", UserType, `{"userName": "a", "emails": [[{"value": "a"}]]}`, scimerr.InvalidValue, `"emails"`},
		{"multi-valued sub-attribute", UserType, `{"userName": "a", "emails": [{"value": 5}]}`, scimerr.InvalidValue, `"emails.value"`},
		{"bad primary", UserType, `{"userName": "a", "roles": [{"value": "r", "primary": "maybe"}]}`, scimerr.InvalidValue, `"roles.primary"`},
		{"two primaries", UserType, `{"userName": "a", "emails": [{"value": "a", "primary": true}, {"value": "b", "primary": "True"}]}`, scimerr.InvalidValue, `"emails"`},
		{"bad base64", UserType, `{"userName": "a", "x509Certificates": [{"value": "not base64!"}]}`, scimerr.InvalidValue, `"x509Certificates.value"`},
		{"extension not an object", UserType, `{"userName": "a", "` + ent + `": "x"}`, scimerr.InvalidValue, ent},
		{"extension attribute of the wrong type", UserType, `{"userName": "a", "` + ent + `": {"manager": "m1"}}`, scimerr.InvalidValue, `"` + ent + `:manager"`},
		{"extension sub-attribute of the wrong type", UserType, `{"userName": "a", "` + ent + `": {"manager": {"value": 1}}}`, scimerr.InvalidValue, `"` + ent + `:manager.value"`},
		{"URN-qualified key of the wrong type", UserType, `{"userName": "a", "` + ent + `:employeeNumber": 42}`, scimerr.InvalidValue, `"` + ent + `:employeeNumber"`},
		{"group member value of the wrong type", GroupType, `{"displayName": "g", "members": [{"value": 7}]}`, scimerr.InvalidValue, `"members.value"`},
		{"schemas not an array", UserType, `{"schemas": "x", "userName": "a"}`, scimerr.InvalidSyntax, `"schemas"`},
		{"schemas with a non-string", UserType, `{"schemas": [1], "userName": "a"}`, scimerr.InvalidSyntax, `"schemas"`},
		{"attribute given twice", UserType, `{"userName": "a", "USERNAME": "b"}`, scimerr.InvalidSyntax, `"userName"`},
		{"sub-attribute given twice", UserType, `{"userName": "a", "name": {"givenName": "a", "GivenName": "b"}}`, scimerr.InvalidSyntax, `"name.givenName"`},
		{"sub-attribute given twice across keys", UserType, `{"userName": "a", "name": {"givenName": "a"}, "` + UserURN + `:name.givenName": "b"}`, scimerr.InvalidSyntax, `"name.givenName"`},
		{"core attribute twice through the core URN object", UserType, `{"userName": "a", "` + UserURN + `": {"userName": "b"}}`, scimerr.InvalidSyntax, `"userName"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.rt.Normalize(obj(t, tc.body))
			if got != nil {
				t.Errorf("result %v returned with an error", got)
			}
			wantSCIMErr(t, err, tc.scimType, tc.detail)
		})
	}
}

func TestNormalizeErrorIsDeterministic(t *testing.T) {
	body := `{"active": "x", "displayName": 1, "emails": 3, "name": 4, "title": 5, "userName": 6}`
	for range 30 {
		_, err := UserType.Normalize(obj(t, body))
		wantSCIMErr(t, err, scimerr.InvalidValue, `"active"`)
	}
}

func TestCoerce(t *testing.T) {
	user := func(path string) *Attribute {
		ref, ok := UserType.Lookup("", path, "")
		if !ok {
			t.Fatalf("no %s", path)
		}
		return ref.Attr
	}
	intAttr := newAttr("count", Integer, "")
	decAttr := newAttr("ratio", Decimal, "")
	dateAttr := user("meta.created")

	tests := []struct {
		name string
		a    *Attribute
		in   any
		want any
		err  string // "" for no error, else the detail's attribute
	}{
		{"bool True", user("active"), "True", true, ""},
		{"bool False", user("active"), "False", false, ""},
		{"bool lower", user("active"), "false", false, ""},
		{"bool native", user("active"), true, true, ""},
		{"bool nil", user("active"), nil, nil, ""},
		{"bool bad", user("active"), "1", nil, `"active"`},
		{"primary sub-attribute", user("roles.primary"), "True", true, ""},
		{"string", user("userName"), "bob", "bob", ""},
		{"string bad", user("userName"), 3.0, nil, `"userName"`},
		{"complex canonicalised", user("name"), map[string]any{"GIVENNAME": "G", "foo": 1, "familyName": nil}, map[string]any{"givenName": "G"}, ""},
		{"complex read-only sub dropped", user(EnterpriseUserURN + ":manager"), map[string]any{"value": "m", "DisplayName": "x"}, map[string]any{"value": "m"}, ""},
		{"complex bad sub", user("name"), map[string]any{"givenName": 1.0}, nil, `"name.givenName"`},
		{"multi-valued element unwrapped", user("emails"), map[string]any{"Value": "a", "PRIMARY": "True"}, map[string]any{"value": "a", "primary": true}, ""},
		{"multi-valued array", user("roles"), []any{map[string]any{"value": "r", "primary": "False"}, nil},
			[]any{map[string]any{"value": "r", "primary": false}}, ""},
		{"multi-valued two primaries", user("emails"), []any{map[string]any{"value": "a", "primary": true}, map[string]any{"value": "b", "primary": true}}, nil, `"emails"`},
		{"single-valued given an array", user("userName"), []any{"a"}, nil, `"userName"`},
		{"integer float64", intAttr, 3.0, 3.0, ""},
		{"integer json.Number", intAttr, json.Number("3"), json.Number("3"), ""},
		{"integer non-integral", intAttr, json.Number("3.5"), nil, `"count"`},
		{"integer non-integral float", intAttr, 3.5, nil, `"count"`},
		{"integer string", intAttr, "3", nil, `"count"`},
		{"decimal json.Number", decAttr, json.Number("3.5"), json.Number("3.5"), ""},
		{"decimal float64", decAttr, 0.25, 0.25, ""},
		{"decimal bad json.Number", decAttr, json.Number("x"), nil, `"ratio"`},
		{"dateTime", dateAttr, "2008-01-23T04:56:22Z", "2008-01-23T04:56:22Z", ""},
		{"dateTime without zone", dateAttr, "2008-01-23T04:56:22", "2008-01-23T04:56:22", ""},
		{"dateTime bad", dateAttr, "yesterday", nil, `"created"`},
		{"binary", user("x509Certificates.value"), "TUlJQ0lq", "TUlJQ0lq", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Coerce(tc.a, tc.in)
			if tc.err != "" {
				wantSCIMErr(t, err, scimerr.InvalidValue, tc.err)
				return
			}
			if err != nil {
				t.Fatalf("Coerce: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Coerce = %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestCheckRequired(t *testing.T) {
	tests := []struct {
		name string
		rt   *ResourceType
		res  string
		err  string // attribute named in the error, "" for none
	}{
		{"user ok", UserType, `{"userName": "bjensen"}`, ""},
		{"user ok any case", UserType, `{"USERNAME": "bjensen"}`, ""},
		{"user without id is fine", UserType, `{"userName": "b", "name": {"givenName": "x"}}`, ""},
		{"user missing", UserType, `{"displayName": "x"}`, `"userName"`},
		{"user null", UserType, `{"userName": null}`, `"userName"`},
		{"user empty", UserType, `{"userName": ""}`, `"userName"`},
		{"user blank", UserType, `{"userName": "  "}`, `"userName"`},
		{"group ok", GroupType, `{"displayName": "Admins"}`, ""},
		{"group missing", GroupType, `{"members": [{"value": "u1"}]}`, `"displayName"`},
		{"group empty", GroupType, `{"displayName": ""}`, `"displayName"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.rt.CheckRequired(obj(t, tc.res))
			if tc.err == "" {
				if err != nil {
					t.Fatalf("CheckRequired: %v", err)
				}
				return
			}
			wantSCIMErr(t, err, scimerr.InvalidValue, tc.err)
		})
	}
}
