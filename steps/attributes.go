package steps

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// attrRef is an attribute named as in a feature: "nickName",
// "name.middleName", or URN-qualified
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department".
type attrRef struct {
	urn  string   // "" for the core schema
	path []string // attribute, then sub-attribute
}

func parseAttr(s string) attrRef {
	var r attrRef
	if strings.HasPrefix(strings.ToLower(s), "urn:") {
		i := strings.LastIndexByte(s, ':')
		r.urn, s = s[:i], s[i+1:]
	}
	r.path = strings.Split(s, ".")
	return r
}

// set puts v at the attribute in a resource body (listing an extension's URN in schemas).
func (r attrRef) set(body map[string]any, v any) {
	m := body
	if r.urn != "" {
		ext, _ := body[r.urn].(map[string]any)
		if ext == nil {
			ext = map[string]any{}
			body[r.urn] = ext
			schemas, _ := body["schemas"].([]any)
			body["schemas"] = append(schemas, r.urn)
		}
		m = ext
	}
	for _, k := range r.path[:len(r.path)-1] {
		sub, _ := m[k].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
			m[k] = sub
		}
		m = sub
	}
	m[r.path[len(r.path)-1]] = v
}

// gjsonPath is the attribute's path in an answer.
func (r attrRef) gjsonPath() string {
	esc := strings.NewReplacer(".", `\.`, "*", `\*`, "?", `\?`)
	parts := make([]string, 0, len(r.path)+1)
	if r.urn != "" {
		parts = append(parts, esc.Replace(r.urn))
	}
	for _, p := range r.path {
		parts = append(parts, esc.Replace(p))
	}
	return strings.Join(parts, ".")
}

// jsonContains reports whether got holds want: equal scalars (strings
// compared exactly), objects holding every member of want, arrays holding,
// for each element of want, an element that holds it. A server may add
// sub-attributes of its own (a manager's displayName, a $ref).
func jsonContains(got, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if gv, ok := g[k]; !ok || !jsonContains(gv, wv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok {
			return false
		}
		for _, wv := range w {
			found := false
			for _, gv := range g {
				if jsonContains(gv, wv) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	return got == want
}

func (r reg) attributes() {
	r.s3(`^the identity provider provisions the user "([^"]*)" with (\S+) set to (.+)$`, func(w *World, name, attr, value string) error {
		value, err := w.expand(value)
		if err != nil {
			return err
		}
		var v any
		if err := json.Unmarshal([]byte(value), &v); err != nil {
			return fmt.Errorf("the value of %s is not JSON: %v", attr, err)
		}
		b := w.userBody(name)
		parseAttr(attr).set(b, v)
		return w.provision(name, b, nil)
	})
	r.s3(`^the user "([^"]*)" reads back (\S+) as (.+)$`, func(w *World, name, attr, value string) error {
		value, err := w.expand(value)
		if err != nil {
			return err
		}
		var want any
		if err := json.Unmarshal([]byte(value), &want); err != nil {
			return fmt.Errorf("the value of %s is not JSON: %v", attr, err)
		}
		ex, err := w.read("user", name)
		if err != nil {
			return err
		}
		got := ex.Get(parseAttr(attr).gjsonPath())
		if ex.Status != http.StatusOK || !got.Exists() || !jsonContains(got.Value(), want) {
			return mismatch(ex, attr, value, valueOrStatus(ex, got), "expected the user %s to read back %s as %s (the schema advertises it), got %s", name, attr, value, orAbsent(got))
		}
		return nil
	})
}
