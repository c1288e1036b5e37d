package patch

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

const ent = schema.EnterpriseUserURN

const userDoc = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "id": "2819c223-7f76-453a-919d-413861904646",
  "externalId": "bjensen",
  "userName": "bjensen@example.com",
  "name": {"givenName": "Barbara", "familyName": "Jensen"},
  "displayName": "Babs Jensen",
  "title": "Tour Guide",
  "active": true,
  "emails": [
    {"value": "bjensen@example.com", "type": "work", "primary": true},
    {"value": "babs@jensen.org", "type": "home"}
  ],
  "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"}],
  "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"1\""},
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984", "department": "Tour Operations"}
}`

const plainUserDoc = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "id": "u2",
  "userName": "jyoung",
  "active": true
}`

const groupDoc = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
  "displayName": "Tour Guides",
  "members": [{"value": "u1", "display": "Babs", "type": "User"}]
}`

// badgeType is a test-only resource type with an immutable attribute (the
// SCIM core schemas have none at the top level).
var badgeType = &schema.ResourceType{
	ID: "Badge", Name: "Badge", Endpoint: "/Badges",
	Schema: &schema.Schema{ID: "urn:example:Badge", Attributes: []*schema.Attribute{
		{Name: "serial", Type: schema.String, Mutability: schema.Immutable},
		{Name: "label", Type: schema.String, Mutability: schema.ReadWrite},
		{Name: "count", Type: schema.Integer, Mutability: schema.ReadWrite},
	}},
}

func entMap(m map[string]any) map[string]any { return m[ent].(map[string]any) }

func list(m map[string]any, k string) []any { return m[k].([]any) }

func elem(m map[string]any, k string, i int) map[string]any { return list(m, k)[i].(map[string]any) }

func patchBody(ops string) []byte {
	return []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":` + ops + `}`)
}

type applyCase struct {
	name string
	rt   *schema.ResourceType // default schema.UserType
	doc  string               // default userDoc
	ops  string               // the Operations array, decoded with Decode
	raw  []Operation          // used instead of ops when set (bypasses Decode)
	want func(m map[string]any)
	err  string // expected scimType
}

var applyCases = []applyCase{
	// Plain, sub-attribute and URN paths.
	{name: "replace displayName", ops: `[{"op":"replace","path":"displayName","value":"Babs"}]`,
		want: func(m map[string]any) { m["displayName"] = "Babs" }},
	{name: "path case-insensitive, canonical result", ops: `[{"op":"replace","path":"DISPLAYNAME","value":"Babs"}]`,
		want: func(m map[string]any) { m["displayName"] = "Babs" }},
	{name: "add replaces a single value", ops: `[{"op":"add","path":"title","value":"Boss"}]`,
		want: func(m map[string]any) { m["title"] = "Boss" }},
	{name: "add new attribute", ops: `[{"op":"add","path":"nickName","value":"Babs"}]`,
		want: func(m map[string]any) { m["nickName"] = "Babs" }},
	{name: "sub-attribute", ops: `[{"op":"add","path":"name.familyName","value":"Jensen-Smith"},{"op":"replace","path":"name.middleName","value":"J"}]`,
		want: func(m map[string]any) {
			m["name"] = map[string]any{"givenName": "Barbara", "familyName": "Jensen-Smith", "middleName": "J"}
		}},
	{name: "sub-attribute of an absent complex", doc: plainUserDoc, ops: `[{"op":"add","path":"name.givenName","value":"Jo"}]`,
		want: func(m map[string]any) { m["name"] = map[string]any{"givenName": "Jo"} }},
	{name: "remove sub-attribute", ops: `[{"op":"remove","path":"name.givenName"}]`,
		want: func(m map[string]any) { m["name"] = map[string]any{"familyName": "Jensen"} }},
	{name: "remove last sub-attribute removes the complex", ops: `[{"op":"remove","path":"name.givenName"},{"op":"remove","path":"name.familyName"}]`,
		want: func(m map[string]any) { delete(m, "name") }},
	{name: "replace complex merges", ops: `[{"op":"replace","path":"name","value":{"givenName":"Babs","honorificPrefix":"Ms."}}]`,
		want: func(m map[string]any) {
			m["name"] = map[string]any{"givenName": "Babs", "familyName": "Jensen", "honorificPrefix": "Ms."}
		}},
	{name: "replace complex with a null sub-attribute", ops: `[{"op":"replace","path":"name","value":{"givenName":null}}]`,
		want: func(m map[string]any) { m["name"] = map[string]any{"familyName": "Jensen"} }},
	{name: "enterprise URN path", ops: `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"42"}]`,
		want: func(m map[string]any) { entMap(m)["employeeNumber"] = "42" }},
	{name: "enterprise attribute without URN", ops: `[{"op":"replace","path":"costCenter","value":"4130"}]`,
		want: func(m map[string]any) { entMap(m)["costCenter"] = "4130" }},
	{name: "core URN prefix", ops: `[{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName","value":"B"},{"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:userName","value":"babs"}]`,
		want: func(m map[string]any) {
			m["userName"] = "babs"
			m["name"].(map[string]any)["givenName"] = "B"
		}},
	{name: "remove enterprise attribute", ops: `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"}]`,
		want: func(m map[string]any) { delete(entMap(m), "department") }},
	{name: "remove the last enterprise attribute drops the extension", ops: `[
	    {"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"},
	    {"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"}]`,
		want: func(m map[string]any) {
			delete(m, ent)
			m["schemas"] = []any{schema.UserURN}
		}},
	{name: "remove the whole extension", ops: `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}]`,
		want: func(m map[string]any) {
			delete(m, ent)
			m["schemas"] = []any{schema.UserURN}
		}},
	{name: "first extension attribute adds the schema", doc: plainUserDoc,
		ops: `[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"7"}]`,
		want: func(m map[string]any) {
			m[ent] = map[string]any{"employeeNumber": "7"}
			m["schemas"] = []any{schema.UserURN, ent}
		}},
	{name: "path is the extension URN", doc: plainUserDoc,
		ops: `[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"department":"R&D","manager":{"value":"m1"}}}]`,
		want: func(m map[string]any) {
			m[ent] = map[string]any{"department": "R&D", "manager": map[string]any{"value": "m1"}}
			m["schemas"] = []any{schema.UserURN, ent}
		}},

	// Value filters.
	{name: "replace filtered sub-attribute", ops: `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"babs@example.com"}]`,
		want: func(m map[string]any) { elem(m, "emails", 0)["value"] = "babs@example.com" }},
	{name: "filtered element merge", ops: `[{"op":"replace","path":"emails[type eq \"work\"]","value":{"value":"b@example.com","display":"Work"}}]`,
		want: func(m map[string]any) {
			list(m, "emails")[0] = map[string]any{"value": "b@example.com", "type": "work", "primary": true, "display": "Work"}
		}},
	{name: "addresses filtered streetAddress", ops: `[{"op":"Replace","path":"addresses[type eq \"work\"].streetAddress","value":"1 Main St"}]`,
		want: func(m map[string]any) { elem(m, "addresses", 0)["streetAddress"] = "1 Main St" }},
	{name: "filter with and/not/case-insensitive value", ops: `[{"op":"replace","path":"emails[TYPE eq \"HOME\" and not (primary eq true)].display","value":"Home"}]`,
		want: func(m map[string]any) { elem(m, "emails", 1)["display"] = "Home" }},
	{name: "add filtered sub-attribute creates the element (Entra)", ops: `[{"op":"Add","path":"emails[type eq \"other\"].value","value":"o@example.com"}]`,
		want: func(m map[string]any) {
			m["emails"] = append(list(m, "emails"), map[string]any{"type": "other", "value": "o@example.com"})
		}},
	{name: "add filtered address to a user without addresses", doc: plainUserDoc,
		ops: `[{"op":"Add","path":"addresses[type eq \"work\"].streetAddress","value":"1 Main St"},{"op":"Add","path":"addresses[type eq \"work\"].locality","value":"Springfield"}]`,
		want: func(m map[string]any) {
			m["addresses"] = []any{map[string]any{"type": "work", "streetAddress": "1 Main St", "locality": "Springfield"}}
		}},
	{name: "add filtered element creates from filter and value", ops: `[{"op":"add","path":"phoneNumbers[type eq \"mobile\"]","value":{"value":"555-1234"}}]`,
		want: func(m map[string]any) {
			m["phoneNumbers"] = []any{map[string]any{"type": "mobile", "value": "555-1234"}}
		}},
	{name: "add filtered matching sets the sub-attribute", ops: `[{"op":"add","path":"emails[type eq \"home\"].display","value":"Home"}]`,
		want: func(m map[string]any) { elem(m, "emails", 1)["display"] = "Home" }},
	{name: "add with an or filter matching none", ops: `[{"op":"add","path":"phoneNumbers[type eq \"work\" or type eq \"mobile\"].value","value":"1"}]`,
		err: scimerr.NoTarget},
	{name: "replace with filter matching none", ops: `[{"op":"replace","path":"emails[type eq \"other\"].value","value":"x@example.com"}]`,
		err: scimerr.NoTarget},
	{name: "replace element with filter matching none", ops: `[{"op":"replace","path":"emails[type eq \"other\"]","value":{"value":"x"}}]`,
		err: scimerr.NoTarget},
	{name: "remove filtered element", ops: `[{"op":"remove","path":"emails[type eq \"home\"]"}]`,
		want: func(m map[string]any) { m["emails"] = list(m, "emails")[:1] }},
	{name: "remove filtered element matching none is a no-op", ops: `[{"op":"remove","path":"emails[type eq \"other\"]"}]`,
		want: func(m map[string]any) {}},
	{name: "remove filtered sub-attribute", ops: `[{"op":"remove","path":"emails[type eq \"work\"].primary"}]`,
		want: func(m map[string]any) { delete(elem(m, "emails", 0), "primary") }},
	{name: "remove every element unassigns", ops: `[{"op":"remove","path":"addresses[type eq \"work\"]"}]`,
		want: func(m map[string]any) { delete(m, "addresses") }},
	{name: "replace filtered element with null removes it", ops: `[{"op":"replace","path":"emails[type eq \"home\"]","value":null}]`,
		want: func(m map[string]any) { m["emails"] = list(m, "emails")[:1] }},
	{name: "filter on unknown sub-attribute", ops: `[{"op":"remove","path":"emails[foo eq \"x\"]"}]`, err: scimerr.InvalidPath},
	{name: "filter on a simple attribute", ops: `[{"op":"remove","path":"userName[value eq \"x\"]"}]`, err: scimerr.InvalidPath},
	{name: "unknown sub-attribute after filter", ops: `[{"op":"replace","path":"emails[type eq \"work\"].foo","value":"x"}]`, err: scimerr.InvalidPath},
	{name: "sub-attribute of multi-valued without filter", ops: `[{"op":"replace","path":"emails.value","value":"x"}]`, err: scimerr.InvalidPath},

	// Multi-valued add / replace / primary.
	{name: "multi-valued add appends, skipping exact duplicates", ops: `[{"op":"add","path":"emails","value":[{"value":"new@example.com","type":"other"},{"value":"babs@jensen.org","type":"home"}]}]`,
		want: func(m map[string]any) {
			m["emails"] = append(list(m, "emails"), map[string]any{"value": "new@example.com", "type": "other"})
		}},
	{name: "multi-valued add of one object", ops: `[{"op":"add","path":"roles","value":{"value":"admin"}}]`,
		want: func(m map[string]any) { m["roles"] = []any{map[string]any{"value": "admin"}} }},
	{name: "multi-valued replace replaces the list", ops: `[{"op":"replace","path":"emails","value":[{"value":"only@example.com","type":"work"}]}]`,
		want: func(m map[string]any) {
			m["emails"] = []any{map[string]any{"value": "only@example.com", "type": "work"}}
		}},
	{name: "multi-valued replace with [] unassigns", ops: `[{"op":"replace","path":"emails","value":[]}]`,
		want: func(m map[string]any) { delete(m, "emails") }},
	{name: "added primary clears the others", ops: `[{"op":"add","path":"emails","value":[{"value":"p@example.com","type":"other","primary":"True"}]}]`,
		want: func(m map[string]any) {
			delete(elem(m, "emails", 0), "primary")
			m["emails"] = append(list(m, "emails"), map[string]any{"value": "p@example.com", "type": "other", "primary": true})
		}},
	{name: "primary through a filter clears the others", ops: `[{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}]`,
		want: func(m map[string]any) {
			delete(elem(m, "emails", 0), "primary")
			elem(m, "emails", 1)["primary"] = true
		}},
	{name: "two primaries", ops: `[{"op":"replace","path":"emails[value pr].primary","value":true}]`, err: scimerr.InvalidValue},
	{name: "two primaries in one add", ops: `[{"op":"add","path":"emails","value":[{"value":"a@x","primary":true},{"value":"b@x","primary":true}]}]`, err: scimerr.InvalidValue},
	{name: "remove values (Entra)", ops: `[{"op":"remove","path":"emails","value":[{"value":"BABS@jensen.org"}]}]`,
		want: func(m map[string]any) { m["emails"] = list(m, "emails")[:1] }},
	{name: "remove values matching none", ops: `[{"op":"remove","path":"emails","value":[{"value":"nobody@x"}]}]`,
		want: func(m map[string]any) {}},
	{name: "remove a multi-valued attribute", ops: `[{"op":"remove","path":"emails"}]`,
		want: func(m map[string]any) { delete(m, "emails") }},

	// Path-less add / replace.
	{name: "Okta path-less active false", ops: `[{"op":"replace","value":{"active":false}}]`,
		want: func(m map[string]any) { m["active"] = false }},
	{name: "Entra string boolean with path", ops: `[{"op":"Replace","path":"active","value":"False"}]`,
		want: func(m map[string]any) { m["active"] = false }},
	{name: "Entra path-less dotted and URN keys", ops: `[{"op":"Replace","value":{
	      "name.givenName":"Barb","displayName":"Barb Jensen","active":"True",
	      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Sales",
	      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"m-1",
	      "urn:ietf:params:scim:schemas:core:2.0:User:title":"Lead",
	      "emails[type eq \"work\"].value":null}}]`,
		err: scimerr.InvalidPath},
	{name: "Entra path-less dotted and URN keys (valid)", ops: `[{"op":"Replace","value":{
	      "name.givenName":"Barb","displayName":"Barb Jensen","active":"True",
	      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Sales",
	      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"m-1",
	      "urn:ietf:params:scim:schemas:core:2.0:User:title":"Lead"}}]`,
		want: func(m map[string]any) {
			m["name"].(map[string]any)["givenName"] = "Barb"
			m["displayName"] = "Barb Jensen"
			m["title"] = "Lead"
			entMap(m)["department"] = "Sales"
			entMap(m)["manager"] = map[string]any{"value": "m-1"}
		}},
	{name: "path-less extension object", ops: `[{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m1","displayName":"ignored (readOnly)"},"division":"West"}}}]`,
		want: func(m map[string]any) {
			entMap(m)["manager"] = map[string]any{"value": "m1"}
			entMap(m)["division"] = "West"
		}},
	{name: "path-less core URN object", ops: `[{"op":"replace","value":{"urn:ietf:params:scim:schemas:core:2.0:User":{"nickName":"B"}}}]`,
		want: func(m map[string]any) { m["nickName"] = "B" }},
	{name: "path-less ignores schemas, unchanged id and meta", ops: `[{"op":"replace","value":{
	      "schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
	      "id":"2819c223-7f76-453a-919d-413861904646",
	      "meta":{"resourceType":"User","created":"2010-01-23T04:56:22Z","lastModified":"2011-05-13T04:42:34Z","version":"W/\"1\""},
	      "userName":"babs"}}]`,
		want: func(m map[string]any) { m["userName"] = "babs" }},
	{name: "path-less null unassigns on replace", ops: `[{"op":"replace","value":{"title":null,"nickName":null}}]`,
		want: func(m map[string]any) { delete(m, "title") }},
	{name: "path-less null is ignored on add", ops: `[{"op":"add","value":{"title":null}}]`,
		want: func(m map[string]any) {}},
	{name: "path-less non-object value", ops: `[{"op":"replace","value":"x"}]`, err: scimerr.InvalidValue},
	{name: "path-less unknown key", ops: `[{"op":"replace","value":{"foo":"x"}}]`, err: scimerr.InvalidPath},
	{name: "path-less malformed key", ops: `[{"op":"replace","value":{"a.b.c":"x"}}]`, err: scimerr.InvalidPath},

	// Manager (single-valued complex) shapes.
	{name: "manager one-element array (Entra)", ops: `[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":[{"value":"m-1"}]}]`,
		want: func(m map[string]any) { entMap(m)["manager"] = map[string]any{"value": "m-1"} }},
	{name: "manager bare id", ops: `[{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"m-2"}]`,
		want: func(m map[string]any) { entMap(m)["manager"] = map[string]any{"value": "m-2"} }},
	{name: "manager empty string unassigns", doc: userDoc, ops: `[
	      {"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"m-1"}},
	      {"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":""}]`,
		want: func(m map[string]any) {}},
	{name: "single-valued given several values", ops: `[{"op":"replace","path":"title","value":["a","b"]}]`, err: scimerr.InvalidValue},
	{name: "manager.displayName is read-only", ops: `[{"op":"replace","path":"manager.displayName","value":"Boss"}]`, err: scimerr.Mutability},

	// Null, absent, required, mutability.
	{name: "replace with null removes", ops: `[{"op":"replace","path":"title","value":null}]`,
		want: func(m map[string]any) { delete(m, "title") }},
	{name: "remove absent attribute is a no-op", ops: `[{"op":"remove","path":"nickName"},{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]`,
		want: func(m map[string]any) {}},
	{name: "remove on a user without extension", doc: plainUserDoc, ops: `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}]`,
		want: func(m map[string]any) {}},
	{name: "remove required userName", ops: `[{"op":"remove","path":"userName"}]`, err: scimerr.Mutability},
	{name: "replace required userName with null", ops: `[{"op":"replace","path":"userName","value":null}]`, err: scimerr.Mutability},
	{name: "remove id", ops: `[{"op":"remove","path":"id"}]`, err: scimerr.Mutability},
	{name: "replace id with the same value", ops: `[{"op":"replace","path":"id","value":"2819c223-7f76-453a-919d-413861904646"}]`,
		want: func(m map[string]any) {}},
	{name: "replace id", ops: `[{"op":"replace","path":"id","value":"other"}]`, err: scimerr.Mutability},
	{name: "path-less different id", ops: `[{"op":"replace","value":{"id":"other","displayName":"x"}}]`, err: scimerr.Mutability},
	{name: "meta sub-attribute", ops: `[{"op":"replace","path":"meta.lastModified","value":"2020-01-01T00:00:00Z"}]`, err: scimerr.Mutability},
	{name: "groups is read-only", ops: `[{"op":"add","path":"groups","value":[{"value":"g1"}]}]`, err: scimerr.Mutability},
	{name: "password is write-only but writable", ops: `[{"op":"replace","path":"password","value":"s3cret"}]`,
		want: func(m map[string]any) { m["password"] = "s3cret" }},
	{name: "immutable unset can be set", rt: badgeType, doc: `{"label":"a"}`, ops: `[{"op":"add","path":"serial","value":"S1"}]`,
		want: func(m map[string]any) { m["serial"] = "S1" }},
	{name: "immutable set is a mutability error", rt: badgeType, doc: `{"serial":"S1"}`, ops: `[{"op":"replace","path":"serial","value":"S2"}]`, err: scimerr.Mutability},
	{name: "immutable unchanged is a no-op", rt: badgeType, doc: `{"serial":"S1"}`, ops: `[{"op":"replace","value":{"serial":"S1","label":"b"}}]`,
		want: func(m map[string]any) { m["label"] = "b" }},
	{name: "immutable cannot be removed", rt: badgeType, doc: `{"serial":"S1"}`, ops: `[{"op":"remove","path":"serial"}]`, err: scimerr.Mutability},
	{name: "integer value", rt: badgeType, doc: `{}`, ops: `[{"op":"add","path":"count","value":3}]`,
		want: func(m map[string]any) { m["count"] = json.Number("3") }},
	{name: "non-integral integer", rt: badgeType, doc: `{}`, ops: `[{"op":"add","path":"count","value":3.5}]`, err: scimerr.InvalidValue},

	// Invalid paths and values.
	{name: "unknown attribute", ops: `[{"op":"replace","path":"foo","value":"x"}]`, err: scimerr.InvalidPath},
	{name: "unknown attribute on remove", ops: `[{"op":"remove","path":"foo"}]`, err: scimerr.InvalidPath},
	{name: "unknown sub-attribute", ops: `[{"op":"replace","path":"name.foo","value":"x"}]`, err: scimerr.InvalidPath},
	{name: "unknown schema URN", ops: `[{"op":"replace","path":"urn:example:foo:2.0:User:bar","value":"x"}]`, err: scimerr.InvalidPath},
	{name: "core schema cannot be removed", ops: `[{"op":"remove","path":"urn:ietf:params:scim:schemas:core:2.0:User"}]`, err: scimerr.InvalidPath},
	{name: "bad boolean", ops: `[{"op":"replace","path":"active","value":"maybe"}]`, err: scimerr.InvalidValue},
	{name: "number for a string", ops: `[{"op":"replace","path":"userName","value":5}]`, err: scimerr.InvalidValue},
	{name: "string element for a complex multi-valued", ops: `[{"op":"add","path":"emails","value":"x@example.com"}]`, err: scimerr.InvalidValue},
	{name: "filtered element value not an object", ops: `[{"op":"replace","path":"emails[type eq \"work\"]","value":"x"}]`, err: scimerr.InvalidValue},
	{name: "remove without path", raw: []Operation{{Op: "remove"}}, err: scimerr.NoTarget},
	{name: "unknown op", raw: []Operation{{Op: "copy", Path: "title", Value: "x"}}, err: scimerr.InvalidSyntax},
	{name: "bad path syntax", raw: []Operation{{Op: "add", Path: "emails[", Value: "x"}}, err: scimerr.InvalidPath},

	// Atomicity: the second operation fails, nothing is applied.
	{name: "atomic", ops: `[{"op":"replace","path":"displayName","value":"X"},{"op":"add","path":"emails","value":[{"value":"z@x"}]},{"op":"replace","path":"active","value":"maybe"}]`,
		err: scimerr.InvalidValue},

	// Groups.
	{name: "Okta group rename with id", rt: schema.GroupType, doc: groupDoc,
		ops:  `[{"op":"replace","value":{"id":"e9e30dba-f08f-4109-8486-d5c6a331660a","displayName":"Guides"}}]`,
		want: func(m map[string]any) { m["displayName"] = "Guides" }},
	{name: "group rename with another id", rt: schema.GroupType, doc: groupDoc,
		ops: `[{"op":"replace","value":{"id":"other","displayName":"Guides"}}]`, err: scimerr.Mutability},
	{name: "members are appended", rt: schema.GroupType, doc: groupDoc,
		ops:  `[{"op":"add","path":"members","value":[{"value":"u2","$ref":null}]}]`,
		want: func(m map[string]any) { m["members"] = append(list(m, "members"), map[string]any{"value": "u2"}) }},
	{name: "member sub-attributes are immutable", rt: schema.GroupType, doc: groupDoc,
		ops: `[{"op":"replace","path":"members[value eq \"u1\"].display","value":"X"}]`, err: scimerr.Mutability},
	{name: "remove member by filter", rt: schema.GroupType, doc: groupDoc,
		ops: `[{"op":"remove","path":"members[value eq \"u1\"]"}]`, want: func(m map[string]any) { delete(m, "members") }},
	{name: "group displayName is required", rt: schema.GroupType, doc: groupDoc,
		ops: `[{"op":"remove","path":"displayName"}]`, err: scimerr.Mutability},
}

func TestApply(t *testing.T) {
	for _, tc := range applyCases {
		t.Run(tc.name, func(t *testing.T) {
			rt := tc.rt
			if rt == nil {
				rt = schema.UserType
			}
			doc := tc.doc
			if doc == "" {
				doc = userDoc
			}
			res := obj(t, doc)
			snapshot := obj(t, doc)
			ops := tc.raw
			if ops == nil {
				var err error
				ops, err = Decode(patchBody(tc.ops))
				noErr(t, err)
			}
			got, err := Apply(rt, res, ops)
			jsonEqual(t, snapshot, res, "the input was modified")
			if tc.err != "" {
				scimErr(t, err, tc.err, pretty(got))
				if got != nil {
					t.Fatalf("a result was returned with the error")
				}
				return
			}
			noErr(t, err)
			want := obj(t, doc)
			tc.want(want)
			jsonEqual(t, want, got)
			// The result never shares memory with the input.
			got["displayName"] = "mutated"
			if e, ok := got["emails"].([]any); ok && len(e) > 0 {
				e[0].(map[string]any)["value"] = "mutated"
			}
			jsonEqual(t, snapshot, res, "the result aliases the input")
		})
	}
}

func TestApplyKeepsNonCanonicalKeysConsistent(t *testing.T) {
	res := map[string]any{"username": "a", "DisplayName": "x", "EMAILS": []any{map[string]any{"Value": "a@x", "TYPE": "work"}}}
	ops := []Operation{
		{Op: "replace", Path: "userName", Value: "b"},
		{Op: "replace", Path: `emails[type eq "work"].value`, Value: "b@x"},
		{Op: "remove", Path: "displayName"},
	}
	got, err := Apply(schema.UserType, res, ops)
	noErr(t, err)
	jsonEqual(t, map[string]any{"userName": "b", "emails": []any{map[string]any{"value": "b@x", "TYPE": "work"}}}, got)
}

func TestApplyNilResource(t *testing.T) {
	got, err := Apply(schema.UserType, nil, []Operation{{Op: "add", Path: "userName", Value: "x"}})
	noErr(t, err)
	jsonEqual(t, map[string]any{"userName": "x"}, got)
}

func FuzzApplyPath(f *testing.F) {
	for _, tc := range applyCases {
		ops, err := Decode(patchBody(tc.ops))
		if err != nil {
			continue
		}
		for _, op := range ops {
			v, _ := json.Marshal(op.Value)
			f.Add(op.Op, op.Path, string(v))
		}
	}
	f.Add("add", `emails[type eq "work" and value sw "a"].display`, `"x"`)
	f.Add("replace", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`, `{"manager":[{"value":"m"}]}`)
	f.Add("remove", `x509Certificates[value eq "QUJD"]`, `null`)
	res := obj(f, userDoc)
	snapshot, _ := json.Marshal(res)
	f.Fuzz(func(t *testing.T, op, path, value string) {
		var v any
		if value != "" {
			d := json.NewDecoder(strings.NewReader(value))
			d.UseNumber()
			if d.Decode(&v) != nil {
				v = value // use it as a plain string
			}
		}
		got, err := Apply(schema.UserType, res, []Operation{{Op: op, Path: path, Value: v}})
		if after, _ := json.Marshal(res); string(after) != string(snapshot) {
			t.Fatalf("input modified by %s %q %s", op, path, value)
		}
		if err != nil {
			if _, ok := err.(interface{ Error() string }); !ok {
				t.Fatal("bad error")
			}
			scimErr(t, err, errType(err), op, path, value)
			if got != nil {
				t.Fatal("result with error")
			}
			return
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("result does not encode: %v", err)
		}
		// And the path-less form of the same value.
		if m, ok := v.(map[string]any); ok && (op == "add" || op == "replace") {
			if got, err := Apply(schema.UserType, res, []Operation{{Op: op, Value: m}}); err == nil {
				if _, err := json.Marshal(got); err != nil {
					t.Fatalf("result does not encode: %v", err)
				}
			}
		}
	})
}

func errType(err error) string {
	if se, ok := err.(*scimerr.Error); ok {
		return se.ScimType
	}
	return "not a scimerr.Error"
}
