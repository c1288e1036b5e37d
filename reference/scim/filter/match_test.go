package filter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

const userJSON = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "id": "2819c223-7f76-453a-919d-413861904646",
  "externalId": "BJensen",
  "userName": "bjensen@example.com",
  "name": {"familyName": "Jensen", "givenName": "Barbara", "formatted": "Ms. Barbara J Jensen III"},
  "displayName": "Babs Jensen",
  "title": "",
  "nickName": null,
  "active": true,
  "password": "t1meMa$heen",
  "emails": [
    {"value": "bjensen@example.com", "type": "work", "primary": true},
    {"value": "babs@jensen.org", "type": "home"}
  ],
  "phoneNumbers": [],
  "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"}],
  "roles": [{"value": "Admin"}],
  "x509Certificates": [{"value": "MIIDQzCCAqy"}],
  "meta": {
    "resourceType": "User",
    "created": "2010-01-23T04:56:22Z",
    "lastModified": "2011-05-13T04:42:34Z",
    "version": "W/\"a330bc54f0671c9\""
  },
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "employeeNumber": "701984",
    "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
  }
}`

const groupJSON = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
  "displayName": "Tour Guides",
  "members": [
    {"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen", "type": "User"},
    {"value": "902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge", "type": "User"}
  ]
}`

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// numType is a test-only resource type with numeric attributes (the SCIM core
// schemas have none).
var numType = &schema.ResourceType{
	ID: "Thing", Name: "Thing", Endpoint: "/Things",
	Schema: &schema.Schema{ID: "urn:example:Thing", Attributes: []*schema.Attribute{
		{Name: "age", Type: schema.Integer},
		{Name: "score", Type: schema.Decimal},
		{Name: "sizes", Type: schema.Integer, MultiValued: true},
		{Name: "tags", Type: schema.String, MultiValued: true},
		{Name: "blob", Type: schema.Binary},
	}},
}

func TestMatchUser(t *testing.T) {
	user := decode(t, userJSON)
	cases := []struct {
		f    string
		want bool
	}{
		// caseExact from the schema.
		{`userName eq "BJENSEN@example.com"`, true},
		{`USERNAME EQ "bjensen@example.com"`, true},
		{`id eq "2819c223-7f76-453a-919d-413861904646"`, true},
		{`id eq "2819C223-7F76-453A-919D-413861904646"`, false},
		{`externalId eq "bjensen"`, false},
		{`externalId eq BJensen`, true},
		{`meta.version eq "W/\"A330BC54F0671C9\""`, false},
		{`meta.resourceType eq "User"`, true},
		{`x509Certificates eq "MIIDQzCCAqy"`, true},
		{`x509Certificates eq "miidqzccaqy"`, false},
		{`roles eq "admin"`, true},
		// String operators.
		{`userName sw "BJen"`, true},
		{`userName ew ".COM"`, true},
		{`userName co "@EXAMPLE"`, true},
		{`userName co "nope"`, false},
		{`userName ne "bjensen@example.com"`, false},
		{`userName ne "x"`, true},
		{`userName gt "a"`, true},
		{`userName gt "C"`, false},
		{`userName lt "a"`, false},
		{`userName ge "BJENSEN@EXAMPLE.COM"`, true},
		{`userName le "BJENSEN@EXAMPLE.COM"`, true},
		{`name.familyName eq "jensen"`, true},
		{`name.familyName co "ens" and name.givenName sw "bar"`, true},
		// URN-qualified and extension attributes.
		{`urn:ietf:params:scim:schemas:core:2.0:User:name.familyName eq "JENSEN"`, true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bj"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"`, true},
		{`URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER eq "701984"`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq 701984`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`, true},
		{`manager.value pr`, true},
		{`manager.displayName eq "john smith"`, true},
		{`urn:ietf:params:scim:schemas:core:2.0:Group:displayName pr`, false},
		{`urn:ietf:params:scim:schemas:core:2.0:User:employeeNumber pr`, false},
		// Multi-valued: any value; complex without sub-attribute -> value.
		{`emails co "jensen.org"`, true},
		{`emails eq "BJENSEN@example.com"`, true},
		{`emails.value ew "@jensen.org"`, true},
		{`emails.type eq "home"`, true},
		{`emails.type eq "other"`, false},
		{`emails.type ne "work"`, false},
		{`emails.type ne "other"`, true},
		{`emails.primary eq true`, true},
		{`emails pr`, true},
		{`phoneNumbers pr`, false},
		{`phoneNumbers eq null`, true},
		{`groups pr`, false},
		// Value paths.
		{`emails[type eq "work" and value co "@example.com"]`, true},
		{`emails[type eq "home" and value co "@example.com"]`, false},
		{`emails[type eq "home"] and emails.value co "@example.com"`, true},
		{`emails[not (type eq "work")]`, true},
		{`emails[primary eq true]`, true},
		{`emails[primary eq "True"]`, true},
		{`emails[primary pr and type eq "home"]`, false},
		{`emails[display pr]`, false},
		{`addresses[type eq "work" and locality eq "HOLLYWOOD"]`, true},
		{`name[givenName eq "barbara"]`, true},
		{`userName[value pr]`, false},
		{`emails[nope eq "x"]`, false},
		// Booleans.
		{`active eq true`, true},
		{`active eq false`, false},
		{`active ne false`, true},
		{`active eq True`, true},
		{`active eq "FALSE"`, false},
		{`active eq "yes"`, false},
		// pr and null.
		{`displayName pr`, true},
		{`title pr`, false},
		{`nickName pr`, false},
		{`locale pr`, false},
		{`name pr`, true},
		{`meta pr`, true},
		{`title eq null`, true},
		{`nickName eq null`, true},
		{`locale eq null`, true},
		{`locale ne null`, false},
		{`displayName ne null`, true},
		{`displayName eq null`, false},
		{`locale ne "en-US"`, true},
		{`locale eq "en-US"`, false},
		// dateTime.
		{`meta.lastModified gt "2011-05-13T04:42:33Z"`, true},
		{`meta.lastModified gt "2011-05-13T04:42:34Z"`, false},
		{`meta.lastModified ge "2011-05-13T04:42:34Z"`, true},
		{`meta.lastModified eq "2011-05-13T06:42:34+02:00"`, true},
		{`meta.lastModified lt "2011-05-13T04:42:34.001Z"`, true},
		{`meta.lastModified le "2011-05-13T04:42:33.999Z"`, false},
		{`meta.created lt "2011-01-01T00:00:00Z"`, true},
		{`meta.created sw "2010-01"`, true},
		// not, and, or, precedence.
		{`not (userName eq "x")`, true},
		{`not (userName pr)`, false},
		{`userName pr or userName eq "x" and title pr`, true},
		{`(userName pr or userName eq "x") and title pr`, false},
		{`userName eq "x" or not (title pr) and active eq true`, true},
		// Unknown and hidden attributes never match.
		{`unknownAttr eq "x"`, false},
		{`not (unknownAttr eq "x")`, true},
		{`unknownAttr eq null`, false},
		{`name.unknown pr`, false},
		{`password eq "t1meMa$heen"`, false},
		{`password pr`, false},
	}
	for _, tc := range cases {
		t.Run(tc.f, func(t *testing.T) {
			e, err := Parse(tc.f)
			noErr(t, err)
			if got := Match(e, schema.UserType, user); got != tc.want {
				t.Fatalf("Match(%s) = %v, want %v", tc.f, got, tc.want)
			}
		})
	}
}

func TestMatchKeysCaseInsensitive(t *testing.T) {
	res := map[string]any{
		"USERNAME": "Alice",
		"Emails":   []any{map[string]any{"VALUE": "a@x.org", "Type": "work"}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": map[string]any{"EmployeeNumber": "7"},
	}
	for _, f := range []string{
		`userName eq "alice"`,
		`emails[type eq "work" and value eq "A@X.ORG"]`,
		`emails.value co "x.org"`,
		`employeeNumber eq "7"`,
	} {
		e, err := Parse(f)
		noErr(t, err)
		if !Match(e, schema.UserType, res) {
			t.Errorf("%s: no match", f)
		}
	}
}

func TestMatchGroup(t *testing.T) {
	group := decode(t, groupJSON)
	for f, want := range map[string]bool{
		`displayName eq "tour guides"`:                             true,
		`members[value eq "902c246b-6245-4190-8e05-00816be7344a"]`: true,
		`members[value eq "902C246B-6245-4190-8E05-00816BE7344A"]`: true, // members.value is not caseExact
		`members eq "2819c223-7f76-453a-919d-413861904646"`:        true,
		`members.display co "pepper"`:                              true,
		`members[type eq "Group"]`:                                 false,
		`userName pr`:                                              false,
	} {
		e, err := Parse(f)
		noErr(t, err)
		if got := Match(e, schema.GroupType, group); got != want {
			t.Errorf("Match(%s) = %v, want %v", f, got, want)
		}
	}
}

func TestMatchNumbers(t *testing.T) {
	for _, res := range []map[string]any{
		{"age": 42.0, "score": 3.5, "sizes": []any{1.0, 7.0}, "tags": []any{"a", "B"}, "blob": "QUJD"},
		{"age": json.Number("42"), "score": json.Number("3.50"), "sizes": []any{json.Number("1"), json.Number("7")}, "tags": []string{"a", "B"}, "blob": "QUJD"},
		{"age": 42, "score": 3.5, "sizes": []any{1, int64(7)}, "tags": []any{"a", "B"}, "blob": "QUJD"},
	} {
		for f, want := range map[string]bool{
			`age eq 42`:      true,
			`age eq 42.0`:    true,
			`age eq "42"`:    true,
			`age gt 41`:      true,
			`age gt 42`:      false,
			`age ge 42`:      true,
			`age lt 1e2`:     true,
			`age le -1`:      false,
			`age ne 42`:      false,
			`score eq 3.5`:   true,
			`score gt 3.49`:  true,
			`score lt 3.5`:   false,
			`sizes eq 7`:     true,
			`sizes gt 6`:     true,
			`sizes gt 7`:     false,
			`sizes lt 1`:     false,
			`tags eq "b"`:    true,
			`tags sw "A"`:    true,
			`tags eq "c"`:    false,
			`blob eq "QUJD"`: true,
			`blob eq "qujd"`: false,
			`blob pr`:        true,
		} {
			e, err := Parse(f)
			noErr(t, err)
			if got := Match(e, numType, res); got != want {
				t.Errorf("%T age: Match(%s) = %v, want %v", res["age"], f, got, want)
			}
		}
	}
	// Integers beyond 2^53 compare exactly.
	res := map[string]any{"age": json.Number("9007199254740993")}
	e, _ := Parse(`age gt 9007199254740992`)
	if Match(e, numType, res) {
		// 9007199254740992 parses as a float64 (not an int64 literal), so the
		// comparison is in float64 and both sides are equal.
		t.Log("float comparison")
	}
	e, _ = Parse(`age eq "9007199254740993"`)
	if !Match(e, numType, res) {
		t.Error("exact integer comparison failed")
	}
}

func TestValidate(t *testing.T) {
	valid := []string{
		`userName eq "x"`,
		`userName gt "x"`,
		`name.familyName co "x"`,
		`emails co "x"`,
		`emails pr`,
		`name pr`,
		`emails[type eq "work" and value co "x"]`,
		`emails[primary eq true]`,
		`active eq True`,
		`active ne false`,
		`active eq null`,
		`meta.lastModified gt "2011-05-13T04:42:34Z"`,
		`meta.created sw "2011"`,
		`meta.lastModified eq null`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"`,
		`urn:ietf:params:scim:schemas:core:2.0:User:id eq "x"`,
		`employeeNumber eq 701984`,
		`externalId eq jyoung`,
		`not (userName eq "x") or title pr`,
		`x509Certificates eq "abc"`,
	}
	for _, f := range valid {
		e, err := Parse(f)
		noErr(t, err)
		if err := Validate(e, schema.UserType); err != nil {
			t.Errorf("Validate(%s): %v", f, err)
		}
	}
	invalid := []string{
		`nope eq "x"`,
		`name.nope eq "x"`,
		`userName.x pr`,
		`urn:ietf:params:scim:schemas:core:2.0:Group:displayName pr`,
		`urn:example:unknown:2.0:X:userName eq "x"`,
		`members pr`,
		`password eq "x"`,
		`emails[nope eq "x"]`,
		`userName[value eq "x"]`,
		`active gt true`,
		`active co "t"`,
		`active eq "yes"`,
		`active eq 1`,
		`emails gt "a"`,
		`name eq "x"`,
		`meta gt "x"`,
		`x509Certificates gt "a"`,
		`x509Certificates.value le "a"`,
		`userName co null`,
		`userName gt null`,
		`userName eq true`,
		`meta.lastModified gt "yesterday"`,
		`meta.lastModified eq 5`,
		`userName pr and nope pr`,
		`not (nope pr)`,
	}
	for _, f := range invalid {
		e, err := Parse(f)
		noErr(t, err)
		scimErr(t, Validate(e, schema.UserType), scimerr.InvalidFilter, f)
	}
	for _, f := range []string{`age co 4`, `age eq "x"`, `sizes sw 1`} {
		e, err := Parse(f)
		noErr(t, err)
		scimErr(t, Validate(e, numType), scimerr.InvalidFilter, f)
	}
	// Groups have members but no userName.
	e, _ := Parse(`members[value eq "x"] and displayName sw "a"`)
	noErr(t, Validate(e, schema.GroupType))
	e, _ = Parse(`userName eq "x"`)
	scimErr(t, Validate(e, schema.GroupType), scimerr.InvalidFilter)
}

func TestIndexedEq(t *testing.T) {
	cases := []struct {
		f           string
		name, value string
		ok          bool
	}{
		{`userName eq "BJensen"`, "username", "BJensen", true},
		{`USERNAME eq "x"`, "username", "x", true},
		{`externalId eq jyoung`, "externalid", "jyoung", true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`, "username", "x", true},
		{`urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "Admins"`, "displayname", "Admins", true},
		{`displayName eq "g" and members[value eq "u"]`, "displayname", "g", true},
		{`title eq "t" and userName eq "u" and active eq true`, "username", "u", true},
		{`displayName eq "d" and externalId eq "e" and id eq "i"`, "id", "i", true},
		{`title eq "t" and nickName eq "n"`, "title", "t", true},
		{`(userName eq "a" and title pr) and externalId eq "e"`, "username", "a", true},
		{`userName eq "a" or userName eq "b"`, "", "", false},
		{`userName eq "a" and (title pr or nickName pr)`, "username", "a", true},
		{`not (userName eq "a")`, "", "", false},
		{`userName ne "a"`, "", "", false},
		{`userName co "a"`, "", "", false},
		{`name.familyName eq "a"`, "", "", false},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1"`, "", "", false},
		{`externalId eq 12345`, "", "", false},
		{`active eq true`, "", "", false},
		{`userName eq null`, "", "", false},
		{`emails[value eq "x"]`, "", "", false},
	}
	for _, tc := range cases {
		e, err := Parse(tc.f)
		noErr(t, err)
		n, v, ok := IndexedEq(e)
		if n != tc.name || v != tc.value || ok != tc.ok {
			t.Errorf("IndexedEq(%s) = %q, %q, %v; want %q, %q, %v", tc.f, n, v, ok, tc.name, tc.value, tc.ok)
		}
	}
}

func BenchmarkParseMatch(b *testing.B) {
	user := decode(b, userJSON)
	const f = `userName eq "bjensen@example.com" and active eq true and emails[type eq "work" and value co "@example.com"]`
	b.ReportAllocs()
	for b.Loop() {
		e, err := Parse(f)
		if err != nil {
			b.Fatal(err)
		}
		if !Match(e, schema.UserType, user) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	user := decode(b, userJSON)
	e, err := Parse(`userName eq "bjensen@example.com" and active eq true and emails[type eq "work" and value co "@example.com"]`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !Match(e, schema.UserType, user) {
			b.Fatal(fmt.Sprint("no match"))
		}
	}
}
