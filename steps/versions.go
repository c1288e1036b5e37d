package steps

import (
	"net/http"
	"strconv"
	"time"

	"github.com/provkit/provkit/internal/scimclient"
)

// versions: ETag, If-Match and If-None-Match (RFC 7644 §3.14).
func (r reg) versions() {
	r.s2(`^the (user|group) "([^"]*)" changed after the identity provider read it$`, func(w *World, kind, name string) error {
		var err error
		if kind == "user" {
			_, err = w.ensureUser(name)
		} else {
			_, err = w.ensureGroup(name)
		}
		if err != nil {
			return err
		}
		path, _ := w.pathOf(kind, name)
		ex, err := w.do(http.MethodGet, path, nil)
		if err := okOr(ex, err, "reading the "+kind+" "+name); err != nil {
			return err
		}
		w.staleETag = etagOf(ex)
		if w.staleETag == "" {
			return failf(ex, "reading the %s %s: the answer has no ETag and no meta.version", kind, name)
		}
		ex, err = w.do(http.MethodPatch, path, patchBody(map[string]any{"op": "replace", "path": "displayName", "value": w.scope + " changed"}))
		if err := okOr(ex, err, "changing the "+kind+" "+name); err != nil {
			return err
		}
		ex, err = w.do(http.MethodGet, path, nil)
		if err := okOr(ex, err, "reading the "+kind+" "+name); err != nil {
			return err
		}
		if etagOf(ex) == w.staleETag {
			return failf(ex, "changing the %s %s did not change its version", kind, name)
		}
		return nil
	})
	r.s3(`^the identity provider (replaces|patches|deletes|reads) the (user|group) "([^"]*)" with a stale version$`, func(w *World, verb, kind, name string) error {
		h := map[string]string{"If-Match": w.staleETag}
		switch verb {
		case "reads":
			path, err := w.pathOf(kind, name)
			if err != nil {
				return err
			}
			ex, err := w.do(http.MethodGet, path, nil, headers(map[string]string{"If-None-Match": w.staleETag}))
			w.last = ex
			return err
		case "replaces":
			return w.replace(kind, name, func(m map[string]any) { m["displayName"] = w.scope + " replaced" }, h)
		case "patches":
			return w.patchWith(kind, name, `[{"op": "replace", "path": "displayName", "value": "{scope} patched"}]`, h)
		}
		path, err := w.pathOf(kind, name)
		if err != nil {
			return err
		}
		ex, err := w.do(http.MethodDelete, path, nil, headers(h))
		w.last = ex
		return err
	})
	r.s1(`^the identity provider patches the user "([^"]*)" with its current version$`, func(w *World, name string) error {
		ex, err := w.read("user", name)
		if err := okOr(ex, err, "reading the user "+name); err != nil {
			return err
		}
		return w.patchWith("user", name, `[{"op": "replace", "path": "displayName", "value": "{scope} current"}]`,
			map[string]string{"If-Match": etagOf(ex)})
	})
	r.s1(`^the identity provider patches the user "([^"]*)" with If-Match \*$`, func(w *World, name string) error {
		return w.patchWith("user", name, `[{"op": "replace", "path": "displayName", "value": "{scope} any"}]`,
			map[string]string{"If-Match": "*"})
	})
	r.s0(`^a second has passed$`, func(w *World) error {
		select {
		case <-time.After(1100 * time.Millisecond):
			return nil
		case <-w.ctx.Done():
			return w.ctx.Err()
		}
	})
	r.s2(`^the identity provider reads the (user|group) "([^"]*)" again with its current version$`, func(w *World, kind, name string) error {
		ex, err := w.read(kind, name)
		if err := okOr(ex, err, "reading the "+kind+" "+name); err != nil {
			return err
		}
		path, _ := w.pathOf(kind, name)
		ex, err = w.do(http.MethodGet, path, nil, headers(map[string]string{"If-None-Match": etagOf(ex)}))
		w.last = ex
		return err
	})
	r.s0(`^the answer carries an ETag equal to its meta.version$`, func(w *World) error {
		ex, err := w.answer()
		if err != nil {
			return err
		}
		et, mv := ex.RespHeader.Get("ETag"), ex.Get("meta.version").String()
		if et == "" || et != mv {
			return mismatch(ex, "ETag", strconv.Quote(mv)+" (meta.version)", orNone(et), "expected an ETag header equal to meta.version %q, got %q", mv, et)
		}
		return nil
	})
}

// etagOf is the version to send back: the ETag header, else meta.version.
func etagOf(ex *scimclient.Exchange) string {
	if et := ex.RespHeader.Get("ETag"); et != "" {
		return et
	}
	return ex.Get("meta.version").String()
}
