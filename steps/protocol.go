package steps

import (
	"context"
	"net/http"
	"strings"

	"github.com/cucumber/godog"
)

// protocol holds the steps of protocol details that are not about one
// resource: methods a path refuses, the /Me alias, POST /.search.
func (r reg) protocol() {
	// ---- When ----
	r.s2(`^the identity provider sends a (GET|POST|PUT|PATCH|DELETE) request to (the Users collection|the Groups collection|the user "[^"]*"|the ServiceProviderConfig)$`,
		func(w *World, method, target string) error {
			path := map[string]string{"the Users collection": "/Users", "the Groups collection": "/Groups",
				"the ServiceProviderConfig": "/ServiceProviderConfig"}[target]
			if path == "" {
				name := strings.TrimSuffix(strings.TrimPrefix(target, `the user "`), `"`)
				u, err := w.ensureUser(name)
				if err != nil {
					return err
				}
				path = "/Users/" + u.id
			}
			var body any
			if method != http.MethodGet && method != http.MethodDelete {
				body = map[string]any{"schemas": []any{userSchema}}
			}
			ex, err := w.do(method, path, body)
			w.last = ex
			return err
		})
	// The SearchRequest is the subject of the search rule, so it is written
	// out in a DocString (with placeholders), like a PATCH's operations.
	r.sc.Step(`^the identity provider searches (the users|the groups|every resource type) with:$`,
		func(ctx context.Context, where string, doc *godog.DocString) error {
			return run(ctx, func(w *World) error {
				body, err := w.expand(doc.Content)
				if err != nil {
					return err
				}
				path := map[string]string{"the users": "/Users/.search", "the groups": "/Groups/.search", "every resource type": "/.search"}[where]
				ex, err := w.do(http.MethodPost, path, []byte(strings.TrimSpace(body)))
				w.last = ex
				if err != nil {
					return err
				}
				// 501 is RFC 7644's answer for an operation the service does not
				// support (§3.12); a root-level search a server does not route
				// may also come back 400 or 404. Such a target is not judged.
				if ex.Status == http.StatusNotImplemented ||
					path == "/.search" && (ex.Status == http.StatusBadRequest || ex.Status == http.StatusNotFound) {
					return skipError{"the target does not support POST " + path + " (it answered " + statusOf(ex) + ")"}
				}
				return nil
			})
		})
	r.s0(`^the identity provider reads its own resource at /Me$`, func(w *World) error {
		ex, err := w.do(http.MethodGet, "/Me", nil)
		w.last = ex
		return err
	})

	// ---- Then ----
	r.s1(`^the refusal names the allowed methods `+names+`$`, func(w *World, list string) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if ex.Status != http.StatusMethodNotAllowed {
			return skipError{"the target did not refuse the method with 405 (it answered " + statusOf(ex) + "); the Allow rule is about 405 answers"}
		}
		allow := map[string]bool{}
		for _, v := range ex.RespHeader.Values("Allow") {
			for _, m := range strings.Split(v, ",") {
				allow[strings.ToUpper(strings.TrimSpace(m))] = true
			}
		}
		for _, m := range nameList(list) {
			if !allow[m] {
				return mismatch(ex, "Allow", "a list with "+strings.Join(nameList(list), ", "), orNone(strings.Join(ex.RespHeader.Values("Allow"), ", ")),
					"expected the 405 answer's Allow header to list %s (RFC 7231 §6.5.5)", m)
			}
		}
		return nil
	})
	r.s0(`^the answer is the authenticated subject's resource or 501 Not Implemented$`, func(w *World) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		switch {
		case ex.Status == http.StatusNotImplemented:
			return nil
		case ex.Status == http.StatusOK && ex.Get("id").String() != "" && ex.Get("schemas").IsArray():
			return nil
		}
		return badStatus(ex, "501", "expected 501 Not Implemented for a /Me the target does not support (or 200 with the subject's resource), got %d", ex.Status)
	})
}
