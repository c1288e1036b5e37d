package steps

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/provkit/provkit/internal/scimclient"
)

func (r reg) users() {
	// ---- Given ----
	r.s2(`^the (user|group) "([^"]*)" exists$`, func(w *World, kind, name string) error {
		if kind == "user" {
			_, err := w.ensureUser(name)
			return err
		}
		_, err := w.ensureGroup(name)
		return err
	})
	r.s1(`^the users `+names+` exist$`, func(w *World, list string) error {
		for _, n := range nameList(list) {
			if _, err := w.ensureUser(n); err != nil {
				return err
			}
		}
		return nil
	})
	r.s1(`^the user "([^"]*)" is provisioned more than a second after the others$`, func(w *World, name string) error {
		// A server may stamp meta.created in whole seconds (RFC 7643 §3.1
		// asks only for a DateTime); waiting over a second makes this
		// user's created time later than every earlier one on any server.
		select {
		case <-time.After(1100 * time.Millisecond):
		case <-w.ctx.Done():
			return w.ctx.Err()
		}
		_, err := w.ensureUser(name)
		return err
	})
	r.s1(`^(\d+) users of this scenario exist$`, func(w *World, n string) error {
		var count int
		fmt.Sscan(n, &count)
		for i := 1; i <= count; i++ {
			if _, err := w.ensureUser(fmt.Sprintf("user%d", i)); err != nil {
				return err
			}
		}
		return nil
	})
	r.s1(`^the user "([^"]*)" is deactivated$`, func(w *World, name string) error {
		u, err := w.ensureUser(name)
		if err != nil {
			return err
		}
		ex, err := w.do(http.MethodPatch, "/Users/"+u.id, patchBody(map[string]any{"op": "replace", "path": "active", "value": false}))
		if err := okOr(ex, err, "deactivating the user "+name); err != nil {
			return err
		}
		ex, err = w.do(http.MethodGet, "/Users/"+u.id, nil)
		if err := okOr(ex, err, "reading the user "+name); err != nil {
			return err
		}
		if ex.Get("active").Bool() {
			return failf(ex, "deactivating the user %s: it still reads active", name)
		}
		return nil
	})
	r.s1(`^the user "([^"]*)" was deleted$`, func(w *World, name string) error {
		u, err := w.ensureUser(name)
		if err != nil {
			return err
		}
		ex, err := w.do(http.MethodDelete, "/Users/"+u.id, nil)
		return okOr(ex, err, "deleting the user "+name)
	})

	// ---- When ----
	r.s1(`^the identity provider (?:provisions|creates) the user "([^"]*)"$`, func(w *World, name string) error {
		return w.provision(name, w.userBody(name), nil)
	})
	r.s2(`^the identity provider provisions the user "([^"]*)" asking for "([^"]*)"$`, func(w *World, name, query string) error {
		q, err := w.query(query)
		if err != nil {
			return err
		}
		return w.provision(name, w.userBody(name), q)
	})
	r.s2(`^(Entra ID|Okta) provisions the user "([^"]*)"$`, func(w *World, client, name string) error {
		if client == "Okta" {
			return w.provision(name, w.oktaUserBody(name), nil)
		}
		return w.provision(name, w.entraUserBody(name), nil)
	})
	r.s1(`^the identity provider provisions the user "([^"]*)" without a display name$`, func(w *World, name string) error {
		b := w.userBody(name)
		delete(b, "displayName")
		return w.provision(name, b, nil)
	})
	r.s1(`^the identity provider provisions the user "([^"]*)" again with a new externalId$`, func(w *World, name string) error {
		b := w.userBody(name)
		b["externalId"] = w.scope + "-relinked"
		return w.provisionAgain(name, b)
	})
	r.s1(`^the identity provider provisions the user "([^"]*)" (?:again )?with the address in upper case$`, func(w *World, name string) error {
		b := w.userBody(name)
		un := strings.ToUpper(w.userName(name))
		b["userName"] = un
		b["emails"] = []any{map[string]any{"value": un, "type": "work", "primary": true}}
		return w.provisionAgain(name, b)
	})
	r.s1(`^the identity provider provisions the user "([^"]*)" with its work email repeated$`, func(w *World, name string) error {
		b := w.userBody(name)
		un := w.userName(name)
		b["emails"] = []any{map[string]any{"value": un, "type": "work", "primary": true},
			map[string]any{"value": un, "type": "work"}, map[string]any{"value": strings.ToUpper(un), "type": "Work"}}
		return w.provision(name, b, nil)
	})
	r.s2(`^the identity provider provisions the user "([^"]*)" into the group "([^"]*)"$`, func(w *World, name, gname string) error {
		g, err := w.mustGroup(gname)
		if err != nil {
			return err
		}
		b := w.userBody(name)
		b["groups"] = []any{map[string]any{"value": g.id}}
		return w.provision(name, b, nil)
	})
	r.s0(`^the identity provider provisions a user without a userName$`, func(w *World) error {
		b := w.userBody("nameless")
		delete(b, "userName")
		delete(b, "emails")
		return w.provision("nameless", b, nil)
	})
	r.s1(`^the identity provider provisions a user with the userName "([^"]*)" and no email$`, func(w *World, un string) error {
		un, err := w.expand(un)
		if err != nil {
			return err
		}
		return w.provision("invalid", map[string]any{"schemas": []any{userSchema}, "userName": un}, nil)
	})
	r.s2(`^the identity provider reads the (user|group) "([^"]*)"$`, func(w *World, kind, name string) error {
		ex, err := w.read(kind, name)
		w.last = ex
		return err
	})
	r.s3(`^the identity provider reads the (user|group) "([^"]*)" asking for "(.*)"$`, func(w *World, kind, name, query string) error {
		path, err := w.pathOf(kind, name)
		if err != nil {
			return err
		}
		q, err := w.query(query)
		if err != nil {
			return err
		}
		ex, err := w.do(http.MethodGet, path, nil, withQuery(q))
		w.last = ex
		return err
	})
	r.s1(`^the identity provider reads an unknown (user|group)$`, func(w *World, kind string) error {
		path := "/Users/" + unknownUserID()
		if kind == "group" {
			path = "/Groups/" + randomID(22)
		}
		ex, err := w.do(http.MethodGet, path, nil)
		w.last = ex
		return err
	})
	r.s2(`^the identity provider (replaces|patches|deletes) an unknown (user|group)$`, func(w *World, verb, kind string) error {
		path, body := "/Users/"+unknownUserID(), any(w.userBody("ghost"))
		if kind == "group" {
			path, body = "/Groups/"+randomID(22), w.groupBody("ghost", nil)
		}
		method := map[string]string{"replaces": http.MethodPut, "patches": http.MethodPatch, "deletes": http.MethodDelete}[verb]
		switch verb {
		case "patches":
			body = patchBody(map[string]any{"op": "replace", "path": "displayName", "value": w.scope + " ghost"})
		case "deletes":
			body = nil
		}
		ex, err := w.do(method, path, body)
		if err == nil && ex.OK() && ex.Get("id").String() != "" { // a wrong upsert: do not leave it behind
			if kind == "user" {
				w.removeUserAtEnd(ex.Get("id").String(), w.c)
			} else {
				w.removeGroupAtEnd(ex.Get("id").String(), w.c)
			}
		}
		w.last = ex
		return err
	})
	r.s2(`^the identity provider deletes the (user|group) "([^"]*)"$`, func(w *World, kind, name string) error {
		path, err := w.pathOf(kind, name)
		if err != nil {
			return err
		}
		ex, err := w.do(http.MethodDelete, path, nil)
		w.last = ex
		return err
	})
	r.s1(`^the identity provider follows the location of the user "([^"]*)"$`, func(w *World, name string) error {
		u, err := w.mustUser(name)
		if err != nil {
			return err
		}
		ex, err := w.do(http.MethodGet, "/Users/"+u.id, nil)
		if err := okOr(ex, err, "reading the user "+name); err != nil {
			return err
		}
		loc := ex.Get("meta.location").String()
		if loc == "" {
			return failf(ex, "the user %s has no meta.location to follow", name)
		}
		abs, err := w.c.ResolveReference(loc)
		if err != nil {
			return failf(ex, "the user %s's meta.location %q cannot be followed: %v", name, loc, err)
		}
		got, err := w.c.Do(w.ctx, scimclient.Request{Method: http.MethodGet, URL: abs})
		w.last = got
		if err != nil {
			return failf(got, "following the user %s's meta.location %q (%s) got no answer", name, loc, abs)
		}
		return nil
	})
	r.s2(`^the identity provider replaces the user "([^"]*)" with the display name "([^"]*)"$`, func(w *World, name, display string) error {
		return w.replace("user", name, func(m map[string]any) { m["displayName"] = display }, nil)
	})
	r.s1(`^the identity provider replaces the user "([^"]*)" without the active attribute$`, func(w *World, name string) error {
		return w.replace("user", name, func(m map[string]any) { delete(m, "active") }, nil)
	})
	r.s1(`^the identity provider replaces the user "([^"]*)" with active false$`, func(w *World, name string) error {
		return w.replace("user", name, func(m map[string]any) { m["active"] = false }, nil)
	})
	r.s0(`^the identity provider sends malformed JSON to provision a user$`, func(w *World) error {
		ex, err := w.do(http.MethodPost, "/Users", []byte(`{"schemas": ["`+userSchema+`"], "userName": "`+w.userName("broken")+`",`))
		w.last = ex
		return err
	})
	r.s1(`^the identity provider sends a PATCH request without operations to the user "([^"]*)"$`, func(w *World, name string) error {
		u, err := w.mustUser(name)
		if err != nil {
			return err
		}
		ex, err := w.do(http.MethodPatch, "/Users/"+u.id, map[string]any{"schemas": []any{patchOpSchema}})
		w.last = ex
		return err
	})

	// ---- Then ----
	r.s2(`^the user "([^"]*)" is (active|inactive)$`, func(w *World, name, state string) error {
		ex, err := w.read("user", name)
		if err != nil {
			return err
		}
		if ex.Status != http.StatusOK {
			return badStatus(ex, "200", "expected to read the user %s, got %d", name, ex.Status)
		}
		if a := ex.Get("active"); !a.IsBool() || a.Bool() != (state == "active") {
			return mismatch(ex, "active", fmt.Sprint(state == "active"), orAbsent(a), "expected the user %s to be %s (active %v), got %s", name, state, state == "active", orAbsent(a))
		}
		return nil
	})
	r.s1(`^the user "([^"]*)" can still be read$`, func(w *World, name string) error {
		ex, err := w.read("user", name)
		if err != nil {
			return err
		}
		if ex.Status != http.StatusOK {
			return badStatus(ex, "200", "expected the user %s to be readable, got %d", name, ex.Status)
		}
		return nil
	})
	r.s2(`^the (user|group) "([^"]*)" can no longer be read$`, func(w *World, kind, name string) error {
		ex, err := w.read(kind, name)
		if err != nil {
			return err
		}
		if ex.Status != http.StatusNotFound {
			return badStatus(ex, "404", "expected 404 Not Found for the deleted %s %s, got %d", kind, name, ex.Status)
		}
		return nil
	})
	r.s4(`^the (user|group) "([^"]*)" has (\S+) "(.*)"$`, func(w *World, kind, name, path, want string) error {
		want, err := w.expand(want)
		if err != nil {
			return err
		}
		ex, err := w.read(kind, name)
		if err != nil {
			return err
		}
		if got := ex.Get(path); ex.Status != http.StatusOK || got.String() != want {
			return mismatch(ex, path, strconv.Quote(want), valueOrStatus(ex, got), "expected the %s %s to have %s %q, got %s", kind, name, path, want, orAbsent(got))
		}
		return nil
	})
	r.s3(`^the (user|group) "([^"]*)" has no (\S+)$`, func(w *World, kind, name, path string) error {
		ex, err := w.read(kind, name)
		if err != nil {
			return err
		}
		if got := ex.Get(path); ex.Status != http.StatusOK || (got.Exists() && !isEmpty(got)) {
			return mismatch(ex, path, "nothing", valueOrStatus(ex, got), "expected the %s %s to have no %s, got %s", kind, name, path, got.Raw)
		}
		return nil
	})
	r.s2(`^the user "([^"]*)" has exactly one primary email, "([^"]*)"$`, func(w *World, name, want string) error {
		want, err := w.expand(want)
		if err != nil {
			return err
		}
		ex, err := w.read("user", name)
		if err != nil {
			return err
		}
		got := values(ex.Get(`emails.#(primary==true)#`))
		if ex.Status != http.StatusOK || len(got) != 1 || got[0] != want {
			return mismatch(ex, "the primary emails", strconv.Quote(want), valueOrStatus(ex, ex.Get(`emails.#(primary==true)#.value`)), "expected exactly one primary email, %q", want)
		}
		return nil
	})
	r.s2(`^the user "([^"]*)" has the work email "([^"]*)"$`, func(w *World, name, want string) error {
		want, err := w.expand(want)
		if err != nil {
			return err
		}
		ex, err := w.read("user", name)
		if err != nil {
			return err
		}
		if got := ex.Get(`emails.#(type=="work").value`); got.String() != want {
			return mismatch(ex, "the work email", strconv.Quote(want), valueOrStatus(ex, got), "expected the work email %q, got %s", want, orAbsent(got))
		}
		return nil
	})
	r.s2(`^the (user|group) "([^"]*)" has a new version$`, func(w *World, kind, name string) error {
		var before string
		if kind == "user" {
			u, err := w.mustUser(name)
			if err != nil {
				return err
			}
			before = u.version
		} else {
			g, err := w.mustGroup(name)
			if err != nil {
				return err
			}
			before = g.version
		}
		ex, err := w.read(kind, name)
		if err != nil {
			return err
		}
		v := versionOf(ex)
		if before == "" || v == "" || v == before {
			return mismatch(ex, "version", "other than "+strconv.Quote(before), strconv.Quote(v), "expected a version other than %q after the change, got %q", before, v)
		}
		return nil
	})
	r.s1(`^the user "([^"]*)" was last modified after it was created$`, func(w *World, name string) error {
		ex, err := w.read("user", name)
		if err != nil {
			return err
		}
		c, errC := time.Parse(time.RFC3339, ex.Get("meta.created").String())
		m, errM := time.Parse(time.RFC3339, ex.Get("meta.lastModified").String())
		if ex.Status != http.StatusOK || errC != nil || errM != nil || !m.After(c) {
			return mismatch(ex, "meta.lastModified", "a time after meta.created "+ex.Get("meta.created").String(), valueOrStatus(ex, ex.Get("meta.lastModified")),
				"expected meta.lastModified after meta.created %s, got %s", ex.Get("meta.created").String(), orAbsent(ex.Get("meta.lastModified")))
		}
		return nil
	})
	r.s2(`^the user "([^"]*)" keeps its (lastModified|version)$`, func(w *World, name, what string) error {
		u, err := w.mustUser(name)
		if err != nil {
			return err
		}
		ex, err := w.read("user", name)
		if err != nil {
			return err
		}
		want, got, path := u.modified, ex.Get("meta.lastModified").String(), "meta.lastModified"
		if what == "version" {
			want, got, path = u.version, versionOf(ex), "meta.version"
		}
		if ex.Status != http.StatusOK || want == "" || got != want {
			return mismatch(ex, path, strconv.Quote(want), strconv.Quote(got), "expected the user %s to keep %s %q after a change that changed nothing, got %q", name, path, want, got)
		}
		return nil
	})
	r.s1(`^the user "([^"]*)" keeps its id$`, func(w *World, name string) error {
		u, err := w.mustUser(name)
		if err != nil {
			return err
		}
		ex, err := w.answer()
		if err != nil {
			return err
		}
		if got := ex.Get("id").String(); got != u.id {
			return mismatch(ex, "id", u.id, orAbsent(ex.Get("id")), "expected the existing user's id %s, got %q", u.id, got)
		}
		return nil
	})
	r.s2(`^the user "([^"]*)" belongs to the group "([^"]*)"$`, func(w *World, name, gname string) error {
		g, err := w.mustGroup(gname)
		if err != nil {
			return err
		}
		ex, err := w.read("user", name)
		if err != nil {
			return err
		}
		for _, v := range values(ex.Get("groups")) {
			if v == g.id {
				return nil
			}
		}
		return mismatch(ex, "groups", "a list with the group "+gname+" (id "+g.id+")", valueOrStatus(ex, ex.Get("groups")), "expected the user %s's groups to list %s (id %s)", name, gname, g.id)
	})
	r.s1(`^no user "([^"]*)" exists$`, func(w *World, name string) error {
		ex, err := w.do(http.MethodGet, "/Users", nil, withQuery(url.Values{"filter": {fmt.Sprintf("userName eq %q", w.userName(name))}}))
		if err != nil {
			return err
		}
		if ex.Status != http.StatusOK || ex.Get("totalResults").Int() != 0 {
			return mismatch(ex, "totalResults", "0", valueOrStatus(ex, ex.Get("totalResults")), "expected no user %s", w.userName(name))
		}
		return nil
	})
}

// provision POSTs a user as the When step and remembers it when created.
func (w *World) provision(name string, body map[string]any, q url.Values) error {
	ex, err := w.do(http.MethodPost, "/Users", body, withQuery(q))
	if err != nil {
		return err
	}
	w.last = ex
	if ex.Status == http.StatusCreated && ex.Get("id").String() != "" {
		if _, known := w.users[name]; !known {
			w.removeUserAtEnd(ex.Get("id").String(), w.c)
		}
		w.remember(name, ex)
	}
	return nil
}

// replace reads a resource and PUTs it back after change.
func (w *World) replace(kind, name string, change func(map[string]any), header map[string]string) error {
	path, err := w.pathOf(kind, name)
	if err != nil {
		return err
	}
	ex, err := w.do(http.MethodGet, path, nil)
	if err := okOr(ex, err, "reading the "+kind+" "+name+" to replace it"); err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(ex.RespBody, &m); err != nil {
		return failf(ex, "reading the %s %s: %v", kind, name, err)
	}
	delete(m, "meta")
	if kind == "user" {
		delete(m, "groups") // read-only in RFC 7643
	}
	change(m)
	ex, err = w.do(http.MethodPut, path, m, headers(header))
	w.last = ex
	return err
}

// query parses "a=b&c=d" (with \" for quotes) after expanding placeholders.
func (w *World) query(s string) (url.Values, error) {
	s, err := w.expand(strings.ReplaceAll(s, `\"`, `"`))
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	for _, kv := range strings.Split(s, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		q.Add(k, v)
	}
	return q, nil
}

func versionOf(ex *scimclient.Exchange) string {
	if v := ex.Get("meta.version").String(); v != "" {
		return v
	}
	return ex.RespHeader.Get("ETag")
}

// unknownUserID is an id no user has: 18 random digits.
func unknownUserID() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1e17))
	return fmt.Sprintf("9%017d", n)
}

// provisionAgain POSTs a user body for a persona the scenario may already
// have, keeping the answer for the Then steps; a new user it creates (not a
// link to the persona's) is removed at the end.
func (w *World) provisionAgain(name string, b map[string]any) error {
	ex, err := w.do(http.MethodPost, "/Users", b)
	if err != nil {
		return err
	}
	w.last = ex
	if prev, ok := w.users[name]; ex.Status == http.StatusCreated && (!ok || ex.Get("id").String() != prev.id) {
		w.removeUserAtEnd(ex.Get("id").String(), w.c)
	}
	return nil
}
