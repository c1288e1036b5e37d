package scim

import (
	"strings"

	"github.com/provkit/provkit/reference/scim/schema"
)

// dedupeMultiValued drops repeated (type, value) pairs from the writable
// multi-valued attributes of a normalised resource m, core and extension.
// RFC 7643 §2.4: a service provider "SHOULD NOT return the same (type,
// value) combination more than once per attribute". The reference keeps the
// first element of each pair rather than refusing the request (Entra ID and
// other clients send an address twice when two source fields hold it), and
// a duplicate marked primary makes the kept element primary. Values are
// compared as the attribute's caseExact says, types case-insensitively;
// exact (FaultDedupeCaseExact) compares both byte for byte.
func dedupeMultiValued(rt *schema.ResourceType, m map[string]any, exact bool) {
	dedupeIn(rt.Schema.Attributes, m, exact)
	for _, ext := range rt.Extensions {
		if em, ok := m[ext.ID].(map[string]any); ok {
			dedupeIn(ext.Attributes, em, exact)
		}
	}
}

func dedupeIn(attrs []*schema.Attribute, m map[string]any, exact bool) {
	for _, a := range attrs {
		if !a.MultiValued || a.Type != schema.Complex || a.Mutability == schema.ReadOnly {
			continue
		}
		arr, ok := m[a.Name].([]any)
		if !ok || len(arr) < 2 {
			continue
		}
		caseExact := false
		for _, sa := range a.SubAttributes {
			if sa.Name == "value" {
				caseExact = sa.CaseExact
			}
		}
		m[a.Name] = dedupeElements(arr, caseExact || exact, exact)
	}
}

func dedupeElements(arr []any, caseExact, typeExact bool) []any {
	type pair struct{ typ, value string }
	seen := make(map[pair]map[string]any, len(arr))
	out := arr[:0:0]
	for _, e := range arr {
		o, ok := e.(map[string]any)
		v, isString := o["value"].(string)
		if !ok || !isString {
			out = append(out, e)
			continue
		}
		t, _ := o["type"].(string)
		k := pair{strings.ToLower(t), v}
		if typeExact {
			k.typ = t
		}
		if !caseExact {
			k.value = strings.ToLower(v)
		}
		if kept, dup := seen[k]; dup {
			if o["primary"] == true {
				kept["primary"] = true
			}
			continue
		}
		seen[k] = o
		out = append(out, o)
	}
	return out
}
