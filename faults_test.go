package provkit_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/reference"
)

// ---- the reference with faults ----

// openReference opens the bundled reference with the named reference
// faults on (reference.Config.Faults), serving its handler and seeding the
// demo at base.
func openReference(t testing.TB, faults []string) (http.Handler, func(base string) reference.Info) {
	t.Helper()
	ctx := context.Background()
	srv, err := reference.Open(ctx, reference.Config{Faults: faults})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return srv.Handler(), func(base string) reference.Info {
		info, err := srv.SeedDemo(ctx, base)
		require.NoError(t, err)
		return info
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ---- wire faults ----
//
// A wire fault stands between the harness and the reference and breaks one
// rule the way a careless server would: it ignores a query parameter, drops
// an attribute, refuses a request shape, answers a different status. They
// cover the rules that no switch inside the reference breaks yet.

type wireFault func(next http.Handler) http.Handler

var scimPath = regexp.MustCompile(`/api/rest/scim/v2/[^/]+/(Users|Groups|ServiceProviderConfig|ResourceTypes|Schemas)(?:/([^/?]+))?$`)

// scimRoute returns the SCIM resource and id of a request ("" if not SCIM).
func scimRoute(r *http.Request) (resource, id string) {
	m := scimPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return "", ""
	}
	return m[1], m[2]
}

// captured runs next and returns its answer for the fault to change.
type captured struct {
	status int
	header http.Header
	body   []byte
}

func capture(next http.Handler, r *http.Request) *captured {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	return &captured{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func (c *captured) write(w http.ResponseWriter) {
	for k, v := range c.header {
		if k == "Content-Length" {
			continue
		}
		w.Header()[k] = v
	}
	w.WriteHeader(c.status)
	_, _ = w.Write(c.body)
}

// editJSON changes a JSON object body (resources, or each of a list's Resources).
func (c *captured) editResources(f func(m map[string]any)) {
	var m map[string]any
	if json.Unmarshal(c.body, &m) != nil {
		return
	}
	if res, ok := m["Resources"].([]any); ok {
		for _, x := range res {
			if o, ok := x.(map[string]any); ok {
				f(o)
			}
		}
	} else {
		f(m)
	}
	c.body, _ = json.Marshal(m)
}

// drain reads what is left of a request body that a fault will not pass on
// (net/http expects a handler to leave the connection's body consumed).
func drain(r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }

func scimError(w http.ResponseWriter, status int, scimType string) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"},
		"status": strconv.Itoa(status), "scimType": scimType, "detail": "wire fault"})
	_, _ = w.Write(b)
}

// readJSON reads and restores a request's JSON object body.
func readJSON(r *http.Request) map[string]any {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func setJSON(r *http.Request, m any) {
	b, _ := json.Marshal(m)
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
}

// onRequest changes matching requests before they reach the server.
func onRequest(match func(r *http.Request, res, id string) bool, change func(r *http.Request)) wireFault {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res, id := scimRoute(r)
			if res != "" && match(r, res, id) {
				change(r)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// onAnswer changes the answers to matching requests.
func onAnswer(match func(r *http.Request, res, id string) bool, change func(r *http.Request, c *captured)) wireFault {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res, id := scimRoute(r)
			if res == "" || !match(r, res, id) {
				next.ServeHTTP(w, r)
				return
			}
			c := capture(next, r)
			change(r, c)
			c.write(w)
		})
	}
}

// refuse answers matching requests with a SCIM error instead of serving them.
func refuse(status int, scimType string, match func(r *http.Request, res, id string) bool) wireFault {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if res, id := scimRoute(r); res != "" && match(r, res, id) {
				drain(r)
				scimError(w, status, scimType)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// onAdmin changes admin API requests matching method and path pattern.
func onAdmin(method, pattern string, serve func(w http.ResponseWriter, r *http.Request, next http.Handler)) wireFault {
	re := regexp.MustCompile(pattern)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == method && re.MatchString(r.URL.Path) {
				serve(w, r, next)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func is(method string, resources ...string) func(*http.Request, string, string) bool {
	return func(r *http.Request, res, _ string) bool {
		if method != "" && r.Method != method {
			return false
		}
		for _, x := range resources {
			if x == res {
				return true
			}
		}
		return len(resources) == 0
	}
}

func isOne(method string, resources ...string) func(*http.Request, string, string) bool {
	m := is(method, resources...)
	return func(r *http.Request, res, id string) bool { return id != "" && m(r, res, id) }
}

// patchOps edits the Operations of PATCH requests.
func patchOps(change func(ops []any) []any) wireFault {
	return onRequest(is(http.MethodPatch), func(r *http.Request) {
		m := readJSON(r)
		if ops, ok := m["Operations"].([]any); ok {
			m["Operations"] = change(ops)
			setJSON(r, m)
		}
	})
}

// refusePatch answers 400 to a PATCH when any operation matches.
func refusePatch(scimType string, bad func(op map[string]any) bool) wireFault {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if res, _ := scimRoute(r); res != "" && r.Method == http.MethodPatch {
				m := readJSON(r)
				ops, _ := m["Operations"].([]any)
				for _, o := range ops {
					if op, ok := o.(map[string]any); ok && bad(op) {
						scimError(w, http.StatusBadRequest, scimType)
						return
					}
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// asGet serves matching requests as a GET of the same URL (a no-op change).
func asGet(method string) wireFault {
	return onRequest(isOne(method), func(r *http.Request) {
		drain(r)
		r.Method = http.MethodGet
		r.Body = http.NoBody
		r.ContentLength = 0
	})
}

func hasString(v any, want ...string) bool {
	switch x := v.(type) {
	case string:
		for _, w := range want {
			if x == w {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasString(e, want...) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if hasString(e, want...) {
				return true
			}
		}
	}
	return false
}

func dropQuery(names ...string) wireFault {
	return onRequest(is(""), func(r *http.Request) {
		q := r.URL.Query()
		for k := range q {
			for _, n := range names {
				if strings.EqualFold(k, n) {
					q.Del(k)
				}
			}
		}
		r.URL.RawQuery = q.Encode()
	})
}

var reservedDomain = regexp.MustCompile(`(?i)\.reserved\.example`)

var emailish = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// relativeLocations makes every Location header, meta.location and $ref of
// a SCIM answer relative, as a correct server may (RFC 7231 §7.1.2 makes
// Location a URI-reference; RFC 7643 §2.3.7 lets references be relative to
// the SCIM base URI). Users get a relative path ("Users/{id}", resolved
// against the request URI or the base), Groups an absolute path
// ("/api/rest/scim/v2/{node}/Groups/{id}"). The suite must still pass.
func relativeLocations(next http.Handler) http.Handler {
	return onAnswer(is(""), func(_ *http.Request, c *captured) {
		if loc := c.header.Get("Location"); loc != "" {
			c.header.Set("Location", relativeRef(loc))
		}
		c.editResources(func(m map[string]any) {
			if meta, ok := m["meta"].(map[string]any); ok {
				if loc, ok := meta["location"].(string); ok {
					meta["location"] = relativeRef(loc)
				}
			}
			for _, attr := range []string{"members", "groups"} {
				list, _ := m[attr].([]any)
				for _, x := range list {
					if o, ok := x.(map[string]any); ok {
						if ref, ok := o["$ref"].(string); ok {
							o["$ref"] = relativeRef(ref)
						}
					}
				}
			}
		})
	})(next)
}

// relativeRef is an absolute SCIM resource URL made relative (see relativeLocations).
func relativeRef(abs string) string {
	i := strings.Index(abs, "/api/rest/scim/v2/")
	if i < 0 {
		return abs
	}
	path := abs[i:]
	if j := strings.Index(path, "/Users/"); j >= 0 {
		return path[j+1:]
	}
	return path
}

// wireFaults are the faults by name.
var wireFaults = map[string]wireFault{
	// a strict RFC 7644 filter parser: an unquoted string value (Entra ID's externalId eq jyoung) is invalidFilter
	"wire-unquoted-filter-rejected": refuse(http.StatusBadRequest, "invalidFilter", func(r *http.Request, _, _ string) bool {
		return r.Method == http.MethodGet && hasUnquotedValue(r.URL.Query().Get("filter"))
	}),
	"wire-no-discovery": refuse(http.StatusNotFound, "", is("", "ServiceProviderConfig", "ResourceTypes", "Schemas")),
	"wire-bearer-case": refuse(http.StatusUnauthorized, "", func(r *http.Request, _, _ string) bool {
		return strings.HasPrefix(r.Header.Get("Authorization"), "bearer ")
	}),
	"wire-create-200": onAnswer(is(http.MethodPost, "Users", "Groups"), func(_ *http.Request, c *captured) {
		if c.status == http.StatusCreated {
			c.status = http.StatusOK
		}
	}),
	"wire-group-ref-wrong": onAnswer(is("", "Users"), func(_ *http.Request, c *captured) {
		c.editResources(func(m map[string]any) {
			groups, _ := m["groups"].([]any)
			for _, x := range groups {
				if o, ok := x.(map[string]any); ok && o["$ref"] != nil {
					o["$ref"] = strings.Replace(o["$ref"].(string), "/Groups/", "/Users/", 1)
				}
			}
		})
	}),
	"wire-no-location": onAnswer(is(""), func(_ *http.Request, c *captured) { c.header.Del("Location") }),
	"wire-no-meta": onAnswer(is("", "Users", "Groups"), func(_ *http.Request, c *captured) {
		c.editResources(func(m map[string]any) { delete(m, "meta") })
	}),
	"wire-drop-attributes": onAnswer(is("", "Users"), func(_ *http.Request, c *captured) {
		c.editResources(func(m map[string]any) { delete(m, "externalId"); delete(m, "displayName"); delete(m, "name") })
	}),
	"wire-no-required-check": onRequest(is(http.MethodPost, "Users"), func(r *http.Request) {
		if m := readJSON(r); m["userName"] == nil {
			m["userName"] = "wire-" + randomHex(6) + "@example.com"
			setJSON(r, m)
		}
	}),
	"wire-reads-broken": refuse(http.StatusNotFound, "", isOne(http.MethodGet, "Users", "Groups")),
	"wire-not-found-400": onAnswer(isOne(http.MethodGet, "Users", "Groups"), func(_ *http.Request, c *captured) {
		if c.status == http.StatusNotFound {
			c.status = http.StatusBadRequest
		}
	}),
	"wire-delete-200": onAnswer(isOne(http.MethodDelete), func(_ *http.Request, c *captured) {
		if c.status == http.StatusNoContent {
			c.status, c.body = http.StatusOK, []byte("{}")
		}
	}),
	"wire-delete-locks": onRequest(isOne(http.MethodDelete, "Users"), func(r *http.Request) {
		r.Method = http.MethodPatch
		setJSON(r, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}})
	}),
	"wire-reject-unknown": func(next http.Handler) http.Handler {
		known := map[string]bool{"schemas": true, "userName": true, "name": true, "displayName": true, "emails": true,
			"externalId": true, "active": true, "groups": true}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if res, id := scimRoute(r); res == "Users" && id == "" && r.Method == http.MethodPost {
				for k := range readJSON(r) {
					if !known[k] {
						drain(r)
						scimError(w, http.StatusBadRequest, "invalidSyntax")
						return
					}
				}
			}
			next.ServeHTTP(w, r)
		})
	},
	"wire-user-groups-hidden": onAnswer(is("", "Users"), func(_ *http.Request, c *captured) {
		c.editResources(func(m map[string]any) { delete(m, "groups") })
	}),
	"wire-group-delete-ignored": func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if res, id := scimRoute(r); res == "Groups" && id != "" && r.Method == http.MethodDelete {
				drain(r)
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
		})
	},
	"wire-members-dropped": onRequest(is(http.MethodPost, "Groups"), func(r *http.Request) {
		m := readJSON(r)
		delete(m, "members")
		setJSON(r, m)
	}),
	"wire-put-ignored": asGet(http.MethodPut),
	"wire-put-unlocks": onRequest(isOne(http.MethodPut, "Users"), func(r *http.Request) {
		if m := readJSON(r); m["active"] == nil {
			m["active"] = true
			setJSON(r, m)
		}
	}),
	"wire-patch-ignored":   asGet(http.MethodPatch),
	"wire-patch-op-case":   refusePatch("invalidSyntax", func(op map[string]any) bool { s, _ := op["op"].(string); return s != strings.ToLower(s) }),
	"wire-string-booleans": refusePatch("invalidValue", func(op map[string]any) bool { return hasString(op["value"], "True", "False") }),
	"wire-pathless-rejected": refusePatch("invalidPath", func(op map[string]any) bool {
		p, _ := op["path"].(string)
		return p == "" && op["op"] != "remove"
	}),
	"wire-value-path-rejected": refusePatch("invalidPath", func(op map[string]any) bool {
		p, _ := op["path"].(string)
		return strings.Contains(p, "[")
	}),
	"wire-member-remove-all": patchOps(func(ops []any) []any {
		for i, o := range ops {
			op, _ := o.(map[string]any)
			p, _ := op["path"].(string)
			if s, _ := op["op"].(string); strings.EqualFold(s, "remove") && strings.HasPrefix(strings.ToLower(p), "members") {
				ops[i] = map[string]any{"op": "remove", "path": "members"}
			}
		}
		return ops
	}),
	"wire-replace-as-add": patchOps(func(ops []any) []any {
		for _, o := range ops {
			op, _ := o.(map[string]any)
			if p, _ := op["path"].(string); strings.EqualFold(p, "members") && strings.EqualFold(op["op"].(string), "replace") {
				op["op"] = "add"
			}
		}
		return ops
	}),
	"wire-first-op-only": patchOps(func(ops []any) []any { return ops[:min(1, len(ops))] }),
	"wire-patch-not-atomic": func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res, id := scimRoute(r)
			if res == "" || id == "" || r.Method != http.MethodPatch {
				next.ServeHTTP(w, r)
				return
			}
			m := readJSON(r)
			ops, _ := m["Operations"].([]any)
			var c *captured
			for _, op := range ops { // one request per operation: earlier ones stay applied
				one := r.Clone(r.Context())
				setJSON(one, map[string]any{"schemas": m["schemas"], "Operations": []any{op}})
				if c = capture(next, one); c.status >= 300 {
					break
				}
			}
			if c == nil {
				next.ServeHTTP(w, r)
				return
			}
			c.write(w)
		})
	},
	"wire-group-patch-body": func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			res, id := scimRoute(r)
			if res != "Groups" || id == "" || r.Method != http.MethodPatch {
				next.ServeHTTP(w, r)
				return
			}
			c := capture(next, r)
			if c.status == http.StatusNoContent {
				get := r.Clone(r.Context())
				get.Method, get.Body = http.MethodGet, http.NoBody
				c = capture(next, get)
			}
			c.write(w)
		})
	},
	"wire-sort-ignored":       dropQuery("sortBy", "sortOrder"),
	"wire-projection-ignored": dropQuery("attributes", "excludedAttributes"),
	"wire-projection-drops-id": onAnswer(is("", "Users", "Groups"), func(r *http.Request, c *captured) {
		q := r.URL.Query()
		if q.Get("attributes") != "" || q.Get("excludedAttributes") != "" {
			c.editResources(func(m map[string]any) { delete(m, "id") })
		}
	}),
	"wire-no-etag":               onAnswer(is(""), func(_ *http.Request, c *captured) { c.header.Del("ETag") }),
	"wire-if-none-match-ignored": onRequest(is(http.MethodGet), func(r *http.Request) { r.Header.Del("If-None-Match") }),
	"wire-if-match-garbled": onRequest(is(""), func(r *http.Request) {
		if r.Header.Get("If-Match") != "" {
			r.Header.Set("If-Match", `W/"0"`)
		}
	}),
	"wire-version-frozen": onAnswer(is("", "Users", "Groups"), func(_ *http.Request, c *captured) {
		if c.header.Get("ETag") != "" {
			c.header.Set("ETag", `W/"1"`)
		}
		c.editResources(func(m map[string]any) {
			if meta, ok := m["meta"].(map[string]any); ok {
				meta["version"] = `W/"1"`
			}
		})
	}),
	"wire-content-type-json": onAnswer(is(""), func(_ *http.Request, c *captured) {
		if c.header.Get("Content-Type") != "" {
			c.header.Set("Content-Type", "application/json")
		}
	}),
	"wire-no-list-fields": onAnswer(is(http.MethodGet, "Users", "Groups"), func(_ *http.Request, c *captured) {
		var m map[string]any
		if json.Unmarshal(c.body, &m) == nil && m["Resources"] != nil {
			delete(m, "itemsPerPage")
			delete(m, "startIndex")
			c.body, _ = json.Marshal(m)
		}
	}),
	"wire-lenient-emails": onRequest(is(http.MethodPost, "Users"), func(r *http.Request) {
		m := readJSON(r)
		if un, _ := m["userName"].(string); m["emails"] == nil && !emailish.MatchString(un) {
			m["userName"] = "lenient-" + randomHex(6) + "@example.com"
			setJSON(r, m)
		}
	}),
	"wire-invited-inactive": onAnswer(is("", "Users"), func(_ *http.Request, c *captured) {
		c.editResources(func(m map[string]any) { m["active"] = false })
	}),
	"wire-displayname-not-defaulted": onAnswer(is("", "Users"), func(_ *http.Request, c *captured) {
		c.editResources(func(m map[string]any) {
			if m["displayName"] == m["userName"] {
				delete(m, "displayName")
			}
		})
	}),
	"wire-groups-on-create-ignored": onRequest(is(http.MethodPost, "Users"), func(r *http.Request) {
		m := readJSON(r)
		delete(m, "groups")
		setJSON(r, m)
	}),
	"wire-domain-unreserved": onRequest(is(http.MethodPost, "Users"), func(r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		b = reservedDomain.ReplaceAll(b, []byte(".free.example"))
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
	}),
	"wire-approval-ignored": onAdmin(http.MethodPost, `/queue/approve$`, func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		drain(r)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"teams_approved":0,"memberships_approved":0,"memberships_waiting":0}`)
	}),
	"wire-auto-approve-ignored": onAdmin(http.MethodPatch, `/nodes/[^/]+/settings$`, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		m := readJSON(r)
		delete(m, "auto_approve")
		setJSON(r, m)
		next.ServeHTTP(w, r)
	}),
	// a scheme compared case-sensitively, the header then refused as malformed (400, not 401)
	"wire-bearer-case-400": refuse(http.StatusBadRequest, "invalidSyntax", func(r *http.Request, _, _ string) bool {
		return strings.HasPrefix(r.Header.Get("Authorization"), "bearer ")
	}),
	// a group PATCH skips the operations whose op is not written in lower case, and answers 204
	"wire-group-op-case-skipped": func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if res, id := scimRoute(r); res == "Groups" && id != "" && r.Method == http.MethodPatch {
				m := readJSON(r)
				ops, _ := m["Operations"].([]any)
				kept := ops[:0:0]
				for _, o := range ops {
					if op, ok := o.(map[string]any); ok {
						if s, _ := op["op"].(string); s != strings.ToLower(s) {
							continue
						}
					}
					kept = append(kept, o)
				}
				if len(kept) == 0 {
					drain(r)
					w.WriteHeader(http.StatusNoContent)
					return
				}
				m["Operations"] = kept
				setJSON(r, m)
			}
			next.ServeHTTP(w, r)
		})
	},
	// a non-empty string is truthy: "False" reads as true
	"wire-string-booleans-truthy": patchOps(func(ops []any) []any {
		for _, o := range ops {
			if op, ok := o.(map[string]any); ok && hasString(op["value"], "True", "False") {
				if _, str := op["value"].(string); str {
					op["value"] = true
				}
			}
		}
		return ops
	}),
	// every malformed PATCH is refused as invalidSyntax, whatever the problem
	"wire-patch-errors-invalid-syntax": refusePatch("invalidSyntax", func(op map[string]any) bool {
		p, hasPath := op["path"].(string)
		return op["op"] == "remove" && !hasPath || strings.Count(p, "[") != strings.Count(p, "]")
	}),
	// DELETE /Users/{id} is acknowledged (204) and queued, never carried out
	"wire-user-delete-ignored": func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if res, id := scimRoute(r); res == "Users" && id != "" && r.Method == http.MethodDelete {
				drain(r)
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
		})
	},
	// a path-less PATCH value is read for the profile attributes only: its active is dropped
	"wire-pathless-active-ignored": patchOps(func(ops []any) []any {
		for _, o := range ops {
			if op, ok := o.(map[string]any); ok && op["path"] == nil {
				if v, ok := op["value"].(map[string]any); ok {
					delete(v, "active")
				}
			}
		}
		return ops
	}),
	"wire-endpoint-status-stuck": onAdmin(http.MethodGet, `/nodes/[^/]+/scim$`, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		c := capture(next, r)
		var m map[string]any
		if json.Unmarshal(c.body, &m) == nil && m["status"] == "active" {
			m["status"] = "pending"
			c.body, _ = json.Marshal(m)
		}
		c.write(w)
	}),
}

var unquotedFilterValue = regexp.MustCompile(`(?i)\s(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s+([^"\s()\[\]]+)`)

// hasUnquotedValue reports whether a filter compares with a bare word that
// is not a JSON literal (true, false, null, a number).
func hasUnquotedValue(f string) bool {
	for _, m := range unquotedFilterValue.FindAllStringSubmatch(f, -1) {
		switch w := strings.ToLower(m[1]); {
		case w == "true" || w == "false" || w == "null":
		case strings.Trim(w, "0123456789.-+e") == "":
		default:
			return true
		}
	}
	return false
}
