package schema

import "strings"

// DocumentationURI is the documentationUri published in the
// ServiceProviderConfig: the protocol specification the service follows.
const DocumentationURI = "https://www.rfc-editor.org/rfc/rfc7644"

// ServiceProviderConfig returns the /ServiceProviderConfig document
// (RFC 7643 §5): PATCH, filtering (with maxResults), sorting and ETags
// supported; bulk and password change not supported; OAuth bearer token
// authentication. baseURL is the SCIM base URL (a trailing "/" is ignored)
// used for meta.location. The document is freshly built on each call.
func ServiceProviderConfig(baseURL string, maxResults int) map[string]any {
	base := strings.TrimRight(baseURL, "/")
	return map[string]any{
		"schemas":          []any{SPConfigURN},
		"documentationUri": DocumentationURI,
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": maxResults},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": true},
		"etag":             map[string]any{"supported": true},
		"authenticationSchemes": []any{
			map[string]any{
				"type":        "oauthbearertoken",
				"name":        "OAuth Bearer Token",
				"description": "Authentication scheme using the OAuth Bearer Token Standard",
				"specUri":     "https://www.rfc-editor.org/info/rfc6750",
				"primary":     true,
			},
		},
		"meta": map[string]any{
			"resourceType": "ServiceProviderConfig",
			"location":     base + "/ServiceProviderConfig",
		},
	}
}

// ResourceTypes returns the /ResourceTypes documents (RFC 7643 §6), User
// then Group, ready to be the Resources of a ListResponse. Each call builds
// new maps.
func ResourceTypes(baseURL string) []map[string]any {
	base := strings.TrimRight(baseURL, "/")
	out := make([]map[string]any, 0, len(resourceTypes))
	for _, rt := range resourceTypes {
		out = append(out, resourceTypeDoc(base, rt))
	}
	return out
}

// ResourceTypeDoc returns the /ResourceTypes/{id} document for id ("User",
// "Group"; matched exactly) and whether it exists.
func ResourceTypeDoc(baseURL, id string) (map[string]any, bool) {
	for _, rt := range resourceTypes {
		if rt.ID == id {
			return resourceTypeDoc(strings.TrimRight(baseURL, "/"), rt), true
		}
	}
	return nil, false
}

func resourceTypeDoc(base string, rt *ResourceType) map[string]any {
	d := map[string]any{
		"schemas":     []any{ResourceTypeURN},
		"id":          rt.ID,
		"name":        rt.Name,
		"endpoint":    rt.Endpoint,
		"description": rt.Description,
		"schema":      rt.Schema.ID,
		"meta": map[string]any{
			"resourceType": "ResourceType",
			"location":     base + "/ResourceTypes/" + rt.ID,
		},
	}
	if len(rt.Extensions) > 0 {
		exts := make([]any, 0, len(rt.Extensions))
		for _, e := range rt.Extensions {
			exts = append(exts, map[string]any{"schema": e.ID, "required": false})
		}
		d["schemaExtensions"] = exts
	}
	return d
}

// Schemas returns the /Schemas documents (RFC 7643 §7, §8.7.1): User, Group
// and EnterpriseUser, ready to be the Resources of a ListResponse. As in the
// RFC, the common attributes (id, externalId, meta) are not listed. Each call
// builds new maps.
func Schemas(baseURL string) []map[string]any {
	base := strings.TrimRight(baseURL, "/")
	out := make([]map[string]any, 0, len(allSchemas))
	for _, s := range allSchemas {
		out = append(out, schemaDoc(base, s))
	}
	return out
}

// SchemaDoc returns the /Schemas/{id} document for a schema URN (matched
// case-insensitively) and whether it exists.
func SchemaDoc(baseURL, id string) (map[string]any, bool) {
	for _, s := range allSchemas {
		if strings.EqualFold(s.ID, id) {
			return schemaDoc(strings.TrimRight(baseURL, "/"), s), true
		}
	}
	return nil, false
}

func schemaDoc(base string, s *Schema) map[string]any {
	attrs := make([]any, 0, len(s.Attributes))
	for _, a := range s.Attributes {
		attrs = append(attrs, attrDoc(a))
	}
	return map[string]any{
		"schemas":     []any{SchemaURN},
		"id":          s.ID,
		"name":        s.Name,
		"description": s.Description,
		"attributes":  attrs,
		"meta": map[string]any{
			"resourceType": "Schema",
			"location":     base + "/Schemas/" + s.ID,
		},
	}
}

// attrDoc renders an attribute definition (RFC 7643 §7). caseExact and
// uniqueness are given for every attribute, canonicalValues and
// referenceTypes when set, subAttributes for complex attributes.
func attrDoc(a *Attribute) map[string]any {
	d := map[string]any{
		"name":        a.Name,
		"type":        string(a.Type),
		"multiValued": a.MultiValued,
		"description": a.Description,
		"required":    a.Required,
		"caseExact":   a.CaseExact,
		"mutability":  a.Mutability,
		"returned":    a.Returned,
		"uniqueness":  a.Uniqueness,
	}
	if len(a.CanonicalValues) > 0 {
		d["canonicalValues"] = stringsToAny(a.CanonicalValues)
	}
	if len(a.ReferenceTypes) > 0 {
		d["referenceTypes"] = stringsToAny(a.ReferenceTypes)
	}
	if a.Type == Complex {
		subs := make([]any, 0, len(a.SubAttributes))
		for _, s := range a.SubAttributes {
			subs = append(subs, attrDoc(s))
		}
		d["subAttributes"] = subs
	}
	return d
}

func stringsToAny(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}
