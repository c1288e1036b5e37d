package schema

import (
	"reflect"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	upperEnt := strings.ToUpper(EnterpriseUserURN)
	tests := []struct {
		name            string
		rt              *ResourceType
		uri, attr, sub  string
		ok              bool
		schemaURN       string
		wantName        string
		wantSub         string
		ext             bool
		typ             Type
		wantMutability  string
		wantReturned    string
		wantCaseExact   bool
		wantParentMulti bool
	}{
		{name: "core case-insensitive", rt: UserType, attr: "USERNAME", ok: true,
			schemaURN: UserURN, wantName: "userName", typ: String, wantMutability: ReadWrite, wantReturned: ReturnedDefault},
		{name: "core sub-attribute", rt: UserType, attr: "NAME", sub: "GIVENNAME", ok: true,
			schemaURN: UserURN, wantName: "name", wantSub: "givenName", typ: String, wantMutability: ReadWrite, wantReturned: ReturnedDefault},
		{name: "dotted name", rt: UserType, attr: "name.familyname", ok: true,
			schemaURN: UserURN, wantName: "name", wantSub: "familyName", typ: String, wantMutability: ReadWrite, wantReturned: ReturnedDefault},
		{name: "core URN lower-case", rt: UserType, uri: strings.ToLower(UserURN), attr: "Emails", sub: "value", ok: true,
			schemaURN: UserURN, wantName: "emails", wantSub: "value", typ: String, wantMutability: ReadWrite, wantReturned: ReturnedDefault, wantParentMulti: true},
		{name: "extension URN upper-case", rt: UserType, uri: upperEnt, attr: "employeenumber", ok: true,
			schemaURN: EnterpriseUserURN, wantName: "employeeNumber", ext: true, typ: String, wantMutability: ReadWrite, wantReturned: ReturnedDefault},
		{name: "extension attr without URN", rt: UserType, attr: "costcenter", ok: true,
			schemaURN: EnterpriseUserURN, wantName: "costCenter", ext: true, typ: String, wantMutability: ReadWrite, wantReturned: ReturnedDefault},
		{name: "extension sub readOnly", rt: UserType, attr: "Manager", sub: "DISPLAYNAME", ok: true,
			schemaURN: EnterpriseUserURN, wantName: "manager", wantSub: "displayName", ext: true, typ: String, wantMutability: ReadOnly, wantReturned: ReturnedDefault},
		{name: "URN-qualified name", rt: UserType, attr: EnterpriseUserURN + ":manager.value", ok: true,
			schemaURN: EnterpriseUserURN, wantName: "manager", wantSub: "value", ext: true, typ: String, wantMutability: ReadWrite, wantReturned: ReturnedDefault},
		{name: "core name wins over extension sub", rt: UserType, attr: "displayname", ok: true,
			schemaURN: UserURN, wantName: "displayName", typ: String, wantMutability: ReadWrite, wantReturned: ReturnedDefault},
		{name: "common id", rt: UserType, attr: "ID", ok: true,
			schemaURN: UserURN, wantName: "id", typ: String, wantMutability: ReadOnly, wantReturned: ReturnedAlways, wantCaseExact: true},
		{name: "common externalId with core URN", rt: UserType, uri: UserURN, attr: "externalid", ok: true,
			schemaURN: UserURN, wantName: "externalId", typ: String, wantMutability: ReadWrite, wantReturned: ReturnedDefault, wantCaseExact: true},
		{name: "common meta sub", rt: GroupType, attr: "META", sub: "lastmodified", ok: true,
			schemaURN: GroupURN, wantName: "meta", wantSub: "lastModified", typ: DateTime, wantMutability: ReadOnly, wantReturned: ReturnedDefault},
		{name: "password", rt: UserType, attr: "Password", ok: true,
			schemaURN: UserURN, wantName: "password", typ: String, wantMutability: WriteOnly, wantReturned: ReturnedNever},
		{name: "groups $ref", rt: UserType, attr: "groups", sub: "$REF", ok: true,
			schemaURN: UserURN, wantName: "groups", wantSub: "$ref", typ: Reference, wantMutability: ReadOnly, wantReturned: ReturnedDefault, wantParentMulti: true},
		{name: "group members value immutable", rt: GroupType, attr: "members", sub: "Value", ok: true,
			schemaURN: GroupURN, wantName: "members", wantSub: "value", typ: String, wantMutability: Immutable, wantReturned: ReturnedDefault, wantParentMulti: true},
		{name: "active boolean", rt: UserType, attr: "active", ok: true,
			schemaURN: UserURN, wantName: "active", typ: Boolean, wantMutability: ReadWrite, wantReturned: ReturnedDefault},

		{name: "unknown attribute", rt: UserType, attr: "foo"},
		{name: "unknown sub", rt: UserType, attr: "name", sub: "foo"},
		{name: "sub of simple attribute", rt: UserType, attr: "userName", sub: "x"},
		{name: "unknown URN", rt: UserType, uri: "urn:example:foo", attr: "userName"},
		{name: "extension attr under core URN", rt: UserType, uri: UserURN, attr: "employeeNumber"},
		{name: "core attr under extension URN", rt: UserType, uri: EnterpriseUserURN, attr: "userName"},
		{name: "user attr on group", rt: GroupType, attr: "userName"},
		{name: "user URN on group", rt: GroupType, uri: UserURN, attr: "displayName"},
		{name: "empty name", rt: UserType},
		{name: "trailing dot", rt: UserType, attr: "name."},
		{name: "unknown URN-qualified name", rt: UserType, attr: "urn:example:foo:bar"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ref, ok := tc.rt.Lookup(tc.uri, tc.attr, tc.sub)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v (ref %+v)", ok, tc.ok, ref)
			}
			if !ok {
				if !reflect.DeepEqual(ref, Ref{}) {
					t.Errorf("failed lookup returned non-zero Ref %+v", ref)
				}
				return
			}
			if ref.SchemaURN != tc.schemaURN || ref.Name != tc.wantName || ref.Sub != tc.wantSub || ref.Extension != tc.ext {
				t.Errorf("got {%s %s %s ext=%v}, want {%s %s %s ext=%v}",
					ref.SchemaURN, ref.Name, ref.Sub, ref.Extension, tc.schemaURN, tc.wantName, tc.wantSub, tc.ext)
			}
			if ref.Attr == nil {
				t.Fatal("nil Attr")
			}
			wantAttrName := tc.wantName
			if tc.wantSub != "" {
				wantAttrName = tc.wantSub
				if ref.Parent == nil || ref.Parent.Name != tc.wantName || ref.Parent.Type != Complex {
					t.Errorf("Parent = %+v, want complex %s", ref.Parent, tc.wantName)
				} else if ref.Parent.MultiValued != tc.wantParentMulti {
					t.Errorf("Parent.MultiValued = %v", ref.Parent.MultiValued)
				}
				if ref.Top() != ref.Parent {
					t.Error("Top() is not Parent")
				}
			} else if ref.Parent != nil {
				t.Errorf("Parent = %+v, want nil", ref.Parent)
			} else if ref.Top() != ref.Attr {
				t.Error("Top() is not Attr")
			}
			if ref.Attr.Name != wantAttrName || ref.Attr.Type != tc.typ || ref.Attr.Mutability != tc.wantMutability ||
				ref.Attr.Returned != tc.wantReturned || ref.Attr.CaseExact != tc.wantCaseExact {
				t.Errorf("Attr = %+v", ref.Attr)
			}
		})
	}
}

func TestLookupAmbiguousExtensions(t *testing.T) {
	a := &Schema{ID: "urn:example:a:2.0:X", Name: "A", Attributes: []*Attribute{newAttr("foo", String, "")}}
	b := &Schema{ID: "urn:example:b:2.0:X", Name: "B", Attributes: []*Attribute{newAttr("foo", String, ""), newAttr("bar", Boolean, "")}}
	rt := &ResourceType{ID: "X", Name: "X", Endpoint: "/X", Schema: Group, Extensions: []*Schema{a, b}}
	if ref, ok := rt.Lookup("", "foo", ""); ok {
		t.Errorf("ambiguous foo resolved to %+v", ref)
	}
	ref, ok := rt.Lookup("URN:EXAMPLE:B:2.0:X", "FOO", "")
	if !ok || ref.SchemaURN != b.ID || !ref.Extension || ref.Attr != b.Attributes[0] {
		t.Errorf("qualified foo = %+v, %v", ref, ok)
	}
	ref, ok = rt.Lookup("", "bar", "")
	if !ok || ref.SchemaURN != b.ID {
		t.Errorf("unique bar = %+v, %v", ref, ok)
	}
	if uri, rest := rt.SplitURN("urn:example:a:2.0:x:foo"); uri != a.ID || rest != "foo" {
		t.Errorf("SplitURN = %q, %q", uri, rest)
	}
}

func TestSplitURN(t *testing.T) {
	tests := []struct {
		rt              *ResourceType
		path, uri, rest string
	}{
		{UserType, EnterpriseUserURN + ":employeeNumber", EnterpriseUserURN, "employeeNumber"},
		{UserType, UserURN + ":name.givenName", UserURN, "name.givenName"},
		{UserType, strings.ToUpper(EnterpriseUserURN) + ":Manager.Value", EnterpriseUserURN, "Manager.Value"},
		{UserType, strings.ToLower(UserURN) + ":userName", UserURN, "userName"},
		{UserType, EnterpriseUserURN, EnterpriseUserURN, ""},
		{UserType, UserURN, UserURN, ""},
		{GroupType, GroupURN + ":members.value", GroupURN, "members.value"},
		{UserType, "userName", "", "userName"},
		{UserType, "name.givenName", "", "name.givenName"},
		{UserType, "", "", ""},
		{UserType, "urn:", "", "urn:"},
		{GroupType, UserURN + ":userName", "", UserURN + ":userName"},
		{UserType, UserURN + "X:foo", "", UserURN + "X:foo"},
		{UserType, EnterpriseUserURN + ".employeeNumber", "", EnterpriseUserURN + ".employeeNumber"},
		{UserType, "urn:example:foo:bar", "", "urn:example:foo:bar"},
	}
	for _, tc := range tests {
		uri, rest := tc.rt.SplitURN(tc.path)
		if uri != tc.uri || rest != tc.rest {
			t.Errorf("%s.SplitURN(%q) = (%q, %q), want (%q, %q)", tc.rt.ID, tc.path, uri, rest, tc.uri, tc.rest)
		}
	}
}

func TestRefKey(t *testing.T) {
	tests := []struct {
		rt   *ResourceType
		path string
		want []string
	}{
		{UserType, "userName", []string{"userName"}},
		{UserType, "NAME.givenname", []string{"name", "givenName"}},
		{UserType, "emails.VALUE", []string{"emails", "value"}},
		{UserType, "id", []string{"id"}},
		{UserType, "meta.version", []string{"meta", "version"}},
		{UserType, EnterpriseUserURN + ":employeeNumber", []string{EnterpriseUserURN, "employeeNumber"}},
		{UserType, "manager.value", []string{EnterpriseUserURN, "manager", "value"}},
		{GroupType, "members", []string{"members"}},
	}
	for _, tc := range tests {
		ref, ok := tc.rt.Lookup("", tc.path, "")
		if !ok {
			t.Errorf("Lookup(%q) failed", tc.path)
			continue
		}
		if got := ref.Key(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Key(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
	if k := (Ref{}).Key(); k != nil {
		t.Errorf("zero Ref Key = %q", k)
	}
}

func TestGetFold(t *testing.T) {
	m := map[string]any{"userName": "a", "Emails": []any{}, "x": 1, "X": 2}
	tests := []struct {
		key, wantKey string
		want         any
		ok           bool
	}{
		{"userName", "userName", "a", true},
		{"USERNAME", "userName", "a", true},
		{"emails", "Emails", []any{}, true},
		{"X", "X", 2, true},
		{"x", "x", 1, true},
		{"missing", "", nil, false},
	}
	for _, tc := range tests {
		k, v, ok := GetFold(m, tc.key)
		if k != tc.wantKey || ok != tc.ok || !reflect.DeepEqual(v, tc.want) {
			t.Errorf("GetFold(%q) = (%q, %v, %v), want (%q, %v, %v)", tc.key, k, v, ok, tc.wantKey, tc.want, tc.ok)
		}
	}
	// Several case-insensitive matches, none exact: the smallest key wins,
	// every time.
	m2 := map[string]any{"ACTIVE": 1, "Active": 2, "aCTIVE": 3}
	for range 20 {
		if k, v, _ := GetFold(m2, "active"); k != "ACTIVE" || v != 1 {
			t.Fatalf("GetFold ambiguous = %q %v", k, v)
		}
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	n := testing.AllocsPerRun(200, func() {
		if _, ok := UserType.Lookup("", "NAME", "givenName"); !ok {
			t.Fatal("lookup failed")
		}
		if _, ok := UserType.Lookup(EnterpriseUserURN, "Manager", "value"); !ok {
			t.Fatal("lookup failed")
		}
		if uri, _ := UserType.SplitURN(EnterpriseUserURN + ":employeeNumber"); uri == "" {
			t.Fatal("split failed")
		}
	})
	if n != 0 {
		t.Errorf("Lookup/SplitURN allocate %v times per run", n)
	}
}

func BenchmarkLookup(b *testing.B) {
	for b.Loop() {
		UserType.Lookup("", "Emails", "Value")
	}
}
