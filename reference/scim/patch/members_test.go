package patch

import (
	"testing"

	"github.com/provkit/provkit/reference/scim/filter"
	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

func mustFilter(t *testing.T, s string) filter.Expr {
	t.Helper()
	e, err := filter.Parse(s)
	noErr(t, err)
	return e
}

func TestExtractMembers(t *testing.T) {
	cases := []struct {
		name    string
		ops     string
		rest    []Operation
		changes []MemberChange
	}{
		{name: "add", ops: `[{"op":"add","path":"members","value":[{"value":"u1"},{"$ref":null,"value":"u2"},{"value":"u1"}]}]`,
			changes: []MemberChange{{Op: "add", IDs: []string{"u1", "u2"}}}},
		{name: "Entra remove with value", ops: `[{"op":"Remove","path":"members","value":[{"value":"u1"}]}]`,
			changes: []MemberChange{{Op: "remove", IDs: []string{"u1"}}}},
		{name: "RFC remove with filter", ops: `[{"op":"remove","path":"members[value eq \"u1\"]"}]`,
			changes: []MemberChange{{Op: "remove", IDs: []string{"u1"}}}},
		{name: "remove with or of ids", ops: `[{"op":"remove","path":"members[value eq \"u1\" or VALUE eq \"u2\" or value eq \"u1\"]"}]`,
			changes: []MemberChange{{Op: "remove", IDs: []string{"u1", "u2"}}}},
		{name: "remove with another filter", ops: `[{"op":"remove","path":"members[display eq \"x\"]"}]`,
			changes: []MemberChange{{Op: "remove", Filter: mustFilter(t, `display eq "x"`)}}},
		{name: "remove all", ops: `[{"op":"remove","path":"members"}]`,
			changes: []MemberChange{{Op: "remove", All: true}}},
		{name: "replace", ops: `[{"op":"replace","path":"members","value":[{"value":"u3"}]}]`,
			changes: []MemberChange{{Op: "replace", All: true, IDs: []string{"u3"}}}},
		{name: "Okta empty push", ops: `[{"op":"replace","path":"members","value":[]}]`,
			changes: []MemberChange{{Op: "replace", All: true, IDs: []string{}}}},
		{name: "replace with null", ops: `[{"op":"replace","path":"members","value":null}]`,
			changes: []MemberChange{{Op: "replace", All: true}}},
		{name: "URN-qualified path", ops: `[{"op":"add","path":"urn:ietf:params:scim:schemas:core:2.0:Group:members","value":{"value":"u9"}}]`,
			changes: []MemberChange{{Op: "add", IDs: []string{"u9"}}}},
		{name: "path-less add with other attributes", ops: `[{"op":"add","value":{"displayName":"G","Members":[{"value":"u1"}]}}]`,
			rest:    []Operation{{Op: "add", Value: map[string]any{"displayName": "G"}}},
			changes: []MemberChange{{Op: "add", IDs: []string{"u1"}}}},
		{name: "path-less replace with only members", ops: `[{"op":"Replace","value":{"members":[{"value":"u1"},{"value":"u2"}]}}]`,
			changes: []MemberChange{{Op: "replace", All: true, IDs: []string{"u1", "u2"}}}},
		{name: "path-less core URN key and object", ops: `[{"op":"add","value":{"urn:ietf:params:scim:schemas:core:2.0:Group:members":[{"value":"u1"}]}},
		                                                {"op":"add","value":{"urn:ietf:params:scim:schemas:core:2.0:Group":{"members":[{"value":"u2"}],"displayName":"G"}}}]`,
			rest:    []Operation{{Op: "add", Value: map[string]any{"urn:ietf:params:scim:schemas:core:2.0:Group": map[string]any{"displayName": "G"}}}},
			changes: []MemberChange{{Op: "add", IDs: []string{"u1"}}, {Op: "add", IDs: []string{"u2"}}}},
		{name: "order kept, other ops untouched", ops: `[
		    {"op":"replace","path":"displayName","value":"G2"},
		    {"op":"add","path":"members","value":[{"value":"u1"}]},
		    {"op":"replace","value":{"externalId":"e"}},
		    {"op":"remove","path":"members[value eq \"u2\"]"},
		    {"op":"add","path":"members","value":[]}]`,
			rest:    []Operation{{Op: "replace", Path: "displayName", Value: "G2"}, {Op: "replace", Value: map[string]any{"externalId": "e"}}},
			changes: []MemberChange{{Op: "add", IDs: []string{"u1"}}, {Op: "remove", IDs: []string{"u2"}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := Decode(patchBody(tc.ops))
			noErr(t, err)
			rest, changes, err := ExtractMembers(schema.GroupType, "members", ops)
			noErr(t, err)
			equal(t, tc.rest, rest, "rest")
			equal(t, tc.changes, changes, "changes")
		})
	}
}

func TestExtractMembersUserGroups(t *testing.T) {
	ops, err := Decode(patchBody(`[{"op":"add","path":"groups","value":[{"value":"g1"}]},{"op":"replace","path":"title","value":"x"}]`))
	noErr(t, err)
	rest, changes, err := ExtractMembers(schema.UserType, "groups", ops)
	noErr(t, err)
	equal(t, []Operation{{Op: "replace", Path: "title", Value: "x"}}, rest)
	equal(t, []MemberChange{{Op: "add", IDs: []string{"g1"}}}, changes)
}

func TestExtractMembersErrors(t *testing.T) {
	cases := []struct{ name, ops, scimType string }{
		{"value not an array of objects", `[{"op":"add","path":"members","value":["u1"]}]`, scimerr.InvalidValue},
		{"value a string", `[{"op":"add","path":"members","value":"u1"}]`, scimerr.InvalidValue},
		{"missing value member", `[{"op":"add","path":"members","value":[{"display":"x"}]}]`, scimerr.InvalidValue},
		{"numeric value", `[{"op":"add","path":"members","value":[{"value":5}]}]`, scimerr.InvalidValue},
		{"empty value", `[{"op":"replace","path":"members","value":[{"value":""}]}]`, scimerr.InvalidValue},
		{"path-less bad value", `[{"op":"add","value":{"members":[{"value":true}]}}]`, scimerr.InvalidValue},
		{"sub-attribute path", `[{"op":"remove","path":"members.value"}]`, scimerr.InvalidPath},
		{"filter on unknown sub-attribute", `[{"op":"remove","path":"members[foo eq \"x\"]"}]`, scimerr.InvalidPath},
		{"replace through a filter", `[{"op":"replace","path":"members[value eq \"u1\"].display","value":"x"}]`, scimerr.Mutability},
		{"add through a filter", `[{"op":"add","path":"members[value eq \"u1\"]","value":{"value":"u2"}}]`, scimerr.Mutability},
		{"remove a sub-attribute through a filter", `[{"op":"remove","path":"members[value eq \"u1\"].display"}]`, scimerr.Mutability},
		{"members twice", `[{"op":"add","value":{"members":[{"value":"a"}],"MEMBERS":[{"value":"b"}]}}]`, scimerr.InvalidSyntax},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := Decode(patchBody(tc.ops))
			noErr(t, err)
			_, _, err = ExtractMembers(schema.GroupType, "members", ops)
			scimErr(t, err, tc.scimType)
		})
	}
	if _, _, err := ExtractMembers(schema.GroupType, "displayName", nil); err == nil {
		t.Fatal("displayName accepted as a membership attribute")
	}
}

func BenchmarkExtractMembersAddOne(b *testing.B) {
	body := patchBody(`[{"op":"add","path":"members","value":[{"value":"2819c223-7f76-453a-919d-413861904646"}]}]`)
	b.ReportAllocs()
	for b.Loop() {
		ops, err := Decode(body)
		if err != nil {
			b.Fatal(err)
		}
		rest, changes, err := ExtractMembers(schema.GroupType, "members", ops)
		if err != nil || len(rest) != 0 || len(changes) != 1 {
			b.Fatal(err)
		}
	}
}

func BenchmarkApply(b *testing.B) {
	res := obj(b, userDoc)
	ops, err := Decode(patchBody(`[{"op":"Replace","path":"active","value":"False"},{"op":"replace","path":"emails[type eq \"work\"].value","value":"b@example.com"},{"op":"replace","value":{"name.givenName":"B"}}]`))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Apply(schema.UserType, res, ops); err != nil {
			b.Fatal(err)
		}
	}
}
