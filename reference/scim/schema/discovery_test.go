package schema

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestServiceProviderConfig(t *testing.T) {
	jsonEq(t, ServiceProviderConfig("https://h/scim/v2/", 200), `{
	  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
	  "documentationUri": "`+DocumentationURI+`",
	  "patch": {"supported": true},
	  "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
	  "filter": {"supported": true, "maxResults": 200},
	  "changePassword": {"supported": false},
	  "sort": {"supported": true},
	  "etag": {"supported": true},
	  "authenticationSchemes": [{
	    "type": "oauthbearertoken",
	    "name": "OAuth Bearer Token",
	    "description": "Authentication scheme using the OAuth Bearer Token Standard",
	    "specUri": "https://www.rfc-editor.org/info/rfc6750",
	    "primary": true
	  }],
	  "meta": {"resourceType": "ServiceProviderConfig", "location": "https://h/scim/v2/ServiceProviderConfig"}
	}`)
}

func TestResourceTypes(t *testing.T) {
	docs := ResourceTypes("https://h/scim/v2")
	if len(docs) != 2 {
		t.Fatalf("%d resource types, want 2", len(docs))
	}
	user := `{
	  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
	  "id": "User", "name": "User", "endpoint": "/Users", "description": "User Account",
	  "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
	  "schemaExtensions": [{"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": false}],
	  "meta": {"resourceType": "ResourceType", "location": "https://h/scim/v2/ResourceTypes/User"}
	}`
	group := `{
	  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
	  "id": "Group", "name": "Group", "endpoint": "/Groups", "description": "Group",
	  "schema": "urn:ietf:params:scim:schemas:core:2.0:Group",
	  "meta": {"resourceType": "ResourceType", "location": "https://h/scim/v2/ResourceTypes/Group"}
	}`
	jsonEq(t, docs[0], user)
	jsonEq(t, docs[1], group)

	d, ok := ResourceTypeDoc("https://h/scim/v2/", "Group")
	if !ok {
		t.Fatal("ResourceTypeDoc(Group) not found")
	}
	jsonEq(t, d, group)
	for _, id := range []string{"Nope", "", "Users"} {
		if d, ok := ResourceTypeDoc("", id); ok || d != nil {
			t.Errorf("ResourceTypeDoc(%q) = %v, %v", id, d, ok)
		}
	}
}

// attrNames lists "name" and "name.sub" for every attribute of a schema
// document, checking each attribute's shape on the way.
func attrNames(t *testing.T, attrs []any, prefix string) []string {
	t.Helper()
	var names []string
	for _, x := range attrs {
		a, ok := x.(map[string]any)
		if !ok {
			t.Fatalf("attribute %v is not an object", x)
		}
		name, _ := a["name"].(string)
		path := prefix + name
		for _, k := range []string{"name", "type", "description", "mutability", "returned", "uniqueness"} {
			if s, ok := a[k].(string); !ok || s == "" {
				t.Errorf("%s: %q missing or not a string", path, k)
			}
		}
		for _, k := range []string{"multiValued", "required", "caseExact"} {
			if _, ok := a[k].(bool); !ok {
				t.Errorf("%s: %q missing or not a boolean", path, k)
			}
		}
		if !slices.Contains([]string{ReadOnly, ReadWrite, Immutable, WriteOnly}, a["mutability"].(string)) ||
			!slices.Contains([]string{ReturnedAlways, ReturnedNever, ReturnedDefault, ReturnedRequest}, a["returned"].(string)) ||
			!slices.Contains([]string{UniqueNone, UniqueServer, UniqueGlobal}, a["uniqueness"].(string)) {
			t.Errorf("%s: bad characteristic in %v", path, a)
		}
		if a["type"] == "reference" {
			if rts, ok := a["referenceTypes"].([]any); !ok || len(rts) == 0 {
				t.Errorf("%s: reference without referenceTypes", path)
			}
		}
		names = append(names, path)
		subs, hasSubs := a["subAttributes"].([]any)
		if (a["type"] == "complex") != hasSubs {
			t.Errorf("%s: type %v with subAttributes %v", path, a["type"], hasSubs)
		}
		if hasSubs {
			if prefix != "" {
				t.Errorf("%s: sub-attribute with sub-attributes", path)
			}
			names = append(names, attrNames(t, subs, path+".")...)
		}
	}
	return names
}

func TestSchemas(t *testing.T) {
	docs := Schemas("https://h/scim/v2")
	// Round-trip through JSON: what the HTTP layer sends.
	raw, err := json.Marshal(docs)
	if err != nil {
		t.Fatal(err)
	}
	var decoded []map[string]any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	if len(decoded) != 3 {
		t.Fatalf("%d schemas, want 3", len(decoded))
	}
	mv := func(p string) []string {
		return []string{p, p + ".value", p + ".display", p + ".type", p + ".primary"}
	}
	userNames := slices.Concat(
		[]string{"userName", "name", "name.formatted", "name.familyName", "name.givenName", "name.middleName",
			"name.honorificPrefix", "name.honorificSuffix", "displayName", "nickName", "profileUrl", "title",
			"userType", "preferredLanguage", "locale", "timezone", "active", "password"},
		mv("emails"), mv("phoneNumbers"), mv("ims"), mv("photos"),
		[]string{"addresses", "addresses.formatted", "addresses.streetAddress", "addresses.locality",
			"addresses.region", "addresses.postalCode", "addresses.country", "addresses.type", "addresses.primary",
			"groups", "groups.value", "groups.$ref", "groups.display", "groups.type"},
		mv("entitlements"), mv("roles"), mv("x509Certificates"),
	)
	want := []struct {
		id, name string
		names    []string
	}{
		{UserURN, "User", userNames},
		{GroupURN, "Group", []string{"displayName", "members", "members.value", "members.$ref", "members.display", "members.type"}},
		{EnterpriseUserURN, "EnterpriseUser", []string{"employeeNumber", "costCenter", "organization", "division",
			"department", "manager", "manager.value", "manager.$ref", "manager.displayName"}},
	}
	for i, w := range want {
		d := decoded[i]
		if d["id"] != w.id || d["name"] != w.name {
			t.Errorf("schema %d = %v %v, want %s %s", i, d["id"], d["name"], w.id, w.name)
		}
		if !reflect.DeepEqual(d["schemas"], []any{SchemaURN}) {
			t.Errorf("%s schemas = %v", w.id, d["schemas"])
		}
		if !reflect.DeepEqual(d["meta"], map[string]any{"resourceType": "Schema", "location": "https://h/scim/v2/Schemas/" + w.id}) {
			t.Errorf("%s meta = %v", w.id, d["meta"])
		}
		if desc, _ := d["description"].(string); desc == "" {
			t.Errorf("%s has no description", w.id)
		}
		attrs, _ := d["attributes"].([]any)
		if got := attrNames(t, attrs, ""); !reflect.DeepEqual(got, w.names) {
			t.Errorf("%s attributes =\n%q\nwant\n%q", w.id, got, w.names)
		}
	}

	// Characteristics that matter (RFC 7643 §4, §8.7.1).
	find := func(schemaIdx int, path string) map[string]any {
		t.Helper()
		name, sub, _ := strings.Cut(path, ".")
		for _, x := range decoded[schemaIdx]["attributes"].([]any) {
			a := x.(map[string]any)
			if a["name"] != name {
				continue
			}
			if sub == "" {
				return a
			}
			for _, y := range a["subAttributes"].([]any) {
				if s := y.(map[string]any); s["name"] == sub {
					return s
				}
			}
		}
		t.Fatalf("%s not found", path)
		return nil
	}
	checks := []struct {
		schema int
		path   string
		key    string
		want   any
	}{
		{0, "userName", "required", true},
		{0, "userName", "uniqueness", "server"},
		{0, "userName", "caseExact", false},
		{0, "password", "mutability", "writeOnly"},
		{0, "password", "returned", "never"},
		{0, "active", "type", "boolean"},
		{0, "emails", "multiValued", true},
		{0, "emails.type", "canonicalValues", []any{"work", "home", "other"}},
		{0, "emails.primary", "type", "boolean"},
		{0, "phoneNumbers.type", "canonicalValues", []any{"work", "home", "mobile", "fax", "pager", "other"}},
		{0, "ims.type", "canonicalValues", []any{"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"}},
		{0, "photos.value", "type", "reference"},
		{0, "photos.value", "referenceTypes", []any{"external"}},
		{0, "profileUrl", "referenceTypes", []any{"external"}},
		{0, "groups", "mutability", "readOnly"},
		{0, "groups.$ref", "referenceTypes", []any{"User", "Group"}},
		{0, "groups.type", "canonicalValues", []any{"direct", "indirect"}},
		{0, "x509Certificates.value", "type", "binary"},
		{0, "x509Certificates.value", "caseExact", true},
		{1, "displayName", "required", true},
		{1, "members", "multiValued", true},
		{1, "members", "mutability", "readWrite"},
		{1, "members.value", "mutability", "immutable"},
		{1, "members.$ref", "referenceTypes", []any{"User", "Group"}},
		{1, "members.type", "canonicalValues", []any{"User", "Group"}},
		{2, "manager", "type", "complex"},
		{2, "manager.$ref", "referenceTypes", []any{"User"}},
		{2, "manager.displayName", "mutability", "readOnly"},
	}
	for _, c := range checks {
		if got := find(c.schema, c.path)[c.key]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %s.%s = %v, want %v", decoded[c.schema]["id"], c.path, c.key, got, c.want)
		}
	}

	// The common attributes are not listed, but resolve.
	for _, rt := range []*ResourceType{UserType, GroupType} {
		for _, name := range []string{"id", "externalId", "meta"} {
			if _, ok := rt.Lookup("", name, ""); !ok {
				t.Errorf("%s: %s does not resolve", rt.ID, name)
			}
		}
	}
}

func TestSchemaDoc(t *testing.T) {
	d, ok := SchemaDoc("https://h/scim/v2/", strings.ToUpper(EnterpriseUserURN))
	if !ok || d["id"] != EnterpriseUserURN {
		t.Fatalf("SchemaDoc(enterprise) = %v, %v", d["id"], ok)
	}
	if loc := d["meta"].(map[string]any)["location"]; loc != "https://h/scim/v2/Schemas/"+EnterpriseUserURN {
		t.Errorf("location = %v", loc)
	}
	for _, id := range []string{"", "User", SPConfigURN, "urn:example:x"} {
		if d, ok := SchemaDoc("", id); ok || d != nil {
			t.Errorf("SchemaDoc(%q) = %v, %v", id, d, ok)
		}
	}
	// Documents are fresh copies: changing one does not affect the next or
	// the definitions.
	d["id"] = "changed"
	d["attributes"].([]any)[0].(map[string]any)["name"] = "changed"
	d2, _ := SchemaDoc("", EnterpriseUserURN)
	if d2["id"] != EnterpriseUserURN || d2["attributes"].([]any)[0].(map[string]any)["name"] != "employeeNumber" ||
		EnterpriseUser.Attributes[0].Name != "employeeNumber" {
		t.Error("SchemaDoc shares state between calls")
	}
}
