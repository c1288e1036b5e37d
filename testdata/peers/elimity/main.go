// Command elimity is an independent SCIM 2.0 server for provkit's peer runs:
// the elimity-com/scim library with in-memory Users and Groups handlers and a
// bearer-token check, written the way a vendor using that library would. It
// is not part of provkit; testdata/peers/run starts it and tests it.
//
//	elimity -addr 127.0.0.1:8081 -token secret   (or $PEER_ADDR, $PEER_TOKEN)
//
// The SCIM base URL is http://ADDR/v2.
package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
	filter "github.com/scim2/filter-parser/v2"
)

func main() {
	addr := flag.String("addr", envOr("PEER_ADDR", "127.0.0.1:8081"), "listen address")
	token := flag.String("token", os.Getenv("PEER_TOKEN"), "bearer token clients must send")
	flag.Parse()
	if *token == "" {
		log.Fatal("elimity: a token is required (-token or $PEER_TOKEN)")
	}

	userSchema := schema.CoreUserSchema()
	groupSchema := schema.CoreGroupSchema()
	users := newStore("userName", userSchema)
	groups := newStore("displayName", groupSchema)

	config := &scim.ServiceProviderConfig{
		DocumentationURI: optional.NewString("https://github.com/elimity-com/scim"),
		SupportFiltering: true,
		SupportPatch:     true,
		MaxResults:       100,
		AuthenticationSchemes: []scim.AuthenticationScheme{{
			Type:        scim.AuthenticationTypeOauthBearerToken,
			Name:        "OAuth Bearer Token",
			Description: "Authentication scheme using the OAuth Bearer Token Standard",
			Primary:     true,
		}},
	}
	server, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: config,
		ResourceTypes: []scim.ResourceType{
			{
				ID:          optional.NewString("User"),
				Name:        "User",
				Endpoint:    "/Users",
				Description: optional.NewString("User Account"),
				Schema:      userSchema,
				SchemaExtensions: []scim.SchemaExtension{
					{Schema: schema.ExtensionEnterpriseUser()},
				},
				Handler: users,
			},
			{
				ID:          optional.NewString("Group"),
				Name:        "Group",
				Endpoint:    "/Groups",
				Description: optional.NewString("Group"),
				Schema:      groupSchema,
				Handler:     groups,
			},
		},
	})
	if err != nil {
		log.Fatalf("elimity: %v", err)
	}
	log.Printf("elimity: SCIM server on http://%s/v2", *addr)
	log.Fatal(http.ListenAndServe(*addr, bearer(*token, server)))
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// bearer answers 401 unless the request carries "Authorization: Bearer <token>".
func bearer(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("Content-Type", "application/scim+json")
			w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"authentication required"}`)
			return
		}
		next.ServeHTTP(w, r)
	})
}

type record struct {
	attrs    scim.ResourceAttributes
	created  time.Time
	modified time.Time
	version  int
}

// store is an in-memory resource handler for one resource type. unique is
// the attribute that must be unique (case-insensitively) across resources.
type store struct {
	mu     sync.Mutex
	unique string
	schema schema.Schema
	data   map[string]*record
	order  []string
}

func newStore(unique string, s schema.Schema) *store {
	return &store{unique: unique, schema: s, data: map[string]*record{}}
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *store) resource(id string, rec *record) scim.Resource {
	created, modified := rec.created, rec.modified
	attrs := make(scim.ResourceAttributes, len(rec.attrs))
	ext := optional.String{}
	for k, v := range rec.attrs {
		if k == "externalId" {
			if str, ok := v.(string); ok {
				ext = optional.NewString(str)
			}
			continue
		}
		attrs[k] = v
	}
	return scim.Resource{
		ID:         id,
		ExternalID: ext,
		Attributes: attrs,
		Meta: scim.Meta{
			Created:      &created,
			LastModified: &modified,
			Version:      fmt.Sprintf(`W/"%d"`, rec.version),
		},
	}
}

// taken reports whether another resource than id already holds value.
func (s *store) taken(value any, id string) bool {
	str, ok := value.(string)
	if !ok {
		return false
	}
	for other, rec := range s.data {
		if other == id {
			continue
		}
		if v, ok := rec.attrs[s.unique].(string); ok && strings.EqualFold(v, str) {
			return true
		}
	}
	return false
}

func (s *store) Create(r *http.Request, attributes scim.ResourceAttributes) (scim.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.taken(attributes[s.unique], "") {
		return scim.Resource{}, scimerrors.ScimErrorUniqueness
	}
	id := newID()
	now := time.Now().UTC()
	rec := &record{attrs: attributes, created: now, modified: now, version: 1}
	s.data[id] = rec
	s.order = append(s.order, id)
	return s.resource(id, rec), nil
}

func (s *store) Get(r *http.Request, id string) (scim.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.data[id]
	if !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	return s.resource(id, rec), nil
}

func (s *store) GetAll(r *http.Request, params scim.ListRequestParams) (scim.Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []scim.Resource
	for _, id := range s.order {
		res := s.resource(id, s.data[id])
		if params.FilterValidator != nil {
			if err := params.FilterValidator.PassesFilter(filterView(res)); err != nil {
				continue
			}
		}
		matched = append(matched, res)
	}
	page := scim.Page{TotalResults: len(matched), Resources: []scim.Resource{}}
	start := params.StartIndex - 1
	if start < 0 {
		start = 0
	}
	for i := start; i < len(matched) && len(page.Resources) < params.Count; i++ {
		page.Resources = append(page.Resources, matched[i])
	}
	return page, nil
}

// filterView is the resource as a filter sees it: its attributes plus id,
// externalId and meta.
func filterView(res scim.Resource) map[string]interface{} {
	m := map[string]interface{}{}
	for k, v := range res.Attributes {
		m[k] = v
	}
	m["id"] = res.ID
	if res.ExternalID.Present() {
		m["externalId"] = res.ExternalID.Value()
	}
	m["meta"] = map[string]interface{}{
		"created":      res.Meta.Created.Format(time.RFC3339),
		"lastModified": res.Meta.LastModified.Format(time.RFC3339),
		"version":      res.Meta.Version,
	}
	return m
}

func (s *store) Replace(r *http.Request, id string, attributes scim.ResourceAttributes) (scim.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.data[id]
	if !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	if s.taken(attributes[s.unique], id) {
		return scim.Resource{}, scimerrors.ScimErrorUniqueness
	}
	rec.attrs = attributes
	rec.modified = time.Now().UTC()
	rec.version++
	return s.resource(id, rec), nil
}

func (s *store) Delete(r *http.Request, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.data[id]; !ok {
		return scimerrors.ScimErrorResourceNotFound(id)
	}
	delete(s.data, id)
	for i, other := range s.order {
		if other == id {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
	return nil
}

func (s *store) Patch(r *http.Request, id string, operations []scim.PatchOperation) (scim.Resource, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.data[id]
	if !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	attrs := copyAttrs(rec.attrs)
	for _, op := range operations {
		if err := apply(attrs, op); err != nil {
			return scim.Resource{}, err
		}
	}
	if s.taken(attrs[s.unique], id) {
		return scim.Resource{}, scimerrors.ScimErrorUniqueness
	}
	rec.attrs = attrs
	rec.modified = time.Now().UTC()
	rec.version++
	return s.resource(id, rec), nil
}

func copyAttrs(in scim.ResourceAttributes) scim.ResourceAttributes {
	out := make(scim.ResourceAttributes, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

// key finds the stored attribute name matching name case-insensitively.
func key(attrs map[string]interface{}, name string) string {
	for k := range attrs {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// apply performs one PATCH operation on attrs.
func apply(attrs scim.ResourceAttributes, op scim.PatchOperation) error {
	if op.Path == nil {
		values, ok := op.Value.(map[string]interface{})
		if !ok {
			return scimerrors.ScimErrorInvalidValue
		}
		for k, v := range values {
			k = key(attrs, k)
			if arr, isArr := v.([]interface{}); isArr && op.Op == scim.PatchOperationAdd {
				existing, _ := attrs[k].([]interface{})
				attrs[k] = append(existing, arr...)
				continue
			}
			attrs[k] = v
		}
		return nil
	}
	name := key(attrs, op.Path.AttributePath.AttributeName)
	sub := op.Path.AttributePath.SubAttribute
	if op.Path.SubAttribute != nil {
		sub = op.Path.SubAttribute
	}
	if op.Path.ValueExpression != nil {
		return applyFiltered(attrs, name, op.Path.ValueExpression, sub, op)
	}
	if sub != nil {
		parent, _ := attrs[name].(map[string]interface{})
		if parent == nil {
			parent = map[string]interface{}{}
		}
		parent = copyMap(parent)
		if op.Op == scim.PatchOperationRemove {
			delete(parent, key(parent, *sub))
		} else {
			parent[key(parent, *sub)] = op.Value
		}
		attrs[name] = parent
		return nil
	}
	switch op.Op {
	case scim.PatchOperationRemove:
		delete(attrs, name)
	case scim.PatchOperationAdd:
		if arr, ok := op.Value.([]interface{}); ok {
			existing, _ := attrs[name].([]interface{})
			attrs[name] = append(existing, arr...)
		} else if m, ok := op.Value.(map[string]interface{}); ok {
			if existing, ok := attrs[name].(map[string]interface{}); ok {
				merged := copyMap(existing)
				for k, v := range m {
					merged[k] = v
				}
				attrs[name] = merged
			} else {
				attrs[name] = m
			}
		} else {
			attrs[name] = op.Value
		}
	default:
		attrs[name] = op.Value
	}
	return nil
}

func copyMap(in map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

// applyFiltered handles a path like members[value eq "x"] or
// emails[type eq "work"].value: only equality filters are supported.
func applyFiltered(attrs scim.ResourceAttributes, name string, expr filter.Expression, sub *string, op scim.PatchOperation) error {
	ae, ok := expr.(*filter.AttributeExpression)
	if !ok || ae.Operator != filter.EQ {
		return scimerrors.ScimErrorInvalidFilter
	}
	items, _ := attrs[name].([]interface{})
	var kept []interface{}
	matched := false
	for _, it := range items {
		m, ok := it.(map[string]interface{})
		if !ok || !equal(m[key(m, ae.AttributePath.AttributeName)], ae.CompareValue) {
			kept = append(kept, it)
			continue
		}
		matched = true
		switch {
		case op.Op == scim.PatchOperationRemove && sub == nil:
			// dropped
		case op.Op == scim.PatchOperationRemove:
			m = copyMap(m)
			delete(m, key(m, *sub))
			kept = append(kept, m)
		case sub != nil:
			m = copyMap(m)
			m[key(m, *sub)] = op.Value
			kept = append(kept, m)
		default:
			if v, ok := op.Value.(map[string]interface{}); ok {
				kept = append(kept, v)
			} else {
				kept = append(kept, it)
			}
		}
	}
	if !matched && op.Op != scim.PatchOperationRemove {
		return scimerrors.ScimErrorNoTarget
	}
	if len(kept) == 0 {
		delete(attrs, name)
		return nil
	}
	attrs[name] = kept
	return nil
}

func equal(a, b interface{}) bool {
	as, aok := a.(string)
	bs, bok := b.(string)
	if aok && bok {
		return as == bs
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}
