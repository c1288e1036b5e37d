package scim

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }

// discovery serves ServiceProviderConfig, ResourceTypes and Schemas (RFC 7644 §4).
func (a *API) discovery(q *request, resource, id string) {
	var v any
	switch resource {
	case "ServiceProviderConfig":
		if id != "" {
			q.fail(scimerr.New(http.StatusNotFound, "", "ServiceProviderConfig has no sub-resources"))
			return
		}
		v = schema.ServiceProviderConfig(q.base, a.opt.MaxResults)
		if q.faults.Has(FaultSPCStringBooleans) {
			v = stringBooleans(v)
		}
	case "ResourceTypes":
		if id != "" && q.faults.Has(FaultResourceTypeByIDMissing) {
			q.fail(scimerr.New(http.StatusNotFound, "", "no resource type %q", id))
			return
		}
		if id != "" {
			doc, ok := schema.ResourceTypeDoc(q.base, id)
			if !ok {
				q.fail(scimerr.New(http.StatusNotFound, "", "no resource type %q", id))
				return
			}
			v = doc
			break
		}
		v = listOf(schema.ResourceTypes(q.base))
	case "Schemas":
		if id != "" {
			doc, ok := schema.SchemaDoc(q.base, id)
			if !ok {
				q.fail(scimerr.New(http.StatusNotFound, "", "no schema %q", id))
				return
			}
			v = doc
			break
		}
		v = listOf(schema.Schemas(q.base))
	}
	if resource == "Schemas" && q.faults.Has(FaultSchemaRequiredLost) {
		v = notRequired(v)
	}
	body, err := json.Marshal(v)
	if err != nil {
		q.fail(err)
		return
	}
	writeResource(q.w, http.StatusOK, body, 0, "")
}

func listOf(docs []map[string]any) map[string]any {
	res := make([]any, len(docs))
	for i, d := range docs {
		res[i] = d
	}
	return map[string]any{
		"schemas":      []any{schema.ListResponseURN},
		"totalResults": len(docs),
		"itemsPerPage": len(docs),
		"startIndex":   1,
		"Resources":    res,
	}
}
