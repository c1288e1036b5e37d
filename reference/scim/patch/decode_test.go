package patch

import (
	"encoding/json"
	"testing"

	"github.com/provkit/provkit/reference/scim/scimerr"
)

func TestDecode(t *testing.T) {
	cases := []struct {
		name string
		body string
		want []Operation
	}{
		{
			name: "RFC example",
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			  "Operations":[{"op":"add","path":"members","value":[{"display":"Babs Jensen","$ref":"https://example.com/v2/Users/2819c223","value":"2819c223"}]}]}`,
			want: []Operation{{Op: "add", Path: "members", Value: []any{map[string]any{"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/2819c223", "value": "2819c223"}}}},
		},
		{
			name: "Entra capitalised ops and string booleans",
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			  {"op":"Replace","path":"active","value":"False"},
			  {"op":"Add","path":"emails[type eq \"work\"].value","value":"a@example.com"},
			  {"op":"Remove","path":"title"},
			  {"op":"REMOVE","path":"members","value":[{"value":"u1"}]}]}`,
			want: []Operation{
				{Op: "replace", Path: "active", Value: "False"},
				{Op: "add", Path: `emails[type eq "work"].value`, Value: "a@example.com"},
				{Op: "remove", Path: "title"},
				{Op: "remove", Path: "members", Value: []any{map[string]any{"value": "u1"}}},
			},
		},
		{
			name: "member names are case-insensitive, numbers are json.Number",
			body: `{"SCHEMAS":["URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP"],"operations":[{"OP":"add","Path":"x","VALUE":12.50}]}`,
			want: []Operation{{Op: "add", Path: "x", Value: json.Number("12.50")}},
		},
		{
			name: "Okta path-less replace, empty path, replace with null",
			body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp","urn:example:other"],"Operations":[
			  {"op":"replace","value":{"active":false}},
			  {"op":"add","path":"","value":{"title":"x"}},
			  {"op":"replace","path":" title ","value":null}]}`,
			want: []Operation{
				{Op: "replace", Value: map[string]any{"active": false}},
				{Op: "add", Value: map[string]any{"title": "x"}},
				{Op: "replace", Path: "title"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode([]byte(tc.body))
			noErr(t, err)
			equal(t, tc.want, got)
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	const s = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`
	cases := []struct {
		name, body, scimType string
	}{
		{"not JSON", `{"schemas":`, scimerr.InvalidSyntax},
		{"empty body", ``, scimerr.InvalidSyntax},
		{"array body", `[{"op":"add"}]`, scimerr.InvalidSyntax},
		{"trailing data", `{` + s + `,"Operations":[{"op":"remove","path":"x"}]} {}`, scimerr.InvalidSyntax},
		{"missing schemas", `{"Operations":[{"op":"remove","path":"x"}]}`, scimerr.InvalidSyntax},
		{"wrong schemas", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":[{"op":"remove","path":"x"}]}`, scimerr.InvalidSyntax},
		{"schemas not an array", `{"schemas":"urn:ietf:params:scim:api:messages:2.0:PatchOp","Operations":[{"op":"remove","path":"x"}]}`, scimerr.InvalidSyntax},
		{"missing Operations", `{` + s + `}`, scimerr.InvalidSyntax},
		{"null Operations", `{` + s + `,"Operations":null}`, scimerr.InvalidSyntax},
		{"Operations object (old clients)", `{` + s + `,"Operations":{"op":"remove","path":"x"}}`, scimerr.InvalidSyntax},
		{"Operations string", `{` + s + `,"Operations":"x"}`, scimerr.InvalidSyntax},
		{"empty Operations", `{` + s + `,"Operations":[]}`, scimerr.InvalidSyntax},
		{"operation not an object", `{` + s + `,"Operations":["add"]}`, scimerr.InvalidSyntax},
		{"missing op", `{` + s + `,"Operations":[{"path":"x","value":1}]}`, scimerr.InvalidSyntax},
		{"op not a string", `{` + s + `,"Operations":[{"op":1,"path":"x","value":1}]}`, scimerr.InvalidSyntax},
		{"unknown op", `{` + s + `,"Operations":[{"op":"move","path":"x","value":1}]}`, scimerr.InvalidSyntax},
		{"JSON Patch op", `{` + s + `,"Operations":[{"op":"test","path":"x","value":1}]}`, scimerr.InvalidSyntax},
		{"path not a string", `{` + s + `,"Operations":[{"op":"add","path":5,"value":1}]}`, scimerr.InvalidSyntax},
		{"bad path", `{` + s + `,"Operations":[{"op":"add","path":"emails[type eq","value":1}]}`, scimerr.InvalidPath},
		{"bad path 2", `{` + s + `,"Operations":[{"op":"replace","path":"a.b.c","value":1}]}`, scimerr.InvalidPath},
		{"remove without path", `{` + s + `,"Operations":[{"op":"remove"}]}`, scimerr.NoTarget},
		{"remove with empty path", `{` + s + `,"Operations":[{"op":"Remove","path":"","value":[{"value":"u1"}]}]}`, scimerr.NoTarget},
		{"add without value", `{` + s + `,"Operations":[{"op":"add","path":"title"}]}`, scimerr.InvalidValue},
		{"add null", `{` + s + `,"Operations":[{"op":"add","path":"title","value":null}]}`, scimerr.InvalidValue},
		{"replace without value", `{` + s + `,"Operations":[{"op":"replace","path":"title"}]}`, scimerr.InvalidValue},
		{"second op bad", `{` + s + `,"Operations":[{"op":"add","path":"title","value":"x"},{"op":"frobnicate"}]}`, scimerr.InvalidSyntax},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := Decode([]byte(tc.body))
			scimErr(t, err, tc.scimType, ops)
		})
	}
}
